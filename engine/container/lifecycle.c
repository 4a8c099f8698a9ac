/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start, the exit monitor, stop/kill/restart/pause, remove and recovery.
 * State lives in struct container (container.h); processes live under their
 * shims (engine/runtime), so berthd can restart without touching them.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>

#include "engine/container/exec.h"
#include "engine/container/hold.h"
#include "engine/container/lifecycle.h"
#include "engine/container/runspec.h"
#include "engine/engine.h"
#include "engine/events/events.h"
#include "engine/network/network.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/thread.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
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
lifecycle_bundle(struct engine *eng, const struct container *c)
{
	return runtime_bundle_path(eng->cfg.exec_root, c->id);
}

void
lifecycle_event(struct engine *eng, struct container *c, const char *action, json_t *extra)
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
	events_publish(eng->events, "container", action, c->id, attrs);
}

static bool
is_running(enum container_status s)
{
	return s == CONTAINER_RUNNING || s == CONTAINER_PAUSED;
}

/* Fills the endpoint from what networking attached. */
static void
set_endpoint(struct container *c, const struct network_endpoint *ep)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

	container_endpoint_release(&c->ep);
	c->ep.network = xstrdup(ep->network);
	c->ep.endpoint_id = xstrdup(ep->endpoint_id);
	c->ep.network_id = xstrdup(ep->network_id);
	if (ep->netns_path[0])
		c->ep.netns = xstrdup(ep->netns_path);
	if (ep->ip.s_addr) {
		inet_ntop(AF_INET, &ep->ip, ip, sizeof(ip));
		inet_ntop(AF_INET, &ep->gateway, gw, sizeof(gw));
		c->ep.ip = xstrdup(ip);
		c->ep.gateway = xstrdup(gw);
		c->ep.prefix = ep->prefix;
		c->ep.mac = xstrdup(ep->mac);
	}
	if (ep->n_ports) {
		c->ep.ports = xcalloc(ep->n_ports, sizeof(*c->ep.ports));
		memcpy(c->ep.ports, ep->ports, ep->n_ports * sizeof(*c->ep.ports));
		c->ep.n_ports = ep->n_ports;
	}
}

static int
attach_network(struct engine *eng, struct container *c, struct err *e)
{
	struct network_attach_opts o = {0};
	struct network_endpoint ep = {0};
	_cleanup_free_ struct portmap_binding *ports = NULL;
	size_t n = 0;
	char peer[65] = "";
	int r;

	r = network_mode_parse(c->spec.network_mode, &o.mode, peer, e);
	if (r < 0)
		return r;
	if (o.mode == NETWORK_MODE_CONTAINER) {
		_cleanup_container_ struct container *p = containers_get(eng->containers, peer, e);
		if (!p)
			return e->code;
		snprintf(peer, sizeof(peer), "%s", p->id);
		o.peer = peer;
	}
	ports = xcalloc(c->spec.n_ports + strv_len(c->spec.exposed_ports) + 1, sizeof(*ports));
	for (size_t i = 0; i < c->spec.n_ports; i++) {
		const struct portmap_request *req = &c->spec.ports[i];
		struct portmap_binding *b = &ports[n];
		char key[PORTMAP_KEY_MAX];
		b->container_port = req->container_port;
		b->proto = req->proto;
		/* Only the host side is checked here: berth accepts it at create. */
		if ((req->proto != IPPROTO_TCP && req->proto != IPPROTO_UDP) ||
		    portmap_parse_host(req->host_ip, req->host_port, b, e) < 0) {
			portmap_request_key(req, key);
			return err_set(e, -EINVAL, "invalid port binding '%s'", key);
		}
		n++;
	}
	/* -P: every exposed port without an explicit binding gets an ephemeral one. */
	for (size_t i = 0; c->spec.publish_all_ports && c->spec.exposed_ports &&
			   c->spec.exposed_ports[i]; i++) {
		bool bound = false;
		for (size_t k = 0; k < c->spec.n_ports; k++) {
			char key[PORTMAP_KEY_MAX];
			portmap_request_key(&c->spec.ports[k], key);
			if (strcmp(key, c->spec.exposed_ports[i]) == 0)
				bound = true;
		}
		if (bound || portmap_parse_key(c->spec.exposed_ports[i], &ports[n].container_port,
					       &ports[n].proto) < 0)
			continue;
		n++;
	}
	o.ports = ports;
	o.n_ports = n;
	o.name = c->name + 1;
	o.network = c->spec.network_mode;
	o.hostname = c->spec.hostname;
	r = network_attach(eng->net, c->id, &o, &ep, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&c->mu);
	set_endpoint(c, &ep);
	pthread_mutex_unlock(&c->mu);
	network_endpoint_release(&ep);
	return 0;
}

static void
detach_network(struct engine *eng, struct container *c)
{
	struct err e = ERR_INIT;

	if (network_detach(eng->net, c->id, &e) < 0)
		log_warn("container %.12s: network clean-up: %s, ignoring", c->id, e.msg);
	pthread_mutex_lock(&c->mu);
	free(c->ep.ports);
	c->ep.ports = NULL;
	c->ep.n_ports = 0;
	free(c->ep.ip);
	free(c->ep.gateway);
	free(c->ep.mac);
	free(c->ep.netns);
	c->ep.ip = c->ep.gateway = c->ep.mac = c->ep.netns = NULL;
	pthread_mutex_unlock(&c->mu);
}

struct monitor_arg {
	struct engine *eng;
	struct container *c;
};

static void handle_exit(struct engine *eng, struct container *c, const struct runtime_exit *x);

static void *
monitor_main(void *p)
{
	struct monitor_arg *a = p;
	struct runtime_exit x = {0};
	struct err e = ERR_INIT;
	_cleanup_free_ char *bundle = lifecycle_bundle(a->eng, a->c);

	/* A process that ends at once can take its shim down while our wait
	 * request is in flight (ECONNRESET): exit.json is then already written,
	 * so ask for the state before declaring the exit unknown. */
	for (int attempt = 0;; attempt++) {
		struct runtime_state rs = {0};
		struct err e2 = ERR_INIT;

		if (runtime_wait(bundle, -1, &x, &e) == 0)
			break;
		if (runtime_get_state(bundle, &rs, &e2) == 0 && rs.status == RUNTIME_EXITED) {
			x = rs.exit;
			break;
		}
		if (attempt >= 50 || (e2.code == 0 && rs.status != RUNTIME_RUNNING)) {
			log_warn("container %.12s: waiting for exit: %s", a->c->id, e.msg);
			x.exit_code = 255;
			x.finished_at = time_now_ns();
			break;
		}
		struct timespec ts = { 0, 100000000L };
		nanosleep(&ts, NULL);
		err_clear(&e);
	}
	handle_exit(a->eng, a->c, &x);
	container_unref(a->c);
	free(a);
	return NULL;
}

static void
start_monitor(struct engine *eng, struct container *c)
{
	struct monitor_arg *a = xcalloc(1, sizeof(*a));

	a->eng = eng;
	a->c = container_ref(c);
	if (thread_spawn_detached(monitor_main, a, 256 * 1024) < 0) {
		log_error("container %.12s: cannot start its monitor thread", c->id);
		container_unref(c);
		free(a);
	}
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
start_failed(struct engine *eng, struct container *c, int code, struct err *e)
{
	struct err ignored = ERR_INIT;
	_cleanup_free_ char *bundle = lifecycle_bundle(eng, c);
	bool autorm;

	detach_network(eng, c);
	(void)runtime_cleanup(bundle, &ignored);
	pthread_mutex_lock(&c->mu);
	c->starting = false;
	c->state.status = CONTAINER_EXITED;
	c->state.exit_code = code == -ENOENT ? 127 : code == -EACCES ? 126 : 128;
	free(c->state.error);
	c->state.error = xstrdup(e->msg);
	c->state.finished_ns = time_now_ns();
	c->exit_seq++;
	hold_cancel(&c->hold); /* early attachers give up: there is no process */
	autorm = c->spec.auto_remove;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	(void)container_save_state(c, &ignored);
	lifecycle_event(eng, c, "die",
			json_pack("{s:s}", "exitCode", code == -ENOENT ? "127" : code == -EACCES ? "126" : "128"));
	/* docker run --rm waits for "removed": it must come even now. */
	if (autorm)
		(void)lifecycle_remove(eng, c, true, true, &ignored);
	if (code == -ENOENT || code == -EACCES)
		e->code = -EINVAL;
	return e->code;
}

int
lifecycle_start(struct engine *eng, struct container *c, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(eng, c);
	struct runtime_spec rs = {0};
	struct err ignored = ERR_INIT;
	bool held;
	pid_t pid = 0;
	int r;

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

	(void)runtime_cleanup(bundle, &ignored); /* leftovers of the previous run */
	r = attach_network(eng, c, e);
	if (r < 0) {
		pthread_mutex_lock(&c->mu);
		c->starting = false;
		pthread_mutex_unlock(&c->mu);
		return r;
	}
	lifecycle_write_hosts(c, c->ep.ip);
	r = runspec_build(eng, c, &rs, e);
	if (r < 0) {
		runtime_spec_release(&rs);
		return start_failed(eng, c, r, e);
	}
	pthread_mutex_lock(&c->mu);
	held = hold_arm(&c->hold);
	pthread_mutex_unlock(&c->mu);
	r = runtime_start(bundle, &rs, held ? RUNTIME_START_HELD : 0, &pid, e);
	runtime_spec_release(&rs);
	if (r < 0) {
		/* dockerd's wording around runc's message; docker run maps 126/127 from it */
		struct err w = ERR_INIT;
		err_set(&w, r, "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: %s: unknown",
			e->msg);
		err_copy(e, &w);
		return start_failed(eng, c, r, e);
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
	(void)container_save_state(c, &ignored);
	start_monitor(eng, c);
	if (held)
		release_held(c, bundle);
	lifecycle_event(eng, c, "start", NULL);
	return 0;
}

/* Restart policy: whether (and after how long) this exit restarts. */
static bool
should_restart(struct container *c, int64_t *ret_delay_ms)
{
	const char *p = c->spec.restart_policy ? c->spec.restart_policy : "no";
	bool restart = false;

	if (c->state.manually_stopped || c->removed)
		return false;
	if (strcmp(p, "always") == 0 || strcmp(p, "unless-stopped") == 0)
		restart = true;
	else if (strcmp(p, "on-failure") == 0)
		restart = c->state.exit_code != 0 &&
			  (c->spec.restart_max_retries == 0 ||
			   c->state.restart_count < c->spec.restart_max_retries);
	/* dockerd's back-off: 100 ms doubling, reset when a run lasted 10 s. */
	int64_t ran = c->state.finished_ns - c->state.started_ns;
	int64_t delay = 100;
	for (int i = 0; i < c->state.restart_count && delay < 60000 && ran < 10000000000LL; i++)
		delay *= 2;
	*ret_delay_ms = delay > 60000 ? 60000 : delay;
	return restart;
}

static void
handle_exit(struct engine *eng, struct container *c, const struct runtime_exit *x)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(eng, c);
	struct err ignored = ERR_INIT;
	char code[16];
	int64_t delay = 0;
	bool restart, autorm;

	detach_network(eng, c);
	(void)runtime_cleanup(bundle, &ignored);
	pthread_mutex_lock(&c->mu);
	c->state.status = CONTAINER_EXITED;
	c->state.exit_code = x->exit_code;
	c->state.oom_killed = x->oom_killed;
	c->state.pid = 0;
	c->state.finished_ns = x->finished_at ? x->finished_at : time_now_ns();
	restart = should_restart(c, &delay);
	autorm = c->spec.auto_remove && !restart;
	if (restart)
		c->state.status = CONTAINER_RESTARTING;
	c->exit_seq++;
	hold_cancel(&c->hold); /* the run is over for attachers still waiting for it */
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	(void)container_save_state(c, &ignored);
	if (x->oom_killed)
		lifecycle_event(eng, c, "oom", NULL);
	snprintf(code, sizeof(code), "%d", x->exit_code);
	lifecycle_event(eng, c, "die", json_pack("{s:s}", "exitCode", code));
	if (restart) {
		struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&c->mu);
		bool still = c->state.status == CONTAINER_RESTARTING && !c->removed &&
			     !c->state.manually_stopped;
		if (still) {
			c->state.status = CONTAINER_EXITED;
			c->state.restart_count++;
		}
		pthread_mutex_unlock(&c->mu);
		if (still && lifecycle_start(eng, c, &ignored) < 0)
			log_warn("container %.12s: restart failed: %s", c->id, ignored.msg);
	} else if (autorm) {
		(void)lifecycle_remove(eng, c, true, true, &ignored);
	}
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
lifecycle_kill(struct engine *eng, struct container *c, const char *signal, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(eng, c);
	int sig = signal && *signal ? lifecycle_parse_signal(signal) : SIGKILL;
	char num[8];

	if (sig < 0)
		return err_set(e, -EINVAL, "Invalid signal: %s", signal);
	pthread_mutex_lock(&c->mu);
	bool running = is_running(c->state.status);
	uint64_t seq = c->exit_seq;
	if (running && sig == SIGKILL)
		c->state.manually_stopped = true;
	pthread_mutex_unlock(&c->mu);
	if (!running)
		return err_set(e, -EBUSY, "cannot kill container: %s: container %s is not running",
			       c->name + 1, c->id);
	if (runtime_kill(bundle, sig, e) < 0) {
		if (e->code == -ESRCH)
			return err_set(e, -EBUSY,
				       "cannot kill container: %s: container %s is not running",
				       c->name + 1, c->id);
		return e->code;
	}
	snprintf(num, sizeof(num), "%d", sig);
	lifecycle_event(eng, c, "kill", json_pack("{s:s}", "signal", num));
	/* moby's Kill waits for the exit after SIGKILL, so `docker kill x;
	 * docker inspect x` sees it stopped. */
	if (sig == SIGKILL)
		(void)wait_exit(c, seq, 10000);
	return 0;
}

int
lifecycle_stop(struct engine *eng, struct container *c, int timeout_s, const char *signal,
	       struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(eng, c);
	struct err ignored = ERR_INIT;
	const char *signame = signal && *signal ? signal : c->spec.stop_signal;
	int sig = signame && *signame ? lifecycle_parse_signal(signame) : SIGTERM;
	uint64_t seq;
	bool paused;

	if (sig < 0)
		return err_set(e, -EINVAL, "Invalid signal: %s", signame);
	if (timeout_s < -1 || timeout_s == -2)
		timeout_s = -1;
	if (timeout_s == -1 && (!signal || c->spec.stop_timeout >= 0))
		timeout_s = c->spec.stop_timeout >= 0 ? c->spec.stop_timeout : 10;
	pthread_mutex_lock(&c->mu);
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
	pthread_mutex_unlock(&c->mu);
	(void)container_save_state(c, &ignored);
	if (runtime_kill(bundle, sig, &ignored) == 0)
		lifecycle_event(eng, c, "kill",
				json_pack("{s:s}", "signal", sig == SIGTERM ? "15" : "?"));
	if (paused)
		(void)runtime_pause(bundle, false, &ignored);
	if (!wait_exit(c, seq, (int64_t)timeout_s * 1000)) {
		(void)runtime_kill(bundle, SIGKILL, &ignored);
		lifecycle_event(eng, c, "kill", json_pack("{s:s}", "signal", "9"));
		if (!wait_exit(c, seq, 30000))
			return err_set(e, -EIO, "container %s did not stop after SIGKILL", c->id);
	}
	lifecycle_event(eng, c, "stop", NULL);
	return 0;
}

int
lifecycle_restart(struct engine *eng, struct container *c, int timeout_s, const char *signal,
		  struct err *e)
{
	int r = lifecycle_stop(eng, c, timeout_s, signal, e);

	if (r < 0 && r != -EALREADY)
		return r;
	err_clear(e);
	r = lifecycle_start(eng, c, e);
	if (r == 0)
		lifecycle_event(eng, c, "restart", NULL);
	return r;
}

int
lifecycle_pause(struct engine *eng, struct container *c, bool pause, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(eng, c);
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
	(void)container_save_state(c, &ignored);
	lifecycle_event(eng, c, pause ? "pause" : "unpause", NULL);
	return 0;
}

int
lifecycle_remove(struct engine *eng, struct container *c, bool force, bool volumes,
		 struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(eng, c);
	struct err ignored = ERR_INIT;
	uint64_t seq;

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
	pthread_mutex_unlock(&c->mu);
	if (is_running(st)) {
		(void)runtime_kill(bundle, SIGKILL, &ignored);
		if (st == CONTAINER_PAUSED)
			(void)runtime_pause(bundle, false, &ignored);
		(void)wait_exit(c, seq, 30000);
	}
	pthread_mutex_lock(&c->mu);
	c->state.status = CONTAINER_REMOVING;
	pthread_mutex_unlock(&c->mu);
	(void)runtime_cleanup(bundle, &ignored);
	detach_network(eng, c);
	if (volumes)
		for (size_t i = 0; i < c->spec.n_mounts; i++)
			if (c->spec.mounts[i].type == MOUNT_VOLUME && c->spec.mounts[i].options &&
			    strcmp(c->spec.mounts[i].options, "anonymous") == 0)
				(void)volume_remove(eng->volumes, c->spec.mounts[i].source, false,
						    &ignored);
	execs_forget_container(eng->execs, c->id);
	if (containers_delete(eng->containers, c, e) < 0)
		log_warn("container %.12s: %s", c->id, e->msg);
	err_clear(e);
	lifecycle_event(eng, c, "destroy", NULL);
	return 0;
}

static bool
wants_restart_at_boot(struct container *c)
{
	const char *p = c->spec.restart_policy ? c->spec.restart_policy : "no";
	return strcmp(p, "always") == 0 ||
	       (strcmp(p, "unless-stopped") == 0 && !c->state.manually_stopped);
}

int
lifecycle_recover(struct engine *eng, struct err *e)
{
	size_t n = 0;
	struct container **list = containers_list(eng->containers, &n);
	_cleanup_strv_ char **live = NULL;
	struct err ignored = ERR_INIT;

	(void)e;
	for (size_t i = 0; i < n; i++) {
		struct container *c = list[i];
		_cleanup_free_ char *bundle = lifecycle_bundle(eng, c);
		struct runtime_state rs = {0};

		pthread_mutex_lock(&c->mu);
		enum container_status st = c->state.status;
		pthread_mutex_unlock(&c->mu);
		if (!is_running(st) && st != CONTAINER_RESTARTING)
			continue;
		if (runtime_get_state(bundle, &rs, &ignored) == 0 && rs.status == RUNTIME_RUNNING) {
			struct network_endpoint ep = {0};
			pthread_mutex_lock(&c->mu);
			c->state.pid = rs.pid;
			c->state.status = rs.paused ? CONTAINER_PAUSED : CONTAINER_RUNNING;
			pthread_mutex_unlock(&c->mu);
			if (network_inspect(eng->net, c->id, &ep, &ignored) == 0) {
				pthread_mutex_lock(&c->mu);
				set_endpoint(c, &ep);
				pthread_mutex_unlock(&c->mu);
				network_endpoint_release(&ep);
			}
			strv_append(&live, c->id);
			start_monitor(eng, c);
			log_info("container %.12s is still running (pid %d)", c->id, (int)rs.pid);
			continue;
		}
		/* It ended while berthd was down, or its shim is gone. */
		struct runtime_exit x = rs.status == RUNTIME_EXITED ? rs.exit : (struct runtime_exit){ 0 };
		if (rs.status != RUNTIME_EXITED) {
			x.exit_code = 255;
			x.finished_at = time_now_ns();
		}
		log_info("container %.12s exited while berthd was down (code %d)", c->id, x.exit_code);
		pthread_mutex_lock(&c->mu);
		c->state.manually_stopped = c->state.manually_stopped || false;
		pthread_mutex_unlock(&c->mu);
		handle_exit(eng, c, &x);
	}
	if (!live)
		live = xcalloc(1, sizeof(char *));
	if (network_cleanup_stale(eng->net, live, &ignored) < 0)
		log_warn("network clean-up at start: %s, ignoring", ignored.msg);
	/* Restart policies also apply when the daemon starts. */
	for (size_t i = 0; i < n; i++) {
		struct container *c = list[i];
		pthread_mutex_lock(&c->mu);
		bool stopped = c->state.status == CONTAINER_EXITED && c->state.has_been_started;
		pthread_mutex_unlock(&c->mu);
		if (stopped && !c->removed && wants_restart_at_boot(c) &&
		    lifecycle_start(eng, c, &ignored) < 0)
			log_warn("container %.12s: restart at daemon start failed: %s", c->id,
				 ignored.msg);
	}
	containers_list_free(list, n);
	return 0;
}

json_t *
lifecycle_volume_users(void *ud, const char *name)
{
	struct engine *eng = ud;
	size_t n = 0;
	struct container **list = containers_list(eng->containers, &n);
	json_t *ids = json_array();

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < list[i]->spec.n_mounts; k++)
			if (list[i]->spec.mounts[k].type == MOUNT_VOLUME &&
			    strcmp(list[i]->spec.mounts[k].source, name) == 0) {
				json_array_append_new(ids, json_string(list[i]->id));
				break;
			}
	containers_list_free(list, n);
	return ids;
}

bool
lifecycle_image_in_use(void *ud, const char *image_id, bool running_only, char ret_container[65])
{
	struct engine *eng = ud;
	size_t n = 0;
	struct container **list = containers_list(eng->containers, &n);
	bool used = false;

	for (size_t i = 0; i < n && !used; i++) {
		struct container *c = list[i];
		pthread_mutex_lock(&c->mu);
		bool match = c->image_id && strcmp(c->image_id, image_id) == 0 &&
			     (!running_only || is_running(c->state.status));
		pthread_mutex_unlock(&c->mu);
		if (match) {
			used = true;
			if (ret_container)
				snprintf(ret_container, 65, "%s", c->id);
		}
	}
	containers_list_free(list, n);
	return used;
}
