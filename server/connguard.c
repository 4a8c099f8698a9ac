/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection guard (see connguard.h). Each connection gets a record as its
 * MHD socket context. The record holds a dup of the connection's socket, so
 * the watchdog can shut the socket down without racing libmicrohttpd's
 * close: the dup keeps the socket (and its descriptor number) alive until
 * MHD_CONNECTION_NOTIFY_CLOSED, where the record goes. shutdown() makes the
 * connection thread's recv/poll see EOF, and MHD then closes as usual.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/util/deadline.h"
#include "engine/util/lazylib.h"
#include "engine/util/log.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "server/connguard.h"

#define UNLOAD_IDLE_NS 1000000000LL

enum phase { PHASE_WAITING, PHASE_BODY, PHASE_SERVING };

struct guarded {
	struct connguard *g;
	struct guarded *prev, *next; /* oldest first */
	int fd;			/* dup of the connection's socket */
	enum phase phase;
	unsigned in_handler;	/* the access handler runs: never cut */
	bool upgraded;
	bool cut;
	int64_t since_ns;	/* start of the current waiting phase */
	int64_t last_ns;	/* last progress (body chunk, handler return) */
};

struct connguard {
	char *name;
	int64_t timeout_ns;
	size_t max_waiting;
	pthread_mutex_t mu;
	pthread_cond_t cond;	/* on CLOCK_MONOTONIC */
	pthread_t thread;
	bool stop;
	bool sleeping_forever;
	int64_t unload_at; /* when to unload idle libraries (0: not armed) */
	struct guarded *head, *tail;
	size_t n_open, n_waiting;
	unsigned long n_cut;
};

static struct guarded *
guarded_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static bool
is_waiting(const struct guarded *c)
{
	return c->phase != PHASE_SERVING && !c->upgraded && !c->cut && c->in_handler == 0;
}

/* The time at which @c is cut, or 0 if it is not cuttable. */
static int64_t
deadline_of(const struct connguard *g, const struct guarded *c)
{
	if (!is_waiting(c))
		return 0;
	if (c->phase == PHASE_WAITING)
		return c->since_ns + g->timeout_ns;
	return c->last_ns + g->timeout_ns;
}

/* Called with g->mu held. */
static void
cut(struct connguard *g, struct guarded *c, const char *why)
{
	c->cut = true;
	g->n_cut++;
	if (g->n_waiting > 0)
		g->n_waiting--;
	log_debug("http %s: closing a connection that %s", g->name, why);
	(void)shutdown(c->fd, SHUT_RDWR);
}

/* Recounts after a phase change; called with g->mu held. */
static void
set_phase(struct connguard *g, struct guarded *c, enum phase ph, int64_t now)
{
	bool was = is_waiting(c);

	c->phase = ph;
	if (ph == PHASE_WAITING)
		c->since_ns = now;
	c->last_ns = now;
	bool is = is_waiting(c);
	if (was && !is)
		g->n_waiting--;
	else if (!was && is)
		g->n_waiting++;
	if (is && g->sleeping_forever)
		pthread_cond_signal(&g->cond);
}

/* Keeps at most max_waiting connections waiting: the oldest go first. */
static void
evict_locked(struct connguard *g, const struct guarded *keep)
{
	for (struct guarded *c = g->head; c && g->n_waiting > g->max_waiting; c = c->next)
		if (c != keep && is_waiting(c))
			cut(g, c, "was waiting while too many others were");
}

static void *
watchdog_main(void *arg)
{
	struct connguard *g = arg;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		int64_t now = time_mono_ns(), next = 0;
		for (struct guarded *c = g->head; c; c = c->next) {
			int64_t d = deadline_of(g, c);
			if (d == 0)
				continue;
			if (d <= now)
				cut(g, c, c->phase == PHASE_WAITING
						  ? "sent no complete request within the time-out"
						  : "sent no request body within the time-out");
			else if (next == 0 || d < next)
				next = d;
		}
		if (g->unload_at != 0 && g->unload_at <= now) {
			g->unload_at = 0;
			pthread_mutex_unlock(&g->mu);
			/* Their pages, what their global state had allocated, and
			 * what the rate-limited trim at the close skipped. */
			(void)lazylib_unload_unused();
			(void)malloc_trim(0);
			pthread_mutex_lock(&g->mu);
			continue;
		}
		if (g->unload_at != 0 && (next == 0 || g->unload_at < next))
			next = g->unload_at;
		if (next == 0) {
			g->sleeping_forever = true;
			(void)deadline_cond_wait(&g->cond, &g->mu, DEADLINE_NEVER);
			g->sleeping_forever = false;
		} else {
			(void)deadline_cond_wait(&g->cond, &g->mu, (struct deadline){ .at_ns = next });
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int
connguard_new(const char *name, unsigned idle_timeout_s, size_t max_waiting,
	      struct connguard **ret, struct err *e)
{
	struct connguard *g = xcalloc(1, sizeof(*g));
	int r;

	g->name = xstrdup(name);
	g->timeout_ns = (int64_t)idle_timeout_s * 1000000000;
	g->max_waiting = max_waiting;
	pthread_mutex_init(&g->mu, NULL);
	(void)deadline_cond_init(&g->cond);
	r = pthread_create(&g->thread, NULL, watchdog_main, g);
	if (r != 0) {
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->mu);
		free(g->name);
		free(g);
		return err_errno(e, -r, "cannot start the connection watchdog");
	}
	*ret = g;
	return 0;
}

void
connguard_free(struct connguard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	/* MHD_stop_daemon closed every connection, so the list is empty. */
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->mu);
	free(g->name);
	free(g);
}

static void
conn_started(struct connguard *g, struct MHD_Connection *conn, void **socket_context)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct guarded *c = xcalloc(1, sizeof(*c));
	int64_t now = time_mono_ns();

	c->g = g;
	c->fd = ci ? fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0) : -1;
	c->phase = PHASE_WAITING;
	c->since_ns = c->last_ns = now;
	pthread_mutex_lock(&g->mu);
	c->prev = g->tail;
	if (g->tail)
		g->tail->next = c;
	else
		g->head = c;
	g->tail = c;
	g->n_open++;
	g->unload_at = 0;
	if (c->fd < 0) {
		/* Without a handle on the socket it cannot be cut: never count it. */
		c->phase = PHASE_SERVING;
	} else {
		g->n_waiting++;
		evict_locked(g, c);
		if (g->sleeping_forever)
			pthread_cond_signal(&g->cond);
	}
	pthread_mutex_unlock(&g->mu);
	*socket_context = c;
}

/*
 * Gives the heap's free pages back to the kernel when a listener's last
 * connection has closed, at most once a second: after a burst of clients
 * (wrk's 16 connections, each with its thread and libmicrohttpd's pools)
 * glibc keeps the freed memory in its arenas and berthd's RSS stayed ~5 MiB
 * above idle. The client has its answer by now; the trim costs the closing
 * connection's thread well under a millisecond.
 */
static void
trim_when_idle(void)
{
	static _Atomic int64_t last_ns;
	int64_t now = time_mono_ns(), prev = atomic_load(&last_ns);

	if (now - prev < 1000000000LL || !atomic_compare_exchange_strong(&last_ns, &prev, now))
		return;
	(void)malloc_trim(0);
}

static void
conn_closed(struct connguard *g, void **socket_context)
{
	struct guarded *c = *socket_context;

	if (!c)
		return;
	pthread_mutex_lock(&g->mu);
	if (is_waiting(c))
		g->n_waiting--;
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->tail = c->prev;
	bool idle = --g->n_open == 0;
	if (idle) {
		/* Once the API has been idle for a second, the watchdog
		 * unloads libcurl and trims the heap (a script's next pull
		 * within the second finds libcurl loaded). */
		g->unload_at = time_mono_ns() + UNLOAD_IDLE_NS;
		pthread_cond_signal(&g->cond);
	}
	pthread_mutex_unlock(&g->mu);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	*socket_context = NULL;
	if (idle)
		trim_when_idle();
}

void
connguard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		 enum MHD_ConnectionNotificationCode toe)
{
	struct connguard *g = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		conn_started(g, conn, socket_context);
	else
		conn_closed(g, socket_context);
}

void
connguard_handler_enter(struct MHD_Connection *conn)
{
	struct guarded *c = guarded_of(conn);

	if (!c)
		return;
	pthread_mutex_lock(&c->g->mu);
	bool was = is_waiting(c);
	c->in_handler++;
	if (was)
		c->g->n_waiting--;
	pthread_mutex_unlock(&c->g->mu);
}

/* Does the request whose header just arrived announce a body? */
static bool
has_body(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);

	if (te)
		return true;
	return cl && strspn(cl, "0") != strlen(cl);
}

void
connguard_handler_leave(struct MHD_Connection *conn, bool first, size_t upload_size)
{
	struct guarded *c = guarded_of(conn);
	enum phase ph;

	if (!c)
		return;
	/* A first call with a body to come, or a chunk of it: the body phase. */
	if ((first && has_body(conn)) || upload_size > 0)
		ph = PHASE_BODY;
	else
		ph = PHASE_SERVING;
	pthread_mutex_lock(&c->g->mu);
	c->in_handler--;
	/* in_handler no longer hides the phase: count it as set_phase expects. */
	c->phase = PHASE_SERVING;
	set_phase(c->g, c, ph, time_mono_ns());
	pthread_mutex_unlock(&c->g->mu);
}

void
connguard_request_done(struct MHD_Connection *conn)
{
	struct guarded *c = guarded_of(conn);

	if (!c)
		return;
	pthread_mutex_lock(&c->g->mu);
	set_phase(c->g, c, PHASE_WAITING, time_mono_ns());
	evict_locked(c->g, c);
	pthread_mutex_unlock(&c->g->mu);
}

void
connguard_upgraded(struct MHD_Connection *conn)
{
	struct guarded *c = guarded_of(conn);

	if (!c)
		return;
	pthread_mutex_lock(&c->g->mu);
	if (is_waiting(c))
		c->g->n_waiting--;
	c->upgraded = true;
	pthread_mutex_unlock(&c->g->mu);
}

void
connguard_counts(struct connguard *g, size_t *ret_open, size_t *ret_waiting,
		 unsigned long *ret_cut)
{
	pthread_mutex_lock(&g->mu);
	*ret_open = g->n_open;
	*ret_waiting = g->n_waiting;
	*ret_cut = g->n_cut;
	pthread_mutex_unlock(&g->mu);
}
