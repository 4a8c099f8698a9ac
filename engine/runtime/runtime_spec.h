/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct runtime_spec: everything the shim needs to build and run one
 * container (or one exec session), and its on-disk form, the bundle's
 * config.json. The file follows the OCI runtime-spec layout (ociVersion,
 * process, root, hostname, mounts, linux.{namespaces,resources,maskedPaths,
 * readonlyPaths,cgroupsPath}) so it is well-defined and readable by people
 * who know runc; what OCI cannot express lives under the "berth" key
 * (overlay layers, user string resolved inside the container, seccomp
 * choice, log path, --init, stdin handling).
 *
 * The spec is built by berthd (trusted) but parsed by the shim with full
 * validation anyway: counts and lengths are bounded by engine/util/limits.h,
 * every string is checked for type and for embedded NULs. Building a spec
 * from a Docker create request is the container module's job, not this one.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"
#include "engine/util/idmap.h"

enum runtime_netns {
	RUNTIME_NETNS_NONE = 0,	/* new, empty namespace (only lo): --network none */
	RUNTIME_NETNS_PATH,	/* join the namespace at netns_path (bridge, user networks) */
	RUNTIME_NETNS_HOST,	/* stay in the host's namespace */
};

/* How the container gets one of its pid, ipc, uts and cgroup namespaces. */
enum runtime_ns_mode {
	RUNTIME_NS_NEW = 0, /* a new namespace of its own */
	RUNTIME_NS_HOST,    /* the host's (the shim's) */
	RUNTIME_NS_JOIN,    /* the namespace file at path: another container's */
};

struct runtime_ns {
	enum runtime_ns_mode mode;
	char *path; /* JOIN only: "/proc/<pid>/ns/<type>" */
};

/* A device node created in the container (--device), OCI's linux.devices. */
struct runtime_device {
	char *path; /* absolute path in the container */
	char type;  /* 'c' or 'b' */
	uint32_t major, minor;
	uint32_t mode; /* permission bits (the host node's) */
};

enum runtime_seccomp {
	RUNTIME_SECCOMP_DEFAULT = 0, /* Docker's default allowlist, widened by capabilities */
	RUNTIME_SECCOMP_UNCONFINED,  /* --privileged or --security-opt seccomp=unconfined */
	RUNTIME_SECCOMP_PROFILE,     /* --security-opt seccomp=<profile JSON> (seccomp_profile) */
};

/* One blkio setting for a device (--blkio-weight-device, --device-read-bps...). */
enum runtime_blkio_kind {
	RUNTIME_BLKIO_WEIGHT = 0,
	RUNTIME_BLKIO_READ_BPS,
	RUNTIME_BLKIO_WRITE_BPS,
	RUNTIME_BLKIO_READ_IOPS,
	RUNTIME_BLKIO_WRITE_IOPS,
	RUNTIME_BLKIO_KINDS,
};

/* OCI linux.resources.blockIO member names, by enum runtime_blkio_kind. */
extern const char *const runtime_blkio_keys[RUNTIME_BLKIO_KINDS];

struct runtime_blkio_device {
	enum runtime_blkio_kind kind;
	unsigned major, minor;
	uint64_t value; /* weight, bytes or operations per second */
};

/* A process resource limit (--ulimit); -1 is unlimited. */
struct runtime_rlimit {
	int resource; /* RLIMIT_* */
	int64_t soft, hard;
};

/* One OCI mount; @options are OCI option words ("ro", "rbind", "nosuid", "mode=755"...). */
struct runtime_mount {
	char *destination;	/* absolute path inside the container */
	char *type;		/* "bind", "tmpfs", "proc", ... */
	char *source;		/* host path for binds, else a label */
	char **options;		/* NULL-terminated, may be NULL */
};

/* Cgroup limits; 0 means "not set" for every field (Docker's convention). */
struct runtime_resources {
	int64_t memory;		/* bytes, --memory */
	int64_t memory_swap;	/* bytes incl. memory, -1 unlimited, --memory-swap */
	uint64_t cpu_shares;	/* --cpu-shares */
	int64_t cpu_quota;	/* microseconds per period, from --cpus */
	uint64_t cpu_period;	/* microseconds, default 100000 when quota set */
	int64_t pids_limit;	/* --pids-limit; <= 0 unlimited */
	char *cpuset_cpus;	/* --cpuset-cpus, NULL = inherit */
	char *cpuset_mems;
	int64_t cpu_rt_period, cpu_rt_runtime; /* microseconds, v1 cpu.rt_*; 0 = unset */
	uint16_t blkio_weight;		       /* 10..1000; 0 = unset */
	struct runtime_blkio_device *blkio_devices;
	size_t n_blkio_devices;
	bool oom_kill_disable; /* v1 memory.oom_control */
	int64_t swappiness;    /* v1 memory.swappiness 0..100; -1 = unset (inherit) */
	/* Extra devices-cgroup allow rules on top of the defaults ("c 1:3 rwm"):
	 * --device and --device-cgroup-rule. NULL = none. */
	char **device_allow;
};

struct runtime_spec {
	/* process */
	char **args;		/* argv, NULL-terminated, at least one element */
	char **env;		/* "K=V", NULL-terminated */
	char *cwd;		/* absolute; created when missing, as dockerd does */
	char *user;		/* "", "name", "uid", "name:group", "uid:gid" */
	char **additional_groups; /* --group-add: names or gids */
	char **caps;		/* "CAP_X" names: bounding = effective = permitted */
	bool terminal;		/* -t: a PTY instead of pipes */
	bool open_stdin;	/* -i: keep a stdin pipe */
	bool stdin_once;	/* close the container's stdin when the first attach's stdin ends */
	bool no_new_privs;
	unsigned short console_height, console_width;
	bool init;		/* --init: a minimal PID 1 that reaps and forwards signals */
	struct runtime_rlimit *rlimits; /* set in the process before exec */
	size_t n_rlimits;
	bool oom_score_adj_set;
	int oom_score_adj; /* -1000..1000, /proc/self/oom_score_adj */

	/* root file system: overlay of lowerdirs (topmost first) + upperdir, or plain rootfs */
	char **lowerdirs;
	char *upperdir;
	char *workdir;
	char *rootfs;		/* used as-is (bind) when there are no lowerdirs */
	bool readonly_root;
	/* the container layer is thrown away at exit (AutoRemove): its overlay is
	 * not synced before the exit is reported (the shim syncs it after) */
	bool disposable_root;

	char *hostname;
	char *domainname;		/* NULL or "": left as the kernel's default */
	struct runtime_mount *mounts;	/* applied in order after the defaults */
	size_t n_mounts;
	char **masked_paths;
	char **readonly_paths;

	enum runtime_netns netns;
	char *netns_path;
	/* --userns-remap: a new user namespace with these maps (OCI linux.uidMappings,
	 * gidMappings); the layers are idmapped into it. Unset: the host's. For an
	 * exec session, set when the container has its own user namespace. */
	struct idmap userns;
	struct runtime_ns pidns, ipcns, utsns, cgroupns;

	struct runtime_device *devices; /* created after /dev, in order */
	size_t n_devices;
	char **sysctl; /* "key=value", written inside the container's namespaces */
	/* Shareable /dev/shm: the shim mounts a tmpfs of shm_size bytes here on
	 * the host (so another container can bind it) and removes it at exit. */
	char *shm_path;
	int64_t shm_size;

	struct runtime_resources res;
	char *cgroup_path;	/* relative to each hierarchy, e.g. "berth/<id>" */
	bool privileged;	/* all devices; caps and seccomp come from the fields above */
	enum runtime_seccomp seccomp;
	char *seccomp_profile; /* the profile JSON for RUNTIME_SECCOMP_PROFILE */

	char *log_path;		/* json-file log; NULL: no log */
	/* json-file rotation (logfile.h): start a new file before one would pass
	 * log_max_size bytes (0: never), keeping log_max_files files in all
	 * (at least 1), the rotated ones gzipped when log_compress. */
	int64_t log_max_size;
	int log_max_files;
	bool log_compress;
	json_t *log_attrs; /* json-file "attrs" of every entry (labels/env options); NULL: none */

	/* exec sessions: join the namespaces and cgroup of this running
	 * container process instead of creating a container (root, mounts,
	 * hostname and resources are then ignored) */
	int join_pid;
};

/*
 * Fills @spec with dockerd's defaults for a container: Docker's 14
 * capabilities, the default mounts (/proc, /dev, /dev/pts, /dev/shm,
 * /dev/mqueue, /sys, cgroup), dockerd's masked and read-only paths, PATH in
 * env, cwd "/", hostname, cgroup path "berth/<id>" and the default seccomp
 * profile. The caller then fills args, root, log path and anything the
 * create request asks for. @id must be 64 hex digits.
 */
void runtime_spec_init_default(struct runtime_spec *spec, const char *id);

/* Frees everything inside @spec and zeroes it. NULL is fine. */
void runtime_spec_release(struct runtime_spec *spec);

/*
 * Applies Docker's --cap-add/--cap-drop/--privileged semantics to @spec->caps:
 * start from the default set (or every capability when @privileged), drop
 * @drop, then add @add. Names are case-insensitive with or without "CAP_";
 * "ALL" is accepted in both lists. -EINVAL for an unknown capability.
 */
int runtime_spec_set_caps(struct runtime_spec *spec, char *const *add, char *const *drop,
			  bool privileged, struct err *e);

/* Appends a mount (copied). */
/*
 * A privileged container gets /sys and /sys/fs/cgroup read-write, as
 * dockerd gives them; every other container keeps them read-only.
 */
void runtime_spec_clear_sys_readonly(struct runtime_spec *spec);

void runtime_spec_add_mount(struct runtime_spec *spec, const char *dest, const char *type,
			    const char *source, const char *const *options);

/*
 * Serialises @spec as config.json text. Returns a malloc'ed NUL-terminated
 * string the caller frees.
 */
char *runtime_spec_to_json(const struct runtime_spec *spec);

/*
 * Parses and validates config.json text into @ret (which the caller releases
 * with runtime_spec_release, also on failure). -EINVAL names the bad field;
 * -E2BIG when a count or length exceeds its limit.
 */
int runtime_spec_from_json(const char *text, size_t len, struct runtime_spec *ret, struct err *e);

/* Reads <bundle>/config.json: as runtime_spec_from_json, plus -ENOENT. */
int runtime_spec_load(const char *bundle, struct runtime_spec *ret, struct err *e);

/* Writes <bundle>/config.json atomically (mode 0600). */
int runtime_spec_save(const char *bundle, const struct runtime_spec *spec, struct err *e);

/* A devices-cgroup rule, parsed ("c 1:3 rwm"). */
enum runtime_dev_access {
	RUNTIME_DEV_MKNOD = 1 << 0,
	RUNTIME_DEV_READ = 1 << 1,
	RUNTIME_DEV_WRITE = 1 << 2,
};

struct runtime_device_rule {
	char type;	      /* 'a' (any), 'b' or 'c' */
	int64_t major, minor; /* -1 for '*' */
	unsigned access;      /* enum runtime_dev_access bits, at least one */
};

/*
 * Parses a devices-cgroup rule as dockerd's --device-cgroup-rule takes it:
 * "<a|b|c> <major|*>:<minor|*> <r|w|m, 1 to 3 of them>", single spaces.
 * Numbers above UINT32_MAX are refused (the kernel's dev_t halves are
 * 32-bit in the devices cgroup and in its eBPF context). @ret may be NULL.
 * 0 when valid, -EINVAL otherwise.
 */
int runtime_device_rule_parse(const char *rule, struct runtime_device_rule *ret);

/* runtime_device_rule_parse without the result. */
int runtime_device_rule_check(const char *rule);

/* Capability helpers shared by spec building and the shim. */

/* Number of a "CAP_X" name (case-insensitive, "CAP_" optional) or -EINVAL. */
int runtime_cap_from_name(const char *name);

/* The canonical "CAP_X" spelling of capability @cap, or NULL when unknown. */
const char *runtime_cap_name(int cap);

/* RLIMIT_* number of "nofile" or "RLIMIT_NOFILE" (any case), or -EINVAL. */
int runtime_rlimit_from_name(const char *name);

/* "RLIMIT_NOFILE" for RLIMIT_NOFILE, or NULL. */
const char *runtime_rlimit_name(int resource);
