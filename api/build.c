/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /build: decodes the query parameters of docker-api-protocol.md §5.1,
 * runs the engine's classic builder on the spooled context, and streams its
 * output as dockerd's JSON lines ({"stream":...}, {"aux":{"ID":...}},
 * {"errorDetail":{"code":N,...}} for a failing RUN). Errors before the
 * first line are plain HTTP errors.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "api/api.h"
#include "api/authconfig.h"
#include "api/build.h"
#include "api/filters.h"
#include "api/images.h"
#include "api/request.h"
#include "api/stream.h"
#include "engine/build/builder.h"
#include "engine/build/remote.h"
#include "engine/engine.h"
#include "engine/events/events.h"
#include "engine/image/image.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/trace.h"
#include "engine/util/xalloc.h"

struct build_job {
	struct engine *eng;
	int fd;			/* our dup of the spooled context */
	struct build_opts o;
	char **tags, **extra_hosts, **cache_from;
	char *dockerfile, *target, *network_mode, *platform, *cpuset_cpus, *cpuset_mems;
	json_t *buildargs, *labels, *ulimits;
	struct registry_creds_set creds;	/* decoded X-Registry-Config */
	char *remote;		/* remote= URL, or NULL */
};

static void
job_free(void *p)
{
	struct build_job *j = p;

	safe_close(j->fd);
	strv_free(j->tags);
	strv_free(j->extra_hosts);
	strv_free(j->cache_from);
	free(j->dockerfile);
	free(j->target);
	free(j->network_mode);
	free(j->platform);
	free(j->cpuset_cpus);
	free(j->cpuset_mems);
	json_decref(j->buildargs);
	json_decref(j->labels);
	json_decref(j->ulimits);
	registry_creds_set_release(&j->creds);
	free(j->remote);
	free(j);
}

static int
out_stream(void *ud, const char *text, size_t len)
{
	_cleanup_free_ char *s = NULL;

	if (len == 0)
		return 0; /* dockerd never sends an empty "stream" */
	s = xstrndup(text, len);
	return api_stream_json(ud, json_pack("{s:o}", "stream", api_json_string(s))) < 0;
}

static int
out_aux(void *ud, const char *id)
{
	return api_stream_json(ud, json_pack("{s:{s:s}}", "aux", "ID", id)) < 0;
}

/* remote=: the fetched context replaces the (ignored) request body. */
static bool
out_cancelled(void *ud)
{
	return api_stream_cancelled(ud);
}

static int
fetch_remote(struct api_stream *s, struct build_job *j, struct err *e)
{
	struct build_remote rem;
	_cleanup_free_ char *text = xasprintf("Downloading build context from remote url: %s",
					      j->remote);
	struct image_progress p = {
		.kind = IMAGE_PROGRESS_COUNT, .status = text, .current = 0, .total = -1,
	};
	int r = build_remote_fetch(j->remote, j->eng->tmp_dir, &rem, e);

	if (r < 0)
		return r;
	safe_close(j->fd);
	j->fd = rem.fd;
	if (rem.dockerfile)
		j->o.dockerfile = NULL;	/* as moby: a Dockerfile URL ignores dockerfile= */
	if (rem.size > 0 && !j->o.quiet) {
		p.current = p.total = (int64_t)rem.size;
		api_images_progress(s, &p);
	}
	return 0;
}

static int
produce(struct api_stream *s, void *arg, struct err *e)
{
	struct build_job *j = arg;
	struct build_output out = {
		.stream = out_stream,
		.aux_id = out_aux,
		.cancelled = out_cancelled,
		.ud = s,
		.pull_progress = api_images_progress,
	};
	struct build_result res = {0};
	int r = j->remote ? fetch_remote(s, j, e) : 0;

	if (r == 0)
		r = build_image(j->eng->builds, j->fd, &j->o, &out, &res, e);

	if (r < 0 && res.code > 0) {
		/* The CLI exits with errorDetail.code: a RUN's own exit status. */
		(void)api_stream_json(s, json_pack("{s:{s:i,s:s},s:s}", "errorDetail", "code",
						   res.code, "message", e->msg, "error", e->msg));
		return 0;
	}
	return r;
}

static void
add_str(const char *v, void *ud)
{
	strv_append(ud, v ? v : "");
}

static char *
dup_query(struct api_request *r, const char *k)
{
	const char *v = api_query(r, k);
	return v && *v ? xstrdup(v) : NULL;
}

/* A JSON query value that must be an object of strings (null values allowed
 * in buildargs). */
/* ulimits: a JSON array of {"Name", "Soft", "Hard"} (docker build --ulimit). */
static int
ulimits_query(struct api_request *r, json_t **ret)
{
	const char *v = api_query(r, "ulimits");
	json_t *j, *u;
	size_t i;

	if (!v || !*v)
		return 0;
	j = json_loads(v, JSON_DECODE_ANY, NULL);
	if (json_is_null(j)) /* the 20.10 CLI sends null without --ulimit */
		return json_decref(j), 0;
	bool ok = json_is_array(j) && json_array_size(j) <= 64;
	json_array_foreach(j, i, u) {
		const char *name = json_string_value(json_object_get(u, "Name"));
		if (!ok || !name || !*name || !json_is_integer(json_object_get(u, "Soft")) ||
		    !json_is_integer(json_object_get(u, "Hard")))
			ok = false;
	}
	if (!ok) {
		json_decref(j);
		api_reply_errorf(r, 400,
				 "invalid ulimits: must be a JSON array of "
				 "{\"Name\", \"Soft\", \"Hard\"}");
		return -EINVAL;
	}
	*ret = j;
	return 0;
}

static int
json_query(struct api_request *r, const char *k, bool allow_null, json_t **ret)
{
	const char *v = api_query(r, k);
	json_t *j, *x;
	const char *key;

	if (!v || !*v)
		return 0;
	j = json_loads(v, 0, NULL);
	if (!json_is_object(j) || json_object_size(j) > LIMIT_BUILD_ARGS) {
		json_decref(j);
		api_reply_errorf(r, 400, "invalid %s: must be a JSON object of strings", k);
		return -EINVAL;
	}
	json_object_foreach(j, key, x)
		if (!json_is_string(x) && !(allow_null && json_is_null(x))) {
			/* @key lives in @j: reply before freeing it (it was the
			 * other way round; found by tests/fuzz/fuzz_build_request) */
			api_reply_errorf(r, 400, "invalid %s: value of '%s' is not a string", k, key);
			json_decref(j);
			return -EINVAL;
		}
	*ret = j;
	return 0;
}

static int
int_query(struct api_request *r, const char *k, int64_t *ret)
{
	return api_query_int(r, k, -1, INT64_MAX, 0, ret);
}

static int
decode_remote(struct api_request *r, struct build_job *j)
{
	const char *url = api_query(r, "remote");

	if (!url || !*url)
		return 0;
	switch (build_remote_kind(url)) {
	case BUILD_REMOTE_INVALID:
		api_reply_errorf(r, 400, "remoteURL (%s) could not be recognized as URL", url);
		return -EINVAL;
	case BUILD_REMOTE_GIT:
		if (!build_remote_have_git()) {
			api_reply_errorf(r, 400, "git URLs need git, which is not installed on the "
						 "daemon's host: %s", url);
			return -EINVAL;
		}
		break;
	case BUILD_REMOTE_HTTP:
		break;
	}
	j->remote = xstrdup(url);
	return 0;
}

static int
decode(struct api_request *r, struct build_job *j)
{
	const char *v = api_query(r, "version");
	const char *cf = api_query(r, "cachefrom");
	struct build_opts *o = &j->o;

	if (v && *v && strcmp(v, "1") != 0) {
		api_reply_errorf(r, 400, "builder version \"%s\" is not supported: this daemon has "
					 "only the classic builder (set DOCKER_BUILDKIT=0)", v);
		return -EINVAL;
	}
	if (api_query_bool(r, "squash", false)) {
		api_reply_errorf(r, 400, "squash is only supported with experimental mode");
		return -EINVAL;
	}
	if (api_query(r, "securityopt")) {
		api_reply_errorf(r, 400, "The daemon on this platform does not support setting "
					 "security options on build");
		return -EINVAL;
	}
	if (decode_remote(r, j) < 0)
		return -EINVAL;
	(void)api_query_each(r, "t", add_str, &j->tags);
	(void)api_query_each(r, "extrahosts", add_str, &j->extra_hosts);
	if (cf && *cf) {
		_cleanup_json_ json_t *arr = json_loads(cf, 0, NULL);
		if (!json_is_array(arr) || strv_from_json(arr, &j->cache_from) < 0) {
			api_reply_errorf(r, 400, "invalid cachefrom: must be a JSON array of strings");
			return -EINVAL;
		}
	}
	if (ulimits_query(r, &j->ulimits) < 0)
		return -EINVAL;
	if (json_query(r, "buildargs", true, &j->buildargs) < 0 ||
	    json_query(r, "labels", false, &j->labels) < 0)
		return -EINVAL;
	if (int_query(r, "memory", &o->memory) < 0 || int_query(r, "memswap", &o->memory_swap) < 0 ||
	    int_query(r, "cpushares", &o->cpu_shares) < 0 || int_query(r, "shmsize", &o->shm_size) < 0 ||
	    int_query(r, "cpuperiod", &o->cpu_period) < 0 ||
	    int_query(r, "cpuquota", &o->cpu_quota) < 0)
		return -EINVAL;
	j->dockerfile = dup_query(r, "dockerfile");
	j->target = dup_query(r, "target");
	j->network_mode = dup_query(r, "networkmode");
	j->platform = dup_query(r, "platform");
	j->cpuset_cpus = dup_query(r, "cpusetcpus");
	j->cpuset_mems = dup_query(r, "cpusetmems");
	o->dockerfile = j->dockerfile;
	o->tags = j->tags;
	o->quiet = api_query_bool(r, "q", false);
	o->nocache = api_query_bool(r, "nocache", false);
	o->pull = api_query_bool(r, "pull", false);
	o->rm = api_query_bool(r, "rm", true);
	o->forcerm = api_query_bool(r, "forcerm", false);
	o->buildargs = j->buildargs;
	o->labels = j->labels;
	o->ulimits = j->ulimits;
	o->target = j->target;
	o->network_mode = j->network_mode;
	o->platform = j->platform;
	o->cpuset_cpus = j->cpuset_cpus;
	o->cpuset_mems = j->cpuset_mems;
	o->extra_hosts = j->extra_hosts;
	o->cache_from = j->cache_from;
	authconfig_decode_config(api_header(r, "X-Registry-Config"), &j->creds);
	o->registry_creds = &j->creds;
	return 0;
}

int
api_build_decode(struct api_request *r)
{
	struct build_job *j = xcalloc(1, sizeof(*j));
	int k;

	j->fd = -1;
	k = decode(r, j);
	job_free(j);
	return k;
}

/* operationId: ImageBuild */
static void
api_build_build(struct api_request *r)
{
	struct build_job *j = xcalloc(1, sizeof(*j));

	trace_point("build.request", NULL);
	j->fd = -1;
	j->eng = r->ctx->engine;
	if (decode(r, j) < 0) {
		job_free(j);
		return;
	}
	j->fd = r->body_fd >= 0 ? fcntl(r->body_fd, F_DUPFD_CLOEXEC, 3) : -1;
	if (j->fd < 0 && !j->remote) {
		job_free(j);
		api_reply_errorf(r, 400, "the build context is missing");
		return;
	}
	api_reply_stream(r, "application/json", API_STREAM_HOLD_HEADERS | API_STREAM_JSON_ERRORS,
			 produce, j, job_free);
}

/*
 * operationId: BuildPrune. dockerd prunes BuildKit's cache here, also when
 * clients build with the classic builder, whose cache is the intermediate
 * images (removed by image prune, not by this route). berth keeps no
 * BuildKit cache, so after checking the parameters as dockerd does it
 * answers that nothing was freed, with the builder "prune" event.
 */
static void
api_build_prune(struct api_request *r)
{
	static const char *const keys[] = {"until", "unused-for", "label",   "label!",
					   "id",    "parent",	  "type",    "description",
					   "inuse", "shared",	  "private", NULL};
	_cleanup_filters_ struct filters *f = NULL;
	struct err e = ERR_INIT;
	const char *ks = api_query(r, "keep-storage");
	const char *key = "until";
	int64_t n;

	if (ks && *ks && parse_int64(ks, INT64_MIN, INT64_MAX, &n) < 0) {
		api_reply_errorf(r, 400, "keep-storage is in bytes and expects an integer, got %s",
				 ks);
		return;
	}
	if (filters_parse(api_query(r, "filters"), &f, &e) < 0 ||
	    filters_check_keys(f, keys, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	if (filters_has(f, "until") && filters_has(f, "unused-for")) {
		api_reply_errorf(r, 400, "conflicting filters: \"until\" and \"unused-for\"");
		return;
	}
	if (filters_has(f, "unused-for"))
		key = "unused-for";
	for (size_t i = 0; keys[i]; i++)
		if (filters_count(f, keys[i]) > 1 && strncmp(keys[i], "label", 5) != 0) {
			api_reply_errorf(r, 400, "filters expect only one value");
			return;
		}
	if (filters_count(f, key) == 1 && parse_go_duration(filters_value(f, key, 0), &n) < 0) {
		api_reply_errorf(r, 500,
				 "failed to prune build cache: \"%s\" filter expects a duration "
				 "(e.g., '24h'): time: invalid duration \"%s\"",
				 key, filters_value(f, key, 0));
		return;
	}
	events_publish(r->ctx->engine->events, "builder", "prune", "",
		       json_pack("{s:s}", "reclaimed", "0"));
	api_reply_json(r, 200,
		       json_pack("{s:n,s:I}", "CachesDeleted", "SpaceReclaimed", (json_int_t)0));
}

const struct api_route api_build_routes[] = {
	{"POST", "/build", api_build_build, API_BODY_UPLOAD},
	{"POST", "/build/prune", api_build_prune, API_BODY_NONE},
	{0},
};
