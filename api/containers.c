/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /containers: create, list, inspect, start/stop/restart/kill/pause/unpause,
 * wait, rename, remove — dockerd's status codes and messages
 * (docker-api-protocol.md §6). Each handler decodes, makes one engine call
 * and encodes.
 */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/container_json.h"
#include "api/containers.h"
#include "api/filters.h"
#include "api/request.h"
#include "api/stream.h"
#include "engine/container/container_endpoint.h"
#include "engine/container/lifecycle.h"
#include "engine/container/links.h"
#include "engine/container/memo.h"
#include "engine/container/limits.h"
#include "engine/container/snapshot.h"
#include "engine/engine.h"
#include "engine/network/network.h"
#include "engine/store/store_image.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

/* Looks the {id} path parameter up; replies 404/400 itself on failure. */
struct container *
api_containers_lookup(struct api_request *r)
{
	struct err e = ERR_INIT;
	struct container *c = containers_get(r->ctx->engine->containers, r->params[0], &e);

	if (!c)
		api_reply_err(r, &e);
	return c;
}

/* operationId: ContainerCreate */
static void
api_containers_create(struct api_request *r)
{
	_cleanup_json_ json_t *body = NULL;
	struct container_spec spec = {0};
	_cleanup_container_ struct container *c = NULL;
	struct err e = ERR_INIT;
	const char *name = api_query(r, "name");
	_cleanup_strv_ char **warnings = NULL;

	if (api_body_json(r, false, &body) < 0)
		return;
	if (container_json_decode_create(body, &spec, &e) == 0 && api_version_lt(r, 1, 44) &&
	    json_is_object(spec.healthcheck))
		json_object_del(spec.healthcheck, "StartInterval"); /* added in API 1.44 (moby) */
	if (e.code == 0 && api_version_lt(r, 1, 44) && json_array_size(spec.endpoints) > 1) {
		/* Several networks at create came with API 1.44 (moby). */
		_cleanup_free_ char *names = NULL;
		size_t i;
		json_t *v;
		json_array_foreach(spec.endpoints, i, v) {
			char *prev = names;
			names = xasprintf("%s%s%s", prev ? prev : "", prev ? ", " : "",
					  json_string_value(json_object_get(v, "network")));
			free(prev);
		}
		err_set(&e, -EINVAL, "Container cannot be connected to network endpoints: %s", names);
	}
	if (e.code < 0 || limits_verify(&spec, &warnings, &e) < 0 ||
	    network_mode_check(r->ctx->engine->net, spec.network_mode, &e) < 0 ||
	    lifecycle_create(r->ctx->engine->containers, name, &spec, &c, &e) < 0) {
		spec_release(&spec);
		api_reply_err(r, &e);
		return;
	}
	spec_release(&spec);
	api_reply_json(r, 201,
		       json_pack("{s:s,s:o}", "Id", c->id, "Warnings",
				 warnings ? strv_to_json(warnings) : json_array()));
}

/* operationId: ContainerInspect */
static void
api_containers_inspect(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	_cleanup_container_snap_ struct container_snap *s = NULL;
	enum container_snap_flags flags = CONTAINER_SNAP_EXECS;
	struct err e = ERR_INIT;

	if (!c)
		return;
	if (api_query_bool(r, "size", false))
		flags |= CONTAINER_SNAP_SIZES;
	if (container_snapshot(r->ctx->engine->containers, c, flags, &s, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	json_t *doc = container_json_inspect(s);
	if (api_version_lt(r, 1, 44))
		container_json_networks_v141(doc, s);
	api_reply_json(r, 200, doc);
}

struct list_ctx {
	struct api_request *r;
	struct filters *f;
	struct engine *eng;
	int64_t before_ns, since_ns;
};

static bool
regex_any(const struct filters *f, const char *key, const char *value)
{
	size_t n = filters_count(f, key);

	for (size_t i = 0; i < n; i++) {
		regex_t re;
		if (regcomp(&re, filters_value(f, key, i), REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		bool m = regexec(&re, value, 0, NULL, 0) == 0;
		regfree(&re);
		if (m)
			return true;
	}
	return n == 0;
}

static bool
prefix_any(const struct filters *f, const char *key, const char *value)
{
	size_t n = filters_count(f, key);

	for (size_t i = 0; i < n; i++)
		if (str_startswith(value, filters_value(f, key, i), NULL))
			return true;
	return n == 0;
}

static bool
matches(struct list_ctx *lc, const struct container_snap *c)
{
	const struct filters *f = lc->f;
	const struct container_state *st = &c->state;
	bool ok = true;
	char code[16];

	if (filters_has(f, "status") &&
	    !filters_match_exact(f, "status", container_status_name(st->status)))
		ok = false;
	snprintf(code, sizeof(code), "%d", st->exit_code);
	if (ok && filters_has(f, "exited") &&
	    (st->status != CONTAINER_EXITED || !filters_match_exact(f, "exited", code)))
		ok = false;
	if (ok && !prefix_any(f, "id", c->id))
		ok = false;
	if (ok && !(regex_any(f, "name", c->name) || regex_any(f, "name", c->name + 1)))
		ok = false;
	if (ok && !filters_match_labels(f, "label", c->spec.labels))
		ok = false;
	if (ok && filters_has(f, "ancestor")) {
		bool any = false;
		for (size_t i = 0; i < filters_count(f, "ancestor") && !any; i++) {
			char id[80];
			struct err e = ERR_INIT;
			const char *want = filters_value(f, "ancestor", i);
			if (strcmp(want, c->spec.image) == 0 ||
			    (store_image_resolve(lc->eng->store, want, id, &e) == 0 &&
			     strcmp(id, c->image_id) == 0))
				any = true;
		}
		ok = any;
	}
	if (ok && filters_has(f, "network")) {
		/* Any of its networks, by name or ID (moby). */
		_cleanup_json_ json_t *nets = container_endpoint_list(&c->spec);
		bool any = false;
		size_t k;
		json_t *v;
		json_array_foreach(nets, k, v) {
			const char *nm = json_string_value(json_object_get(v, "network"));
			const char *nid = json_string_value(json_object_get(v, "network_id"));
			any |= (nm && filters_match_exact(f, "network", nm)) ||
			       (nid && filters_match_exact(f, "network", nid));
		}
		if (!nets)
			any = filters_match_exact(f, "network",
						  c->ep.network ? c->ep.network : c->spec.network_mode);
		ok = any;
	}
	if (ok && filters_has(f, "volume")) {
		bool any = false;
		for (size_t k = 0; k < c->spec.n_mounts; k++)
			if (filters_match_exact(f, "volume", c->spec.mounts[k].source ? c->spec.mounts[k].source : "") ||
			    filters_match_exact(f, "volume", c->spec.mounts[k].target))
				any = true;
		ok = any;
	}
	if (ok && filters_has(f, "expose")) {
		bool any = false;
		for (size_t k = 0; c->spec.exposed_ports && c->spec.exposed_ports[k]; k++)
			if (filters_match_exact(f, "expose", c->spec.exposed_ports[k]))
				any = true;
		ok = any;
	}
	if (ok && filters_has(f, "publish")) {
		bool any = false;
		for (size_t k = 0; k < c->spec.n_ports; k++) {
			char key[PORTMAP_KEY_MAX];
			portmap_request_key(&c->spec.ports[k], key);
			if (filters_match_exact(f, "publish", key) ||
			    filters_match_exact(f, "publish", c->spec.ports[k].host_port))
				any = true;
		}
		ok = any;
	}
	if (ok && lc->before_ns && c->created_ns >= lc->before_ns)
		ok = false;
	if (ok && lc->since_ns && c->created_ns <= lc->since_ns)
		ok = false;
	if (ok && filters_has(f, "health") &&
	    !filters_match_exact(f, "health", health_status_name(st->health.status)))
		ok = false;
	if (ok && filters_has(f, "is-task") && !filters_match_exact(f, "is-task", "false"))
		ok = false;
	return ok;
}

/* before/since name a container; its creation time bounds the list. */
static int
bound_time(struct api_request *r, struct filters *f, const char *key, const char *qkey,
	   int64_t *ret)
{
	const char *ref = filters_count(f, key) ? filters_value(f, key, 0) : api_query(r, qkey);
	struct err e = ERR_INIT;
	struct container *c;

	*ret = 0;
	if (!ref || !*ref)
		return 0;
	c = containers_get(r->ctx->engine->containers, ref, &e);
	if (!c) {
		api_reply_err(r, &e);
		return -1;
	}
	*ret = c->created_ns;
	container_unref(c);
	return 0;
}

/* What `docker ps` without -a shows: running, paused or restarting. */
static bool
is_up(const struct container_state *st)
{
	return st->status == CONTAINER_RUNNING || st->status == CONTAINER_PAUSED ||
	       st->status == CONTAINER_RESTARTING;
}

/*
 * Appends c's entry to the list in out (with the comma before it unless it
 * is the first) and returns true when the filters keep it. The entry is
 * the container's memo (memo.h) for this API version when it has not
 * changed since it was last encoded and its Status text is still the same
 * (the "Up 5 minutes" changes with the clock alone); otherwise it is
 * encoded by jansson and remembered. Sizes change unseen: never memoised.
 */
static bool
list_entry(struct list_ctx *lc, struct container *c, const char *status, bool filtered, bool size,
	   bool first, struct buf *out)
{
	struct containers *cs = lc->eng->containers;
	_cleanup_container_snap_ struct container_snap *s = NULL;
	_cleanup_json_ json_t *doc = NULL;
	unsigned slot = api_version_lt(lc->r, 1, 44) ? 1 : 0;
	uint64_t gen = container_memo_gen(cs, c); /* before the snapshot: see memo.h */
	size_t mark = out->len;
	struct err e = ERR_INIT;
	char *text;

	if (filtered && (container_snapshot(cs, c, 0, &s, &e) < 0 || !matches(lc, s)))
		return false;
	if (!first)
		buf_putc(out, ',');
	if (!size && container_memo_get(cs, c, slot, status, out))
		return true;
	if (!s || size) {
		s = container_snap_free(s);
		if (container_snapshot(cs, c, size ? CONTAINER_SNAP_SIZES : 0, &s, &e) < 0)
			goto undo_comma;
	}
	doc = container_json_summary(s);
	if (slot == 1)
		container_json_networks_v141(doc, s);
	text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		goto undo_comma;
	if (!size)
		container_memo_put(c, slot, gen, json_string_value(json_object_get(doc, "Status")),
				   text, strlen(text));
	buf_puts(out, text);
	free(text);
	return true;
undo_comma:
	out->len = mark;
	return false;
}

/* operationId: ContainerList */
static void
api_containers_list(struct api_request *r)
{
	static const char *const keys[] = { "ancestor", "before", "since", "expose", "publish",
					    "exited", "health", "id", "name", "label", "network",
					    "status", "volume", "isolation", "is-task", NULL };
	_cleanup_filters_ struct filters *f = NULL;
	_cleanup_buf_ struct buf out = BUF_INIT;
	struct list_ctx lc = { .r = r, .eng = r->ctx->engine };
	struct err e = ERR_INIT;
	bool all = api_query_bool(r, "all", false), size = api_query_bool(r, "size", false);
	bool filtered = false;
	int64_t limit;
	size_t n = 0, shown = 0;
	struct container **list;

	if (filters_parse(api_query(r, "filters"), &f, &e) < 0 ||
	    filters_check_keys(f, keys, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	for (size_t i = 0; i < filters_count(f, "status"); i++) {
		enum container_status st;
		if (container_status_parse(filters_value(f, "status", i), &st) < 0) {
			api_reply_errorf(r, 400, "invalid filter 'status=%s'", filters_value(f, "status", i));
			return;
		}
	}
	for (size_t i = 0; i < filters_count(f, "health"); i++) {
		enum health_status hs;
		if (health_status_parse(filters_value(f, "health", i), &hs) < 0) {
			api_reply_errorf(r, 400, "Unrecognised filter value for health: %s",
					 filters_value(f, "health", i));
			return;
		}
	}
	if (api_query_int(r, "limit", -1, 1 << 30, -1, &limit) < 0)
		return;
	lc.f = f;
	if (bound_time(r, f, "before", "before", &lc.before_ns) < 0 ||
	    bound_time(r, f, "since", "since", &lc.since_ns) < 0)
		return;
	/* status/exited/before/since/limit imply all (dockerd). */
	if (filters_has(f, "status") || filters_has(f, "exited") || limit > 0 || lc.before_ns || lc.since_ns)
		all = true;
	for (size_t i = 0; keys[i]; i++)
		filtered |= filters_has(f, keys[i]);
	filtered |= lc.before_ns || lc.since_ns;
	list = containers_list(r->ctx->engine->containers, &n);
	/* The array's brackets and commas around the elements jansson encoded
	 * (compact): the bytes json_dumps(JSON_COMPACT) writes for the array. */
	buf_putc(&out, '[');
	for (size_t i = 0; i < n && (limit <= 0 || (int64_t)shown < limit); i++) {
		struct container_state st;
		char status[128];
		bool up;
		container_get_state(list[i], &st);
		up = is_up(&st);
		container_json_status_text(&st, status, sizeof(status));
		container_state_release(&st);
		/* ps without -a: skip stopped containers before copying them */
		if (!all && !up)
			continue;
		if (list_entry(&lc, list[i], status, filtered, size, shown == 0, &out))
			shown++;
	}
	containers_list_free(list, n);
	/* Go's json.Encoder ends every document with a newline; keep that. */
	buf_puts(&out, "]\n");
	size_t len;
	char *text = buf_detach(&out, &len);
	api_reply_data(r, 200, "application/json", text, len);
}

/* operationId: ContainerStart */
static void
api_containers_start(struct api_request *r)
{
	_cleanup_container_ struct container *c = NULL;
	struct err e = ERR_INIT;

	/* moby: "starting container with non-empty request body was deprecated
	 * since API v1.22 and removed in v1.24" for bodies longer than "null". */
	if (r->body.len > 7 && !api_version_lt(r, 1, 24)) {
		api_reply_errorf(r, 400, "starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24");
		return;
	}
	c = api_containers_lookup(r);
	if (!c)
		return;
	if (lifecycle_start(r->ctx->engine->containers, c, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 204);
}

static int
stop_args(struct api_request *r, int64_t *ret_t, const char **ret_sig)
{
	*ret_sig = api_version_lt(r, 1, 42) ? NULL : api_query(r, "signal");
	/* absent: the container's StopTimeout; negative: no time-out (dockerd) */
	return api_query_int(r, "t", INT32_MIN + 1, 1 << 30, LIFECYCLE_STOP_DEFAULT, ret_t);
}

typedef int (*stop_fn)(struct containers *cs, struct container *c, int timeout_s,
		       const char *signal, struct err *e);

static void
stop_common(struct api_request *r, stop_fn fn)
{
	_cleanup_container_ struct container *c = NULL;
	struct err e = ERR_INIT;
	const char *sig;
	int64_t t;

	if (stop_args(r, &t, &sig) < 0 || !(c = api_containers_lookup(r)))
		return;
	if (fn(r->ctx->engine->containers, c, (int)t, sig, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 204);
}

/* operationId: ContainerStop */
static void
api_containers_stop(struct api_request *r)
{
	stop_common(r, lifecycle_stop);
}

/* operationId: ContainerRestart */
static void
api_containers_restart(struct api_request *r)
{
	stop_common(r, lifecycle_restart);
}

/* operationId: ContainerKill */
static void
api_containers_kill(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct err e = ERR_INIT;

	if (!c)
		return;
	if (lifecycle_kill(r->ctx->engine->containers, c, api_query(r, "signal"), &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 204);
}

static void
pause_common(struct api_request *r, bool pause)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct err e = ERR_INIT;

	if (!c)
		return;
	if (lifecycle_pause(r->ctx->engine->containers, c, pause, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 204);
}

/* operationId: ContainerPause */
static void
api_containers_pause(struct api_request *r)
{
	pause_common(r, true);
}

/* operationId: ContainerUnpause */
static void
api_containers_unpause(struct api_request *r)
{
	pause_common(r, false);
}

/* operationId: ContainerDelete */
static void
api_containers_delete(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct err e = ERR_INIT;

	if (!c)
		return;
	if (api_query_bool(r, "link", false)) {
		if (links_remove(r->ctx->engine->containers, r->params[0], &e) < 0) {
			api_reply_err(r, &e);
			return;
		}
		api_reply_empty(r, 204);
		return;
	}
	if (lifecycle_remove(r->ctx->engine->containers, c, api_query_bool(r, "force", false),
			     api_query_bool(r, "v", false), &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 204);
}

/* operationId: ContainerRename */
static void
api_containers_rename(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct err e = ERR_INIT;
	const char *name = api_query(r, "name");

	if (!c)
		return;
	if (!name || !*name) {
		api_reply_errorf(r, 400, "Neither old nor new names may be empty");
		return;
	}
	if (containers_rename(r->ctx->engine->containers, c, name, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	lifecycle_event(r->ctx->engine->containers, c, "rename", NULL);
	api_reply_empty(r, 204);
}

struct wait_job {
	struct container *c;
	enum container_wait_cond cond;
	uint64_t seq;
	struct api_stream *s;
};

static bool
wait_cancelled(void *ud)
{
	struct wait_job *j = ud;
	return api_stream_cancelled(j->s);
}

static int
wait_producer(struct api_stream *s, void *arg, struct err *e)
{
	struct wait_job *j = arg;
	int code = 0;

	(void)e;
	j->s = s;
	if (container_wait(j->c, j->cond, j->seq, wait_cancelled, j, &code) < 0)
		return 0;
	trace_point("wait.reply", j->c->id);
	return api_stream_json_nl(s, json_pack("{s:n,s:i}", "Error", "StatusCode", code));
}

static void
wait_job_free(void *p)
{
	struct wait_job *j = p;
	container_unref(j->c);
	free(j);
}

/* operationId: ContainerWait */
static void
api_containers_wait(struct api_request *r)
{
	const char *cond = api_query(r, "condition");
	struct wait_job *j;
	struct container *c;

	j = xcalloc(1, sizeof(*j));
	if (!cond || !*cond || strcmp(cond, "not-running") == 0)
		j->cond = WAIT_NOT_RUNNING;
	else if (strcmp(cond, "next-exit") == 0)
		j->cond = WAIT_NEXT_EXIT;
	else if (strcmp(cond, "removed") == 0)
		j->cond = WAIT_REMOVED;
	else {
		free(j);
		api_reply_errorf(r, 400, "invalid condition: \"%s\"", cond);
		return;
	}
	c = api_containers_lookup(r);
	if (!c) {
		free(j);
		return;
	}
	j->c = c;
	/* Registered now, before the client's start (docker run). */
	j->seq = container_exit_seq(c);
	api_reply_stream(r, "application/json", 0, wait_producer, j, wait_job_free);
}

/* clang-format off */
const struct api_route api_containers_routes[] = {
	{ "POST", "/containers/create", api_containers_create, API_BODY_JSON },
	{ "GET", "/containers/json", api_containers_list, API_BODY_NONE },
	{ "GET", "/containers/{id}/json", api_containers_inspect, API_BODY_NONE },
	{ "POST", "/containers/{id}/start", api_containers_start, API_BODY_NONE },
	{ "POST", "/containers/{id}/stop", api_containers_stop, API_BODY_NONE },
	{ "POST", "/containers/{id}/restart", api_containers_restart, API_BODY_NONE },
	{ "POST", "/containers/{id}/kill", api_containers_kill, API_BODY_NONE },
	{ "POST", "/containers/{id}/pause", api_containers_pause, API_BODY_NONE },
	{ "POST", "/containers/{id}/unpause", api_containers_unpause, API_BODY_NONE },
	{ "POST", "/containers/{id}/wait", api_containers_wait, API_BODY_NONE },
	{ "POST", "/containers/{id}/rename", api_containers_rename, API_BODY_NONE },
	/* greedy: `docker rm --link web/db` sends DELETE /containers/web/db */
	{ "DELETE", "/containers/{id*}", api_containers_delete, API_BODY_NONE },
	{ 0 },
};
/* clang-format on */
