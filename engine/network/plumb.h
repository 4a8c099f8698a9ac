/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel side of networks and endpoints, composed from netns.c, iface.c
 * and firewall.c: setting up a bridge network (link, address, MTU,
 * forwarding sysctls, NAT table) and plumbing or unplumbing one endpoint.
 * Takes no locks of network.c: callers own the objects they pass and make
 * sure no two calls work on the same endpoint at once.
 */
#pragma once

#include <stdbool.h>

#include "engine/network/network.h"
#include "engine/util/err.h"

struct ipam;
struct ipam6;
struct firewall;

/* A bridge network: what the default bridge and user-defined ones share. */
struct bridge_net {
	char name[16];		/* bridge interface name */
	char *cidr;		/* gateway/prefix, e.g. 10.88.0.1/16 */
	bool disabled;		/* bridge_name "none" */
	bool internal;		/* no masquerade, nothing forwarded out of the bridge */
	bool ready;		/* link, sysctls and firewall are set up */
	int ifindex;
	unsigned mtu;		/* of the host's default-route interface */
	struct ipam *ipam;
	/* IPv6 (a user network with EnableIPv6): gateway/prefix text, else NULL */
	char *cidr6;
	struct in6_addr gw6;
	int prefix6;
	struct ipam6 *ipam6;
	struct firewall *fw;
	struct err setup_err;	/* why the last set-up failed, for the log */
};

/* True for a usable interface name: 1..15 of [A-Za-z0-9_.-], not "." or "..". */
bool plumb_ifname_valid(const char *name);

/* Writes a fresh host-side veth name ("vb" + 8 random hex) into @out[16]. */
void plumb_veth_name(char out[16]);

/* dockerd's MAC for @ip: 02:42 followed by the address bytes. */
void plumb_mac(struct in_addr ip, char out[18]);

/*
 * Creates or adopts the bridge (address, MTU, up), enables ip_forward and
 * route_localnet on it and opens its firewall table; sets br->ready. The
 * caller serialises calls.
 */
int plumb_bridge_setup(struct bridge_net *br, struct err *e);

/*
 * Builds @ep in the kernel according to its mode (namespace when @new_ns,
 * else the existing one at ep->netns_path; veth named ep->ifname inside,
 * address, default route when ep->gw, port rules). Undoes its own steps on
 * failure.
 */
int plumb_endpoint(struct bridge_net *br, const struct network_endpoint *ep, bool new_ns,
		   struct err *e);

/* Points the namespace's default route at @ep's gateway through its interface. */
int plumb_default_route(const struct network_endpoint *ep, struct err *e);

/*
 * The port rules step of plumb_unplumb alone: network_release removes them
 * at once and leaves the veth to the reaper (reaper.h).
 */
void plumb_remove_rules(struct bridge_net *br, const struct network_endpoint *ep, bool exact,
			struct err *e);

/*
 * Best-effort teardown of @ep: port rules, veth, and the namespace file when
 * @drop_ns (the last endpoint of the container, or crash clean-up). Every step
 * is tried; the first failure is stored in @e (which may be NULL). With
 * @exact, @ep's port list is known to be complete, so an endpoint without
 * published ports skips the firewall scan (the slowest step); without it
 * (crash recovery, half-done attach) rules are searched by their tag.
 */
void plumb_unplumb(struct bridge_net *br, const struct network_endpoint *ep, bool exact,
		   bool drop_ns, struct err *e);

/* Deletes the bridge link and its firewall table; clears br->ready. */
int plumb_bridge_destroy(struct bridge_net *br, struct err *e);
