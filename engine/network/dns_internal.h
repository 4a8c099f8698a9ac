/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between dns.c (answering) and dns_serve.c (sockets and threads);
 * nothing outside engine/network/dns*.c includes this.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "engine/network/dns.h"

struct dns_upstream {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* What answering needs to know of one container; immutable once attached
 * (a new attach makes a new one), so it is read without the lock. */
struct dns_client_view {
	char id[65];
	char domain[256]; /* "" when none */
	struct dns_upstream up[DNS_MAX_UPSTREAMS];
	size_t n_up;
};

struct dns_client {
	struct dns_client *next;
	struct dns_client_view v;
	int udp, tcp;
	dev_t ns_dev; /* the namespace the sockets are bound in */
	ino_t ns_ino;
	bool dead; /* detached: the serving thread closes and frees it */
};

struct dns_server {
	struct dns_resolver resolver;
	int timeout_ms;
	uint16_t port;
	struct dns_upstream up[DNS_MAX_UPSTREAMS];
	size_t n_up;
	atomic_uint turn; /* round-robin rotation */

	pthread_mutex_t lock; /* the fields below */
	pthread_cond_t idle;  /* inflight dropped to 0 */
	struct dns_client *clients;
	int inflight; /* worker threads running */
	bool stop;
	int wake[2]; /* pipe: the serving thread re-reads the table */
	pthread_t thread;
	bool started;
};

/* Parses an IPv4/IPv6 literal into @ret with @port (0: 53). -EINVAL. */
int dns_parse_upstream(const char *s, uint16_t port, struct dns_upstream *ret);

bool dns_upstream_is_loopback(const struct dns_upstream *u);

/*
 * Answers @raw for @c. With !@may_forward, -EAGAIN means "needs the
 * upstreams" (the caller retries in a thread that may block). -EBADMSG:
 * drop it. -ENOMEM.
 */
int dns_answer(struct dns_server *s, const struct dns_client_view *c, const uint8_t *raw,
	       size_t len, bool tcp, bool may_forward, uint8_t **ret, size_t *ret_len);
