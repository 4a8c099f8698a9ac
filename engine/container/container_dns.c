/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attaching the embedded DNS server to containers (container_dns.h). The
 * decision reads live state each time (the container's status, and whether
 * networking has it on a user-defined network), so callers need not know
 * what changed; one mutex makes the check and the attach a unit, so two
 * callers racing (an exit and a connect) cannot leave a stale attachment.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>

#include "engine/container/container_dns.h"
#include "engine/container/container_internal.h"
#include "engine/network/dns.h"
#include "engine/network/network.h"
#include "engine/util/log.h"

/* Starting (its endpoint is up, its process not yet) or running. */
static bool
is_live(struct container *c)
{
	bool live;

	pthread_mutex_lock(&c->mu);
	live = !c->removed && (c->starting || c->state.status == CONTAINER_RUNNING ||
			       c->state.status == CONTAINER_PAUSED);
	pthread_mutex_unlock(&c->mu);
	return live;
}

int
container_dns_sync(struct containers *cs, struct container *c)
{
	struct err e = ERR_INIT;
	char netns[256];
	int r = 0;

	if (!cs->dns_server || !cs->net)
		return 0;
	pthread_mutex_lock(&cs->dns_mu);
	if (!is_live(c) || network_user_netns(cs->net, c->id, netns) < 0) {
		dns_detach(cs->dns_server, c->id);
	} else {
		/* dockerd: the container's --dns servers are the resolver's
		 * upstreams; its resolv.conf only names 127.0.0.11. */
		struct dns_attach_opts o = {
			.netns_path = netns,
			.domain = c->spec.domainname && *c->spec.domainname ? c->spec.domainname
									    : NULL,
			.upstreams = c->spec.dns && c->spec.dns[0] ? c->spec.dns : NULL,
		};
		r = dns_attach(cs->dns_server, c->id, &o, &e);
		if (r < 0)
			log_warn("container %.12s: embedded DNS server: %s", c->id, e.msg);
	}
	pthread_mutex_unlock(&cs->dns_mu);
	return r;
}
