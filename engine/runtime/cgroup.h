/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's cgroups on the host's hierarchy: cgroup v1 (one directory per
 * controller: memory, cpu, cpuacct, cpuset, pids, freezer, devices, blkio,
 * below /sys/fs/cgroup/<ctrl>/<path>) or a v2-only host (one directory below
 * /sys/fs/cgroup/<path>). Limits, attach, freeze, process list, OOM count and
 * usage counters. Used by the shim (create, attach, OOM count, remove) and by
 * berthd (stats, top, pause, cleanup). Not thread-aware: no state is kept,
 * every call works on the file system.
 *
 * @path is relative (e.g. "berth/<id>") and already validated by the spec
 * parser (no leading '/', no "..").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/runtime/runtime_spec.h"
#include "engine/util/err.h"

/* 1 or 2: the hierarchy that carries the resource controllers here. */
int cgroup_version(void);

/*
 * Creates the cgroup in every available hierarchy (intermediate levels too;
 * cpuset.cpus/mems copied down to each level as v1 requires) and writes the
 * limits of @res and the device allow list (dockerd's defaults, then
 * res->device_allow; all devices when @privileged). The allow list goes to
 * the v1 devices controller and, where a cgroup v2 hierarchy is mounted (a
 * v2 host, or the "unified" mount of a hybrid one), into an eBPF device
 * filter attached to the cgroup there (devfilter.h): on a v2 host a failure
 * to attach it fails the call, on a hybrid host it is logged and survived.
 * @ret_filter_fd gets the filter program's fd (-1 when none), which the
 * caller keeps for the cgroup's life. An existing cgroup is reused
 * (restart); its filter is replaced.
 */
int cgroup_create(const char *path, const struct runtime_resources *res, bool privileged,
		  int *ret_filter_fd, struct err *e);

/* What this host's cgroups can limit (dockerd's sysinfo), for create-time checks. */
struct cgroup_sysinfo {
	bool cpu_rt;				/* cpu.rt_period_us / cpu.rt_runtime_us */
	bool oom_kill_disable;			/* memory.oom_control */
	bool blkio_weight;			/* blkio.weight or blkio.bfq.weight (v2: io) */
	bool blkio_device[RUNTIME_BLKIO_KINDS]; /* per-device files, by kind */
	char cpus[256], mems[256];		/* the root cpuset ("0-1"); "" when unknown */
};

/* Reads what the mounted hierarchies offer. Never fails: missing is false. */
void cgroup_sysinfo_read(struct cgroup_sysinfo *ret);

/* Moves @pid into the cgroup in every hierarchy (also the hybrid host's unified one). */
int cgroup_attach(const char *path, pid_t pid, struct err *e);

/*
 * Placement of a new process without a thread-group migration. Writing a
 * pid to cgroup.procs takes the kernel's global cgroup_threadgroup_rwsem for
 * writing, whose first writer after a quiet spell waits for an RCU grace
 * period (1-50 ms on a loaded host; performance.md, "exec, third pass").
 * Two ways around it, used together by the shim: clone3's CLONE_INTO_CGROUP
 * with the directory cgroup_open_v2() returns (the v2 hierarchy: a v2 host,
 * or the hybrid host's unified mount where the cgroup exists), and
 * cgroup_enter_v1(), which a single-threaded child calls on itself: it
 * writes "0" (the calling thread) to `tasks` in every v1 hierarchy, a
 * single-thread migration the kernel does without that lock; the thread is
 * the whole process, and everything it forks or execs inherits the cgroups.
 */
/* O_DIRECTORY fd of the cgroup on the v2 hierarchy; -ENOENT when there is none. */
int cgroup_open_v2(const char *path);
/* Moves the calling thread into the cgroup in every v1 hierarchy (none on a v2 host). */
int cgroup_enter_v1(const char *path, struct err *e);

/* Freezes or thaws every process of the cgroup and waits until it took effect. */
int cgroup_freeze(const char *path, bool frozen, struct err *e);

/* True when the cgroup is frozen (or freezing). */
bool cgroup_is_frozen(const char *path);

/*
 * The pids of the cgroup (host pid namespace view) as a malloc'ed array.
 * -ENOENT when the cgroup does not exist.
 */
int cgroup_pids(const char *path, pid_t **ret, size_t *ret_n);

/* Sends @sig to every process of the cgroup (thawing it first for SIGKILL). */
int cgroup_kill(const char *path, int sig);

/* OOM kills recorded in the cgroup (v1 memory.oom_control oom_kill, v2 memory.events). */
uint64_t cgroup_oom_kills(const char *path);

/* Removes the cgroup from every hierarchy; missing is fine. -EBUSY while populated. */
int cgroup_remove(const char *path);

struct cgroup_kv {
	char key[64];
	uint64_t value;
};

struct cgroup_blkio {
	unsigned major, minor;
	char op[16];		/* "read", "write", "sync", "async", "discard", "total" */
	uint64_t value;
};

/* Counters as `docker stats` needs them; zero where the kernel has none. */
struct cgroup_stats {
	uint64_t cpu_total, cpu_kernel, cpu_user;	/* ns */
	uint64_t system_cpu;				/* host /proc/stat total, ns */
	unsigned online_cpus;
	uint64_t throttle_periods, throttled_periods, throttled_time;
	uint64_t mem_usage, mem_max_usage, mem_limit, mem_failcnt;
	struct cgroup_kv *mem_stats;			/* memory.stat, in file order */
	size_t n_mem_stats;
	uint64_t pids_current, pids_limit;		/* limit 0 = unlimited */
	struct cgroup_blkio *blkio;			/* io_service_bytes */
	size_t n_blkio;
};

/* Reads the counters; the caller releases with cgroup_stats_release. */
int cgroup_stats_read(const char *path, struct cgroup_stats *ret, struct err *e);
void cgroup_stats_release(struct cgroup_stats *st);
