/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One HTTP request as the handlers see it: method, version-stripped path,
 * captured path parameters, query and header access, the body (buffered JSON
 * or an upload spooled to a file), and the reply functions. A handler queues
 * exactly one reply (or starts a stream / hijack); the router answers 500 if
 * it forgets. Everything here runs on the connection's own thread.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/util/buf.h"
#include "engine/util/err.h"

struct MHD_Connection;
struct MHD_Response;
struct api_ctx;
struct api_route;
struct api_stream;

#define API_MAX_PARAMS 4
#define API_MAX_EXTRA_HEADERS 8

struct api_request {
	struct MHD_Connection *conn;
	struct api_ctx *ctx;
	const struct api_route *route;
	char method[16];
	char *path;		/* percent-decoded, without the /vX.Y prefix */
	char *url;		/* as received, for the request log */
	int ver_major, ver_minor; /* the request's API version (ours when unversioned) */
	char *params[API_MAX_PARAMS];

	/* Body: JSON and small bodies are buffered; uploads go to a temp file. */
	struct buf body;
	int body_fd;		/* spooled upload, read from offset 0; -1 if none */
	uint64_t body_len;
	int body_error;		/* -E2BIG once the route's limit was passed, or -errno */

	/* Reply state. */
	bool replied;
	unsigned status;
	int64_t start_ns;
	char *extra_headers[API_MAX_EXTRA_HEADERS][2];
	size_t n_extra_headers;
	struct api_stream *stream; /* a streaming reply in progress, cancelled on completion */
	void (*on_complete)(struct api_request *r, bool client_gone);
	void *on_complete_arg;
	char err_msg[256];	/* for the request log line */
	bool metrics_started;	/* counted as a pull or build in flight (metrics.c) */

	/* Without a connection (conn NULL: unit tests and tests/fuzz call
	 * handlers' decoders directly): the query and the headers as
	 * NULL-terminated "key=value" vectors (a key without '=' has the value
	 * ""), borrowed; replies are only recorded (replied, status, err_msg). */
	char *const *no_conn_query;
	char *const *no_conn_headers;
};

/* Query value (first occurrence) or NULL; a key without "=" gives "". */
const char *api_query(struct api_request *r, const char *key);
/* Calls @fn for every value of a repeated query key; returns how many. */
size_t api_query_each(struct api_request *r, const char *key,
		      void (*fn)(const char *value, void *ud), void *ud);
/* Docker boolean query parameter (moby BoolValue), @dflt when absent. */
bool api_query_bool(struct api_request *r, const char *key, bool dflt);
/*
 * Integer query parameter in [min, max]; @dflt when absent or empty.
 * On a bad value replies 400 "<what> ..." and returns -EINVAL.
 */
int api_query_int(struct api_request *r, const char *key, int64_t min, int64_t max,
		  int64_t dflt, int64_t *ret);
/* Request header (case-insensitive) or NULL. */
const char *api_header(struct api_request *r, const char *name);

/* True when the request's API version is below major.minor. */
bool api_version_lt(const struct api_request *r, int major, int minor);

/*
 * Parses the buffered body as a JSON object. An empty body yields NULL with
 * @allow_empty, else 400 "invalid JSON: got EOF while reading request body";
 * malformed JSON, trailing data, wrong content type or too deep nesting
 * reply 400 themselves. Returns 0 (with *ret possibly NULL) or negative after
 * replying.
 */
int api_body_json(struct api_request *r, bool allow_empty, json_t **ret);

/* Adds a header to the reply that will be queued next. */
void api_reply_header(struct api_request *r, const char *name, const char *value);

/* Replies: each consumes what it is handed (json references, heap buffers). */
void api_reply_json(struct api_request *r, unsigned status, json_t *body);
/* The body api_reply_json sends for @body (borrowed): compact JSON and a
 * newline, as heap text of *@ret_len bytes; NULL when it cannot be encoded. */
char *api_json_text(json_t *body, size_t *ret_len);
void api_reply_empty(struct api_request *r, unsigned status);
void api_reply_data(struct api_request *r, unsigned status, const char *content_type,
		    char *data, size_t len);
void api_reply_text(struct api_request *r, unsigned status, const char *content_type,
		    const char *text);
/* {"message": ...} with the status mapped from e->code (see api_status_for). */
void api_reply_err(struct api_request *r, const struct err *e);
void api_reply_errorf(struct api_request *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Queues an already built MHD response with the common headers added. */
void api_reply_response(struct api_request *r, unsigned status, struct MHD_Response *resp);

/* A JSON string for @s that never fails: bytes that are not UTF-8 become '?'. */
json_t *api_json_string(const char *s);

/* The errno → HTTP status table (STYLE.md §3). */
unsigned api_status_for(int code);

/* Adds Api-Version, Ostype, Server, Docker-Experimental to @resp. */
void api_add_common_headers(struct MHD_Response *resp);
