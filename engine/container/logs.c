/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-file log reader: the rotated files oldest first (gzip or plain,
 * through zlib, which reads either), then the live file; tail by scanning
 * backwards, then a forward scan line by line, following appends and
 * rotations by polling when asked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/container/logconf.h"
#include "engine/container/logs.h"
#include "engine/runtime/logfile.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"

#define TAIL_CHUNK 65536

/* One pass over the entries: the options, the callback and the line splitter's state. */
struct reader {
	const struct logs_opts *o;
	logs_fn fn;
	void *ud;
	struct buf b;	    /* bytes of a line not yet ended */
	bool skipping;	    /* dropping an oversized line up to its end */
	int64_t skip_lines; /* lines still to pass over for the tail */
};

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
	r = fn(ud, s, t, json_object_get(j, "attrs"), text,
	       json_string_length(json_object_get(j, "log")));
	return r < 0 ? r : 1;
}

/* Adds @n bytes and hands every complete line to handle_line, keeping the rest. */
static int
feed(struct reader *rd, const char *p, size_t n)
{
	struct buf *b = &rd->b;
	size_t start = 0;
	int r = 1;

	buf_append(b, p, n);
	for (size_t i = 0; i < b->len && r > 0; i++) {
		if (b->data[i] != '\n')
			continue;
		if (rd->skip_lines > 0)
			rd->skip_lines--;
		else if (!rd->skipping)
			r = handle_line(rd->o, b->data + start, i - start, rd->fn, rd->ud);
		rd->skipping = false;
		start = i + 1;
	}
	memmove(b->data, b->data + start, b->len - start);
	b->len -= start;
	if (b->len > LIMIT_LOG_JSON_LINE) {
		/* Not a line our shim wrote: drop it up to its end. */
		b->len = 0;
		rd->skipping = true;
	}
	return r;
}

/* A rotated file ended: a last line without its newline is still an entry. */
static int
feed_end(struct reader *rd)
{
	int r = rd->b.len ? feed(rd, "\n", 1) : 1;

	buf_reset(&rd->b);
	rd->skipping = false;
	rd->skip_lines = 0;
	return r;
}

static bool
cancelled(const struct logs_opts *o)
{
	return o->cancelled && o->cancelled(o->cancel_ud);
}

static gzFile
gz_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;

	if (fd >= 0 && !gz)
		close(fd);
	return gz;
}

/* Lines in a rotated file (plain or gzip); a file that vanished has none. */
static int64_t
gz_count_lines(const char *path)
{
	gzFile gz = gz_open(path);
	char chunk[TAIL_CHUNK];
	int64_t n = 0;
	char last = '\n';
	int got;

	if (!gz)
		return 0;
	while ((got = gzread(gz, chunk, sizeof(chunk))) > 0) {
		for (int i = 0; i < got; i++)
			n += chunk[i] == '\n';
		last = chunk[got - 1];
	}
	gzclose(gz);
	return n + (last != '\n');
}

/* Lines in the live file from @fd's start (a final line without newline counts). */
static int64_t
fd_count_lines(int fd)
{
	char chunk[TAIL_CHUNK];
	int64_t n = 0;
	char last = '\n';
	ssize_t got;
	off_t pos = 0;

	while ((got = pread(fd, chunk, sizeof(chunk), pos)) > 0) {
		for (ssize_t i = 0; i < got; i++)
			n += chunk[i] == '\n';
		last = chunk[got - 1];
		pos += got;
	}
	return n + (last != '\n');
}

/* Reads one rotated file through @rd. 1: go on, 0: stop (past until), <0: callback error. */
static int
read_rotated(struct reader *rd, const char *path)
{
	gzFile gz = gz_open(path);
	char chunk[TAIL_CHUNK];
	int got, r = 1;

	if (!gz)
		return 1; /* rotated away meanwhile: dockerd's reader skips it too */
	while (r > 0 && (got = gzread(gz, chunk, sizeof(chunk))) > 0)
		r = feed(rd, chunk, (size_t)got);
	gzclose(gz);
	if (r > 0)
		r = feed_end(rd);
	return r;
}

/*
 * Where the tail starts: the index of the first rotated file to read (n_rot
 * when only the live file is read) with the lines to skip in it, and the
 * offset in the live file. A live file with enough lines settles it alone.
 */
static int
tail_start(int fd, char **rot, size_t n_rot, int64_t tail, size_t *ret_first, int64_t *ret_skip,
	   int64_t *ret_off)
{
	int64_t off = fd >= 0 ? logs_tail_offset(fd, tail) : 0, need;

	*ret_first = n_rot;
	*ret_skip = 0;
	if (off < 0)
		return (int)off;
	*ret_off = off;
	if (off > 0 || tail == 0)
		return 0;
	need = tail - (fd >= 0 ? fd_count_lines(fd) : 0);
	for (size_t i = n_rot; need > 0 && i-- > 0;) {
		int64_t n = gz_count_lines(rot[i]);
		*ret_first = i;
		if (n >= need) {
			*ret_skip = n - need;
			break;
		}
		need -= n;
	}
	return 0;
}

/* True once the live file is no longer the one behind @fd (rotated, or not there yet). */
static bool
rotated_away(const char *path, int fd)
{
	struct stat a, b;

	if (stat(path, &a) < 0)
		return true;
	return fstat(fd, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static void
nap(void)
{
	struct timespec ts = {0, 100000000L};

	nanosleep(&ts, NULL);
}

/* Reads @fd to its end through @rd: 1 at the end, 0 to stop, <0 on error. */
static int
read_to_end(struct reader *rd, int fd, struct container *c, struct err *e)
{
	char chunk[TAIL_CHUNK];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		int r;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(e, -errno, "cannot read the log of container %s", c->id);
		if (n == 0)
			return 1;
		r = feed(rd, chunk, (size_t)n);
		if (r <= 0)
			return r;
	}
}

/* Reads the live file from @fd on, following appends and rotations when asked. */
static int
read_live(struct reader *rd, struct container *c, int *fd, struct err *e)
{
	const struct logs_opts *o = rd->o;
	bool last_pass = false;
	int r;

	for (;;) {
		if (*fd >= 0) {
			r = read_to_end(rd, *fd, c, e);
			if (r <= 0)
				return r;
		}
		if (!o->follow || last_pass || cancelled(o))
			return 0;
		if (o->until_ns && time_now_ns() > o->until_ns)
			return 0;
		if (*fd < 0 || rotated_away(c->log_path, *fd)) {
			/* The shim closes a file before it renames it: what it wrote
			 * is all there, read it before moving to the new file. */
			if (*fd >= 0 && (r = read_to_end(rd, *fd, c, e)) <= 0)
				return r;
			int nfd = open(c->log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			if (nfd >= 0) {
				safe_close(*fd);
				*fd = nfd;
				buf_reset(&rd->b);
				rd->skipping = false;
				continue;
			}
		}
		if (!still_running(c)) {
			last_pass = true; /* read what the shim wrote before the exit */
			continue;
		}
		nap();
	}
}

int
logs_check(struct container *c, struct err *e)
{
	/* moby's ErrReadLogsNotSupported, a 501 */
	if (!logconf_can_read(c->spec.log_driver))
		return err_set(e, -ENOTSUP, "configured logging driver does not support reading");
	return 0;
}

int
logs_read(struct container *c, const struct logs_opts *o, logs_fn fn, void *ud, struct err *e)
{
	_cleanup_close_ int fd = -1;
	_cleanup_strv_ char **rot = NULL;
	struct reader rd = {.o = o, .fn = fn, .ud = ud, .b = BUF_INIT};
	size_t n_rot = 0, first = 0;
	int64_t off = 0, skip = 0;
	int r = 1;

	if (logs_check(c, e) < 0)
		return -ENOTSUP;
	fd = open(c->log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT)
		return err_errno(e, -errno, "cannot open the log of container %s", c->id);
	rot = logfile_list_rotated(c->log_path);
	n_rot = strv_len(rot);
	if (o->tail >= 0) {
		r = tail_start(fd, rot, n_rot, o->tail, &first, &skip, &off);
		if (r < 0)
			return err_errno(e, r, "cannot read the log of container %s", c->id);
		r = 1;
	}
	rd.skip_lines = skip;
	for (size_t i = first; i < n_rot && r > 0; i++)
		r = read_rotated(&rd, rot[i]);
	if (r > 0 && fd >= 0 && lseek(fd, off, SEEK_SET) < 0)
		r = err_errno(e, -errno, "cannot read the log of container %s", c->id);
	if (r > 0)
		r = read_live(&rd, c, &fd, e);
	buf_release(&rd.b);
	return r < 0 ? r : 0;
}
