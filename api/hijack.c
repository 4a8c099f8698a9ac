/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd upgrade plumbing. MHD hands the upgraded socket to a
 * callback on the connection's thread; we move it to a relay thread so the
 * relay may block, and clear O_NONBLOCK first (MHD leaves the socket
 * non-blocking, which made half the probe's upgrades read EAGAIN as EOF —
 * platform-notes.md §6). MHD adds "Connection: Upgrade" itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/hijack.h"
#include "engine/util/log.h"
#include "engine/util/thread.h"
#include "engine/util/xalloc.h"

struct hijack {
	api_hijack_fn fn;
	void *arg;
	void (*free_arg)(void *);
	int fd;
	char *extra;
	size_t extra_len;
	struct MHD_UpgradeResponseHandle *urh;
	struct hijack *next;
};

static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hijack *active;
static bool shutting_down;

static void
track(struct hijack *h, bool add)
{
	pthread_mutex_lock(&active_mu);
	if (add) {
		h->next = active;
		active = h;
	} else {
		for (struct hijack **p = &active; *p; p = &(*p)->next)
			if (*p == h) {
				*p = h->next;
				break;
			}
	}
	pthread_mutex_unlock(&active_mu);
}

static void
hijack_free(struct hijack *h)
{
	if (h->free_arg)
		h->free_arg(h->arg);
	free(h->extra);
	free(h);
}

/*
 * Until the client has read the 101 head, 500 ms at most. docker-py reads
 * the head through a buffered reader, then the stream from the raw socket:
 * bytes that arrive together with the head are lost to it (the log replay
 * of attach?logs=1, the output of a quick exec). On a unix socket
 * SIOCOUTQ counts the bytes the peer has not read yet; on TCP the bytes not
 * acknowledged, which is at once on loopback.
 */
static void
wait_head_read(int fd)
{
	for (int i = 0; i < 500; i++) {
		struct timespec ms = {0, 1000000L};
		int q = 0;
		if (ioctl(fd, TIOCOUTQ, &q) < 0 || q <= 0)
			return;
		nanosleep(&ms, NULL);
	}
}

/*
 * Test knob (docs/testing.md): BERTH_TEST_HIJACK_DELAY_MS=N (at most 2000)
 * makes every hijacked connection's thread wait N ms before its handler
 * runs, as a loaded host may, so a test can show that the client's next
 * request (a /start after the attach's 101) cannot overtake the handler.
 */
static void
test_delay(void)
{
	const char *knob = getenv("BERTH_TEST_HIJACK_DELAY_MS");
	long ms = knob ? strtol(knob, NULL, 10) : 0;

	if (ms > 0 && ms <= 2000)
		nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static void *
relay_main(void *p)
{
	struct hijack *h = p;

	test_delay();
	wait_head_read(h->fd);
	h->fn(h->fd, h->extra, h->extra_len, h->arg);
	track(h, false);
	MHD_upgrade_action(h->urh, MHD_UPGRADE_ACTION_CLOSE);
	hijack_free(h);
	return NULL;
}

static void
on_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
	   size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct hijack *h = cls;
	int flags;

	/* From here the relay owns @h and frees it, possibly before MHD
	 * reports the request complete: unhook it from the request (whose
	 * state, struct api_request first, is @req_cls). */
	if (req_cls) {
		struct api_request *r = req_cls;
		r->on_complete_arg = NULL;
		if (r->ctx->conn_upgraded)
			r->ctx->conn_upgraded(conn);
	}
	h->fd = sock;
	h->urh = urh;
	if (extra_in_size) {
		h->extra = xmalloc(extra_in_size);
		memcpy(h->extra, extra_in, extra_in_size);
		h->extra_len = extra_in_size;
	}
	flags = fcntl(sock, F_GETFL);
	if (flags >= 0)
		(void)fcntl(sock, F_SETFL, flags & ~O_NONBLOCK);
	track(h, true);
	if (thread_spawn_detached(relay_main, h, 0) < 0) {
		log_error("cannot start a relay thread for a hijacked connection");
		track(h, false);
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		hijack_free(h);
	}
}

bool
api_hijack_client_gone(void *fdp)
{
	struct pollfd p = {*(int *)fdp, 0, 0};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

bool
api_wants_upgrade(struct api_request *r, const char *protocol)
{
	const char *up = api_header(r, "Upgrade");
	const char *conn = api_header(r, "Connection");

	return up && strcasecmp(up, protocol) == 0 && conn && strcasestr(conn, "upgrade");
}

/*
 * The request is over. When the client vanished between the queued 101 and
 * the upgrade, on_upgrade never ran and nobody else will free the hijack.
 * (Both callbacks run on the connection's thread, so no lock is needed.)
 */
static void
on_request_complete(struct api_request *r, bool client_gone)
{
	struct hijack *h = r->on_complete_arg;

	(void)client_gone;
	if (h)
		hijack_free(h);
	r->on_complete_arg = NULL;
}

void
api_reply_hijack(struct api_request *r, const char *protocol, const char *content_type,
		 api_hijack_fn fn, void *arg, void (*free_arg)(void *))
{
	struct hijack *h = xcalloc(1, sizeof(*h));
	struct MHD_Response *resp;

	h->fn = fn;
	h->arg = arg;
	h->free_arg = free_arg;
	h->fd = -1;
	resp = MHD_create_response_for_upgrade(on_upgrade, h);
	if (!resp) {
		hijack_free(h);
		api_reply_errorf(r, 500, "cannot upgrade the connection");
		return;
	}
	r->on_complete = on_request_complete;
	r->on_complete_arg = h;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, protocol);
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	api_reply_response(r, 101, resp);
}

void
api_hijacks_shutdown(int ms)
{
	struct timespec ts = { 0, 20 * 1000000 };

	pthread_mutex_lock(&active_mu);
	shutting_down = true;
	for (struct hijack *h = active; h; h = h->next)
		if (h->fd >= 0)
			shutdown(h->fd, SHUT_RDWR);
	pthread_mutex_unlock(&active_mu);
	for (int waited = 0; waited < ms; waited += 20) {
		pthread_mutex_lock(&active_mu);
		bool empty = active == NULL;
		pthread_mutex_unlock(&active_mu);
		if (empty)
			return;
		nanosleep(&ts, NULL);
	}
}
