/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container objects and their registry: identity (64-hex ID, unique name),
 * the spec they were created with, their state machine, their network
 * endpoint, persistence under <data-root>/containers/<id>/ and lookup by ID,
 * name or unique ID prefix as dockerd does it. The lifecycle (start, stop,
 * kill...) lives in lifecycle.c on top of this.
 *
 * Locking: the registry lock (containers->mu) guards the maps; each
 * container's c->mu guards its state, name, endpoint and exit counter.
 * Order: registry lock, then a container lock, then its hold's lock (a
 * leaf, hold.h); never two container locks.
 * Neither is held across process waits or network I/O.
 */
#pragma once

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/container/health.h"
#include "engine/container/hold.h"
#include "engine/container/spec.h"
#include "engine/util/err.h"

enum container_status {
	CONTAINER_CREATED = 0,
	CONTAINER_RUNNING,
	CONTAINER_PAUSED,
	CONTAINER_RESTARTING,
	CONTAINER_REMOVING,
	CONTAINER_EXITED,
	CONTAINER_DEAD,
};

/* "created", "running", ... as Docker spells State.Status. */
const char *container_status_name(enum container_status s);
/* The reverse: 0 or -EINVAL. */
int container_status_parse(const char *s, enum container_status *ret);

struct container_state {
	enum container_status status;
	int pid;
	int exit_code;
	bool oom_killed;
	int64_t started_ns, finished_ns;	/* 0 = never */
	char *error;
	int restart_count;
	bool manually_stopped;	/* for unless-stopped and restart on daemon start */
	bool has_been_started;
	struct health_state health; /* HEALTH_NONE without a check */
};

struct container_endpoint {
	char *network;		/* "bridge", "host", "none", or a user network name */
	char *network_id;
	char *endpoint_id;
	char *ip;		/* NULL without an address */
	int prefix;
	char *gateway;
	char *ip6; /* global IPv6 address on an IPv6 network, else NULL */
	int prefix6;
	char *gateway6; /* NULL without one */
	char *mac;
	char *netns;		/* path of the network namespace, NULL for host */
	struct portmap_binding *ports;	/* effective bindings (host port chosen) */
	size_t n_ports;
};

struct container {
	atomic_int refs;
	pthread_mutex_t mu;
	/*
	 * Serialises writes of config.json/state.json with the removal of the
	 * directory, so a late state save (the exit monitor racing `rm -f`)
	 * never recreates a file in a directory being removed. Taken before
	 * mu, never while holding it.
	 */
	pthread_mutex_t save_mu;
	pthread_cond_t cv;	/* broadcast on every state change and on removal */
	char id[65];
	char *name;		/* with the leading '/' */
	int64_t created_ns;
	char *image_id;		/* "sha256:<hex>" */
	char *path;		/* the executable: first of entrypoint+cmd */
	char **args;		/* the rest */
	struct container_spec spec;
	struct container_state state;
	struct container_endpoint ep;	/* the first (eth0) endpoint, and the namespace */
	struct container_endpoint *xeps; /* the endpoints on further networks (eth1...) */
	size_t n_xeps;
	/*
	 * Incremented each time the container stops, once the exit is wholly
	 * recorded: state saved and "die" published. Waiters for an exit
	 * (wait, stop, the end of an attach) therefore never get ahead of it.
	 */
	uint64_t exit_seq;
	/* Signals being sent whose "kill" event is not published yet: the exit
	 * monitor holds "die" back until they are (moby sends both under the
	 * container's lock, so kill always comes first). */
	unsigned signalling;
	bool removed;
	char *dir;		/* <data-root>/containers/<id> */
	/* Attach clients that asked before start (docker run): start holds the
	 * process before exec until they are connected, so no output is lost. */
	struct hold hold;
	bool starting;		/* a start is in progress (serialises starts) */
	bool monitored;		/* a monitor thread waits for this run's exit */
	/* Holds no bundle, endpoint, namespace or DNS attachment, so its
	 * removal skips their clean-up: created by this daemon and never
	 * started, connected or disconnected since, or its last run's exit
	 * clean-up succeeded here (container_mark_clean). A container loaded
	 * at start is never pristine: a crash may have left anything. */
	bool pristine;
	bool born_here;		/* created by this daemon process */
	uint64_t net_gen;	/* bumped by container_touch_net */
	char *log_path;		/* <dir>/<id>-json.log */
	/* Bumped under mu after every change a snapshot would show; memos of
	 * derived text (memo.h), by slot, are valid while it stays. */
	uint64_t gen;
	struct container_memo *memo; /* owned; NULL until the first memo */
};

struct containers;
struct container_memo;
struct dns_server;
struct events;
struct execs;
struct network_state;
struct store;
struct volumes;
struct idmap;

/*
 * What the container service works on, given by engine.c. The strings are
 * copied; the handles are borrowed and must outlive the service.
 */
struct containers_config {
	const char *data_root;		/* <data_root>/containers holds the objects */
	const char *exec_root;		/* runtime bundles, shim sockets */
	struct store *store;
	struct network_state *net;
	struct volumes *volumes;
	struct events *events;
	struct execs *execs;
	/* resolv.conf and /etc/hosts defaults (copied) */
	char *const *dns, *const *dns_search, *const *dns_options;
	const char *host_gateway_ip;	/* NULL: the default bridge's gateway */
	const char *bridge_cidr;	/* the default bridge, e.g. "10.88.0.1/16" */
	/* daemon default-ulimits: {"nofile": {"Name", "Soft", "Hard"}} (copied); NULL = none */
	json_t *default_ulimits;
	/* --userns-remap (copied); NULL or unset: containers use the host's user namespace */
	const struct idmap *userns_remap;
};

/*
 * Opens the container service: loads every saved container; half-created
 * ones are removed.
 */
int containers_open(const struct containers_config *cfg, struct containers **ret,
		    struct err *e);
void containers_close(struct containers *cs);

/*
 * Gives the service the embedded DNS server (borrowed: it must outlive the
 * service), which container_dns_sync attaches to containers on user
 * networks. Called by engine.c once, before recovery; without it (unit
 * tests) containers get no server.
 */
void containers_set_dns_server(struct containers *cs, struct dns_server *dns);

/*
 * The daemon's log driver and "key=value" options (--log-driver,
 * --log-opt), the defaults of containers created from now on (logconf.h;
 * copied). Checked as a create request would be: -EINVAL with dockerd's
 * message, and the previous defaults kept. json-file without options
 * until called.
 */
int containers_set_log_defaults(struct containers *cs, const char *driver, char *const *opts,
				struct err *e);

/*
 * Stops the service's health probes (they run as execs, so this comes
 * before the exec registry is freed); containers_close does it too, and
 * later arm calls are no-ops. NULL is fine.
 */
void containers_stop_probes(struct containers *cs);

/*
 * Makes a new container object with a fresh ID and @name (NULL: generated)
 * and reserves the name. The spec is moved into it (*spec is zeroed).
 * -EEXIST with dockerd's conflict message; -EINVAL for a bad name.
 * The result carries one reference for the caller.
 */
int containers_create(struct containers *cs, const char *name, const char *image_id,
		      struct container_spec *spec, struct container **ret, struct err *e);

/*
 * Finds by full ID, by name (with or without '/'), then by unique ID
 * prefix. Returns a reference, or NULL with -ENOENT "No such container: <ref>"
 * or -EINVAL "multiple IDs found with provided prefix: <ref>" in @e.
 */
struct container *containers_get(struct containers *cs, const char *ref, struct err *e);

/* All containers, newest first, each with a reference; free with containers_list_free. */
struct container **containers_list(struct containers *cs, size_t *ret_n);
void containers_list_free(struct container **list, size_t n);

/*
 * Who uses an image, for the image service (images_set_users_fn; @ctx is the
 * struct containers): the number of containers created from image
 * @image_id, counting only running, paused or restarting ones when
 * @running_only. The first one's ID is copied to @ret_container_id (65
 * bytes) when there is one and the pointer is not NULL.
 */
int containers_image_users(void *ctx, const char *image_id, bool running_only,
			   char ret_container_id[65]);

/*
 * Who uses a volume, for volume_remove (volumes_set_users_fn; @ctx is the
 * struct containers): a new JSON array of the IDs of the containers that
 * mount volume @name.
 */
json_t *containers_volume_users(void *ctx, const char *name);

/* Renames: -EEXIST (in use), -EINVAL (bad name). */
int containers_rename(struct containers *cs, struct container *c, const char *name,
		      struct err *e);

/* Forgets the container (name, ID), deletes its directory, wakes waiters. */
int containers_delete(struct containers *cs, struct container *c, struct err *e);

struct container *container_ref(struct container *c);
struct container *container_unref(struct container *c);
static inline void
container_unrefp(struct container **c)
{
	container_unref(*c);
}
#define _cleanup_container_ __attribute__((cleanup(container_unrefp)))

/* Persists spec + identity (config.json) and state (state.json) atomically. */
int container_save(struct container *c, struct err *e);
int container_save_state(struct container *c, struct err *e);

/* The container is about to get (or lose) run-time resources: a start, a
 * network connect or disconnect. Clears c->pristine, bumps c->net_gen. */
void container_touch_net(struct container *c);
uint64_t container_net_gen(struct container *c);
/* The exit clean-up that began at net_gen @gen removed every resource of a
 * run: pristine again if the container was born here and nothing touched
 * its network since. */
void container_mark_clean(struct container *c, uint64_t gen);

/* Copies the state under the lock (release the copy with container_state_release). */
void container_get_state(struct container *c, struct container_state *ret);
void container_state_release(struct container_state *s);

enum container_wait_cond { WAIT_NOT_RUNNING = 0, WAIT_NEXT_EXIT, WAIT_REMOVED };

/*
 * Blocks until @cond holds (see docker-api-protocol.md §6.4), checking
 * @cancelled(ud) about once a second. Returns 0 with the exit code, or
 * -ECANCELED when cancelled. @since_exit_seq: for WAIT_NEXT_EXIT, the
 * exit_seq observed when the wait was registered.
 */
int container_wait(struct container *c, enum container_wait_cond cond, uint64_t since_exit_seq,
		   bool (*cancelled)(void *ud), void *ud, int *ret_exit_code);

/* Current exit_seq (register a next-exit wait before starting). */
uint64_t container_exit_seq(struct container *c);

/* Endpoint helpers. */
void container_endpoint_release(struct container_endpoint *ep);
