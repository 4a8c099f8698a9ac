/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /images/get, GET /images/{name}/get (docker save: a tar stream) and
 * POST /images/load (docker load: JSON lines), docker-api-protocol.md §4.10.
 * Save resolves every name before the first byte, so a missing image is a
 * plain 404; load always answers 200 and reports failures in-band, as
 * dockerd does.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/images.h"
#include "api/request.h"
#include "engine/engine.h"
#include "engine/image/image.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

struct save_arg {
	struct engine *eng;
	char **names;
};

static void
save_arg_free(void *p)
{
	struct save_arg *a = p;

	strv_free(a->names);
	free(a);
}

static int
save_write(void *ctx, const void *p, size_t n)
{
	return api_stream_write(ctx, p, n);
}

static int
save_produce(struct api_stream *s, void *arg, struct err *e)
{
	struct save_arg *a = arg;

	return image_save(a->eng->images, (const char *const *)a->names, strv_len(a->names),
			  save_write, s, e);
}

static void
add_name(const char *value, void *ud)
{
	if (value && *value)
		strv_append(ud, value);
}

static void
start_save(struct api_request *r, char **names)
{
	struct save_arg *a = xcalloc(1, sizeof(*a));

	a->eng = r->ctx->engine;
	a->names = names;
	api_reply_stream(r, "application/x-tar", API_STREAM_HOLD_HEADERS, save_produce, a,
			 save_arg_free);
}

/* operationId: ImageGetAll */
void
api_images_save(struct api_request *r)
{
	char **names = xcalloc(1, sizeof(char *));

	api_query_each(r, "names", add_name, &names);
	if (!names[0]) {
		strv_free(names);
		api_reply_errorf(r, 400, "no images to save: give at least one name");
		return;
	}
	start_save(r, names);
}

/* operationId: ImageGet */
void
api_images_save_one(struct api_request *r)
{
	char **names = xcalloc(1, sizeof(char *));

	strv_append(&names, r->params[0]);
	start_save(r, names);
}

struct load_arg {
	struct engine *eng;
	int fd;
	bool quiet;
};

static void
load_arg_free(void *p)
{
	struct load_arg *a = p;

	safe_close(a->fd);
	free(a);
}

static int
load_produce(struct api_stream *s, void *arg, struct err *e)
{
	struct load_arg *a = arg;
	int r = image_load(a->eng->images, a->fd, a->quiet, api_images_progress, s, e);

	/* dockerd answers 200 and reports even early failures in-band. */
	if (r < 0)
		(void)api_stream_json(s, json_pack("{s:{s:s},s:s}", "errorDetail", "message",
						   e->msg, "error", e->msg));
	return 0;
}

/* operationId: ImageLoad */
void
api_images_load(struct api_request *r)
{
	struct load_arg *a;

	if (r->body_fd < 0) {
		api_reply_errorf(r, 400, "no image archive in the request body");
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->eng = r->ctx->engine;
	a->quiet = api_query_bool(r, "quiet", true);
	a->fd = fcntl(r->body_fd, F_DUPFD_CLOEXEC, 3);
	if (a->fd < 0) {
		load_arg_free(a);
		api_reply_errorf(r, 500, "cannot read request body");
		return;
	}
	api_reply_stream(r, "application/json", API_STREAM_JSON_ERRORS, load_produce, a,
			 load_arg_free);
}
