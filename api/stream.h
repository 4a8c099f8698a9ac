/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming replies. A producer function runs on its own thread and writes
 * into a bounded buffer; the connection thread drains it into a chunked
 * response. A slow client makes the producer wait (never the engine as a
 * whole), except for progress lines, which never wait (api_stream_progress);
 * a vanished client or daemon shutdown makes writes fail with -EPIPE
 * so the producer can stop or carry on without an audience (a pull does).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/request.h"

struct api_stream;

enum api_stream_flags {
	/* Send headers only once the producer wrote something or failed, so an
	 * early failure can still be a plain HTTP error (dockerd does this for
	 * pull, push, load and build). */
	API_STREAM_HOLD_HEADERS = 1 << 0,
	/* After data went out, a failure is reported in-band as a JSON line
	 * {"errorDetail":{"message":…},"error":…}. */
	API_STREAM_JSON_ERRORS = 1 << 1,
};

/*
 * The producer: writes with api_stream_write/api_stream_json and returns 0 or
 * a negative errno with @e filled. @arg is freed with @free_arg (may be NULL)
 * after the producer returns.
 */
typedef int (*api_stream_fn)(struct api_stream *s, void *arg, struct err *e);

/*
 * Starts @fn on a new thread and replies 200 with @content_type (NULL for no
 * Content-Type header). Returns after queuing the reply; the request is then
 * answered.
 */
void api_reply_stream(struct api_request *r, const char *content_type, unsigned flags,
		      api_stream_fn fn, void *arg, void (*free_arg)(void *));

/* Writes all of @n bytes, waiting for room: 0 or -EPIPE (client gone). */
int api_stream_write(struct api_stream *s, const void *p, size_t n);

/* Writes @obj (consumed) as one compact JSON line ending in "\r\n". */
int api_stream_json(struct api_stream *s, json_t *obj);
/*
 * Queues @obj (consumed) as one progress line ending in "\r\n" without ever
 * waiting for the client, through the bounded queue of api/lineq.h: when the
 * client lags, @droppable lines (intermediate progress) are dropped or
 * replace the newest queued droppable line with the same @key (a layer ID;
 * may be NULL); other lines are kept. A client that falls a whole
 * LIMIT_STREAM_BUFFER behind is cut off. 0 or -EPIPE (client gone).
 */
int api_stream_progress(struct api_stream *s, json_t *obj, const char *key, bool droppable);
/* Same, ending in "\n" (events, stats). */
int api_stream_json_nl(struct api_stream *s, json_t *obj);

/* True once the client went away or the daemon is shutting down. */
bool api_stream_cancelled(struct api_stream *s);

/* Marks the stream cancelled (the request is over); drops the request's ref. */
void api_stream_detach(struct api_stream *s);

/* Daemon shutdown: every stream's reader ends, every writer gets -EPIPE. */
void api_streams_shutdown(void);
