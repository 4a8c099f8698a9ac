/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start, stop/kill/restart/pause and remove. The network glue is in
 * container_endpoint.c (the embedded DNS's in container_dns.c), the exit
 * monitor and restart policy in container_monitor.c, recovery at daemon
 * start in recover.c. State lives in struct container (container.h);
 * processes live under their shims (engine/runtime), so berthd can restart
 * without touching them.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/container/container_dns.h"
#include "engine/container/container_endpoint.h"
#include "engine/container/container_internal.h"
#include "engine/container/container_userns.h"
#include "engine/container/container_monitor.h"
#include "engine/container/exec.h"
#include "engine/container/healthmon.h"
#include "engine/container/hold.h"
#include "engine/container/lifecycle.h"
#include "engine/container/links.h"
#include "engine/container/runspec.h"
#include "engine/events/events.h"
#include "engine/network/network.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"
#include "engine/volume/volume.h"

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

int
lifecycle_parse_signal(const char *s)
{
	int64_t n;

	if (!s || !*s)
		return -EINVAL;
	if (isdigit((unsigned char)*s))
		return parse_int64(s, 1, 64, &n) == 0 ? (int)n : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].num;
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		bool min = toupper((unsigned char)s[3]) == 'I';
		int base = min ? SIGRTMIN : SIGRTMAX;
		if (!s[5])
			return base;
		if (parse_int64(s + 5, -30, 30, &n) < 0)
			return -EINVAL;
		return base + (int)n;
	}
	return -EINVAL;
}

char *
lifecycle_bundle(struct containers *cs, const struct container *c)
{
	return runtime_bundle_path(cs->exec_root, c->id);
}

void
lifecycle_event(struct containers *cs, struct container *c, const char *action, json_t *extra)
{
	json_t *attrs = json_object(), *v;
	const char *k;

	pthread_mutex_lock(&c->mu);
	json_object_foreach(c->spec.labels, k, v)
		json_object_set(attrs, k, v);
	json_object_set_new(attrs, "image", json_string(c->spec.image ? c->spec.image : ""));
	json_object_set_new(attrs, "name", json_string(c->name + 1));
	pthread_mutex_unlock(&c->mu);
	if (extra) {
		json_object_update(attrs, extra);
		json_decref(extra);
	}
	events_publish(cs->events, "container", action, c->id, attrs);
}

static bool
is_running(enum container_status s)
{
	return s == CONTAINER_RUNNING || s == CONTAINER_PAUSED;
}

void
lifecycle_exit_recorded(struct containers *cs, struct container *c, bool oom, const char *code)
{
	pthread_mutex_lock(&c->mu);
	while (c->signalling > 0)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	if (oom)
		lifecycle_event(cs, c, "oom", NULL);
	lifecycle_event(cs, c, "die", json_pack("{s:s}", "exitCode", code));
	pthread_mutex_lock(&c->mu);
	c->exit_seq++;
	hold_cancel(&c->hold); /* the run is over for attachers still waiting for it */
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* Claims a signal for the current run (c->mu held): false when it has no process. */
static bool
signal_begin(struct container *c)
{
	if (!is_running(c->state.status))
		return false;
	c->signalling++;
	return true;
}

/*
 * Sends @sig (claimed with signal_begin) and publishes "kill" with its
 * number before the monitor may publish "die". 0 or the runtime's error.
 */
static int
signal_send(struct containers *cs, struct container *c, const char *bundle, int sig, struct err *e)
{
	char num[12];
	int r = runtime_kill(bundle, sig, e);

	if (r == 0) {
		snprintf(num, sizeof(num), "%d", sig);
		lifecycle_event(cs, c, "kill", json_pack("{s:s}", "signal", num));
	}
	pthread_mutex_lock(&c->mu);
	c->signalling--;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return r;
}

/* Waits (5 s at most) for the held process's early attachers, then lets it exec. */
static void
release_held(struct container *c, const char *bundle)
{
	struct err e = ERR_INIT;

	if (hold_wait(&c->hold, time_mono_ns() + 5LL * 1000 * 1000 * 1000) < 0)
		log_debug("container %.12s: attachers still missing, releasing anyway", c->id);
	if (runtime_release(bundle, &e) < 0)
		log_warn("container %.12s: release: %s", c->id, e.msg);
}

static int
start_failed(struct containers *cs, struct container *c, int code, struct err *e)
{
	struct err ignored = ERR_INIT;
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	const char *status = code == -ENOENT ? "127" : code == -EACCES ? "126" : "128";
	bool autorm;

	container_endpoint_detach(cs, c, false);
	(void)container_dns_sync(cs, c); /* the endpoint is gone: detaches */
	(void)runtime_cleanup(bundle, &ignored);
	pthread_mutex_lock(&c->mu);
	c->starting = false;
	c->state.status = CONTAINER_EXITED;
	c->state.exit_code = code == -ENOENT ? 127 : code == -EACCES ? 126 : 128;
	free(c->state.error);
	c->state.error = xstrdup(e->msg);
	c->state.finished_ns = time_now_ns();
	autorm = c->spec.auto_remove;
	pthread_mutex_unlock(&c->mu);
	(void)container_save_state(c, &ignored);
	/* early attachers give up there: there is no process */
	lifecycle_exit_recorded(cs, c, false, status);
	/* docker run --rm waits for "removed": it must come even now. */
	if (autorm)
		(void)lifecycle_remove(cs, c, true, true, &ignored);
	if (code == -ENOENT || code == -EACCES)
		e->code = -EINVAL;
	return e->code;
}

int
lifecycle_start(struct containers *cs, struct container *c, struct err *e)
{
	pthread_mutex_lock(&c->mu);
	if (c->removed || c->state.status == CONTAINER_REMOVING) {
		pthread_mutex_unlock(&c->mu);
		return err_set(e, -EBUSY, "container is marked for removal and cannot be started");
	}
	if (c->state.status == CONTAINER_PAUSED) {
		pthread_mutex_unlock(&c->mu);
		return err_set(e, -EBUSY, "cannot start a paused container, try unpause instead");
	}
	if (c->state.status == CONTAINER_RUNNING || c->starting) {
		pthread_mutex_unlock(&c->mu);
		return err_set(e, -EALREADY, "container already started");
	}
	c->starting = true;
	pthread_mutex_unlock(&c->mu);
	return lifecycle_start_claimed(cs, c, e);
}

int
lifecycle_start_claimed(struct containers *cs, struct container *c, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	struct runtime_spec rs = {0};
	struct links_setup lk = {0};
	struct err ignored = ERR_INIT;
	bool held, own_net = container_userns_owns_netns(cs, c);
	pid_t pid = 0;
	int r;

	trace_point("start.begin", c->id);
	container_touch_net(c);
	(void)runtime_cleanup(bundle, &ignored); /* leftovers of the previous run */
	trace_point("start.cleaned", c->id);
	/* A network failure (a taken --ip, a full subnet) fails the start as
	 * dockerd's containerStart does: exit code 128, "die", and --rm removes
	 * the container, so `docker run --rm` does not wait forever. */
	r = container_endpoint_attach(cs, c, e);
	if (r < 0) /* (exit code 128 and e's errno kept, whatever the errno) */
		return start_failed(cs, c, r == -ENOENT || r == -EACCES ? -EIO : r, e);
	/* A link to a container that is not running fails the start like a
	 * runtime error: state, die event, --rm (moby's containerStart). */
	trace_point("start.net_attached", c->id);
	r = links_setup(cs, c, &lk, e);
	if (r < 0)
		return start_failed(cs, c, r, e);
	lifecycle_write_hosts(cs, c, lk.hosts);
	links_update_parents(cs, c);
	/* Before the process runs, so its first lookup is answered (with
	 * own_net once its namespace exists, below). */
	if (!own_net)
		(void)container_dns_sync(cs, c);
	r = container_userns_own_files(cs, c, e);
	if (r == 0)
		r = runspec_build(cs, c, &rs, e);
	if (r == 0)
		links_merge_env(&rs.env, lk.env);
	links_setup_release(&lk);
	if (r < 0) {
		runtime_spec_release(&rs);
		return start_failed(cs, c, r, e);
	}
	trace_point("start.runspec_built", c->id);
	pthread_mutex_lock(&c->mu);
	held = hold_arm(&c->hold);
	pthread_mutex_unlock(&c->mu);
	/* own_net: held until its namespace is plumbed (libnetwork's prestart hook) */
	r = runtime_start(bundle, &rs, held || own_net ? RUNTIME_START_HELD : 0, &pid, e);
	trace_point("start.shim_reported", c->id);
	runtime_spec_release(&rs);
	if (r >= 0 && own_net && (r = network_adopt_netns(cs->net, c->id, pid, e)) < 0)
		return start_failed(cs, c, r == -ENOENT || r == -EACCES ? -EIO : r, e);
	if (r >= 0 && own_net)
		(void)container_dns_sync(cs, c);
	if (r < 0) {
		/* dockerd's wording around runc's message; docker run maps 126/127 from it */
		struct err w = ERR_INIT;
		err_set(&w, r, "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: %s: unknown",
			e->msg);
		err_copy(e, &w);
		return start_failed(cs, c, r, e);
	}
	pthread_mutex_lock(&c->mu);
	c->starting = false;
	c->state.status = CONTAINER_RUNNING;
	c->state.pid = pid;
	c->state.exit_code = 0;
	c->state.oom_killed = false;
	c->state.started_ns = time_now_ns();
	c->state.has_been_started = true;
	c->state.manually_stopped = false;
	free(c->state.error);
	c->state.error = NULL;
	hold_open(&c->hold); /* with the status: attachers connect to a running process */
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	healthmon_arm(cs->health, c);
	(void)container_save_state(c, &ignored);
	trace_point("start.state_saved", c->id);
	container_monitor_start(cs, c);
	if (held)
		release_held(c, bundle);
	else if (own_net && runtime_release(bundle, &ignored) < 0)
		log_warn("container %.12s: release: %s", c->id, ignored.msg);
	trace_point("start.released", c->id);
	lifecycle_event(cs, c, "start", NULL);
	return 0;
}

static bool
past_deadline(void *ud)
{
	return deadline_passed(*(struct deadline *)ud);
}

/* Waits for the exit after @seq, up to @timeout_ms (-1: forever): true if it came. */
static bool
wait_exit(struct container *c, uint64_t seq, int64_t timeout_ms)
{
	struct deadline d = deadline_in_ms(timeout_ms);	/* < 0: never */
	int code;

	return container_wait(c, WAIT_NEXT_EXIT, seq, past_deadline, &d, &code) == 0;
}

int
lifecycle_kill(struct containers *cs, struct container *c, const char *signal, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	int sig = signal && *signal ? lifecycle_parse_signal(signal) : SIGKILL;

	if (sig < 0)
		return err_set(e, -EINVAL, "Invalid signal: %s", signal);
	pthread_mutex_lock(&c->mu);
	bool running = signal_begin(c);
	uint64_t seq = c->exit_seq;
	if (running && sig == SIGKILL)
		c->state.manually_stopped = true;
	pthread_mutex_unlock(&c->mu);
	if (!running)
		return err_set(e, -EBUSY, "cannot kill container: %s: container %s is not running",
			       c->name + 1, c->id);
	if (signal_send(cs, c, bundle, sig, e) < 0) {
		if (e->code == -ESRCH)
			return err_set(e, -EBUSY,
				       "cannot kill container: %s: container %s is not running",
				       c->name + 1, c->id);
		return e->code;
	}
	/* moby's Kill waits for the exit after SIGKILL, so `docker kill x;
	 * docker inspect x` sees it stopped. */
	if (sig == SIGKILL)
		(void)wait_exit(c, seq, 10000);
	return 0;
}

int
lifecycle_stop(struct containers *cs, struct container *c, int timeout_s, const char *signal,
	       struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	struct err ignored = ERR_INIT;
	const char *signame = signal && *signal ? signal : c->spec.stop_signal;
	int sig = signame && *signame ? lifecycle_parse_signal(signame) : SIGTERM;
	uint64_t seq;
	bool paused, claimed;

	if (sig < 0)
		return err_set(e, -EINVAL, "Invalid signal: %s", signame);
	if (timeout_s == LIFECYCLE_STOP_DEFAULT)
		timeout_s = c->spec.stop_timeout_set ? c->spec.stop_timeout : 10;
	pthread_mutex_lock(&c->mu);
	/* A restart's start is under way: let it finish, then stop what it started. */
	while (c->state.status == CONTAINER_RESTARTING && c->starting)
		pthread_cond_wait(&c->cv, &c->mu);
	if (!is_running(c->state.status) && c->state.status != CONTAINER_RESTARTING) {
		pthread_mutex_unlock(&c->mu);
		return err_set(e, -EALREADY, "container already stopped");
	}
	c->state.manually_stopped = true;
	if (c->state.status == CONTAINER_RESTARTING) {
		/* Between runs: cancel the pending restart. */
		c->state.status = CONTAINER_EXITED;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		(void)container_save_state(c, &ignored);
		return 0;
	}
	paused = c->state.status == CONTAINER_PAUSED;
	seq = c->exit_seq;
	claimed = signal_begin(c);
	pthread_mutex_unlock(&c->mu);
	(void)container_save_state(c, &ignored);
	if (claimed)
		(void)signal_send(cs, c, bundle, sig, &ignored);
	if (paused)
		(void)runtime_pause(bundle, false, &ignored);
	/* a negative timeout never passes: wait for the exit (dockerd's -1) */
	if (!wait_exit(c, seq, timeout_s < 0 ? -1 : (int64_t)timeout_s * 1000)) {
		pthread_mutex_lock(&c->mu);
		claimed = signal_begin(c);
		pthread_mutex_unlock(&c->mu);
		if (claimed)
			(void)signal_send(cs, c, bundle, SIGKILL, &ignored);
		if (!wait_exit(c, seq, 30000))
			return err_set(e, -EIO, "container %s did not stop after SIGKILL", c->id);
	}
	lifecycle_event(cs, c, "stop", NULL);
	return 0;
}

int
lifecycle_restart(struct containers *cs, struct container *c, int timeout_s, const char *signal,
		  struct err *e)
{
	int r = lifecycle_stop(cs, c, timeout_s, signal, e);

	if (r < 0 && r != -EALREADY)
		return r;
	err_clear(e);
	r = lifecycle_start(cs, c, e);
	if (r == 0)
		lifecycle_event(cs, c, "restart", NULL);
	return r;
}

int
lifecycle_pause(struct containers *cs, struct container *c, bool pause, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	struct err ignored = ERR_INIT;
	int r;

	pthread_mutex_lock(&c->mu);
	enum container_status st = c->state.status;
	pthread_mutex_unlock(&c->mu);
	if (!is_running(st))
		return err_set(e, -EBUSY, "container %s is not running", c->id);
	if (pause && st == CONTAINER_PAUSED)
		return err_set(e, -EBUSY, "Container %s is already paused", c->id);
	if (!pause && st != CONTAINER_PAUSED)
		return err_set(e, -EIO, "Container %s is not paused", c->id);
	r = runtime_pause(bundle, pause, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&c->mu);
	if (is_running(c->state.status))
		c->state.status = pause ? CONTAINER_PAUSED : CONTAINER_RUNNING;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	/* moby's updateHealthMonitor: no probes while paused */
	if (pause)
		healthmon_disarm(cs->health, c);
	else
		healthmon_resume(cs->health, c);
	(void)container_save_state(c, &ignored);
	lifecycle_event(cs, c, pause ? "pause" : "unpause", NULL);
	return 0;
}

int
lifecycle_remove(struct containers *cs, struct container *c, bool force, bool volumes,
		 struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	struct err ignored = ERR_INIT;
	uint64_t seq;
	bool claimed, pristine;

	pthread_mutex_lock(&c->mu);
	enum container_status st = c->state.status;
	if (c->removed || st == CONTAINER_REMOVING) {
		pthread_mutex_unlock(&c->mu);
		return err_set(e, -EBUSY, "removal of container %s is already in progress", c->name + 1);
	}
	if (!force && st == CONTAINER_PAUSED) {
		pthread_mutex_unlock(&c->mu);
		return err_set(e, -EBUSY,
			       "cannot remove container \"%s\": container is paused and must be unpaused first",
			       c->name + 1);
	}
	if (!force && (st == CONTAINER_RUNNING || st == CONTAINER_RESTARTING)) {
		pthread_mutex_unlock(&c->mu);
		return err_set(e, -EBUSY,
			       "cannot remove container \"%s\": container is running: stop the container before removing or force remove",
			       c->name + 1);
	}
	c->state.manually_stopped = true;
	seq = c->exit_seq;
	claimed = signal_begin(c);
	pthread_mutex_unlock(&c->mu);
	if (is_running(st)) {
		/* moby's rm -f goes through Kill: "kill" (9), then "die", then "destroy" */
		if (claimed)
			(void)signal_send(cs, c, bundle, SIGKILL, &ignored);
		if (st == CONTAINER_PAUSED)
			(void)runtime_pause(bundle, false, &ignored);
		(void)wait_exit(c, seq, 30000);
	}
	trace_point("rm.begin", c->id);
	pthread_mutex_lock(&c->mu);
	c->state.status = CONTAINER_REMOVING;
	pristine = c->pristine;
	pthread_mutex_unlock(&c->mu);
	/* Never started, connected or disconnected since this daemon created
	 * it, or its exit's clean-up succeeded: no bundle, endpoint, namespace,
	 * firewall rule or DNS attachment can exist (its ID was new), so there
	 * is nothing to look for but the exit's background network release,
	 * which an explicit removal waits for (nothing left when it returns);
	 * AutoRemove's removal does not wait for it. */
	if (!pristine) {
		(void)runtime_cleanup(bundle, &ignored);
		trace_point("rm.bundle_cleaned", c->id);
		container_endpoint_detach(cs, c, c->spec.auto_remove);
		(void)container_dns_sync(cs, c);
	} else if (!c->spec.auto_remove && cs->net) {
		network_release_wait(cs->net, c->id);
	}
	if (volumes)
		for (size_t i = 0; i < c->spec.n_mounts; i++)
			if (c->spec.mounts[i].type == MOUNT_VOLUME && c->spec.mounts[i].options &&
			    strcmp(c->spec.mounts[i].options, "anonymous") == 0)
				(void)volume_remove(cs->volumes, c->spec.mounts[i].source, false,
						    &ignored);
	execs_forget_container(cs->execs, c->id);
	trace_point("rm.detached", c->id);
	if (containers_delete(cs, c, e) < 0)
		log_warn("container %.12s: %s", c->id, e->msg);
	trace_point("rm.deleted", c->id);
	err_clear(e);
	lifecycle_event(cs, c, "destroy", NULL);
	return 0;
}
