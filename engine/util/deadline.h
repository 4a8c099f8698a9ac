/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deadlines on the monotonic clock and timed waits on condition variables
 * that use it, so that a wall-clock jump never stretches or cuts a wait.
 * Every condition variable waited on with deadline_cond_wait must come
 * from deadline_cond_init. Waits on a hold protocol live with it
 * (container/attach); this module only supplies the clock arithmetic.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* A point on CLOCK_MONOTONIC in nanoseconds; INT64_MAX: never. */
struct deadline {
	int64_t at_ns;
};

#define DEADLINE_NEVER ((struct deadline){ .at_ns = INT64_MAX })

/* The deadline @ms milliseconds from now; a negative @ms means never. */
struct deadline deadline_in_ms(int64_t ms);

/* True once the deadline has passed (never for DEADLINE_NEVER). */
bool deadline_passed(struct deadline d);

/*
 * Milliseconds left, rounded up so that a poll() with it does not wake
 * early, clamped to [0, INT32_MAX]; -1 for DEADLINE_NEVER (poll's "no
 * timeout").
 */
int deadline_remaining_ms(struct deadline d);

/* @d as an absolute CLOCK_MONOTONIC timespec (far future for never). */
void deadline_timespec(struct deadline d, struct timespec *ret);

/* pthread_cond_init with a CLOCK_MONOTONIC attribute: 0 or -errno. */
int deadline_cond_init(pthread_cond_t *cv);

/*
 * One pthread_cond_timedwait on @cv (from deadline_cond_init) with @mu held
 * until @d: 0 when woken (possibly spuriously: re-check the predicate),
 * -ETIMEDOUT once the deadline passed. DEADLINE_NEVER waits untimed.
 */
int deadline_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, struct deadline d);

/* deadline_cond_wait for at most @ms milliseconds from now. */
int deadline_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms);
