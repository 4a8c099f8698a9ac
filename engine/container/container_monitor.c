/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exit monitor: one thread per running container waits for its shim to
 * report the exit, records it, publishes oom/die, and applies the restart
 * policy (dockerd's back-off) or AutoRemove. Starting and removing are
 * lifecycle.c's; the process itself is the shim's.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container/container_dns.h"
#include "engine/container/container_endpoint.h"
#include "engine/container/container_internal.h"
#include "engine/container/container_monitor.h"
#include "engine/container/healthmon.h"
#include "engine/container/lifecycle.h"
#include "engine/container/restart.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/thread.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

struct monitor_arg {
	struct containers *cs;
	struct container *c;
};

static void *
monitor_main(void *p)
{
	struct monitor_arg *a = p;
	struct runtime_exit x = {0};
	struct err e = ERR_INIT;
	_cleanup_free_ char *bundle = lifecycle_bundle(a->cs, a->c);

	/* A process that ends at once can take its shim down while our wait
	 * request is in flight (ECONNRESET): exit.json is then already written,
	 * so ask for the state before declaring the exit unknown. */
	for (int attempt = 0;; attempt++) {
		struct runtime_state rs = {0};
		struct err e2 = ERR_INIT;

		if (runtime_wait(bundle, -1, &x, &e) == 0)
			break;
		if (runtime_get_state(bundle, &rs, &e2) == 0 && rs.status == RUNTIME_EXITED) {
			x = rs.exit;
			break;
		}
		if (attempt >= 50 || (e2.code == 0 && rs.status != RUNTIME_RUNNING)) {
			log_warn("container %.12s: waiting for exit: %s", a->c->id, e.msg);
			x.exit_code = 128 + SIGKILL; /* its processes died with the shim */
			x.shim_lost = true;
			x.finished_at = time_now_ns();
			break;
		}
		struct timespec ts = { 0, 100000000L };
		nanosleep(&ts, NULL);
		err_clear(&e);
	}
	trace_point("exit.notice", a->c->id);
	container_monitor_exit(a->cs, a->c, &x);
	container_unref(a->c);
	free(a);
	return NULL;
}

void
container_monitor_start(struct containers *cs, struct container *c)
{
	struct monitor_arg *a = xcalloc(1, sizeof(*a));

	a->cs = cs;
	a->c = container_ref(c);
	if (thread_spawn_detached(monitor_main, a, 256 * 1024) < 0) {
		log_error("container %.12s: cannot start its monitor thread", c->id);
		container_unref(c);
		free(a);
	}
}

bool
container_monitor_should_restart(struct container *c, enum restart_when when,
				  int64_t *ret_delay_ms)
{
	const struct restart_facts f = {
		.policy = c->spec.restart_policy,
		.max_retries = c->spec.restart_max_retries,
		.exit_code = c->state.exit_code,
		.restart_count = c->state.restart_count,
		.manually_stopped = c->state.manually_stopped,
		.removed = c->removed,
		.ran_ns = c->state.finished_ns - c->state.started_ns,
		.when = when,
	};
	return restart_decide(&f, ret_delay_ms);
}

/* The restart of a policy, after its back-off delay: claimed under the lock
 * while still "restarting", so a stop now waits for this start and then
 * stops it, instead of seeing "exited" and letting the restart go ahead. */
static void
restart_now(struct containers *cs, struct container *c, bool count)
{
	struct err ignored = ERR_INIT;

	pthread_mutex_lock(&c->mu);
	bool still = c->state.status == CONTAINER_RESTARTING && !c->removed &&
		     !c->state.manually_stopped && !c->starting;
	if (still) {
		if (count)
			c->state.restart_count++;
		c->starting = true;
	}
	pthread_mutex_unlock(&c->mu);
	if (still && lifecycle_start_claimed(cs, c, &ignored) < 0)
		log_warn("container %.12s: restart failed: %s", c->id, ignored.msg);
}

static void
monitor_exit(struct containers *cs, struct container *c, const struct runtime_exit *x,
	     enum restart_when when)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	struct err ignored = ERR_INIT;
	char code[16];
	int64_t delay = 0;
	bool restart, autorm;
	uint64_t gen = container_net_gen(c);
	int r;

	healthmon_disarm(cs->health, c);
	r = container_endpoint_detach(cs, c, true);
	(void)container_dns_sync(cs, c); /* the endpoint is gone: detaches */
	trace_point("exit.net_detached", c->id);
	if (runtime_cleanup(bundle, &ignored) == 0 && r == 0)
		container_mark_clean(c, gen); /* a removal has nothing to look for */
	trace_point("exit.bundle_cleaned", c->id);
	pthread_mutex_lock(&c->mu);
	c->state.status = CONTAINER_EXITED;
	c->state.exit_code = x->exit_code;
	c->state.oom_killed = x->oom_killed;
	c->state.pid = 0;
	c->state.finished_ns = x->finished_at ? x->finished_at : time_now_ns();
	if (x->shim_lost) {
		/* dockerd shows only the 137 of its shim clean-up; the reason is
		 * worth a word in State.Error, which the next start clears. */
		free(c->state.error);
		c->state.error = xstrdup("container's shim (berth-shim) died: the container was "
					 "killed");
	}
	restart = container_monitor_should_restart(c, when, &delay);
	autorm = c->spec.auto_remove && !restart;
	if (restart)
		c->state.status = CONTAINER_RESTARTING;
	pthread_mutex_unlock(&c->mu);
	/* AutoRemove: the removal below is the durable step, so "exited" is not
	 * written first. A crash before it leaves state.json saying "running",
	 * and recovery (recover.c) finds the shim gone and comes back here to
	 * finish the removal; an "exited" on disk would have kept the container. */
	if (!autorm)
		(void)container_save_state(c, &ignored);
	trace_point("exit.state_saved", c->id);
	snprintf(code, sizeof(code), "%d", x->exit_code);
	lifecycle_exit_recorded(cs, c, x->oom_killed, code);
	trace_point("exit.die_published", c->id);
	if (restart) {
		struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		/* dockerd's restore starts such a container without counting a restart */
		restart_now(cs, c, when == RESTART_ON_EXIT);
	} else if (autorm) {
		(void)lifecycle_remove(cs, c, true, true, &ignored);
	}
}

void
container_monitor_exit(struct containers *cs, struct container *c, const struct runtime_exit *x)
{
	monitor_exit(cs, c, x, RESTART_ON_EXIT);
}

/* An exit found by recovery at daemon start is handled as dockerd's restore
 * does: the policy is judged as at daemon start and applied at once, with no
 * back-off. With the back-off here, recovery slept it out before berthd
 * served: the crash loop (9008) saw a --restart always container whose shim
 * was killed again and again hold berthd's start-up for 12.8 s. */
void
container_monitor_exit_found(struct containers *cs, struct container *c,
			     const struct runtime_exit *x)
{
	monitor_exit(cs, c, x, RESTART_AT_DAEMON_START);
}
