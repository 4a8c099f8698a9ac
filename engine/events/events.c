/* SPDX-License-Identifier: Apache-2.0 */
/* The event bus; see events.h. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/events/events.h"
#include "engine/util/deadline.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

struct events {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct event ring[EVENTS_RING];	/* slot = seq % EVENTS_RING */
	uint64_t last_seq;		/* seq of the newest event, 0 = none yet */
	int waiting;
};

struct events *
events_new(void)
{
	struct events *ev = xcalloc(1, sizeof(*ev));

	pthread_mutex_init(&ev->mu, NULL);
	(void)deadline_cond_init(&ev->cv);
	return ev;
}

void
event_release(struct event *e)
{
	free(e->type);
	free(e->action);
	free(e->actor_id);
	json_decref(e->attributes);
	memset(e, 0, sizeof(*e));
}

void
events_free(struct events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < EVENTS_RING; i++)
		event_release(&ev->ring[i]);
	pthread_mutex_destroy(&ev->mu);
	pthread_cond_destroy(&ev->cv);
	free(ev);
}

void
events_publish(struct events *ev, const char *type, const char *action, const char *actor_id,
	       json_t *attributes)
{
	struct event *slot;

	if (!ev) {
		json_decref(attributes);
		return;
	}
	pthread_mutex_lock(&ev->mu);
	ev->last_seq++;
	slot = &ev->ring[ev->last_seq % EVENTS_RING];
	event_release(slot);
	slot->seq = ev->last_seq;
	slot->time_ns = time_now_ns();
	slot->type = xstrdup(type);
	slot->action = xstrdup(action);
	slot->actor_id = xstrdup(actor_id ? actor_id : "");
	slot->attributes = attributes ? attributes : json_object();
	pthread_cond_broadcast(&ev->cv);
	pthread_mutex_unlock(&ev->mu);
}

uint64_t
events_cursor_since(struct events *ev, int64_t since_ns)
{
	uint64_t cur, first;

	pthread_mutex_lock(&ev->mu);
	cur = ev->last_seq;
	if (since_ns >= 0) {
		first = ev->last_seq > EVENTS_RING ? ev->last_seq - EVENTS_RING + 1 : 1;
		cur = ev->last_seq;
		for (uint64_t s = first; s <= ev->last_seq; s++)
			if (ev->ring[s % EVENTS_RING].time_ns >= since_ns) {
				cur = s - 1;
				break;
			}
	}
	pthread_mutex_unlock(&ev->mu);
	return cur;
}

static void
copy_event(struct event *dst, const struct event *src)
{
	dst->seq = src->seq;
	dst->time_ns = src->time_ns;
	dst->type = xstrdup(src->type);
	dst->action = xstrdup(src->action);
	dst->actor_id = xstrdup(src->actor_id);
	dst->attributes = json_deep_copy(src->attributes);
}

int
events_wait(struct events *ev, uint64_t *cursor, struct event *out, int max, int timeout_ms)
{
	struct deadline deadline = deadline_in_ms(timeout_ms);
	int n = 0;

	pthread_mutex_lock(&ev->mu);
	ev->waiting++;
	while (ev->last_seq <= *cursor && timeout_ms > 0)
		if (deadline_cond_wait(&ev->cv, &ev->mu, deadline) < 0)
			break;
	ev->waiting--;
	/* Skip what the ring no longer holds. */
	if (ev->last_seq > EVENTS_RING && *cursor < ev->last_seq - EVENTS_RING)
		*cursor = ev->last_seq - EVENTS_RING;
	while (*cursor < ev->last_seq && n < max) {
		(*cursor)++;
		copy_event(&out[n++], &ev->ring[*cursor % EVENTS_RING]);
	}
	pthread_mutex_unlock(&ev->mu);
	return n;
}

void
events_wake_all(struct events *ev)
{
	pthread_mutex_lock(&ev->mu);
	pthread_cond_broadcast(&ev->cv);
	pthread_mutex_unlock(&ev->mu);
}

int
events_listeners(struct events *ev)
{
	int n;

	pthread_mutex_lock(&ev->mu);
	n = ev->waiting;
	pthread_mutex_unlock(&ev->mu);
	return n;
}
