/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event bus: every subsystem publishes what happened (a container was
 * created, an image pulled...), and listeners read them in order. The bus
 * keeps the most recent EVENTS_RING events so a listener can ask for those
 * since a point in time; a listener that falls further behind than the ring
 * skips the lost events rather than slowing publishers down.
 * Publishing never blocks on listeners. Thread-safe; one mutex (events->mu),
 * never held while calling out.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define EVENTS_RING 256

struct events;

struct event {
	uint64_t seq;		/* 1, 2, ... in publishing order */
	int64_t time_ns;
	char *type;		/* container, image, network, volume, daemon */
	char *action;		/* create, start, die, "exec_create: ls", ... */
	char *actor_id;
	json_t *attributes;	/* object of strings (name, image, labels, exitCode...) */
};

struct events *events_new(void);
void events_free(struct events *ev);

/*
 * Publishes an event. @attributes is consumed (may be NULL); string values
 * only. Wakes every waiting listener.
 */
void events_publish(struct events *ev, const char *type, const char *action,
		    const char *actor_id, json_t *attributes);

/*
 * Copies the events after @*cursor into @out (at most @max), oldest first,
 * waiting up to @timeout_ms for at least one when there are none. Advances
 * @*cursor past what it returns. Returns the count (0 on timeout).
 * Start with *cursor = events_cursor_since(ev, since_ns).
 */
int events_wait(struct events *ev, uint64_t *cursor, struct event *out, int max, int timeout_ms);

/* The cursor before the first buffered event at or after @since_ns
 * (since_ns < 0: the current end, i.e. only new events). */
uint64_t events_cursor_since(struct events *ev, int64_t since_ns);

/* Frees the copies events_wait made. */
void event_release(struct event *e);

/* Wakes all listeners (shutdown). */
void events_wake_all(struct events *ev);

/* Number of listeners currently waiting (for /info NEventsListener). */
int events_listeners(struct events *ev);
