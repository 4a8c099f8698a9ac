/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exec instances: registry, create, start (detached or held for an attach),
 * the monitor that records the exit, resize. See exec.h for the locking.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container/exec.h"
#include "engine/container/lifecycle.h"
#include "engine/container/runspec.h"
#include "engine/container/container_internal.h"
#include "engine/runtime/runtime.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/id.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/thread.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

struct execs {
	pthread_mutex_t mu;
	struct exec **items;	/* each holds a reference; oldest first */
	size_t n, cap;
};

void
exec_config_release(struct exec_config *cfg)
{
	strv_free(cfg->cmd);
	strv_free(cfg->env);
	free(cfg->user);
	free(cfg->working_dir);
	free(cfg->detach_keys);
	memset(cfg, 0, sizeof(*cfg));
}

struct execs *
execs_new(void)
{
	struct execs *xs = xcalloc(1, sizeof(*xs));

	pthread_mutex_init(&xs->mu, NULL);
	return xs;
}

void
execs_free(struct execs *xs)
{
	if (!xs)
		return;
	for (size_t i = 0; i < xs->n; i++)
		exec_unref(xs->items[i]);
	free(xs->items);
	pthread_mutex_destroy(&xs->mu);
	free(xs);
}

struct exec *
exec_ref(struct exec *ex)
{
	if (ex)
		atomic_fetch_add(&ex->refs, 1);
	return ex;
}

struct exec *
exec_unref(struct exec *ex)
{
	if (!ex || atomic_fetch_sub(&ex->refs, 1) != 1)
		return NULL;
	container_unref(ex->c);
	exec_config_release(&ex->cfg);
	pthread_mutex_destroy(&ex->mu);
	pthread_cond_destroy(&ex->cv);
	free(ex);
	return NULL;
}

static void
set_status(struct exec *ex, enum exec_status st, int exit_code)
{
	pthread_mutex_lock(&ex->mu);
	ex->status = st;
	if (st == EXEC_EXITED)
		ex->exit_code = exit_code;
	pthread_cond_broadcast(&ex->cv);
	pthread_mutex_unlock(&ex->mu);
}

void
exec_get_state(struct exec *ex, enum exec_status *ret_status, pid_t *ret_pid, int *ret_exit_code)
{
	pthread_mutex_lock(&ex->mu);
	*ret_status = ex->status;
	*ret_pid = ex->pid;
	*ret_exit_code = ex->exit_code;
	pthread_mutex_unlock(&ex->mu);
}

/* dockerd's refusals for a container that cannot take an exec (409). */
static int
check_container(struct container *c, struct err *e)
{
	pthread_mutex_lock(&c->mu);
	enum container_status st = c->state.status;
	bool gone = c->removed;
	pthread_mutex_unlock(&c->mu);
	if (st == CONTAINER_PAUSED)
		return err_set(e, -EBUSY, "Container %s is paused, unpause the container before exec",
			       c->id);
	if (st == CONTAINER_RESTARTING)
		return err_set(e, -EBUSY, "Container %s is restarting, wait until the container is running",
			       c->id);
	if (st != CONTAINER_RUNNING || gone)
		return err_set(e, -EBUSY, "container %s is not running", c->id);
	return 0;
}

/* Adds @ex, forgetting the container's oldest finished exec past the limit. */
static int
registry_add(struct execs *xs, struct exec *ex, struct err *e)
{
	size_t count = 0, oldest_done = SIZE_MAX;

	pthread_mutex_lock(&xs->mu);
	for (size_t i = 0; i < xs->n; i++) {
		if (xs->items[i]->c != ex->c)
			continue;
		count++;
		pthread_mutex_lock(&xs->items[i]->mu);
		if (oldest_done == SIZE_MAX && xs->items[i]->status == EXEC_EXITED)
			oldest_done = i;
		pthread_mutex_unlock(&xs->items[i]->mu);
	}
	if (count >= LIMIT_EXECS_PER_CONTAINER) {
		if (oldest_done == SIZE_MAX) {
			pthread_mutex_unlock(&xs->mu);
			return err_set(e, -EBUSY, "too many exec instances in container %s", ex->c->id);
		}
		exec_unref(xs->items[oldest_done]);
		memmove(&xs->items[oldest_done], &xs->items[oldest_done + 1],
			(xs->n - oldest_done - 1) * sizeof(*xs->items));
		xs->n--;
	}
	if (xs->n == xs->cap) {
		xs->cap = xs->cap ? xs->cap * 2 : 16;
		xs->items = xrealloc(xs->items, xs->cap * sizeof(*xs->items));
	}
	xs->items[xs->n++] = exec_ref(ex);
	pthread_mutex_unlock(&xs->mu);
	return 0;
}

/* "exec_start: sh -c true", the action dockerd publishes (the command is part of it). */
static char *
event_action(const char *what, const struct exec *ex)
{
	struct buf b = BUF_INIT;

	/* moby: action + ": " + Entrypoint + " " + strings.Join(Args, " "), so a
	 * command without arguments keeps a trailing space */
	buf_printf(&b, "%s: %s ", what, ex->cfg.cmd[0]);
	for (size_t i = 1; ex->cfg.cmd[i]; i++)
		buf_printf(&b, "%s%s", i > 1 ? " " : "", ex->cfg.cmd[i]);
	return buf_detach(&b, NULL);
}

static void
publish(struct containers *cs, struct exec *ex, const char *what, bool with_cmd, json_t *extra)
{
	_cleanup_free_ char *action = with_cmd ? event_action(what, ex) : xstrdup(what);
	json_t *attrs = extra ? extra : json_object();

	json_object_set_new(attrs, "execID", json_string(ex->id));
	lifecycle_event(cs, ex->c, action, attrs);
}

int
exec_create(struct containers *cs, struct container *c, struct exec_config *cfg,
	    struct exec **ret, struct err *e)
{
	_cleanup_exec_ struct exec *ex = NULL;
	struct attach_detach d;
	int r;

	if (!cfg->cmd || !cfg->cmd[0])
		return err_set(e, -EINVAL, "No exec command specified");
	if (cfg->working_dir && *cfg->working_dir && cfg->working_dir[0] != '/')
		return err_set(e, -EINVAL,
			       "the working directory '%s' is invalid, it needs to be an absolute path",
			       cfg->working_dir);
	if ((r = attach_detach_parse(cfg->detach_keys, &d, e)) < 0)
		return r;
	if ((r = check_container(c, e)) < 0)
		return r;
	ex = xcalloc(1, sizeof(*ex));
	atomic_store(&ex->refs, 1);
	pthread_mutex_init(&ex->mu, NULL);
	(void)deadline_cond_init(&ex->cv);
	id_random_hex(ex->id);
	ex->c = container_ref(c);
	ex->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	ex->detach = d;
	ex->created_ns = time_now_ns();
	if ((r = registry_add(cs->execs, ex, e)) < 0)
		return r;
	publish(cs, ex, "exec_create", true, NULL);
	*ret = TAKE_PTR(ex);
	return 0;
}

struct exec *
execs_get(struct execs *xs, const char *id, struct err *e)
{
	struct exec *found = NULL;
	size_t len = id ? strlen(id) : 0;
	int matches = 0;

	pthread_mutex_lock(&xs->mu);
	for (size_t i = 0; len > 0 && i < xs->n; i++) {
		if (strcmp(xs->items[i]->id, id) == 0) {
			found = xs->items[i];
			matches = 1;
			break;
		}
		if (strncmp(xs->items[i]->id, id, len) == 0) {
			found = xs->items[i];
			matches++;
		}
	}
	if (matches == 1)
		exec_ref(found);
	pthread_mutex_unlock(&xs->mu);
	if (matches != 1) {
		err_set(e, -ENOENT, "No such exec instance: %s", id ? id : "");
		return NULL;
	}
	return found;
}

int
exec_claim(struct exec *ex, struct err *e)
{
	int r;

	pthread_mutex_lock(&ex->mu);
	enum exec_status st = ex->status;
	if (st == EXEC_CREATED)
		ex->status = EXEC_STARTING;
	pthread_mutex_unlock(&ex->mu);
	if (st == EXEC_EXITED)
		return err_set(e, -EBUSY, "exec command %s has already run", ex->id);
	if (st != EXEC_CREATED)
		return err_set(e, -EBUSY, "exec command %s is already running", ex->id);
	if ((r = check_container(ex->c, e)) < 0) {
		set_status(ex, EXEC_CREATED, 0);
		return r;
	}
	return 0;
}

void
exec_set_console_size(struct exec *ex, unsigned height, unsigned width)
{
	pthread_mutex_lock(&ex->mu);
	ex->cfg.console_height = height;
	ex->cfg.console_width = width;
	pthread_mutex_unlock(&ex->mu);
}

static char *
exec_bundle(struct containers *cs, const struct exec *ex)
{
	_cleanup_free_ char *cb = lifecycle_bundle(cs, ex->c);

	return xasprintf("%s/exec/%s", cb, ex->id);
}

/* Sets or replaces "K=V" entries of @env with those of @over (moby ReplaceOrAppendEnvValues). */
static void
env_overlay(char ***env, char *const *over)
{
	for (size_t i = 0; over && over[i]; i++) {
		const char *eq = strchr(over[i], '=');
		size_t klen = eq ? (size_t)(eq - over[i]) : strlen(over[i]);
		bool replaced = false;
		for (size_t k = 0; *env && (*env)[k]; k++)
			if (strncmp((*env)[k], over[i], klen) == 0 &&
			    ((*env)[k][klen] == '=' || (*env)[k][klen] == '\0')) {
				free((*env)[k]);
				(*env)[k] = xstrdup(over[i]);
				replaced = true;
				break;
			}
		if (!replaced)
			strv_append(env, over[i]);
	}
}

/* The container's runtime spec with the exec's process on top. */
static int
build_spec(struct containers *cs, struct exec *ex, bool attach, struct runtime_spec *rs,
	   struct err *e)
{
	const struct exec_config *cfg = &ex->cfg;
	int r = runspec_build(cs, ex->c, rs, e);

	if (r < 0)
		return r;
	strv_free(rs->args);
	rs->args = strv_dup(cfg->cmd);
	env_overlay(&rs->env, cfg->env);
	if (cfg->tty) {
		/* a TTY exec in a container created without one still gets TERM (moby) */
		bool has_term = false;
		for (size_t i = 0; rs->env && rs->env[i]; i++)
			has_term = has_term || strncmp(rs->env[i], "TERM=", 5) == 0;
		if (!has_term)
			strv_append(&rs->env, "TERM=xterm");
	}
	if (cfg->user && *cfg->user) {
		free(rs->user);
		rs->user = xstrdup(cfg->user);
	}
	if (cfg->working_dir && *cfg->working_dir) {
		free(rs->cwd);
		rs->cwd = xstrdup(cfg->working_dir);
	}
	if (cfg->privileged && (r = runtime_spec_set_caps(rs, NULL, NULL, true, e)) < 0)
		return r;
	rs->terminal = cfg->tty;
	rs->open_stdin = attach && cfg->attach_stdin;
	rs->stdin_once = rs->open_stdin;
	rs->console_height = (unsigned short)cfg->console_height;
	rs->console_width = (unsigned short)cfg->console_width;
	rs->init = false;
	free(rs->log_path);
	rs->log_path = NULL; /* exec output is not logged (dockerd neither) */
	return 0;
}

struct monitor_arg {
	struct containers *cs;
	struct exec *ex;
};

static void *
monitor_main(void *p)
{
	struct monitor_arg *a = p;
	_cleanup_free_ char *bundle = exec_bundle(a->cs, a->ex);
	struct runtime_exit x = {0};
	struct err e = ERR_INIT;
	char code[16];

	bool reported = runtime_wait(bundle, -1, &x, &e) == 0;

	if (!reported) {
		/* the container's end took the session and its bundle along */
		log_debug("exec %.12s: %s", a->ex->id, e.msg);
		x.exit_code = 137;
	}
	set_status(a->ex, EXEC_EXITED, x.exit_code);
	snprintf(code, sizeof(code), "%d", x.exit_code);
	publish(a->cs, a->ex, "exec_die", false, json_pack("{s:s}", "exitCode", code));
	(void)(reported ? runtime_exec_cleanup(bundle, &e) : runtime_cleanup(bundle, &e));
	exec_unref(a->ex);
	free(a);
	return NULL;
}

static int
start_monitor(struct containers *cs, struct exec *ex, struct err *e)
{
	struct monitor_arg *a = xcalloc(1, sizeof(*a));
	int r;

	a->cs = cs;
	a->ex = exec_ref(ex);
	r = thread_spawn_detached(monitor_main, a, 256 * 1024);
	if (r < 0) {
		exec_unref(ex);
		free(a);
		return err_set(e, r, "cannot start an exec monitor thread");
	}
	return 0;
}

/* Records a start failure as dockerd does: exit code 126, runc-style message. */
static int
start_failed(struct exec *ex, struct err *e)
{
	set_status(ex, EXEC_EXITED, 126);
	if (e->code == -ESRCH)
		return err_set(e, -EBUSY, "container %s is not running", ex->c->id);
	err_prefix(e, "OCI runtime exec failed: exec failed: unable to start container process");
	/* a missing or non-executable program is the request's fault, not the daemon's */
	if (e->code == -ENOENT || e->code == -EACCES)
		e->code = -EINVAL;
	return e->code;
}

int
exec_start(struct containers *cs, struct exec *ex, unsigned attach_flags, int *ret_fd,
	   struct err *e)
{
	_cleanup_free_ char *cbundle = lifecycle_bundle(cs, ex->c);
	_cleanup_free_ char *bundle = exec_bundle(cs, ex);
	_cleanup_close_ int fd = -1;
	struct runtime_spec rs = {0};
	struct err ignored = ERR_INIT;
	bool attach = attach_flags != 0;
	char flags[8];
	pid_t pid = 0;
	int r;

	snprintf(flags, sizeof(flags), "%s%s%s%s", attach_flags & ATTACH_STDIN ? "i" : "",
		 attach_flags & ATTACH_STDOUT ? "o" : "", attach_flags & ATTACH_STDERR ? "e" : "",
		 (attach_flags & ATTACH_CLOSE_STDIN) && (attach_flags & ATTACH_STDIN) ? "c" : "");
	r = build_spec(cs, ex, attach, &rs, e);
	/* attached and released by the start request itself where the shim can */
	if (r == 0)
		r = runtime_exec_start(cbundle, ex->id, &rs, attach ? RUNTIME_START_HELD : 0,
				       attach ? flags : NULL, &pid, &fd, e);
	runtime_spec_release(&rs);
	if (r < 0)
		return start_failed(ex, e);
	pthread_mutex_lock(&ex->mu);
	ex->pid = pid;
	ex->status = EXEC_RUNNING;
	pthread_cond_broadcast(&ex->cv);
	pthread_mutex_unlock(&ex->mu);
	if (attach && fd < 0) {
		fd = runtime_attach(bundle, flags, e);
		if (fd < 0)
			(void)runtime_kill(bundle, SIGKILL, &ignored); /* nobody to talk to: don't leave it held */
		if (runtime_release(bundle, &ignored) < 0)
			log_debug("exec %.12s: release: %s", ex->id, ignored.msg);
	}
	r = start_monitor(cs, ex, fd >= 0 || !attach ? e : &ignored);
	if (r < 0)
		log_warn("exec %.12s: %s, its exit code will not be recorded", ex->id, e->msg);
	if (attach && fd < 0)
		return e->code;
	publish(cs, ex, "exec_start", true, NULL);
	if (ret_fd)
		*ret_fd = TAKE_FD(fd);
	return 0;
}

int
exec_wait(struct exec *ex, int64_t timeout_ms, int *ret_code)
{
	struct deadline dl = deadline_in_ms(timeout_ms);	/* < 0: none */
	int r = 0;

	pthread_mutex_lock(&ex->mu);
	while (ex->status != EXEC_EXITED && r == 0)
		r = deadline_cond_wait(&ex->cv, &ex->mu, dl);
	if (r == 0)
		*ret_code = ex->exit_code;
	pthread_mutex_unlock(&ex->mu);
	return r;
}

int
exec_resize(struct containers *cs, struct exec *ex, unsigned height, unsigned width, struct err *e)
{
	_cleanup_free_ char *bundle = exec_bundle(cs, ex);
	struct deadline dl = deadline_in_ms(10 * 1000);
	enum exec_status st;

	pthread_mutex_lock(&ex->mu);
	while (ex->status == EXEC_STARTING && deadline_cond_wait(&ex->cv, &ex->mu, dl) == 0)
		;
	st = ex->status;
	pthread_mutex_unlock(&ex->mu);
	if (st == EXEC_STARTING)
		return err_set(e, -ETIMEDOUT, "timeout waiting for exec session ready");
	if (st != EXEC_RUNNING)
		return err_set(e, -EBUSY, "exec %s is not running", ex->id);
	return runtime_resize(bundle, height, width, e);
}

int
exec_kill(struct containers *cs, struct exec *ex, int sig, struct err *e)
{
	_cleanup_free_ char *bundle = exec_bundle(cs, ex);

	return runtime_kill(bundle, sig, e);
}

void
execs_forget(struct execs *xs, struct exec *ex)
{
	size_t k = 0;

	pthread_mutex_lock(&xs->mu);
	for (size_t i = 0; i < xs->n; i++) {
		if (xs->items[i] == ex)
			exec_unref(xs->items[i]);
		else
			xs->items[k++] = xs->items[i];
	}
	xs->n = k;
	pthread_mutex_unlock(&xs->mu);
}

char **
execs_ids_of(struct execs *xs, const char *container_id)
{
	char **ids = NULL;

	pthread_mutex_lock(&xs->mu);
	for (size_t i = 0; i < xs->n; i++)
		if (strcmp(xs->items[i]->c->id, container_id) == 0)
			strv_append(&ids, xs->items[i]->id);
	pthread_mutex_unlock(&xs->mu);
	return ids;
}

void
execs_forget_container(struct execs *xs, const char *container_id)
{
	size_t k = 0;

	pthread_mutex_lock(&xs->mu);
	for (size_t i = 0; i < xs->n; i++) {
		if (strcmp(xs->items[i]->c->id, container_id) == 0)
			exec_unref(xs->items[i]);
		else
			xs->items[k++] = xs->items[i];
	}
	xs->n = k;
	pthread_mutex_unlock(&xs->mu);
}
