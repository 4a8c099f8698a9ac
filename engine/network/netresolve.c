/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Name resolution for the embedded DNS server: which endpoint a container
 * on a user network reaches by a name (container name, alias, short ID,
 * a legacy link's alias) and which name answers for an address. The
 * network objects are netobj.c's; both share network_internal.h.
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

/* Caller holds net->lock: does @ep answer to @name (already without a final dot)? */
static bool
answers_to(const struct network_endpoint *ep, const char *name, size_t len)
{
	if (len == 0)
		return false;
	if (strlen(ep->name) == len && strncasecmp(ep->name, name, len) == 0)
		return true;
	if (len == 12 && strncasecmp(ep->container_id, name, 12) == 0)
		return true;
	for (size_t i = 0; ep->aliases && ep->aliases[i]; i++)
		if (strlen(ep->aliases[i]) == len && strncasecmp(ep->aliases[i], name, len) == 0)
			return true;
	return false;
}

/*
 * Caller holds net->lock: is @ep on a user-defined network that container
 * @who is connected to as well? (The default bridge has no name resolution.)
 */
static bool
shares_user_net(struct network_state *net, const char *who, const struct network_endpoint *ep)
{
	if (ep->mode != NETWORK_MODE_BRIDGE || !ep->network_id[0] ||
	    netobj_bridge_of(net, ep) == &net->br)
		return false;
	for (size_t i = 0; i < net->n_eps; i++) {
		const struct network_endpoint *mine = &net->eps[i]->ep;
		if (mine->mode == NETWORK_MODE_BRIDGE && strcmp(mine->container_id, who) == 0 &&
		    strcmp(mine->network_id, ep->network_id) == 0)
			return true;
	}
	return false;
}

/*
 * Caller holds net->lock: when @who has a link whose alias is @name on a
 * user network (EndpointsConfig.Links), copies the target's name to
 * @target and that network's ID to @net_id (moby's sandbox resolveName
 * tries the endpoint aliases first).
 */
static bool
link_alias(struct network_state *net, const char *who, const char *name, size_t len,
	   char target[256], char net_id[65])
{
	for (size_t i = 0; i < net->n_eps; i++) {
		const struct network_endpoint *mine = &net->eps[i]->ep;
		if (mine->mode != NETWORK_MODE_BRIDGE || strcmp(mine->container_id, who) != 0 ||
		    !mine->network_id[0] || netobj_bridge_of(net, mine) == &net->br)
			continue;
		for (size_t k = 0; mine->links && mine->links[k]; k++) {
			const char *colon = strrchr(mine->links[k], ':');
			if (!colon || strlen(colon + 1) != len ||
			    strncasecmp(colon + 1, name, len) != 0 ||
			    (size_t)(colon - mine->links[k]) >= 256)
				continue;
			snprintf(target, 256, "%.*s", (int)(colon - mine->links[k]),
				 mine->links[k]);
			memcpy(net_id, mine->network_id, 65);
			return true;
		}
	}
	return false;
}

int
network_resolve_name(struct network_state *net, const char *container_id, const char *name,
		     struct in_addr *v4, size_t *n_v4, struct in6_addr *v6, size_t *n_v6)
{
	size_t len, cap4, cap6, n = 0, n6 = 0;
	char target[256], link_net[65] = "";
	bool found = false;

	if (!container_id || !name || !n_v4 || !n_v6 || (*n_v4 && !v4) || (*n_v6 && !v6))
		return -EINVAL;
	len = strlen(name);
	if (len && name[len - 1] == '.')
		len--;
	cap4 = *n_v4;
	cap6 = *n_v6;
	pthread_mutex_lock(&net->lock);
	if (link_alias(net, container_id, name, len, target, link_net)) {
		/* the alias stands for its target, on the link's network only */
		name = target;
		len = strlen(target);
	}
	for (size_t i = 0; i < net->n_eps; i++) {
		const struct network_endpoint *ep = &net->eps[i]->ep;
		if ((link_net[0] && strcmp(ep->network_id, link_net) != 0) ||
		    !answers_to(ep, name, len) || !shares_user_net(net, container_id, ep))
			continue;
		found = true;
		if (n < cap4)
			v4[n++] = ep->ip;
		if (ep->prefix6 && n6 < cap6)
			v6[n6++] = ep->ip6;
	}
	pthread_mutex_unlock(&net->lock);
	*n_v4 = n;
	*n_v6 = n6;
	return found ? 0 : -ENOENT;
}

int
network_resolve_addr(struct network_state *net, const char *container_id, int family,
		     const void *addr, char *name, size_t size)
{
	struct in_addr a = {0};
	struct in6_addr a6 = IN6ADDR_ANY_INIT;
	int r = -ENOENT;

	if (!container_id || !addr || !name || size == 0 ||
	    (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	if (family == AF_INET6)
		memcpy(&a6, addr, sizeof(a6));
	else
		memcpy(&a, addr, sizeof(a));
	pthread_mutex_lock(&net->lock);
	for (size_t i = 0; r == -ENOENT && i < net->n_eps; i++) {
		const struct network_endpoint *ep = &net->eps[i]->ep;
		bool match = family == AF_INET
				     ? ep->ip.s_addr == a.s_addr
				     : ep->prefix6 && memcmp(&ep->ip6, &a6, sizeof(a6)) == 0;
		if (!match || !ep->name[0] || !shares_user_net(net, container_id, ep))
			continue;
		r = (size_t)snprintf(name, size, "%s.%s", ep->name, ep->network) < size
			    ? 0
			    : -ENAMETOOLONG;
	}
	pthread_mutex_unlock(&net->lock);
	return r;
}
