/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /containers/{id}/attach (hijacked, or a plain streaming 200 without
 * an Upgrade header) and POST /containers/{id}/resize
 * (docker-api-protocol.md §7.1, §7.2, §6.4). Errors found before the hijack
 * are normal JSON errors; after it, the stream just ends.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/attach.h"
#include "api/hijack.h"
#include "api/relay.h"
#include "api/request.h"
#include "api/stream.h"
#include "engine/container/attach.h"
#include "engine/container/lifecycle.h"
#include "engine/engine.h"
#include "engine/util/cleanup.h"
#include "engine/util/frame.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define CT_RAW "application/vnd.docker.raw-stream"
#define CT_MUX "application/vnd.docker.multiplexed-stream"

const char *
api_attach_content_type(struct api_request *r, bool tty)
{
	/* multiplexed-stream is named only from 1.42 (and never for a TTY) */
	return tty || api_version_lt(r, 1, 42) ? CT_RAW : CT_MUX;
}

int
api_attach_resize_args(struct api_request *r, unsigned *ret_h, unsigned *ret_w)
{
	const char *h = api_query(r, "h"), *w = api_query(r, "w");
	int64_t hv, wv;

	if (parse_int64(h ? h : "", 0, UINT16_MAX, &hv) < 0) {
		api_reply_errorf(r, 400, "invalid resize height \"%s\"", h ? h : "");
		return -EINVAL;
	}
	if (parse_int64(w ? w : "", 0, UINT16_MAX, &wv) < 0) {
		api_reply_errorf(r, 400, "invalid resize width \"%s\"", w ? w : "");
		return -EINVAL;
	}
	*ret_h = (unsigned)hv;
	*ret_w = (unsigned)wv;
	return 0;
}

struct attach_job {
	struct engine *eng;
	struct container *c;
	unsigned flags;		/* enum attach_flags */
	bool tty, logs, stream;
	struct attach_detach detach;
	struct attach_reg reg; /* taken with the request, before the reply */
};

static void
attach_job_free(void *p)
{
	struct attach_job *j = p;

	attach_unregister(j->c, &j->reg);
	container_unref(j->c);
	free(j);
}

struct replay_ctx {
	int fd;			/* hijacked socket, or -1 for a stream */
	struct api_stream *s;
	bool tty;
};

static int
replay_entry(void *ud, int stream, const char *data, size_t len)
{
	struct replay_ctx *rc = ud;
	unsigned char hdr[FRAME_HEADER_SIZE];
	int r;

	if (rc->fd >= 0)
		return relay_write_record(rc->fd, rc->tty, stream, data, len);
	frame_header_encode(hdr, (enum frame_stream)stream, len);
	r = rc->tty ? 0 : api_stream_write(rc->s, hdr, sizeof(hdr));
	return r < 0 ? r : api_stream_write(rc->s, data, len);
}

/* The hijacked attach: connect (waiting for a start if need be), replay, relay. */
static void
attach_hijacked(int fd, const char *extra, size_t extra_len, void *arg)
{
	struct attach_job *j = arg;
	struct replay_ctx rc = {fd, NULL, j->tty};
	struct err e = ERR_INIT;
	_cleanup_close_ int shim = -1;
	uint64_t seq = j->reg.exit_seq;
	enum relay_end end;
	struct relay rl;

	relay_init(&rl, fd, extra, extra_len);
	rl.tty = j->tty;
	rl.want_stdin = j->flags & ATTACH_STDIN;
	rl.close_stdin = j->flags & ATTACH_CLOSE_STDIN;
	if (j->tty)
		rl.detach = j->detach; /* dockerd watches for the keys on TTYs only */
	if (j->stream) {
		shim = attach_connect(j->eng->containers, j->c, &j->reg, j->flags, relay_early_poll,
				      &rl, &e);
		if (shim < 0)
			log_debug("attach %.12s: %s", j->c->id, e.msg);
	}
	if (j->logs && (j->flags & (ATTACH_STDOUT | ATTACH_STDERR)) &&
	    attach_replay_log(j->c, j->flags & ATTACH_STDOUT, j->flags & ATTACH_STDERR,
			      replay_entry, &rc, &e) < 0) {
		relay_release(&rl);
		return;
	}
	if (shim >= 0) {
		rl.shim = shim;
		end = relay_run(&rl);
		if (end == RELAY_DETACHED)
			lifecycle_event(j->eng->containers, j->c, "detach", NULL);
		/* the stream closes only once inspect shows the exit */
		if (end == RELAY_OUTPUT_END)
			(void)attach_wait_exit(j->c, seq, api_hijack_client_gone, &fd);
	}
	relay_release(&rl);
}

static bool
stream_cancelled(void *s)
{
	return api_stream_cancelled(s);
}

/* Without an upgrade: output only, as a plain streaming 200. */
static int
attach_producer(struct api_stream *s, void *arg, struct err *e)
{
	struct attach_job *j = arg;
	struct replay_ctx rc = {-1, s, j->tty};
	_cleanup_close_ int shim = -1;
	uint64_t seq = j->reg.exit_seq;
	char b[32 * 1024];

	if (j->logs && attach_replay_log(j->c, j->flags & ATTACH_STDOUT, j->flags & ATTACH_STDERR,
					 replay_entry, &rc, e) < 0)
		return 0;
	if (!j->stream)
		return 0;
	shim = attach_connect(j->eng->containers, j->c, &j->reg,
			      j->flags & ~(ATTACH_STDIN | ATTACH_CLOSE_STDIN), stream_cancelled, s,
			      e);
	if (shim < 0)
		return 0;
	for (;;) {
		struct pollfd p = {shim, POLLIN, 0};
		int k = poll(&p, 1, 1000);
		if (k == 0 && !api_stream_cancelled(s))
			continue;
		if (k <= 0)
			return 0;
		ssize_t n = read(shim, b, sizeof(b));
		if (n == 0)
			(void)attach_wait_exit(j->c, seq, stream_cancelled, s);
		if (n <= 0 || api_stream_write(s, b, (size_t)n) < 0)
			return 0;
	}
}

/* operationId: ContainerAttach */
static void
api_containers_attach(struct api_request *r)
{
	_cleanup_container_ struct container *c = NULL;
	struct attach_job *j;
	struct err e = ERR_INIT;
	struct attach_detach d;

	c = containers_get(r->ctx->engine->containers, r->params[0], &e);
	if (!c || attach_check(c, &e) < 0 ||
	    attach_detach_parse(api_query(r, "detachKeys"), &d, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->eng = r->ctx->engine;
	j->tty = c->spec.tty;
	j->detach = d;
	j->logs = api_query_bool(r, "logs", false);
	j->stream = api_query_bool(r, "stream", false);
	/* stdin only reaches a container created with OpenStdin (moby) */
	if (api_query_bool(r, "stdin", false) && c->spec.open_stdin)
		j->flags |= ATTACH_STDIN;
	if (api_query_bool(r, "stdout", false))
		j->flags |= ATTACH_STDOUT;
	if (api_query_bool(r, "stderr", false))
		j->flags |= ATTACH_STDERR;
	if (c->spec.stdin_once && !c->spec.tty)
		j->flags |= ATTACH_CLOSE_STDIN;
	j->c = TAKE_PTR(c);
	/* in line before the client can see the reply and send /start */
	if (j->stream)
		attach_register(j->c, &j->reg);
	if (api_wants_upgrade(r, "tcp"))
		api_reply_hijack(r, "tcp", api_attach_content_type(r, j->tty), attach_hijacked, j,
				 attach_job_free);
	else
		api_reply_stream(r, api_attach_content_type(r, j->tty), 0, attach_producer, j,
				 attach_job_free);
}

/* operationId: ContainerResize */
static void
api_containers_resize(struct api_request *r)
{
	_cleanup_container_ struct container *c = NULL;
	struct err e = ERR_INIT;
	unsigned h, w;

	if (api_attach_resize_args(r, &h, &w) < 0)
		return;
	c = containers_get(r->ctx->engine->containers, r->params[0], &e);
	if (!c || attach_resize(r->ctx->engine->containers, c, h, w, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 200);
}

const struct api_route api_attach_routes[] = {
	{ "POST", "/containers/{id}/attach", api_containers_attach, API_BODY_NONE },
	{ "POST", "/containers/{id}/resize", api_containers_resize, API_BODY_NONE },
	{ 0 },
};
