/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded DNS server's sockets and threads; see dns.h. One thread polls
 * every attached container's UDP and TCP sockets and answers local names
 * inline; a query that must be forwarded, and every TCP connection, goes to
 * a short-lived worker thread (at most DNS_MAX_INFLIGHT at once; past that
 * queries are dropped and the client retries, as with a lost datagram).
 * Sockets are made inside the container's namespace by a helper child
 * (engine/util/nsjob.h), so no berthd thread ever changes namespace.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "engine/network/dns.h"
#include "engine/network/dns_internal.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/nsjob.h"
#include "engine/util/xalloc.h"

/* Worker threads at once: forwarding waits up to the upstream timeout, so
 * this bounds what a container flooding unknown names can hold. */
#define DNS_MAX_INFLIGHT 64
/* Datagrams read per socket per wake-up, so one container cannot starve
 * the others. */
#define DNS_UDP_BURST 16
/* Queries served on one TCP connection, and how long it may stay idle. */
#define DNS_TCP_QUERIES 16
#define DNS_TCP_IDLE_S 2
/* The largest UDP datagram (65535 minus the IPv4 and UDP headers). */
#define DNS_UDP_MAX 65507

static const struct in_addr dns_listen_addr = {.s_addr = __builtin_bswap32(0x7f00000b)};

struct dns_job {
	struct dns_server *s;
	struct dns_client_view v;
	int fd; /* dup of the UDP socket, or the accepted TCP one */
	bool tcp;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint8_t *q; /* UDP: the query */
	size_t len;
};

static void
wake(struct dns_server *s)
{
	ssize_t n = write(s->wake[1], "x", 1);
	(void)n; /* a full pipe already wakes the thread */
}

/*
 * Binds UDP and TCP on 127.0.0.11:53 inside the namespace at @netns, made by
 * a helper child that joins it (engine/util/nsjob.h): no berthd thread
 * changes namespace.
 */
static int
open_sockets(const char *netns, int *ret_udp, int *ret_tcp)
{
	_cleanup_close_ int nsfd = open(netns, O_RDONLY | O_CLOEXEC);
	const struct sockaddr_in a = {.sin_family = AF_INET,
				      .sin_port = htons(53),
				      .sin_addr = dns_listen_addr};
	const struct nsjob_sock req[2] = {
		{AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0, (const struct sockaddr *)&a, sizeof(a), 0},
		{AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0, (const struct sockaddr *)&a, sizeof(a),
		 64},
	};
	int fds[2], r;

	if (nsfd < 0)
		return -errno;
	if ((r = nsjob_netns_sockets(nsfd, req, 2, fds)) < 0)
		return r;
	*ret_udp = fds[0];
	*ret_tcp = fds[1];
	return 0;
}

static void
job_free(struct dns_job *j)
{
	if (!j)
		return;
	safe_close(j->fd);
	free(j->q);
	free(j);
}

/* Sends the 2-byte length and @reply whole (a slow reader may take several
 * sends; each waits at most SO_SNDTIMEO). MSG_NOSIGNAL: a client that went
 * away is EPIPE, not SIGPIPE. */
static int
send_framed(int fd, const uint8_t *reply, size_t rn)
{
	uint8_t len[2] = {(uint8_t)(rn >> 8), (uint8_t)rn};
	struct iovec iov[2] = {{len, 2}, {(void *)reply, rn}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};

	while (m.msg_iovlen > 0) {
		ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		while (m.msg_iovlen > 0 && (size_t)n >= m.msg_iov[0].iov_len) {
			n -= (ssize_t)m.msg_iov[0].iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen > 0) {
			m.msg_iov[0].iov_base = (uint8_t *)m.msg_iov[0].iov_base + n;
			m.msg_iov[0].iov_len -= (size_t)n;
		}
	}
	return 0;
}

static void
serve_tcp(struct dns_job *j)
{
	struct timeval tv = {DNS_TCP_IDLE_S, 0};

	(void)setsockopt(j->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < DNS_TCP_QUERIES; i++) {
		size_t n = 0, rn = 0;
		_cleanup_free_ uint8_t *q = ldns_tcp_read_wire_timeout(j->fd, &n, tv);
		_cleanup_free_ uint8_t *reply = NULL;

		if (!q || dns_answer(j->s, &j->v, q, n, true, true, &reply, &rn) < 0)
			return;
		if (send_framed(j->fd, reply, rn) < 0)
			return;
	}
}

static void *
job_main(void *arg)
{
	struct dns_job *j = arg;
	struct dns_server *s = j->s;

	if (j->tcp) {
		serve_tcp(j);
	} else {
		_cleanup_free_ uint8_t *reply = NULL;
		size_t rn = 0;
		if (dns_answer(s, &j->v, j->q, j->len, false, true, &reply, &rn) == 0)
			(void)sendto(j->fd, reply, rn, MSG_DONTWAIT | MSG_NOSIGNAL,
				     (struct sockaddr *)&j->peer, j->peer_len);
	}
	job_free(j);
	pthread_mutex_lock(&s->lock);
	if (--s->inflight == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Hands @j to a worker thread; drops it when too many are running. */
static void
job_start(struct dns_server *s, struct dns_job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	bool ok;

	pthread_mutex_lock(&s->lock);
	ok = !s->stop && s->inflight < DNS_MAX_INFLIGHT;
	if (ok)
		s->inflight++;
	pthread_mutex_unlock(&s->lock);
	if (!ok) {
		log_debug("dns: too many queries in flight, dropping one");
		job_free(j);
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, job_main, j) != 0) {
		job_free(j);
		pthread_mutex_lock(&s->lock);
		if (--s->inflight == 0)
			pthread_cond_broadcast(&s->idle);
		pthread_mutex_unlock(&s->lock);
	}
	pthread_attr_destroy(&attr);
}

static void
on_udp(struct dns_server *s, struct dns_client *c, uint8_t *buf)
{
	for (int i = 0; i < DNS_UDP_BURST; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(c->udp, buf, DNS_UDP_MAX, MSG_DONTWAIT,
				     (struct sockaddr *)&peer, &plen);
		_cleanup_free_ uint8_t *reply = NULL;
		size_t rn = 0;

		if (n < 0)
			return;
		int r = dns_answer(s, &c->v, buf, (size_t)n, false, false, &reply, &rn);
		if (r == 0) {
			(void)sendto(c->udp, reply, rn, MSG_DONTWAIT | MSG_NOSIGNAL,
				     (struct sockaddr *)&peer, plen);
		} else if (r == -EAGAIN) {
			struct dns_job *j = xcalloc(1, sizeof(*j));
			*j = (struct dns_job){.s = s,
					      .v = c->v,
					      .tcp = false,
					      .peer = peer,
					      .peer_len = plen,
					      .len = (size_t)n};
			j->fd = fcntl(c->udp, F_DUPFD_CLOEXEC, 3);
			j->q = xmalloc((size_t)n);
			memcpy(j->q, buf, (size_t)n);
			if (j->fd < 0)
				job_free(j);
			else
				job_start(s, j);
		}
	}
}

static void
on_tcp(struct dns_server *s, struct dns_client *c)
{
	int fd = accept4(c->tcp, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	struct dns_job *j = xcalloc(1, sizeof(*j));
	*j = (struct dns_job){.s = s, .v = c->v, .fd = fd, .tcp = true};
	job_start(s, j);
}

/* Under the lock: frees detached clients, fills @fds (wake pipe first) and
 * @who; returns the count, or -1 when stopping. */
static int
table_snapshot(struct dns_server *s, struct pollfd **fds, struct dns_client ***who)
{
	size_t n = 1;

	for (struct dns_client **pp = &s->clients; *pp;) {
		struct dns_client *c = *pp;
		if (c->dead) {
			*pp = c->next;
			safe_close(c->udp);
			safe_close(c->tcp);
			free(c);
			continue;
		}
		n += 2;
		pp = &c->next;
	}
	if (s->stop)
		return -1;
	*fds = xrealloc(*fds, n * sizeof(**fds));
	*who = xrealloc(*who, n * sizeof(**who));
	(*fds)[0] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
	n = 1;
	for (struct dns_client *c = s->clients; c; c = c->next) {
		(*who)[n] = c;
		(*fds)[n++] = (struct pollfd){.fd = c->udp, .events = POLLIN};
		(*who)[n] = c;
		(*fds)[n++] = (struct pollfd){.fd = c->tcp, .events = POLLIN};
	}
	return (int)n;
}

static void *
serve_main(void *arg)
{
	struct dns_server *s = arg;
	_cleanup_free_ struct pollfd *fds = NULL;
	_cleanup_free_ struct dns_client **who = NULL;
	_cleanup_free_ uint8_t *buf = xmalloc(DNS_UDP_MAX);

	for (;;) {
		pthread_mutex_lock(&s->lock);
		int n = table_snapshot(s, &fds, &who);
		pthread_mutex_unlock(&s->lock);
		if (n < 0)
			return NULL;
		if (poll(fds, (nfds_t)n, -1) < 0)
			continue;
		if (fds[0].revents) {
			char drain[64];
			while (read(s->wake[0], drain, sizeof(drain)) > 0)
				;
			continue; /* the table may have changed under us */
		}
		for (int i = 1; i < n; i++) {
			if (!fds[i].revents) /* POLLERR too: recvfrom clears it */
				continue;
			if (fds[i].fd == who[i]->udp)
				on_udp(s, who[i], buf);
			else
				on_tcp(s, who[i]);
		}
	}
}

/* Parses @list (NULL-terminated literals) into @up; -EINVAL with @e. */
static int
parse_upstreams(char *const *list, uint16_t port, struct dns_upstream *up, size_t *ret_n,
		struct err *e)
{
	size_t n = 0;

	for (size_t i = 0; list[i]; i++) {
		if (dns_parse_upstream(list[i], port, &up[n]) < 0)
			return err_set(e, -EINVAL, "%s is not an ip address", list[i]);
		if (n < DNS_MAX_UPSTREAMS)
			n++;
	}
	*ret_n = n;
	return 0;
}

int
dns_server_new(const struct dns_resolver *resolver, const struct dns_config *cfg,
	       struct dns_server **ret, struct err *e)
{
	struct dns_server *s = xcalloc(1, sizeof(*s));
	int r;

	s->resolver = *resolver;
	s->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
	s->port = cfg ? cfg->upstream_port : 0;
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	if (cfg && cfg->upstreams) {
		if ((r = parse_upstreams(cfg->upstreams, s->port, s->up, &s->n_up, e)) < 0)
			goto fail;
	} else {
		_cleanup_buf_ struct buf text = BUF_INIT;
		const char *path = cfg && cfg->resolv_conf ? cfg->resolv_conf : "/etc/resolv.conf";
		char *list[DNS_MAX_UPSTREAMS + 1] = {0};
		/* No resolv.conf is no upstream: external names get SERVFAIL. */
		if (fs_read_file(path, 64 * 1024, &text) == 0 && text.data)
			dns_upstreams_from_resolv_conf(text.data, list);
		r = parse_upstreams(list, s->port, s->up, &s->n_up, e);
		for (size_t i = 0; list[i]; i++)
			free(list[i]);
		if (r < 0)
			goto fail;
	}
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = err_errno(e, -errno, "dns: pipe");
		goto fail;
	}
	if ((r = -pthread_create(&s->thread, NULL, serve_main, s)) < 0) {
		err_errno(e, r, "dns: starting the server thread");
		goto fail;
	}
	s->started = true;
	*ret = s;
	return 0;
fail:
	dns_server_free(s);
	return r;
}

void
dns_server_free(struct dns_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_mutex_unlock(&s->lock);
	if (s->started) {
		wake(s);
		pthread_join(s->thread, NULL);
	}
	pthread_mutex_lock(&s->lock);
	while (s->inflight > 0)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
	while (s->clients) {
		struct dns_client *c = s->clients;
		s->clients = c->next;
		safe_close(c->udp);
		safe_close(c->tcp);
		free(c);
	}
	safe_close(s->wake[0]);
	safe_close(s->wake[1]);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/*
 * A re-attach in the namespace @c's predecessor is bound in keeps its
 * sockets (duplicated; the old client's copies are closed with it): binding
 * 127.0.0.11:53 there again would find the address taken. A detached
 * predecessor counts while it is listed: the serving thread has not closed
 * its sockets yet (it unlinks and closes under the lock), so a detach
 * followed at once by an attach finds them too. -ENOENT when there is no
 * such predecessor.
 */
static int
reuse_sockets(struct dns_server *s, struct dns_client *c)
{
	int r = -ENOENT;

	pthread_mutex_lock(&s->lock);
	for (struct dns_client *old = s->clients; old && r == -ENOENT; old = old->next) {
		if (strcmp(old->v.id, c->v.id) != 0 || old->ns_dev != c->ns_dev ||
		    old->ns_ino != c->ns_ino)
			continue;
		c->udp = fcntl(old->udp, F_DUPFD_CLOEXEC, 3);
		c->tcp = c->udp < 0 ? -1 : fcntl(old->tcp, F_DUPFD_CLOEXEC, 3);
		r = c->tcp < 0 ? -errno : 0;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
dns_attach(struct dns_server *s, const char *container_id, const struct dns_attach_opts *o,
	   struct err *e)
{
	struct dns_client *c = xcalloc(1, sizeof(*c));
	struct stat st;
	int r;

	c->udp = c->tcp = -1;
	snprintf(c->v.id, sizeof(c->v.id), "%s", container_id);
	snprintf(c->v.domain, sizeof(c->v.domain), "%s", o->domain ? o->domain : "");
	if (o->upstreams && o->upstreams[0]) {
		r = parse_upstreams(o->upstreams, s->port, c->v.up, &c->v.n_up, e);
	} else {
		memcpy(c->v.up, s->up, sizeof(s->up));
		c->v.n_up = s->n_up;
		r = 0;
	}
	if (r == 0 && stat(o->netns_path, &st) < 0)
		r = err_errno(e, -errno, "dns: namespace '%s'", o->netns_path);
	if (r == 0) {
		c->ns_dev = st.st_dev;
		c->ns_ino = st.st_ino;
		r = reuse_sockets(s, c);
		if (r == -ENOENT && (r = open_sockets(o->netns_path, &c->udp, &c->tcp)) < 0)
			err_errno(e, r, "dns: listening on 127.0.0.11:53 in '%s'", o->netns_path);
		else if (r < 0)
			err_errno(e, r, "dns: keeping the sockets of '%s'", container_id);
	}
	if (r < 0) {
		safe_close(c->udp);
		safe_close(c->tcp);
		free(c);
		return r;
	}
	pthread_mutex_lock(&s->lock);
	for (struct dns_client *old = s->clients; old; old = old->next)
		if (strcmp(old->v.id, container_id) == 0)
			old->dead = true;
	c->next = s->clients;
	s->clients = c;
	pthread_mutex_unlock(&s->lock);
	wake(s);
	return 0;
}

void
dns_detach(struct dns_server *s, const char *container_id)
{
	bool found = false;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	for (struct dns_client *c = s->clients; c; c = c->next)
		if (strcmp(c->v.id, container_id) == 0 && !c->dead)
			c->dead = found = true;
	pthread_mutex_unlock(&s->lock);
	if (found)
		wake(s);
}

int
dns_server_answer(struct dns_server *s, const char *container_id, const uint8_t *q, size_t len,
		  bool tcp, uint8_t **ret, size_t *ret_len)
{
	struct dns_client_view v = {0};
	bool found = false;

	pthread_mutex_lock(&s->lock);
	for (struct dns_client *c = s->clients; c && !found; c = c->next)
		if (!c->dead && strcmp(c->v.id, container_id) == 0) {
			v = c->v;
			found = true;
		}
	pthread_mutex_unlock(&s->lock);
	if (!found) {
		snprintf(v.id, sizeof(v.id), "%s", container_id);
		memcpy(v.up, s->up, sizeof(s->up));
		v.n_up = s->n_up;
	}
	return dns_answer(s, &v, q, len, tcp, true, ret, ret_len);
}
