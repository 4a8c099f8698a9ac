/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Query/header accessors and the reply functions of struct api_request.
 * Replies carry dockerd's common headers; errors are {"message": …} with
 * Content-Type exactly application/json (the Go client insists on it).
 */
#include "config.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/jsonx.h"
#include "api/request.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/jsonget.h"
#include "engine/util/xalloc.h"

/* The value of @key in a "key=value" vector (see struct api_request), from
 * index *@i on; *@i is left after the match. */
static const char *
no_conn_value(char *const *kv, const char *key, bool icase, size_t *i)
{
	size_t n = strlen(key);

	for (; kv && kv[*i]; (*i)++) {
		const char *s = kv[*i];
		if ((icase ? strncasecmp(s, key, n) : strncmp(s, key, n)) != 0 ||
		    (s[n] != '=' && s[n] != '\0'))
			continue;
		(*i)++;
		return s[n] ? s + n + 1 : "";
	}
	return NULL;
}

const char *
api_query(struct api_request *r, const char *key)
{
	const char *v;
	size_t i = 0;

	if (!r->conn)
		return no_conn_value(r->no_conn_query, key, false, &i);
	if (!MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), &v,
					   NULL))
		return NULL;
	return v ? v : "";
}

struct each_ctx {
	const char *key;
	void (*fn)(const char *, void *);
	void *ud;
	size_t n;
};

static enum MHD_Result
each_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct each_ctx *c = cls;

	(void)kind;
	if (key && strcmp(key, c->key) == 0) {
		c->n++;
		if (c->fn)
			c->fn(value ? value : "", c->ud);
	}
	return MHD_YES;
}

size_t
api_query_each(struct api_request *r, const char *key, void (*fn)(const char *, void *), void *ud)
{
	struct each_ctx c = { key, fn, ud, 0 };
	const char *v;
	size_t i = 0;

	if (!r->conn) {
		while ((v = no_conn_value(r->no_conn_query, key, false, &i)))
			each_cb(&c, MHD_GET_ARGUMENT_KIND, key, v);
		return c.n;
	}
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, each_cb, &c);
	return c.n;
}

bool
api_query_bool(struct api_request *r, const char *key, bool dflt)
{
	return parse_docker_bool(api_query(r, key), dflt);
}

int
api_query_int(struct api_request *r, const char *key, int64_t min, int64_t max, int64_t dflt,
	      int64_t *ret)
{
	const char *v = api_query(r, key);
	int k;

	if (!v || !*v) {
		*ret = dflt;
		return 0;
	}
	k = parse_int64(v, min, max, ret);
	if (k < 0) {
		api_reply_errorf(r, 400, "invalid value for %s: \"%s\"", key, v);
		return -EINVAL;
	}
	return 0;
}

const char *
api_header(struct api_request *r, const char *name)
{
	size_t i = 0;

	if (!r->conn)
		return no_conn_value(r->no_conn_headers, name, true, &i);
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool
api_version_lt(const struct api_request *r, int major, int minor)
{
	return r->ver_major < major || (r->ver_major == major && r->ver_minor < minor);
}

int
api_body_json(struct api_request *r, bool allow_empty, json_t **ret)
{
	const char *ct = api_header(r, "Content-Type");
	json_error_t jerr;
	json_t *j;

	*ret = NULL;
	if (r->body_error == -E2BIG) {
		api_reply_errorf(r, 413, "request body is too large (limit %u bytes)",
				 LIMIT_JSON_BODY);
		return -E2BIG;
	}
	if (r->body.len == 0) {
		if (allow_empty)
			return 0;
		api_reply_errorf(r, 400, "invalid JSON: got EOF while reading request body");
		return -EINVAL;
	}
	if (ct && *ct) {
		size_t n = strcspn(ct, ";");
		while (n > 0 && ct[n - 1] == ' ')
			n--;
		if (!(n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0)) {
			api_reply_errorf(r, 400,
					 "unsupported Content-Type header (%s): must be 'application/json'",
					 ct);
			return -EINVAL;
		}
	}
	j = json_loadb(r->body.data, r->body.len, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &jerr);
	if (!j) {
		api_reply_errorf(r, 400, "invalid JSON: %s", jerr.text);
		return -EINVAL;
	}
	for (size_t i = (size_t)jerr.position; i < r->body.len; i++) {
		char c = r->body.data[i];
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
			json_decref(j);
			api_reply_errorf(r, 400, "unexpected content after JSON");
			return -EINVAL;
		}
	}
	if (jx_depth(j, LIMIT_JSON_DEPTH) > LIMIT_JSON_DEPTH) {
		json_decref(j);
		api_reply_errorf(r, 400, "invalid JSON: nesting deeper than %d levels",
				 LIMIT_JSON_DEPTH);
		return -EINVAL;
	}
	if (json_is_null(j) && allow_empty) {
		json_decref(j);
		return 0;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_errorf(r, 400, "invalid JSON: expected an object");
		return -EINVAL;
	}
	*ret = j;
	return 0;
}

void
api_reply_header(struct api_request *r, const char *name, const char *value)
{
	if (r->n_extra_headers >= API_MAX_EXTRA_HEADERS)
		return;
	r->extra_headers[r->n_extra_headers][0] = xstrdup(name);
	r->extra_headers[r->n_extra_headers][1] = xstrdup(value);
	r->n_extra_headers++;
}

void
api_add_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Api-Version", API_VERSION_STR);
	MHD_add_response_header(resp, "Docker-Experimental", "false");
	MHD_add_response_header(resp, "Ostype", "linux");
	MHD_add_response_header(resp, "Server", "berth/" PACKAGE_VERSION " (linux)");
}

void
api_reply_response(struct api_request *r, unsigned status, struct MHD_Response *resp)
{
	if (r->replied) {
		log_error("double reply to %s %s, ignoring", r->method, r->path);
		MHD_destroy_response(resp);
		return;
	}
	api_add_common_headers(resp);
	if (r->ctx && r->ctx->cors_origin) {
		/* dockerd's CORS middleware, on when api-cors-header is set. */
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->ctx->cors_origin);
		MHD_add_response_header(resp, "Access-Control-Allow-Headers",
					"Origin, X-Requested-With, Content-Type, Accept, "
					"X-Registry-Auth");
		MHD_add_response_header(resp, "Access-Control-Allow-Methods",
					"HEAD, GET, POST, DELETE, PUT, OPTIONS");
	}
	for (size_t i = 0; i < r->n_extra_headers; i++)
		MHD_add_response_header(resp, r->extra_headers[i][0], r->extra_headers[i][1]);
	r->replied = true;
	r->status = status;
	if (!r->conn) {
		MHD_destroy_response(resp);
		return;
	}
	if (MHD_queue_response(r->conn, status, resp) != MHD_YES)
		log_warn("cannot queue response for %s %s", r->method, r->path);
	MHD_destroy_response(resp);
}

void
api_reply_data(struct api_request *r, unsigned status, const char *content_type, char *data,
	       size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);

	if (!resp) {
		free(data);
		return;
	}
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	api_reply_response(r, status, resp);
}

void
api_reply_text(struct api_request *r, unsigned status, const char *content_type, const char *text)
{
	api_reply_data(r, status, content_type, xstrdup(text), strlen(text));
}

char *
api_json_text(json_t *body, size_t *ret_len)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t n;

	if (!text)
		return NULL;
	/* Go's json.Encoder ends every document with a newline; keep that. */
	n = strlen(text);
	text = xrealloc(text, n + 2);
	text[n] = '\n';
	text[n + 1] = '\0';
	*ret_len = n + 1;
	return text;
}

void
api_reply_json(struct api_request *r, unsigned status, json_t *body)
{
	size_t n = 0;
	char *text = api_json_text(body, &n);

	json_decref(body);
	if (!text) {
		static const char fallback[] = "{\"message\":\"cannot encode reply\"}\n";
		api_reply_data(r, 500, "application/json", xstrdup(fallback), sizeof(fallback) - 1);
		return;
	}
	api_reply_data(r, status, "application/json", text, n);
}

void
api_reply_empty(struct api_request *r, unsigned status)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	api_reply_response(r, status, resp);
}

unsigned
api_status_for(int code)
{
	switch (code) {
	case -EINVAL:
	case -ERANGE:
	case -E2BIG:
		return 400;
	case -EPERM:
	case -EACCES:
		return 403;
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -EBUSY:
	case -ENOTEMPTY:
		return 409;
	case -EALREADY:
		return 304;
	case -ENOTSUP:
		return 501;
	case -EAGAIN:
		return 503;
	case -EKEYREJECTED:
		return 401;
	default:
		return 500;
	}
}

json_t *
api_json_string(const char *s)
{
	return jsonget_text(s);
}

static void
reply_message(struct api_request *r, unsigned status, const char *msg)
{
	snprintf(r->err_msg, sizeof(r->err_msg), "%s", msg);
	if (status == 304) {
		api_reply_empty(r, 304);
		return;
	}
	api_reply_json(r, status, json_pack("{s:o}", "message", api_json_string(msg)));
}

void
api_reply_err(struct api_request *r, const struct err *e)
{
	reply_message(r, api_status_for(e->code), e->msg[0] ? e->msg : "internal error");
}

void
api_reply_errorf(struct api_request *r, unsigned status, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_message(r, status, msg);
}
