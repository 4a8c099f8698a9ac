/* SPDX-License-Identifier: Apache-2.0 */
/* Monotonic deadlines and timed condition waits; see deadline.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>

#include "engine/util/deadline.h"
#include "engine/util/timeutil.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

struct deadline
deadline_in_ms(int64_t ms)
{
	int64_t now = time_mono_ns();

	if (ms < 0 || ms > (INT64_MAX - now) / NS_PER_MS)
		return DEADLINE_NEVER;
	return (struct deadline){ .at_ns = now + ms * NS_PER_MS };
}

bool
deadline_passed(struct deadline d)
{
	return d.at_ns != INT64_MAX && time_mono_ns() >= d.at_ns;
}

int
deadline_remaining_ms(struct deadline d)
{
	int64_t left;

	if (d.at_ns == INT64_MAX)
		return -1;
	left = d.at_ns - time_mono_ns();
	if (left <= 0)
		return 0;
	left = (left + NS_PER_MS - 1) / NS_PER_MS;
	return left > INT_MAX ? INT_MAX : (int)left;
}

void
deadline_timespec(struct deadline d, struct timespec *ret)
{
	ret->tv_sec = (time_t)(d.at_ns / NS_PER_S);
	ret->tv_nsec = (long)(d.at_ns % NS_PER_S);
}

int
deadline_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	int r;

	r = pthread_condattr_init(&ca);
	if (r != 0)
		return -r;
	r = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (r == 0)
		r = pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
	return -r;
}

int
deadline_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, struct deadline d)
{
	struct timespec ts;

	if (d.at_ns == INT64_MAX)
		return -pthread_cond_wait(cv, mu);
	deadline_timespec(d, &ts);
	return pthread_cond_timedwait(cv, mu, &ts) == ETIMEDOUT ? -ETIMEDOUT : 0;
}

int
deadline_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms)
{
	return deadline_cond_wait(cv, mu, deadline_in_ms(ms));
}
