/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Networking state and the endpoint lifecycle (attach, connect, disconnect,
 * detach, inspect, ports); see network.h. Opening, closing and the clean-up
 * of leftovers at daemon start are in network_open.c; the network objects
 * themselves (predefined and user-defined networks, and name resolution)
 * in netobj.c.
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
#include "engine/network/reaper.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/id.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

#include "engine/network/network_internal.h"

void
network_endpoint_release(struct network_endpoint *ep)
{
	if (!ep)
		return;
	free(ep->ports);
	ep->ports = NULL;
	ep->n_ports = 0;
	strv_free(ep->aliases);
	ep->aliases = NULL;
	strv_free(ep->links);
	ep->links = NULL;
}

void
netstate_rec_free(struct ep_rec *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; rec->port_fds && i < rec->ep.n_ports; i++)
		safe_close(rec->port_fds[i]);
	free(rec->port_fds);
	network_endpoint_release(&rec->ep);
	free(rec);
}
DEFINE_CLEANUP(struct ep_rec, netstate_rec_free)

static void
endpoint_copy(struct network_endpoint *dst, const struct network_endpoint *src)
{
	*dst = *src;
	dst->ports = xcalloc(src->n_ports ? src->n_ports : 1, sizeof(*src->ports));
	if (src->n_ports)
		memcpy(dst->ports, src->ports, src->n_ports * sizeof(*src->ports));
	dst->aliases = strv_dup(src->aliases);
	dst->links = strv_dup(src->links);
}

/* Caller holds net->lock. */
ssize_t
netstate_find_rec(struct network_state *net, const char *id)
{
	for (size_t i = 0; i < net->n_eps; i++)
		if (strcmp(net->eps[i]->ep.container_id, id) == 0)
			return (ssize_t)i;
	return -1;
}

/* Caller holds net->lock: @id's endpoint on network @network_id, or -1. */
static ssize_t
find_ep(struct network_state *net, const char *id, const char *network_id)
{
	for (size_t i = 0; i < net->n_eps; i++)
		if (strcmp(net->eps[i]->ep.container_id, id) == 0 &&
		    strcmp(net->eps[i]->ep.network_id, network_id) == 0)
			return (ssize_t)i;
	return -1;
}

/* Caller holds net->lock: the number in the highest ethN of @id, or -1. */
static int
last_ifindex(struct network_state *net, const char *id)
{
	int max = -1;

	for (size_t i = 0; i < net->n_eps; i++) {
		const struct network_endpoint *ep = &net->eps[i]->ep;
		int n = ep->ifname[0] ? atoi(ep->ifname + 3) : 0;
		if (strcmp(ep->container_id, id) == 0 && n > max)
			max = n;
	}
	return max;
}

/* Caller holds net->lock: does some endpoint of @id carry the default route? */
static bool
has_gw(struct network_state *net, const char *id)
{
	for (size_t i = 0; i < net->n_eps; i++)
		if (strcmp(net->eps[i]->ep.container_id, id) == 0 && net->eps[i]->ep.gw)
			return true;
	return false;
}

void
netstate_insert_rec(struct network_state *net, struct ep_rec *rec)
{
	if (net->n_eps == net->cap_eps) {
		net->cap_eps = net->cap_eps ? net->cap_eps * 2 : 16;
		net->eps = xrealloc(net->eps, net->cap_eps * sizeof(*net->eps));
	}
	net->eps[net->n_eps++] = rec;
}

/* Caller holds net->lock; returns record @i, now owned by the caller. */
static struct ep_rec *
take_rec_at(struct network_state *net, ssize_t i)
{
	struct ep_rec *rec;

	if (i < 0)
		return NULL;
	rec = net->eps[i];
	net->eps[i] = net->eps[--net->n_eps];
	return rec;
}

int
network_mode_parse(const char *s, enum network_mode *ret_mode, char ret_peer[65], struct err *e)
{
	const char *peer;

	if (!s || !*s || strcmp(s, "default") == 0 || strcmp(s, "bridge") == 0)
		*ret_mode = NETWORK_MODE_BRIDGE;
	else if (strcmp(s, "host") == 0)
		*ret_mode = NETWORK_MODE_HOST;
	else if (strcmp(s, "none") == 0)
		*ret_mode = NETWORK_MODE_NONE;
	else if (str_startswith(s, "container:", &peer)) {
		if (!endpoint_id_valid(peer))
			return err_set(e, -EINVAL, "invalid container in network mode '%s'", s);
		*ret_mode = NETWORK_MODE_CONTAINER;
		snprintf(ret_peer, 65, "%s", peer);
	} else if (netdef_check_name(s, NULL) == 0)
		*ret_mode = NETWORK_MODE_BRIDGE; /* a user network, resolved by network_attach */
	else
		return err_set(e, -ENOENT, "network %.256s not found", s);
	return 0;
}

/* Sets up the default bridge if not done yet; serialised by setup_lock. */
static int
ensure_bridge(struct network_state *net, struct bridge_net *br, struct err *e)
{
	int r;

	if (br->disabled)
		return err_set(e, -ENOENT, "the default bridge network is disabled");
	pthread_mutex_lock(&net->setup_lock);
	r = br->ready ? 0 : plumb_bridge_setup(br, e);
	pthread_mutex_unlock(&net->setup_lock);
	return r;
}

/* "driver failed programming ..." as dockerd words a host port conflict. */
static int
port_error(struct err *e, const char *name, const char *epid, const struct portmap_binding *b,
	   const char *why)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &b->host_ip, ip, sizeof(ip));
	if (b->host_port_end > b->host_port)
		return err_set(e, -EADDRINUSE,
			       "driver failed programming external connectivity on endpoint %s "
			       "(%s): Bind for %s:%u-%u failed: %s", name, epid, ip, b->host_port,
			       b->host_port_end, why);
	return err_set(e, -EADDRINUSE,
		       "driver failed programming external connectivity on endpoint %s (%s): "
		       "Bind for %s:%u failed: %s", name, epid, ip, b->host_port, why);
}

/* True when @cand clashes with a binding of any endpoint or of @done[0..n). */
static bool
port_taken(struct network_state *net, const struct portmap_binding *cand,
	   const struct portmap_binding *done, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (portmap_conflicts(cand, &done[i]))
			return true;
	for (size_t i = 0; i < net->n_eps; i++)
		for (size_t j = 0; j < net->eps[i]->ep.n_ports; j++)
			if (portmap_conflicts(cand, &net->eps[i]->ep.ports[j]))
				return true;
	return false;
}

/*
 * Chooses and reserves the host port of binding @i of @rec. Caller holds
 * net->lock (the table must not change between the check and the insert).
 */
static int
pick_port(struct network_state *net, struct ep_rec *rec, size_t i,
	  const struct portmap_binding *req, const char *name, struct err *e)
{
	struct portmap_binding cand = *req;
	uint16_t lo = req->host_port, hi = req->host_port_end;
	uint32_t span, start = 0;
	int fd = -EADDRINUSE;

	if (lo == 0) {
		portmap_ephemeral_range(&lo, &hi);
		/* Random start, as dockerd: a predictable next port helps no one. */
		if (getrandom(&start, sizeof(start), 0) < 0)
			start = (uint32_t)getpid();
	}
	span = (uint32_t)(hi - lo) + 1;
	for (uint32_t k = 0; k < span; k++) {
		cand.host_port = (uint16_t)(lo + (start + k) % span);
		if (port_taken(net, &cand, rec->ep.ports, i))
			continue;
		fd = portmap_reserve(&cand, cand.host_port);
		if (fd >= 0)
			break;
		if (fd != -EADDRINUSE) {
			char text[INET_ADDRSTRLEN + 8];
			portmap_host_text(&cand, text, sizeof(text));
			return err_errno(e, fd, "cannot bind '%s'", text);
		}
	}
	if (fd < 0)
		return port_error(e, name, rec->ep.endpoint_id, req, "port is already allocated");
	cand.host_port_end = cand.host_port;
	rec->ep.ports[i] = cand;
	rec->port_fds[i] = fd;
	return 0;
}

int
netstate_release_addrs(struct bridge_net *br, const char *id)
{
	int r = br->ipam ? ipam_release(br->ipam, id) : 0;
	int r6 = br->ipam6 ? ipam6_release(br->ipam6, id) : 0;

	return r < 0 ? r : r6;
}

/* Under net->lock: the IPv6 address of an endpoint on an IPv6 network. */
static int
claim_ip6(struct bridge_net *br, struct ep_rec *rec, const char *want, struct err *e)
{
	struct in6_addr a;
	int r;

	if (!br->ipam6)
		return 0;
	if (want && *want) {
		if (inet_pton(AF_INET6, want, &a) != 1)
			return err_set(e, -EINVAL, "invalid IPv6 address: %.64s", want);
		r = ipam6_allocate_addr(br->ipam6, rec->ep.container_id, &a, e);
	} else
		r = ipam6_allocate(br->ipam6, rec->ep.container_id, &a, e);
	if (r < 0)
		return r;
	rec->ep.ip6 = a;
	rec->ep.gateway6 = br->gw6;
	rec->ep.prefix6 = br->prefix6;
	return 0;
}

/* Under net->lock: claims an address (bridge mode) and the host ports. */
static int
claim_resources(struct network_state *net, struct bridge_net *br, struct ep_rec *rec,
		const struct network_attach_opts *o, bool connect, struct err *e)
{
	const char *name = o->name ? o->name : rec->ep.container_id;
	int r;

	struct in_addr want;

	if (!connect && netstate_find_rec(net, rec->ep.container_id) >= 0)
		return err_set(e, -EEXIST, "container '%s' is already attached to a network",
			       rec->ep.container_id);
	if (connect && find_ep(net, rec->ep.container_id, rec->ep.network_id) >= 0)
		return err_set(e, -EPERM, "endpoint with name %s already exists in network %s",
			       name, rec->ep.network);
	if (rec->ep.mode != NETWORK_MODE_BRIDGE)
		return 0;
	if (o->ip && *o->ip) {
		if (inet_pton(AF_INET, o->ip, &want) != 1)
			return err_set(e, -EINVAL, "invalid IPv4 address: %.64s", o->ip);
		r = ipam_allocate_addr(br->ipam, rec->ep.container_id, want, e);
		rec->ep.ip = want;
	} else
		r = ipam_allocate(br->ipam, rec->ep.container_id, &rec->ep.ip, e);
	if (r < 0)
		return r;
	if ((r = claim_ip6(br, rec, o->ip6, e)) < 0) {
		(void)ipam_release(br->ipam, rec->ep.container_id);
		return r;
	}
	rec->ep.gateway = ipam_gateway(br->ipam);
	rec->ep.prefix = ipam_prefix(br->ipam);
	if (o->mac && *o->mac)
		snprintf(rec->ep.mac, sizeof(rec->ep.mac), "%s", o->mac);
	else
		plumb_mac(rec->ep.ip, rec->ep.mac);
	if (connect) {
		snprintf(rec->ep.ifname, sizeof(rec->ep.ifname), "eth%d",
			 last_ifindex(net, rec->ep.container_id) + 1);
		rec->ep.gw = !br->internal && !has_gw(net, rec->ep.container_id);
	} else {
		snprintf(rec->ep.ifname, sizeof(rec->ep.ifname), "eth0");
		rec->ep.gw = !br->internal;
	}
	for (size_t i = 0; i < o->n_ports; i++) {
		r = pick_port(net, rec, i, &o->ports[i], name, e);
		if (r < 0) {
			(void)netstate_release_addrs(br, rec->ep.container_id);
			return r;
		}
		rec->ep.n_ports++;
	}
	return 0;
}

/* Fills the parts of a new record that do not need the lock. */
static int
rec_new(struct network_state *net, const char *id, const struct network_attach_opts *o,
	struct ep_rec **ret, struct err *e)
{
	_cleanup_(netstate_rec_freep) struct ep_rec *rec = xcalloc(1, sizeof(*rec));
	size_t n = o->mode == NETWORK_MODE_BRIDGE ? o->n_ports : 0;

	if (!endpoint_id_valid(id))
		return err_set(e, -EINVAL, "invalid container ID '%s'", id);
	if (o->n_ports > LIMIT_PORT_BINDINGS)
		return err_set(e, -E2BIG, "too many published ports (limit %u)",
			       LIMIT_PORT_BINDINGS);
	snprintf(rec->ep.container_id, sizeof(rec->ep.container_id), "%s", id);
	snprintf(rec->ep.name, sizeof(rec->ep.name), "%s", o->name ? o->name : "");
	rec->ep.aliases = strv_dup(o->aliases);
	rec->ep.links = strv_dup(o->links);
	id_random_hex(rec->ep.endpoint_id);
	rec->ep.mode = o->mode;
	snprintf(rec->ep.network, sizeof(rec->ep.network), "%s", endpoint_mode_name(o->mode));
	rec->ep.ports = xcalloc(n ? n : 1, sizeof(*rec->ep.ports));
	rec->port_fds = xcalloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n; i++)
		rec->port_fds[i] = -1;
	if (o->mode == NETWORK_MODE_BRIDGE)
		plumb_veth_name(rec->ep.host_veth);
	if (o->mode != NETWORK_MODE_HOST && o->mode != NETWORK_MODE_CONTAINER)
		snprintf(rec->ep.netns_path, sizeof(rec->ep.netns_path), "%s/%s", net->netns_dir,
			 id);
	*ret = TAKE_PTR(rec);
	return 0;
}

/* container:<peer>: share the peer's namespace and addresses, own nothing. */
static int
join_peer(struct network_state *net, struct ep_rec *rec, const char *peer, struct err *e)
{
	ssize_t i;

	if (!peer || !endpoint_id_valid(peer))
		return err_set(e, -EINVAL, "invalid container to join '%s'", peer ? peer : "");
	pthread_mutex_lock(&net->lock);
	i = netstate_find_rec(net, peer);
	if (i >= 0) {
		const struct network_endpoint *p = &net->eps[i]->ep;
		memcpy(rec->ep.netns_path, p->netns_path, sizeof(p->netns_path));
		rec->ep.ip = p->ip;
		rec->ep.gateway = p->gateway;
		rec->ep.prefix = p->prefix;
	}
	pthread_mutex_unlock(&net->lock);
	if (i < 0)
		return err_set(e, -ENOENT, "cannot join network of a non running container: %s",
			       peer);
	return 0;
}

/* Gives the record of @id on @network_id back: ports, address and table entry. */
static void
unclaim(struct network_state *net, const char *id, const char *network_id)
{
	_cleanup_(netstate_rec_freep) struct ep_rec *rec = NULL;

	struct bridge_net *br;

	pthread_mutex_lock(&net->lock);
	rec = take_rec_at(net, find_ep(net, id, network_id));
	br = rec ? netobj_bridge_of(net, &rec->ep) : &net->br;
	if (netstate_release_addrs(br, id) < 0 || (br->ipam && ipam_sync(br->ipam) < 0))
		log_warn("cannot save IPAM state after releasing '%s', ignoring", id);
	pthread_mutex_unlock(&net->lock);
}

/* Bridge mode: which network @o names; fills the record's network name and ID. */
static int
pick_network(struct network_state *net, const struct network_attach_opts *o, struct ep_rec *rec,
	     struct bridge_net **ret, struct err *e)
{
	const char *name = o->network;
	ssize_t i;
	int r = 0;

	if (!name || !*name || strcmp(name, "default") == 0)
		name = "bridge";
	pthread_mutex_lock(&net->lock);
	i = netobj_find(net, name, e);
	if (i >= 0 && strcmp(net->nets[i]->def.driver, "bridge") != 0)
		r = err_set(e, -EINVAL,
			    "container cannot be connected to network %s in bridge mode", name);
	else if (i >= 0) {
		snprintf(rec->ep.network, sizeof(rec->ep.network), "%s", net->nets[i]->def.name);
		memcpy(rec->ep.network_id, net->nets[i]->def.id, sizeof(rec->ep.network_id));
		*ret = net->nets[i]->br;
	} else
		r = (int)i;
	pthread_mutex_unlock(&net->lock);
	return r;
}

int
network_attach(struct network_state *net, const char *id, const struct network_attach_opts *o,
	       struct network_endpoint *ret, struct err *e)
{
	_cleanup_(netstate_rec_freep) struct ep_rec *rec = NULL;
	struct bridge_net *br = &net->br;
	struct ep_rec *shared;
	int r = rec_new(net, id, o, &rec, e);

	if (r < 0)
		return r;
	if (o->mode == NETWORK_MODE_CONTAINER && (r = join_peer(net, rec, o->peer, e)) < 0)
		return r;
	if (o->mode == NETWORK_MODE_BRIDGE && (r = pick_network(net, o, rec, &br, e)) < 0)
		return r;
	if (o->mode == NETWORK_MODE_BRIDGE && (r = ensure_bridge(net, br, e)) < 0)
		return r;
	pthread_mutex_lock(&net->lock);
	reaper_wait(net, id); /* a restart: its last run's veth and address go first */
	/* The network may have gone while the lock was not held. */
	if (o->mode == NETWORK_MODE_BRIDGE && netobj_bridge_of(net, &rec->ep) != br)
		r = err_set(e, -ENOENT, "network %s not found", rec->ep.network);
	if (r >= 0)
		r = claim_resources(net, br, rec, o, false, e);
	if (r >= 0)
		netstate_insert_rec(net, rec);
	pthread_mutex_unlock(&net->lock);
	if (r < 0)
		return r;
	shared = TAKE_PTR(rec); /* now in the table; unclaim() frees it on failure */
	/* The address is on disk before anything uses it; written outside the
	 * lock, so the starts of other containers share the write. */
	if (br->ipam && (r = ipam_sync(br->ipam)) < 0) {
		unclaim(net, id, shared->ep.network_id);
		return err_errno(e, r, "cannot save IPAM state");
	}
	trace_point("net.claimed", id);
	shared->pending = o->late_ns &&
			  (o->mode == NETWORK_MODE_BRIDGE || o->mode == NETWORK_MODE_NONE);
	r = shared->pending ? 0 : plumb_endpoint(br, &shared->ep, true, e);
	trace_point("net.plumbed", id);
	if (r >= 0 && (r = endpoint_save(net->ep_dir, &shared->ep)) < 0)
		err_errno(e, r, "cannot save endpoint of '%s'", id);
	if (r < 0) {
		plumb_unplumb(br, &shared->ep, false, true, NULL);
		unclaim(net, id, shared->ep.network_id);
		return err_prefix(e, "cannot attach '%s'", id);
	}
	endpoint_copy(ret, &shared->ep);
	return 0;
}

int
network_connect(struct network_state *net, const char *id, const struct network_attach_opts *o,
		struct network_endpoint *ret, struct err *e)
{
	_cleanup_(netstate_rec_freep) struct ep_rec *rec = NULL;
	struct network_attach_opts bo = *o;
	struct bridge_net *br = &net->br;
	struct ep_rec *shared;
	char stem[96];
	bool pending;
	ssize_t i;
	int r;

	bo.mode = NETWORK_MODE_BRIDGE;
	bo.ports = NULL;
	bo.n_ports = 0;
	pthread_mutex_lock(&net->lock);
	reaper_wait(net, id);
	i = netstate_find_rec(net, id);
	r = i >= 0 && (net->eps[i]->ep.mode == NETWORK_MODE_BRIDGE ||
		       net->eps[i]->ep.mode == NETWORK_MODE_NONE) ? 0 : -EINVAL;
	pending = i >= 0 && net->eps[i]->pending; /* its namespace is not there yet */
	pthread_mutex_unlock(&net->lock);
	if (r < 0)
		return err_set(e, r, "container '%s' has no network namespace of its own", id);
	if ((r = rec_new(net, id, &bo, &rec, e)) < 0 || (r = pick_network(net, &bo, rec, &br, e)) < 0 ||
	    (r = ensure_bridge(net, br, e)) < 0)
		return r;
	pthread_mutex_lock(&net->lock);
	if (netobj_bridge_of(net, &rec->ep) != br)
		r = err_set(e, -ENOENT, "network %s not found", rec->ep.network);
	if (r >= 0)
		r = claim_resources(net, br, rec, &bo, true, e);
	if (r >= 0)
		netstate_insert_rec(net, rec);
	pthread_mutex_unlock(&net->lock);
	if (r < 0)
		return r;
	shared = TAKE_PTR(rec);
	if (br->ipam && (r = ipam_sync(br->ipam)) < 0) {
		unclaim(net, id, shared->ep.network_id);
		return err_errno(e, r, "cannot save IPAM state");
	}
	shared->pending = pending;
	r = pending ? 0 : plumb_endpoint(br, &shared->ep, false, e);
	if (r >= 0 && (r = endpoint_save(net->ep_dir, &shared->ep)) < 0)
		err_errno(e, r, "cannot save endpoint of '%s'", id);
	if (r < 0) {
		plumb_unplumb(br, &shared->ep, false, false, NULL);
		endpoint_stem(&shared->ep, stem);
		(void)endpoint_remove(net->ep_dir, stem);
		unclaim(net, id, shared->ep.network_id);
		return err_prefix(e, "cannot connect '%s' to network %s", id, o->network);
	}
	endpoint_copy(ret, &shared->ep);
	return 0;
}

/* Pins @path from @pid unless it already is a namespace mount (a stale file is replaced). */
static int
pin_from_pid(const char *path, pid_t pid, struct err *e)
{
	int r;

	if (netns_is_pinned(path))
		return 0;
	(void)unlink(path);
	r = netns_pin(path, pid);
	if (r < 0)
		return err_errno(e, r, "cannot pin the network namespace of process %d at '%s'",
				 (int)pid, path);
	return 0;
}

int
network_adopt_netns(struct network_state *net, const char *id, pid_t pid, struct err *e)
{
	struct network_endpoint *eps = NULL;
	struct bridge_net **brs = NULL;
	char path[256] = "";
	size_t n = 0;
	int r = 0;

	pthread_mutex_lock(&net->lock);
	eps = xcalloc(net->n_eps + 1, sizeof(*eps));
	brs = xcalloc(net->n_eps + 1, sizeof(*brs));
	for (size_t i = 0; i < net->n_eps; i++) {
		const struct ep_rec *rec = net->eps[i];
		if (strcmp(rec->ep.container_id, id) != 0 ||
		    (rec->ep.mode != NETWORK_MODE_BRIDGE && rec->ep.mode != NETWORK_MODE_NONE))
			continue;
		memcpy(path, rec->ep.netns_path, sizeof(path));
		if (!rec->pending)
			continue;
		endpoint_copy(&eps[n], &rec->ep);
		brs[n++] = netobj_bridge_of(net, &rec->ep);
	}
	pthread_mutex_unlock(&net->lock);
	if (path[0])
		r = pin_from_pid(path, pid, e);
	/* in interface order: eth0 first, as network_attach and connect made them */
	for (size_t k = 0; r >= 0 && k < n; k++) {
		size_t best = k;
		for (size_t j = k + 1; j < n; j++)
			if (atoi(eps[j].ifname + 3) < atoi(eps[best].ifname + 3))
				best = j;
		if (best != k) {
			struct network_endpoint t = eps[k];
			struct bridge_net *b = brs[k];
			eps[k] = eps[best], eps[best] = t;
			brs[k] = brs[best], brs[best] = b;
		}
		r = plumb_endpoint(brs[k], &eps[k], false, e);
	}
	pthread_mutex_lock(&net->lock);
	for (size_t i = 0; r >= 0 && i < net->n_eps; i++)
		if (strcmp(net->eps[i]->ep.container_id, id) == 0)
			net->eps[i]->pending = false;
	pthread_mutex_unlock(&net->lock);
	for (size_t k = 0; k < n; k++)
		network_endpoint_release(&eps[k]);
	free(eps);
	free(brs);
	return r < 0 ? err_prefix(e, "cannot attach '%s'", id) : 0;
}

/* Tears one endpoint record down (taken out of the table already). */
static void
drop_endpoint(struct network_state *net, struct ep_rec *rec, bool drop_ns, struct err *first)
{
	struct bridge_net *br;
	char stem[96];
	int r;

	pthread_mutex_lock(&net->lock);
	br = netobj_bridge_of(net, &rec->ep);
	pthread_mutex_unlock(&net->lock);
	/* A removed network cannot have endpoints, so @br outlives this call. */
	plumb_unplumb(br, &rec->ep, true, drop_ns, first);
	pthread_mutex_lock(&net->lock);
	r = rec->ep.mode == NETWORK_MODE_BRIDGE ? netstate_release_addrs(br, rec->ep.container_id)
						: 0;
	/* under the lock: a network removal may free @br once the lock is dropped */
	if (r >= 0 && rec->ep.mode == NETWORK_MODE_BRIDGE && br->ipam)
		r = ipam_sync(br->ipam);
	pthread_mutex_unlock(&net->lock);
	if (r < 0 && !err_is_set(first))
		err_errno(first, r, "cannot save IPAM state");
	endpoint_stem(&rec->ep, stem);
	r = endpoint_remove(net->ep_dir, stem);
	if (r < 0 && !err_is_set(first))
		err_errno(first, r, "cannot remove endpoint record '%s'", stem);
}

int
network_disconnect(struct network_state *net, const char *id, const char *ref, struct err *e)
{
	_cleanup_(netstate_rec_freep) struct ep_rec *rec = NULL;
	struct ep_rec *keep = NULL; /* in the table once inserted */
	struct network_endpoint next = {0};
	struct err first = ERR_INIT;
	char name[NETDEF_NAME_MAX + 1] = "";
	bool move_gw = false;
	ssize_t i;
	int r = 0;

	pthread_mutex_lock(&net->lock);
	reaper_wait(net, id);
	i = netobj_find(net, ref, e);
	if (i >= 0) {
		snprintf(name, sizeof(name), "%s", net->nets[i]->def.name);
		rec = take_rec_at(net, find_ep(net, id, net->nets[i]->def.id));
		if (!rec)
			r = err_set(e, -ENOTCONN, "container %s is not connected to network %s", id,
				    name);
	} else
		r = (int)i;
	if (rec && rec->ep.gw) {
		/* The default route moves to the next endpoint on a network with a way out. */
		ssize_t best = -1;
		for (size_t k = 0; k < net->n_eps; k++) {
			const struct network_endpoint *ep = &net->eps[k]->ep;
			if (strcmp(ep->container_id, id) != 0 || ep->mode != NETWORK_MODE_BRIDGE ||
			    netobj_bridge_of(net, ep)->internal ||
			    (best >= 0 && atoi(ep->ifname + 3) >= atoi(net->eps[best]->ep.ifname + 3)))
				continue;
			best = (ssize_t)k;
		}
		if (best >= 0) {
			net->eps[best]->ep.gw = true;
			endpoint_copy(&next, &net->eps[best]->ep);
			move_gw = true;
		}
	}
	if (rec && rec->ep.mode == NETWORK_MODE_BRIDGE && netstate_find_rec(net, id) < 0) {
		/* Its last network: the namespace stays (the container runs), with lo only. */
		keep = xcalloc(1, sizeof(*keep));
		keep->ep.mode = NETWORK_MODE_NONE;
		memcpy(keep->ep.container_id, rec->ep.container_id, sizeof(keep->ep.container_id));
		memcpy(keep->ep.netns_path, rec->ep.netns_path, sizeof(keep->ep.netns_path));
		memcpy(keep->ep.name, rec->ep.name, sizeof(keep->ep.name));
		snprintf(keep->ep.network, sizeof(keep->ep.network), "none");
		snprintf(keep->ep.ifname, sizeof(keep->ep.ifname), "eth0");
		id_random_hex(keep->ep.endpoint_id);
		keep->port_fds = xcalloc(1, sizeof(int));
		keep->ep.ports = xcalloc(1, sizeof(*keep->ep.ports));
		netstate_insert_rec(net, keep);
	}
	pthread_mutex_unlock(&net->lock);
	if (r < 0) {
		network_endpoint_release(&next);
		return r;
	}
	drop_endpoint(net, rec, false, &first);
	if (keep && endpoint_save(net->ep_dir, &keep->ep) < 0)
		log_warn("container %.12s: cannot save its namespace record", id);
	if (move_gw) {
		struct err ge = ERR_INIT;
		next.gw = true;
		if (plumb_default_route(&next, &ge) < 0)
			log_warn("container %.12s: cannot move the default route to %s: %s", id,
				 next.ifname, ge.msg);
		if (endpoint_save(net->ep_dir, &next) < 0)
			log_warn("container %.12s: cannot save endpoint on %s", id, next.network);
	}
	network_endpoint_release(&next);
	if (err_is_set(&first))
		return err_copy(e, &first);
	return 0;
}

static int
cmp_ifname(const void *a, const void *b)
{
	const struct network_endpoint *x = a, *y = b;

	return atoi(x->ifname + 3) - atoi(y->ifname + 3);
}

int
network_endpoints(struct network_state *net, const char *id, struct network_endpoint **ret,
		  size_t *ret_n)
{
	struct network_endpoint *list;
	size_t n = 0;

	pthread_mutex_lock(&net->lock);
	list = xcalloc(net->n_eps + 1, sizeof(*list));
	for (size_t i = 0; i < net->n_eps; i++)
		if (strcmp(net->eps[i]->ep.container_id, id) == 0)
			endpoint_copy(&list[n++], &net->eps[i]->ep);
	pthread_mutex_unlock(&net->lock);
	qsort(list, n, sizeof(*list), cmp_ifname);
	*ret = list;
	*ret_n = n;
	return 0;
}

int
network_detach(struct network_state *net, const char *id, struct err *e)
{
	struct network_endpoint fallback = {0};
	struct err first = ERR_INIT;
	size_t n = 0;

	if (!endpoint_id_valid(id))
		return err_set(e, -EINVAL, "invalid container ID '%s'", id);
	pthread_mutex_lock(&net->lock);
	reaper_wait(net, id); /* returns with nothing of @id left in the kernel */
	pthread_mutex_unlock(&net->lock);
	for (;;) {
		_cleanup_(netstate_rec_freep) struct ep_rec *rec = NULL;
		pthread_mutex_lock(&net->lock);
		rec = take_rec_at(net, netstate_find_rec(net, id));
		pthread_mutex_unlock(&net->lock);
		if (!rec)
			break;
		drop_endpoint(net, rec, false, &first);
		/* container: mode shares its peer's namespace, host mode has none. */
		if (!fallback.netns_path[0] &&
		    (rec->ep.mode == NETWORK_MODE_BRIDGE || rec->ep.mode == NETWORK_MODE_NONE))
			memcpy(fallback.netns_path, rec->ep.netns_path, sizeof(fallback.netns_path));
		n++;
	}
	if (n == 0) {
		/* No record (crash between steps): remove whatever carries its tags. */
		snprintf(fallback.container_id, sizeof(fallback.container_id), "%s", id);
		snprintf(fallback.netns_path, sizeof(fallback.netns_path), "%s/%s", net->netns_dir,
			 id);
		fallback.mode = NETWORK_MODE_BRIDGE;
		plumb_unplumb(&net->br, &fallback, false, true, &first);
		pthread_mutex_lock(&net->lock);
		if (net->br.ipam && ipam_release(net->br.ipam, id) < 0 && !err_is_set(&first))
			err_set(&first, -EIO, "cannot save IPAM state");
		pthread_mutex_unlock(&net->lock);
		if (net->br.ipam && ipam_sync(net->br.ipam) < 0 && !err_is_set(&first))
			err_set(&first, -EIO, "cannot save IPAM state");
		if (endpoint_remove(net->ep_dir, id) < 0 && !err_is_set(&first))
			err_set(&first, -EIO, "cannot remove endpoint record of '%s'", id);
	} else if (fallback.netns_path[0]) {
		/* The namespace goes last, once every veth is out of it. */
		int r = netns_destroy(fallback.netns_path);
		if (r < 0 && !err_is_set(&first))
			err_errno(&first, r, "cannot remove network namespace '%s'", fallback.netns_path);
	}
	if (err_is_set(&first))
		return err_copy(e, &first);
	return 0;
}

/*
 * network_detach's steps in an order that lets the slow ones wait: the port
 * rules, the endpoint records and the namespace file go now; a bridge
 * endpoint's veth and addresses go to the reaper (reaper.h). Endpoints of
 * other modes (none: no veth) are dropped at once.
 */
void
network_release_wait(struct network_state *net, const char *id)
{
	pthread_mutex_lock(&net->lock);
	reaper_wait(net, id);
	pthread_mutex_unlock(&net->lock);
}

int
network_release(struct network_state *net, const char *id, struct err *e)
{
	struct reaper_job *job;
	struct ep_rec **recs;
	char netns[sizeof(((struct network_endpoint *)0)->netns_path)] = "";
	struct err first = ERR_INIT;
	bool queued = false;
	size_t n = 0;

	if (!endpoint_id_valid(id))
		return err_set(e, -EINVAL, "invalid container ID '%s'", id);
	job = reaper_job_new(id);
	/* Taken and queued in one go: the reaper never sees a job still growing. */
	pthread_mutex_lock(&net->lock);
	recs = xcalloc(net->n_eps + 1, sizeof(*recs));
	while ((recs[n] = take_rec_at(net, netstate_find_rec(net, id)))) {
		if (recs[n]->ep.mode == NETWORK_MODE_BRIDGE) {
			reaper_job_add(job, netobj_bridge_of(net, &recs[n]->ep),
				       recs[n]->ep.host_veth);
			queued = true;
		}
		n++;
	}
	if (queued)
		reaper_queue(net, job); /* seen by waiters from now on */
	pthread_mutex_unlock(&net->lock);
	if (!queued)
		reaper_job_free(job);
	for (size_t i = 0; i < n; i++) {
		struct ep_rec *rec = recs[i];
		char stem[96];
		int r;

		if (!netns[0] &&
		    (rec->ep.mode == NETWORK_MODE_BRIDGE || rec->ep.mode == NETWORK_MODE_NONE))
			memcpy(netns, rec->ep.netns_path, sizeof(netns));
		if (rec->ep.mode != NETWORK_MODE_BRIDGE) {
			drop_endpoint(net, rec, false, &first);
		} else {
			/* A removed network cannot have endpoints or jobs: the bridge stays. */
			pthread_mutex_lock(&net->lock);
			struct bridge_net *br = netobj_bridge_of(net, &rec->ep);
			pthread_mutex_unlock(&net->lock);
			plumb_remove_rules(br, &rec->ep, true, &first);
			endpoint_stem(&rec->ep, stem);
			r = endpoint_remove(net->ep_dir, stem);
			if (r < 0 && !err_is_set(&first))
				err_errno(&first, r, "cannot remove endpoint record '%s'", stem);
		}
		netstate_rec_free(rec);
	}
	free(recs);
	/* Nothing recorded: released already (the AutoRemove removal after the
	 * exit), or never attached. What a crash can leave without a record is
	 * the start-up sweep's (network_cleanup_stale): recovery runs it once
	 * it has handed every dead container to the exit path. */
	if (n == 0)
		return 0;
	if (netns[0]) {
		int r = netns_destroy(netns);
		if (r < 0 && !err_is_set(&first))
			err_errno(&first, r, "cannot remove network namespace '%s'", netns);
	}
	if (err_is_set(&first))
		return err_copy(e, &first);
	return 0;
}

int
network_inspect(struct network_state *net, const char *id, struct network_endpoint *ret,
		struct err *e)
{
	ssize_t i;

	pthread_mutex_lock(&net->lock);
	i = -1;
	for (size_t k = 0; k < net->n_eps; k++)
		if (strcmp(net->eps[k]->ep.container_id, id) == 0 &&
		    (i < 0 || atoi(net->eps[k]->ep.ifname + 3) < atoi(net->eps[i]->ep.ifname + 3)))
			i = (ssize_t)k;
	if (i >= 0)
		endpoint_copy(ret, &net->eps[i]->ep);
	pthread_mutex_unlock(&net->lock);
	if (i < 0)
		return err_set(e, -ENOENT, "container '%s' has no network endpoint", id);
	return 0;
}

const char *
network_bridge_name(const struct network_state *net)
{
	return net->br.name;
}
