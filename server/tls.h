/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS for tcp:// listeners, terminated in berthd with OpenSSL rather than by
 * libmicrohttpd: MHD's own TLS loses a client's half-close on upgraded
 * connections (platform-notes §6), which attach and exec need. Each accepted
 * connection gets a thread that does the handshake (the client certificate
 * is verified there, before any handler runs, when verification is on),
 * hands one end of a socketpair to MHD with MHD_add_connection (with the
 * client's real address, so per-address limits and logs still hold), and
 * copies bytes between the TLS session and the other end. A client's
 * close_notify or FIN becomes a shutdown(SHUT_WR) towards MHD; MHD closing
 * its end becomes a close_notify to the client.
 *
 * Threads: tls_ctx_reload may run at any time (SIGHUP); connections keep the
 * context they started with.
 */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>

#include "engine/util/err.h"

struct tls_files {
	bool verify;	  /* --tlsverify: clients need a certificate signed by @ca */
	const char *ca;	  /* CA bundle (verify), or NULL */
	const char *cert; /* server certificate chain (PEM) */
	const char *key;  /* its private key (PEM) */
};

struct tls_ctx;

/* Loads the files: TLS 1.2 minimum, forward-secret AEAD suites only. */
int tls_ctx_new(const struct tls_files *f, struct tls_ctx **ret, struct err *e);

/* Loads the files again; on failure the current certificates stay in use. */
int tls_ctx_reload(struct tls_ctx *t, struct err *e);

void tls_ctx_free(struct tls_ctx *t);

struct tls_listener;

/*
 * Accepts on @fd (listening, owned by the caller) and feeds MHD daemon @d
 * (started with MHD_USE_NO_LISTEN_SOCKET) the decrypted connections.
 * @handshake_timeout bounds the handshake in seconds.
 */
int tls_listener_start(struct tls_ctx *t, int fd, struct MHD_Daemon *d, unsigned handshake_timeout,
		       struct tls_listener **ret, struct err *e);

/*
 * Stops accepting. Connections already handed to MHD end when MHD closes
 * them (MHD_stop_daemon); call tls_listener_free after that.
 */
void tls_listener_stop(struct tls_listener *l);

/* Waits (a bounded time) for the connection threads to end, then frees. */
void tls_listener_free(struct tls_listener *l);
