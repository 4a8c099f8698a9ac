/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /images/create (pull from a registry, or import a tarball) and
 * POST /images/{name}/push, streamed as dockerd's JSON progress lines
 * (docker-api-protocol.md §4.1, §4.2, §4.9), plus the progress encoder the
 * other streaming image routes share. Headers are held until the first
 * line so that an early failure (unknown tag, denied) is a plain HTTP error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/authconfig.h"
#include "api/images.h"
#include "api/request.h"
#include "engine/engine.h"
#include "engine/image/image.h"
#include "engine/reference.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

/* ---- progress encoding ------------------------------------------------- */

/* go-units HumanSize: 4 significant digits, decimal units. */
static void
human_size(double v, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	size_t i = 0;

	while (v >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		i++;
	}
	snprintf(buf, size, "%.4g%s", v, units[i]);
}

void
api_images_progress_bar(int64_t current, int64_t total, char *buf, size_t size)
{
	char cur[32], tot[32], bar[64];
	int pct;

	human_size((double)current, cur, sizeof(cur));
	if (total <= 0) {
		snprintf(buf, size, "%8s", cur);
		return;
	}
	human_size((double)total, tot, sizeof(tot));
	/* jsonmessage.JSONProgress.String with the daemon's width (> 110). */
	pct = (int)((double)current / (double)total * 100.0) / 2;
	if (pct > 50)
		pct = 50;
	if (pct < 0)
		pct = 0;
	memset(bar, '=', (size_t)pct);
	bar[pct] = '>';
	memset(bar + pct + 1, ' ', (size_t)(50 - pct));
	bar[51] = '\0';
	if (current > total)
		snprintf(buf, size, "[%s] %8s", bar, cur);
	else
		snprintf(buf, size, "[%s] %8s/%s", bar, cur, tot);
}

void
api_images_progress(void *ctx, const struct image_progress *p)
{
	struct api_stream *s = ctx;
	char bar[128];
	json_t *o = json_object();

	switch (p->kind) {
	case IMAGE_PROGRESS_MESSAGE:
		json_object_set_new(o, "status", api_json_string(p->status));
		break;
	case IMAGE_PROGRESS_STATUS:
		json_object_set_new(o, "status", api_json_string(p->status));
		json_object_set_new(o, "progressDetail", json_object());
		break;
	case IMAGE_PROGRESS_COUNT:
		api_images_progress_bar(p->current, p->total, bar, sizeof(bar));
		json_object_set_new(o, "status", api_json_string(p->status));
		json_object_set_new(o, "progressDetail",
				    p->total > 0 ? json_pack("{s:I,s:I}", "current",
							     (json_int_t)p->current, "total",
							     (json_int_t)p->total)
						 : json_pack("{s:I}", "current",
							     (json_int_t)p->current));
		json_object_set_new(o, "progress", json_string(bar));
		break;
	case IMAGE_PROGRESS_AUX:
		json_object_set_new(o, "progressDetail", json_object());
		json_object_set_new(o, "aux", json_pack("{s:o,s:o,s:I}", "Tag",
							api_json_string(p->tag), "Digest",
							api_json_string(p->digest), "Size",
							(json_int_t)p->size));
		break;
	case IMAGE_PROGRESS_STREAM:
		json_object_set_new(o, "stream", api_json_string(p->status));
		break;
	}
	if (p->id && p->kind != IMAGE_PROGRESS_AUX && p->kind != IMAGE_PROGRESS_STREAM)
		json_object_set_new(o, "id", api_json_string(p->id));
	/*
	 * Never waits for the client: the job may be downloading a blob other
	 * pulls wait on. Byte counts are droppable, status lines are not.
	 * -EPIPE: the client left; the job carries on without an audience.
	 */
	(void)api_stream_progress(s, o, p->id, p->kind == IMAGE_PROGRESS_COUNT);
}

/* ---- pull -------------------------------------------------------------- */

struct pull_arg {
	struct engine *eng;
	char *ref;
	char *platform;
	bool all_tags;
	struct registry_creds *auth;
};

static void
pull_arg_free(void *p)
{
	struct pull_arg *a = p;

	free(a->ref);
	free(a->platform);
	registry_creds_free(a->auth);
	free(a);
}

static int
pull_produce(struct api_stream *s, void *arg, struct err *e)
{
	struct pull_arg *a = arg;
	struct image_pull_opts o = {
		.ref = a->ref, .all_tags = a->all_tags, .platform = a->platform, .auth = a->auth,
		.progress = api_images_progress, .progress_ctx = s,
	};

	return image_pull(a->eng->images, &o, e);
}

/* fromImage + tag (a tag or a digest) → one reference string, as dockerd. */
static int
pull_reference(const char *from, const char *tag, char **ret, struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	_cleanup_free_ char *name = xstrdup(from);
	size_t n = strlen(name);
	int r;

	/* A trailing ':' is dropped (docker pull "x:"). */
	if (n > 0 && name[n - 1] == ':')
		name[n - 1] = '\0';
	r = reference_parse(name, &ref, e);
	if (r < 0)
		return r;
	if (tag && *tag) {
		if (strchr(tag, ':')) {
			if (!digest_is_valid(tag)) {
				reference_release(&ref);
				return err_set(e, -EINVAL, "invalid reference format");
			}
			free(ref.tag);
			ref.tag = NULL;
			free(ref.digest);
			ref.digest = xstrdup(tag);
		} else {
			r = reference_set_tag(&ref, tag, e);
		}
	}
	if (r == 0)
		*ret = reference_canonical(&ref);
	reference_release(&ref);
	return r;
}

static void
images_pull(struct api_request *r, const char *from)
{
	struct pull_arg *a;
	struct err e = ERR_INIT;
	char *ref = NULL;
	const char *tag = api_query(r, "tag");
	const char *last = strrchr(from, '/') ? strrchr(from, '/') : from;
	/* Without a tag dockerd pulls every tag (docker pull -a). */
	bool all = (!tag || !*tag) && !strchr(from, '@') && !strchr(last, ':');

	if (all) {
		struct reference check = REFERENCE_INIT;

		if (reference_parse(from, &check, &e) < 0) {
			api_reply_err(r, &e);
			return;
		}
		ref = reference_canonical(&check);
		reference_release(&check);
	} else if (pull_reference(from, tag, &ref, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->all_tags = all;
	a->eng = r->ctx->engine;
	a->ref = ref;
	a->platform = api_query(r, "platform") ? xstrdup(api_query(r, "platform")) : NULL;
	a->auth = authconfig_of_request(r);
	api_reply_stream(r, "application/json", API_STREAM_HOLD_HEADERS | API_STREAM_JSON_ERRORS,
			 pull_produce, a, pull_arg_free);
}

/* ---- import ------------------------------------------------------------ */

struct import_arg {
	struct engine *eng;
	int fd;				/* -1: download @url */
	char *url;
	char *repo, *tag, *message, *platform;
	char **changes;
};

static void
import_arg_free(void *p)
{
	struct import_arg *a = p;

	safe_close(a->fd);
	free(a->url);
	free(a->repo);
	free(a->tag);
	free(a->message);
	free(a->platform);
	strv_free(a->changes);
	free(a);
}

static int
import_produce(struct api_stream *s, void *arg, struct err *e)
{
	struct import_arg *a = arg;
	struct image_import_opts o = {
		.repo = a->repo, .tag = a->tag, .message = a->message, .platform = a->platform,
		.changes = (const char *const *)a->changes, .src = "-",
	};
	char id[DIGEST_STR_LEN + 1];
	int r;

	if (a->url)
		r = image_import_url(a->eng->images, a->url, &o, api_images_progress, s, id, e);
	else
		r = image_import(a->eng->images, a->fd, &o, id, e);
	if (r < 0)
		return r;
	(void)api_stream_json(s, json_pack("{s:s}", "status", id));
	return 0;
}

static void
add_change(const char *value, void *ud)
{
	strv_append(ud, value ? value : "");
}

static char *
dup_query(struct api_request *r, const char *key)
{
	const char *v = api_query(r, key);
	return v && *v ? xstrdup(v) : NULL;
}

static void
images_import(struct api_request *r, const char *src)
{
	struct import_arg *a;
	bool url = strcmp(src, "-") != 0;

	if (!url && r->body_fd < 0) {
		api_reply_errorf(r, 400, "no image archive in the request body");
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->eng = r->ctx->engine;
	/* The request may end before the producer does: it reads its own fd. */
	a->fd = url ? -1 : fcntl(r->body_fd, F_DUPFD_CLOEXEC, 3);
	a->url = url ? xstrdup(src) : NULL;
	a->repo = dup_query(r, "repo");
	a->tag = dup_query(r, "tag");
	a->message = dup_query(r, "message");
	a->platform = dup_query(r, "platform");
	a->changes = xcalloc(1, sizeof(char *));
	api_query_each(r, "changes", add_change, &a->changes);
	if (!url && a->fd < 0) {
		import_arg_free(a);
		api_reply_errorf(r, 500, "cannot read request body");
		return;
	}
	api_reply_stream(r, "application/json", API_STREAM_HOLD_HEADERS | API_STREAM_JSON_ERRORS,
			 import_produce, a, import_arg_free);
}

/* operationId: ImageCreate */
void
api_images_create(struct api_request *r)
{
	const char *from = api_query(r, "fromImage");
	const char *src = api_query(r, "fromSrc");

	if (from && *from)
		images_pull(r, from);
	else if (src && *src)
		images_import(r, src);
	else
		api_reply_errorf(r, 400, "fromImage or fromSrc must be set");
}

/* ---- push -------------------------------------------------------------- */

struct push_arg {
	struct engine *eng;
	char *name, *tag;
	struct registry_creds *auth;
};

static void
push_arg_free(void *p)
{
	struct push_arg *a = p;

	free(a->name);
	free(a->tag);
	registry_creds_free(a->auth);
	free(a);
}

static int
push_produce(struct api_stream *s, void *arg, struct err *e)
{
	struct push_arg *a = arg;
	struct image_push_opts o = {
		.name = a->name, .tag = a->tag, .auth = a->auth,
		.progress = api_images_progress, .progress_ctx = s,
	};

	return image_push(a->eng->images, &o, e);
}

/* operationId: ImagePush */
void
api_images_push(struct api_request *r)
{
	struct push_arg *a = xcalloc(1, sizeof(*a));

	a->eng = r->ctx->engine;
	a->name = xstrdup(r->params[0]);
	a->tag = dup_query(r, "tag");
	a->auth = authconfig_of_request(r);
	api_reply_stream(r, "application/json", API_STREAM_HOLD_HEADERS | API_STREAM_JSON_ERRORS,
			 push_produce, a, push_arg_free);
}
