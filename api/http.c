/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd access/completion callbacks: creates the per-request state on
 * the first call, routes it, takes the upload (buffered or spooled to an
 * unnamed temp file, bounded per route), dispatches to the handler once the
 * body is complete, and logs one line per request when it is done.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/api.h"
#include "api/metrics.h"
#include "api/reqline.h"
#include "api/request.h"
#include "api/router.h"
#include "api/stream.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* Bodies of routes that take none are still read, up to this, then refused. */
#define NONE_BODY_LIMIT (64u * 1024)

enum route_state { ROUTE_OK, ROUTE_NOT_FOUND, ROUTE_BAD_VERSION };

struct request_priv {
	struct api_request r;
	enum route_state state;
	char version_msg[160];
};

static void
request_free(struct request_priv *p)
{
	struct api_request *r = &p->r;

	if (r->stream)
		api_stream_detach(r->stream);
	for (size_t i = 0; i < API_MAX_PARAMS; i++)
		free(r->params[i]);
	for (size_t i = 0; i < r->n_extra_headers; i++) {
		free(r->extra_headers[i][0]);
		free(r->extra_headers[i][1]);
	}
	buf_release(&r->body);
	safe_close(r->body_fd);
	free(r->path);
	free(r->url);
	free(p);
}

static struct request_priv *
request_new(struct api_ctx *ctx, struct MHD_Connection *conn, const char *url, const char *method)
{
	struct request_priv *p = xcalloc(1, sizeof(*p));
	struct api_request *r = &p->r;
	const char *rest = url;
	int k;

	r->conn = conn;
	r->ctx = ctx;
	r->body_fd = -1;
	r->start_ns = time_mono_ns();
	r->url = xstrdup(url);
	snprintf(r->method, sizeof(r->method), "%s", method);
	r->ver_major = API_VERSION_MAJOR;
	r->ver_minor = API_VERSION_MINOR;

	k = router_split_version(url, &r->ver_major, &r->ver_minor, &rest);
	r->path = xstrdup(k < 0 ? url : rest);
	if (k < 0) {
		p->state = ROUTE_NOT_FOUND;
		return p;
	}
	if (k > 0) {
		if (r->ver_major > API_VERSION_MAJOR ||
		    (r->ver_major == API_VERSION_MAJOR && r->ver_minor > API_VERSION_MINOR)) {
			p->state = ROUTE_BAD_VERSION;
			snprintf(p->version_msg, sizeof(p->version_msg),
				 "client version %d.%d is too new. Maximum supported API version is %s",
				 r->ver_major, r->ver_minor, API_VERSION_STR);
		} else if (r->ver_major < API_MIN_VERSION_MAJOR ||
			   (r->ver_major == API_MIN_VERSION_MAJOR &&
			    r->ver_minor < API_MIN_VERSION_MINOR)) {
			p->state = ROUTE_BAD_VERSION;
			snprintf(p->version_msg, sizeof(p->version_msg),
				 "client version %d.%d is too old. Minimum supported API version is %s, please upgrade your client to a newer version",
				 r->ver_major, r->ver_minor, API_MIN_VERSION_STR);
		}
	}
	if (p->state == ROUTE_OK) {
		r->route = router_match(method, r->path, r->params);
		if (!r->route && strcmp(method, "OPTIONS") != 0)
			p->state = ROUTE_NOT_FOUND;
	}
	return p;
}

/* The most a buffered body of @kind may hold (uploads are not buffered). */
static size_t
body_limit(enum api_body kind)
{
	return kind == API_BODY_JSON ? LIMIT_JSON_BODY : NONE_BODY_LIMIT;
}

static void
take_upload(struct request_priv *p, const char *data, size_t n)
{
	struct api_request *r = &p->r;
	enum api_body kind = r->route ? r->route->body : API_BODY_NONE;

	if (r->body_error)
		return;
	if (kind == API_BODY_UPLOAD) {
		if (r->body_fd < 0) {
			r->body_fd = open(r->ctx->tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
			if (r->body_fd < 0) {
				r->body_error = -errno;
				return;
			}
		}
		/* Not capped by size (as dockerd): the connection guard cuts an
		 * upload that stops making progress. */
		int k = fs_write_all(r->body_fd, data, n);
		if (k < 0) {
			r->body_error = k;
			return;
		}
		r->body_len += n;
		return;
	}
	int k = buf_append_checked(&r->body, data, n, body_limit(kind));
	if (k < 0)
		r->body_error = k;
	else
		r->body_len += n;
}

static void
dispatch(struct request_priv *p)
{
	struct api_request *r = &p->r;

	switch (p->state) {
	case ROUTE_BAD_VERSION:
		api_reply_errorf(r, 400, "%s", p->version_msg);
		return;
	case ROUTE_NOT_FOUND:
		api_reply_errorf(r, 404, "page not found");
		return;
	case ROUTE_OK:
		break;
	}
	if (!r->route) {
		/* moby answers OPTIONS on any path (CORS pre-flight). */
		api_reply_empty(r, 200);
		return;
	}
	if (r->body_error == -E2BIG) {
		api_reply_errorf(r, 413, "request body is too large (limit %zu bytes)",
				 body_limit(r->route->body));
		return;
	}
	if (r->body_error < 0) {
		api_reply_errorf(r, 500, "cannot store request body: %s", strerror(-r->body_error));
		return;
	}
	if (r->body_fd >= 0 && lseek(r->body_fd, 0, SEEK_SET) < 0) {
		api_reply_errorf(r, 500, "cannot read request body: %s", strerror(errno));
		return;
	}
	api_metrics_request_start(r);
	r->route->fn(r);
	if (!r->replied) {
		log_error("handler for %s %s gave no reply", r->method, r->path);
		api_reply_errorf(r, 500, "internal error: no reply");
	}
}

struct header_count {
	unsigned content_length;
	const char *first_length;
	bool lengths_differ;
};

static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct header_count *hc = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
		return MHD_YES;
	if (hc->content_length++ == 0)
		hc->first_length = value;
	else if (strcmp(hc->first_length, value ? value : "") != 0)
		hc->lengths_differ = true;
	return MHD_YES;
}

static enum MHD_Result
find_nul_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
	     const char *value, size_t value_size)
{
	bool *found = cls;

	(void)kind;
	if (strlen(key) != key_size || (value && strlen(value) != value_size)) {
		*found = true;
		return MHD_NO;
	}
	return MHD_YES;
}

/*
 * Request framing libmicrohttpd lets through but a proxy in front of us
 * might read differently (request smuggling), and query values it would
 * silently truncate: refused before any handler runs, and the connection
 * is closed after the reply. 0 when the request is fine, else the status,
 * with @msg filled.
 */
static unsigned
check_framing(struct MHD_Connection *conn, char *msg, size_t msg_size)
{
	struct header_count hc = {0};
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);
	bool nul = false;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &hc);
	if (hc.lengths_differ) {
		snprintf(msg, msg_size, "bad request: conflicting Content-Length headers");
		return 400;
	}
	if (te && hc.content_length > 0) {
		snprintf(msg, msg_size, "bad request: both Transfer-Encoding and Content-Length");
		return 400;
	}
	if (te && strcasecmp(te, "chunked") != 0) {
		snprintf(msg, msg_size, "unsupported transfer encoding: \"%.64s\"", te);
		return 501;
	}
	/* MHD decodes query values into C strings: %00 would cut one short. */
	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, find_nul_arg, &nul);
	if (nul) {
		snprintf(msg, msg_size, "bad request: NUL byte (%%00) in the query string");
		return 400;
	}
	return 0;
}

static enum MHD_Result
add_size(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
	 size_t value_size)
{
	size_t *total = cls;

	(void)kind;
	(void)key;
	(void)value;
	*total += key_size + value_size + 4; /* ": " and CRLF, or "=" and "&" */
	return MHD_YES;
}

/*
 * Sizes libmicrohttpd let through (its own per-connection memory,
 * LIMIT_MHD_CONN_MEMORY, stops larger heads with an HTML 414 or 431): the
 * request target, the header block and an announced body, each against
 * its limit, with a Docker-style message. 0 when within them, else the
 * status, with @msg filled.
 */
static unsigned
check_sizes(struct MHD_Connection *conn, const char *url, const struct api_route *route, char *msg,
	    size_t msg_size)
{
	size_t target = strlen(url), head = 0;
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	enum api_body kind = route ? route->body : API_BODY_NONE;
	uint64_t len;

	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, add_size, &target);
	if (target > LIMIT_REQUEST_TARGET) {
		snprintf(msg, msg_size, "request URI is too long (limit %u bytes)",
			 LIMIT_REQUEST_TARGET);
		return 414;
	}
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, add_size, &head);
	if (head > LIMIT_REQUEST_HEADERS) {
		snprintf(msg, msg_size, "request header fields are too large (limit %u bytes)",
			 LIMIT_REQUEST_HEADERS);
		return 431;
	}
	/* A body announced larger than the route buffers: refused before it is sent. */
	if (route && cl && kind != API_BODY_UPLOAD) {
		if (parse_uint64(cl, UINT64_MAX, &len) == 0 && len > body_limit(kind)) {
			snprintf(msg, msg_size, "request body is too large (limit %zu bytes)",
				 body_limit(kind));
			return 413;
		}
	}
	return 0;
}

/* True when @origin ("scheme://host[:port]") names the host the request was sent to. */
static bool
same_origin(const char *origin, const char *host)
{
	const char *rest = NULL;

	if (!host || !*host)
		return false;
	if (strncasecmp(origin, "http://", 7) == 0)
		rest = origin + 7;
	else if (strncasecmp(origin, "https://", 8) == 0)
		rest = origin + 8;
	return rest && strcasecmp(rest, host) == 0;
}

/*
 * Browsers are clients too: a page from any site can send a body-less
 * cross-origin POST to a loopback listener, or open a WebSocket to an
 * attach endpoint, and the browser does not ask first. So a request that
 * carries an Origin (only browsers send one; the CLI and the SDKs do not)
 * may change state or upgrade only when that origin is the listener's own
 * or the one the CORS setting allows. A read-only listener serves GET and
 * HEAD only. 0 when the request may go on, else 403 with @msg filled.
 */
static unsigned
check_origin(const struct api_ctx *ctx, struct MHD_Connection *conn, const char *method, char *msg,
	     size_t msg_size)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *upgrade = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Upgrade");
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	bool reads = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	if (ctx->read_only && (!reads || upgrade)) {
		snprintf(msg, msg_size, "this listener is read-only: %s%s is not allowed", method,
			 upgrade ? " with an upgrade" : "");
		return 403;
	}
	if (!origin || ((reads || strcmp(method, "OPTIONS") == 0) && !upgrade))
		return 0;
	if (same_origin(origin, host))
		return 0;
	if (ctx->cors_origin &&
	    (strcmp(ctx->cors_origin, "*") == 0 || strcasecmp(ctx->cors_origin, origin) == 0))
		return 0;
	snprintf(msg, msg_size,
		 "cross-origin request from %.200s refused: allow that origin with the "
		 "daemon's api-cors-header setting",
		 origin);
	return 403;
}

/* *req_cls of a request whose raw target holds a control byte. */
static char bad_target;

void *
api_uri_logged(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	return reqline_split_is_garbage(NULL, uri) ? &bad_target : NULL;
}

bool
api_request_is_new(const void *req_cls)
{
	return req_cls == NULL || req_cls == &bad_target;
}

enum MHD_Result
api_access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
		   const char *version, const char *upload_data, size_t *upload_data_size,
		   void **req_cls)
{
	struct request_priv *p = *req_cls;

	(void)version;
	if (api_request_is_new(p)) {
		char msg[160];
		unsigned status = 0;

		/* Garbage in a later request of a kept-alive connection (the front
		 * door judged the first): Go's server answers 400 and closes. */
		if (p || reqline_split_is_garbage(method, NULL)) {
			snprintf(msg, sizeof(msg), "bad request: malformed HTTP request line");
			status = 400;
		}
		p = request_new(cls, conn, url, method);
		*req_cls = p;
		if (!status)
			status = check_framing(conn, msg, sizeof(msg));
		if (!status)
			status = check_sizes(conn, url, p->r.route, msg, sizeof(msg));
		if (!status)
			status = check_origin(cls, conn, method, msg, sizeof(msg));
		if (status) {
			/* Answer now, without reading a body we cannot frame. */
			api_reply_header(&p->r, MHD_HTTP_HEADER_CONNECTION, "close");
			api_reply_errorf(&p->r, status, "%s", msg);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		take_upload(p, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (p->r.replied)
		return MHD_YES;
	dispatch(p);
	return MHD_YES;
}

void
api_request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct request_priv *p = *req_cls;
	struct api_ctx *ctx = cls;
	struct api_request *r;

	(void)conn;
	if (api_request_is_new(p)) {
		*req_cls = NULL;
		return;
	}
	r = &p->r;
	if (r->on_complete)
		r->on_complete(r, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	double ms = (double)(time_mono_ns() - r->start_ns) / 1e6;
	api_metrics_request_done(r, ms / 1e3);
	if (ctx->log_requests || r->status >= 500) {
		if (r->status >= 400 && r->err_msg[0])
			log_write(r->status >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO,
				  "%s %s %u %.1fms: %s", r->method, r->url, r->status, ms,
				  r->err_msg);
		else
			log_info("%s %s %u %.1fms%s", r->method, r->url, r->status, ms,
				 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (cut short)");
	}
	request_free(p);
	*req_cls = NULL;
}

void
api_dump_routes(FILE *f)
{
	for (size_t t = 0; api_route_tables[t]; t++)
		for (const struct api_route *rt = api_route_tables[t]; rt->method; rt++)
			fprintf(f, "%s %s\n", rt->method, rt->pattern);
}
