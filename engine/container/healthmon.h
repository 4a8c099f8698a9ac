/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health monitor: one scheduler thread for every running container
 * with a health check. When a container's probe is due it runs it as an
 * exec (exec.h: exec_create/exec_start with stdout and stderr attached, so
 * exec_create, exec_start and exec_die are published as dockerd does), in
 * a short-lived worker thread so a slow probe never delays another
 * container's; kills it past the check's timeout; records the result in
 * the container's health state (health.h) and publishes
 * "health_status: <status>" when the status changes.
 *
 * Locking: hm->mu guards the entries. Order: hm->mu, then a container's
 * c->mu; the lifecycle calls in here without holding c->mu.
 */
#pragma once

#include "engine/container/container.h"

struct healthmon;

/* Starts the scheduler thread. @cs (the container service, which owns the
 * monitor) is borrowed for the monitor's lifetime. */
int healthmon_new(struct containers *cs, struct healthmon **ret, struct err *e);

/* Stops the scheduler, aborts probes in flight and waits for them (about
 * a second): call it before the exec registry goes. NULL is fine. */
void healthmon_free(struct healthmon *hm);

/*
 * A run of @c began (start, restart): resets its health to "starting" with
 * a zero streak (keeping the log, as moby) and schedules the first probe
 * after the interval (or start interval). No-op without a runnable check.
 */
void healthmon_arm(struct healthmon *hm, struct container *c);

/*
 * Schedules @c's probes again without resetting its health: unpause, and
 * running containers found again when berthd starts.
 */
void healthmon_resume(struct healthmon *hm, struct container *c);

/*
 * Stops @c's probes (stop, exit, pause, removal); a probe in flight is
 * killed and its result dropped. A monitored health becomes "unhealthy",
 * as moby's CloseMonitorChannel does. NULL @hm is fine.
 */
void healthmon_disarm(struct healthmon *hm, struct container *c);
