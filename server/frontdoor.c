/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The front door of plain listeners; see frontdoor.h.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/reqline.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "server/frontdoor.h"

struct pending {
	int fd;
	int64_t since_ns;
	struct sockaddr_storage addr;
	socklen_t addr_len;
};

struct frontdoor {
	int fd;	     /* listening socket (borrowed) */
	int stop_fd; /* eventfd: stop */
	struct MHD_Daemon *d;	  /* first head seen whole: small connection memory */
	struct MHD_Daemon *large; /* any other */
	int64_t timeout_ns;
	size_t max_pending;
	pthread_t thread;
	bool running;
	struct pending *p; /* oldest first */
	size_t n;
};

static void
drop(struct frontdoor *f, size_t i)
{
	safe_close(f->p[i].fd);
	memmove(&f->p[i], &f->p[i + 1], (f->n - i - 1) * sizeof(*f->p));
	f->n--;
}

/*
 * Best effort, without blocking the thread: what the client sent is read
 * off first, as closing a socket with unread input resets the connection
 * and the client could lose its 400.
 */
static void
refuse(int fd)
{
	char sink[REQLINE_PEEK];
	size_t len;
	const char *reply = reqline_bad_reply(&len);

	for (int i = 0; i < 16; i++)
		if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	(void)send(fd, reply, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)shutdown(fd, SHUT_WR);
}

/* The client sent something (or went): judge it, then hand over or close. */
static void
first_bytes(struct frontdoor *f, size_t i)
{
	char buf[REQLINE_PEEK];
	struct pending *c = &f->p[i];
	struct MHD_Daemon *d;
	ssize_t k = recv(c->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (k <= 0) {
		drop(f, i);
		return;
	}
	if (reqline_is_garbage(buf, (size_t)k)) {
		log_info("refused a connection whose request line is not HTTP (400)");
		refuse(c->fd);
		drop(f, i);
		return;
	}
	d = reqline_head_is_complete(buf, (size_t)k) ? f->d : f->large;
	/* MHD owns the socket from here, even when it refuses the connection. */
	if (MHD_add_connection(d, c->fd, (const struct sockaddr *)&c->addr, c->addr_len) != MHD_YES)
		log_debug("a connection was refused by the HTTP server (limits)");
	c->fd = -1;
	drop(f, i);
}

static void
accept_one(struct frontdoor *f)
{
	struct pending c = {.fd = -1};

	c.addr_len = sizeof(c.addr);
	c.fd = accept4(f->fd, (struct sockaddr *)&c.addr, &c.addr_len, SOCK_CLOEXEC);
	if (c.fd < 0) {
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of descriptors: give connections a moment to end. */
			struct timespec ts = {.tv_nsec = 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		return;
	}
	if (f->n == f->max_pending)
		drop(f, 0);
	c.since_ns = time_mono_ns();
	f->p[f->n++] = c;
}

static void *
frontdoor_main(void *arg)
{
	struct frontdoor *f = arg;
	struct pollfd *pf = xcalloc(f->max_pending + 2, sizeof(*pf));

	for (;;) {
		int64_t now = time_mono_ns(), next = 0;
		size_t n0;
		int wait_ms = -1;

		for (size_t i = 0; i < f->n;) {
			int64_t d = f->p[i].since_ns + f->timeout_ns;
			if (d <= now) {
				drop(f, i);
				continue;
			}
			if (next == 0 || d < next)
				next = d;
			i++;
		}
		if (next)
			wait_ms = (int)((next - now) / 1000000) + 1;
		pf[0] = (struct pollfd){.fd = f->stop_fd, .events = POLLIN};
		pf[1] = (struct pollfd){.fd = f->fd, .events = POLLIN};
		for (size_t i = 0; i < f->n; i++)
			pf[2 + i] = (struct pollfd){.fd = f->p[i].fd, .events = POLLIN};
		n0 = f->n;
		if (poll(pf, 2 + n0, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			log_error("front door: poll: %s", strerror(errno));
			break;
		}
		if (pf[0].revents)
			break;
		/* Newest first, so the indices of those not yet judged stay valid. */
		for (size_t i = n0; i > 0; i--)
			if (pf[1 + i].revents)
				first_bytes(f, i - 1);
		if (pf[1].revents)
			accept_one(f);
	}
	free(pf);
	return NULL;
}

int
frontdoor_start(int fd, struct MHD_Daemon *d, struct MHD_Daemon *large, unsigned timeout_s,
		size_t max_pending, struct frontdoor **ret, struct err *e)
{
	struct frontdoor *f = xcalloc(1, sizeof(*f));
	int r;

	f->fd = fd;
	f->d = d;
	f->large = large;
	f->timeout_ns = (int64_t)timeout_s * 1000000000;
	f->max_pending = max_pending ? max_pending : 1;
	f->p = xcalloc(f->max_pending, sizeof(*f->p));
	f->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (f->stop_fd < 0) {
		r = err_errno(e, -errno, "eventfd");
		frontdoor_free(f);
		return r;
	}
	r = pthread_create(&f->thread, NULL, frontdoor_main, f);
	if (r != 0) {
		r = err_errno(e, -r, "cannot start the listener thread");
		frontdoor_free(f);
		return r;
	}
	f->running = true;
	*ret = f;
	return 0;
}

void
frontdoor_free(struct frontdoor *f)
{
	uint64_t one = 1;

	if (!f)
		return;
	if (f->running) {
		if (write(f->stop_fd, &one, sizeof(one)) < 0)
			log_warn("front door: cannot stop: %s", strerror(errno));
		pthread_join(f->thread, NULL);
	}
	while (f->n > 0)
		drop(f, f->n - 1);
	safe_close(f->stop_fd);
	free(f->p);
	free(f);
}
