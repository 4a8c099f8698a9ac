/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounded producer/consumer buffer between a producer thread and MHD's
 * content-reader callback (which, in thread-per-connection mode, may block).
 * Lock order: only s->mu, never held across anything but memcpy.
 */
#include "config.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/lineq.h"
#include "api/stream.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/thread.h"
#include "engine/util/xalloc.h"

struct api_stream {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int refs;
	char *ring;
	size_t cap, head, len;
	struct lineq progress;	/* lossy lines; sent after the ring's bytes */
	bool done, cancelled, started;
	int result;
	struct err err;
	unsigned flags;
	int conn_fd;		/* to notice a client that hung up while we wait */
	api_stream_fn fn;
	void *arg;
	void (*free_arg)(void *);
};

static atomic_bool shutting_down;

static void
stream_unref(struct api_stream *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->ring);
	lineq_release(&s->progress);
	free(s);
}

void
api_streams_shutdown(void)
{
	atomic_store(&shutting_down, true);
}

static void
timed_wait(struct api_stream *s, long ms)
{
	(void)deadline_cond_wait_ms(&s->cv, &s->mu, ms);
}

/* Called with s->mu held: notices a hung-up client or shutdown. */
static bool
check_cancel_locked(struct api_stream *s)
{
	if (!s->cancelled && atomic_load(&shutting_down))
		s->cancelled = true;
	if (!s->cancelled && s->conn_fd >= 0) {
		struct pollfd p = { .fd = s->conn_fd, .events = POLLRDHUP };
		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			s->cancelled = true;
	}
	if (s->cancelled)
		pthread_cond_broadcast(&s->cv);
	return s->cancelled;
}

int
api_stream_write(struct api_stream *s, const void *p, size_t n)
{
	const char *src = p;
	int r = 0;

	pthread_mutex_lock(&s->mu);
	while (n > 0) {
		if (s->cancelled) {
			r = -EPIPE;
			break;
		}
		/* Lossy lines queued earlier go out first: keep the order. */
		if (s->len == s->cap || !lineq_is_empty(&s->progress)) {
			timed_wait(s, 1000);
			continue;
		}
		size_t tail = (s->head + s->len) % s->cap;
		size_t room = s->cap - s->len;
		size_t chunk = n < room ? n : room;
		if (chunk > s->cap - tail)
			chunk = s->cap - tail;
		memcpy(s->ring + tail, src, chunk);
		s->len += chunk;
		src += chunk;
		n -= chunk;
		s->started = true;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

/*
 * One value and its line end in one write: written apart, the end could go
 * out as a chunk of its own ("\r\n" alone, last in the stream), which a
 * client splitting the stream into JSON values by chunk (docker-py's
 * json_stream) fails to decode.
 */
static int
write_json(struct api_stream *s, json_t *obj, const char *eol)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	size_t n, k = strlen(eol);
	int r;

	json_decref(obj);
	if (!text)
		return -ENOMEM;
	n = strlen(text);
	text = xrealloc(text, n + k + 1);
	memcpy(text + n, eol, k + 1);
	r = api_stream_write(s, text, n + k);
	free(text);
	return r;
}

int
api_stream_progress(struct api_stream *s, json_t *obj, const char *key, bool droppable)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	size_t n;
	int r;

	json_decref(obj);
	if (!text)
		return -ENOMEM;
	n = strlen(text);
	text = xrealloc(text, n + 3);
	memcpy(text + n, "\r\n", 3);
	pthread_mutex_lock(&s->mu);
	if (s->cancelled) {
		r = -EPIPE;
	} else {
		r = lineq_push(&s->progress, text, n + 2, key, droppable);
		if (r == -ENOBUFS) {
			/* The client stopped reading long ago: cut it off, the job goes on. */
			log_info("progress client stopped reading, closing its stream");
			s->cancelled = true;
			r = -EPIPE;
		} else {
			r = 0;
			s->started = true;
		}
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	free(text);
	return r;
}

int
api_stream_json(struct api_stream *s, json_t *obj)
{
	return write_json(s, obj, "\r\n");
}

int
api_stream_json_nl(struct api_stream *s, json_t *obj)
{
	return write_json(s, obj, "\n");
}

bool
api_stream_cancelled(struct api_stream *s)
{
	bool c;

	pthread_mutex_lock(&s->mu);
	c = check_cancel_locked(s);
	pthread_mutex_unlock(&s->mu);
	return c;
}

void
api_stream_detach(struct api_stream *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->cancelled = true;
	s->conn_fd = -1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	stream_unref(s);
}

static void *
producer_main(void *arg)
{
	struct api_stream *s = arg;
	struct err e = ERR_INIT;
	int r;

	r = s->fn(s, s->arg, &e);
	if (s->free_arg)
		s->free_arg(s->arg);
	if (r < 0 && !err_is_set(&e))
		err_set(&e, r, "%s", strerror(-r));
	pthread_mutex_lock(&s->mu);
	bool report = r < 0 && s->started && (s->flags & API_STREAM_JSON_ERRORS) && !s->cancelled;
	pthread_mutex_unlock(&s->mu);
	if (r < 0 && s->started && !(s->flags & API_STREAM_JSON_ERRORS))
		log_warn("stream failed after its headers were sent: %s", e.msg);
	if (report) {
		json_t *o = json_pack("{s:{s:s},s:s}", "errorDetail", "message", e.msg, "error", e.msg);
		if (o)
			(void)api_stream_json(s, o);
	}
	pthread_mutex_lock(&s->mu);
	s->done = true;
	s->result = r;
	s->err = e;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	stream_unref(s);
	return NULL;
}

static ssize_t
reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct api_stream *s = cls;
	ssize_t n = 0;

	(void)pos;
	pthread_mutex_lock(&s->mu);
	while (s->len == 0 && lineq_is_empty(&s->progress) && !s->done &&
	       !check_cancel_locked(s))
		timed_wait(s, 1000);
	if (s->len == 0 && !lineq_is_empty(&s->progress)) {
		n = (ssize_t)lineq_read(&s->progress, out, max);
		pthread_cond_broadcast(&s->cv);
	} else if (s->len > 0) {
		/* both sides of the ring's wrap in one chunk: a value's line end
		 * never goes out alone because the ring wrapped before it */
		while (s->len > 0 && (size_t)n < max) {
			size_t chunk = s->len < max - (size_t)n ? s->len : max - (size_t)n;
			if (chunk > s->cap - s->head)
				chunk = s->cap - s->head;
			memcpy(out + n, s->ring + s->head, chunk);
			s->head = (s->head + chunk) % s->cap;
			s->len -= chunk;
			n += (ssize_t)chunk;
		}
		pthread_cond_broadcast(&s->cv);
	} else if (s->done) {
		/* A stream without in-band errors (a tar) that failed is cut
		 * short, so the client sees an unexpected end, not a success. */
		n = s->result < 0 && !(s->flags & API_STREAM_JSON_ERRORS)
			    ? MHD_CONTENT_READER_END_WITH_ERROR
			    : MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		n = MHD_CONTENT_READER_END_WITH_ERROR;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

static void
reader_free(void *cls)
{
	stream_unref(cls);
}

void
api_reply_stream(struct api_request *r, const char *content_type, unsigned flags,
		 api_stream_fn fn, void *arg, void (*free_arg)(void *))
{
	struct api_stream *s = xcalloc(1, sizeof(*s));
	const union MHD_ConnectionInfo *ci;
	struct MHD_Response *resp;

	pthread_mutex_init(&s->mu, NULL);
	(void)deadline_cond_init(&s->cv);	/* cannot fail on Linux */
	s->cap = LIMIT_STREAM_BUFFER;
	s->ring = xmalloc(s->cap);
	lineq_init(&s->progress, LIMIT_PROGRESS_BUFFER, LIMIT_STREAM_BUFFER);
	s->flags = flags;
	s->fn = fn;
	s->arg = arg;
	s->free_arg = free_arg;
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	s->conn_fd = ci ? ci->connect_fd : -1;
	atomic_store(&s->refs, 2); /* producer + request */
	r->stream = s;

	if (thread_spawn_detached(producer_main, s, 0) < 0) {
		if (free_arg)
			free_arg(arg);
		atomic_store(&s->refs, 1);
		api_reply_errorf(r, 500, "cannot start stream: out of threads");
		return;
	}

	if (flags & API_STREAM_HOLD_HEADERS) {
		pthread_mutex_lock(&s->mu);
		while (!s->started && !s->done && !check_cancel_locked(s))
			timed_wait(s, 1000);
		bool failed_early = s->done && !s->started && s->result < 0;
		struct err e = s->err;
		pthread_mutex_unlock(&s->mu);
		if (failed_early) {
			api_reply_err(r, &e);
			return;
		}
	}
	atomic_fetch_add(&s->refs, 1); /* the response's */
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, reader, s,
						 reader_free);
	if (!resp) {
		stream_unref(s);
		api_reply_errorf(r, 500, "cannot create response");
		return;
	}
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	api_reply_response(r, 200, resp);
}
