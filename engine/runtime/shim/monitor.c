/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shim's monitor loop (single-threaded, poll): copies the process's
 * output into the json-file log and to attach clients, feeds stdin from
 * attach clients, answers control requests (proto.h), reaps children (the
 * shim is a subreaper) and, once the process exited and its output is
 * drained, writes exit.json, answers waiters and returns. A slow or stuck
 * client is dropped once its queue passes LIMIT_SHIM_CLIENT_BUFFER; it never
 * stalls the container or the log. The log rotates as json-file's max-size
 * and max-file ask (logfile.h); a rotated file is compressed by a forked
 * child so the loop keeps relaying output meanwhile.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/runtime/cgroup.h"
#include "engine/runtime/logfile.h"
#include "engine/runtime/proto.h"
#include "engine/runtime/shim/shim.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/frame.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

/* After the process exited, output still open (an exec's orphaned daemon) is given up after this. */
#define DRAIN_MS 2000
/* Memory is given back (trim.c) once the loop has been idle this long after any
 * activity (the start, attach, output), at most once per TRIM_INTERVAL_MS. */
#define TRIM_IDLE_MS 250
#define TRIM_INTERVAL_MS 5000

enum client_kind { CLIENT_REQUEST, CLIENT_ATTACH, CLIENT_WAIT };

struct client {
	int fd;
	enum client_kind kind;
	char req[LIMIT_SHIM_REQUEST];
	size_t req_len;
	bool want_in, want_out, want_err, close_stdin, in_eof;
	bool dead;		/* freed at the end of the loop iteration */
	struct buf out;		/* queued output; sent from out_off */
	size_t out_off;
};

struct monitor {
	struct shim_monitor_args *a;
	struct client *clients[LIMIT_SHIM_CLIENTS];
	size_t n_clients;
	int log_fd;
	int64_t log_size;   /* bytes in the live log file */
	pid_t compress_pid; /* the child compressing <log>.1, or 0 */
	uint64_t log_dropped;	/* entries lost since the last successful write */
	struct buf partial[3];	/* per stream: a log line not yet ended */
	struct buf stdin_q;	/* bytes waiting for the container's stdin */
	bool stdin_close;	/* close in_fd once stdin_q drained */
	bool exited;
	int exit_code;
	struct deadline drain;	/* set at the exit: stop relaying output then */
};

static void
client_free(struct monitor *m, size_t i)
{
	struct client *c = m->clients[i];

	close(c->fd);
	buf_release(&c->out);
	free(c);
	m->clients[i] = m->clients[--m->n_clients];
}

/* Sends what is queued without blocking: 0, or -1 when the client must go. */
static int
client_flush(struct client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->out_off += (size_t)n;
	}
	buf_reset(&c->out);
	c->out_off = 0;
	return 0;
}

static int
client_send(struct client *c, const void *p, size_t n)
{
	if (c->out.len - c->out_off + n > LIMIT_SHIM_CLIENT_BUFFER)
		return -1; /* stalled client: drop it rather than block the container */
	buf_append(&c->out, p, n);
	return client_flush(c);
}

/* Replaces invalid UTF-8 with U+FFFD, as Go's JSON encoder does for the log. */
static void
utf8_sanitize(const unsigned char *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n;) {
		unsigned char ch = p[i];
		size_t len = ch < 0x80 ? 1 : (ch >> 5) == 6 ? 2 : (ch >> 4) == 14 ? 3 : (ch >> 3) == 30 ? 4 : 0;
		bool ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++)
			ok = (p[i + k] & 0xC0) == 0x80;
		if (ok && len == 2 && ch < 0xC2)
			ok = false; /* overlong */
		if (ok && len == 3 && ((ch == 0xE0 && p[i + 1] < 0xA0) || (ch == 0xED && p[i + 1] >= 0xA0)))
			ok = false; /* overlong or surrogate */
		if (ok && len == 4 && ((ch == 0xF0 && p[i + 1] < 0x90) || ch > 0xF4 || (ch == 0xF4 && p[i + 1] >= 0x90)))
			ok = false;
		if (!ok) {
			buf_append(out, "\xEF\xBF\xBD", 3);
			i++;
			continue;
		}
		buf_append(out, p + i, len);
		i += len;
	}
}

static void
log_open(struct monitor *m)
{
	struct stat st;

	m->log_fd = open(m->a->spec->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (m->log_fd < 0) {
		if (m->log_dropped == 0)
			log_warn("open log '%s': %s, dropping output", m->a->spec->log_path,
				 strerror(errno));
		return;
	}
	/* A restarted container appends to the file its last run wrote. */
	m->log_size = fstat(m->log_fd, &st) == 0 ? st.st_size : 0;
}

/* dockerd's checkCapacityAndRotate: a new file before this one would pass max-size. */
static void
log_rotate(struct monitor *m)
{
	const struct runtime_spec *sp = m->a->spec;
	int r;

	if (m->compress_pid > 0) {
		/* the previous .1 must be .1.gz before it is shifted to .2.gz */
		(void)waitpid(m->compress_pid, NULL, 0);
		m->compress_pid = 0;
	}
	m->log_fd = safe_close(m->log_fd);
	r = logfile_rotate(sp->log_path, sp->log_max_files, sp->log_compress);
	if (r < 0)
		log_warn("rotate log '%s': %s", sp->log_path, strerror(-r));
	log_open(m);
	if (r < 0 || !sp->log_compress || sp->log_max_files < 2)
		return;
	_cleanup_free_ char *first = logfile_rotated_path(sp->log_path, 1, false);
	pid_t pid = fork();
	if (pid == 0)
		_exit(logfile_compress(first) < 0 ? 1 : 0);
	if (pid < 0)
		log_warn("compress '%s': %s", first, strerror(errno));
	else
		m->compress_pid = pid;
}

static void
log_emit(struct monitor *m, enum frame_stream stream, const char *p, size_t n)
{
	_cleanup_buf_ struct buf clean = BUF_INIT;
	_cleanup_json_ json_t *j = NULL;
	char ts[TIME_STR_MAX];
	char *line;
	size_t len;
	int r;

	if (n == 0 || !m->a->spec->log_path)
		return;
	/* Not reopened after a rotation on a full disk: try again, dropping meanwhile. */
	if (m->log_fd < 0)
		log_open(m);
	if (m->log_fd < 0) {
		m->log_dropped++;
		return;
	}
	utf8_sanitize((const unsigned char *)p, n, &clean);
	time_format_rfc3339nano(time_now_ns(), ts);
	/* moby's jsonlog.JSONLog field order: log, stream, attrs (when any), time */
	j = json_pack("{s:s%,s:s,s:O*,s:s}", "log", clean.data, clean.len, "stream",
		      stream == FRAME_STDERR ? "stderr" : "stdout", "attrs", m->a->spec->log_attrs,
		      "time", ts);
	line = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!line)
		return;
	len = strlen(line);
	line[len] = '\n'; /* replaces the NUL: one write per entry */
	if (m->a->spec->log_max_size > 0 && m->log_size > 0 &&
	    m->log_size + (int64_t)len + 1 > m->a->spec->log_max_size)
		log_rotate(m);
	if (m->log_fd < 0) {
		free(line);
		return;
	}
	/* A full disk fails the write at once: the entry is dropped and
	 * counted, the container goes on (it never waits for the disk). */
	r = fs_write_all(m->log_fd, line, len + 1);
	if (r < 0) {
		/* Half an entry would break every reader of the file: cut it off. */
		if (ftruncate(m->log_fd, m->log_size) < 0)
			m->log_size = lseek(m->log_fd, 0, SEEK_END);
		if (m->log_dropped++ == 0)
			log_warn("write container log: %s, dropping output", strerror(-r));
	} else {
		if (m->log_dropped > 0)
			log_warn("container log written again; %llu entries were dropped",
				 (unsigned long long)m->log_dropped);
		m->log_dropped = 0;
		m->log_size += (int64_t)len + 1;
	}
	free(line);
}

/* Splits output into log entries at newlines; a long line is cut at LIMIT_LOG_LINE. */
static void
log_data(struct monitor *m, enum frame_stream stream, const char *p, size_t n)
{
	struct buf *pb = &m->partial[stream];

	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) + 1 : n;
		if (pb->len + take > LIMIT_LOG_LINE) {
			take = LIMIT_LOG_LINE - pb->len;
			nl = NULL;
		}
		buf_append(pb, p, take);
		p += take;
		n -= take;
		if (nl || pb->len >= LIMIT_LOG_LINE) {
			log_emit(m, stream, pb->data, pb->len);
			buf_reset(pb);
		}
	}
}

static void
broadcast(struct monitor *m, enum frame_stream stream, const char *p, size_t n)
{
	unsigned char hdr[FRAME_HEADER_SIZE];

	frame_header_encode(hdr, stream, n);

	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = m->clients[i];
		bool want = stream == FRAME_STDERR ? c->want_err : c->want_out;
		int r = 0;
		if (c->kind != CLIENT_ATTACH || !want || c->dead)
			continue;
		if (!m->a->spec->terminal)
			r = client_send(c, hdr, sizeof(hdr));
		if (r == 0)
			r = client_send(c, p, n);
		if (r < 0)
			c->dead = true;
	}
}

/* Reads one chunk of output: false at EOF (EIO on a PTY master means the same). */
static bool
read_output(struct monitor *m, int *fd, enum frame_stream stream)
{
	char b[FRAME_PAYLOAD_MAX]; /* one read is one frame: frame.h promises the bound */
	ssize_t n = read(*fd, b, sizeof(b));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		if (*fd == m->a->in_fd)
			m->a->in_fd = -1; /* same PTY master */
		*fd = safe_close(*fd);
		if (m->partial[stream].len) {
			log_emit(m, stream, m->partial[stream].data, m->partial[stream].len);
			buf_reset(&m->partial[stream]);
		}
		return false;
	}
	log_data(m, stream, b, (size_t)n);
	broadcast(m, stream, b, (size_t)n);
	return true;
}

static void
reply(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reply(struct client *c, const char *fmt, ...)
{
	char b[LIMIT_SHIM_REQUEST + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)client_send(c, b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

static void
attach_client(struct monitor *m, struct client *c, const char *flags)
{
	c->want_in = strchr(flags, 'i') && m->a->in_fd >= 0;
	c->want_out = strchr(flags, 'o') != NULL;
	c->want_err = strchr(flags, 'e') != NULL;
	c->close_stdin = strchr(flags, 'c') != NULL;
	c->kind = CLIENT_ATTACH;
}

/* A held start: the attach clients are in place, let the process exec. */
static void
release(struct monitor *m)
{
	if (m->a->go_fd >= 0 && write(m->a->go_fd, "G", 1) != 1)
		log_warn("release held process: %s", strerror(errno));
	m->a->go_fd = safe_close(m->a->go_fd);
	trace_point("shim.released", strrchr(m->a->bundle, '/') + 1);
}

/* Handles one request line; returns false when the connection is done. */
static bool
handle_request(struct monitor *m, struct client *c)
{
	char *arg = strchr(c->req, ' ');
	int64_t v1, v2;

	if (arg)
		*arg++ = '\0';
	if (strcmp(c->req, "attach") == 0 && arg) {
		attach_client(m, c, arg);
		reply(c, "ok\n");
		return true;
	}
	if (strcmp(c->req, "wait") == 0 && !arg) {
		c->kind = CLIENT_WAIT;
		return true;
	}
	if (strcmp(c->req, "exec") == 0 && arg) {
		char msg[256];
		int r = m->exited ? -ESRCH : shim_exec_fork(m->a, c->fd, arg, msg, sizeof(msg));
		if (r == -ESRCH)
			reply(c, "error %d container is not running\n", ESRCH);
		else if (r < 0)
			reply(c, "error %d %s\n", -r, msg);
		/* forked: the exec shim answers on its copy of the connection */
		return false;
	}
	if (strcmp(c->req, "start") == 0 && !arg) {
		release(m);
		reply(c, "ok\n");
	} else if (strcmp(c->req, "state") == 0 && !arg) {
		reply(c, "running %d\n", (int)m->a->pid);
	} else if (strcmp(c->req, "kill") == 0 && arg) {
		if (parse_int64(arg, 1, 64, &v1) < 0)
			reply(c, "error %d invalid signal '%s'\n", EINVAL, arg);
		else if (kill(m->a->pid, (int)v1) < 0)
			reply(c, "error %d %s\n", errno, strerror(errno));
		else
			reply(c, "ok\n");
	} else if (strcmp(c->req, "resize") == 0 && arg && strchr(arg, ' ')) {
		char *w = strchr(arg, ' ');
		struct winsize ws = {0};
		*w++ = '\0';
		if (parse_int64(arg, 0, UINT16_MAX, &v1) < 0 || parse_int64(w, 0, UINT16_MAX, &v2) < 0)
			reply(c, "error %d invalid size\n", EINVAL);
		else if (!m->a->spec->terminal || m->a->out_fd < 0)
			reply(c, "error %d no terminal\n", ENOTTY);
		else {
			ws.ws_row = (unsigned short)v1;
			ws.ws_col = (unsigned short)v2;
			/* the kernel sends SIGWINCH to the tty's foreground group */
			if (ioctl(m->a->out_fd, TIOCSWINSZ, &ws) < 0)
				reply(c, "error %d %s\n", errno, strerror(errno));
			else
				reply(c, "ok\n");
		}
	} else {
		reply(c, "error %d unknown request\n", EINVAL);
	}
	return false;
}

static void
stdin_flush(struct monitor *m)
{
	int fd = m->a->in_fd;

	while (fd >= 0 && m->stdin_q.len > 0) {
		ssize_t n = write(fd, m->stdin_q.data, m->stdin_q.len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			buf_reset(&m->stdin_q); /* reader gone (EPIPE): drop */
			break;
		}
		memmove(m->stdin_q.data, m->stdin_q.data + n, m->stdin_q.len - (size_t)n);
		m->stdin_q.len -= (size_t)n;
	}
	if (m->stdin_close && m->stdin_q.len == 0 && fd >= 0 && !m->a->spec->terminal)
		m->a->in_fd = safe_close(m->a->in_fd);
}

/*
 * Request bytes: the line is peeked and only its bytes up to the '\n' are
 * taken, so what an attach client sends right after its request (stdin)
 * stays in the socket for the stream. false: drop the client.
 */
static bool
request_input(struct monitor *m, struct client *c)
{
	size_t room = sizeof(c->req) - 1 - c->req_len;
	ssize_t n = recv(c->fd, c->req + c->req_len, room, MSG_DONTWAIT | MSG_PEEK);
	char *nl;
	size_t take;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	nl = memchr(c->req + c->req_len, '\n', (size_t)n);
	if (!nl && (size_t)n == room)
		return false; /* over LIMIT_SHIM_REQUEST */
	take = nl ? (size_t)(nl - (c->req + c->req_len)) + 1 : (size_t)n;
	if (recv(c->fd, c->req + c->req_len, take, MSG_DONTWAIT) != (ssize_t)take)
		return false;
	c->req_len += take;
	if (!nl)
		return true;
	c->req[c->req_len - 1] = '\0';
	return handle_request(m, c);
}

/* Input from a client: request bytes, or stdin for an attach. false: drop the client. */
static bool
client_input(struct monitor *m, struct client *c)
{
	char b[16 * 1024];
	ssize_t n;

	if (c->kind == CLIENT_REQUEST)
		return request_input(m, c);
	n = recv(c->fd, b, sizeof(b), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0) {
		/* a second EOF comes with POLLHUP: the client closed for good (an
		 * attach polled with no events would otherwise spin on POLLHUP) */
		if (c->kind != CLIENT_ATTACH || c->in_eof)
			return false;
		c->in_eof = true;
		if (c->close_stdin && c->want_in) {
			m->stdin_close = true;
			stdin_flush(m);
		}
		return true; /* keep sending output until the client closes */
	}
	if (c->kind == CLIENT_ATTACH && c->want_in && m->a->in_fd >= 0) {
		buf_append(&m->stdin_q, b, (size_t)n);
		stdin_flush(m);
	}
	return true;
}

static void
accept_client(struct monitor *m)
{
	int fd = accept4(m->a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c;

	if (fd < 0)
		return;
	if (m->n_clients >= LIMIT_SHIM_CLIENTS) {
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	m->clients[m->n_clients++] = c;
}

static void
reap(struct monitor *m)
{
	struct signalfd_siginfo si;
	int st;
	pid_t p;

	while (read(m->a->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			(void)kill(m->a->pid, SIGKILL); /* the shim is being stopped: take the container along */
	}
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == m->compress_pid)
			m->compress_pid = 0;
		if (p != m->a->pid || m->exited)
			continue;
		m->exited = true;
		trace_point("shim.reaped", strrchr(m->a->bundle, '/') + 1);
		m->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		m->drain = deadline_in_ms(DRAIN_MS);
	}
}

static void
write_exit_file(struct monitor *m, bool oom)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *path = xasprintf("%s/" RUNTIME_EXIT_FILE, m->a->bundle);
	_cleanup_free_ char *text = NULL;

	j = json_pack("{s:i,s:b,s:I,s:I,s:i}", "exit_code", m->exit_code, "oom_killed", oom,
		      "started_at", (json_int_t)m->a->started_ns, "finished_at",
		      (json_int_t)time_now_ns(), "pid", (int)m->a->pid);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	/* exec root: per-boot state, atomic by rename, no fsync (see runtime_spec_save) */
	if (!text || fs_write_replace(path, text, strlen(text), 0644) < 0)
		log_error("write '%s': %s", path, strerror(errno));
}

/* Exit: record, answer waiters, give attach clients their last bytes (bounded), close. */
static void
finish(struct monitor *m)
{
	_cleanup_free_ char *sock = xasprintf("%s/" RUNTIME_SOCK_NAME, m->a->bundle);
	const char *cg = m->a->spec->cgroup_path;
	bool oom = false;

	/* Docker reports OOMKilled when the kernel's OOM killer acted in the container. */
	if (cg && !m->a->spec->join_pid)
		oom = cgroup_oom_kills(cg) > 0;
	write_exit_file(m, oom);
	(void)unlink(sock);
	trace_point("shim.exit_written", strrchr(m->a->bundle, '/') + 1);
	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = m->clients[i];
		struct timeval tv = {1, 0};
		if (c->kind == CLIENT_WAIT)
			reply(c, "exited %d %d\n", m->exit_code, oom ? 1 : 0);
		if (c->out.len > c->out_off) {
			fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
			setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			(void)fs_write_all(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);
		}
		shutdown(c->fd, SHUT_RDWR);
	}
	while (m->n_clients)
		client_free(m, 0);
}

static size_t
build_pollset(struct monitor *m, struct pollfd *p)
{
	struct shim_monitor_args *a = m->a;
	size_t n = 0;

	p[n++] = (struct pollfd){a->sig_fd, POLLIN, 0};
	p[n++] = (struct pollfd){a->listen_fd, POLLIN, 0};
	p[n++] = (struct pollfd){a->out_fd, POLLIN, 0};
	p[n++] = (struct pollfd){a->err_fd, POLLIN, 0};
	/* a TTY's stdin is the same fd as its output: only wait for writability */
	p[n++] = (struct pollfd){m->stdin_q.len ? a->in_fd : -1, POLLOUT, 0};
	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = m->clients[i];
		short ev = (c->in_eof || m->stdin_q.len) ? 0 : POLLIN;
		if (c->out.len > c->out_off)
			ev |= POLLOUT;
		p[n++] = (struct pollfd){c->fd, ev, 0};
	}
	return n;
}

int
shim_monitor_run(struct shim_monitor_args *a)
{
	struct monitor m = {.a = a, .log_fd = -1};
	struct pollfd p[LIMIT_SHIM_CLIENTS + 5];
	struct deadline trim_at = deadline_in_ms(TRIM_IDLE_MS); /* the start-up's pages */
	bool trim_due = true;

	if (a->spec->log_path)
		log_open(&m);
	if (a->in_fd >= 0 && a->in_fd != a->out_fd)
		fcntl(a->in_fd, F_SETFL, fcntl(a->in_fd, F_GETFL) | O_NONBLOCK);
	if (a->attach_fd >= 0) {
		/* the exec request's connection: attached from the start, then released */
		struct client *c = xcalloc(1, sizeof(*c));
		c->fd = a->attach_fd;
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		attach_client(&m, c, a->attach_flags);
		m.clients[m.n_clients++] = c;
		release(&m);
	}
	for (;;) {
		size_t n, nc;
		int timeout = -1, ready;

		if (m.exited && a->out_fd < 0 && a->err_fd < 0)
			break;
		if (m.exited) {
			timeout = deadline_remaining_ms(m.drain);
			if (timeout == 0)
				break;
		} else if (trim_due) {
			timeout = deadline_remaining_ms(trim_at);
		}
		n = build_pollset(&m, p);
		nc = m.n_clients;
		ready = poll(p, n, timeout);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready == 0 && trim_due && !m.exited) {
			shim_release_memory();
			trim_due = false;
			trim_at = deadline_in_ms(TRIM_INTERVAL_MS);
			continue;
		}
		if (ready > 0) {
			/* activity: trim once idle again, not before the interval is over */
			trim_due = true;
			if (deadline_remaining_ms(trim_at) < TRIM_IDLE_MS)
				trim_at = deadline_in_ms(TRIM_IDLE_MS);
		}
		if (p[0].revents)
			reap(&m);
		if (p[2].revents)
			(void)read_output(&m, &a->out_fd, FRAME_STDOUT);
		if (p[3].revents)
			(void)read_output(&m, &a->err_fd, FRAME_STDERR);
		if (p[4].revents)
			stdin_flush(&m);
		/* clients keep their slots until the sweep below, so p[5 + i] stays theirs */
		for (size_t i = 0; i < nc; i++) {
			struct client *c = m.clients[i];
			short re = p[5 + i].revents;
			if (!c->dead && (re & (POLLIN | POLLHUP | POLLERR)))
				c->dead = !client_input(&m, c);
			if (!c->dead && (re & POLLOUT))
				c->dead = client_flush(c) < 0;
		}
		for (size_t i = m.n_clients; i-- > 0;)
			if (m.clients[i]->dead)
				client_free(&m, i);
		if (p[1].revents)
			accept_client(&m);
	}
	finish(&m);
	safe_close(a->go_fd);
	for (int i = 0; i < 3; i++)
		buf_release(&m.partial[i]);
	buf_release(&m.stdin_q);
	if (m.log_dropped > 0)
		log_warn("container log: the last %llu entries were dropped",
			 (unsigned long long)m.log_dropped);
	safe_close(m.log_fd);
	return m.exit_code;
}
