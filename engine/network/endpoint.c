/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoint record persistence; see endpoint.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/network/endpoint.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/jsonget.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static const char *const mode_names[] = {
	[NETWORK_MODE_BRIDGE] = "bridge",
	[NETWORK_MODE_HOST] = "host",
	[NETWORK_MODE_NONE] = "none",
	[NETWORK_MODE_CONTAINER] = "container",
};

const char *
endpoint_mode_name(enum network_mode mode)
{
	return (unsigned)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode]
									   : "none";
}

bool
endpoint_id_valid(const char *id)
{
	size_t len = strlen(id);

	return len > 0 && len <= 64 && id[0] != '.' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

static json_t *
addr_json(struct in_addr a)
{
	char text[INET_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET, &a, text, sizeof(text)));
}

void
endpoint_stem(const struct network_endpoint *ep, char out[96])
{
	if (!ep->ifname[0] || strcmp(ep->ifname, "eth0") == 0)
		snprintf(out, 96, "%s", ep->container_id);
	else
		snprintf(out, 96, "%s.%s", ep->container_id, ep->ifname);
}

int
endpoint_save(const char *dir, const struct network_endpoint *ep)
{
	char stem[96];
	_cleanup_free_ char *path = (endpoint_stem(ep, stem), xasprintf("%s/%s.json", dir, stem));
	_cleanup_json_ json_t *root = json_object();
	_cleanup_free_ char *text = NULL;
	json_t *ports = json_array();

	json_object_set_new(root, "id", json_string(ep->container_id));
	json_object_set_new(root, "endpoint_id", json_string(ep->endpoint_id));
	json_object_set_new(root, "mode", json_string(endpoint_mode_name(ep->mode)));
	json_object_set_new(root, "network", json_string(ep->network));
	json_object_set_new(root, "network_id", json_string(ep->network_id));
	json_object_set_new(root, "name", json_string(ep->name));
	json_object_set_new(root, "aliases", strv_to_json(ep->aliases));
	if (ep->links)
		json_object_set_new(root, "links", strv_to_json(ep->links));
	if (ep->prefix6) {
		char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &ep->ip6, a, sizeof(a));
		inet_ntop(AF_INET6, &ep->gateway6, g, sizeof(g));
		json_object_set_new(root, "ip6", json_string(a));
		json_object_set_new(root, "gateway6", json_string(g));
		json_object_set_new(root, "prefix6", json_integer(ep->prefix6));
	}
	json_object_set_new(root, "netns", json_string(ep->netns_path));
	json_object_set_new(root, "ip", addr_json(ep->ip));
	json_object_set_new(root, "gateway", addr_json(ep->gateway));
	json_object_set_new(root, "prefix", json_integer(ep->prefix));
	json_object_set_new(root, "mac", json_string(ep->mac));
	json_object_set_new(root, "veth", json_string(ep->host_veth));
	json_object_set_new(root, "ifname", json_string(ep->ifname[0] ? ep->ifname : "eth0"));
	json_object_set_new(root, "gw", json_boolean(ep->gw));
	for (size_t i = 0; i < ep->n_ports; i++) {
		const struct portmap_binding *b = &ep->ports[i];
		json_array_append_new(ports, json_pack("{s:s,s:i,s:o,s:i}", "proto",
						       portmap_proto_name(b->proto), "container_port",
						       b->container_port, "host_ip",
						       addr_json(b->host_ip), "host_port", b->host_port));
	}
	json_object_set_new(root, "ports", ports);
	text = json_dumps(root, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	/* Atomic by rename, not fsynced: a record describes a live namespace and
	 * veth. A daemon crash leaves the page cache, so the record is there for
	 * the restarted daemon; an OS crash leaves no container alive, and start-up
	 * (network_cleanup_stale) detaches every endpoint of a dead container and
	 * skips unreadable records, whatever they hold. */
	return fs_write_replace(path, text, strlen(text), 0600);
}

static int
get_str(json_t *root, const char *key, char *out, size_t size)
{
	const char *s = jsonget_cstr(root, key);

	if (!s || strlen(s) >= size)
		return -EINVAL;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int
get_addr(json_t *root, const char *key, struct in_addr *out)
{
	const char *s = jsonget_cstr(root, key);

	return s && inet_pton(AF_INET, s, out) == 1 ? 0 : -EINVAL;
}

static int
load_ports(json_t *arr, struct network_endpoint *ep)
{
	size_t i, n = json_array_size(arr);
	json_t *p;

	if (!json_is_array(arr) || n > LIMIT_PORT_BINDINGS)
		return -EINVAL;
	ep->ports = xcalloc(n ? n : 1, sizeof(*ep->ports));
	json_array_foreach(arr, i, p) {
		struct portmap_binding *b = &ep->ports[i];
		json_int_t cp = json_integer_value(json_object_get(p, "container_port"));
		json_int_t hp = json_integer_value(json_object_get(p, "host_port"));
		int proto = portmap_parse_proto(
			json_string_value(json_object_get(p, "proto")) ?: "");
		if (proto < 0 || cp < 1 || cp > 65535 || hp < 1 || hp > 65535 ||
		    get_addr(p, "host_ip", &b->host_ip) < 0)
			return -EINVAL;
		b->proto = (uint8_t)proto;
		b->container_port = (uint16_t)cp;
		b->host_port = b->host_port_end = (uint16_t)hp;
		ep->n_ports++;
	}
	return 0;
}

static int
parse_record(json_t *root, const char *stem, struct network_endpoint *ep)
{
	char want[96];
	char mode[16];
	json_int_t prefix = json_integer_value(json_object_get(root, "prefix"));
	int r = 0;

	r |= get_str(root, "id", ep->container_id, sizeof(ep->container_id));
	r |= get_str(root, "endpoint_id", ep->endpoint_id, sizeof(ep->endpoint_id));
	r |= get_str(root, "mode", mode, sizeof(mode));
	r |= get_str(root, "network", ep->network, sizeof(ep->network));
	/* Records written before user networks have no network ID: the default bridge. */
	if (json_object_get(root, "network_id"))
		r |= get_str(root, "network_id", ep->network_id, sizeof(ep->network_id));
	if (json_object_get(root, "name"))
		r |= get_str(root, "name", ep->name, sizeof(ep->name));
	if (json_is_array(json_object_get(root, "aliases")) &&
	    (json_array_size(json_object_get(root, "aliases")) > 1024 ||
	     strv_from_json(json_object_get(root, "aliases"), &ep->aliases) < 0))
		r |= -EINVAL;
	if (json_is_array(json_object_get(root, "links")) &&
	    (json_array_size(json_object_get(root, "links")) > 1024 ||
	     strv_from_json(json_object_get(root, "links"), &ep->links) < 0))
		r |= -EINVAL;
	if (json_object_get(root, "prefix6")) {
		json_int_t p6 = json_integer_value(json_object_get(root, "prefix6"));
		const char *a = jsonget_cstr(root, "ip6"), *g = jsonget_cstr(root, "gateway6");
		if (p6 < 1 || p6 > 127 || !a || !g || inet_pton(AF_INET6, a, &ep->ip6) != 1 ||
		    inet_pton(AF_INET6, g, &ep->gateway6) != 1)
			r |= -EINVAL;
		else
			ep->prefix6 = (int)p6;
	}
	r |= get_str(root, "netns", ep->netns_path, sizeof(ep->netns_path));
	r |= get_str(root, "mac", ep->mac, sizeof(ep->mac));
	r |= get_str(root, "veth", ep->host_veth, sizeof(ep->host_veth));
	r |= get_addr(root, "ip", &ep->ip);
	r |= get_addr(root, "gateway", &ep->gateway);
	/* Records from before several endpoints per container: eth0, default route. */
	if (json_object_get(root, "ifname"))
		r |= get_str(root, "ifname", ep->ifname, sizeof(ep->ifname));
	else
		snprintf(ep->ifname, sizeof(ep->ifname), "eth0");
	ep->gw = json_object_get(root, "gw") ? json_is_true(json_object_get(root, "gw")) : true;
	if (r < 0 || prefix < 0 || prefix > 32 || strncmp(ep->ifname, "eth", 3) != 0)
		return -EINVAL;
	endpoint_stem(ep, want);
	if (strcmp(want, stem) != 0)
		return -EINVAL;
	ep->prefix = (int)prefix;
	for (size_t i = 0;; i++) {
		if (i == sizeof(mode_names) / sizeof(mode_names[0]))
			return -EINVAL;
		if (strcmp(mode, mode_names[i]) == 0) {
			ep->mode = (enum network_mode)i;
			break;
		}
	}
	return load_ports(json_object_get(root, "ports"), ep);
}

int
endpoint_load(const char *dir, const char *stem, struct network_endpoint *ret, struct err *e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_json_ json_t *root = NULL;
	struct network_endpoint ep = {0};
	int r;

	if (strlen(stem) > 95 || stem[0] == '.' ||
	    strspn(stem, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		    strlen(stem) || !*stem)
		return err_set(e, -EINVAL, "invalid endpoint record name '%s'", stem);
	path = xasprintf("%s/%s.json", dir, stem);
	r = fs_read_file(path, LIMIT_STATE_FILE, &b);
	if (r < 0)
		return err_errno(e, r, "cannot read endpoint record '%s'", path);
	root = json_loadb(b.data, b.len, 0, NULL);
	if (!json_is_object(root) || parse_record(root, stem, &ep) < 0) {
		network_endpoint_release(&ep);
		return err_set(e, -EINVAL, "corrupt endpoint record '%s'", path);
	}
	*ret = ep;
	return 0;
}

int
endpoint_remove(const char *dir, const char *stem)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, stem);

	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
