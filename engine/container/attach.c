/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attach: connecting to a container's shim (early attachers go through the
 * hold handshake, hold.h), the logs replay and detach keys. Lock use: c->mu
 * (and the hold's leaf lock under it), never across the runtime calls, the
 * hold waits or the log read.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/container/attach.h"
#include "engine/container/hold.h"
#include "engine/container/logs.h"
#include "engine/container/lifecycle.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/xalloc.h"

static void
flags_string(unsigned flags, char out[8])
{
	size_t n = 0;

	if (flags & ATTACH_STDIN)
		out[n++] = 'i';
	if (flags & ATTACH_STDOUT)
		out[n++] = 'o';
	if (flags & ATTACH_STDERR)
		out[n++] = 'e';
	if ((flags & ATTACH_CLOSE_STDIN) && (flags & ATTACH_STDIN))
		out[n++] = 'c';
	out[n] = '\0';
}

static bool
has_process(enum container_status s)
{
	return s == CONTAINER_RUNNING || s == CONTAINER_PAUSED;
}

void
attach_register(struct container *c, struct attach_reg *reg)
{
	*reg = (struct attach_reg){.exit_seq = container_exit_seq(c)};
	/* the state check and the registration are one step under c->mu, so a
	 * start either sees us (and holds the process) or has the status set */
	pthread_mutex_lock(&c->mu);
	bool early = !has_process(c->state.status) || c->starting;
	reg->removed = early && c->removed;
	if (early && !reg->removed) {
		reg->ticket = hold_enter(&c->hold);
		reg->early = true;
	}
	pthread_mutex_unlock(&c->mu);
}

void
attach_unregister(struct container *c, struct attach_reg *reg)
{
	if (reg->early)
		hold_leave(&c->hold); /* never connected: no longer hold a start back */
	reg->early = false;
}

int
attach_connect(struct containers *cs, struct container *c, struct attach_reg *reg, unsigned flags,
	       bool (*cancelled)(void *ud), void *ud, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	bool early = reg->early;
	char f[8];
	int fd, r;

	flags_string(flags, f);
	if (reg->removed)
		return err_set(e, -ESRCH, "container %s is not running", c->id);
	if (early) {
		r = hold_await(&c->hold, reg->ticket, cancelled, ud);
		if (r < 0) {
			reg->early = false; /* hold_await left on our behalf */
			return r == -ECANCELED ? err_set(e, r, "attach cancelled")
					       : err_set(e, r, "container %s is not running", c->id);
		}
	}
	fd = runtime_attach(bundle, f, e);
	/* connected or not, we no longer hold the start back */
	attach_unregister(c, reg);
	return fd;
}

struct replay {
	attach_log_fn fn;
	void *ud;
};

static int
replay_entry(void *ud, enum logs_stream stream, int64_t ts_ns, json_t *attrs, const char *data,
	     size_t len)
{
	struct replay *rp = ud;

	(void)ts_ns;
	(void)attrs;
	return rp->fn(rp->ud, (int)stream, data, len);
}

/* The log as it stands now, through the same reader as `docker logs`. */
int
attach_replay_log(struct container *c, bool want_stdout, bool want_stderr, attach_log_fn fn,
		  void *ud, struct err *e)
{
	struct logs_opts o = { .want_stdout = want_stdout, .want_stderr = want_stderr, .tail = -1 };
	struct replay rp = { fn, ud };

	return logs_read(c, &o, replay_entry, &rp, e);
}

/* moby term.ASCII: the names of the control codes 0..31 that detach keys may use. */
static int
ctrl_code(const char *name)
{
	static const char specials[] = "@[\\]^_";
	const char *p;

	if (strncasecmp(name, "ctrl-", 5) != 0 || strlen(name) != 6)
		return -1;
	if (isalpha((unsigned char)name[5]))
		return tolower((unsigned char)name[5]) - 'a' + 1;
	p = strchr(specials, name[5]);
	if (!p)
		return -1;
	return p == specials ? 0 : 27 + (int)(p - specials - 1);
}

int
attach_detach_parse(const char *spec, struct attach_detach *ret, struct err *e)
{
	struct attach_detach d = {.keys = {16, 17}, .n = 2};
	_cleanup_free_ char *copy = NULL;

	if (!spec || !*spec) {
		*ret = d;
		return 0;
	}
	d.n = 0;
	copy = xstrdup(spec);
	/* strsep, not strtok: "a,,b" has an empty key, which is an error */
	for (char *p = copy, *k; (k = strsep(&p, ",")) != NULL;) {
		int code = strlen(k) == 1 ? (unsigned char)k[0] : ctrl_code(k);
		if (code < 0)
			return err_set(e, -EINVAL,
				       "Invalid detach keys (%s) provided: Unknown character: '%s'",
				       spec, k);
		if (d.n == LIMIT_DETACH_KEYS)
			return err_set(e, -EINVAL, "Invalid detach keys (%s) provided: too many keys",
				       spec);
		d.keys[d.n++] = (unsigned char)code;
	}
	*ret = d;
	return 0;
}

size_t
attach_detach_feed(struct attach_detach *d, const unsigned char *in, size_t n, unsigned char *out,
		   bool *ret_detached)
{
	size_t len = 0;

	*ret_detached = false;
	if (d->n == 0) {
		memcpy(out, in, n);
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		if (in[i] == d->keys[d->matched]) {
			if (++d->matched == d->n) {
				*ret_detached = true;
				d->matched = 0;
				return len;
			}
			continue;
		}
		/* not the sequence after all: what was held back goes through */
		memcpy(out + len, d->keys, d->matched);
		len += d->matched;
		d->matched = 0;
		if (in[i] == d->keys[0]) {
			d->matched = 1;
			continue;
		}
		out[len++] = in[i];
	}
	return len;
}

int
attach_check(struct container *c, struct err *e)
{
	pthread_mutex_lock(&c->mu);
	enum container_status st = c->state.status;
	pthread_mutex_unlock(&c->mu);
	if (st == CONTAINER_PAUSED)
		return err_set(e, -EBUSY, "container %s is paused, unpause the container before attach",
			       c->name + 1);
	if (st == CONTAINER_RESTARTING)
		return err_set(e, -EBUSY,
			       "You cannot attach to a restarting container, wait until it is running");
	return 0;
}

int
attach_resize(struct containers *cs, struct container *c, unsigned height, unsigned width,
	      struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	int r;

	pthread_mutex_lock(&c->mu);
	bool running = has_process(c->state.status);
	pthread_mutex_unlock(&c->mu);
	if (!running)
		return err_set(e, -EBUSY, "container %s is not running", c->id);
	r = runtime_resize(bundle, height, width, e);
	if (r == -ESRCH)
		return err_set(e, -EBUSY, "container %s is not running", c->id);
	return r;
}

struct exit_wait {
	struct deadline d;
	bool (*cancelled)(void *ud);
	void *ud;
	bool timed_out;
};

static bool
exit_wait_over(void *p)
{
	struct exit_wait *w = p;

	if (deadline_passed(w->d)) {
		w->timed_out = true;
		return true;
	}
	return w->cancelled && w->cancelled(w->ud);
}

int
attach_wait_exit(struct container *c, uint64_t since_seq, bool (*cancelled)(void *ud), void *ud)
{
	struct exit_wait w = {deadline_in_ms(10000), cancelled, ud, false};
	int code;

	if (container_wait(c, WAIT_NEXT_EXIT, since_seq, exit_wait_over, &w, &code) == 0)
		return 0;
	return w.timed_out ? -ETIMEDOUT : -ECANCELED;
}
