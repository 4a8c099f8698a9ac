/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recovery at daemon start: containers keep running while berthd is down,
 * so a starting berthd asks each one's shim how it is, reconnects to the
 * live ones, records the exits it missed, removes network leftovers of the
 * dead and applies restart policies, as dockerd does at start.
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
#include "engine/container/recover.h"
#include "engine/network/network.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

int
recover_containers(struct containers *cs, struct err *e)
{
	size_t n = 0;
	struct container **list = containers_list(cs, &n);
	_cleanup_strv_ char **live = NULL;
	struct err ignored = ERR_INIT;
	size_t n_live = 0, n_exited = 0;
	int64_t t0 = time_mono_ns();

	(void)e;
	for (size_t i = 0; i < n; i++) {
		struct container *c = list[i];
		_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
		struct runtime_state rs = {0};

		pthread_mutex_lock(&c->mu);
		enum container_status st = c->state.status;
		pthread_mutex_unlock(&c->mu);
		if (st != CONTAINER_RUNNING && st != CONTAINER_PAUSED && st != CONTAINER_RESTARTING)
			continue;
		if (runtime_get_state(bundle, &rs, &ignored) == 0 && rs.status == RUNTIME_RUNNING) {
			pthread_mutex_lock(&c->mu);
			c->state.pid = rs.pid;
			c->state.status = rs.paused ? CONTAINER_PAUSED : CONTAINER_RUNNING;
			pthread_mutex_unlock(&c->mu);
			container_endpoint_refresh(cs, c);
			/* a namespace file that lost its mount is found again by the pid */
			if (network_adopt_netns(cs->net, c->id, rs.pid, &ignored) < 0)
				log_warn("container %.12s: %s", c->id, ignored.msg);
			strv_append(&live, c->id);
			(void)container_dns_sync(cs, c); /* berthd's sockets died with it */
			if (!rs.paused)
				healthmon_resume(cs->health, c);
			container_monitor_start(cs, c);
			log_info("container %.12s is still running (pid %d)", c->id, (int)rs.pid);
			n_live++;
			continue;
		}
		/* It ended while berthd was down, or its shim is gone. */
		struct runtime_exit x = rs.status == RUNTIME_EXITED ? rs.exit : (struct runtime_exit){ 0 };
		if (rs.status != RUNTIME_EXITED) {
			x.exit_code = 128 + SIGKILL; /* its processes died with the shim */
			x.shim_lost = true;
		}
		if (!x.finished_at)
			x.finished_at = time_now_ns();
		log_info("container %.12s exited while berthd was down (code %d)", c->id, x.exit_code);
		n_exited++;
		pthread_mutex_lock(&c->mu);
		c->state.manually_stopped = c->state.manually_stopped || false;
		pthread_mutex_unlock(&c->mu);
		container_monitor_exit_found(cs, c, &x);
	}
	if (!live)
		live = xcalloc(1, sizeof(char *));
	if (network_cleanup_stale(cs->net, live, &ignored) < 0)
		log_warn("network clean-up at start: %s, ignoring", ignored.msg);
	/* Restart policies also apply when the daemon starts. */
	for (size_t i = 0; i < n; i++) {
		struct container *c = list[i];
		pthread_mutex_lock(&c->mu);
		bool again = c->state.status == CONTAINER_EXITED && c->state.has_been_started &&
			     container_monitor_should_restart(c, RESTART_AT_DAEMON_START, NULL);
		pthread_mutex_unlock(&c->mu);
		if (again && !c->removed && lifecycle_start(cs, c, &ignored) < 0)
			log_warn("container %.12s: restart at daemon start failed: %s", c->id,
				 ignored.msg);
	}
	containers_list_free(list, n);
	/* one line a test can read: 1012 asserts on this server-side figure */
	log_info("recovery: %zu containers found running, %zu exited while berthd was down, in "
		 "%lld ms",
		 n_live, n_exited, (long long)((time_mono_ns() - t0) / 1000000));
	return 0;
}
