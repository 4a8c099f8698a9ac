/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS termination for tcp:// listeners; see tls.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "api/reqline.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/xalloc.h"
#include "server/tls.h"

struct tls_ctx {
	pthread_mutex_t mu;
	SSL_CTX *ctx; /* the current one; each connection's SSL holds its own reference */
	bool verify;
	char *ca, *cert, *key;
};

/* The reason OpenSSL queued for the last failure (and clears the queue). */
static const char *
ssl_reason(char *buf, size_t size)
{
	unsigned long code = ERR_get_error();
	unsigned long next;

	/* The first error is the root cause; drop the rest. */
	while ((next = ERR_get_error()) != 0)
		(void)next;
	if (!code)
		return "unknown error";
	ERR_error_string_n(code, buf, size);
	return buf;
}

static SSL_CTX *
make_ctx(const struct tls_ctx *t, struct err *e)
{
	char why[256];
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());

	if (!c) {
		err_set(e, -ENOMEM, "cannot create a TLS context: %s",
			ssl_reason(why, sizeof(why)));
		return NULL;
	}
	/* As dockerd: TLS 1.2 or later, ECDHE with AEAD ciphers for 1.2 (1.3's
	 * suites are all of that kind). */
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
				       SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(c, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_set_cipher_list(c, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
		err_set(e, -EINVAL, "cannot set the TLS ciphers: %s", ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(c, t->cert) != 1) {
		err_set(e, -EINVAL, "could not load the TLS certificate '%s': %s", t->cert,
			ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(c, t->key, SSL_FILETYPE_PEM) != 1) {
		err_set(e, -EINVAL, "could not load the TLS key '%s': %s", t->key,
			ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(c) != 1) {
		err_set(e, -EINVAL, "the TLS key '%s' does not match the certificate '%s'", t->key,
			t->cert);
		goto fail;
	}
	if (t->verify) {
		STACK_OF(X509_NAME) * names;
		if (!t->ca || SSL_CTX_load_verify_locations(c, t->ca, NULL) != 1) {
			err_set(e, -EINVAL, "could not read the CA certificate '%s': %s",
				t->ca ? t->ca : "", ssl_reason(why, sizeof(why)));
			goto fail;
		}
		names = SSL_load_client_CA_file(t->ca);
		if (names)
			SSL_CTX_set_client_CA_list(c, names);
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return c;
fail:
	SSL_CTX_free(c);
	return NULL;
}

int
tls_ctx_new(const struct tls_files *f, struct tls_ctx **ret, struct err *e)
{
	struct tls_ctx *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	t->verify = f->verify;
	t->ca = f->ca ? xstrdup(f->ca) : NULL;
	t->cert = xstrdup(f->cert);
	t->key = xstrdup(f->key);
	t->ctx = make_ctx(t, e);
	if (!t->ctx) {
		tls_ctx_free(t);
		return e->code;
	}
	*ret = t;
	return 0;
}

int
tls_ctx_reload(struct tls_ctx *t, struct err *e)
{
	SSL_CTX *c = make_ctx(t, e), *old;

	if (!c)
		return e->code;
	pthread_mutex_lock(&t->mu);
	old = t->ctx;
	t->ctx = c;
	pthread_mutex_unlock(&t->mu);
	SSL_CTX_free(old);
	return 0;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	pthread_mutex_destroy(&t->mu);
	free(t->ca);
	free(t->cert);
	free(t->key);
	free(t);
}

/* ---- connections ------------------------------------------------------ */

struct tls_listener {
	struct tls_ctx *t;
	int fd;	     /* listening socket (borrowed) */
	int stop_fd; /* eventfd: stop accepting */
	struct MHD_Daemon *d;
	unsigned handshake_timeout;
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned active; /* connection threads alive */
};

struct conn {
	struct tls_listener *l;
	int fd;
	struct sockaddr_storage addr;
	socklen_t addr_len;
};

static void
addr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	}
	snprintf(buf, size, "%s:%u", ip, port);
}

static void
set_timeouts(int fd, unsigned seconds)
{
	struct timeval tv = {.tv_sec = seconds};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EPIPE;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Blocks (polling the non-blocking socket) until all of @p is sent. */
static int
ssl_write_all(SSL *ssl, int fd, const char *p, size_t n)
{
	while (n) {
		int k = SSL_write(ssl, p, n > INT_MAX ? INT_MAX : (int)n);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		int err = SSL_get_error(ssl, k);
		struct pollfd pf = {.fd = fd};
		if (err == SSL_ERROR_WANT_READ)
			pf.events = POLLIN;
		else if (err == SSL_ERROR_WANT_WRITE)
			pf.events = POLLOUT;
		else
			return -EPIPE;
		if (poll(&pf, 1, -1) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

/*
 * Copies between the client's TLS session (@cfd, non-blocking) and MHD's
 * end of the socketpair (@mfd, blocking) until MHD closes its end. The
 * client's end of input is passed on as a half-close.
 */
static bool
pump(SSL *ssl, int cfd, int mfd)
{
	char buf[16384];
	bool client_open = true, fatal = false, first = true;

	for (;;) {
		struct pollfd pf[2] = {{.fd = client_open ? cfd : -1, .events = POLLIN},
				       {.fd = mfd, .events = POLLIN}};
		bool pending = client_open && SSL_pending(ssl) > 0;

		if (!pending && poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (client_open && (pending || pf[0].revents)) {
			for (;;) {
				int k = SSL_read(ssl, buf, sizeof(buf));
				/* As on plain listeners (frontdoor.h): garbage gets a 400. */
				if (k > 0 && first && reqline_is_garbage(buf, (size_t)k)) {
					size_t len;
					const char *reply = reqline_bad_reply(&len);
					log_info("refused a TLS connection whose request line is "
						 "not HTTP (400)");
					(void)ssl_write_all(ssl, cfd, reply, len);
					return true;
				}
				if (k > 0)
					first = false;
				if (k > 0) {
					if (write_all(mfd, buf, (size_t)k) < 0)
						return false;
					continue;
				}
				int err = SSL_get_error(ssl, k);
				if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
					break;
				/* close_notify, a FIN, or a broken session: no more input. */
				fatal = err != SSL_ERROR_ZERO_RETURN;
				client_open = false;
				(void)shutdown(mfd, SHUT_WR);
				break;
			}
		}
		if (pf[1].revents) {
			ssize_t k = read(mfd, buf, sizeof(buf));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			if (ssl_write_all(ssl, cfd, buf, (size_t)k) < 0)
				return false;
		}
	}
	return !fatal;
}

static void
conn_done(struct tls_listener *l)
{
	pthread_mutex_lock(&l->mu);
	l->active--;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct tls_listener *l = c->l;
	int sp[2] = {-1, -1};
	char peer[80], why[256];
	SSL *ssl;

	addr_text(&c->addr, peer, sizeof(peer));
	pthread_mutex_lock(&l->t->mu);
	ssl = SSL_new(l->t->ctx);
	pthread_mutex_unlock(&l->t->mu);
	if (!ssl)
		goto out;
	set_timeouts(c->fd, l->handshake_timeout);
	if (SSL_set_fd(ssl, c->fd) != 1 || SSL_accept(ssl) != 1) {
		/* dockerd logs these too ("http: TLS handshake error from ..."). */
		long v = SSL_get_verify_result(ssl);
		log_info("TLS handshake error from %s: %s%s%s", peer, ssl_reason(why, sizeof(why)),
			 v != X509_V_OK ? ": " : "",
			 v != X509_V_OK ? X509_verify_cert_error_string(v) : "");
		goto out;
	}
	set_timeouts(c->fd, 0);
	if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		log_warn("TLS connection from %s: %s", peer, strerror(errno));
		goto out;
	}
	/* MHD owns sp[1] from here, even when it refuses the connection. */
	if (MHD_add_connection(l->d, sp[1], (const struct sockaddr *)&c->addr, c->addr_len) !=
	    MHD_YES) {
		sp[1] = -1;
		log_warn("TLS connection from %s refused by the HTTP server", peer);
		goto out;
	}
	sp[1] = -1;
	if (pump(ssl, c->fd, sp[0]))
		(void)SSL_shutdown(ssl); /* close_notify; the client's answer is not awaited */
out:
	SSL_free(ssl);
	safe_close(sp[0]);
	safe_close(sp[1]);
	safe_close(c->fd);
	free(c);
	conn_done(l);
	return NULL;
}

static void *
accept_main(void *arg)
{
	struct tls_listener *l = arg;

	for (;;) {
		struct pollfd pf[2] = {{.fd = l->fd, .events = POLLIN},
				       {.fd = l->stop_fd, .events = POLLIN}};
		struct conn *c;
		pthread_attr_t attr;
		pthread_t th;
		int fd;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("TLS listener: poll: %s", strerror(errno));
			return NULL;
		}
		if (pf[1].revents)
			return NULL;
		if (!pf[0].revents)
			continue;
		c = xcalloc(1, sizeof(*c));
		c->addr_len = sizeof(c->addr);
		fd = accept4(l->fd, (struct sockaddr *)&c->addr, &c->addr_len, SOCK_CLOEXEC);
		if (fd < 0) {
			free(c);
			if (errno == EMFILE || errno == ENFILE) {
				/* Out of descriptors: give connections a moment to end. */
				struct timespec ts = {.tv_nsec = 100 * 1000 * 1000};
				nanosleep(&ts, NULL);
			}
			continue;
		}
		pthread_mutex_lock(&l->mu);
		bool full = l->active >= LIMIT_CONNECTIONS;
		if (!full)
			l->active++;
		pthread_mutex_unlock(&l->mu);
		if (full) {
			close(fd);
			free(c);
			continue;
		}
		c->fd = fd;
		c->l = l;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, conn_main, c) != 0) {
			close(fd);
			free(c);
			conn_done(l);
		}
		pthread_attr_destroy(&attr);
	}
}

int
tls_listener_start(struct tls_ctx *t, int fd, struct MHD_Daemon *d, unsigned handshake_timeout,
		   struct tls_listener **ret, struct err *e)
{
	struct tls_listener *l = xcalloc(1, sizeof(*l));
	int r;

	l->t = t;
	l->fd = fd;
	l->d = d;
	l->handshake_timeout = handshake_timeout ? handshake_timeout : 10;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (l->stop_fd < 0) {
		r = err_errno(e, -errno, "eventfd");
		tls_listener_free(l);
		return r;
	}
	r = pthread_create(&l->thread, NULL, accept_main, l);
	if (r != 0) {
		r = err_errno(e, -r, "cannot start the TLS listener");
		tls_listener_free(l);
		return r;
	}
	l->running = true;
	*ret = l;
	return 0;
}

void
tls_listener_stop(struct tls_listener *l)
{
	uint64_t one = 1;

	if (!l || !l->running)
		return;
	if (write(l->stop_fd, &one, sizeof(one)) < 0)
		log_warn("TLS listener: cannot stop: %s", strerror(errno));
	pthread_join(l->thread, NULL);
	l->running = false;
}

void
tls_listener_free(struct tls_listener *l)
{
	struct timespec until;

	if (!l)
		return;
	tls_listener_stop(l);
	/* MHD has closed its ends by now, so each thread is on its way out;
	 * a handshake still waiting ends at its time-out. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)l->handshake_timeout + 1;
	pthread_mutex_lock(&l->mu);
	while (l->active > 0)
		if (pthread_cond_timedwait(&l->cv, &l->mu, &until) != 0)
			break;
	unsigned left = l->active;
	pthread_mutex_unlock(&l->mu);
	if (left) {
		/* Still running: leak the listener rather than free it under them. */
		log_warn("TLS listener: %u connection(s) still closing at shutdown", left);
		return;
	}
	safe_close(l->stop_fd);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
