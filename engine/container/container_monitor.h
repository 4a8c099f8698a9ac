/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exit monitor of the container service (container_monitor.c).
 * Threads: one detached thread per running container; it holds a
 * reference to the container until the exit is handled.
 */
#pragma once

#include "engine/container/container.h"
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
