/* SPDX-License-Identifier: Apache-2.0 */
/* Network definitions and their records; see netdef.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/network/ipam.h"
#include "engine/network/netdef.h"
#include "engine/network/plumb.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/jsonget.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

void
netdef_release(struct netdef *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->ip_range);
	free(d->ip_range6);
	json_decref(d->aux6);
	d->ip_range6 = NULL;
	d->aux6 = NULL;
	json_decref(d->aux);
	json_decref(d->labels);
	json_decref(d->options);
	d->name = d->ip_range = NULL;
	d->aux = d->labels = d->options = NULL;
}

void
netdef_copy(struct netdef *dst, const struct netdef *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->ip_range = src->ip_range ? xstrdup(src->ip_range) : NULL;
	dst->aux = json_deep_copy(src->aux);
	dst->ip_range6 = src->ip_range6 ? xstrdup(src->ip_range6) : NULL;
	dst->aux6 = src->aux6 ? json_deep_copy(src->aux6) : NULL;
	dst->labels = json_deep_copy(src->labels);
	dst->options = json_deep_copy(src->options);
}

int
netdef_check_name(const char *name, struct err *e)
{
	size_t len = strlen(name);

	if (len == 0)
		return err_set(e, -EINVAL, "network name cannot be empty");
	if (len > NETDEF_NAME_MAX || !strchr(NAME_CHARS, name[0]) ||
	    strspn(name, NAME_CHARS "_.-") != len)
		return err_set(e, -EINVAL,
			       "invalid network name \"%.64s%s\": only "
			       "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" "
			       "are allowed, at most %d characters",
			       name, len > 64 ? "..." : "", NETDEF_NAME_MAX);
	return 0;
}

static uint32_t
mask(int prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int
netdef_parse_subnet(const char *s, struct in_addr *ret_net, int *ret_prefix, struct err *e)
{
	struct in_addr a;
	int prefix;
	uint32_t h;

	if (strlen(s) > 64 || ipam_parse_cidr(s, &a, &prefix) < 0)
		return err_set(e, -EINVAL, "invalid CIDR address: %.64s", s);
	h = ntohl(a.s_addr);
	if ((h & ~mask(prefix)) != 0) {
		struct in_addr n = {.s_addr = htonl(h & mask(prefix))};
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &n, text, sizeof(text));
		return err_set(e, -EINVAL, "invalid subnet %s: it should be %s/%d", s, text,
			       prefix);
	}
	if (prefix < 8 || prefix > 30)
		return err_set(e, -EINVAL,
			       "invalid subnet %s: the prefix length must be between 8 "
			       "and 30",
			       s);
	*ret_net = a;
	*ret_prefix = prefix;
	return 0;
}

int
netdef_parse_pool(const char *s, struct netdef_pool *ret, struct err *e)
{
	_cleanup_strv_ char **fields = strv_split(s, ",");
	struct netdef_pool p = {0};
	bool have_base = false, have_size = false;

	for (size_t i = 0; fields[i]; i++) {
		const char *eq = strchr(fields[i], '=');
		uint64_t v;
		if (!eq)
			return err_set(e, -EINVAL, "invalid field '%s' must be a key=value pair",
				       fields[i]);
		if (strncmp(fields[i], "base=", 5) == 0) {
			if (strlen(eq + 1) > 64 || ipam_parse_cidr(eq + 1, &p.base, &p.prefix) < 0)
				return err_set(e, -EINVAL,
					       "invalid base pool \"%.64s\": invalid CIDR address: "
					       "%.64s",
					       eq + 1, eq + 1);
			p.base.s_addr = htonl(ntohl(p.base.s_addr) & mask(p.prefix));
			have_base = true;
		} else if (strncmp(fields[i], "size=", 5) == 0) {
			if (parse_uint64(eq + 1, 32, &v) < 0)
				return err_set(e, -EINVAL, "invalid size value: %.32s", eq + 1);
			p.size = (int)v;
			have_size = true;
		} else {
			return err_set(e, -EINVAL, "unexpected key '%.*s' in '%s'",
				       (int)(eq - fields[i]), fields[i], s);
		}
	}
	if (!have_base)
		return err_set(e, -EINVAL, "invalid default address pool '%s': no base", s);
	if (!have_size || p.size <= 0 || p.size < p.prefix)
		return err_set(e, -EINVAL, "invalid pools size: %d", p.size);
	if (p.size > 30)
		return err_set(e, -EINVAL,
			       "invalid pools size: %d (berth's networks need /30 or larger)",
			       p.size);
	*ret = p;
	return 0;
}

bool
netdef_contains(struct in_addr net, int prefix, struct in_addr addr)
{
	return ((ntohl(addr.s_addr) ^ ntohl(net.s_addr)) & mask(prefix)) == 0;
}

bool
netdef_overlaps(struct in_addr a, int pa, struct in_addr b, int pb)
{
	int p = pa < pb ? pa : pb;

	return ((ntohl(a.s_addr) ^ ntohl(b.s_addr)) & mask(p)) == 0;
}

static json_t *
addr_json(struct in_addr a)
{
	char text[INET_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET, &a, text, sizeof(text)));
}

int
netdef_save(const char *dir, const struct netdef *d)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, d->id);
	_cleanup_json_ json_t *root = NULL;
	_cleanup_free_ char *text = NULL;

	root = json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:I,s:s,s:o,s:o,s:i,s:O,s:O,s:O}", "id", d->id,
			 "name", d->name, "driver", d->driver, "predefined", d->predefined,
			 "internal", d->internal, "attachable", d->attachable, "created_ns",
			 (json_int_t)d->created_ns, "bridge", d->bridge, "subnet",
			 addr_json(d->subnet), "gateway", addr_json(d->gateway), "prefix",
			 d->prefix, "aux", d->aux, "labels", d->labels, "options", d->options);
	if (!root)
		return -ENOMEM;
	if (d->ip_range)
		json_object_set_new(root, "ip_range", json_string(d->ip_range));
	if (d->user_subnet)
		json_object_set_new(root, "user_subnet", json_true());
	if (d->ipv6) {
		char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &d->subnet6, a, sizeof(a));
		inet_ntop(AF_INET6, &d->gateway6, g, sizeof(g));
		json_object_set_new(root, "ipv6", json_true());
		json_object_set_new(root, "subnet6", json_string(a));
		json_object_set_new(root, "gateway6", json_string(g));
		json_object_set_new(root, "prefix6", json_integer(d->prefix6));
		json_object_set_new(root, "aux6",
				    json_deep_copy(d->aux6 ? d->aux6 : json_object()));
		if (d->ip_range6)
			json_object_set_new(root, "ip_range6", json_string(d->ip_range6));
	}
	text = json_dumps(root, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	return fs_write_atomic(path, text, strlen(text), 0600);
}

static bool
string_map(json_t *o)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o) || json_object_size(o) > 4096)
		return false;
	json_object_foreach(o, k, v)
		if (!json_is_string(v))
			return false;
	return true;
}

/* The IPv6 part of a record (absent before IPv6 networks, and without --ipv6). */
static int
parse_v6(json_t *root, struct netdef *d)
{
	json_int_t p6 = json_integer_value(json_object_get(root, "prefix6"));
	const char *s;

	if (!json_is_true(json_object_get(root, "ipv6")))
		return 0;
	d->ipv6 = true;
	if (p6 < 1 || p6 > 126 ||
	    inet_pton(AF_INET6, jsonget_cstr(root, "subnet6") ?: "", &d->subnet6) != 1 ||
	    inet_pton(AF_INET6, jsonget_cstr(root, "gateway6") ?: "", &d->gateway6) != 1)
		return -EINVAL;
	d->prefix6 = (int)p6;
	s = jsonget_cstr(root, "ip_range6");
	d->ip_range6 = s ? xstrdup(s) : NULL;
	d->aux6 = json_incref(json_object_get(root, "aux6"));
	return string_map(d->aux6) ? 0 : -EINVAL;
}

static int
parse_record(json_t *root, const char *id, struct netdef *d)
{
	const char *s;
	json_int_t prefix = json_integer_value(json_object_get(root, "prefix"));

	s = jsonget_cstr(root, "id");
	if (!s || strcmp(s, id) != 0)
		return -EINVAL;
	snprintf(d->id, sizeof(d->id), "%s", s);
	s = jsonget_cstr(root, "name");
	if (!s || netdef_check_name(s, NULL) < 0)
		return -EINVAL;
	d->name = xstrdup(s);
	s = jsonget_cstr(root, "driver");
	if (!s || (strcmp(s, "bridge") && strcmp(s, "host") && strcmp(s, "null")))
		return -EINVAL;
	snprintf(d->driver, sizeof(d->driver), "%s", s);
	s = jsonget_cstr(root, "bridge");
	if (!s || (*s && !plumb_ifname_valid(s)))
		return -EINVAL;
	snprintf(d->bridge, sizeof(d->bridge), "%s", s);
	d->predefined = json_is_true(json_object_get(root, "predefined"));
	d->internal = json_is_true(json_object_get(root, "internal"));
	d->attachable = json_is_true(json_object_get(root, "attachable"));
	d->user_subnet = json_is_true(json_object_get(root, "user_subnet"));
	d->created_ns = json_integer_value(json_object_get(root, "created_ns"));
	if (prefix < 0 || prefix > 32)
		return -EINVAL;
	d->prefix = (int)prefix;
	if (inet_pton(AF_INET, jsonget_cstr(root, "subnet") ?: "", &d->subnet) != 1 ||
	    inet_pton(AF_INET, jsonget_cstr(root, "gateway") ?: "", &d->gateway) != 1)
		return -EINVAL;
	s = jsonget_cstr(root, "ip_range");
	d->ip_range = s ? xstrdup(s) : NULL;
	d->aux = json_incref(json_object_get(root, "aux"));
	d->labels = json_incref(json_object_get(root, "labels"));
	d->options = json_incref(json_object_get(root, "options"));
	if (!string_map(d->aux) || !string_map(d->labels) || !string_map(d->options))
		return -EINVAL;
	return parse_v6(root, d);
}

int
netdef_load(const char *dir, const char *id, struct netdef *ret, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, id);
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_json_ json_t *root = NULL;
	struct netdef d = {0};
	int r = fs_read_file(path, LIMIT_STATE_FILE, &b);

	if (r < 0)
		return err_errno(e, r, "cannot read network record '%s'", path);
	root = json_loadb(b.data, b.len, 0, NULL);
	if (!json_is_object(root) || parse_record(root, id, &d) < 0) {
		netdef_release(&d);
		return err_set(e, -EINVAL, "corrupt network record '%s'", path);
	}
	*ret = d;
	return 0;
}

int
netdef_remove(const char *dir, const char *id)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, id);

	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return fs_fsync_parent(path) < 0 ? 0 : 0;
}
