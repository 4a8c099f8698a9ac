/* SPDX-License-Identifier: Apache-2.0 */
/* /volumes: dockerd's volume API over engine/volume (docker-api-protocol.md §8.4). */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/filters.h"
#include "api/request.h"
#include "api/volumes.h"
#include "engine/engine.h"
#include "engine/events/events.h"
#include "engine/util/cleanup.h"
#include "engine/util/timeutil.h"
#include "engine/volume/volume.h"

static void
publish(struct engine *eng, const char *action, const char *name)
{
	events_publish(eng->events, "volume", action, name, json_pack("{s:s}", "driver", "local"));
}

static json_t *
volume_json(const struct volume_info *v, bool usage, struct volumes *vs)
{
	char created[TIME_STR_MAX];
	json_t *o;

	/* dockerd prints whole seconds here. */
	time_format_rfc3339nano(v->created_ns / 1000000000LL * 1000000000LL, created);
	o = json_pack("{s:s,s:s,s:O,s:o,s:o,s:O,s:s}", "CreatedAt", created, "Driver", "local",
		      "Labels", v->labels, "Mountpoint", api_json_string(v->mountpoint), "Name",
		      api_json_string(v->name), "Options", v->options, "Scope", "local");
	if (usage) {
		json_t *users = volume_users(vs, v->name);
		json_object_set_new(o, "UsageData",
				    json_pack("{s:I,s:I}", "Size", (json_int_t)volume_size(v),
					      "RefCount", (json_int_t)json_array_size(users)));
		json_decref(users);
	} else {
		json_object_set_new(o, "UsageData", json_null());
	}
	return o;
}

static bool
name_matches(const struct filters *f, const char *name)
{
	size_t n = filters_count(f, "name");

	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		regex_t re;
		bool m;
		/* moby matches names as regular expressions (substring). */
		if (regcomp(&re, filters_value(f, "name", i), REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		m = regexec(&re, name, 0, NULL, 0) == 0;
		regfree(&re);
		if (m)
			return true;
	}
	return false;
}

/* operationId: VolumeList */
static void
api_volumes_list(struct api_request *r)
{
	static const char *const keys[] = { "dangling", "driver", "label", "name", NULL };
	struct volumes *vs = r->ctx->engine->volumes;
	_cleanup_filters_ struct filters *f = NULL;
	struct volume_info *list = NULL;
	struct err e = ERR_INIT;
	bool dangling = false, want_dangling;
	size_t n = 0;
	json_t *arr;

	if (filters_parse(api_query(r, "filters"), &f, &e) < 0 ||
	    filters_check_keys(f, keys, &e) < 0 ||
	    filters_get_bool(f, "dangling", false, &dangling, &e) < 0 ||
	    volume_list(vs, &list, &n, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	want_dangling = filters_has(f, "dangling");
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		struct volume_info *v = &list[i];
		bool keep = filters_match_exact(f, "driver", "local") &&
			    filters_match_labels(f, "label", v->labels) && name_matches(f, v->name);
		if (keep && want_dangling) {
			json_t *users = volume_users(vs, v->name);
			keep = (json_array_size(users) == 0) == dangling;
			json_decref(users);
		}
		if (keep)
			json_array_append_new(arr, volume_json(v, false, vs));
		volume_info_release(v);
	}
	free(list);
	api_reply_json(r, 200, json_pack("{s:o,s:[]}", "Volumes", arr, "Warnings"));
}

/* operationId: VolumeCreate */
static void
api_volumes_create(struct api_request *r)
{
	_cleanup_json_ json_t *body = NULL;
	struct volume_info v = {0};
	struct err e = ERR_INIT;
	json_t *name, *driver, *labels, *opts;

	if (api_body_json(r, true, &body) < 0)
		return;
	name = json_object_get(body, "Name");
	driver = json_object_get(body, "Driver");
	labels = json_object_get(body, "Labels");
	opts = json_object_get(body, "DriverOpts");
	if (name && !json_is_string(name) && !json_is_null(name)) {
		api_reply_errorf(r, 400, "json: cannot unmarshal into field Name of type string");
		return;
	}
	if (driver && !json_is_null(driver) && (!json_is_string(driver) ||
	    (*json_string_value(driver) && strcmp(json_string_value(driver), "local") != 0))) {
		api_reply_errorf(r, 404, "error looking up volume plugin %s: plugin \"%s\" not found",
				 json_string_value(driver) ? json_string_value(driver) : "?",
				 json_string_value(driver) ? json_string_value(driver) : "?");
		return;
	}
	if ((labels && !json_is_null(labels) && !json_is_object(labels)) ||
	    (opts && !json_is_null(opts) && !json_is_object(opts))) {
		api_reply_errorf(r, 400, "json: Labels and DriverOpts must be objects of strings");
		return;
	}
	if (volume_create(r->ctx->engine->volumes, json_string_value(name),
			  json_is_object(labels) ? labels : NULL, json_is_object(opts) ? opts : NULL,
			  false, &v, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	publish(r->ctx->engine, "create", v.name);
	api_reply_json(r, 201, volume_json(&v, false, NULL));
	volume_info_release(&v);
}

/* operationId: VolumeInspect */
static void
api_volumes_inspect(struct api_request *r)
{
	struct volume_info v = {0};
	struct err e = ERR_INIT;

	if (volume_get(r->ctx->engine->volumes, r->params[0], &v, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_json(r, 200, volume_json(&v, false, NULL));
	volume_info_release(&v);
}

/* operationId: VolumeDelete */
static void
api_volumes_delete(struct api_request *r)
{
	struct err e = ERR_INIT;

	if (volume_remove(r->ctx->engine->volumes, r->params[0], api_query_bool(r, "force", false),
			  &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	publish(r->ctx->engine, "destroy", r->params[0]);
	api_reply_empty(r, 204);
}

static bool
prune_keep(const struct volume_info *v, void *ud)
{
	const struct filters *f = ud;
	return !filters_match_labels(f, "label", v->labels) ||
	       !filters_match_labels(f, "label!", v->labels);
}

/* operationId: VolumePrune */
static void
api_volumes_prune(struct api_request *r)
{
	static const char *const keys[] = { "label", "label!", "all", NULL };
	_cleanup_filters_ struct filters *f = NULL;
	struct err e = ERR_INIT;
	json_t *names = json_array();
	int64_t bytes = 0;
	bool all = false;

	if (filters_parse(api_query(r, "filters"), &f, &e) < 0 ||
	    filters_check_keys(f, keys, &e) < 0 || filters_get_bool(f, "all", false, &all, &e) < 0) {
		json_decref(names);
		api_reply_err(r, &e);
		return;
	}
	/* Before API 1.42 prune removed named volumes too. */
	if (api_version_lt(r, 1, 42))
		all = true;
	if (volume_prune(r->ctx->engine->volumes, all, prune_keep, f, names, &bytes, &e) < 0) {
		json_decref(names);
		api_reply_err(r, &e);
		return;
	}
	for (size_t i = 0; i < json_array_size(names); i++)
		publish(r->ctx->engine, "destroy",
				      json_string_value(json_array_get(names, i)));
	if (json_array_size(names) == 0) {
		json_decref(names);
		names = json_null();
	}
	api_reply_json(r, 200, json_pack("{s:o,s:I}", "VolumesDeleted", names, "SpaceReclaimed",
					 (json_int_t)bytes));
}

/*
 * operationId: VolumeUpdate. Only cluster (swarm) volumes can be updated;
 * dockerd outside a swarm answers 503 before reading the query or body.
 */
static void
api_volumes_update(struct api_request *r)
{
	struct err e = ERR_INIT;

	err_set(&e, -EAGAIN,
		"volume update only valid for cluster volumes, but swarm is unavailable");
	api_reply_err(r, &e);
}

const struct api_route api_volumes_routes[] = {
	{"GET", "/volumes", api_volumes_list, API_BODY_NONE},
	{"POST", "/volumes/create", api_volumes_create, API_BODY_JSON},
	{"POST", "/volumes/prune", api_volumes_prune, API_BODY_NONE},
	{"GET", "/volumes/{name}", api_volumes_inspect, API_BODY_NONE},
	{"DELETE", "/volumes/{name}", api_volumes_delete, API_BODY_NONE},
	{"PUT", "/volumes/{name}", api_volumes_update, API_BODY_NONE},
	{0},
};
