/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-file log reader: tail by scanning backwards, then a forward scan
 * line by line, following appends by polling when asked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/container/logs.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/timeutil.h"

#define TAIL_CHUNK 65536

int64_t
logs_tail_offset(int fd, int64_t n)
{
	char chunk[TAIL_CHUNK];
	off_t end = lseek(fd, 0, SEEK_END);
	int64_t seen = 0;

	if (end < 0)
		return -errno;
	if (n <= 0)
		return end;
	/* A final line without its newline still counts as a line; a trailing
	 * newline does not start one. */
	for (off_t pos = end; pos > 0;) {
		size_t len = pos > TAIL_CHUNK ? TAIL_CHUNK : (size_t)pos;
		ssize_t got;

		pos -= (off_t)len;
		got = pread(fd, chunk, len, pos);
		if (got < 0)
			return -errno;
		for (ssize_t i = got - 1; i >= 0; i--) {
			if (chunk[i] != '\n' || pos + i == end - 1)
				continue;
			if (++seen == n)
				return pos + i + 1;
		}
	}
	return 0;
}

static bool
still_running(struct container *c)
{
	bool r;

	pthread_mutex_lock(&c->mu);
	r = !c->removed && (c->state.status == CONTAINER_RUNNING ||
			    c->state.status == CONTAINER_PAUSED ||
			    c->state.status == CONTAINER_RESTARTING || c->starting);
	pthread_mutex_unlock(&c->mu);
	return r;
}

/* 1: delivered or skipped, 0: past @until (stop), <0: the callback's error. */
static int
handle_line(const struct logs_opts *o, const char *p, size_t n, logs_fn fn, void *ud)
{
	_cleanup_json_ json_t *j = json_loadb(p, n, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, NULL);
	const char *stream, *ts, *text;
	enum logs_stream s;
	int64_t t = 0;
	int r;

	if (!j)
		return 1;
	stream = json_string_value(json_object_get(j, "stream"));
	ts = json_string_value(json_object_get(j, "time"));
	text = json_string_value(json_object_get(j, "log"));
	if (!stream || !text)
		return 1;
	s = strcmp(stream, "stderr") == 0 ? LOGS_STDERR : LOGS_STDOUT;
	if (ts && time_parse_rfc3339(ts, &t) < 0)
		t = 0;
	if (o->since_ns && t < o->since_ns)
		return 1;
	if (o->until_ns && t > o->until_ns)
		return 0;
	if ((s == LOGS_STDOUT && !o->want_stdout) || (s == LOGS_STDERR && !o->want_stderr))
		return 1;
	r = fn(ud, s, t, text, json_string_length(json_object_get(j, "log")));
	return r < 0 ? r : 1;
}

/* Hands every complete line in @b to handle_line and keeps the rest. */
static int
drain_lines(const struct logs_opts *o, struct buf *b, bool *skipping, logs_fn fn, void *ud)
{
	size_t start = 0;
	int r = 1;

	for (size_t i = 0; i < b->len && r > 0; i++) {
		if (b->data[i] != '\n')
			continue;
		if (!*skipping)
			r = handle_line(o, b->data + start, i - start, fn, ud);
		*skipping = false;
		start = i + 1;
	}
	memmove(b->data, b->data + start, b->len - start);
	b->len -= start;
	if (b->len > LIMIT_LOG_JSON_LINE) {
		/* Not a line our shim wrote: drop it up to its end. */
		b->len = 0;
		*skipping = true;
	}
	return r;
}

static bool
cancelled(const struct logs_opts *o)
{
	return o->cancelled && o->cancelled(o->cancel_ud);
}

int
logs_read(struct container *c, const struct logs_opts *o, logs_fn fn, void *ud, struct err *e)
{
	_cleanup_close_ int fd = open(c->log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_buf_ struct buf b = BUF_INIT;
	char chunk[TAIL_CHUNK];
	bool skipping = false, last_pass = false;
	int64_t off;
	int r;

	if (fd < 0 && errno != ENOENT)
		return err_errno(e, -errno, "cannot open the log of container %s", c->id);
	for (int tries = 0; fd < 0 && o->follow && still_running(c) && !cancelled(o); tries++) {
		/* The shim creates the log when the container starts. */
		struct timespec ts = { 0, 100000000L };
		nanosleep(&ts, NULL);
		fd = open(c->log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return 0;
	off = o->tail >= 0 ? logs_tail_offset(fd, o->tail) : 0;
	if (off < 0)
		return err_errno(e, (int)off, "cannot read the log of container %s", c->id);
	if (lseek(fd, off, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot read the log of container %s", c->id);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(e, -errno, "cannot read the log of container %s", c->id);
		if (n > 0) {
			buf_append(&b, chunk, (size_t)n);
			r = drain_lines(o, &b, &skipping, fn, ud);
			if (r <= 0)
				return r < 0 ? r : 0;
			continue;
		}
		/* End of file. */
		if (!o->follow || last_pass || cancelled(o))
			return 0;
		if (o->until_ns && time_now_ns() > o->until_ns)
			return 0;
		if (!still_running(c)) {
			last_pass = true; /* read what the shim wrote before the exit */
			continue;
		}
		struct timespec ts = { 0, 100000000L };
		nanosleep(&ts, NULL);
	}
}
