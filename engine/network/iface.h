/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Links, addresses and routes through libnl-route-3: the bridge, the veth
 * pairs and what a container's namespace needs (lo, eth0, address, default
 * route). Each call takes a netlink socket opened with iface_sock_open, which
 * stays bound to the namespace it was opened for. No policy here: names,
 * addresses and MTUs are decided by network.c.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/util/err.h"

struct nl_sock;

/*
 * Opens a NETLINK_ROUTE socket in the namespace pinned at @netns_path, or in
 * the host namespace (the daemon's) when it is NULL. Free with
 * iface_sock_close. 0 or -errno.
 */
int iface_sock_open(const char *netns_path, struct nl_sock **ret, struct err *e);
void iface_sock_close(struct nl_sock *sk);

/*
 * Adopts @fd, a NETLINK_ROUTE socket made elsewhere (e.g. inside a
 * namespace by netns_create), binds it and wraps it for libnl. Takes @fd
 * in every case (closed on failure). 0 or -errno.
 */
int iface_sock_adopt(int fd, struct nl_sock **ret, struct err *e);

/* Interface index of @name, -ENODEV when absent. */
int iface_index(struct nl_sock *sk, const char *name);

/* MTU of the interface that carries the IPv4 default route; @dflt without one. */
unsigned iface_default_route_mtu(struct nl_sock *sk, unsigned dflt);

/*
 * Makes sure bridge @name exists with @gw/@prefix among its addresses, MTU
 * @mtu and is up; reuses an existing bridge (any other kind of link with that
 * name is -EEXIST). Sets *ret_created when it made the bridge. Returns the
 * bridge's ifindex or a negative errno.
 */
int iface_bridge_ensure(struct nl_sock *sk, const char *name, struct in_addr gw, int prefix,
			unsigned mtu, bool *ret_created, struct err *e);

struct iface_veth {
	const char *host_name;	/* host side, enslaved to @master */
	const char *alias;	/* IFLA_IFALIAS of the host side: our ownership tag */
	int master;		/* bridge ifindex */
	unsigned mtu;
	int peer_nsfd;		/* namespace the peer is created in */
	const char *peer_name;	/* e.g. eth0 */
	const uint8_t *peer_mac; /* 6 bytes */
};

/*
 * Creates the pair with the host end up and enslaved, then sets the host
 * end's alias (the peer stays down). 0 or -errno (-EEXIST: name taken).
 */
int iface_veth_create(struct nl_sock *sk, const struct iface_veth *v, struct err *e);

/* Deletes link @name; -ENODEV when it does not exist. */
int iface_delete(struct nl_sock *sk, const char *name);

/* Sets link @name up. */
int iface_up(struct nl_sock *sk, const char *name, struct err *e);

/* Sets link @ifindex up (@name for the error message): no look-up first. */
int iface_up_index(struct nl_sock *sk, int ifindex, const char *name, struct err *e);

/* Adds @addr/@prefix to link @ifindex. */
int iface_addr_add(struct nl_sock *sk, int ifindex, struct in_addr addr, int prefix,
		   struct err *e);

/* Adds @addr/@prefix (IPv6, without duplicate address detection) to link @ifindex. */
int iface_addr6_add(struct nl_sock *sk, int ifindex, const struct in6_addr *addr, int prefix,
		    struct err *e);

/* Adds the default route via @gw on @ifindex. */
int iface_route_default(struct nl_sock *sk, int ifindex, struct in_addr gw, struct err *e);

/* Adds the IPv6 default route via @gw on @ifindex. */
int iface_route6_default(struct nl_sock *sk, int ifindex, const struct in6_addr *gw, struct err *e);

/*
 * Calls @fn for every link enslaved to @master whose alias starts with
 * @alias_prefix, with its name and alias. The callback may delete the link.
 */
int iface_foreach_port(struct nl_sock *sk, int master, const char *alias_prefix,
		       void (*fn)(const char *name, const char *alias, void *data), void *data);
