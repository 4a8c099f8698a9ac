/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exec: POST /containers/{id}/exec, POST /exec/{id}/start (detached, or
 * hijacked like attach), GET /exec/{id}/json, POST /exec/{id}/resize
 * (docker-api-protocol.md §7.6). The CLI reads ExitCode from /json right
 * after the stream closes, so the relay waits for the exit to be recorded
 * before it lets the connection go.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/attach.h"
#include "api/exec.h"
#include "api/hijack.h"
#include "api/jsonx.h"
#include "api/relay.h"
#include "api/request.h"
#include "api/stream.h"
#include "engine/container/exec.h"
#include "engine/engine.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static int
decode_console(json_t *body, struct exec_config *cfg, struct err *e)
{
	json_t *cs = json_object_get(body, "ConsoleSize");

	if (!cs || json_is_null(cs))
		return 0;
	if (!json_is_array(cs) || json_array_size(cs) != 2 ||
	    !json_is_integer(json_array_get(cs, 0)) || !json_is_integer(json_array_get(cs, 1)))
		return err_set(e, -EINVAL, "json: cannot unmarshal ConsoleSize into field ExecConfig.ConsoleSize of type [2]uint");
	json_int_t h = json_integer_value(json_array_get(cs, 0));
	json_int_t w = json_integer_value(json_array_get(cs, 1));
	if (h < 0 || w < 0 || h > UINT16_MAX || w > UINT16_MAX)
		return err_set(e, -EINVAL, "invalid ConsoleSize [%lld,%lld]", (long long)h, (long long)w);
	cfg->console_height = (unsigned)h;
	cfg->console_width = (unsigned)w;
	return 0;
}

static int
decode_exec(json_t *body, struct exec_config *cfg, struct err *e)
{
	if (jx_strv(body, "Cmd", "ExecConfig.Cmd", true, &cfg->cmd, e) < 0 ||
	    jx_strv(body, "Env", "ExecConfig.Env", false, &cfg->env, e) < 0 ||
	    jx_str(body, "User", "ExecConfig.User", &cfg->user, e) < 0 ||
	    jx_str(body, "WorkingDir", "ExecConfig.WorkingDir", &cfg->working_dir, e) < 0 ||
	    jx_str(body, "DetachKeys", "ExecConfig.DetachKeys", &cfg->detach_keys, e) < 0 ||
	    jx_bool(body, "Tty", "ExecConfig.Tty", &cfg->tty, e) < 0 ||
	    jx_bool(body, "Privileged", "ExecConfig.Privileged", &cfg->privileged, e) < 0 ||
	    jx_bool(body, "AttachStdin", "ExecConfig.AttachStdin", &cfg->attach_stdin, e) < 0 ||
	    jx_bool(body, "AttachStdout", "ExecConfig.AttachStdout", &cfg->attach_stdout, e) < 0 ||
	    jx_bool(body, "AttachStderr", "ExecConfig.AttachStderr", &cfg->attach_stderr, e) < 0)
		return e->code;
	return decode_console(body, cfg, e);
}

/* operationId: ContainerExec */
static void
api_exec_create(struct api_request *r)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_container_ struct container *c = NULL;
	_cleanup_exec_ struct exec *ex = NULL;
	struct exec_config cfg = {0};
	struct err e = ERR_INIT;

	if (api_body_json(r, false, &body) < 0)
		return;
	if (decode_exec(body, &cfg, &e) < 0 ||
	    !(c = containers_get(r->ctx->engine->containers, r->params[0], &e)) ||
	    exec_create(r->ctx->engine->containers, c, &cfg, &ex, &e) < 0) {
		exec_config_release(&cfg);
		api_reply_err(r, &e);
		return;
	}
	api_reply_json(r, 201, json_pack("{s:s}", "Id", ex->id));
}

struct start_job {
	struct engine *eng;
	struct exec *ex;
	unsigned flags;
	bool tty; /* the start body's Tty: raw output, else frames */
};

static void
start_job_free(void *p)
{
	struct start_job *j = p;

	exec_unref(j->ex);
	free(j);
}

static unsigned
attach_flags(const struct exec *ex)
{
	unsigned f = 0;

	if (ex->cfg.attach_stdin)
		f |= ATTACH_STDIN | (ex->cfg.tty ? 0 : ATTACH_CLOSE_STDIN);
	if (ex->cfg.attach_stdout)
		f |= ATTACH_STDOUT;
	if (ex->cfg.attach_stderr)
		f |= ATTACH_STDERR;
	/* nothing attached still needs a socket to know when output ends */
	return f ? f : ATTACH_STDOUT;
}

/* Until the exit is recorded, or the client left (then the monitor records it alone). */
static void
wait_recorded(struct exec *ex, int client)
{
	int code;

	while (exec_wait(ex, 500, &code) == -ETIMEDOUT)
		if (client >= 0 && api_hijack_client_gone(&client))
			return;
}

static void
exec_hijacked(int fd, const char *extra, size_t extra_len, void *arg)
{
	struct start_job *j = arg;
	struct exec *ex = j->ex;
	struct err e = ERR_INIT;
	_cleanup_close_ int shim = -1;
	struct relay rl;
	enum relay_end end;

	if (exec_start(j->eng->containers, ex, j->flags, &shim, &e) < 0) {
		/* after the hijack an error can only go into the stream (moby: text + CRLF) */
		_cleanup_free_ char *msg = xasprintf("%s\r\n", e.msg);
		(void)relay_write_record(fd, j->tty, 1, msg, strlen(msg));
		return;
	}
	relay_init(&rl, fd, extra, extra_len);
	relay_set_form(&rl, ex->cfg.tty, j->tty);
	rl.shim = shim;
	rl.tty = ex->cfg.tty;
	rl.want_stdin = j->flags & ATTACH_STDIN;
	rl.close_stdin = j->flags & ATTACH_CLOSE_STDIN;
	if (ex->cfg.tty)
		rl.detach = ex->detach;
	end = relay_run(&rl);
	relay_release(&rl);
	if (end == RELAY_OUTPUT_END)
		wait_recorded(ex, fd);
}

static int
stream_sink(void *ud, const void *p, size_t n)
{
	return api_stream_write(ud, p, n);
}

/* Exec start without an Upgrade header: output as a plain 200 stream. */
static int
exec_producer(struct api_stream *s, void *arg, struct err *e)
{
	struct start_job *j = arg;
	_cleanup_close_ int shim = -1;
	struct relay_out out;
	char b[32 * 1024];
	ssize_t n;
	int r = 0;

	if (exec_start(j->eng->containers, j->ex, j->flags & ~(ATTACH_STDIN | ATTACH_CLOSE_STDIN),
		       &shim, e) < 0)
		return e->code;
	relay_out_init(&out, j->ex->cfg.tty, j->tty, stream_sink, s);
	while (r == 0 && (n = read(shim, b, sizeof(b))) > 0)
		r = relay_out_write(&out, b, (size_t)n);
	relay_out_release(&out);
	if (r == 0)
		wait_recorded(j->ex, -1);
	return 0;
}

/* operationId: ExecStart */
static void
api_exec_start(struct api_request *r)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_exec_ struct exec *ex = NULL;
	struct err e = ERR_INIT;
	struct exec_config size = {0};
	struct start_job *j;
	bool detach = false, tty = false;

	if (api_body_json(r, true, &body) < 0)
		return;
	if ((body && (jx_bool(body, "Detach", "ExecStartConfig.Detach", &detach, &e) < 0 ||
		      jx_bool(body, "Tty", "ExecStartConfig.Tty", &tty, &e) < 0 ||
		      decode_console(body, &size, &e) < 0)) ||
	    !(ex = execs_get(r->ctx->engine->execs, r->params[0], &e)) || exec_claim(ex, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	if (size.console_height || size.console_width)
		exec_set_console_size(ex, size.console_height, size.console_width);
	if (detach) {
		if (exec_start(r->ctx->engine->containers, ex, 0, NULL, &e) < 0)
			api_reply_err(r, &e);
		else
			api_reply_empty(r, 200);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->eng = r->ctx->engine;
	j->flags = attach_flags(ex);
	/* moby frames by the start body's Tty, whatever the exec was created with */
	j->tty = tty;
	j->ex = TAKE_PTR(ex);
	if (api_wants_upgrade(r, "tcp"))
		api_reply_hijack(r, "tcp", api_attach_content_type(r, j->tty), exec_hijacked, j,
				 start_job_free);
	else
		api_reply_stream(r, api_attach_content_type(r, j->tty), API_STREAM_HOLD_HEADERS,
				 exec_producer, j, start_job_free);
}

/* operationId: ExecInspect */
static void
api_exec_inspect(struct api_request *r)
{
	struct err e = ERR_INIT;
	_cleanup_exec_ struct exec *ex = execs_get(r->ctx->engine->execs, r->params[0], &e);
	_cleanup_free_ char *keys = NULL;
	enum exec_status st;
	pid_t pid;
	int code;

	if (!ex) {
		api_reply_err(r, &e);
		return;
	}
	exec_get_state(ex, &st, &pid, &code);
	/* moby keeps the keys as []byte, which Go's JSON encoder writes as base64 */
	keys = ex->cfg.detach_keys && *ex->cfg.detach_keys
		       ? base64_encode(ex->detach.keys, ex->detach.n)
		       : xstrdup("");
	api_reply_json(
		r, 200,
		json_pack("{s:s,s:b,s:o,s:{s:b,s:s,s:o,s:b,s:s},s:b,s:b,s:b,s:b,s:s,s:s,s:i}",
			  "ID", ex->id, "Running", st == EXEC_RUNNING, "ExitCode",
			  st == EXEC_EXITED ? json_integer(code) : json_null(), "ProcessConfig",
			  "tty", ex->cfg.tty, "entrypoint", ex->cfg.cmd[0], "arguments",
			  strv_to_json(ex->cfg.cmd[1] ? ex->cfg.cmd + 1 : (char *[]){NULL}),
			  "privileged", ex->cfg.privileged, "user", ex->cfg.user ? ex->cfg.user : "",
			  "OpenStdin", ex->cfg.attach_stdin, "OpenStderr", ex->cfg.attach_stderr,
			  "OpenStdout", ex->cfg.attach_stdout, "CanRemove", false, "ContainerID",
			  ex->c->id, "DetachKeys", keys, "Pid", st == EXEC_RUNNING ? (int)pid : 0));
}

/* operationId: ExecResize */
static void
api_exec_resize(struct api_request *r)
{
	struct err e = ERR_INIT;
	_cleanup_exec_ struct exec *ex = NULL;
	unsigned h, w;

	if (api_attach_resize_args(r, &h, &w) < 0)
		return;
	ex = execs_get(r->ctx->engine->execs, r->params[0], &e);
	if (!ex || exec_resize(r->ctx->engine->containers, ex, h, w, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 200);
}

const struct api_route api_exec_routes[] = {
	{ "POST", "/containers/{id}/exec", api_exec_create, API_BODY_JSON },
	{ "POST", "/exec/{id}/start", api_exec_start, API_BODY_JSON },
	{ "GET", "/exec/{id}/json", api_exec_inspect, API_BODY_NONE },
	{ "POST", "/exec/{id}/resize", api_exec_resize, API_BODY_NONE },
	{ 0 },
};
