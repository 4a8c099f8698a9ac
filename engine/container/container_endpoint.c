/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's network glue: turns its spec (network mode, the networks
 * of its EndpointsConfig, -p, -P) into network_attach and network_connect
 * requests, records the endpoints networking gave it in c->ep and c->xeps
 * (Docker's NetworkSettings come from there), connects and disconnects
 * networks (docker network connect/disconnect) and gives everything back on
 * exit. Publishes "network connect" / "network disconnect" events.
 * Addresses, veths and NAT rules themselves are engine/network's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/container_dns.h"
#include "engine/container/container_endpoint.h"
#include "engine/container/container_internal.h"
#include "engine/container/container_userns.h"
#include "engine/container/hostsfile.h"
#include "engine/container/lifecycle.h"
#include "engine/container/memo.h"
#include "engine/container/links.h"
#include "engine/events/events.h"
#include "engine/network/endpoint.h"
#include "engine/network/network.h"
#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

/* The networks of @s in connect order (a new reference), or NULL outside bridge mode. */
json_t *
container_endpoint_list(const struct container_spec *s)
{
	enum network_mode mode;
	char peer[65];
	const char *net = s->network_mode;

	if (network_mode_parse(s->network_mode, &mode, peer, NULL) < 0 ||
	    mode != NETWORK_MODE_BRIDGE)
		return NULL;
	if (json_is_array(s->endpoints))
		return json_incref(s->endpoints);
	if (!net || !*net || strcmp(net, "default") == 0)
		net = "bridge";
	return json_pack("[{s:s}]", "network", net);
}

/* The entry of @list for network @name, or NULL. */
static json_t *
list_find(json_t *list, const char *name, size_t *ret_index)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		const char *n = jsonget_cstr(v, "network");
		if (n && strcmp(n, name) == 0) {
			if (ret_index)
				*ret_index = i;
			return v;
		}
	}
	return NULL;
}

/*
 * Checks one entry (engine keys, see spec.h) and rewrites its network to the
 * network's name. @mode_net: the container's network mode.
 */
static int
check_entry(struct network_state *net, json_t *ent, struct err *e)
{
	char name[NETDEF_NAME_MAX + 1], id[65];
	const char *ref = jsonget_cstr(ent, "network");
	json_t *aliases = json_object_get(ent, "aliases"), *links = json_object_get(ent, "links");
	json_t *opts = json_object_get(ent, "driver_opts"), *v;
	const char *k;
	size_t i;
	int r;

	if (!json_is_object(ent) || !ref)
		return err_set(e, -EINVAL, "invalid endpoint settings");
	if (aliases && (!json_is_array(aliases) || json_array_size(aliases) > 1024))
		return err_set(e, -EINVAL, "invalid network aliases");
	json_array_foreach(aliases, i, v)
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 255)
			return err_set(e, -EINVAL, "invalid network alias");
	if (links && (!json_is_array(links) || json_array_size(links) > 1024))
		return err_set(e, -EINVAL, "invalid endpoint links");
	json_array_foreach(links, i, v) {
		_cleanup_free_ char *target = NULL, *alias = NULL;
		if (!json_is_string(v) || json_string_length(v) > 512)
			return err_set(e, -EINVAL, "invalid endpoint link");
		if ((r = links_parse(json_string_value(v), &target, &alias, e)) < 0)
			return r;
	}
	if (opts && !json_is_object(opts))
		return err_set(e, -EINVAL, "invalid endpoint driver options");
	json_object_foreach(opts, k, v)
		if (!json_is_string(v))
			return err_set(e, -EINVAL, "invalid endpoint driver option %.64s", k);
	if (strcmp(ref, "default") == 0)
		ref = "bridge";
	r = network_endpoint_check(net, ref, jsonget_cstr(ent, "ipv4"), jsonget_cstr(ent, "ipv6"),
				   jsonget_cstr(ent, "mac"), json_array_size(aliases) > 0, name, id,
				   e);
	if (r < 0)
		return r;
	if (strcmp(name, "host") == 0 || strcmp(name, "none") == 0)
		return err_set(e, -EINVAL,
			       "conflicting options: cannot attach both user-defined and "
			       "non-user-defined network-modes");
	json_object_set_new(ent, "network", json_string(name));
	json_object_set_new(ent, "network_id", json_string(id));
	return 0;
}

int
container_endpoint_prepare(struct network_state *net, struct container_spec *s, struct err *e)
{
	_cleanup_json_ json_t *req = s->endpoints, *list = json_array();
	enum network_mode mode;
	char peer[65], pname[NETDEF_NAME_MAX + 1], pid[65];
	const char *primary = s->network_mode;
	size_t i;
	json_t *v;
	int r;

	s->endpoints = NULL;
	if (!net)
		return 0;
	r = network_mode_parse(s->network_mode, &mode, peer, e);
	if (r < 0)
		return r;
	if (req && !json_is_array(req))
		return err_set(e, -EINVAL, "invalid EndpointsConfig");
	if (mode != NETWORK_MODE_BRIDGE) {
		/* host, none, container:: only an entry for that mode itself, with nothing in it. */
		const char *own = mode == NETWORK_MODE_CONTAINER ? NULL : endpoint_mode_name(mode);
		json_array_foreach(req, i, v) {
			const char *n = jsonget_cstr(v, "network");
			if (!n || !own || strcmp(n, own) != 0)
				return err_set(e, -EINVAL,
					       "conflicting options: cannot attach both user-defined "
					       "and non-user-defined network-modes");
			if (json_array_size(json_object_get(v, "aliases")) > 0)
				return err_set(e, -EINVAL,
					       "network-scoped alias is supported only for containers "
					       "in user defined networks");
			if ((jsonget_cstr(v, "ipv4") && *jsonget_cstr(v, "ipv4")) ||
			    (jsonget_cstr(v, "ipv6") && *jsonget_cstr(v, "ipv6")))
				return err_set(e, -EINVAL,
					       "user specified IP address is supported on user "
					       "defined networks only");
			if (jsonget_cstr(v, "mac") && *jsonget_cstr(v, "mac") &&
			    mode != NETWORK_MODE_NONE)
				return err_set(e, -EINVAL,
					       "conflicting options: mac-address and the network mode");
		}
		return 0;
	}
	if (!primary || !*primary || strcmp(primary, "default") == 0)
		primary = "bridge";
	if ((r = network_endpoint_check(net, primary, NULL, NULL, NULL, false, pname, pid, e)) < 0)
		return r;
	/* Names resolved first: a key may be "default", a name or an ID. */
	json_array_foreach(req, i, v)
		if ((r = check_entry(net, v, e)) < 0)
			return r;
	/* The network mode's entry first, then the others in the request's order. */
	json_array_foreach(req, i, v)
		if (strcmp(jsonget_cstr(v, "network"), pname) == 0) {
			json_array_append(list, v);
			json_array_remove(req, i);
			break;
		}
	if (json_array_size(list) == 0)
		json_array_append_new(list, json_pack("{s:s,s:s}", "network", pname, "network_id", pid));
	json_array_foreach(req, i, v)
		json_array_append(list, v);
	json_array_foreach(list, i, v)
		for (size_t k = 0; k < i; k++)
			if (strcmp(jsonget_cstr(json_array_get(list, k), "network"),
				   jsonget_cstr(v, "network")) == 0)
				return err_set(e, -EINVAL,
					       "Container cannot be connected to network %s twice",
					       jsonget_cstr(v, "network"));
	s->endpoints = TAKE_PTR(list);
	return 0;
}

static void
runtime_copy(struct container_endpoint *dst, const struct network_endpoint *ep)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

	dst->network = xstrdup(ep->network);
	dst->endpoint_id = xstrdup(ep->endpoint_id);
	dst->network_id = xstrdup(ep->network_id);
	if (ep->netns_path[0])
		dst->netns = xstrdup(ep->netns_path);
	if (ep->ip.s_addr) {
		inet_ntop(AF_INET, &ep->ip, ip, sizeof(ip));
		inet_ntop(AF_INET, &ep->gateway, gw, sizeof(gw));
		dst->ip = xstrdup(ip);
		dst->gateway = xstrdup(gw);
		dst->prefix = ep->prefix;
		dst->mac = xstrdup(ep->mac);
	}
	if (ep->prefix6) {
		char ip6[INET6_ADDRSTRLEN], gw6[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &ep->ip6, ip6, sizeof(ip6));
		inet_ntop(AF_INET6, &ep->gateway6, gw6, sizeof(gw6));
		dst->ip6 = xstrdup(ip6);
		dst->gateway6 = xstrdup(gw6);
		dst->prefix6 = ep->prefix6;
	}
	if (ep->n_ports) {
		dst->ports = xcalloc(ep->n_ports, sizeof(*dst->ports));
		memcpy(dst->ports, ep->ports, ep->n_ports * sizeof(*dst->ports));
		dst->n_ports = ep->n_ports;
	}
}

static void
clear_xeps(struct container *c)
{
	for (size_t i = 0; i < c->n_xeps; i++)
		container_endpoint_release(&c->xeps[i]);
	free(c->xeps);
	c->xeps = NULL;
	c->n_xeps = 0;
}

/* Fills the endpoint from what networking attached. */
void
container_endpoint_set(struct container *c, const struct network_endpoint *ep)
{
	container_endpoint_release(&c->ep);
	clear_xeps(c);
	runtime_copy(&c->ep, ep);
	container_changed_locked(c);
}

void
container_endpoint_refresh(struct containers *cs, struct container *c)
{
	struct network_endpoint *eps = NULL;
	size_t n = 0;

	(void)network_endpoints(cs->net, c->id, &eps, &n);
	pthread_mutex_lock(&c->mu);
	if (n > 0) {
		_cleanup_free_ char *netns = c->ep.netns ? xstrdup(c->ep.netns) : NULL;
		container_endpoint_set(c, &eps[0]);
		if (!c->ep.netns && netns)
			c->ep.netns = TAKE_PTR(netns);
		c->xeps = xcalloc(n, sizeof(*c->xeps));
		for (size_t i = 1; i < n; i++)
			runtime_copy(&c->xeps[c->n_xeps++], &eps[i]);
	}
	container_changed_locked(c);
	pthread_mutex_unlock(&c->mu);
	for (size_t i = 0; i < n; i++)
		network_endpoint_release(&eps[i]);
	free(eps);
}

/* "network connect" / "network disconnect", as dockerd: the network's ID, the container. */
static void
network_event(struct containers *cs, struct container *c, const char *action,
	      const struct network_endpoint *ep)
{
	if (ep->mode != NETWORK_MODE_BRIDGE || !ep->network_id[0])
		return;
	events_publish(cs->events, "network", action, ep->network_id,
		       json_pack("{s:s,s:s,s:s}", "container", c->id, "name", ep->network, "type",
				 "bridge"));
}

/*
 * A running container's /etc/hosts follows its endpoints as libnetwork's
 * sandbox does: a line per address of @ep added at connect, removed at
 * disconnect. resolv.conf switches to or from the embedded server.
 */
static void
update_etc_files(struct containers *cs, struct container *c, const struct network_endpoint *ep,
		 bool add)
{
	_cleanup_free_ char *path = xasprintf("%s/hosts", c->dir);
	_cleanup_free_ char *names = NULL;
	char ip[INET6_ADDRSTRLEN];
	int r = 0;

	pthread_mutex_lock(&c->mu);
	names = lifecycle_hosts_names(c);
	pthread_mutex_unlock(&c->mu);
	if (ep->mode == NETWORK_MODE_BRIDGE && ep->ip.s_addr) {
		inet_ntop(AF_INET, &ep->ip, ip, sizeof(ip));
		r = add ? hostsfile_add(path, ip, names) : hostsfile_remove(path, ip, names);
	}
	if (r == 0 && ep->mode == NETWORK_MODE_BRIDGE && ep->prefix6) {
		inet_ntop(AF_INET6, &ep->ip6, ip, sizeof(ip));
		r = add ? hostsfile_add(path, ip, names) : hostsfile_remove(path, ip, names);
	}
	if (r < 0)
		log_warn("container %.12s: cannot update '%s': %s, ignoring", c->id, path,
			 strerror(-r));
	lifecycle_sync_resolv_conf(cs, c);
}

/*
 * The entry's links as networking takes them, "target:alias" (moby's
 * ParseLink, so "/t:/p/a" from an inspect is "t:a"), or NULL.
 */
static char **
entry_links(json_t *ent)
{
	json_t *links = json_object_get(ent, "links"), *v;
	char **out = NULL;
	size_t i, n = 0;

	json_array_foreach(links, i, v) {
		_cleanup_free_ char *target = NULL, *alias = NULL;
		struct err ignored = ERR_INIT;
		if (!json_is_string(v) ||
		    links_parse(json_string_value(v), &target, &alias, &ignored) < 0)
			continue; /* checked at create */
		out = xrealloc(out, (n + 2) * sizeof(*out));
		out[n++] = xasprintf("%s:%s", target[0] == '/' ? target + 1 : target, alias);
		out[n] = NULL;
	}
	return out;
}

/* Connect options from one entry of the spec's list (borrowing from it,
 * and from *@aliases and *@links, which the caller frees). */
static void
entry_opts(struct container *c, json_t *ent, struct network_attach_opts *o, char ***aliases,
	   char ***links)
{
	*aliases = NULL;
	(void)strv_from_json(json_object_get(ent, "aliases"), aliases);
	*links = entry_links(ent);
	o->links = *links;
	o->network = jsonget_cstr(ent, "network");
	o->ip = jsonget_cstr(ent, "ipv4");
	o->ip6 = jsonget_cstr(ent, "ipv6");
	o->mac = jsonget_cstr(ent, "mac");
	o->aliases = *aliases;
	o->name = c->name + 1;
	o->hostname = c->spec.hostname;
}

int
container_endpoint_attach(struct containers *cs, struct container *c, struct err *e)
{
	struct network_attach_opts o = {0};
	struct network_endpoint ep = {0};
	_cleanup_free_ struct portmap_binding *ports = NULL;
	_cleanup_json_ json_t *list = NULL;
	_cleanup_strv_ char **aliases = NULL, **links = NULL;
	size_t n = 0;
	char peer[65] = "";
	int r;

	container_touch_net(c);
	r = network_mode_parse(c->spec.network_mode, &o.mode, peer, e);
	if (r < 0)
		return r;
	if (o.mode == NETWORK_MODE_CONTAINER) {
		_cleanup_container_ struct container *p = containers_get(cs, peer, e);
		if (!p)
			return e->code;
		snprintf(peer, sizeof(peer), "%s", p->id);
		o.peer = peer;
	}
	ports = xcalloc(c->spec.n_ports + strv_len(c->spec.exposed_ports) + 1, sizeof(*ports));
	for (size_t i = 0; i < c->spec.n_ports; i++) {
		const struct portmap_request *req = &c->spec.ports[i];
		struct portmap_binding *b = &ports[n];
		char key[PORTMAP_KEY_MAX];
		b->container_port = req->container_port;
		b->proto = req->proto;
		/* Only the host side is checked here: berth accepts it at create. */
		if ((req->proto != IPPROTO_TCP && req->proto != IPPROTO_UDP) ||
		    portmap_parse_host(req->host_ip, req->host_port, b, e) < 0) {
			portmap_request_key(req, key);
			return err_set(e, -EINVAL, "invalid port binding '%s'", key);
		}
		n++;
	}
	/* -P: every exposed port without an explicit binding gets an ephemeral one. */
	for (size_t i = 0; c->spec.publish_all_ports && c->spec.exposed_ports &&
			   c->spec.exposed_ports[i]; i++) {
		bool bound = false;
		for (size_t k = 0; k < c->spec.n_ports; k++) {
			char key[PORTMAP_KEY_MAX];
			portmap_request_key(&c->spec.ports[k], key);
			if (strcmp(key, c->spec.exposed_ports[i]) == 0)
				bound = true;
		}
		if (bound || portmap_parse_key(c->spec.exposed_ports[i], &ports[n].container_port,
					       &ports[n].proto) < 0)
			continue;
		n++;
	}
	o.ports = ports;
	o.n_ports = n;
	o.name = c->name + 1;
	o.network = c->spec.network_mode;
	o.hostname = c->spec.hostname;
	o.late_ns = container_userns_owns_netns(cs, c);
	pthread_mutex_lock(&c->mu);
	list = container_endpoint_list(&c->spec);
	pthread_mutex_unlock(&c->mu);
	if (list && json_array_size(list) == 0)
		o.mode = NETWORK_MODE_NONE; /* disconnected from every network: lo only */
	else if (list)
		entry_opts(c, json_array_get(list, 0), &o, &aliases, &links);
	r = network_attach(cs->net, c->id, &o, &ep, e);
	if (r < 0)
		return r;
	network_event(cs, c, "connect", &ep);
	network_endpoint_release(&ep);
	/* The other networks, in connect order. */
	for (size_t i = 1; i < json_array_size(list); i++) {
		struct network_attach_opts xo = {0};
		_cleanup_strv_ char **xaliases = NULL, **xlinks = NULL;
		entry_opts(c, json_array_get(list, i), &xo, &xaliases, &xlinks);
		r = network_connect(cs->net, c->id, &xo, &ep, e);
		if (r < 0) {
			container_endpoint_detach(cs, c, false);
			return r;
		}
		network_event(cs, c, "connect", &ep);
		network_endpoint_release(&ep);
	}
	container_endpoint_refresh(cs, c);
	return 0;
}

int
container_endpoint_detach(struct containers *cs, struct container *c, bool defer)
{
	struct network_endpoint *eps = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;
	int r;

	(void)network_endpoints(cs->net, c->id, &eps, &n);
	r = (defer ? network_release : network_detach)(cs->net, c->id, &e);
	if (r < 0)
		log_warn("container %.12s: network clean-up: %s, ignoring", c->id, e.msg);
	for (size_t i = 0; i < n; i++) {
		network_event(cs, c, "disconnect", &eps[i]);
		network_endpoint_release(&eps[i]);
	}
	free(eps);
	pthread_mutex_lock(&c->mu);
	free(c->ep.ports);
	c->ep.ports = NULL;
	c->ep.n_ports = 0;
	free(c->ep.ip);
	free(c->ep.gateway);
	free(c->ep.ip6);
	free(c->ep.gateway6);
	free(c->ep.mac);
	free(c->ep.netns);
	c->ep.ip = c->ep.gateway = c->ep.mac = c->ep.netns = NULL;
	c->ep.ip6 = c->ep.gateway6 = NULL;
	clear_xeps(c);
	container_changed_locked(c);
	pthread_mutex_unlock(&c->mu);
	return r;
}

/* The container's mode as dockerd's connect and disconnect judge it. */
static int
mode_of(struct container *c, enum network_mode *ret, struct err *e)
{
	char peer[65];
	int r;

	pthread_mutex_lock(&c->mu);
	r = network_mode_parse(c->spec.network_mode, ret, peer, e);
	pthread_mutex_unlock(&c->mu);
	return r;
}

static bool
is_live(struct container *c)
{
	enum container_status st;

	pthread_mutex_lock(&c->mu);
	st = c->state.status;
	pthread_mutex_unlock(&c->mu);
	return st == CONTAINER_RUNNING || st == CONTAINER_PAUSED || st == CONTAINER_RESTARTING;
}

int
container_endpoint_connect(struct containers *cs, struct container *c, const char *ref,
			   json_t *settings, struct err *e)
{
	_cleanup_json_ json_t *ent = settings ? json_deep_copy(settings) : json_object();
	_cleanup_json_ json_t *list = NULL;
	_cleanup_strv_ char **aliases = NULL, **links = NULL;
	struct network_attach_opts o = {0};
	struct network_endpoint ep = {0};
	enum network_mode mode;
	int r;

	container_touch_net(c);
	if ((r = mode_of(c, &mode, e)) < 0)
		return r;
	if (!json_is_object(ent))
		return err_set(e, -EINVAL, "invalid endpoint settings");
	json_object_set_new(ent, "network", json_string(ref));
	if (strcmp(ref, "host") == 0 && mode != NETWORK_MODE_HOST)
		return err_set(e, -EINVAL,
			       "container cannot be disconnected from host network or connected to "
			       "host network");
	if (mode == NETWORK_MODE_HOST || mode == NETWORK_MODE_CONTAINER)
		return err_set(e, -EINVAL,
			       "container sharing network namespace with another container or host "
			       "cannot be connected to any other network");
	if (mode == NETWORK_MODE_NONE || strcmp(ref, "none") == 0)
		return err_set(e, -EINVAL,
			       "container cannot be connected to multiple networks with one of the "
			       "networks in private (none) mode");
	if ((r = check_entry(cs->net, ent, e)) < 0)
		return r;
	pthread_mutex_lock(&c->mu);
	list = container_endpoint_list(&c->spec);
	r = list_find(list, jsonget_cstr(ent, "network"), NULL) ? -EPERM : 0;
	pthread_mutex_unlock(&c->mu);
	if (r < 0)
		return err_set(e, r, "endpoint with name %s already exists in network %s",
			       c->name + 1, jsonget_cstr(ent, "network"));
	if (is_live(c)) {
		entry_opts(c, ent, &o, &aliases, &links);
		r = network_connect(cs->net, c->id, &o, &ep, e);
		if (r < 0)
			return r;
	}
	pthread_mutex_lock(&c->mu);
	json_decref(c->spec.endpoints);
	c->spec.endpoints = json_deep_copy(list);
	json_array_append(c->spec.endpoints, ent);
	pthread_mutex_unlock(&c->mu);
	r = container_save(c, e);
	if (ep.endpoint_id[0]) {
		container_endpoint_refresh(cs, c);
		update_etc_files(cs, c, &ep, true);
		(void)container_dns_sync(cs, c); /* a first user network attaches the DNS */
		network_event(cs, c, "connect", &ep);
		network_endpoint_release(&ep);
	}
	return r;
}

int
container_endpoint_disconnect(struct containers *cs, struct container *c, const char *ref,
			      bool force, struct err *e)
{
	_cleanup_json_ json_t *list = NULL;
	struct network_info info = {0};
	struct network_endpoint *eps = NULL;
	enum network_mode mode;
	size_t n = 0, at = 0;
	int r;

	container_touch_net(c);
	if ((r = mode_of(c, &mode, e)) < 0 || (r = network_get(cs->net, ref, &info, e)) < 0)
		return r;
	if (mode == NETWORK_MODE_HOST && strcmp(info.def.driver, "host") == 0) {
		network_info_release(&info);
		return err_set(e, -EINVAL,
			       "container cannot be disconnected from host network or connected to "
			       "host network");
	}
	pthread_mutex_lock(&c->mu);
	list = container_endpoint_list(&c->spec);
	r = list_find(list, info.def.name, &at) ? 0 : -ENOTCONN;
	pthread_mutex_unlock(&c->mu);
	if (r < 0) {
		err_set(e, r, "container %s is not connected to network %s", c->id, info.def.name);
		network_info_release(&info);
		return r;
	}
	if (is_live(c)) {
		(void)network_endpoints(cs->net, c->id, &eps, &n);
		r = network_disconnect(cs->net, c->id, info.def.id, e);
		/* Force: the endpoint is gone from the container's settings even if
		 * tearing it down failed, as dockerd does. */
		if (r < 0 && !(force && r != -ENOTCONN && r != -ENOENT))
			goto out;
		for (size_t i = 0; i < n; i++)
			if (strcmp(eps[i].network_id, info.def.id) == 0)
				network_event(cs, c, "disconnect", &eps[i]);
	}
	pthread_mutex_lock(&c->mu);
	json_decref(c->spec.endpoints);
	c->spec.endpoints = json_deep_copy(list);
	json_array_remove(c->spec.endpoints, at);
	pthread_mutex_unlock(&c->mu);
	r = container_save(c, e);
	if (n > 0) {
		container_endpoint_refresh(cs, c);
		for (size_t i = 0; i < n; i++)
			if (strcmp(eps[i].network_id, info.def.id) == 0)
				update_etc_files(cs, c, &eps[i], false);
		(void)container_dns_sync(cs, c); /* no user network left: detaches */
	}
out:
	for (size_t i = 0; i < n; i++)
		network_endpoint_release(&eps[i]);
	free(eps);
	network_info_release(&info);
	return r;
}
