/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker cp: HEAD/GET/PUT /containers/{id}/archive (docker-api-protocol.md
 * §6.7). Encodes the path stat as dockerd does — base64 of a JSON object in
 * X-Docker-Container-Path-Stat with Go os.FileMode bits — and hands the
 * work to engine/container/cp.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "api/containers.h"
#include "api/request.h"
#include "api/stream.h"
#include "engine/container/cp.h"
#include "engine/engine.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* Go's os.FileMode type bits (io/fs). */
#define GO_MODE_DIR (1u << 31)
#define GO_MODE_SYMLINK (1u << 27)
#define GO_MODE_DEVICE (1u << 26)
#define GO_MODE_NAMED_PIPE (1u << 25)
#define GO_MODE_SOCKET (1u << 24)
#define GO_MODE_SETUID (1u << 23)
#define GO_MODE_SETGID (1u << 22)
#define GO_MODE_CHAR_DEVICE (1u << 21)
#define GO_MODE_STICKY (1u << 20)

/* st_mode → os.FileMode, as Go's os.Stat builds it (fillFileStatFromSys). */
static uint32_t
go_file_mode(mode_t m)
{
	uint32_t g = m & 0777;

	if (S_ISDIR(m))
		g |= GO_MODE_DIR;
	else if (S_ISLNK(m))
		g |= GO_MODE_SYMLINK;
	else if (S_ISFIFO(m))
		g |= GO_MODE_NAMED_PIPE;
	else if (S_ISSOCK(m))
		g |= GO_MODE_SOCKET;
	else if (S_ISBLK(m))
		g |= GO_MODE_DEVICE;
	else if (S_ISCHR(m))
		g |= GO_MODE_DEVICE | GO_MODE_CHAR_DEVICE;
	if (m & S_ISUID)
		g |= GO_MODE_SETUID;
	if (m & S_ISGID)
		g |= GO_MODE_SETGID;
	if (m & S_ISVTX)
		g |= GO_MODE_STICKY;
	return g;
}

/* Adds X-Docker-Container-Path-Stat for @st to the next reply. */
static void
add_stat_header(struct api_request *r, const struct cp_stat *st)
{
	char mtime[TIME_STR_MAX];
	_cleanup_json_ json_t *o = NULL;
	_cleanup_free_ char *text = NULL, *b64 = NULL;

	time_format_rfc3339nano(st->mtime_ns, mtime);
	o = json_pack("{s:o,s:I,s:I,s:s,s:o}", "name", api_json_string(st->name), "size",
		      (json_int_t)st->size, "mode", (json_int_t)go_file_mode(st->mode), "mtime",
		      mtime, "linkTarget", api_json_string(st->link_target));
	text = json_dumps(o, JSON_COMPACT);
	b64 = base64_encode(text, strlen(text));
	api_reply_header(r, "X-Docker-Container-Path-Stat", b64);
}

/* The path query parameter; replies 400 and returns NULL when missing. */
static const char *
path_param(struct api_request *r)
{
	const char *p = api_query(r, "path");

	if (!p || !*p)
		api_reply_errorf(r, 400, "Path cannot be empty");
	return p && *p ? p : NULL;
}

/* operationId: ContainerArchiveInfo */
static void
api_containers_archive_head(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct err e = {0};
	struct cp_stat st;
	const char *path;

	if (!c || !(path = path_param(r)))
		return;
	if (cp_stat(r->ctx->engine->containers, c, r->params[0], path, &st, &e) < 0)
		return api_reply_err(r, &e);
	add_stat_header(r, &st);
	api_reply_empty(r, 200);
}

struct get_job {
	struct container *c;
	struct engine *eng;
	char *ref, *path;
	struct api_stream *s;
};

static void
get_job_free(void *p)
{
	struct get_job *j = p;

	container_unref(j->c);
	free(j->ref);
	free(j->path);
	free(j);
}

static int
get_write(void *ud, const void *p, size_t n)
{
	struct get_job *j = ud;

	return api_stream_write(j->s, p, n);
}

static int
get_producer(struct api_stream *s, void *arg, struct err *e)
{
	struct get_job *j = arg;
	int r;

	j->s = s;
	r = cp_get(j->eng->containers, j->c, j->ref, j->path, get_write, j, e);
	if (r == -EPIPE)
		err_clear(e);
	return r == -EPIPE ? 0 : r;
}

/* operationId: ContainerArchive */
static void
api_containers_archive_get(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct err e = {0};
	struct cp_stat st;
	struct get_job *j;
	const char *path;

	if (!c || !(path = path_param(r)))
		return;
	/* The CLI needs the stat header, so it is sent with the 200 headers. */
	if (cp_stat(r->ctx->engine->containers, c, r->params[0], path, &st, &e) < 0)
		return api_reply_err(r, &e);
	add_stat_header(r, &st);
	j = xcalloc(1, sizeof(*j));
	j->c = TAKE_PTR(c);
	j->eng = r->ctx->engine;
	j->ref = xstrdup(r->params[0]);
	j->path = xstrdup(path);
	api_reply_stream(r, "application/x-tar", API_STREAM_HOLD_HEADERS, get_producer, j,
			 get_job_free);
}

/* operationId: PutContainerArchive */
static void
api_containers_archive_put(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct cp_put_opts o = {0};
	struct err e = {0};
	const char *path;

	if (!c || !(path = path_param(r)))
		return;
	if (r->body_error == -E2BIG)
		return api_reply_errorf(r, 413, "archive too large");
	if (r->body_error < 0 || r->body_fd < 0)
		return api_reply_errorf(r, 400, "cannot read the archive");
	o.no_overwrite_dir_non_dir = api_query_bool(r, "noOverwriteDirNonDir", false);
	o.copy_uid_gid = api_query_bool(r, "copyUIDGID", false);
	if (cp_put(r->ctx->engine->containers, c, r->params[0], path, r->body_fd, &o, &e) < 0)
		return api_reply_err(r, &e);
	api_reply_empty(r, 200);
}

const struct api_route api_containers_archive_routes[] = {
	{ "HEAD", "/containers/{id}/archive", api_containers_archive_head, API_BODY_NONE },
	{ "GET", "/containers/{id}/archive", api_containers_archive_get, API_BODY_NONE },
	{ "PUT", "/containers/{id}/archive", api_containers_archive_put, API_BODY_UPLOAD },
	{ 0 },
};
