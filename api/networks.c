/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /networks: dockerd's network API over engine/network (list, inspect,
 * create, remove, prune). Shapes follow moby's v1.44 Network and
 * NetworkCreateResponse schemas.
 */
#include "config.h"

#include <arpa/inet.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/container_json.h"
#include "api/filters.h"
#include "api/jsonx.h"
#include "api/networks.h"
#include "api/request.h"
#include "engine/container/container.h"
#include "engine/container/container_endpoint.h"
#include "engine/engine.h"
#include "engine/events/events.h"
#include "engine/network/network.h"
#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"

static void
publish(struct engine *eng, const char *action, const char *id, const char *name,
	const char *driver)
{
	events_publish(eng->events, "network", action, id,
		       json_pack("{s:s,s:s}", "name", name, "type", driver));
}

static json_t *
addr_json(struct in_addr a)
{
	char text[INET_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET, &a, text, sizeof(text)));
}

static json_t *
cidr_json(struct in_addr a, int prefix)
{
	char text[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, text, sizeof(text));
	return json_sprintf("%s/%d", text, prefix);
}

static json_t *
cidr6_json(const struct in6_addr *a, int prefix)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, text, sizeof(text));
	return json_sprintf("%s/%d", text, prefix);
}

/* The IPv6 entry of IPAM.Config, as given at create (dockerd shows it back). */
static json_t *
ipam6_json(const struct netdef *d)
{
	char gw[INET6_ADDRSTRLEN];
	json_t *c = json_pack("{s:o,s:s}", "Subnet", cidr6_json(&d->subnet6, d->prefix6), "Gateway",
			      inet_ntop(AF_INET6, &d->gateway6, gw, sizeof(gw)));

	if (d->ip_range6)
		json_object_set_new(c, "IPRange", json_string(d->ip_range6));
	if (json_object_size(d->aux6))
		json_object_set(c, "AuxiliaryAddresses", d->aux6);
	return c;
}

static json_t *
ipam_json(const struct netdef *d)
{
	json_t *config = json_array();

	if (d->prefix > 0) {
		json_t *c = json_pack("{s:o,s:o}", "Subnet", cidr_json(d->subnet, d->prefix),
				      "Gateway", addr_json(d->gateway));
		if (d->ip_range)
			json_object_set_new(c, "IPRange", json_string(d->ip_range));
		if (json_object_size(d->aux))
			json_object_set(c, "AuxiliaryAddresses", d->aux);
		json_array_append_new(config, c);
	}
	if (d->ipv6)
		json_array_append_new(config, ipam6_json(d));
	return json_pack("{s:s,s:o,s:o}", "Driver", "default", "Options",
			 d->predefined ? json_null() : json_object(), "Config", config);
}

static json_t *
members_json(struct engine *eng, const struct network_info *n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n->n_members; i++) {
		const struct network_member *m = &n->members[i];
		_cleanup_(container_unrefp) struct container *c = NULL;
		struct err ignored = ERR_INIT;
		const char *name = "";
		c = containers_get(eng->containers, m->container_id, &ignored);
		if (c && c->name)
			name = c->name[0] == '/' ? c->name + 1 : c->name;
		json_object_set_new(o, m->container_id,
				    json_pack("{s:s,s:s,s:s,s:o,s:o}", "Name", name, "EndpointID",
					      m->endpoint_id, "MacAddress", m->mac, "IPv4Address",
					      cidr_json(m->ip, m->prefix), "IPv6Address",
					      m->prefix6 ? cidr6_json(&m->ip6, m->prefix6)
							 : json_string("")));
	}
	return o;
}

static json_t *
network_json(struct engine *eng, const struct network_info *n, bool members)
{
	const struct netdef *d = &n->def;
	char created[TIME_STR_MAX];

	time_format_rfc3339nano_fixed(d->created_ns, created);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:o,s:b,s:b,s:b,s:{s:s},s:b,s:o,s:O,s:O}",
			 "Name", d->name, "Id", d->id, "Created", created, "Scope", "local",
			 "Driver", d->driver, "EnableIPv6", d->ipv6, "IPAM", ipam_json(d),
			 "Internal", d->internal, "Attachable", d->attachable, "Ingress", 0,
			 "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers",
			 members ? members_json(eng, n) : json_object(), "Options", d->options,
			 "Labels", d->labels);
}

static bool
regex_match(const char *pattern, const char *s)
{
	regex_t re;
	bool m;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

/* moby's network filters: name and id are substring/prefix matches, the rest exact. */
static bool
filter_match(const struct filters *f, const struct network_info *n, bool dangling_want)
{
	const struct netdef *d = &n->def;
	size_t k;
	bool hit;

	if ((k = filters_count(f, "name")) > 0) {
		hit = false;
		for (size_t i = 0; i < k; i++)
			hit |= regex_match(filters_value(f, "name", i), d->name);
		if (!hit)
			return false;
	}
	if ((k = filters_count(f, "id")) > 0) {
		hit = false;
		for (size_t i = 0; i < k; i++)
			hit |= regex_match(filters_value(f, "id", i), d->id);
		if (!hit)
			return false;
	}
	if (!filters_match_exact(f, "driver", d->driver) ||
	    !filters_match_labels(f, "label", d->labels) ||
	    !filters_match_exact(f, "scope", "local"))
		return false;
	if (filters_has(f, "type") &&
	    !filters_match_exact(f, "type", d->predefined ? "builtin" : "custom"))
		return false;
	if (filters_has(f, "dangling")) {
		bool dangling = !d->predefined && n->n_members == 0;
		if (dangling != dangling_want)
			return false;
	}
	return true;
}

static int
check_type_filter(const struct filters *f, struct err *e)
{
	for (size_t i = 0; i < filters_count(f, "type"); i++) {
		const char *v = filters_value(f, "type", i);
		if (strcmp(v, "custom") != 0 && strcmp(v, "builtin") != 0)
			return err_set(e, -EINVAL, "invalid filter: 'type'='%s'", v);
	}
	return 0;
}

/* operationId: NetworkList */
static void
api_networks_list(struct api_request *r)
{
	static const char *const keys[] = {"dangling", "driver", "id",	 "label",
					   "name",     "scope",	 "type", NULL};
	struct engine *eng = r->ctx->engine;
	_cleanup_filters_ struct filters *f = NULL;
	struct network_info *list = NULL;
	struct err e = ERR_INIT;
	bool dangling = false;
	size_t n = 0;
	json_t *arr;

	if (filters_parse(api_query(r, "filters"), &f, &e) < 0 ||
	    filters_check_keys(f, keys, &e) < 0 ||
	    filters_get_bool(f, "dangling", false, &dangling, &e) < 0 ||
	    check_type_filter(f, &e) < 0 || network_list(eng->net, &list, &n, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		if (filter_match(f, &list[i], dangling))
			json_array_append_new(arr, network_json(eng, &list[i], false));
		network_info_release(&list[i]);
	}
	free(list);
	api_reply_json(r, 200, arr);
}

/* operationId: NetworkInspect */
static void
api_networks_inspect(struct api_request *r)
{
	struct engine *eng = r->ctx->engine;
	struct network_info n = {0};
	struct err e = ERR_INIT;
	const char *scope = api_query(r, "scope");

	if (scope && *scope && strcmp(scope, "local") != 0 && strcmp(scope, "swarm") != 0 &&
	    strcmp(scope, "global") != 0) {
		api_reply_errorf(r, 400, "invalid scope %s", scope);
		return;
	}
	if (network_get(eng->net, r->params[0], &n, &e) < 0 ||
	    (scope && *scope && strcmp(scope, "local") != 0 &&
	     err_set(&e, -ENOENT, "network %s not found", r->params[0]) < 0)) {
		network_info_release(&n);
		api_reply_err(r, &e);
		return;
	}
	/* verbose adds swarm service details only: nothing more for a local network. */
	(void)api_query_bool(r, "verbose", false);
	api_reply_json(r, 200, network_json(eng, &n, true));
	network_info_release(&n);
}

struct create_req {
	char *name, *driver, *scope, *ipam_driver, *subnet, *ip_range, *gateway;
	char *subnet6, *ip_range6, *gateway6;
	bool check_duplicate, internal, attachable, ingress, config_only, ipv6;
	json_t *labels, *options, *ipam, *config_from, *aux, *aux6, *ipam_options;
};

static void
create_req_release(struct create_req *q)
{
	free(q->name);
	free(q->driver);
	free(q->scope);
	free(q->ipam_driver);
	free(q->subnet);
	free(q->ip_range);
	free(q->gateway);
	free(q->subnet6);
	free(q->ip_range6);
	free(q->gateway6);
	json_decref(q->aux6);
	json_decref(q->labels);
	json_decref(q->options);
	json_decref(q->ipam);
	json_decref(q->config_from);
	json_decref(q->aux);
	json_decref(q->ipam_options);
}

/* One IPAM.Config entry: the IPv4 one, or with a ':' in its subnet the IPv6 one. */
static int
decode_ipam_entry(struct create_req *q, json_t *c, char *subnet_in, struct err *e)
{
	_cleanup_free_ char *subnet = subnet_in;
	bool v6 = subnet && strchr(subnet, ':');
	char **sub = v6 ? &q->subnet6 : &q->subnet, **range = v6 ? &q->ip_range6 : &q->ip_range;
	char **gw = v6 ? &q->gateway6 : &q->gateway;

	if (*sub)
		return err_set(e, -EINVAL, "berth supports one IPv%d subnet per network",
			       v6 ? 6 : 4);
	if (!subnet && (json_object_get(c, "Gateway") || json_object_get(c, "IPRange")))
		return err_set(e, -EINVAL, "gateway and ip-range need a subnet");
	*sub = TAKE_PTR(subnet);
	if (jx_str(c, "IPRange", "IPAM.Config.IPRange", range, e) < 0 ||
	    jx_str(c, "Gateway", "IPAM.Config.Gateway", gw, e) < 0 ||
	    jx_strmap(c, "AuxiliaryAddresses", "IPAM.Config.AuxiliaryAddresses",
		      v6 ? &q->aux6 : &q->aux, e) < 0)
		return -EINVAL;
	if (*gw && !**gw)
		*gw = mfree(*gw);
	if (*range && !**range)
		*range = mfree(*range);
	return 0;
}

static int
decode_ipam(struct create_req *q, struct err *e)
{
	json_t *config, *c;
	size_t i;

	if (!q->ipam)
		return 0;
	if (jx_str(q->ipam, "Driver", "IPAM.Driver", &q->ipam_driver, e) < 0 ||
	    jx_strmap(q->ipam, "Options", "IPAM.Options", &q->ipam_options, e) < 0)
		return -EINVAL;
	if (q->ipam_driver && *q->ipam_driver && strcmp(q->ipam_driver, "default") != 0)
		return err_set(e, -ENOENT, "plugin \"%.128s\" not found", q->ipam_driver);
	if (json_object_size(q->ipam_options))
		return err_set(e, -EINVAL,
			       "IPAM options are not supported by the default IPAM "
			       "driver of berth");
	config = json_object_get(q->ipam, "Config");
	if (!config || json_is_null(config))
		return 0;
	if (!json_is_array(config))
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal into field IPAM.Config of type "
			       "[]network.IPAMConfig");
	json_array_foreach(config, i, c) {
		_cleanup_free_ char *subnet = NULL;
		if (!json_is_object(c))
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal into field IPAM.Config of "
				       "type network.IPAMConfig");
		if (jx_str(c, "Subnet", "IPAM.Config.Subnet", &subnet, e) < 0 ||
		    decode_ipam_entry(q, c, TAKE_PTR(subnet), e) < 0)
			return -EINVAL;
	}
	return 0;
}

static int
decode_create(json_t *b, struct create_req *q, struct err *e)
{
	if (jx_str(b, "Name", "Name", &q->name, e) < 0 ||
	    jx_bool(b, "CheckDuplicate", "CheckDuplicate", &q->check_duplicate, e) < 0 ||
	    jx_str(b, "Driver", "Driver", &q->driver, e) < 0 ||
	    jx_str(b, "Scope", "Scope", &q->scope, e) < 0 ||
	    jx_bool(b, "Internal", "Internal", &q->internal, e) < 0 ||
	    jx_bool(b, "Attachable", "Attachable", &q->attachable, e) < 0 ||
	    jx_bool(b, "Ingress", "Ingress", &q->ingress, e) < 0 ||
	    jx_bool(b, "ConfigOnly", "ConfigOnly", &q->config_only, e) < 0 ||
	    jx_obj(b, "ConfigFrom", "ConfigFrom", &q->config_from, e) < 0 ||
	    jx_bool(b, "EnableIPv6", "EnableIPv6", &q->ipv6, e) < 0 ||
	    jx_strmap(b, "Options", "Options", &q->options, e) < 0 ||
	    jx_strmap(b, "Labels", "Labels", &q->labels, e) < 0 ||
	    jx_obj(b, "IPAM", "IPAM", &q->ipam, e) < 0)
		return -EINVAL;
	if (!q->name || !*q->name)
		return err_set(e, -EINVAL, "network name cannot be empty");
	if (q->ingress)
		return err_set(e, -EPERM,
			       "This node is not a swarm manager. Use \"docker swarm "
			       "init\" or \"docker swarm join\" to connect this node to swarm and "
			       "try "
			       "again.");
	if (q->config_only || (q->config_from && *(jsonget_cstr(q->config_from, "Network") ?: "")))
		return err_set(e, -EINVAL,
			       "config-only and config-from networks are not supported "
			       "by berth");
	if (q->scope && *q->scope && strcmp(q->scope, "local") != 0)
		return err_set(e, -EINVAL, "scope %.64s is not supported: berth networks are local",
			       q->scope);
	return decode_ipam(q, e);
}

/* operationId: NetworkCreate */
static void
api_networks_create(struct api_request *r)
{
	struct engine *eng = r->ctx->engine;
	_cleanup_json_ json_t *body = NULL;
	struct create_req q = {0};
	struct network_info n = {0};
	struct network_create_opts o = {0};
	struct err e = ERR_INIT;

	if (api_body_json(r, false, &body) < 0)
		return;
	if (!json_is_object(body) || decode_create(body, &q, &e) < 0) {
		if (!err_is_set(&e))
			err_set(&e, -EINVAL, "invalid JSON body: expected an object");
		goto fail;
	}
	o = (struct network_create_opts){
		.name = q.name,
		.driver = q.driver,
		.internal = q.internal,
		.attachable = q.attachable,
		.check_duplicate = q.check_duplicate,
		.subnet = q.subnet,
		.ip_range = q.ip_range,
		.gateway = q.gateway,
		.aux = q.aux,
		.ipv6 = q.ipv6,
		.subnet6 = q.subnet6,
		.ip_range6 = q.ip_range6,
		.gateway6 = q.gateway6,
		.aux6 = q.aux6,
		.labels = q.labels,
		.options = q.options,
	};
	if (network_create(eng->net, &o, &n, &e) < 0)
		goto fail;
	publish(eng, "create", n.def.id, n.def.name, n.def.driver);
	api_reply_json(r, 201, json_pack("{s:s,s:s}", "Id", n.def.id, "Warning", ""));
	network_info_release(&n);
	create_req_release(&q);
	return;
fail:
	create_req_release(&q);
	api_reply_err(r, &e);
}

/* operationId: NetworkDelete */
static void
api_networks_delete(struct api_request *r)
{
	struct engine *eng = r->ctx->engine;
	struct network_info n = {0};
	struct err e = ERR_INIT;

	if (network_get(eng->net, r->params[0], &n, &e) < 0 ||
	    network_remove(eng->net, n.def.id, NULL, &e) < 0) {
		network_info_release(&n);
		api_reply_err(r, &e);
		return;
	}
	publish(eng, "destroy", n.def.id, n.def.name, n.def.driver);
	network_info_release(&n);
	api_reply_empty(r, 204);
}

/* operationId: NetworkPrune */
static void
api_networks_prune(struct api_request *r)
{
	static const char *const keys[] = {"until", "label", "label!", NULL};
	struct engine *eng = r->ctx->engine;
	_cleanup_filters_ struct filters *f = NULL;
	struct network_info *list = NULL;
	struct err e = ERR_INIT;
	int64_t until = 0;
	size_t n = 0;
	json_t *removed;

	if (filters_parse(api_query(r, "filters"), &f, &e) < 0 ||
	    filters_check_keys(f, keys, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	if (filters_get_until(f, &until, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	if (network_list(eng->net, &list, &n, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	removed = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct netdef *d = &list[i].def;
		struct err ignored = ERR_INIT;
		bool keep = d->predefined || list[i].n_members > 0 ||
			    (until && d->created_ns >= until) ||
			    !filters_match_labels(f, "label", d->labels) ||
			    !filters_match_labels(f, "label!", d->labels);
		if (!keep && network_remove(eng->net, d->id, NULL, &ignored) == 0) {
			publish(eng, "destroy", d->id, d->name, d->driver);
			json_array_append_new(removed, json_string(d->name));
		}
		network_info_release(&list[i]);
	}
	free(list);
	if (json_array_size(removed) == 0) {
		json_decref(removed);
		removed = json_null();
	}
	api_reply_json(r, 200, json_pack("{s:o}", "NetworksDeleted", removed));
}

/* The container a connect/disconnect body names; replies 400/404 itself. */
static struct container *
body_container(struct api_request *r, json_t **ret_body)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *ref = NULL;
	struct container *c;
	struct err e = ERR_INIT;

	if (api_body_json(r, true, &body) < 0)
		return NULL;
	if (jx_str(body, "Container", "Container", &ref, &e) < 0) {
		api_reply_err(r, &e);
		return NULL;
	}
	c = containers_get(r->ctx->engine->containers, ref ? ref : "", &e);
	if (!c) {
		api_reply_err(r, &e);
		return NULL;
	}
	*ret_body = TAKE_PTR(body);
	return c;
}

/* operationId: NetworkConnect */
static void
api_networks_connect(struct api_request *r)
{
	_cleanup_json_ json_t *body = NULL, *ent = NULL;
	_cleanup_container_ struct container *c = body_container(r, &body);
	struct err e = ERR_INIT;

	if (!c)
		return;
	if (container_json_decode_endpoint(json_object_get(body, "EndpointConfig"), r->params[0],
					   "EndpointConfig", &ent, &e) < 0 ||
	    container_endpoint_connect(r->ctx->engine->containers, c, r->params[0], ent, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 200);
}

/* operationId: NetworkDisconnect */
static void
api_networks_disconnect(struct api_request *r)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_container_ struct container *c = body_container(r, &body);
	struct err e = ERR_INIT;
	bool force = false;

	if (!c)
		return;
	if (jx_bool(body, "Force", "Force", &force, &e) < 0 ||
	    container_endpoint_disconnect(r->ctx->engine->containers, c, r->params[0], force,
					  &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 200);
}

const struct api_route api_networks_routes[] = {
	{"GET", "/networks", api_networks_list, API_BODY_NONE},
	{"POST", "/networks/create", api_networks_create, API_BODY_JSON},
	{"POST", "/networks/prune", api_networks_prune, API_BODY_NONE},
	{"GET", "/networks/{id}", api_networks_inspect, API_BODY_NONE},
	{"DELETE", "/networks/{id}", api_networks_delete, API_BODY_NONE},
	{"POST", "/networks/{id}/connect", api_networks_connect, API_BODY_JSON},
	{"POST", "/networks/{id}/disconnect", api_networks_disconnect, API_BODY_JSON},
	{0},
};
