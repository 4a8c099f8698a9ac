/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /events: replays buffered events since `since`, then streams new ones
 * as JSON lines until `until` (or forever), filtered as dockerd filters them.
 * Headers go out at once, as clients wait on them (docker-api-protocol.md §8.1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/events.h"
#include "api/filters.h"
#include "api/request.h"
#include "api/stream.h"
#include "engine/engine.h"
#include "engine/events/events.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

struct events_job {
	struct events *bus;
	struct filters *filters;
	int64_t since_ns;	/* -1: only new events */
	int64_t until_ns;	/* -1: forever */
};

static void
job_free(void *p)
{
	struct events_job *j = p;

	filters_free(j->filters);
	free(j);
}

static const char *
attr(const struct event *ev, const char *key)
{
	return json_string_value(json_object_get(ev->attributes, key));
}

/* moby's events filter: every given key must match. */
static bool
event_matches(const struct filters *f, const struct event *ev)
{
	size_t alen = strcspn(ev->action, ":");
	char action[64];
	bool ok = false;

	snprintf(action, sizeof(action), "%.*s", (int)alen, ev->action);
	if (filters_has(f, "event") && !filters_match_exact(f, "event", ev->action) &&
	    !filters_match_exact(f, "event", action))
		return false;
	if (!filters_match_exact(f, "type", ev->type))
		return false;
	if (!filters_match_labels(f, "label", ev->attributes))
		return false;
	if (!filters_match_exact(f, "scope", "local"))
		return false;
	if (filters_has(f, "daemon") && strcmp(ev->type, "daemon") != 0)
		return false;
	static const char *const kinds[] = { "container", "image", "network", "volume" };
	for (size_t k = 0; k < 4; k++) {
		const char *key = kinds[k];
		if (!filters_has(f, key))
			continue;
		ok = false;
		for (size_t i = 0; i < filters_count(f, key) && !ok; i++) {
			const char *want = filters_value(f, key, i);
			bool same_type = strcmp(ev->type, key) == 0;
			if (same_type && (strcmp(ev->actor_id, want) == 0 ||
					  str_startswith(ev->actor_id, want, NULL) ||
					  (attr(ev, "name") && strcmp(attr(ev, "name"), want) == 0)))
				ok = true;
			/* An image filter also matches container events of that image. */
			if (!same_type && strcmp(key, "image") == 0 && attr(ev, "image") &&
			    strcmp(attr(ev, "image"), want) == 0)
				ok = true;
			if (!same_type && strcmp(key, "container") == 0 &&
			    strcmp(ev->type, "network") == 0 && attr(ev, "container") &&
			    str_startswith(attr(ev, "container"), want, NULL))
				ok = true;
		}
		if (!ok)
			return false;
	}
	return true;
}

static json_t *
event_json(const struct event *ev)
{
	json_t *o = json_object();
	bool container = strcmp(ev->type, "container") == 0;

	/* Deprecated mirrors, still read by old clients. */
	if (container || strcmp(ev->type, "image") == 0) {
		json_object_set_new(o, "status", api_json_string(ev->action));
		json_object_set_new(o, "id", api_json_string(ev->actor_id));
	}
	if (container && attr(ev, "image"))
		json_object_set_new(o, "from", api_json_string(attr(ev, "image")));
	json_object_set_new(o, "Type", api_json_string(ev->type));
	json_object_set_new(o, "Action", api_json_string(ev->action));
	json_object_set_new(o, "Actor", json_pack("{s:o,s:O}", "ID", api_json_string(ev->actor_id),
						  "Attributes", ev->attributes));
	json_object_set_new(o, "scope", json_string("local"));
	json_object_set_new(o, "time", json_integer(ev->time_ns / 1000000000LL));
	json_object_set_new(o, "timeNano", json_integer(ev->time_ns));
	return o;
}

static int
events_producer(struct api_stream *s, void *arg, struct err *e)
{
	struct events_job *j = arg;
	uint64_t cur = events_cursor_since(j->bus, j->since_ns);
	struct event batch[32];

	(void)e;
	for (;;) {
		int n, r = 0;
		bool past_until = false;

		if (api_stream_cancelled(s))
			return 0;
		if (j->until_ns >= 0 && time_now_ns() >= j->until_ns) {
			/* Deliver what is buffered up to until, then end. */
			n = events_wait(j->bus, &cur, batch, 32, 0);
			if (n == 0)
				return 0;
		} else {
			n = events_wait(j->bus, &cur, batch, 32, 1000);
		}
		for (int i = 0; i < n; i++) {
			if (j->until_ns >= 0 && batch[i].time_ns > j->until_ns)
				past_until = true;
			if (r == 0 && !past_until && event_matches(j->filters, &batch[i]))
				r = api_stream_json_nl(s, event_json(&batch[i]));
			event_release(&batch[i]);
		}
		if (r < 0 || past_until)
			return 0;
	}
}

static int
parse_time(struct api_request *r, const char *key, int64_t *ret)
{
	const char *v = api_query(r, key);

	*ret = -1;
	if (!v || !*v)
		return 0;
	if (time_parse_timestamp(v, ret) < 0) {
		api_reply_errorf(r, 400, "invalid value for %s: \"%s\"", key, v);
		return -1;
	}
	return 0;
}

/* operationId: SystemEvents */
static void
api_events_get(struct api_request *r)
{
	static const char *const keys[] = { "container", "image", "event", "type", "label",
					    "network", "volume", "daemon", "plugin", "scope",
					    "node", "service", "secret", "config", NULL };
	struct events_job *j = xcalloc(1, sizeof(*j));
	struct err e = ERR_INIT;

	j->bus = r->ctx->engine->events;
	if (filters_parse(api_query(r, "filters"), &j->filters, &e) < 0 ||
	    filters_check_keys(j->filters, keys, &e) < 0) {
		job_free(j);
		api_reply_err(r, &e);
		return;
	}
	if (parse_time(r, "since", &j->since_ns) < 0 || parse_time(r, "until", &j->until_ns) < 0) {
		job_free(j);
		return;
	}
	if (j->since_ns < 0 && j->until_ns >= 0 && j->until_ns <= time_now_ns())
		j->since_ns = 0; /* until in the past without since: the buffered ones */
	api_reply_stream(r, "application/json", 0, events_producer, j, job_free);
}

const struct api_route api_events_routes[] = {
	{ "GET", "/events", api_events_get, API_BODY_NONE },
	{ 0 },
};
