/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What network.c (endpoints, start-up) and netobj.c (network objects,
 * resolution) share: the state's layout and a few lookups. Private to
 * engine/network.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "engine/network/endpoint.h"
#include "engine/network/netdef.h"
#include "engine/network/network.h"
#include "engine/network/plumb.h"
#include "engine/util/err.h"

/* An attached container: its public description plus the host ports it holds. */
struct ep_rec {
	struct network_endpoint ep;
	int *port_fds; /* one reservation socket per binding, -1 if lost */
	/* recorded, not yet in the kernel: its namespace is the container's to
	 * make (network_attach_opts.late_ns) and network_adopt_netns plumbs it */
	bool pending;
};

struct net_obj;

/* A network object: its definition and, for user-defined bridges, its own bridge. */
struct net_obj {
	struct netdef def;
	struct bridge_net *br; /* &network_state.br for "bridge", owned for user networks */
	bool own_br;
};

struct network_state {
	pthread_mutex_t setup_lock; /* serialises bridge set-up; taken before lock */
	pthread_mutex_t lock;	    /* endpoints table, networks table and IPAM */
	char *net_dir;		    /* <data-root>/network: network records */
	char *ep_dir;		    /* <data-root>/network/endpoints */
	char *netns_dir;	    /* <exec-root>/netns */
	struct bridge_net br;
	struct ep_rec **eps;
	size_t n_eps, cap_eps;
	struct net_obj **nets;
	size_t n_nets;
	struct netdef_pool *pools; /* automatic subnets come from these, in order */
	size_t n_pools;
	/* reaper.c: exited containers' veth deletions and address releases */
	pthread_cond_t reap_cv;	  /* with lock: a job queued or finished */
	struct reaper_job *reaps; /* queued and running, oldest (running) first */
	bool reaper_running;	  /* its thread, detached, ends when the queue is empty */
};

/* Index of the endpoint record of container @id, or -1 (lock held). */
ssize_t netstate_find_rec(struct network_state *net, const char *id);
/* Appends @rec to the endpoint records (lock held). */
void netstate_insert_rec(struct network_state *net, struct ep_rec *rec);
/* Gives back what @id holds in @br's IPAMs, without saving them (lock held). 0 or -errno. */
int netstate_release_addrs(struct bridge_net *br, const char *id);
/* Frees an endpoint record (NULL is fine). */
void netstate_rec_free(struct ep_rec *rec);

void netobj_free(struct net_obj *o);
/* Index of the network named, ID'd or ID-prefixed by @ref; -ENOENT etc. with @e (lock held). */
ssize_t netobj_find(struct network_state *net, const char *ref, struct err *e);
/* The bridge an endpoint is on (the default one unless it names a user network). */
struct bridge_net *netobj_bridge_of(struct network_state *net, const struct network_endpoint *ep);
/*
 * sweep.c: marks a user network's bridge as this data root's (a file under
 * <data-root>/network/bridges), unmarks it once removed, and at start
 * removes the bridges and nft tables of marks no loaded network claims.
 * Failures are logged and ignored. Called with setup_lock held or at open.
 */
void sweep_mark(struct network_state *net, const struct bridge_net *br);
void sweep_unmark(struct network_state *net, const char *ifname);
void sweep_stale(struct network_state *net);

/* Parses the default-address-pools (NULL/empty: dockerd's predefined ones). */
int netobj_set_pools(struct network_state *net, char *const *pools, struct err *e);
/* Loads the predefined networks and every user network record at start. */
int netobj_load_all(struct network_state *net, struct err *e);
