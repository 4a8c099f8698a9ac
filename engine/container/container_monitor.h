/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exit monitor of the container service (container_monitor.c).
 * Threads: one detached thread per running container; it holds a
 * reference to the container until the exit is handled.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/container/container.h"
#include "engine/container/restart.h"
#include "engine/runtime/runtime.h"

/* Starts the thread that waits for @c's exit and then calls container_monitor_exit. */
void container_monitor_start(struct containers *cs, struct container *c);

/*
 * Records exit @x of @c: network back, bundle cleaned, state saved, "oom"
 * and "die" published, then the restart policy (after dockerd's back-off)
 * or AutoRemove. Blocks for the back-off delay.
 */
void container_monitor_exit(struct containers *cs, struct container *c,
			    const struct runtime_exit *x);

/* The same for an exit that recovery found at daemon start: the restart
 * policy as at daemon start (restart_decide), applied at once. */
void container_monitor_exit_found(struct containers *cs, struct container *c,
				  const struct runtime_exit *x);

/*
 * The restart policy (restart_decide, restart.h) applied to @c's spec and
 * state, @when it exits or when the daemon starts; the back-off delay in
 * *ret_delay_ms when not NULL. The caller holds c->mu.
 */
bool container_monitor_should_restart(struct container *c, enum restart_when when,
				      int64_t *ret_delay_ms);
