/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counting semaphore; see slots.h.
 */
#include "config.h"

#include <errno.h>

#include "engine/util/deadline.h"
#include "engine/util/slots.h"

void
slots_init(struct slots *s, unsigned max)
{
	pthread_mutex_init(&s->mu, NULL);
	(void)deadline_cond_init(&s->cv);
	s->max = max ? max : 1;
	s->used = s->waiting = 0;
	s->closed = false;
}

void
slots_close(struct slots *s)
{
	pthread_mutex_lock(&s->mu);
	s->closed = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void
slots_release_all(struct slots *s)
{
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
}

int
slots_acquire(struct slots *s, const atomic_bool *cancel, bool *ret_waited)
{
	bool waited = false;
	int r = 0;

	pthread_mutex_lock(&s->mu);
	s->waiting++;
	while (s->used >= s->max) {
		if (s->closed || (cancel && atomic_load(cancel))) {
			r = -ECANCELED;
			break;
		}
		waited = true;
		(void)deadline_cond_wait_ms(&s->cv, &s->mu, SLOTS_POLL_MS);
	}
	s->waiting--;
	if (r == 0)
		s->used++;
	pthread_mutex_unlock(&s->mu);
	if (ret_waited)
		*ret_waited = waited;
	return r;
}

void
slots_release(struct slots *s)
{
	pthread_mutex_lock(&s->mu);
	if (s->used > 0)
		s->used--;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void
slots_counts(struct slots *s, unsigned *ret_used, unsigned *ret_waiting)
{
	pthread_mutex_lock(&s->mu);
	*ret_used = s->used;
	*ret_waiting = s->waiting;
	pthread_mutex_unlock(&s->mu);
}
