/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /containers/{id}/attach/ws: attach over a real RFC 6455 WebSocket
 * (docker-api-protocol.md §7.5) so a browser terminal can attach. The
 * handshake is checked here (Sec-WebSocket-Accept from engine/util/digest);
 * framing, masking, fragmentation, ping/pong and close are libwslay's, never
 * hand-written. Output goes out one message per write of the process,
 * stdout and stderr interleaved without Docker's 8-byte frames; client
 * messages (text or binary) are stdin. A client that breaks the protocol
 * (unmasked frames, oversized messages) gets wslay's close frame and the
 * connection ends; the daemon is not otherwise affected.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include "api/api.h"
#include "api/hijack.h"
#include "api/request.h"
#include "api/websocket.h"
#include "engine/container/attach.h"
#include "engine/container/lifecycle.h"
#include "engine/engine.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/frame.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/xalloc.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* After our close frame, how long the client has to answer it. */
#define WS_CLOSE_WAIT_MS 2000

struct ws_job {
	struct engine *eng;
	struct container *c;
	unsigned flags;		/* enum attach_flags */
	bool tty, logs, stream, binary;
	struct attach_detach detach;
	struct attach_reg reg; /* taken with the request, before the 101 */
};

struct ws_session {
	struct ws_job *j;
	int fd, shim;
	wslay_event_context_ptr ctx;
	struct buf pending;	/* stdin before the shim connected */
	struct frame_decoder demux; /* the shim's 8-byte frames (no TTY) */
	uint64_t exit_seq;	    /* the container's, before connecting */
	bool detached, failed;
};

static void
ws_job_free(void *p)
{
	struct ws_job *j = p;

	attach_unregister(j->c, &j->reg);
	container_unref(j->c);
	free(j);
}

static ssize_t
recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
	struct ws_session *s = ud;
	ssize_t n = recv(s->fd, buf, len, MSG_DONTWAIT);

	(void)flags;
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *ud)
{
	struct ws_session *s = ud;
	ssize_t n = send(s->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)flags;
	if (n >= 0)
		return n;
	wslay_event_set_error(ctx, errno == EAGAIN || errno == EINTR ? WSLAY_ERR_WOULDBLOCK
								      : WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

/* A whole (reassembled) message from the client: stdin. */
static void
msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *ud)
{
	struct ws_session *s = ud;
	unsigned char out[16 * 1024 + LIMIT_DETACH_KEYS];
	const unsigned char *p = arg->msg;
	size_t n = arg->msg_length;

	if (wslay_is_ctrl_frame(arg->opcode) || !(s->j->flags & ATTACH_STDIN) || s->detached)
		return;
	if (s->shim < 0) {
		if (buf_append_checked(&s->pending, p, n, LIMIT_ATTACH_PENDING_STDIN) < 0)
			wslay_event_queue_close(ctx, WSLAY_CODE_MESSAGE_TOO_BIG, NULL, 0);
		return;
	}
	while (n > 0) {
		size_t chunk = n > 16 * 1024 ? 16 * 1024 : n, len;
		len = attach_detach_feed(&s->j->detach, p, chunk, out, &s->detached);
		if (len && fs_write_all(s->shim, out, len) < 0)
			s->failed = true;
		if (s->detached) {
			wslay_event_queue_close(ctx, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
			return;
		}
		p += chunk;
		n -= chunk;
	}
}

static int
queue_output(struct ws_session *s, const void *p, size_t n)
{
	struct wslay_event_msg m = {s->j->binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME, p, n};

	return wslay_event_queue_msg(s->ctx, &m) == 0 ? 0 : -ENOMEM;
}

/* One frame from the shim: one message (Docker's frames are not forwarded). */
static int
shim_frame(void *ud, enum frame_stream stream, const char *p, size_t n)
{
	(void)stream;
	return n ? queue_output(ud, p, n) : 0;
}

/* Output from the shim: raw for a TTY, else unwrapped from Docker's frames. */
static int
shim_output(struct ws_session *s, const char *p, size_t n)
{
	if (s->j->tty)
		return queue_output(s, p, n);
	return frame_decoder_feed(&s->demux, p, n, shim_frame, s);
}

static int
replay_entry(void *ud, int stream, const char *data, size_t len)
{
	(void)stream;
	return queue_output(ud, data, len);
}

/* attach_connect's callback while waiting for a start: keep the protocol going. */
static bool
early_poll(void *ud)
{
	struct ws_session *s = ud;
	struct pollfd p = {s->fd, POLLIN | (wslay_event_want_write(s->ctx) ? POLLOUT : 0), 0};

	if (poll(&p, 1, 0) <= 0)
		return false;
	if ((p.revents & POLLIN) && wslay_event_recv(s->ctx) < 0)
		return true;
	if ((p.revents & POLLOUT) && wslay_event_send(s->ctx) < 0)
		return true;
	return !wslay_event_get_read_enabled(s->ctx) || (p.revents & (POLLERR | POLLNVAL));
}

static void
ws_loop(struct ws_session *s)
{
	bool shim_open = s->shim >= 0;
	int64_t close_wait = -1;
	char b[32 * 1024];

	for (;;) {
		bool rd = wslay_event_want_read(s->ctx), wr = wslay_event_want_write(s->ctx);
		bool out_room = wslay_event_get_queued_msg_length(s->ctx) < LIMIT_STREAM_BUFFER;
		struct pollfd p[2] = {{s->fd, (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0)), 0},
				      {shim_open && out_room ? s->shim : -1, POLLIN, 0}};
		if ((!rd && !wr) || s->failed)
			return;
		if (!shim_open || s->detached || wslay_event_get_close_received(s->ctx))
			close_wait = close_wait < 0 ? WS_CLOSE_WAIT_MS : close_wait;
		int k = poll(p, 2, close_wait < 0 ? -1 : (int)close_wait);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return; /* error, or the client never answered our close */
		if ((p[0].revents & POLLIN) && wslay_event_recv(s->ctx) < 0)
			return;
		if ((p[0].revents & POLLOUT) && wslay_event_send(s->ctx) < 0)
			return;
		if ((p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) && !(p[0].revents & POLLIN))
			return;
		if (p[1].revents) {
			ssize_t n = read(s->shim, b, sizeof(b));
			if (n > 0 && shim_output(s, b, (size_t)n) == 0)
				continue;
			shim_open = false; /* output over: say goodbye */
			/* ... once inspect shows the exit (the close ends the client's attach) */
			if (n == 0)
				(void)attach_wait_exit(s->j->c, s->exit_seq, api_hijack_client_gone,
						       &s->fd);
			wslay_event_queue_close(s->ctx, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
		}
	}
}

/* The server side of the protocol on s->fd, as every session runs it. */
static int
session_init(struct ws_session *s)
{
	static const struct wslay_event_callbacks cb = {.recv_callback = recv_cb,
							.send_callback = send_cb,
							.on_msg_recv_callback = msg_cb};

	if (wslay_event_context_server_init(&s->ctx, &cb, s) != 0)
		return -ENOMEM;
	wslay_event_config_set_max_recv_msg_length(s->ctx, LIMIT_WS_MESSAGE);
	return 0;
}

int
websocket_receive(int fd, int shim, const struct attach_detach *d, bool *ret_detached)
{
	struct ws_job j = {.flags = ATTACH_STDIN, .tty = true, .detach = *d};
	struct ws_session s = {.j = &j, .fd = fd, .shim = shim};

	if (session_init(&s) < 0)
		return -ENOMEM;
	while (!s.detached && !s.failed && wslay_event_want_read(s.ctx) &&
	       wslay_event_recv(s.ctx) == 0)
		(void)wslay_event_send(s.ctx); /* pongs and close replies; may not fit */
	*ret_detached = s.detached;
	wslay_event_context_free(s.ctx);
	return s.failed ? -EIO : 0;
}

static void
ws_hijacked(int fd, const char *extra, size_t extra_len, void *arg)
{
	struct ws_job *j = arg;
	/* the shim's frames never exceed FRAME_PAYLOAD_MAX (proto.h) */
	struct ws_session s = {.j = j, .fd = fd, .shim = -1,
			       .demux = FRAME_DECODER_INIT(FRAME_PAYLOAD_MAX)};
	struct err e = ERR_INIT;

	if (extra_len) {
		/* frames pipelined behind the handshake are not expected; refuse them */
		log_debug("websocket attach %.12s: %zu bytes before the handshake ended", j->c->id,
			  extra_len);
		return;
	}
	if (session_init(&s) < 0)
		return;
	s.exit_seq = j->reg.exit_seq;
	if (j->stream)
		s.shim = attach_connect(j->eng->containers, j->c, &j->reg, j->flags, early_poll, &s,
					&e);
	if (j->logs)
		(void)attach_replay_log(j->c, j->flags & ATTACH_STDOUT, j->flags & ATTACH_STDERR,
					replay_entry, &s, &e);
	if (s.shim >= 0 && s.pending.len) {
		struct wslay_event_on_msg_recv_arg m = {0, WSLAY_BINARY_FRAME,
							(const uint8_t *)s.pending.data,
							s.pending.len, 0};
		msg_cb(s.ctx, &m, &s);
	}
	if (s.shim < 0)
		wslay_event_queue_close(s.ctx, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
	ws_loop(&s);
	if (s.detached)
		lifecycle_event(j->eng->containers, j->c, "detach", NULL);
	wslay_event_context_free(s.ctx);
	safe_close(s.shim);
	buf_release(&s.pending);
	frame_decoder_release(&s.demux);
}

/* The RFC 6455 §4.2.1 checks; replies 400 itself when the handshake is bad. */
static char *
handshake_accept(struct api_request *r)
{
	const char *key = api_header(r, "Sec-WebSocket-Key");
	const char *ver = api_header(r, "Sec-WebSocket-Version");
	_cleanup_free_ unsigned char *raw = NULL;
	_cleanup_free_ char *cat = NULL;
	unsigned char sha[20];
	size_t n = 0;

	if (!api_wants_upgrade(r, "websocket")) {
		api_reply_errorf(r, 400, "websocket: the client is not using the websocket protocol");
		return NULL;
	}
	if (!ver || strcmp(ver, "13") != 0) {
		api_reply_errorf(r, 400, "websocket: unsupported version (want 13)");
		return NULL;
	}
	if (!key || strlen(key) != 24 || base64_decode(key, &raw, &n) < 0 || n != 16) {
		api_reply_errorf(r, 400, "websocket: invalid Sec-WebSocket-Key");
		return NULL;
	}
	cat = xasprintf("%s" WS_GUID, key);
	sha1_raw(cat, strlen(cat), sha);
	return base64_encode(sha, sizeof(sha));
}

/* operationId: ContainerAttachWebsocket */
static void
api_containers_attach_ws(struct api_request *r)
{
	_cleanup_container_ struct container *c = NULL;
	_cleanup_free_ char *accept = NULL;
	struct err e = ERR_INIT;
	struct attach_detach d;
	struct ws_job *j;
	bool old = api_version_lt(r, 1, 42);

	c = containers_get(r->ctx->engine->containers, r->params[0], &e);
	if (!c || attach_check(c, &e) < 0 ||
	    attach_detach_parse(api_query(r, "detachKeys"), &d, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	if (!(accept = handshake_accept(r)))
		return;
	j = xcalloc(1, sizeof(*j));
	j->eng = r->ctx->engine;
	j->tty = c->spec.tty;
	j->detach = c->spec.tty ? d : (struct attach_detach){0};
	j->logs = api_query_bool(r, "logs", false);
	j->stream = api_query_bool(r, "stream", false);
	j->binary = !api_version_lt(r, 1, 28);
	/* before 1.42 the three streams are always attached */
	if ((old || api_query_bool(r, "stdin", false)) && c->spec.open_stdin)
		j->flags |= ATTACH_STDIN;
	if (old || api_query_bool(r, "stdout", false))
		j->flags |= ATTACH_STDOUT;
	if (old || api_query_bool(r, "stderr", false))
		j->flags |= ATTACH_STDERR;
	j->c = TAKE_PTR(c);
	/* in line before the client can see the 101 and send /start */
	if (j->stream)
		attach_register(j->c, &j->reg);
	api_reply_header(r, "Sec-WebSocket-Accept", accept);
	api_reply_hijack(r, "websocket", NULL, ws_hijacked, j, ws_job_free);
}

const struct api_route api_websocket_routes[] = {
	{ "GET", "/containers/{id}/attach/ws", api_containers_attach_ws, API_BODY_NONE },
	{ 0 },
};
