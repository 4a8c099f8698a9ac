/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "engine/events/events.h"
#include "engine/util/timeutil.h"

Test(events, listener_sees_new_events_in_order)
{
	struct events *ev = events_new();
	uint64_t cur = events_cursor_since(ev, -1);
	struct event out[8];

	events_publish(ev, "container", "create", "abc", NULL);
	events_publish(ev, "container", "start", "abc", json_pack("{s:s}", "name", "x"));
	cr_assert_eq(events_wait(ev, &cur, out, 8, 100), 2);
	cr_expect_str_eq(out[0].action, "create");
	cr_expect_str_eq(out[1].action, "start");
	cr_expect_str_eq(json_string_value(json_object_get(out[1].attributes, "name")), "x");
	cr_expect_lt(out[0].seq, out[1].seq);
	event_release(&out[0]);
	event_release(&out[1]);
	cr_expect_eq(events_wait(ev, &cur, out, 8, 10), 0);
	events_free(ev);
}

Test(events, since_replays_buffered_and_ring_drops_oldest)
{
	struct events *ev = events_new();
	struct event out[EVENTS_RING];
	uint64_t cur;
	int n;

	for (int i = 0; i < EVENTS_RING + 10; i++)
		events_publish(ev, "image", "tag", "x", NULL);
	cur = events_cursor_since(ev, 0);
	n = events_wait(ev, &cur, out, EVENTS_RING, 10);
	cr_expect_eq(n, EVENTS_RING);
	cr_expect_eq(out[0].seq, 11);
	for (int i = 0; i < n; i++)
		event_release(&out[i]);
	cur = events_cursor_since(ev, time_now_ns() + 1000000000LL);
	cr_expect_eq(events_wait(ev, &cur, out, 4, 10), 0);
	events_free(ev);
}
