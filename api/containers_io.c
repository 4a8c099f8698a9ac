/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /containers byte streams: logs (8-byte frames without a TTY, raw with
 * one; docker-api-protocol.md §6.5, §7.3) and export (a tar of the root
 * file system). docker cp (/archive) is in containers_archive.c.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/containers.h"
#include "api/request.h"
#include "api/stream.h"
#include "engine/container/logs.h"
#include "engine/container/usage.h"
#include "engine/engine.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/frame.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

struct logs_job {
	struct container *c;
	struct logs_opts o;
	bool tty, timestamps, details;
	struct api_stream *s;
};

static void
logs_job_free(void *p)
{
	struct logs_job *j = p;

	container_unref(j->c);
	free(j);
}

static bool
logs_cancelled(void *ud)
{
	struct logs_job *j = ud;

	return api_stream_cancelled(j->s);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's url.QueryEscape: unreserved bytes as they are, space as '+', the rest %XX. */
static void
query_escape(const char *s, struct buf *out)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			buf_putc(out, (char)c);
		else if (c == ' ')
			buf_putc(out, '+');
		else
			buf_printf(out, "%%%02X", c);
	}
}

/* moby's attrsByteSlice: "k=v,k2=v2" sorted by key, both query-escaped, then a space. */
static void
details_prefix(json_t *attrs, struct buf *out)
{
	const char **keys = xcalloc(json_object_size(attrs) + 1, sizeof(*keys));
	size_t n = 0;
	const char *k;
	json_t *v;

	json_object_foreach(attrs, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		query_escape(keys[i], out);
		buf_putc(out, '=');
		query_escape(json_string_value(json_object_get(attrs, keys[i])), out);
	}
	buf_putc(out, ' ');
	free(keys);
}

/* Writes one entry as a frame (or raw for a TTY), with the timestamp and details first if asked. */
static int
logs_entry(void *ud, enum logs_stream stream, int64_t ts_ns, json_t *attrs, const char *data,
	   size_t len)
{
	struct logs_job *j = ud;
	_cleanup_buf_ struct buf pre = BUF_INIT;
	char ts[TIME_STR_MAX + 1] = "";
	size_t tlen = 0;
	int r;

	if (j->timestamps) {
		time_format_rfc3339nano_fixed(ts_ns, ts);
		buf_puts(&pre, ts);
		buf_putc(&pre, ' ');
	}
	if (j->details)
		details_prefix(attrs, &pre);
	tlen = pre.len;
	if (!j->tty) {
		unsigned char hdr[FRAME_HEADER_SIZE];
		/* one frame for the timestamp and the entry, as dockerd sends it */
		frame_header_encode(hdr, (enum frame_stream)stream, tlen + len);
		if ((r = api_stream_write(j->s, hdr, sizeof(hdr))) < 0)
			return r;
	}
	if (tlen && (r = api_stream_write(j->s, pre.data, tlen)) < 0)
		return r;
	return api_stream_write(j->s, data, len);
}

static int
logs_producer(struct api_stream *s, void *arg, struct err *e)
{
	struct logs_job *j = arg;
	int r;

	j->s = s;
	j->o.cancelled = logs_cancelled;
	j->o.cancel_ud = j;
	r = logs_read(j->c, &j->o, logs_entry, j, e);
	if (r == -EPIPE) {
		err_clear(e);
		return 0;
	}
	return r;
}

static int
query_time(struct api_request *r, const char *key, int64_t *ret)
{
	const char *v = api_query(r, key);

	*ret = 0;
	if (!v || !*v || strcmp(v, "0") == 0)
		return 0;
	if (time_parse_timestamp(v, ret) < 0) {
		api_reply_errorf(r, 400, "invalid value for \"%s\": failed to parse value as time or duration: \"%s\"", key, v);
		return -EINVAL;
	}
	return 0;
}

/* operationId: ContainerLogs */
static void
api_containers_logs(struct api_request *r)
{
	struct container *c = NULL;
	struct logs_job *j;
	const char *tail = api_query(r, "tail");
	struct err e = ERR_INIT;
	int64_t since, until, n = -1;

	if (query_time(r, "since", &since) < 0 || query_time(r, "until", &until) < 0)
		return;
	/* moby: anything but a number means all lines. */
	if (tail && *tail && strcmp(tail, "all") != 0 && parse_int64(tail, 0, INT64_MAX, &n) < 0)
		n = -1;
	if (!api_query_bool(r, "stdout", false) && !api_query_bool(r, "stderr", false)) {
		api_reply_errorf(r, 400, "Bad parameters: you must choose at least one stream");
		return;
	}
	c = api_containers_lookup(r);
	if (!c)
		return;
	if (logs_check(c, &e) < 0) {
		container_unref(c);
		api_reply_err(r, &e);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->c = c;
	j->o.want_stdout = api_query_bool(r, "stdout", false);
	j->o.want_stderr = api_query_bool(r, "stderr", false);
	j->o.follow = api_query_bool(r, "follow", false);
	j->o.since_ns = since;
	j->o.until_ns = until;
	j->o.tail = n;
	j->timestamps = api_query_bool(r, "timestamps", false);
	j->details = api_query_bool(r, "details", false);
	j->tty = c->spec.tty;
	api_reply_stream(r,
			 j->tty || api_version_lt(r, 1, 42) ? "application/vnd.docker.raw-stream"
							    : "application/vnd.docker.multiplexed-stream",
			 0, logs_producer, j, logs_job_free);
}

struct export_job {
	struct container *c;
	struct engine *eng;
	struct api_stream *s;
};

static void
export_job_free(void *p)
{
	struct export_job *j = p;

	container_unref(j->c);
	free(j);
}

static int
export_write(void *ud, const void *p, size_t n)
{
	struct export_job *j = ud;

	return api_stream_write(j->s, p, n);
}

static int
export_producer(struct api_stream *s, void *arg, struct err *e)
{
	struct export_job *j = arg;
	int r;

	j->s = s;
	r = usage_export(j->eng->containers, j->c, export_write, j, e);
	if (r == -EPIPE)
		err_clear(e);
	return r == -EPIPE ? 0 : r;
}

/* operationId: ContainerExport */
static void
api_containers_export(struct api_request *r)
{
	struct container *c = api_containers_lookup(r);
	struct export_job *j;

	if (!c)
		return;
	j = xcalloc(1, sizeof(*j));
	j->c = c;
	j->eng = r->ctx->engine;
	/* Held headers: a failure before the first byte is still a plain error. */
	api_reply_stream(r, "application/octet-stream", API_STREAM_HOLD_HEADERS, export_producer,
			 j, export_job_free);
}

const struct api_route api_containers_io_routes[] = {
	{ "GET", "/containers/{id}/logs", api_containers_logs, API_BODY_NONE },
	{ "GET", "/containers/{id}/export", api_containers_export, API_BODY_NONE },
	{ 0 },
};
