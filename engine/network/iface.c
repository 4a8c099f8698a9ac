/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libnl-route-3 wrappers; see iface.h. libnl reports NLE_* codes: they are
 * turned into errno values here so callers classify failures as everywhere
 * else, with libnl's text kept in the message.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/network/iface.h"
#include "engine/network/netns.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"

DEFINE_CLEANUP(struct rtnl_link, rtnl_link_put)
DEFINE_CLEANUP(struct rtnl_addr, rtnl_addr_put)
DEFINE_CLEANUP(struct rtnl_route, rtnl_route_put)
DEFINE_CLEANUP(struct nl_addr, nl_addr_put)
DEFINE_CLEANUP(struct nl_cache, nl_cache_free)
#define _cleanup_link_ _cleanup_(rtnl_link_putp)
#define _cleanup_nladdr_ _cleanup_(nl_addr_putp)
#define _cleanup_cache_ _cleanup_(nl_cache_freep)

/* NLE_* (positive or negative) to a negative errno. */
static int
nl_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0: return 0;
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_INVAL: case NLE_RANGE: return -EINVAL;
	case NLE_BUSY: return -EBUSY;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_AF_NOSUPPORT: case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	default: return -EIO;
	}
}

static int
nl_fail(struct err *e, int nle, const char *what, const char *name)
{
	return err_set(e, nl_to_errno(nle), "%s '%s': %s", what, name, nl_geterror(nle));
}

int
iface_sock_adopt(int fd, struct nl_sock **ret, struct err *e)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int r;

	if (!sk) {
		safe_close(fd);
		return err_set(e, -ENOMEM, "cannot allocate netlink socket");
	}
	/* libnl adopts only bound sockets; let the kernel pick the port id. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		safe_close(fd);
		nl_socket_free(sk);
		return err_errno(e, r, "cannot bind netlink socket");
	}
	r = nl_socket_set_fd(sk, NETLINK_ROUTE, fd);
	if (r < 0) {
		safe_close(fd);
		nl_socket_free(sk);
		return err_set(e, nl_to_errno(r), "cannot adopt netlink socket: %s",
			       nl_geterror(r));
	}
	*ret = sk;
	return 0;
}

int
iface_sock_open(const char *netns_path, struct nl_sock **ret, struct err *e)
{
	struct nl_sock *sk;
	int fd, r;

	if (netns_path) {
		fd = netns_socket(netns_path, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
		if (fd < 0)
			return err_errno(e, fd, "cannot open netlink socket in '%s'", netns_path);
		r = iface_sock_adopt(fd, ret, e);
		return r < 0 ? err_prefix(e, "in '%s'", netns_path) : 0;
	}
	sk = nl_socket_alloc();
	if (!sk)
		return err_set(e, -ENOMEM, "cannot allocate netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return err_set(e, nl_to_errno(r), "cannot open netlink socket: %s", nl_geterror(r));
	}
	*ret = sk;
	return 0;
}

void
iface_sock_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

int
iface_index(struct nl_sock *sk, const char *name)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(sk, 0, name, &link);

	if (r < 0)
		return nl_to_errno(r);
	return rtnl_link_get_ifindex(link);
}

struct default_route {
	int ifindex;
};

static void
find_default(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct default_route *d = arg;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct rtnl_nexthop *nh;

	if (d->ifindex > 0 || rtnl_route_get_table(rt) != RT_TABLE_MAIN)
		return;
	if (dst && nl_addr_get_prefixlen(dst) != 0)
		return;
	if (rtnl_route_get_nnexthops(rt) < 1)
		return;
	nh = rtnl_route_nexthop_n(rt, 0);
	d->ifindex = rtnl_route_nh_get_ifindex(nh);
}

unsigned
iface_default_route_mtu(struct nl_sock *sk, unsigned dflt)
{
	_cleanup_cache_ struct nl_cache *routes = NULL;
	_cleanup_link_ struct rtnl_link *link = NULL;
	struct default_route d = {0};
	unsigned mtu;

	if (rtnl_route_alloc_cache(sk, AF_INET, 0, &routes) < 0)
		return dflt;
	nl_cache_foreach(routes, find_default, &d);
	if (d.ifindex <= 0 || rtnl_link_get_kernel(sk, d.ifindex, NULL, &link) < 0)
		return dflt;
	mtu = rtnl_link_get_mtu(link);
	return mtu >= 576 ? mtu : dflt;
}

static int
link_set_up(struct nl_sock *sk, struct rtnl_link *link, const char *alias)
{
	_cleanup_link_ struct rtnl_link *change = rtnl_link_alloc();

	if (!change)
		return -NLE_NOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	if (alias)
		rtnl_link_set_ifalias(change, alias);
	return rtnl_link_change(sk, link, change, 0);
}

int
iface_up(struct nl_sock *sk, const char *name, struct err *e)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(sk, 0, name, &link);

	if (r >= 0)
		r = link_set_up(sk, link, NULL);
	if (r < 0)
		return nl_fail(e, r, "cannot set up link", name);
	return 0;
}

int
iface_up_index(struct nl_sock *sk, int ifindex, const char *name, struct err *e)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_alloc();
	int r = -NLE_NOMEM;

	if (link) {
		rtnl_link_set_ifindex(link, ifindex);
		r = link_set_up(sk, link, NULL);
	}
	if (r < 0)
		return nl_fail(e, r, "cannot set up link", name);
	return 0;
}

static int
bridge_create(struct nl_sock *sk, const char *name, unsigned mtu)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_bridge_alloc();

	if (!link)
		return -NLE_NOMEM;
	rtnl_link_set_name(link, name);
	rtnl_link_set_mtu(link, mtu);
	return rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
}

int
iface_bridge_ensure(struct nl_sock *sk, const char *name, struct in_addr gw, int prefix,
		    unsigned mtu, bool *ret_created, struct err *e)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	bool created = false;
	const char *type;
	int r, ifindex;

	r = rtnl_link_get_kernel(sk, 0, name, &link);
	if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) {
		r = bridge_create(sk, name, mtu);
		/* Another daemon may have made it between our look-up and add. */
		created = r >= 0;
		if (r < 0 && r != -NLE_EXIST)
			return nl_fail(e, r, "cannot create bridge", name);
		r = rtnl_link_get_kernel(sk, 0, name, &link);
	}
	if (r < 0)
		return nl_fail(e, r, "cannot look up bridge", name);
	type = rtnl_link_get_type(link);
	if (!type || strcmp(type, "bridge") != 0)
		return err_set(e, -EEXIST, "link '%s' exists and is not a bridge", name);
	ifindex = rtnl_link_get_ifindex(link);
	r = iface_addr_add(sk, ifindex, gw, prefix, e);
	if (r < 0 && r != -EEXIST)
		return r;
	r = link_set_up(sk, link, NULL);
	if (r < 0)
		return nl_fail(e, r, "cannot set up bridge", name);
	if (ret_created)
		*ret_created = created;
	return ifindex;
}

int
iface_veth_create(struct nl_sock *sk, const struct iface_veth *v, struct err *e)
{
	struct rtnl_link *link = rtnl_link_veth_alloc();
	_cleanup_link_ struct rtnl_link *host = NULL;
	_cleanup_nladdr_ struct nl_addr *mac = NULL;
	struct rtnl_link *peer;
	int r;

	if (!link)
		return err_set(e, -ENOMEM, "cannot allocate veth");
	peer = rtnl_link_veth_get_peer(link);
	/* The host end comes up with the pair (its flags apply once both ends
	 * exist); the peer cannot (the kernel opens it before its other end is
	 * linked: ENOTCONN), it is set up inside with its address. */
	rtnl_link_set_name(link, v->host_name);
	rtnl_link_set_mtu(link, v->mtu);
	rtnl_link_set_master(link, v->master);
	rtnl_link_set_flags(link, IFF_UP);
	rtnl_link_set_name(peer, v->peer_name);
	rtnl_link_set_mtu(peer, v->mtu);
	rtnl_link_set_ns_fd(peer, v->peer_nsfd);
	mac = nl_addr_build(AF_LLC, v->peer_mac, 6);
	if (mac)
		rtnl_link_set_addr(peer, mac);
	r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	if (r < 0)
		return nl_fail(e, r, "cannot create veth", v->host_name);
	/* The alias (our ownership tag) is not applied at creation: set it by
	 * name, which the kernel resolves itself (no look-up first). */
	host = rtnl_link_alloc();
	r = -NLE_NOMEM;
	if (host) {
		_cleanup_link_ struct rtnl_link *change = rtnl_link_alloc();
		if (change) {
			rtnl_link_set_name(change, v->host_name);
			rtnl_link_set_ifalias(change, v->alias);
			r = rtnl_link_change(sk, host, change, 0);
		}
	}
	if (r < 0) {
		(void)iface_delete(sk, v->host_name);
		return nl_fail(e, r, "cannot set the alias of veth", v->host_name);
	}
	return 0;
}

int
iface_delete(struct nl_sock *sk, const char *name)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_alloc();

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	return nl_to_errno(rtnl_link_delete(sk, link));
}

/* One address of @family (@len bytes at @addr) on @ifindex, with IFA_F_* @flags. */
static int
addr_add(struct nl_sock *sk, int ifindex, int family, const void *addr, size_t len, int prefix,
	 unsigned flags, struct err *e)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *a = rtnl_addr_alloc();
	_cleanup_nladdr_ struct nl_addr *local = nl_addr_build(family, addr, len);
	char text[INET6_ADDRSTRLEN];
	int r;

	if (!a || !local)
		return err_set(e, -ENOMEM, "cannot allocate address");
	nl_addr_set_prefixlen(local, prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, prefix);
	if (flags)
		rtnl_addr_set_flags(a, flags);
	r = rtnl_addr_add(sk, a, 0);
	if (r < 0)
		return nl_fail(e, r, "cannot add address",
			       inet_ntop(family, addr, text, sizeof(text)));
	return 0;
}

int
iface_addr_add(struct nl_sock *sk, int ifindex, struct in_addr addr, int prefix, struct err *e)
{
	return addr_add(sk, ifindex, AF_INET, &addr, sizeof(addr), prefix, 0, e);
}

int
iface_addr6_add(struct nl_sock *sk, int ifindex, const struct in6_addr *addr, int prefix,
		struct err *e)
{
	/* No duplicate address detection: the IPAM hands each address out once,
	 * and a tentative address would fail the container's first packets. */
	return addr_add(sk, ifindex, AF_INET6, addr, sizeof(*addr), prefix, IFA_F_NODAD, e);
}

static int
route_default(struct nl_sock *sk, int ifindex, int family, const void *gw, size_t len,
	      struct err *e)
{
	_cleanup_(rtnl_route_putp) struct rtnl_route *rt = rtnl_route_alloc();
	_cleanup_nladdr_ struct nl_addr *dst = NULL;
	_cleanup_nladdr_ struct nl_addr *via = nl_addr_build(family, gw, len);
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int r;

	if (!rt || !via || !nh ||
	    nl_addr_parse(family == AF_INET ? "0.0.0.0/0" : "::/0", family, &dst) < 0) {
		if (nh)
			rtnl_route_nh_free(nh);
		return err_set(e, -ENOMEM, "cannot allocate route");
	}
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
	rtnl_route_set_protocol(rt, RTPROT_BOOT);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(rt, nh); /* the route owns nh from here */
	r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0) {
		char text[INET6_ADDRSTRLEN];
		return nl_fail(e, r, "cannot add default route via",
			       inet_ntop(family, gw, text, sizeof(text)));
	}
	return 0;
}

int
iface_route_default(struct nl_sock *sk, int ifindex, struct in_addr gw, struct err *e)
{
	return route_default(sk, ifindex, AF_INET, &gw, sizeof(gw), e);
}

int
iface_route6_default(struct nl_sock *sk, int ifindex, const struct in6_addr *gw, struct err *e)
{
	return route_default(sk, ifindex, AF_INET6, gw, sizeof(*gw), e);
}

int
iface_foreach_port(struct nl_sock *sk, int master, const char *alias_prefix,
		   void (*fn)(const char *name, const char *alias, void *data), void *data)
{
	_cleanup_cache_ struct nl_cache *links = NULL;
	_cleanup_strv_ char **names = NULL;
	_cleanup_strv_ char **aliases = NULL;
	size_t n = 0, cap = 0;
	int r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);

	if (r < 0)
		return nl_to_errno(r);
	for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *alias = rtnl_link_get_ifalias(l);
		if (rtnl_link_get_master(l) != master || !alias ||
		    strncmp(alias, alias_prefix, strlen(alias_prefix)) != 0)
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(char *));
			aliases = xrealloc(aliases, cap * sizeof(char *));
		}
		names[n] = xstrdup(rtnl_link_get_name(l));
		aliases[n++] = xstrdup(alias);
		names[n] = aliases[n] = NULL;
	}
	/* Callbacks run after the walk, so they may delete what they are given. */
	for (size_t i = 0; i < n; i++)
		fn(names[i], aliases[i], data);
	return 0;
}
