/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's network glue: turns its spec (network mode, -p, -P) into a
 * network_attach request, records the endpoint networking gave it in
 * c->ep (Docker's NetworkSettings come from there), and gives it back on
 * exit. Addresses, veths and NAT rules themselves are engine/network's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/container_endpoint.h"
#include "engine/container/container_internal.h"
#include "engine/network/network.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

/* Fills the endpoint from what networking attached. */
void
container_endpoint_set(struct container *c, const struct network_endpoint *ep)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

	container_endpoint_release(&c->ep);
	c->ep.network = xstrdup(ep->network);
	c->ep.endpoint_id = xstrdup(ep->endpoint_id);
	c->ep.network_id = xstrdup(ep->network_id);
	if (ep->netns_path[0])
		c->ep.netns = xstrdup(ep->netns_path);
	if (ep->ip.s_addr) {
		inet_ntop(AF_INET, &ep->ip, ip, sizeof(ip));
		inet_ntop(AF_INET, &ep->gateway, gw, sizeof(gw));
		c->ep.ip = xstrdup(ip);
		c->ep.gateway = xstrdup(gw);
		c->ep.prefix = ep->prefix;
		c->ep.mac = xstrdup(ep->mac);
	}
	if (ep->n_ports) {
		c->ep.ports = xcalloc(ep->n_ports, sizeof(*c->ep.ports));
		memcpy(c->ep.ports, ep->ports, ep->n_ports * sizeof(*c->ep.ports));
		c->ep.n_ports = ep->n_ports;
	}
}

int
container_endpoint_attach(struct containers *cs, struct container *c, struct err *e)
{
	struct network_attach_opts o = {0};
	struct network_endpoint ep = {0};
	_cleanup_free_ struct portmap_binding *ports = NULL;
	size_t n = 0;
	char peer[65] = "";
	int r;

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
	r = network_attach(cs->net, c->id, &o, &ep, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&c->mu);
	container_endpoint_set(c, &ep);
	pthread_mutex_unlock(&c->mu);
	network_endpoint_release(&ep);
	return 0;
}

void
container_endpoint_detach(struct containers *cs, struct container *c)
{
	struct err e = ERR_INIT;

	if (network_detach(cs->net, c->id, &e) < 0)
		log_warn("container %.12s: network clean-up: %s, ignoring", c->id, e.msg);
	pthread_mutex_lock(&c->mu);
	free(c->ep.ports);
	c->ep.ports = NULL;
	c->ep.n_ports = 0;
	free(c->ep.ip);
	free(c->ep.gateway);
	free(c->ep.mac);
	free(c->ep.netns);
	c->ep.ip = c->ep.gateway = c->ep.mac = c->ep.netns = NULL;
	pthread_mutex_unlock(&c->mu);
}
