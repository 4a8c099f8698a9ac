/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network objects: the predefined networks (bridge, host, none) and
 * user-defined bridge networks with their own bridge, IPAM and firewall
 * table: create, list, inspect, remove and subnet choice. The name
 * resolution the embedded DNS server asks for is in netresolve.c, the
 * endpoint lifecycle in network.c and daemon start-up in network_open.c;
 * all share network_internal.h.
 */
#include "config.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>
#include "engine/network/endpoint.h"
#include "engine/network/firewall.h"
#include "engine/network/iface.h"
#include "engine/network/ipam.h"
#include "engine/network/ipam6.h"
#include "engine/network/netns.h"
#include "engine/network/network.h"
#include "engine/network/plumb.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/id.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/network/network_internal.h"
#include "engine/network/reaper.h"

/* ---- network objects: predefined and user-defined networks ---- */

/* dockerd's predefined local pools, used without default-address-pools:
 * 172.17.0.0/16 to 172.31.0.0/16, then 192.168.0.0/16 in /20s. */
static const char *const default_pools[] = {
	"base=172.17.0.0/16,size=16",
	"base=172.18.0.0/16,size=16",
	"base=172.19.0.0/16,size=16",
	"base=172.20.0.0/16,size=16",
	"base=172.21.0.0/16,size=16",
	"base=172.22.0.0/16,size=16",
	"base=172.23.0.0/16,size=16",
	"base=172.24.0.0/16,size=16",
	"base=172.25.0.0/16,size=16",
	"base=172.26.0.0/16,size=16",
	"base=172.27.0.0/16,size=16",
	"base=172.28.0.0/16,size=16",
	"base=172.29.0.0/16,size=16",
	"base=172.30.0.0/16,size=16",
	"base=172.31.0.0/16,size=16",
	"base=192.168.0.0/16,size=20",
	NULL,
};

int
netobj_set_pools(struct network_state *net, char *const *pools, struct err *e)
{
	char *const *src = pools && pools[0] ? pools : (char *const *)default_pools;
	size_t n = strv_len(src);

	free(net->pools);
	net->pools = xcalloc(n, sizeof(*net->pools));
	net->n_pools = 0;
	for (size_t i = 0; i < n; i++) {
		if (netdef_parse_pool(src[i], &net->pools[i], e) < 0)
			return err_prefix(e, "default-address-pools '%s'", src[i]);
		net->n_pools++;
	}
	return 0;
}

void
netobj_free(struct net_obj *o)
{
	if (!o)
		return;
	if (o->own_br && o->br) {
		firewall_free(o->br->fw);
		ipam_free(o->br->ipam);
		ipam6_free(o->br->ipam6);
		free(o->br->cidr);
		free(o->br->cidr6);
		free(o->br);
	}
	netdef_release(&o->def);
	free(o);
}
DEFINE_CLEANUP(struct net_obj, netobj_free)

void
network_info_release(struct network_info *info)
{
	if (!info)
		return;
	netdef_release(&info->def);
	free(info->members);
	info->members = NULL;
	info->n_members = 0;
}

static void
add_net(struct network_state *net, struct net_obj *o)
{
	net->nets = xrealloc(net->nets, (net->n_nets + 1) * sizeof(*net->nets));
	net->nets[net->n_nets++] = o;
}

/* Caller holds net->lock. Full ID, then exact name, then unique ID prefix. */
ssize_t
netobj_find(struct network_state *net, const char *ref, struct err *e)
{
	ssize_t hit = -1;
	size_t n = 0, len = strlen(ref);

	for (size_t i = 0; i < net->n_nets; i++)
		if (strcmp(net->nets[i]->def.id, ref) == 0)
			return (ssize_t)i;
	for (size_t i = 0; i < net->n_nets; i++)
		if (strcmp(net->nets[i]->def.name, ref) == 0)
			return (ssize_t)i;
	for (size_t i = 0; len && i < net->n_nets; i++)
		if (strncmp(net->nets[i]->def.id, ref, len) == 0) {
			hit = (ssize_t)i;
			n++;
		}
	if (n == 1)
		return hit;
	if (n > 1)
		return err_set(e, -ENOENT,
			       "network %s is ambiguous (%zu matches found based on ID "
			       "prefix)",
			       ref, n);
	return err_set(e, -ENOENT, "network %.256s not found", ref);
}

/* Caller holds net->lock: the bridge an endpoint is plugged into. */
struct bridge_net *
netobj_bridge_of(struct network_state *net, const struct network_endpoint *ep)
{
	for (size_t i = 0; ep->network_id[0] && i < net->n_nets; i++)
		if (strcmp(net->nets[i]->def.id, ep->network_id) == 0 && net->nets[i]->br)
			return net->nets[i]->br;
	return &net->br;
}

/* Caller holds net->lock: a snapshot with the containers attached. */
static void
snapshot(struct network_state *net, const struct net_obj *o, struct network_info *ret)
{
	bool is_bridge = o->br == &net->br;

	memset(ret, 0, sizeof(*ret));
	netdef_copy(&ret->def, &o->def);
	ret->members = xcalloc(net->n_eps + 1, sizeof(*ret->members));
	for (size_t i = 0; i < net->n_eps; i++) {
		const struct network_endpoint *ep = &net->eps[i]->ep;
		struct network_member *m = &ret->members[ret->n_members];
		bool in = ep->mode == NETWORK_MODE_BRIDGE &&
			  (strcmp(ep->network_id, o->def.id) == 0 ||
			   (is_bridge && netobj_bridge_of(net, ep) == &net->br));
		if (!in)
			continue;
		memcpy(m->container_id, ep->container_id, sizeof(m->container_id));
		memcpy(m->endpoint_id, ep->endpoint_id, sizeof(m->endpoint_id));
		memcpy(m->mac, ep->mac, sizeof(m->mac));
		m->ip = ep->ip;
		m->prefix = ep->prefix;
		m->ip6 = ep->ip6;
		m->prefix6 = ep->prefix6;
		ret->n_members++;
	}
}

static int
new_predefined(struct network_state *net, const char *name, const char *driver, struct err *e)
{
	_cleanup_(netobj_freep) struct net_obj *o = xcalloc(1, sizeof(*o));
	int r;

	id_random_hex(o->def.id);
	o->def.name = xstrdup(name);
	snprintf(o->def.driver, sizeof(o->def.driver), "%s", driver);
	o->def.predefined = true;
	o->def.created_ns = time_now_ns();
	o->def.aux = json_object();
	o->def.labels = json_object();
	o->def.options = json_object();
	r = netdef_save(net->net_dir, &o->def);
	if (r < 0)
		return err_errno(e, r, "cannot save network '%s'", name);
	add_net(net, TAKE_PTR(o));
	return 0;
}

/* The default bridge's definition follows the daemon's configuration. */
static void
describe_default_bridge(struct network_state *net, struct net_obj *o)
{
	json_t *opts = json_object();
	char mtu[16];

	o->br = &net->br;
	snprintf(o->def.bridge, sizeof(o->def.bridge), "%s", net->br.name);
	if (net->br.ipam) {
		o->def.subnet = ipam_subnet(net->br.ipam);
		o->def.gateway = ipam_gateway(net->br.ipam);
		o->def.prefix = ipam_prefix(net->br.ipam);
	}
	snprintf(mtu, sizeof(mtu), "%u", net->br.mtu ? net->br.mtu : 1500);
	json_object_set_new(opts, "com.docker.network.bridge.default_bridge", json_string("true"));
	json_object_set_new(opts, "com.docker.network.bridge.enable_icc", json_string("true"));
	json_object_set_new(opts, "com.docker.network.bridge.enable_ip_masquerade",
			    json_string("true"));
	json_object_set_new(opts, "com.docker.network.bridge.host_binding_ipv4",
			    json_string("0.0.0.0"));
	json_object_set_new(opts, "com.docker.network.bridge.name", json_string(net->br.name));
	json_object_set_new(opts, "com.docker.network.driver.mtu", json_string(mtu));
	json_decref(o->def.options);
	o->def.options = opts;
}

static char *
ipam_path_of(struct network_state *net, const char *id)
{
	return xasprintf("%s/networks/%s/ipam.json", net->net_dir, id);
}

static void
cidr_text(struct in_addr a, int prefix, char out[INET_ADDRSTRLEN + 4])
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(out, INET_ADDRSTRLEN + 4, "%s/%d", ip, prefix);
}

/* The IPv6 half of open_user_bridge: the v6 IPAM with its range and aux addresses. */
static int
open_user_bridge6(struct network_state *net, struct net_obj *o, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/networks/%s/ipam6.json", net->net_dir, o->def.id);
	char gw[INET6_ADDRSTRLEN];
	const char *k;
	json_t *v;
	int r;

	inet_ntop(AF_INET6, &o->def.gateway6, gw, sizeof(gw));
	o->br->cidr6 = xasprintf("%s/%d", gw, o->def.prefix6);
	o->br->gw6 = o->def.gateway6;
	o->br->prefix6 = o->def.prefix6;
	r = ipam6_open(path, &o->def.subnet6, o->def.prefix6, &o->def.gateway6, &o->br->ipam6, e);
	if (r < 0)
		return r;
	if (o->def.ip_range6) {
		struct in6_addr ra;
		int rp;
		if (ipam6_parse_cidr(o->def.ip_range6, &ra, &rp) < 0 ||
		    ipam6_limit_range(o->br->ipam6, &ra, rp) < 0)
			return err_set(e, -EINVAL, "invalid ip-range '%s'", o->def.ip_range6);
	}
	json_object_foreach(o->def.aux6, k, v) {
		struct in6_addr a;
		if (inet_pton(AF_INET6, json_string_value(v), &a) != 1 ||
		    ipam6_exclude(o->br->ipam6, &a) < 0)
			return err_set(e, -EINVAL, "invalid auxiliary address '%s'", k);
	}
	return 0;
}

/* Gives a user network its bridge_net (IPAM opened, kernel not touched yet). */
static int
open_user_bridge(struct network_state *net, struct net_obj *o, struct err *e)
{
	_cleanup_free_ char *path = ipam_path_of(net, o->def.id);
	_cleanup_free_ char *dir = xasprintf("%s/networks/%s", net->net_dir, o->def.id);
	char cidr[INET_ADDRSTRLEN + 4];
	const char *k;
	json_t *v;
	int r;

	if ((r = fs_mkdir_p(dir, 0700)) < 0)
		return err_errno(e, r, "cannot create '%s'", dir);
	cidr_text(o->def.gateway, o->def.prefix, cidr);
	o->br = xcalloc(1, sizeof(*o->br));
	o->own_br = true;
	snprintf(o->br->name, sizeof(o->br->name), "%s", o->def.bridge);
	o->br->cidr = xstrdup(cidr);
	o->br->internal = o->def.internal;
	if ((r = ipam_open(path, cidr, &o->br->ipam, e)) < 0)
		return r;
	ipam_set_deferred(o->br->ipam, true); /* saved by ipam_sync, outside net->lock */
	/* ip-range and aux addresses were checked at create: apply them. */
	if (o->def.ip_range) {
		struct in_addr ra;
		int rp;
		if (ipam_parse_cidr(o->def.ip_range, &ra, &rp) < 0 ||
		    ipam_limit_range(o->br->ipam, ra, rp) < 0)
			return err_set(e, -EINVAL, "invalid ip-range '%s'", o->def.ip_range);
	}
	json_object_foreach(o->def.aux, k, v) {
		struct in_addr a;
		if (inet_pton(AF_INET, json_string_value(v), &a) != 1 ||
		    ipam_exclude(o->br->ipam, a) < 0)
			return err_set(e, -EINVAL, "invalid auxiliary address '%s'", k);
	}
	if (o->def.ipv6 && (r = open_user_bridge6(net, o, e)) < 0)
		return r;
	/* before the kernel sees the bridge, so a crash cannot orphan it */
	sweep_mark(net, o->br);
	return 0;
}

/* Loads the network records; creates the predefined ones the first time. */
int
netobj_load_all(struct network_state *net, struct err *e)
{
	static const char *const predefined[][2] = {
		{"bridge", "bridge"},
		{"host", "host"},
		{"none", "null"},
	};
	_cleanup_closedir_ DIR *d = opendir(net->net_dir);
	struct dirent *de;
	int r;

	if (!d)
		return err_errno(e, -errno, "cannot open '%s'", net->net_dir);
	while ((de = readdir(d))) {
		_cleanup_(netobj_freep) struct net_obj *o = NULL;
		_cleanup_free_ char *id = NULL;
		struct err le = ERR_INIT;
		if (!str_endswith(de->d_name, ".json") || strlen(de->d_name) != 64 + 5)
			continue;
		id = xstrndup(de->d_name, 64);
		o = xcalloc(1, sizeof(*o));
		if (netdef_load(net->net_dir, id, &o->def, &le) < 0) {
			log_warn("%s, ignoring", le.msg);
			continue;
		}
		if (!o->def.predefined && open_user_bridge(net, o, &le) < 0) {
			log_warn("network '%s': %s, ignoring", o->def.name, le.msg);
			continue;
		}
		add_net(net, TAKE_PTR(o));
	}
	for (size_t k = 0; k < 3; k++) {
		struct err le = ERR_INIT;
		bool found = false;
		for (size_t i = 0; i < net->n_nets; i++)
			found |= net->nets[i]->def.predefined &&
				 strcmp(net->nets[i]->def.name, predefined[k][0]) == 0;
		if (!found &&
		    (r = new_predefined(net, predefined[k][0], predefined[k][1], &le)) < 0)
			return err_copy(e, &le);
	}
	for (size_t i = 0; i < net->n_nets; i++)
		if (net->nets[i]->def.predefined && strcmp(net->nets[i]->def.name, "bridge") == 0)
			describe_default_bridge(net, net->nets[i]);
	/* Bridges of networks whose record is gone, then those that are
	 * missing (after a reboot); failures are retried later. */
	sweep_stale(net);
	for (size_t i = 0; i < net->n_nets; i++) {
		struct net_obj *o = net->nets[i];
		if (o->own_br && plumb_bridge_setup(o->br, &o->br->setup_err) < 0)
			log_warn("cannot set up bridge '%s' of network '%s': %s, ignoring",
				 o->br->name, o->def.name, o->br->setup_err.msg);
	}
	return 0;
}

/* The host's IPv4 routes (other than default routes), read once per pick. */
struct host_routes {
	struct in_addr a[256];
	int p[256];
	size_t n;
};

static void
host_routes_read(struct host_routes *hr)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
	char line[512];

	hr->n = 0;
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f))
		return;
	while (hr->n < sizeof(hr->a) / sizeof(hr->a[0]) && fgets(line, sizeof(line), f)) {
		char ifname[32];
		unsigned dst, gw, flags, refcnt, use, metric, msk;
		struct in_addr ra;
		int rp = 0;
		if (sscanf(line, "%31s %x %x %x %u %u %u %x", ifname, &dst, &gw, &flags, &refcnt,
			   &use, &metric, &msk) != 8 ||
		    msk == 0)
			continue;
		for (uint32_t m = ntohl(msk); m & 0x80000000u; m <<= 1)
			rp++;
		ra.s_addr = dst;
		hr->a[hr->n] = ra;
		hr->p[hr->n++] = rp;
	}
}

/* True when @a/@p overlaps a route of the host. */
static bool
overlaps_host_route(const struct host_routes *hr, struct in_addr a, int p)
{
	for (size_t i = 0; i < hr->n; i++)
		if (netdef_overlaps(a, p, hr->a[i], hr->p[i]))
			return true;
	return false;
}

/* Caller holds net->lock: does @a/@p overlap a network we have? */
static const struct net_obj *
overlapping_net(struct network_state *net, struct in_addr a, int p)
{
	for (size_t i = 0; i < net->n_nets; i++) {
		const struct net_obj *o = net->nets[i];
		if (o->def.prefix > 0 && netdef_overlaps(a, p, o->def.subnet, o->def.prefix))
			return o;
	}
	return NULL;
}

/* Caller holds net->lock: the first free subnet of the pools. */
static int
pick_subnet(struct network_state *net, struct in_addr *ret, int *ret_prefix, struct err *e)
{
	struct host_routes *hr = xcalloc(1, sizeof(*hr));

	host_routes_read(hr);
	for (size_t k = 0; k < net->n_pools; k++) {
		const struct netdef_pool *pool = &net->pools[k];
		uint64_t count = 1ull << (pool->size - pool->prefix);
		uint32_t step = 1u << (32 - pool->size);
		for (uint64_t i = 0; i < count; i++) {
			struct in_addr c = {
				.s_addr = htonl(ntohl(pool->base.s_addr) + (uint32_t)i * step)};
			if (overlapping_net(net, c, pool->size) ||
			    overlaps_host_route(hr, c, pool->size))
				continue;
			*ret = c;
			*ret_prefix = pool->size;
			free(hr);
			return 0;
		}
	}
	free(hr);
	return err_set(e, -ENOSPC,
		       "could not find an available, non-overlapping IPv4 address "
		       "pool among the defaults to assign to the network");
}

static bool
string_map_ok(json_t *m)
{
	const char *k;
	json_t *v;

	if (!m)
		return true;
	if (!json_is_object(m) || json_object_size(m) > 1024)
		return false;
	json_object_foreach(m, k, v)
		if (!json_is_string(v) || strlen(k) > 4096 || strlen(json_string_value(v)) > 65536)
			return false;
	return true;
}

/* Options the bridge driver applies; others are refused rather than ignored. */
static int
check_options(json_t *opts, char bridge[16], struct err *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(opts, k, v) {
		const char *s = json_string_value(v);
		if (strcmp(k, "com.docker.network.bridge.name") == 0) {
			if (!plumb_ifname_valid(s))
				return err_set(e, -EINVAL, "invalid bridge name '%.64s'", s);
			snprintf(bridge, 16, "%s", s);
		} else if (strcmp(k, "com.docker.network.bridge.enable_icc") == 0 ||
			   strcmp(k, "com.docker.network.bridge.enable_ip_masquerade") == 0) {
			if (strcmp(s, "true") != 0)
				return err_set(e, -EINVAL,
					       "option %s=%s is not supported by berth's "
					       "bridge driver",
					       k, s);
		} else
			return err_set(e, -EINVAL,
				       "option %.128s is not supported by berth's bridge "
				       "driver",
				       k);
	}
	return 0;
}

/* Validates IPAM settings into @d (subnet chosen later when absent). */
static int
check_ipam(const struct network_create_opts *o, struct netdef *d, struct err *e)
{
	const char *k;
	json_t *v;
	int r;

	if (!o->subnet) {
		if (o->gateway || o->ip_range || (o->aux && json_object_size(o->aux)))
			return err_set(e, -EINVAL,
				       "gateway, ip-range and aux addresses need a subnet");
		return 0;
	}
	if ((r = netdef_parse_subnet(o->subnet, &d->subnet, &d->prefix, e)) < 0)
		return r;
	d->user_subnet = true;
	if (o->gateway) {
		uint32_t h;
		if (inet_pton(AF_INET, o->gateway, &d->gateway) != 1)
			return err_set(e, -EINVAL, "invalid gateway address %.64s", o->gateway);
		h = ntohl(d->gateway.s_addr) - ntohl(d->subnet.s_addr);
		if (!netdef_contains(d->subnet, d->prefix, d->gateway) || h == 0 ||
		    h == (1u << (32 - d->prefix)) - 1)
			return err_set(e, -EINVAL,
				       "invalid gateway %s: not a usable address of "
				       "subnet %s",
				       o->gateway, o->subnet);
	} else
		d->gateway.s_addr = htonl(ntohl(d->subnet.s_addr) + 1);
	if (o->ip_range) {
		struct in_addr ra;
		int rp;
		if (netdef_parse_subnet(o->ip_range, &ra, &rp, e) < 0 || rp < d->prefix ||
		    !netdef_contains(d->subnet, d->prefix, ra))
			return err_set(e, -EINVAL,
				       "invalid ip-range %.64s: it must be a subnet of %s",
				       o->ip_range, o->subnet);
		d->ip_range = xstrdup(o->ip_range);
	}
	if (o->aux && !string_map_ok(o->aux))
		return err_set(e, -EINVAL, "AuxiliaryAddresses must map names to addresses");
	json_object_foreach(o->aux, k, v) {
		struct in_addr a;
		if (inet_pton(AF_INET, json_string_value(v), &a) != 1 ||
		    !netdef_contains(d->subnet, d->prefix, a))
			return err_set(e, -EINVAL,
				       "invalid auxiliary address %s=%.64s: not in subnet "
				       "%s",
				       k, json_string_value(v), o->subnet);
		json_object_set_new(d->aux, k, json_string(json_string_value(v)));
	}
	return 0;
}

/* dockerd's rules for a subnet a client gives, IPv6 flavour. */
static int
parse_subnet6(const char *s, struct in6_addr *ret, int *ret_prefix, struct err *e)
{
	struct in6_addr n;
	char text[INET6_ADDRSTRLEN];

	if (strlen(s) > 64 || ipam6_parse_cidr(s, ret, ret_prefix) < 0)
		return err_set(e, -EINVAL, "invalid CIDR address: %.64s", s);
	ipam6_network(ret, *ret_prefix, &n);
	if (memcmp(&n, ret, sizeof(n)) != 0)
		return err_set(e, -EINVAL, "invalid subnet %s: it should be %s/%d", s,
			       inet_ntop(AF_INET6, &n, text, sizeof(text)), *ret_prefix);
	if (*ret_prefix < 8 || *ret_prefix > 126)
		return err_set(e, -EINVAL,
			       "invalid subnet %s: the prefix length must be between 8 and 126", s);
	return 0;
}

/* Validates the IPv6 settings into @d: a subnet is required with EnableIPv6. */
static int
check_ipam6(const struct network_create_opts *o, struct netdef *d, struct err *e)
{
	const char *k;
	json_t *v;
	int r;

	if (!o->ipv6) {
		if (o->subnet6)
			return err_set(e, -EINVAL,
				       "IPv6 subnet %.64s needs IPv6 enabled on the network "
				       "(EnableIPv6, docker network create --ipv6)",
				       o->subnet6);
		return 0;
	}
	/* dockerd 20.10 and 25 have no default IPv6 pool either */
	if (!o->subnet6)
		return err_set(e, -ENOENT,
			       "could not find an available, non-overlapping IPv6 address pool "
			       "among the defaults to assign to the network");
	if ((r = parse_subnet6(o->subnet6, &d->subnet6, &d->prefix6, e)) < 0)
		return r;
	d->ipv6 = true;
	d->aux6 = json_object();
	if (o->gateway6) {
		struct in6_addr n;
		if (inet_pton(AF_INET6, o->gateway6, &d->gateway6) != 1)
			return err_set(e, -EINVAL, "invalid gateway address %.64s", o->gateway6);
		ipam6_network(&d->subnet6, d->prefix6, &n);
		if (!ipam6_contains(&d->subnet6, d->prefix6, &d->gateway6) ||
		    memcmp(&n, &d->gateway6, sizeof(n)) == 0)
			return err_set(e, -EINVAL,
				       "invalid gateway %s: not a usable address of subnet %s",
				       o->gateway6, o->subnet6);
	} else {
		d->gateway6 = d->subnet6;
		d->gateway6.s6_addr[15] |= 1; /* the first address, as dockerd */
	}
	if (o->ip_range6) {
		struct in6_addr ra;
		int rp;
		struct err ignored = ERR_INIT;
		if (parse_subnet6(o->ip_range6, &ra, &rp, &ignored) < 0 || rp < d->prefix6 ||
		    !ipam6_contains(&d->subnet6, d->prefix6, &ra))
			return err_set(e, -EINVAL,
				       "invalid ip-range %.64s: it must be a subnet of %s",
				       o->ip_range6, o->subnet6);
		d->ip_range6 = xstrdup(o->ip_range6);
	}
	if (o->aux6 && !string_map_ok(o->aux6))
		return err_set(e, -EINVAL, "AuxiliaryAddresses must map names to addresses");
	json_object_foreach(o->aux6, k, v) {
		struct in6_addr a;
		if (inet_pton(AF_INET6, json_string_value(v), &a) != 1 ||
		    !ipam6_contains(&d->subnet6, d->prefix6, &a))
			return err_set(e, -EINVAL,
				       "invalid auxiliary address %s=%.64s: not in subnet %s", k,
				       json_string_value(v), o->subnet6);
		json_object_set_new(d->aux6, k, json_string(json_string_value(v)));
	}
	return 0;
}

/* Caller holds net->lock: does the IPv6 subnet of @d overlap another network's? */
static bool
overlapping_net6(struct network_state *net, const struct netdef *d)
{
	for (size_t i = 0; d->ipv6 && i < net->n_nets; i++) {
		const struct netdef *o = &net->nets[i]->def;
		if (o->ipv6 && ipam6_overlaps(&d->subnet6, d->prefix6, &o->subnet6, o->prefix6))
			return true;
	}
	return false;
}

int
network_create(struct network_state *net, const struct network_create_opts *o,
	       struct network_info *ret, struct err *e)
{
	_cleanup_(netobj_freep) struct net_obj *obj = xcalloc(1, sizeof(*obj));
	struct netdef *d = &obj->def;
	struct net_obj *shared = NULL;
	const struct net_obj *clash = NULL;
	char cidr[INET_ADDRSTRLEN + 4];
	int r;

	if (!o->name || netdef_check_name(o->name, e) < 0)
		return o->name ? -EINVAL : err_set(e, -EINVAL, "network name cannot be empty");
	if (strcmp(o->name, "bridge") == 0 || strcmp(o->name, "host") == 0 ||
	    strcmp(o->name, "none") == 0)
		return err_set(e, -EPERM, "operation is not permitted on predefined %s network ",
			       o->name);
	if (o->driver && *o->driver && strcmp(o->driver, "bridge") != 0) {
		if (strcmp(o->driver, "host") == 0 || strcmp(o->driver, "null") == 0)
			return err_set(e, -EPERM, "only one instance of \"%s\" network is allowed",
				       o->driver);
		return err_set(e, -ENOENT, "plugin \"%.128s\" not found", o->driver);
	}
	if (!string_map_ok(o->labels) || !string_map_ok(o->options))
		return err_set(e, -EINVAL, "Labels and Options must map strings to strings");
	id_random_hex(d->id);
	d->name = xstrdup(o->name);
	snprintf(d->driver, sizeof(d->driver), "bridge");
	d->internal = o->internal;
	d->attachable = o->attachable;
	d->created_ns = time_now_ns();
	d->aux = json_object();
	d->labels = o->labels ? json_deep_copy(o->labels) : json_object();
	d->options = o->options ? json_deep_copy(o->options) : json_object();
	snprintf(d->bridge, sizeof(d->bridge), "br-%.12s", d->id);
	if ((r = check_options(d->options, d->bridge, e)) < 0 || (r = check_ipam(o, d, e)) < 0 ||
	    (r = check_ipam6(o, d, e)) < 0)
		return r;
	pthread_mutex_lock(&net->lock);
	r = netobj_find(net, o->name, NULL) >= 0 ? -EEXIST : 0;
	if (r < 0)
		err_set(e, r, "network with name %s already exists", o->name);
	for (size_t i = 0; r == 0 && i < net->n_nets; i++)
		if (strcmp(net->nets[i]->def.bridge, d->bridge) == 0)
			r = err_set(e, -EEXIST, "bridge name %s is already used by network %s",
				    d->bridge, net->nets[i]->def.name);
	if (r == 0 && d->prefix == 0) {
		r = pick_subnet(net, &d->subnet, &d->prefix, e);
		d->gateway.s_addr = htonl(ntohl(d->subnet.s_addr) + 1);
	} else if (r == 0 && (clash = overlapping_net(net, d->subnet, d->prefix)))
		r = err_set(e, -EPERM,
			    "invalid pool request: Pool overlaps with other one on this "
			    "address space");
	if (r == 0 && overlapping_net6(net, d))
		r = err_set(e, -EPERM,
			    "invalid pool request: Pool overlaps with other one on this "
			    "address space");
	if (r == 0)
		r = open_user_bridge(net, obj, e);
	if (r == 0 && (r = netdef_save(net->net_dir, d)) < 0)
		err_errno(e, r, "cannot save network '%s'", d->name);
	if (r == 0) {
		shared = TAKE_PTR(obj);
		add_net(net, shared);
	}
	pthread_mutex_unlock(&net->lock);
	if (r < 0)
		return r;
	(void)clash;
	pthread_mutex_lock(&net->setup_lock);
	r = plumb_bridge_setup(shared->br, e);
	pthread_mutex_unlock(&net->setup_lock);
	if (r < 0) {
		struct err ignored = ERR_INIT;
		char id[65];
		memcpy(id, shared->def.id, sizeof(id));
		(void)err_prefix(e, "cannot create network %s (%s)", o->name, shared->br->name);
		(void)network_remove(net, id, NULL, &ignored);
		return r;
	}
	cidr_text(d->subnet, d->prefix, cidr);
	log_info("created network '%s' (%s) on bridge '%s'", o->name, cidr, shared->br->name);
	pthread_mutex_lock(&net->lock);
	snapshot(net, shared, ret);
	pthread_mutex_unlock(&net->lock);
	return 0;
}

int
network_endpoint_check(struct network_state *net, const char *ref, const char *ip, const char *ip6,
		       const char *mac, bool has_aliases, char *ret_name, char ret_id[65],
		       struct err *e)
{
	const struct net_obj *o;
	struct in6_addr a6;
	struct in_addr a;
	unsigned m[6];
	char tail;
	ssize_t i;
	int r = 0;

	if (mac && *mac &&
	    sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
		   &tail) != 6)
		return err_set(e, -EINVAL, "invalid MAC address: %.64s", mac);
	if (mac && *mac && (m[0] & 1))
		return err_set(e, -EINVAL, "invalid MAC address: %.64s: a multicast address", mac);
	if (ip && *ip && inet_pton(AF_INET, ip, &a) != 1)
		return err_set(e, -EINVAL, "invalid IPv4 address: %.64s", ip);
	if (ip6 && *ip6 && inet_pton(AF_INET6, ip6, &a6) != 1)
		return err_set(e, -EINVAL, "invalid IPv6 address: %.64s", ip6);
	pthread_mutex_lock(&net->lock);
	i = netobj_find(net, ref, e);
	if (i < 0) {
		pthread_mutex_unlock(&net->lock);
		return (int)i;
	}
	o = net->nets[i];
	if (o->def.predefined) {
		if ((ip && *ip) || (ip6 && *ip6))
			r = err_set(e, -EINVAL,
				    "user specified IP address is supported on user defined "
				    "networks only");
		else if (has_aliases)
			r = err_set(e, -EINVAL,
				    "network-scoped alias is supported only for containers in user "
				    "defined networks");
	} else if (ip && *ip && !o->def.user_subnet)
		r = err_set(e, -EINVAL,
			    "user specified IP address is supported only when connecting to "
			    "networks with user configured subnets");
	else if (ip && *ip && !netdef_contains(o->def.subnet, o->def.prefix, a))
		r = err_set(e, -EINVAL,
			    "no configured subnet contains IP address %s", ip);
	else if (ip6 && *ip6 &&
		 (!o->def.ipv6 || !ipam6_contains(&o->def.subnet6, o->def.prefix6, &a6)))
		r = err_set(e, -EINVAL, "no configured subnet contains IP address %s", ip6);
	if (r == 0) {
		snprintf(ret_name, NETDEF_NAME_MAX + 1, "%s", o->def.name);
		memcpy(ret_id, o->def.id, 65);
	}
	pthread_mutex_unlock(&net->lock);
	return r;
}

int
network_mode_check(struct network_state *net, const char *mode, struct err *e)
{
	enum network_mode m;
	char peer[65];
	ssize_t i;
	int r = network_mode_parse(mode, &m, peer, e);

	if (r < 0 || m != NETWORK_MODE_BRIDGE || !mode || !*mode || strcmp(mode, "default") == 0)
		return r;
	pthread_mutex_lock(&net->lock);
	i = netobj_find(net, mode, e);
	pthread_mutex_unlock(&net->lock);
	return i < 0 ? (int)i : 0;
}

int
network_get(struct network_state *net, const char *ref, struct network_info *ret, struct err *e)
{
	ssize_t i;

	pthread_mutex_lock(&net->lock);
	i = netobj_find(net, ref, e);
	if (i >= 0)
		snapshot(net, net->nets[i], ret);
	pthread_mutex_unlock(&net->lock);
	return i < 0 ? (int)i : 0;
}

static int
cmp_info(const void *a, const void *b)
{
	const struct network_info *x = a, *y = b;

	if (x->def.predefined != y->def.predefined)
		return x->def.predefined ? -1 : 1;
	return strcmp(x->def.name, y->def.name);
}

int
network_list(struct network_state *net, struct network_info **ret, size_t *ret_n, struct err *e)
{
	struct network_info *list;
	size_t n;

	(void)e;
	pthread_mutex_lock(&net->lock);
	n = net->n_nets;
	list = xcalloc(n ? n : 1, sizeof(*list));
	for (size_t i = 0; i < n; i++)
		snapshot(net, net->nets[i], &list[i]);
	pthread_mutex_unlock(&net->lock);
	qsort(list, n, sizeof(*list), cmp_info);
	*ret = list;
	*ret_n = n;
	return 0;
}

int
network_remove(struct network_state *net, const char *ref, char ret_id[65], struct err *e)
{
	_cleanup_(netobj_freep) struct net_obj *o = NULL;
	_cleanup_free_ char *dir = NULL;
	struct network_info snap = {0};
	struct err le = ERR_INIT;
	ssize_t i;
	int r = 0;

	pthread_mutex_lock(&net->setup_lock);
	pthread_mutex_lock(&net->lock);
	reaper_wait(net, NULL); /* exited containers' veths and addresses first */
	i = netobj_find(net, ref, e);
	if (i >= 0) {
		snapshot(net, net->nets[i], &snap);
		if (snap.def.predefined)
			r = err_set(e, -EPERM, "%s is a pre-defined network and cannot be removed",
				    snap.def.name);
		else if (snap.n_members > 0)
			r = err_set(e, -EPERM,
				    "error while removing network: network %s id %s has "
				    "active endpoints",
				    snap.def.name, snap.def.id);
		else {
			o = net->nets[i];
			net->nets[i] = net->nets[--net->n_nets];
		}
	} else
		r = (int)i;
	pthread_mutex_unlock(&net->lock);
	network_info_release(&snap);
	if (r < 0) {
		pthread_mutex_unlock(&net->setup_lock);
		return r;
	}
	r = plumb_bridge_destroy(o->br, &le);
	if (r == 0)
		sweep_unmark(net, o->br->name);
	pthread_mutex_unlock(&net->setup_lock);
	if (r < 0)
		log_warn("removing network '%s': %s, ignoring", o->def.name, le.msg);
	dir = xasprintf("%s/networks/%s", net->net_dir, o->def.id);
	(void)fs_rm_rf(dir);
	r = netdef_remove(net->net_dir, o->def.id);
	if (r < 0)
		return err_errno(e, r, "cannot remove record of network '%s'", o->def.name);
	if (ret_id)
		memcpy(ret_id, o->def.id, 65);
	log_info("removed network '%s'", o->def.name);
	return 0;
}

/* Caller holds net->lock: is @ep on a user-defined network (where the
 * embedded DNS answers)? */
static bool
on_user_net(struct network_state *net, const struct network_endpoint *ep)
{
	return ep->mode == NETWORK_MODE_BRIDGE && ep->network_id[0] &&
	       netobj_bridge_of(net, ep) != &net->br;
}

int
network_user_netns(struct network_state *net, const char *container_id, char ret[256])
{
	int r = -ENOENT;

	pthread_mutex_lock(&net->lock);
	for (size_t i = 0; r < 0 && i < net->n_eps; i++) {
		const struct network_endpoint *ep = &net->eps[i]->ep;
		if (strcmp(ep->container_id, container_id) != 0 || !on_user_net(net, ep) ||
		    !ep->netns_path[0])
			continue;
		memcpy(ret, ep->netns_path, sizeof(ep->netns_path));
		r = 0;
	}
	pthread_mutex_unlock(&net->lock);
	return r;
}

int
network_rename(struct network_state *net, const char *container_id, const char *name, struct err *e)
{
	char prev[sizeof(((struct network_endpoint *)0)->name)] = "";
	int r = 0;

	pthread_mutex_lock(&net->lock);
	for (size_t i = 0; r == 0 && i < net->n_eps; i++) {
		struct network_endpoint *ep = &net->eps[i]->ep;
		if (strcmp(ep->container_id, container_id) != 0)
			continue;
		memcpy(prev, ep->name, sizeof(prev));
		snprintf(ep->name, sizeof(ep->name), "%s", name);
		/* Under the lock, so a detach cannot remove the record first and
		 * see it written again after. */
		r = endpoint_save(net->ep_dir, ep);
	}
	/* All or nothing: a record that could not be written puts every
	 * endpoint back under its old name. */
	for (size_t i = 0; r < 0 && i < net->n_eps; i++) {
		struct network_endpoint *ep = &net->eps[i]->ep;
		if (strcmp(ep->container_id, container_id) != 0 || strcmp(ep->name, name) != 0)
			continue;
		memcpy(ep->name, prev, sizeof(prev));
		(void)endpoint_save(net->ep_dir, ep);
	}
	pthread_mutex_unlock(&net->lock);
	if (r < 0)
		return err_errno(e, r, "cannot save endpoint of '%s'", container_id);
	return 0;
}
