/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel-side set-up of bridge networks and endpoints; see plumb.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/network/firewall.h"
#include "engine/network/iface.h"
#include "engine/network/ipam.h"
#include "engine/network/netns.h"
#include "engine/network/plumb.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/id.h"
#include "engine/util/log.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

#define VETH_ALIAS_PREFIX "berth:"
/* Every network namespace's lo has this index (the kernel's LOOPBACK_IFINDEX). */
#define LOOPBACK_IFINDEX 1

DEFINE_CLEANUP(struct nl_sock, iface_sock_close)
#define _cleanup_nlsock_ _cleanup_(iface_sock_closep)

bool
plumb_ifname_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 15 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       len;
}

void
plumb_veth_name(char out[16])
{
	char hex[ID_HEX_LEN + 1];

	id_random_hex(hex);
	snprintf(out, 16, "vb%.8s", hex);
}

void
plumb_mac(struct in_addr ip, char out[18])
{
	const uint8_t *b = (const uint8_t *)&ip.s_addr;

	snprintf(out, 18, "02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]);
}

static int
mac_parse(const char *s, uint8_t out[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)v[i];
	return 0;
}

static int
sysctl_write(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return fs_write_all(fd, value, strlen(value));
}

/* The IPv6 side of a bridge: IPv6 on, the gateway address, the ip6 table. */
static int
bridge_setup6(struct nl_sock *sk, struct bridge_net *br, struct err *e)
{
	_cleanup_free_ char *off = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", br->name);
	int r = sysctl_write(off, "0");

	if (r < 0)
		return err_errno(e, r, "cannot enable IPv6 on '%s'", br->name);
	r = iface_addr6_add(sk, br->ifindex, &br->gw6, br->prefix6, e);
	if (r < 0 && r != -EEXIST)
		return r;
	return firewall_open6(br->fw, br->internal, e);
}

int
plumb_bridge_setup(struct bridge_net *br, struct err *e)
{
	_cleanup_nlsock_ struct nl_sock *sk = NULL;
	_cleanup_free_ char *localnet = NULL;
	struct in_addr gw = ipam_gateway(br->ipam);
	bool created = false;
	int r;

	r = iface_sock_open(NULL, &sk, e);
	if (r < 0)
		return r;
	br->mtu = iface_default_route_mtu(sk, 1500);
	r = iface_bridge_ensure(sk, br->name, gw, ipam_prefix(br->ipam), br->mtu, &created, e);
	if (r < 0)
		return r;
	br->ifindex = r;
	/* Containers reach the world through us; dockerd sets the same switch. */
	r = sysctl_write("/proc/sys/net/ipv4/ip_forward", "1");
	if (r < 0)
		return err_errno(e, r, "cannot enable net.ipv4.ip_forward");
	/* Lets 127.0.0.1-sourced traffic DNAT'd into the bridge leave through it
	 * (published ports reachable via localhost, as dockerd without the proxy). */
	localnet = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", br->name);
	r = sysctl_write(localnet, "1");
	if (r < 0)
		return err_errno(e, r, "cannot enable route_localnet on '%s'", br->name);
	if (!br->fw) {
		r = firewall_open(br->name, ipam_subnet(br->ipam), ipam_prefix(br->ipam),
				  br->internal, &br->fw, e);
		if (r < 0)
			return r;
	}
	if (br->cidr6 && (r = bridge_setup6(sk, br, e)) < 0)
		return r;
	if (created)
		log_info("created bridge '%s' with %s, MTU %u", br->name, br->cidr, br->mtu);
	br->ready = true;
	return 0;
}

int
plumb_bridge_destroy(struct bridge_net *br, struct err *e)
{
	_cleanup_nlsock_ struct nl_sock *sk = NULL;
	struct err tmp = ERR_INIT;
	int d, r = 0;

	if (br->fw) {
		r = firewall_destroy(br->fw, e);
		firewall_free(br->fw);
		br->fw = NULL;
	}
	br->ready = false;
	if (iface_sock_open(NULL, &sk, &tmp) < 0)
		return r < 0 ? r : err_copy(e, &tmp);
	d = iface_delete(sk, br->name);
	if (d < 0 && d != -ENODEV && r == 0)
		r = err_errno(e, d, "cannot delete bridge '%s'", br->name);
	return r;
}

static const char *
ifname_of(const struct network_endpoint *ep)
{
	return ep->ifname[0] ? ep->ifname : "eth0";
}

/* lo, ethN with its address and MTU, the default route: from inside @path,
 * through @sk (a socket already in it) when not NULL. lo is ifindex 1 in
 * every namespace, ethN's index is looked up once. */
static int
configure_inside(const char *path, struct nl_sock *sk, const struct network_endpoint *ep,
		 struct err *e)
{
	_cleanup_nlsock_ struct nl_sock *own = NULL;
	const char *ifname = ifname_of(ep);
	int idx, r;

	if (!sk) {
		r = iface_sock_open(path, &own, e);
		if (r < 0)
			return r;
		sk = own;
	}
	r = iface_up_index(sk, LOOPBACK_IFINDEX, "lo", e);
	if (r < 0 || ep->mode != NETWORK_MODE_BRIDGE)
		return r;
	idx = iface_index(sk, ifname);
	if (idx < 0)
		return err_errno(e, idx, "no %s in '%s'", ifname, path);
	r = iface_addr_add(sk, idx, ep->ip, ep->prefix, e);
	if (r >= 0 && ep->prefix6)
		r = iface_addr6_add(sk, idx, &ep->ip6, ep->prefix6, e);
	if (r >= 0)
		r = iface_up_index(sk, idx, ifname, e);
	if (r >= 0 && ep->gw)
		r = iface_route_default(sk, idx, ep->gateway, e);
	if (r >= 0 && ep->gw && ep->prefix6)
		r = iface_route6_default(sk, idx, &ep->gateway6, e);
	return r;
}

int
plumb_default_route(const struct network_endpoint *ep, struct err *e)
{
	_cleanup_nlsock_ struct nl_sock *sk = NULL;
	int idx, r;

	r = iface_sock_open(ep->netns_path, &sk, e);
	if (r < 0)
		return r;
	idx = iface_index(sk, ifname_of(ep));
	if (idx < 0)
		return err_errno(e, idx, "no %s in '%s'", ifname_of(ep), ep->netns_path);
	r = iface_route_default(sk, idx, ep->gateway, e);
	if (r >= 0 && ep->prefix6)
		r = iface_route6_default(sk, idx, &ep->gateway6, e);
	return r;
}

static int
make_veth(struct bridge_net *br, const struct network_endpoint *ep, struct err *e)
{
	_cleanup_nlsock_ struct nl_sock *sk = NULL;
	_cleanup_close_ int nsfd = open(ep->netns_path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *alias = xasprintf(VETH_ALIAS_PREFIX "%s", ep->container_id);
	uint8_t mac[6];
	struct iface_veth v = {
		.host_name = ep->host_veth, .alias = alias, .master = br->ifindex, .mtu = br->mtu,
		.peer_name = ifname_of(ep), .peer_mac = mac,
	};
	int r;

	if (nsfd < 0)
		return err_errno(e, -errno, "cannot open '%s'", ep->netns_path);
	if (mac_parse(ep->mac, mac) < 0)
		return err_set(e, -EINVAL, "invalid MAC address '%s'", ep->mac);
	v.peer_nsfd = nsfd;
	r = iface_sock_open(NULL, &sk, e);
	if (r < 0)
		return r;
	return iface_veth_create(sk, &v, e);
}

int
plumb_endpoint(struct bridge_net *br, const struct network_endpoint *ep, bool new_ns,
	       struct err *e)
{
	_cleanup_nlsock_ struct nl_sock *inside = NULL;
	int nlfd = -1, r;

	if (ep->mode == NETWORK_MODE_HOST || ep->mode == NETWORK_MODE_CONTAINER)
		return 0;
	/* One helper child makes the namespace and the netlink socket inside it. */
	r = new_ns ? netns_create(ep->netns_path, &nlfd) : 0;
	trace_point("net.netns_made", ep->container_id);
	if (r < 0)
		return err_errno(e, r, "cannot create network namespace '%s'", ep->netns_path);
	if (nlfd >= 0 && (r = iface_sock_adopt(nlfd, &inside, e)) < 0)
		goto undo_netns;
	if (ep->mode == NETWORK_MODE_BRIDGE) {
		r = make_veth(br, ep, e);
		if (r < 0)
			goto undo_netns;
	}
	trace_point("net.veth_made", ep->container_id);
	r = configure_inside(ep->netns_path, inside, ep, e);
	trace_point("net.configured", ep->container_id);
	if (r < 0 || ep->mode != NETWORK_MODE_BRIDGE)
		goto done;
	/* A dockerd started after us may have created a DROP FORWARD chain since. */
	r = firewall_ensure_forward(br->fw, e);
	trace_point("net.forward_ensured", ep->container_id);
	if (r >= 0)
		r = firewall_add_ports(br->fw, ep->container_id, ep->ip, ep->ports, ep->n_ports, e);
done:
	if (r >= 0)
		return 0;
	plumb_unplumb(br, ep, false, new_ns, NULL);
	return r;
undo_netns:
	if (new_ns)
		(void)netns_destroy(ep->netns_path);
	return r;
}

static void
keep_first(struct err *e, int r, const char *what, const char *arg)
{
	if (r < 0 && e && !err_is_set(e))
		err_errno(e, r, "cannot %s '%s'", what, arg);
}

void
plumb_remove_rules(struct bridge_net *br, const struct network_endpoint *ep, bool exact,
		   struct err *e)
{
	struct err tmp = ERR_INIT;
	int r;

	if (ep->mode == NETWORK_MODE_BRIDGE && br->fw && (!exact || ep->n_ports > 0)) {
		r = firewall_remove_owner(br->fw, ep->container_id, &tmp);
		if (r < 0 && e && !err_is_set(e))
			err_copy(e, &tmp);
	}
}

void
plumb_unplumb(struct bridge_net *br, const struct network_endpoint *ep, bool exact, bool drop_ns,
	      struct err *e)
{
	_cleanup_nlsock_ struct nl_sock *sk = NULL;
	int r;

	if (ep->mode == NETWORK_MODE_HOST || ep->mode == NETWORK_MODE_CONTAINER)
		return;
	plumb_remove_rules(br, ep, exact, e);
	/* Deleting one end deletes the pair; the namespace going away would too,
	 * but only once no process holds it, so do not rely on that. */
	if (ep->host_veth[0] && iface_sock_open(NULL, &sk, NULL) == 0) {
		r = iface_delete(sk, ep->host_veth);
		keep_first(e, r == -ENODEV ? 0 : r, "delete veth", ep->host_veth);
	}
	if (!drop_ns)
		return;
	r = netns_destroy(ep->netns_path);
	keep_first(e, r, "remove network namespace", ep->netns_path);
}
