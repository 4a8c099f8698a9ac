/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container updates: validation as dockerd's verifyContainerResources and
 * update paths do it, then spec + cgroup.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container/lifecycle.h"
#include "engine/container/update.h"
#include "engine/container/container_internal.h"
#include "engine/runtime/cgroup.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

#define MIN_MEMORY (6 * 1024 * 1024)

static int
validate(const struct container_spec *s, const struct update_opts *u, struct err *e)
{
	int64_t mem = u->memory ? u->memory : s->memory;
	int64_t swap = u->memory_swap ? u->memory_swap : s->memory_swap;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	const char *p = u->restart_policy;

	if (u->memory < 0 || u->memory_reservation < 0 || u->nano_cpus < 0 || u->cpu_shares < 0 ||
	    u->cpu_period < 0 || u->memory_swap < -1 || u->pids_limit < -1)
		return err_set(e, -EINVAL, "invalid resource value: negative limits are not allowed");
	if (u->memory > 0 && u->memory < MIN_MEMORY)
		return err_set(e, -EINVAL, "Minimum memory limit allowed is 6MB");
	if (mem > 0 && swap > 0 && swap < mem)
		return err_set(e, -EINVAL,
			       u->memory_swap ? "Minimum memoryswap limit should be larger than memory limit, see usage"
					      : "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
	if (u->memory_swap > 0 && mem == 0)
		return err_set(e, -EINVAL,
			       "You should always set the Memory limit when using Memoryswap limit, see usage");
	if (u->nano_cpus && (u->cpu_quota || u->cpu_period || s->cpu_quota || s->cpu_period))
		return err_set(e, -EINVAL,
			       "Conflicting options: Nano CPUs and CPU Period cannot both be set");
	if ((u->cpu_quota || u->cpu_period) && s->nano_cpus)
		return err_set(e, -EINVAL,
			       "Conflicting options: CPU Quota or CPU Period cannot be updated when NanoCPUs is already set");
	if (u->nano_cpus && (u->nano_cpus < 10000000 || u->nano_cpus > (int64_t)ncpu * 1000000000LL))
		return err_set(e, -EINVAL,
			       "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
			       ncpu, ncpu);
	if (u->cpu_period && (u->cpu_period < 1000 || u->cpu_period > 1000000))
		return err_set(e, -EINVAL, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
	if (u->cpu_quota > 0 && u->cpu_quota < 1000)
		return err_set(e, -EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
	if (u->cpu_rt_period && u->cpu_rt_runtime && u->cpu_rt_runtime > u->cpu_rt_period)
		return err_set(e, -EINVAL,
			       "cpu real-time runtime cannot be higher than cpu real-time period");
	if (u->blkio_weight && (u->blkio_weight < 10 || u->blkio_weight > 1000))
		return err_set(e, -EINVAL, "Range of blkio weight is from 10 to 1000");
	if (u->cpu_shares > 262144)
		return err_set(e, -EINVAL, "invalid CPU shares %lld: the maximum is 262144",
			       (long long)u->cpu_shares);
	if (p && *p) {
		if (strcmp(p, "no") && strcmp(p, "always") && strcmp(p, "on-failure") &&
		    strcmp(p, "unless-stopped"))
			return err_set(e, -EINVAL, "invalid restart policy '%s'", p);
		if (u->restart_max_retries < 0)
			return err_set(e, -EINVAL, "invalid restart policy: maximum retry count cannot be negative");
		if (u->restart_max_retries && strcmp(p, "on-failure") != 0)
			return err_set(e, -EINVAL, "invalid restart policy: maximum retry count can only be used with 'on-failure'");
		if (s->auto_remove && strcmp(p, "no") != 0)
			return err_set(e, -EINVAL,
				       "Restart policy cannot be updated because AutoRemove is enabled for the container");
	}
	return 0;
}

static void
apply_to_spec(struct container_spec *s, const struct update_opts *u)
{
	if (u->memory) {
		s->memory = u->memory;
		if (!u->memory_swap && s->memory_swap > 0 && s->memory_swap < u->memory)
			s->memory_swap = 0;
	}
	if (u->memory_swap)
		s->memory_swap = u->memory_swap;
	if (u->memory_reservation)
		s->memory_reservation = u->memory_reservation;
	if (u->nano_cpus)
		s->nano_cpus = u->nano_cpus;
	if (u->cpu_shares)
		s->cpu_shares = u->cpu_shares;
	if (u->cpu_period)
		s->cpu_period = u->cpu_period;
	if (u->cpu_quota)
		s->cpu_quota = u->cpu_quota;
	if (u->pids_limit)
		s->pids_limit = u->pids_limit;
	if (u->cpuset_cpus && *u->cpuset_cpus) {
		free(s->cpuset_cpus);
		s->cpuset_cpus = xstrdup(u->cpuset_cpus);
	}
	if (u->cpuset_mems && *u->cpuset_mems) {
		free(s->cpuset_mems);
		s->cpuset_mems = xstrdup(u->cpuset_mems);
	}
	if (u->cpu_rt_period)
		s->cpu_rt_period = u->cpu_rt_period;
	if (u->cpu_rt_runtime)
		s->cpu_rt_runtime = u->cpu_rt_runtime;
	if (u->blkio_weight)
		s->blkio_weight = u->blkio_weight;
	if (u->restart_policy && *u->restart_policy) {
		free(s->restart_policy);
		s->restart_policy = xstrdup(u->restart_policy);
		s->restart_max_retries = u->restart_max_retries;
	}
}

/* The limits @u changes, in runtime terms (0 = leave the cgroup file alone). */
static void
changed_resources(const struct container_spec *s, const struct update_opts *u,
		  struct runtime_resources *res)
{
	memset(res, 0, sizeof(*res));
	if (u->memory || u->memory_swap) {
		res->memory = s->memory;
		res->memory_swap = s->memory_swap;
	}
	res->cpu_shares = u->cpu_shares > 0 ? (uint64_t)u->cpu_shares : 0;
	if (u->nano_cpus) {
		res->cpu_period = 100000;
		res->cpu_quota = u->nano_cpus / 10000;
	} else if (u->cpu_quota || u->cpu_period) {
		res->cpu_period = s->cpu_period > 0 ? (uint64_t)s->cpu_period : 100000;
		res->cpu_quota = s->cpu_quota > 0 ? s->cpu_quota : -1;
	}
	/* pids.max takes "max" only through cgroup_create's > 0 path: unlimited
	 * is written as the kernel's largest value instead. */
	res->pids_limit = u->pids_limit == -1 ? 4194304 /* PID_MAX_LIMIT */ : u->pids_limit;
	res->cpuset_cpus = (char *)u->cpuset_cpus;
	res->cpuset_mems = (char *)u->cpuset_mems;
	res->cpu_rt_period = u->cpu_rt_period;
	res->cpu_rt_runtime = u->cpu_rt_runtime;
	res->blkio_weight = (uint16_t)u->blkio_weight;
}

static int
update_cgroup(struct containers *cs, struct container *c, int64_t old_memory,
	      const struct update_opts *u, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	struct runtime_spec rs = {0};
	struct runtime_resources res;
	int r, filter = -1;

	r = runtime_spec_load(bundle, &rs, e);
	if (r < 0 || !rs.cgroup_path) {
		runtime_spec_release(&rs);
		return r < 0 ? r : err_set(e, -EIO, "container %s has no cgroup", c->id);
	}
	pthread_mutex_lock(&c->mu);
	changed_resources(&c->spec, u, &res);
	pthread_mutex_unlock(&c->mu);
	/* the device rules are rewritten with the limits: keep the container's
	 * own (--device, --device-cgroup-rule), not only the defaults */
	res.device_allow = rs.res.device_allow;
	r = cgroup_create(rs.cgroup_path, &res, c->spec.privileged, &filter, e);
	if (r < 0 && res.memory > old_memory && old_memory > 0) {
		/* v1 wants memory <= memsw at every step: raise memsw first. */
		struct runtime_resources pre = {.memory = old_memory,
						.memory_swap = res.memory_swap ? res.memory_swap
									       : 2 * res.memory,
						.device_allow = rs.res.device_allow};
		err_clear(e);
		r = cgroup_create(rs.cgroup_path, &pre, c->spec.privileged, &filter, e);
		filter = safe_close(filter);
		if (r == 0)
			r = cgroup_create(rs.cgroup_path, &res, c->spec.privileged, &filter, e);
	}
	/* the attachment holds the new device filter; the shim's fd is of the old one */
	safe_close(filter);
	runtime_spec_release(&rs);
	if (r < 0)
		return err_prefix(e, "Cannot update container %s", c->id);
	return 0;
}

/*
 * dockerd's update checks the new values alone against the kernel, as at
 * create (verifyPlatformContainerResources with update=true).
 */
static int
check_kernel(struct update_opts *u, char ***warnings, struct err *e)
{
	struct cgroup_sysinfo si;

	if (!u->cpu_rt_period && !u->cpu_rt_runtime && !u->blkio_weight)
		return 0;
	cgroup_sysinfo_read(&si);
	if ((u->cpu_rt_period || u->cpu_rt_runtime) && !si.cpu_rt)
		return err_set(e, -EINVAL, "Your kernel does not support CPU real-time scheduler");
	if (u->blkio_weight && !si.blkio_weight) {
		strv_append(warnings, "Your kernel does not support Block I/O weight or the cgroup "
				      "is not mounted. Weight discarded.");
		u->blkio_weight = 0;
	}
	return 0;
}

int
update_apply(struct containers *cs, struct container *c, const struct update_opts *opts,
	     char ***warnings, struct err *e)
{
	struct update_opts copy = *opts, *u = &copy;
	struct container_spec saved;
	int64_t old_memory;
	bool running;
	int r;

	if ((r = check_kernel(u, warnings, e)) < 0)
		return r;
	pthread_mutex_lock(&c->mu);
	r = validate(&c->spec, u, e);
	running = c->state.status == CONTAINER_RUNNING || c->state.status == CONTAINER_PAUSED;
	old_memory = c->spec.memory;
	saved = c->spec;
	if (r == 0)
		apply_to_spec(&c->spec, u);
	pthread_mutex_unlock(&c->mu);
	if (r < 0)
		return r;
	if (running && (r = update_cgroup(cs, c, old_memory, u, e)) < 0) {
		/* Keep the numbers the cgroup still has. */
		pthread_mutex_lock(&c->mu);
		c->spec.memory = saved.memory;
		c->spec.memory_swap = saved.memory_swap;
		c->spec.nano_cpus = saved.nano_cpus;
		c->spec.cpu_shares = saved.cpu_shares;
		c->spec.cpu_period = saved.cpu_period;
		c->spec.cpu_quota = saved.cpu_quota;
		c->spec.pids_limit = saved.pids_limit;
		c->spec.cpu_rt_period = saved.cpu_rt_period;
		c->spec.cpu_rt_runtime = saved.cpu_rt_runtime;
		c->spec.blkio_weight = saved.blkio_weight;
		pthread_mutex_unlock(&c->mu);
		return r;
	}
	r = container_save(c, e);
	if (r < 0)
		return r;
	lifecycle_event(cs, c, "update", NULL);
	return 0;
}
