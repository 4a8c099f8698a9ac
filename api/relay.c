/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hijacked stream relay (see relay.h): one thread, poll() over the client
 * and the shim socket. The shim drops a client that stops reading, so a
 * stuck peer never stalls the container; a client that vanishes is noticed
 * by POLLHUP even when it attached without stdin.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/relay.h"
#include "engine/util/frame.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"

static int
fd_sink(void *ud, const void *p, size_t n)
{
	return fs_write_all(*(const int *)ud, p, n);
}

void
relay_out_init(struct relay_out *o, bool shim_tty, bool client_tty, frame_write_fn fn, void *ud)
{
	o->form = shim_tty == client_tty ? RELAY_AS_IS : shim_tty ? RELAY_FRAME : RELAY_UNFRAME;
	/* the shim's frames never exceed FRAME_PAYLOAD_MAX (proto.h) */
	frame_decoder_init(&o->unframe, FRAME_PAYLOAD_MAX);
	o->fn = fn;
	o->ud = ud;
}

void
relay_out_release(struct relay_out *o)
{
	frame_decoder_release(&o->unframe);
}

static int
unframed(void *ud, enum frame_stream stream, const char *p, size_t n)
{
	struct relay_out *o = ud;

	(void)stream;
	return n ? o->fn(o->ud, p, n) : 0;
}

int
relay_out_write(struct relay_out *o, const void *p, size_t n)
{
	switch (o->form) {
	case RELAY_FRAME: return frame_write(o->fn, o->ud, FRAME_STDOUT, p, n);
	case RELAY_UNFRAME: return frame_decoder_feed(&o->unframe, p, n, unframed, o);
	default: return o->fn(o->ud, p, n);
	}
}

void
relay_init(struct relay *rl, int client, const char *extra, size_t extra_len)
{
	memset(rl, 0, sizeof(*rl));
	rl->client = client;
	rl->shim = -1;
	relay_out_init(&rl->out, false, false, fd_sink, &rl->client);
	if (extra_len)
		buf_append(&rl->pending, extra, extra_len);
}

void
relay_set_form(struct relay *rl, bool shim_tty, bool client_tty)
{
	relay_out_release(&rl->out);
	relay_out_init(&rl->out, shim_tty, client_tty, fd_sink, &rl->client);
}

void
relay_release(struct relay *rl)
{
	buf_release(&rl->pending);
	relay_out_release(&rl->out);
}

int
relay_write_record(int fd, bool tty, int stream, const void *p, size_t n)
{
	if (tty)
		return fs_write_all(fd, p, n);
	/* frames stay below 32 KiB (docker-api-protocol.md §7.3) */
	return frame_write(fd_sink, &fd, (enum frame_stream)stream, p, n);
}

/* The client's stdin ended: what that means depends on StdinOnce. */
static bool
stdin_ended(struct relay *rl)
{
	if (!rl->close_stdin)
		return false;
	if (rl->shim >= 0)
		(void)shutdown(rl->shim, SHUT_WR);
	return true;
}

bool
relay_early_poll(void *p)
{
	struct relay *rl = p;
	bool want = rl->want_stdin && !rl->pending_eof &&
		    rl->pending.len < LIMIT_ATTACH_PENDING_STDIN;
	struct pollfd pf = {rl->client, want ? POLLIN : 0, 0};
	char b[16 * 1024];

	if (poll(&pf, 1, 0) <= 0)
		return false;
	if (want && (pf.revents & (POLLIN | POLLHUP))) {
		size_t room = LIMIT_ATTACH_PENDING_STDIN - rl->pending.len;
		ssize_t n = recv(rl->client, b, room < sizeof(b) ? room : sizeof(b), MSG_DONTWAIT);
		if (n > 0) {
			buf_append(&rl->pending, b, (size_t)n);
			return false;
		}
		if (n == 0) {
			rl->pending_eof = true;
			return !rl->close_stdin; /* not StdinOnce: the attach ends here */
		}
		return errno != EAGAIN && errno != EINTR;
	}
	return (pf.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* Sends client input to the process, through the detach filter on a TTY. */
static enum relay_end
forward_stdin(struct relay *rl, const unsigned char *p, size_t n, bool *ret_stop)
{
	unsigned char out[16 * 1024 + LIMIT_DETACH_KEYS];
	bool detached = false;

	*ret_stop = false;
	while (n > 0) {
		size_t chunk = n > 16 * 1024 ? 16 * 1024 : n;
		size_t len = attach_detach_feed(&rl->detach, p, chunk, out, &detached);
		if (len > 0 && fs_write_all(rl->shim, out, len) < 0) {
			*ret_stop = true; /* the shim let go of us: output is over too */
			return RELAY_OUTPUT_END;
		}
		if (detached) {
			*ret_stop = true;
			return RELAY_DETACHED;
		}
		p += chunk;
		n -= chunk;
	}
	return RELAY_OUTPUT_END;
}

/* Reads client input; sets *ret_stop with the reason when the relay ends. */
static enum relay_end
client_input(struct relay *rl, bool *stdin_done, bool *ret_stop)
{
	unsigned char b[16 * 1024];
	ssize_t n = recv(rl->client, b, sizeof(b), 0);

	*ret_stop = false;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return RELAY_OUTPUT_END;
	if (n < 0) {
		*ret_stop = true;
		return RELAY_CLIENT_GONE;
	}
	if (n == 0) {
		*stdin_done = true;
		*ret_stop = !stdin_ended(rl);
		return RELAY_STDIN_END;
	}
	return forward_stdin(rl, b, (size_t)n, ret_stop);
}

enum relay_end
relay_run(struct relay *rl)
{
	bool stdin_done = !rl->want_stdin, stop = false;
	enum relay_end end = RELAY_OUTPUT_END;
	char b[32 * 1024];

	if (rl->want_stdin && rl->pending.len) {
		end = forward_stdin(rl, (const unsigned char *)rl->pending.data, rl->pending.len,
				    &stop);
		buf_reset(&rl->pending);
		if (stop)
			return end;
	}
	if (rl->want_stdin && rl->pending_eof) {
		stdin_done = true;
		if (!stdin_ended(rl))
			return RELAY_STDIN_END;
	}
	for (;;) {
		struct pollfd p[2] = {{rl->client, stdin_done ? 0 : POLLIN, 0},
				      {rl->shim, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return RELAY_CLIENT_GONE;
		}
		if (p[1].revents) {
			ssize_t n = read(rl->shim, b, sizeof(b));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return RELAY_OUTPUT_END;
			/* the shim speaks Docker's wire form: as is, unless exec start chose another */
			if (relay_out_write(&rl->out, b, (size_t)n) < 0)
				return RELAY_CLIENT_GONE;
		}
		if (!stdin_done && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			end = client_input(rl, &stdin_done, &stop);
			if (stop)
				return end;
		} else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			return RELAY_CLIENT_GONE;
		}
	}
}
