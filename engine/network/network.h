/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container networking, the engine's entry point: the default bridge network
 * ("bridge": engine_config bridge_name/bridge_cidr, default berth0 with
 * 10.88.0.1/16), endpoints (a pinned network namespace, a veth pair into the
 * bridge, an address from the network's IPAM, DNAT for published ports) and
 * the host/none/container:<id> modes. Endpoint records are persisted under
 * <data-root>/network so a restarted daemon knows what running containers
 * hold; everything the kernel keeps (veths, nsfs mounts, nft rules) is tagged
 * with the container ID so network_cleanup_stale can find leftovers.
 *
 * What it leaves to others: joining the namespace (the runtime does, by the
 * path returned here), /etc/hosts and resolv.conf (container/), Docker wire
 * shapes (api/), serving names to containers (the embedded DNS server,
 * dns.h, asks network_resolve_name/_addr below; the container service
 * attaches it to each container's namespace).
 *
 * Threads: every function is thread-safe. Lock order: network_state.lock,
 * then firewall's own lock (a leaf). The state lock is never held across
 * netlink or namespace work, only across table updates and the small atomic
 * writes of IPAM state.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/network/netdef.h"
#include "engine/network/portmap.h"
#include "engine/util/err.h"

struct network_state;

/* What networking needs from the daemon's configuration (borrowed for network_open). */
struct network_config {
	const char *data_root;	/* endpoints and IPAM state under <data_root>/network */
	const char *exec_root;	/* pinned namespaces under <exec_root>/netns */
	const char *bridge_name;	/* NULL: berth0; "none": no default bridge */
	const char *bridge_cidr;	/* NULL: 10.88.0.1/16 */
	/* default-address-pools as "base=CIDR,size=N" (NULL: dockerd's
	 * predefined pools); a bad one fails network_open with -EINVAL */
	char *const *address_pools;
};

enum network_mode {
	NETWORK_MODE_BRIDGE = 0,	/* "bridge", "default", "" */
	NETWORK_MODE_HOST,		/* no namespace: the host's */
	NETWORK_MODE_NONE,		/* a namespace with only lo */
	NETWORK_MODE_CONTAINER,		/* "container:<id>": another container's namespace */
};

/*
 * Parses a HostConfig.NetworkMode value. For "container:<id>" the id is
 * copied to @ret_peer (a buffer of 65 bytes). A valid network name is a user
 * network (bridge mode; network_attach resolves it); -ENOENT for a name no
 * network can have.
 */
int network_mode_parse(const char *s, enum network_mode *ret_mode, char ret_peer[65],
		       struct err *e);

/*
 * Checks a HostConfig.NetworkMode value at container create, as dockerd
 * does: a user network must exist (-ENOENT "network X not found").
 */
int network_mode_check(struct network_state *net, const char *mode, struct err *e);

struct network_attach_opts {
	enum network_mode mode;
	const char *peer;	/* NETWORK_MODE_CONTAINER: the container whose netns to join */
	const char *name;	/* container name for error messages (dockerd's wording) */
	const struct portmap_binding *ports; /* requested; host_port 0 = any (-P) */
	size_t n_ports;
	const char *network;	/* NETWORK_MODE_BRIDGE: NULL/"bridge"/"default" or a user network */
	const char *hostname;	/* kept for name resolution */
	char *const *aliases;	/* NULL-terminated or NULL */
	char *const *links;	/* "target:alias" entries (endpoint links), or NULL */
	const char *ip;		/* requested IPv4 address (--ip), NULL: from IPAM */
	const char *ip6;	/* requested IPv6 address (--ip6), NULL: from IPAM */
	const char *mac;	/* requested MAC address, NULL: 02:42 + the address */
	/*
	 * Bridge and none modes: the container makes its network namespace
	 * itself (inside its own user namespace, --userns-remap), so only the
	 * record, address and host ports are claimed now; network_adopt_netns
	 * pins the namespace and plumbs the endpoint once the process exists.
	 */
	bool late_ns;
};

struct network_endpoint {
	char container_id[65];
	char endpoint_id[65];	/* random, as dockerd's EndpointID */
	enum network_mode mode;
	char network[NETDEF_NAME_MAX +
		     1];	/* "bridge", "host", "none", "container" or a user network */
	char network_id[65];	/* ID of that network ("" for container:) */
	char netns_path[256];	/* "" for host mode */
	struct in_addr ip, gateway; /* 0.0.0.0 outside bridge mode */
	int prefix;
	struct in6_addr ip6, gateway6; /* on an IPv6 network (prefix6 > 0) */
	int prefix6;		       /* 0: no IPv6 address */
	char mac[18];		/* "02:42:0a:58:00:02", "" outside bridge mode */
	char host_veth[16];	/* host side of the veth pair, "" outside bridge mode */
	struct portmap_binding *ports; /* effective bindings (host_port chosen) */
	size_t n_ports;
	char name[256]; /* the container's name (no '/'), for name resolution */
	char **aliases; /* network aliases, NULL-terminated or NULL (owned) */
	/* links on a user network, "target:alias" (EndpointsConfig.Links): for
	 * this container, alias resolves to target (NULL-terminated or NULL) */
	char **links;
	char ifname[16]; /* inside the namespace: eth0, eth1... in connect order */
	bool gw;	 /* the container's default route goes through this endpoint */
};

/* Frees the contents of @ep (not @ep itself). */
void network_endpoint_release(struct network_endpoint *ep);

/*
 * Opens networking as @cfg says: IPAM state, endpoint records, and the default
 * bridge with its NAT table. Failing to set up the bridge (no
 * CAP_NET_ADMIN, a non-bridge link of that name...) is only a warning: it is
 * retried, and reported, when a container needs the bridge. bridge_name
 * "none" disables the default bridge (as dockerd's --bridge=none).
 */
int network_open(const struct network_config *cfg, struct network_state **ret, struct err *e);

/* Frees the in-memory state; kernel objects stay for running containers. */
void network_close(struct network_state *net);

/*
 * At a clean daemon shutdown: removes the nft table and the FORWARD accept
 * rules of every bridge (the default one and user networks') that no
 * running container is attached to. Containers outlive berthd (their shims
 * keep them running, as dockerd's live-restore does), so a bridge that
 * still carries one keeps its NAT and port rules until a later start or
 * shutdown finds it unused. The bridge links stay, as dockerd's do.
 * Failures are logged and ignored.
 */
void network_shutdown(struct network_state *net);

/*
 * Gives container @id its network: creates <exec-root>/netns/<id> (except in
 * host mode), the veth pair, address, route and port rules. On success
 * *ret describes it (caller releases). Errors: -EEXIST when @id already has
 * an endpoint, -EADDRINUSE for a host port taken (message in dockerd's
 * "driver failed programming external connectivity on endpoint ..." form),
 * -ENOSPC when the subnet is full, -ENOENT for an unknown peer, -EINVAL for
 * bad options, other -errno for kernel failures. Nothing is left behind on
 * failure.
 */
int network_attach(struct network_state *net, const char *id,
		   const struct network_attach_opts *opts, struct network_endpoint *ret,
		   struct err *e);

/*
 * For endpoints attached with late_ns (and those connected before this
 * call): pins the network namespace of process @pid (the container's,
 * held before exec) at the endpoints' netns_path, then builds every
 * pending endpoint of @id in interface order (veth moved into it by fd,
 * address, routes and lo through netlink sockets made inside it, port
 * rules), as libnetwork's prestart hook configures a namespace runc made.
 * Also used at daemon start for a running container: a namespace file
 * that is no longer a mount is pinned again from @pid. Nothing of @id is
 * undone on failure (network_detach does). 0 or -errno with @e.
 */
int network_adopt_netns(struct network_state *net, const char *id, pid_t pid, struct err *e);

/*
 * Connects container @id, which already has a namespace from
 * network_attach (bridge or user network mode, or a namespace of its own),
 * to one more network: @opts->network, with its aliases, address and MAC
 * (ports and mode are not used). The new interface is eth<N> with N one
 * more than the highest in use; it carries the default route when no other
 * endpoint does and the network is not internal. -EPERM "endpoint with name
 * X already exists in network Y" when already connected, -ENOENT for an
 * unknown network, -EINVAL for a container without a namespace of its own.
 */
int network_connect(struct network_state *net, const char *id,
		    const struct network_attach_opts *opts, struct network_endpoint *ret,
		    struct err *e);

/*
 * Removes @id's endpoint on network @ref (name, ID or ID prefix) and keeps
 * the namespace and the other endpoints; when it carried the default route,
 * the next endpoint on a non-internal network takes it. Without another
 * endpoint the namespace stays, with lo only (a "none" record keeps it).
 * -ENOENT when the network is unknown, -ENOTCONN "container X is not
 * connected to network Y".
 */
int network_disconnect(struct network_state *net, const char *id, const char *ref,
		       struct err *e);

/*
 * Every endpoint of @id, in interface order (eth0 first): *ret is an array of
 * *ret_n endpoints (release each, then free the array). 0 even when none.
 */
int network_endpoints(struct network_state *net, const char *id, struct network_endpoint **ret,
		      size_t *ret_n);

/*
 * Checks what a container asks of network @ref before it is stored (at
 * create, or at connect of a stopped container), as dockerd does: the
 * network exists (-ENOENT "network X not found"); aliases and a static
 * address only on user-defined networks ("network-scoped alias is supported
 * only for containers in user defined networks", "user specified IP address
 * is supported on user defined networks only"), the address only on one
 * with a configured subnet and inside it (an IPv6 one, @ip6, only on a
 * network with IPv6 enabled); a valid MAC. Writes the network's
 * name (NETDEF_NAME_MAX + 1 bytes) and ID (65) on success.
 */
int network_endpoint_check(struct network_state *net, const char *ref, const char *ip,
			   const char *ip6, const char *mac, bool has_aliases, char *ret_name,
			   char ret_id[65], struct err *e);

/*
 * Removes everything @id holds (rules, veths, namespace file, addresses,
 * records). Idempotent: 0 when there was nothing. Errors are reported after
 * every step was tried.
 */
int network_detach(struct network_state *net, const char *id, struct err *e);

/*
 * network_detach for an exited container, without waiting for the kernel:
 * port rules, endpoint records and the namespace file are gone when it
 * returns; bridge endpoints' veths are deleted and their addresses given
 * back in the background, after which the addresses may be reused. Until
 * then any network_attach, network_connect, network_disconnect or
 * network_detach of @id waits for them, as do network removal and
 * network_shutdown. 0 when there was nothing (or it was already released):
 * unlike network_detach it does not search the kernel for what a crash may
 * have left without a record; network_cleanup_stale does that at start.
 */
int network_release(struct network_state *net, const char *id, struct err *e);

/* Waits until @id's background release (network_release), if any, is done. */
void network_release_wait(struct network_state *net, const char *id);

/* Copies @id's first endpoint (lowest interface) into *ret: 0 or -ENOENT. */
int network_inspect(struct network_state *net, const char *id, struct network_endpoint *ret,
		    struct err *e);

/*
 * Crash cleanup: removes endpoints, namespace files, veths, port rules and
 * addresses of every container not in @live (NULL-terminated IDs of the
 * containers whose network must be kept, i.e. those still running), leaving
 * the others untouched. Returns the number of endpoints removed or -errno.
 */
int network_cleanup_stale(struct network_state *net, char *const *live, struct err *e);

/*
 * Removes the default bridge and its nft table when no endpoint uses it
 * (tests and uninstall; berthd keeps the bridge across restarts). -EBUSY
 * while endpoints exist.
 */
int network_destroy_bridge(struct network_state *net, struct err *e);

/* The default bridge's name, gateway and prefix (for inspect of "bridge"). */
const char *network_bridge_name(const struct network_state *net);

/*
 * Networks as objects (dockerd's /networks): the predefined "bridge" (the
 * default bridge above), "host" and "none", and user-defined bridge
 * networks, each with its own Linux bridge (br-<12 hex of the ID>), IPAM and
 * nft table. Records live in <data-root>/network/<id>.json.
 */

/* A container attached to a network, as inspect of a network shows it. */
struct network_member {
	char container_id[65];
	char endpoint_id[65];
	char mac[18];
	struct in_addr ip;
	int prefix;
	struct in6_addr ip6; /* when prefix6 > 0 */
	int prefix6;
};

/* A snapshot of one network (release with network_info_release). */
struct network_info {
	struct netdef def;
	struct network_member *members;
	size_t n_members;
};

void network_info_release(struct network_info *info);

struct network_create_opts {
	const char *name;
	const char *driver; /* NULL or "" = bridge */
	bool internal, attachable;
	bool check_duplicate;	  /* (always on: names are unique here) */
	const char *subnet;	  /* NULL: the next free one from the pool */
	const char *ip_range;	  /* NULL or inside @subnet */
	const char *gateway;	  /* NULL: the first address of @subnet */
	json_t *aux;		  /* borrowed: name -> address in @subnet, or NULL */
	bool ipv6;		  /* EnableIPv6: @subnet6 required */
	const char *subnet6, *ip_range6, *gateway6; /* NULL: none / the first address */
	json_t *aux6;				    /* borrowed, or NULL */
	json_t *labels, *options; /* borrowed string maps, or NULL */
};

/*
 * Creates a user-defined bridge network and its bridge and firewall table.
 * -EEXIST for a taken name ("network with name X already exists"), -EINVAL
 * for bad names, subnets and options, -EPERM for predefined names and
 * overlapping subnets (as dockerd), -ENOSPC when the pool is exhausted,
 * -ENOENT for an unknown driver.
 */
int network_create(struct network_state *net, const struct network_create_opts *o,
		   struct network_info *ret, struct err *e);

/* Looks up a network by full ID, exact name, or unique ID prefix: 0 or -ENOENT. */
int network_get(struct network_state *net, const char *ref, struct network_info *ret,
		struct err *e);

/* Every network, predefined ones first. *ret is an array of *ret_n snapshots. */
int network_list(struct network_state *net, struct network_info **ret, size_t *ret_n,
		 struct err *e);

/*
 * Removes a user-defined network, its bridge, IPAM state and firewall table.
 * -EPERM for predefined networks and for networks with endpoints (dockerd's
 * 403s), -ENOENT when unknown. The removed network's ID goes to @ret_id.
 */
int network_remove(struct network_state *net, const char *ref, char ret_id[65], struct err *e);

/*
 * Name resolution for the embedded DNS: what NAME is for container
 * @container_id, looking only at containers that share a user-defined
 * network with it (never across networks, never on the default bridge).
 * NAME (case-insensitive, an optional final '.') matches a container name,
 * a network alias or a 12-hex short container ID; every matching endpoint
 * counts; an alias of one of @container_id's endpoint links
 * (EndpointsConfig.Links, "target:alias") stands for its target on that
 * link's network, before any other meaning. On entry *n_v4 / *n_v6 are the
 * capacities of @v4 / @v6, on return the numbers of addresses written (IPv6
 * ones for endpoints on IPv6 networks). Returns 0
 * when NAME is known there, -ENOENT when not, -EINVAL for bad arguments.
 */
int network_resolve_name(struct network_state *ns, const char *container_id, const char *name,
			 struct in_addr *v4, size_t *n_v4, struct in6_addr *v6, size_t *n_v6);

/*
 * The reverse: which container (on a user network shared with
 * @container_id) has address @addr (@family AF_INET: struct in_addr).
 * Writes "<container name>.<network name>" as dockerd answers PTR queries.
 * AF_INET6 (struct in6_addr) matches the IPv6 addresses of endpoints on
 * IPv6 networks. 0, -ENOENT, -EINVAL, -ENAMETOOLONG.
 */
int network_resolve_addr(struct network_state *ns, const char *container_id, int family,
			 const void *addr, char *name, size_t size);

/*
 * For the embedded DNS: when @container_id has an endpoint on a
 * user-defined network (the containers the server answers for), copies its
 * network namespace path to @ret and returns 0; -ENOENT otherwise (no
 * endpoint, the default bridge, host, none, container:).
 */
int network_user_netns(struct network_state *ns, const char *container_id, char ret[256]);

/*
 * Follows a container rename: the endpoint of @container_id answers to
 * @name (no '/') from now on, in name resolution and PTR answers, and its
 * record says so. 0 also when it has no endpoint (a stopped container gets
 * its name at the next attach); -errno when the record cannot be written.
 */
int network_rename(struct network_state *ns, const char *container_id, const char *name,
		   struct err *e);
