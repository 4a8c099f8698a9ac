/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health monitor (healthmon.h): a list of armed containers, one
 * scheduler thread that sleeps until the earliest probe is due, and one
 * detached worker per probe in flight. Probes run through the exec
 * machinery, as moby's cmdProbe does, so they are real exec instances
 * (events included) that are forgotten once their result is recorded.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container/container_internal.h"
#include "engine/container/exec.h"
#include "engine/container/health.h"
#include "engine/container/healthmon.h"
#include "engine/container/lifecycle.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/frame.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/thread.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

#define NS_PER_MS 1000000LL
/* How often a probe in flight checks whether it was stopped. */
#define POLL_SLICE_MS 100
/* How long a finished (or killed) probe may take to report its exit code. */
#define EXIT_WAIT_MS 10000

struct entry {
	struct entry *next;
	struct container *c;	  /* a reference */
	struct health_config cfg; /* read-only once listed */
	int64_t due_ns;		  /* monotonic */
	bool probing;		  /* a worker owns the probe in flight */
	bool stopped;		  /* disarmed: the worker frees it */
};

struct healthmon {
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* list changes, probe ends, quit */
	struct containers *cs; /* borrowed: the service that owns us */
	struct entry *head;
	pthread_t thread;
	int n_probing;
	bool quit;
};

static void
entry_free(struct entry *en)
{
	container_unref(en->c);
	health_config_release(&en->cfg);
	free(en);
}

static void
unlink_locked(struct healthmon *hm, struct entry *en)
{
	for (struct entry **p = &hm->head; *p; p = &(*p)->next)
		if (*p == en) {
			*p = en->next;
			return;
		}
}

static bool
aborted(struct healthmon *hm, struct entry *en)
{
	pthread_mutex_lock(&hm->mu);
	bool r = hm->quit || en->stopped;
	pthread_mutex_unlock(&hm->mu);
	return r;
}

static int
on_frame(void *ud, enum frame_stream stream, const char *payload, size_t len)
{
	if (stream == FRAME_STDOUT || stream == FRAME_STDERR)
		health_output_append(ud, payload, len);
	return 0;
}

/* Reads the probe's output until it ends; false when the timeout passed or
 * the probe was stopped (the caller kills it). */
static bool
drain_output(struct healthmon *hm, struct entry *en, int fd, struct health_output *out,
	     bool *ret_timed_out)
{
	_cleanup_frame_decoder_ struct frame_decoder d = FRAME_DECODER_INIT(FRAME_PAYLOAD_MAX);
	int64_t deadline = time_mono_ns() + en->cfg.timeout_ns;
	char buf[8192];

	*ret_timed_out = false;
	for (;;) {
		int64_t left = deadline - time_mono_ns();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (aborted(hm, en))
			return false;
		if (left <= 0) {
			*ret_timed_out = true;
			return false;
		}
		int r = poll(&pfd, 1,
			     left / NS_PER_MS < POLL_SLICE_MS ? (int)(left / NS_PER_MS) + 1
							      : POLL_SLICE_MS);
		if (r < 0 && errno != EINTR)
			return true;
		if (r <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return true;
		if (frame_decoder_feed(&d, buf, (size_t)n, on_frame, out) < 0)
			return true; /* garbled stream: keep what we have, wait for the exit */
	}
}

/* One run of the check, as moby's cmdProbe.run; always fills @res. */
static void
probe_run(struct healthmon *hm, struct entry *en, struct health_result *res)
{
	struct exec_config xc = {0};
	_cleanup_exec_ struct exec *ex = NULL;
	_cleanup_close_ int fd = -1;
	struct health_output out = {.len = 0};
	struct err e = ERR_INIT, ignored = ERR_INIT;
	bool done, timed_out = false;
	int code = -1;

	res->start_ns = time_now_ns();
	xc.cmd = strv_dup(en->cfg.argv);
	xc.attach_stdout = xc.attach_stderr = true;
	if (exec_create(hm->cs, en->c, &xc, &ex, &e) < 0 || exec_claim(ex, &e) < 0 ||
	    exec_start(hm->cs, ex, ATTACH_STDOUT | ATTACH_STDERR, &fd, &e) < 0) {
		exec_config_release(&xc);
		if (ex)
			execs_forget(hm->cs->execs, ex);
		res->exit_code = -1;
		res->output = xstrdup(e.msg);
		res->end_ns = time_now_ns();
		return;
	}
	done = drain_output(hm, en, fd, &out, &timed_out);
	if (!done)
		(void)exec_kill(hm->cs, ex, SIGKILL, &ignored);
	if (exec_wait(ex, EXIT_WAIT_MS, &code) < 0)
		code = -1;
	execs_forget(hm->cs->execs, ex);
	res->end_ns = time_now_ns();
	if (timed_out) {
		_cleanup_free_ char *text = health_output_text(&out);
		char d[32];
		health_format_duration(en->cfg.timeout_ns, d, sizeof(d));
		res->exit_code = -1;
		res->output = *text ? xasprintf("Health check exceeded timeout (%s): %s", d, text)
				    : xasprintf("Health check exceeded timeout (%s)", d);
		return;
	}
	res->exit_code = done ? code : -1;
	res->output = health_output_text(&out);
}

/* Records the result unless the entry was stopped meanwhile; the new status, or -1. */
static int
record(struct healthmon *hm, struct entry *en, struct health_result *res, bool *ret_changed)
{
	int status = -1;

	*ret_changed = false;
	pthread_mutex_lock(&hm->mu);
	if (!en->stopped && !hm->quit) {
		struct container *c = en->c;
		pthread_mutex_lock(&c->mu);
		int64_t started = c->state.started_ns;
		*ret_changed = health_state_record(&c->state.health, &en->cfg, started, res);
		status = (int)c->state.health.status;
		pthread_mutex_unlock(&c->mu);
		en->due_ns = time_mono_ns() +
			     health_next_delay(&en->cfg, status, time_now_ns() - started);
	}
	pthread_mutex_unlock(&hm->mu);
	return status;
}

struct worker_arg {
	struct healthmon *hm;
	struct entry *en;
};

static void *
worker_main(void *p)
{
	struct worker_arg *a = p;
	struct healthmon *hm = a->hm;
	struct entry *en = a->en;
	struct health_result res = {0};
	struct err ignored = ERR_INIT;
	bool changed;
	int status;

	free(a);
	probe_run(hm, en, &res);
	status = record(hm, en, &res, &changed);
	free(res.output);
	if (changed) {
		_cleanup_free_ char *action = xasprintf("health_status: %s",
							health_status_name(status));
		(void)container_save_state(en->c, &ignored);
		lifecycle_event(hm->cs, en->c, action, NULL);
	}
	pthread_mutex_lock(&hm->mu);
	en->probing = false;
	if (en->stopped) {
		unlink_locked(hm, en);
		entry_free(en);
	}
	hm->n_probing--;
	pthread_cond_broadcast(&hm->cv);
	pthread_mutex_unlock(&hm->mu);
	return NULL;
}

static void
start_probe_locked(struct healthmon *hm, struct entry *en)
{
	struct worker_arg *a = xcalloc(1, sizeof(*a));

	a->hm = hm;
	a->en = en;
	en->probing = true;
	hm->n_probing++;
	if (thread_spawn_detached(worker_main, a, 256 * 1024) < 0) {
		log_warn("container %.12s: cannot start a health probe thread, retrying later",
			 en->c->id);
		free(a);
		en->probing = false;
		hm->n_probing--;
		en->due_ns = time_mono_ns() + en->cfg.interval_ns;
	}
}

static void *
scheduler_main(void *p)
{
	struct healthmon *hm = p;

	pthread_mutex_lock(&hm->mu);
	while (!hm->quit) {
		int64_t now = time_mono_ns(), next = INT64_MAX;
		for (struct entry *en = hm->head; en; en = en->next) {
			if (en->probing || en->stopped)
				continue;
			if (en->due_ns <= now)
				start_probe_locked(hm, en);
			else if (en->due_ns < next)
				next = en->due_ns;
		}
		(void)deadline_cond_wait(&hm->cv, &hm->mu, (struct deadline){.at_ns = next});
	}
	pthread_mutex_unlock(&hm->mu);
	return NULL;
}

int
healthmon_new(struct containers *cs, struct healthmon **ret, struct err *e)
{
	struct healthmon *hm = xcalloc(1, sizeof(*hm));
	int r;

	pthread_mutex_init(&hm->mu, NULL);
	(void)deadline_cond_init(&hm->cv);
	hm->cs = cs;
	r = pthread_create(&hm->thread, NULL, scheduler_main, hm);
	if (r != 0) {
		pthread_mutex_destroy(&hm->mu);
		pthread_cond_destroy(&hm->cv);
		free(hm);
		return err_set(e, -r, "cannot start the health check thread");
	}
	*ret = hm;
	return 0;
}

void
healthmon_free(struct healthmon *hm)
{
	if (!hm)
		return;
	pthread_mutex_lock(&hm->mu);
	hm->quit = true;
	pthread_cond_broadcast(&hm->cv);
	pthread_mutex_unlock(&hm->mu);
	pthread_join(hm->thread, NULL);
	pthread_mutex_lock(&hm->mu);
	while (hm->n_probing > 0) /* workers notice quit within POLL_SLICE_MS */
		pthread_cond_wait(&hm->cv, &hm->mu);
	while (hm->head) {
		struct entry *en = hm->head;
		hm->head = en->next;
		entry_free(en);
	}
	pthread_mutex_unlock(&hm->mu);
	pthread_mutex_destroy(&hm->mu);
	pthread_cond_destroy(&hm->cv);
	free(hm);
}

/* Stops every entry of @c; returns whether there was one. */
static bool
stop_entries(struct healthmon *hm, struct container *c)
{
	struct entry *gone = NULL;
	bool any = false;

	pthread_mutex_lock(&hm->mu);
	for (struct entry **p = &hm->head; *p;) {
		struct entry *en = *p;
		if (en->c != c || en->stopped) {
			p = &en->next;
			continue;
		}
		any = true;
		en->stopped = true;
		if (en->probing) {
			p = &en->next; /* its worker frees it */
			continue;
		}
		*p = en->next;
		en->next = gone;
		gone = en;
	}
	pthread_cond_broadcast(&hm->cv);
	pthread_mutex_unlock(&hm->mu);
	while (gone) {
		struct entry *en = gone;
		gone = en->next;
		entry_free(en);
	}
	return any;
}

static void
schedule(struct healthmon *hm, struct container *c, bool reset)
{
	struct entry *en;
	int64_t started;
	enum health_status st;

	if (!hm)
		return;
	(void)stop_entries(hm, c);
	en = xcalloc(1, sizeof(*en));
	pthread_mutex_lock(&c->mu);
	health_config_from_json(c->spec.healthcheck, c->spec.shell, &en->cfg);
	if (en->cfg.argv) {
		if (reset || c->state.health.status == HEALTH_NONE)
			health_state_reset(&c->state.health, &en->cfg);
		c->state.health.monitored = true;
	}
	started = c->state.started_ns;
	st = c->state.health.status;
	pthread_mutex_unlock(&c->mu);
	if (!en->cfg.argv) {
		entry_free(en);
		return;
	}
	en->c = container_ref(c);
	en->due_ns = time_mono_ns() + health_next_delay(&en->cfg, st, time_now_ns() - started);
	pthread_mutex_lock(&hm->mu);
	en->next = hm->head;
	hm->head = en;
	pthread_cond_broadcast(&hm->cv);
	pthread_mutex_unlock(&hm->mu);
}

void
healthmon_arm(struct healthmon *hm, struct container *c)
{
	schedule(hm, c, true);
}

void
healthmon_resume(struct healthmon *hm, struct container *c)
{
	schedule(hm, c, false);
}

void
healthmon_disarm(struct healthmon *hm, struct container *c)
{
	if (hm)
		(void)stop_entries(hm, c);
	pthread_mutex_lock(&c->mu);
	if (c->state.health.monitored) {
		/* moby: "unhealthy when the monitor has stopped for compatibility reasons" */
		c->state.health.monitored = false;
		c->state.health.status = HEALTH_UNHEALTHY;
	}
	pthread_mutex_unlock(&c->mu);
}
