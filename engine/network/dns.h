/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded DNS server of user-defined networks, as dockerd's: each
 * attached container gets a UDP and a TCP socket bound to 127.0.0.11:53
 * inside its network namespace, and one berthd thread serves them all.
 * Names of the container's peers (container names, aliases, short IDs) come
 * from a resolver callback and are answered with A/AAAA/PTR records (TTL
 * 600, addresses rotated between answers); single-label names and names in
 * the container's own domain that the resolver does not know get NXDOMAIN;
 * everything else is forwarded, from the host's namespace, to the container's
 * --dns servers or else the daemon's upstreams (UDP, TCP when truncated),
 * with SERVFAIL when none answers in time.
 *
 * Messages are parsed and built with libldns; every query is hostile input:
 * one that cannot be parsed is answered FORMERR when its header is readable
 * and dropped otherwise.
 *
 * What it leaves to others: which names a container may see (the resolver,
 * i.e. network.c), resolv.conf inside the container (container/).
 *
 * Threads: every function is thread-safe. Lock order: dns_server.lock only
 * (a leaf); it is never held across a callback, a socket send or a fork.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/util/err.h"

struct dns_server;

/* Most addresses one name yields in an answer (the rest are left out). */
#define DNS_MAX_ADDRS 64
/* Most upstream servers kept, as glibc's MAXNS. */
#define DNS_MAX_UPSTREAMS 3

/*
 * Where names come from. Both callbacks may be called from any thread, with
 * no dns lock held, and must be thread-safe.
 *
 * lookup_name: @name is lower-case, without the final dot. Fills up to
 * *@n_v4 / *@n_v6 addresses (capacity on entry, count on return). 0 when
 * the name is known (counts may be 0: NOERROR without records for that
 * type), -ENOENT when it is not.
 *
 * lookup_addr: @addr is a struct in_addr (AF_INET) or in6_addr (AF_INET6);
 * writes the name (no final dot) to @name. 0, or -ENOENT when unknown.
 */
struct dns_resolver {
	int (*lookup_name)(void *cls, const char *container_id, const char *name,
			   struct in_addr *v4, size_t *n_v4, struct in6_addr *v6, size_t *n_v6);
	int (*lookup_addr)(void *cls, const char *container_id, int family, const void *addr,
			   char *name, size_t size);
	void *cls;
};

struct dns_config {
	/* Upstream servers as IPv4/IPv6 literals, NULL-terminated; NULL: the
	 * nameservers of @resolv_conf minus loopback ones (dockerd). */
	char *const *upstreams;
	const char *resolv_conf; /* NULL: /etc/resolv.conf */
	uint16_t upstream_port;	 /* 0: 53 (tests use another) */
	int timeout_ms;		 /* per upstream attempt; 0: 2000 */
};

/*
 * Creates a server answering from @resolver (copied; cls is borrowed and must
 * outlive the server) and starts its thread. -errno with @e set on failure.
 */
int dns_server_new(const struct dns_resolver *resolver, const struct dns_config *cfg,
		   struct dns_server **ret, struct err *e);

/* Stops the thread, closes every socket. Waits for queries being forwarded.
 * Accepts NULL. */
void dns_server_free(struct dns_server *s);

struct dns_attach_opts {
	const char *netns_path; /* the container's network namespace */
	const char *domain;	/* its domainname, or NULL */
	char *const *upstreams; /* its --dns servers, or NULL: the server's */
};

/*
 * Starts answering for @container_id inside the namespace at
 * @o->netns_path: a short-lived child process joins it, creates and binds
 * the sockets (127.0.0.11:53 UDP and TCP; the namespace's lo must be up)
 * and passes them back. Attaching again replaces the options, and the
 * sockets when the namespace is another one (a restarted container): in
 * the same namespace the bound sockets are kept. -EINVAL for a bad
 * upstream, -errno from the namespace (with @e).
 */
int dns_attach(struct dns_server *s, const char *container_id, const struct dns_attach_opts *o,
	       struct err *e);

/* Stops answering for @container_id and closes its sockets. Unknown IDs are
 * not an error. */
void dns_detach(struct dns_server *s, const char *container_id);

/*
 * Answers one query @q of @len bytes as the server would for @container_id
 * (forwarding included, so it may block for the upstream timeouts), as
 * received over TCP (@tcp: replies up to 65535 bytes) or UDP (512 bytes, or
 * the client's EDNS size up to 1232; larger answers are truncated). On success
 * *@ret (caller frees) holds the reply. -EBADMSG when the query must be
 * dropped (no readable header, or it is itself a response).
 */
int dns_server_answer(struct dns_server *s, const char *container_id, const uint8_t *q, size_t len,
		      bool tcp, uint8_t **ret, size_t *ret_len);

/*
 * The forwarding path after the upstream answered, without sockets (for
 * the fuzz target, tests/fuzz/fuzz_upstream.c): @query (@qlen bytes) as
 * the container sent it over TCP or UDP (@tcp), @answer (@alen bytes) as
 * an upstream answered its forwarded copy, whose ID was @fwd_id. On
 * success *@ret (caller frees) is the reply the container gets: the answer
 * with the container's ID, truncated to what its transport carries.
 * -EBADMSG when the query would not have been forwarded, or the answer is
 * dropped (unparsable, not a response, another ID).
 */
int dns_relay_answer(const uint8_t *query, size_t qlen, bool tcp, uint16_t fwd_id,
		     const uint8_t *answer, size_t alen, uint8_t **ret, size_t *ret_len);

/*
 * Parses the upstream list of a resolv.conf text: nameserver lines, minus
 * loopback addresses, at most DNS_MAX_UPSTREAMS. Returns the count written
 * to @ret (each a malloc'd string the caller frees).
 */
size_t dns_upstreams_from_resolv_conf(const char *text, char *ret[DNS_MAX_UPSTREAMS]);
