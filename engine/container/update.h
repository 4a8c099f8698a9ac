/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker update`: new resource limits and restart policy for a container.
 * The spec is changed and saved; for a running container the new limits are
 * written into its cgroup at once (engine/runtime/cgroup.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/container/container.h"
#include "engine/util/err.h"

struct containers;

/* A field left 0 (NULL for strings) is unchanged, as in Docker's Resources. */
struct update_opts {
	int64_t memory, memory_swap, memory_reservation;	/* bytes; swap -1 = unlimited */
	int64_t nano_cpus, cpu_shares, cpu_period, cpu_quota;
	int64_t pids_limit;	/* -1 = unlimited */
	const char *cpuset_cpus, *cpuset_mems;
	const char *restart_policy;	/* NULL/"": unchanged */
	int restart_max_retries;
	int64_t cpu_rt_period, cpu_rt_runtime; /* microseconds (cgroup v1 cpu.rt_*) */
	int blkio_weight;		       /* 10..1000 */
};

/*
 * Validates @u against @c with dockerd's rules and messages (-EINVAL: 400),
 * applies it to the spec, saves it, and updates the cgroup of a running
 * container (-errno with the kernel's refusal, e.g. a memory limit below
 * the current usage). What this kernel cannot limit is dropped with
 * dockerd's warning, appended to @warnings (may stay NULL).
 */
int update_apply(struct containers *cs, struct container *c, const struct update_opts *u,
		 char ***warnings, struct err *e);
