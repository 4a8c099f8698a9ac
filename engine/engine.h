/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct engine: the composition root. It owns the data root (locked for its
 * lifetime so a second daemon cannot share it) and the exec root, and opens
 * every subsystem with exactly the handles and configuration that subsystem
 * needs (network_open(cfg), images_new(store, registry, events),
 * containers_open(store, net, volumes, events, execs), ...). Nothing below
 * reaches back through it: only engine.c, api/ and server/ include this
 * header (tests/unit/layering-check.sh enforces it). No HTTP knowledge: api/
 * calls into the subsystems it hangs here, server/ creates and frees it.
 */
#pragma once

#include <jansson.h>

#include <stdbool.h>
#include <stdint.h>

#include "engine/util/err.h"

struct store;
struct containers;

struct engine_config {
	char *data_root;	/* default /var/lib/berth */
	char *exec_root;	/* default /run/berth */
	char **insecure_registries; /* NULL-terminated; 127.0.0.0/8 is always insecure */
	char **registry_mirrors;    /* NULL-terminated, for docker.io */
	char *bridge_name;	/* default berth0 */
	char *bridge_cidr;	/* default 10.88.0.1/16 */
	/* default-address-pools, "base=CIDR,size=N" each; NULL: dockerd's */
	char **address_pools;
	char **labels;		/* daemon labels for /info */
	/* daemon --dns, --dns-search, --dns-opt: containers' defaults, NULL-terminated */
	char **dns, **dns_search, **dns_options;
	char *host_gateway_ip; /* --host-gateway-ip; NULL: the bridge's gateway */
	json_t *default_ulimits; /* daemon default-ulimits {name: {Name, Soft, Hard}}; NULL = none */
	char *log_driver;      /* --log-driver; NULL: json-file */
	char **log_opts;       /* --log-opt "key=value" defaults for new containers */
	bool debug;
	/* Daemon-wide concurrency limits; 0: the defaults (3, 5, 4). */
	unsigned max_concurrent_downloads, max_concurrent_uploads, max_concurrent_builds;
	unsigned max_download_attempts; /* per layer of a pull; 0: 5 (dockerd's default) */
	unsigned retry_unit_ms; /* one "second" of pull back-off; 0: 1000 (tests shorten it) */
};

struct events;
struct volumes;
struct network_state;
struct dns_server;
struct registry_client;
struct images;
struct execs;
struct builds;

struct engine {
	struct engine_config cfg;
	struct network_state *net;	/* engine/network: bridge, endpoints, NAT */
	struct dns_server *dns;		/* the embedded DNS server (engine/network/dns.h) */
	int lock_fd;		/* flock on <data_root>/berth.lock */
	char *tmp_dir;		/* <data_root>/tmp: spooled uploads, partial downloads */
	char id[65];		/* persistent daemon ID for /info */
	int64_t started_ns;
	struct events *events;	/* the event bus */
	struct volumes *volumes; /* named volumes */
	struct store *store;	/* images, layers, blobs, references */
	struct containers *containers; /* container objects and their state */
	struct registry_client *registry; /* OCI distribution client (insecure registries, mirrors) */
	struct images *images;	/* image service: downloads in flight, prune guard */
	struct execs *execs;	/* exec instances (engine/container/exec.h) */
	struct builds *builds;	/* build service: Dockerfile builds */
};

/*
 * Opens (creating as needed) the data and exec roots, takes the data-root
 * lock and clears leftovers of an earlier run. -EBUSY with a message naming
 * the other daemon's pid when the root is already in use.
 * The config is copied.
 */
int engine_open(const struct engine_config *cfg, struct engine **ret, struct err *e);

/* Releases everything; running containers are left running. NULL is fine. */
void engine_close(struct engine *eng);

/* Frees the strings of a config filled by the caller. */
void engine_config_release(struct engine_config *cfg);

/* What `docker info` reports about the host and the daemon. */
struct engine_info {
	char kernel_version[128];
	char operating_system[128];
	char os_version[64];
	char architecture[32];	/* uname machine, e.g. x86_64 */
	char hostname[256];
	int ncpu;
	int64_t mem_total;
	int cgroup_version;	/* 1 or 2 */
	char backing_fs[32];	/* file system of the data root, e.g. extfs */
	int containers, containers_running, containers_paused, containers_stopped;
	int containers_by_status[8]; /* indexed by enum container_status */
	int images;
	bool bridge_nf_iptables, bridge_nf_ip6tables;
};

/* Fills @ret from the host (uname, /proc, statfs) and the engine's counts. */
int engine_info(struct engine *eng, struct engine_info *ret, struct err *e);

/* berth-shim processes serving this daemon's containers (a /proc scan). */
int engine_shims_running(struct engine *eng);
