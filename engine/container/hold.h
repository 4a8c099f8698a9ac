/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hold-until-attached handshake: `docker run` (and the builder's RUN)
 * attaches before the container starts; the start then creates the process
 * held just before exec (RUNTIME_START_HELD), lets the waiting attachers
 * connect to the shim, and only then releases it, so no output is lost.
 * This module owns the bookkeeping and the waits of both sides; it knows
 * nothing of shims or sockets (the callers connect and release).
 *
 * Attacher side:                      Holder side (a start):
 *   t = hold_enter(h)                   held = hold_arm(h)
 *   hold_await(h, t, ...) == 0          ... create the process (held if so) ...
 *   ... connect to the shim ...         hold_open(h)     or, on failure, hold_cancel(h)
 *   hold_leave(h)                       if held: hold_wait(h, deadline), then release
 *
 * The run's end (exit, removal) is hold_cancel too: attachers still waiting
 * for that run give up with -ESRCH.
 *
 * Locking: h->mu is a leaf lock. hold_enter, hold_leave, hold_arm, hold_open
 * and hold_cancel never block and may be called with the owner's lock held
 * (c->mu for a container, so that a state check and hold_enter are one
 * step); hold_await and hold_wait block and must be called without it.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct hold {
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* on CLOCK_MONOTONIC */
	unsigned pending;	/* attachers entered and not yet left */
	bool open;		/* the process of the current run exists */
	uint64_t gen;		/* bumped by hold_cancel: the run attempt is over */
};

/* Initialises @h (nobody waiting, not open); hold_release frees it. */
void hold_init(struct hold *h);
void hold_release(struct hold *h);

/*
 * Registers an attacher for the next (or current) run and returns its
 * ticket for hold_await. From now until hold_leave, a start holds its
 * process for this attacher.
 */
uint64_t hold_enter(struct hold *h);

/*
 * Waits until the run's process exists (hold_open), checking
 * @cancelled(@ud) about every 100 ms (NULL: never; it may also do work,
 * such as buffering a client's early stdin; it is called without h->mu).
 * 0: connect now, then hold_leave. -ESRCH: hold_cancel ended the run
 * before that (a failed start, an exit, a removal); -ECANCELED: @cancelled
 * said so. On an error the attacher has left already.
 */
int hold_await(struct hold *h, uint64_t ticket, bool (*cancelled)(void *ud), void *ud);

/* The attacher connected, or failed to: it no longer holds the start back. */
void hold_leave(struct hold *h);

/* Before a start creates the process: whether attachers wait, so it must be held. */
bool hold_arm(struct hold *h);

/* The process exists (held or not): waiting attachers may connect now. */
void hold_open(struct hold *h);

/*
 * Waits until every entered attacher has left, or until @deadline_ns on
 * CLOCK_MONOTONIC (time_mono_ns). 0, or -ETIMEDOUT with attachers still
 * waiting (the holder releases the process anyway).
 */
int hold_wait(struct hold *h, int64_t deadline_ns);

/* The run is over (its start failed, its process ended, its owner is gone). */
void hold_cancel(struct hold *h);
