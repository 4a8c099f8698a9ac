/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct container_spec: everything a container was created with, in the
 * engine's own terms (the API layer maps Docker's Config/HostConfig to and
 * from it). Persisted as JSON with engine-chosen keys by spec_to_json /
 * spec_from_json. Strings are heap-owned; string vectors are NULL-terminated
 * (NULL = unset, which differs from an empty vector where Docker
 * distinguishes them, e.g. an explicitly empty entrypoint).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/network/portmap.h"
#include "engine/util/err.h"
#include "engine/util/strv.h"

enum mount_type { MOUNT_BIND = 0, MOUNT_VOLUME, MOUNT_TMPFS };

struct mount_spec {
	enum mount_type type;
	char *source;		/* host path (bind) or volume name (volume); NULL for tmpfs */
	char *target;		/* absolute path in the container */
	bool readonly;
	char *options;		/* tmpfs options ("size=64m,mode=1777"), bind propagation */
	/* Volume only: never copy the image's content at the target into an
	 * empty volume (-v name:/p:nocopy, --mount volume-nocopy=true). */
	bool nocopy;
};

struct container_spec {
	/* What runs. */
	char *image;		/* the reference as given at create */
	char **entrypoint;
	char **cmd;
	char **env;		/* merged: image env, then the request's */
	char *working_dir;
	char *user;
	char *hostname;
	char *domainname;
	char *stop_signal;
	int stop_timeout;	/* seconds; -1 = unset (10) */
	bool tty, open_stdin, stdin_once;
	bool attach_stdin, attach_stdout, attach_stderr;
	json_t *labels;		/* object of strings, never NULL */
	char **exposed_ports;	/* "80/tcp" */
	char **volumes;		/* targets of anonymous volumes */
	json_t *healthcheck;	/* opaque, echoed back; NULL = none */
	char **shell;
	char **onbuild;
	int console_height, console_width;

	/* How it runs. */
	char **binds;		/* "src:dst[:opts]" as given; also decoded into mounts */
	char **volumes_from; /* "container[:mode]" as given; their mounts join mounts at create */
	struct mount_spec *mounts;
	size_t n_mounts;
	/* HostConfig.Links: as given until create resolves them (links.h), then
	 * "<target-id>:<alias>" */
	char **links;
	char *network_mode;	/* bridge, host, none, container:<id>, or a network name */
	/*
	 * The networks of a bridge-mode container, in connect order (the first
	 * is the network mode's): an array of {"network": name, "aliases": [...],
	 * "ipv4": "...", "mac": "...", "links": [...], "driver_opts": {...}},
	 * the per-network settings (Docker's EndpointsConfig). NULL for host,
	 * none and container: modes, and in specs saved before it existed
	 * (then the network mode is the one network).
	 */
	json_t *endpoints;
	struct portmap_request *ports;	/* HostConfig.PortBindings, in order */
	size_t n_ports;
	bool publish_all_ports;
	char *restart_policy;	/* no, always, on-failure, unless-stopped */
	int restart_max_retries;
	bool auto_remove;
	char **cap_add, **cap_drop;
	bool privileged, readonly_rootfs, init;
	int64_t memory, memory_swap, memory_reservation, nano_cpus, cpu_shares, cpu_period,
		cpu_quota, pids_limit, shm_size;
	char *cpuset_cpus, *cpuset_mems;
	char **dns, **dns_search, **dns_options, **extra_hosts, **security_opt, **group_add;
	bool oom_kill_disable;
	int oom_score_adj;
	json_t *ulimits;	/* array of {name, soft, hard}; NULL = none */
	char *log_driver;	/* json-file, local, none (logconf.h); NULL: json-file */
	json_t *log_opts;	/* object of strings, as merged at create; NULL = none */
	json_t *sysctls;	/* object; NULL = none */

	/* Limits, OOM and security options as sent (docs/security.md). */
	bool stop_timeout_set; /* Config.StopTimeout was given; negative = wait for ever */
	int64_t cpu_rt_period, cpu_rt_runtime; /* microseconds; 0 = unset */
	int blkio_weight;		       /* 10..1000; 0 = unset */
	/* [{"Path","Weight"}] and [{"Path","Rate"}] as sent; NULL = none */
	json_t *blkio_weight_device, *blkio_read_bps, *blkio_write_bps, *blkio_read_iops,
		*blkio_write_iops;

	/*
	 * Namespaces, devices and runtime choice, each as the client sent it
	 * (validated at create): "" or NULL = dockerd's default.
	 */
	char *pid_mode;	     /* "", host, container:<ref> */
	char *ipc_mode;	     /* "", private, shareable, none, host, container:<ref> */
	char *uts_mode;	     /* "", host */
	char *userns_mode;   /* "", host */
	char *cgroupns_mode; /* "", private, host (default: host, as dockerd on cgroup v1) */
	char *runtime;	     /* "", berth, runc (an alias of berth) */
	char *isolation;     /* "", default */
	/* --device: array of {"host": path, "container": path, "perms": "rwm"}; NULL = none */
	json_t *devices;
	char **device_cgroup_rules; /* "c 1:3 rwm" */
	/* Shown back as sent (api/container_decode_kept.c). */
	char *container_id_file, *volume_driver;
	json_t *annotations; /* object of strings; NULL = none */
	json_t *mounts_sent; /* HostConfig.Mounts as sent; NULL = none */
	/* Replace dockerd's default masked / read-only paths when not NULL. */
	json_t *masked_paths, *readonly_paths;
	json_t *memory_swappiness; /* integer 0..100; NULL = unset (the kernel's) */
};

void spec_release(struct container_spec *s);

/*
 * Deep copy of @s into @ret (overwritten, release it with spec_release):
 * strings, vectors, ports and mounts are duplicated and JSON members deep
 * copied, so the copy shares nothing with @s. Aborts on exhaustion (xalloc).
 */
void spec_copy(const struct container_spec *s, struct container_spec *ret);

/* Serialises to the engine's JSON form (caller owns the result). */
json_t *spec_to_json(const struct container_spec *s);

/*
 * The container's Config in Docker's image-config form (Hostname, Env,
 * Cmd, ExposedPorts, Volumes, Labels, Healthcheck...): what inspect shows
 * as Config and what a commit records as the image's config. A new
 * reference.
 */
json_t *spec_config_json(const struct container_spec *s);

/* Reads what spec_to_json wrote: 0 or -EINVAL with @e. Unknown keys are ignored. */
int spec_from_json(json_t *j, struct container_spec *ret, struct err *e);
