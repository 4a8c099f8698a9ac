/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hold-until-attached handshake (see hold.h). All timed waits run on
 * CLOCK_MONOTONIC, both the condition variable and the deadlines, so a
 * wall-clock jump neither fires nor postpones them.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "engine/container/hold.h"
#include "engine/util/timeutil.h"

/* How often hold_await polls its cancel callback. */
#define HOLD_POLL_NS (100LL * 1000 * 1000)

/* An absolute CLOCK_MONOTONIC time for pthread_cond_timedwait on h->cv. */
static struct timespec
mono_timespec(int64_t ns)
{
	return (struct timespec){.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
}

void
hold_init(struct hold *h)
{
	pthread_condattr_t ca;

	*h = (struct hold){0};
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
}

void
hold_release(struct hold *h)
{
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
}

uint64_t
hold_enter(struct hold *h)
{
	uint64_t ticket;

	pthread_mutex_lock(&h->mu);
	h->pending++;
	ticket = h->gen;
	pthread_mutex_unlock(&h->mu);
	return ticket;
}

/* Called with h->mu held. */
static void
leave_locked(struct hold *h)
{
	if (h->pending > 0)
		h->pending--;
	pthread_cond_broadcast(&h->cv); /* the holder may be waiting for the last one */
}

void
hold_leave(struct hold *h)
{
	pthread_mutex_lock(&h->mu);
	leave_locked(h);
	pthread_mutex_unlock(&h->mu);
}

int
hold_await(struct hold *h, uint64_t ticket, bool (*cancelled)(void *ud), void *ud)
{
	int r;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		/* the end of the run comes first: an open flag from before it is stale */
		if (h->gen != ticket) {
			r = -ESRCH;
			break;
		}
		if (h->open) {
			pthread_mutex_unlock(&h->mu);
			return 0;
		}
		pthread_mutex_unlock(&h->mu);
		bool stop = cancelled && cancelled(ud);
		pthread_mutex_lock(&h->mu);
		if (stop) {
			r = -ECANCELED;
			break;
		}
		if (h->gen != ticket || h->open)
			continue;
		struct timespec ts = mono_timespec(time_mono_ns() + HOLD_POLL_NS);
		(void)pthread_cond_timedwait(&h->cv, &h->mu, &ts);
	}
	leave_locked(h);
	pthread_mutex_unlock(&h->mu);
	return r;
}

bool
hold_arm(struct hold *h)
{
	bool held;

	pthread_mutex_lock(&h->mu);
	h->open = false;
	held = h->pending > 0;
	pthread_mutex_unlock(&h->mu);
	return held;
}

void
hold_open(struct hold *h)
{
	pthread_mutex_lock(&h->mu);
	h->open = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

int
hold_wait(struct hold *h, int64_t deadline_ns)
{
	struct timespec ts = mono_timespec(deadline_ns);
	int r = 0;

	pthread_mutex_lock(&h->mu);
	while (h->pending > 0 && r == 0)
		if (pthread_cond_timedwait(&h->cv, &h->mu, &ts) == ETIMEDOUT)
			r = h->pending > 0 ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&h->mu);
	return r;
}

void
hold_cancel(struct hold *h)
{
	pthread_mutex_lock(&h->mu);
	h->open = false;
	h->gen++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}
