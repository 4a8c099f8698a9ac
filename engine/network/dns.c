/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded DNS server; see dns.h. This file holds the answering logic
 * (parse with libldns, local names from the resolver, forwarding); the
 * sockets, the serving thread and the namespace helper are in dns_serve.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network/dns.h"
#include "engine/network/dns_internal.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/xalloc.h"

/* dockerd's embedded resolver answers with this TTL (libnetwork respTTL). */
#define DNS_TTL 600
/* The EDNS payload size we advertise and accept at most over UDP. */
#define DNS_EDNS_SIZE 1232

static void
pkt_freep(ldns_pkt **p)
{
	if (*p)
		ldns_pkt_free(*p);
}
#define _cleanup_pkt_ _cleanup_(pkt_freep)

static void
buffer_freep(ldns_buffer **b)
{
	if (*b)
		ldns_buffer_free(*b);
}
#define _cleanup_ldns_buffer_ _cleanup_(buffer_freep)

int
dns_parse_upstream(const char *s, uint16_t port, struct dns_upstream *ret)
{
	struct dns_upstream u = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&u.ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&u.ss;

	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port ? port : 53);
		u.len = sizeof(*in);
	} else if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port ? port : 53);
		u.len = sizeof(*in6);
	} else {
		return -EINVAL;
	}
	*ret = u;
	return 0;
}

size_t
dns_upstreams_from_resolv_conf(const char *text, char *ret[DNS_MAX_UPSTREAMS])
{
	size_t n = 0;
	const char *p = text;

	while (p && *p && n < DNS_MAX_UPSTREAMS) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[256], addr[64];

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			struct dns_upstream u;
			/* dockerd drops loopback nameservers: inside a container's
			 * namespace they would be the container itself. */
			if (sscanf(line, " nameserver %63s", addr) == 1 &&
			    dns_parse_upstream(addr, 0, &u) == 0 && !dns_upstream_is_loopback(&u))
				ret[n++] = xstrdup(addr);
		}
		p = eol ? eol + 1 : NULL;
	}
	return n;
}

bool
dns_upstream_is_loopback(const struct dns_upstream *u)
{
	if (u->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&u->ss;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&u->ss)->sin6_addr);
}

/* Encodes @p; when it exceeds @max, sets TC and drops every record but the
 * question (RFC 2181 §9: the client retries over TCP). */
static int
encode(ldns_pkt *p, size_t max, uint8_t **ret, size_t *ret_len)
{
	uint8_t *wire = NULL;
	size_t n = 0;

	if (ldns_pkt2wire(&wire, p, &n) != LDNS_STATUS_OK)
		return -ENOMEM;
	if (n > max) {
		free(wire);
		wire = NULL;
		ldns_rr_list_deep_free(ldns_pkt_answer(p));
		ldns_pkt_set_answer(p, ldns_rr_list_new());
		ldns_rr_list_deep_free(ldns_pkt_authority(p));
		ldns_pkt_set_authority(p, ldns_rr_list_new());
		ldns_rr_list_deep_free(ldns_pkt_additional(p));
		ldns_pkt_set_additional(p, ldns_rr_list_new());
		ldns_pkt_set_ancount(p, 0);
		ldns_pkt_set_nscount(p, 0);
		ldns_pkt_set_arcount(p, 0);
		ldns_pkt_set_tc(p, true);
		if (ldns_pkt2wire(&wire, p, &n) != LDNS_STATUS_OK || n > max) {
			free(wire);
			return -ENOMEM;
		}
	}
	*ret = wire;
	*ret_len = n;
	return 0;
}

/* A reply to @q (NULL when it could not be parsed: then only the header
 * fields read from the raw message) with @rcode. */
static ldns_pkt *
reply_new(const ldns_pkt *q, const uint8_t *raw, uint8_t rcode)
{
	ldns_pkt *p = ldns_pkt_new();

	if (!p)
		return NULL;
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, rcode);
	if (q) {
		ldns_pkt_set_id(p, ldns_pkt_id(q));
		ldns_pkt_set_rd(p, ldns_pkt_rd(q));
		ldns_pkt_set_opcode(p, ldns_pkt_get_opcode(q));
		if (ldns_pkt_qdcount(q) == 1) {
			ldns_rr *qr = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0));
			if (qr)
				ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, qr);
		}
		if (ldns_pkt_edns(q))
			ldns_pkt_set_edns_udp_size(p, DNS_EDNS_SIZE);
	} else {
		ldns_pkt_set_id(p, LDNS_ID_WIRE(raw));
		ldns_pkt_set_rd(p, LDNS_RD_WIRE(raw));
		ldns_pkt_set_opcode(p, LDNS_OPCODE_WIRE(raw));
	}
	return p;
}

/* Largest reply the transport carries: 65535 over TCP; over UDP 512, or
 * the client's EDNS payload size up to ours. */
static size_t
reply_limit(const ldns_pkt *q, bool tcp)
{
	size_t lim = 512;

	if (tcp)
		return 65535;
	if (q && ldns_pkt_edns(q) && ldns_pkt_edns_udp_size(q) > lim)
		lim = ldns_pkt_edns_udp_size(q) < DNS_EDNS_SIZE ? ldns_pkt_edns_udp_size(q)
								: DNS_EDNS_SIZE;
	return lim;
}

static int
push_addr(ldns_pkt *p, const ldns_rdf *owner, ldns_rr_type type, const void *addr)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner_copy = ldns_rdf_clone(owner);
	ldns_rdf *data = type == LDNS_RR_TYPE_A
				 ? ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, addr)
				 : ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, addr);

	if (!rr || !owner_copy || !data) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner_copy);
		ldns_rdf_deep_free(data);
		return -ENOMEM;
	}
	/* ldns_rr_new, not _frm_type: that one presets empty rdata slots. */
	ldns_rr_set_type(rr, type);
	ldns_rr_set_owner(rr, owner_copy);
	ldns_rr_set_ttl(rr, DNS_TTL);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_push_rdf(rr, data);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	return 0;
}

/*
 * The question's name, lower-case, without the final dot; "" for the root.
 * -EINVAL for names with escaped bytes (a dot or a control byte inside a
 * label): no container is named so.
 */
static int
question_name(const ldns_rr *qr, char *buf, size_t size)
{
	_cleanup_free_ char *s = ldns_rdf2str(ldns_rr_owner(qr));
	size_t n;

	if (!s || strchr(s, '\\'))
		return -EINVAL;
	n = strlen(s);
	if (n && s[n - 1] == '.')
		s[--n] = '\0';
	if (n >= size)
		return -EINVAL;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	return 0;
}

/* "4.3.2.1.in-addr.arpa" → 1.2.3.4, and the 32-nibble ip6.arpa form. */
static int
ptr_to_addr(const char *name, int *ret_family, unsigned char ret[16])
{
	static const char v4s[] = ".in-addr.arpa", v6s[] = "ip6.arpa";
	size_t n = strlen(name);

	if (n > sizeof(v4s) - 1 && strcmp(name + n - (sizeof(v4s) - 1), v4s) == 0) {
		char rev[16], fwd[16] = "";
		unsigned o[4];
		char end;
		size_t len = n - (sizeof(v4s) - 1);
		if (len >= sizeof(rev))
			return -EINVAL;
		memcpy(rev, name, len);
		rev[len] = '\0';
		if (sscanf(rev, "%3u.%3u.%3u.%3u%c", &o[0], &o[1], &o[2], &o[3], &end) != 4)
			return -EINVAL;
		snprintf(fwd, sizeof(fwd), "%u.%u.%u.%u", o[3], o[2], o[1], o[0]);
		if (inet_pton(AF_INET, fwd, ret) != 1)
			return -EINVAL;
		*ret_family = AF_INET;
		return 0;
	}
	if (n == 64 + sizeof(v6s) - 1 && strcmp(name + 64, v6s) == 0) {
		for (size_t i = 0; i < 32; i++) {
			char c = name[2 * i], dot = name[2 * i + 1];
			int v = isdigit((unsigned char)c) ? c - '0'
				: (c >= 'a' && c <= 'f')  ? c - 'a' + 10
							  : -1;
			if (v < 0 || dot != '.')
				return -EINVAL;
			size_t byte = 15 - i / 2;
			ret[byte] = (unsigned char)(i % 2 ? (ret[byte] | v << 4) : v);
		}
		*ret_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int
answer_ptr(struct dns_server *s, const char *cid, const char *name, const ldns_rr *qr, ldns_pkt *p)
{
	unsigned char addr[16] = {0};
	char target[256];
	int family;

	if (ptr_to_addr(name, &family, addr) < 0 || !s->resolver.lookup_addr ||
	    s->resolver.lookup_addr(s->resolver.cls, cid, family, addr, target, sizeof(target)) < 0)
		return -ENOENT;

	_cleanup_free_ char *abs = xasprintf("%s.", target);
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = ldns_rdf_clone(ldns_rr_owner(qr));
	ldns_rdf *dname = ldns_dname_new_frm_str(abs);
	if (!rr || !owner || !dname) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(dname);
		return -ENOMEM;
	}
	ldns_rr_set_type(rr, LDNS_RR_TYPE_PTR);
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_ttl(rr, DNS_TTL);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_push_rdf(rr, dname);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	return 0;
}

/* Looks @name up, then without the container's domain suffix. */
static int
lookup(struct dns_server *s, const struct dns_client_view *c, const char *name, struct in_addr *v4,
       size_t *n_v4, struct in6_addr *v6, size_t *n_v6)
{
	size_t c4 = *n_v4, c6 = *n_v6;
	size_t n = strlen(name), d = c->domain[0] ? strlen(c->domain) : 0;

	if (s->resolver.lookup_name(s->resolver.cls, c->id, name, v4, n_v4, v6, n_v6) == 0)
		return 0;
	if (d && n > d + 1 && name[n - d - 1] == '.' && strcmp(name + n - d, c->domain) == 0) {
		char shortname[256];
		snprintf(shortname, sizeof(shortname), "%.*s", (int)(n - d - 1), name);
		*n_v4 = c4;
		*n_v6 = c6;
		return s->resolver.lookup_name(s->resolver.cls, c->id, shortname, v4, n_v4, v6,
					       n_v6);
	}
	return -ENOENT;
}

/* Whether an unknown @name is ours to deny (NXDOMAIN) rather than forward:
 * a single label, or a name in the container's own domain. */
static bool
is_own_name(const struct dns_client_view *c, const char *name)
{
	size_t n = strlen(name), d = strlen(c->domain);

	if (!strchr(name, '.'))
		return true;
	return d && (strcmp(name, c->domain) == 0 ||
		     (n > d + 1 && name[n - d - 1] == '.' && strcmp(name + n - d, c->domain) == 0));
}

/* Fills @p from the resolver: 0 when answered locally, -ENOENT to forward. */
static int
answer_local(struct dns_server *s, const struct dns_client_view *c, const ldns_rr *qr, ldns_pkt *p)
{
	struct in_addr v4[DNS_MAX_ADDRS];
	struct in6_addr v6[DNS_MAX_ADDRS];
	size_t n4 = DNS_MAX_ADDRS, n6 = DNS_MAX_ADDRS;
	ldns_rr_type type = ldns_rr_get_type(qr);
	char name[256];

	if (ldns_rr_get_class(qr) != LDNS_RR_CLASS_IN || question_name(qr, name, sizeof(name)) < 0)
		return -ENOENT;
	if (type == LDNS_RR_TYPE_PTR)
		return answer_ptr(s, c->id, name, qr, p);
	if (!name[0])
		return -ENOENT;
	if (lookup(s, c, name, v4, &n4, v6, &n6) < 0) {
		if (!is_own_name(c, name))
			return -ENOENT;
		ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
		return 0;
	}
	n4 = n4 > DNS_MAX_ADDRS ? DNS_MAX_ADDRS : n4;
	n6 = n6 > DNS_MAX_ADDRS ? DNS_MAX_ADDRS : n6;
	/* Several containers behind one alias: rotate the order between
	 * answers so clients that take the first spread the load (dockerd
	 * shuffles). */
	unsigned turn = atomic_fetch_add(&s->turn, 1);
	if (type == LDNS_RR_TYPE_A) {
		for (size_t i = 0; i < n4; i++)
			if (push_addr(p, ldns_rr_owner(qr), type, &v4[(i + turn) % n4]) < 0)
				return -ENOMEM;
	} else if (type == LDNS_RR_TYPE_AAAA) {
		for (size_t i = 0; i < n6; i++)
			if (push_addr(p, ldns_rr_owner(qr), type, &v6[(i + turn) % n6]) < 0)
				return -ENOMEM;
	}
	/* Other types of a known name: NOERROR without records. */
	return 0;
}

/* An upstream's answer to the forwarded query (ID @id), as received: a
 * response carrying @id, else -EBADMSG (dropped: a late answer to an
 * earlier query, or a spoofed one). */
static int
upstream_parse(const uint8_t *wire, size_t n, uint16_t id, ldns_pkt **ret)
{
	ldns_pkt *resp = NULL;

	if (ldns_wire2pkt(&resp, wire, n) != LDNS_STATUS_OK)
		return -EBADMSG;
	if (ldns_pkt_id(resp) != id || !ldns_pkt_qr(resp)) {
		ldns_pkt_free(resp);
		return -EBADMSG;
	}
	*ret = resp;
	return 0;
}

static int
send_upstream(struct dns_server *s, const struct dns_upstream *u, ldns_buffer *qbin, uint16_t id,
	      ldns_pkt **ret)
{
	struct timeval tv = {s->timeout_ms / 1000, (s->timeout_ms % 1000) * 1000};
	_cleanup_free_ uint8_t *wire = NULL;
	size_t n = 0;
	ldns_pkt *resp = NULL;

	if (ldns_udp_send(&wire, qbin, &u->ss, u->len, tv, &n) != LDNS_STATUS_OK || !wire)
		return -ETIMEDOUT;
	if (upstream_parse(wire, n, id, &resp) < 0)
		return -EBADMSG;
	if (ldns_pkt_tc(resp)) {
		/* Truncated over UDP: ask again over TCP. */
		ldns_pkt_free(resp);
		resp = NULL;
		wire = mfree(wire);
		if (ldns_tcp_send(&wire, qbin, &u->ss, u->len, tv, &n) != LDNS_STATUS_OK || !wire)
			return -ETIMEDOUT;
		if (upstream_parse(wire, n, id, &resp) < 0)
			return -EBADMSG;
	}
	*ret = resp;
	return 0;
}

/* Forwards @q to the container's or the server's upstreams, in order;
 * NULL in *@ret when none answered. */
static int
forward(struct dns_server *s, const struct dns_client_view *c, const ldns_pkt *q, ldns_pkt **ret)
{
	_cleanup_pkt_ ldns_pkt *fwd = ldns_pkt_clone(q);
	_cleanup_ldns_buffer_ ldns_buffer *qbin = ldns_buffer_new(LDNS_MAX_PACKETLEN);

	*ret = NULL;
	if (!fwd || !qbin)
		return -ENOMEM;
	/* A fresh ID: the client's could be guessed by whoever spoofs answers. */
	ldns_pkt_set_random_id(fwd);
	if (ldns_pkt2buffer_wire(qbin, fwd) != LDNS_STATUS_OK)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_up; i++)
		if (send_upstream(s, &c->up[i], qbin, ldns_pkt_id(fwd), ret) == 0)
			return 0;
	return 0;
}

int
dns_answer(struct dns_server *s, const struct dns_client_view *c, const uint8_t *raw, size_t len,
	   bool tcp, bool may_forward, uint8_t **ret, size_t *ret_len)
{
	_cleanup_pkt_ ldns_pkt *q = NULL, *p = NULL;
	int r;

	/* Without a whole header there is nobody to address an error to. A
	 * message with QR set is a response: answering it could loop. */
	if (len < LDNS_HEADER_SIZE || LDNS_QR_WIRE(raw))
		return -EBADMSG;
	if (ldns_wire2pkt(&q, raw, len) != LDNS_STATUS_OK) {
		q = NULL;
		if (!(p = reply_new(NULL, raw, LDNS_RCODE_FORMERR)))
			return -ENOMEM;
		return encode(p, reply_limit(NULL, tcp), ret, ret_len);
	}
	size_t max = reply_limit(q, tcp);
	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY) {
		if (!(p = reply_new(q, raw, LDNS_RCODE_NOTIMPL)))
			return -ENOMEM;
		return encode(p, max, ret, ret_len);
	}
	/* One question per query: what every resolver sends; several are
	 * ambiguous (RFC 9619). */
	if (ldns_pkt_qdcount(q) != 1) {
		if (!(p = reply_new(q, raw, LDNS_RCODE_FORMERR)))
			return -ENOMEM;
		return encode(p, max, ret, ret_len);
	}
	if (!(p = reply_new(q, raw, LDNS_RCODE_NOERROR)))
		return -ENOMEM;
	r = answer_local(s, c, ldns_rr_list_rr(ldns_pkt_question(q), 0), p);
	if (r == -ENOMEM)
		return r;
	if (r == 0)
		return encode(p, max, ret, ret_len);
	if (!may_forward)
		return -EAGAIN;

	ldns_pkt *resp = NULL;
	if ((r = forward(s, c, q, &resp)) < 0)
		return r;
	if (!resp) {
		ldns_pkt_set_rcode(p, LDNS_RCODE_SERVFAIL);
		return encode(p, max, ret, ret_len);
	}
	pkt_freep(&p);
	p = resp;
	ldns_pkt_set_id(p, ldns_pkt_id(q));
	return encode(p, max, ret, ret_len);
}

int
dns_relay_answer(const uint8_t *query, size_t qlen, bool tcp, uint16_t fwd_id,
		 const uint8_t *answer, size_t alen, uint8_t **ret, size_t *ret_len)
{
	_cleanup_pkt_ ldns_pkt *q = NULL, *p = NULL;

	/* the checks dns_answer makes before it forwards */
	if (qlen < LDNS_HEADER_SIZE || LDNS_QR_WIRE(query) ||
	    ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK) {
		q = NULL;
		return -EBADMSG;
	}
	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY || ldns_pkt_qdcount(q) != 1)
		return -EBADMSG;
	if (upstream_parse(answer, alen, fwd_id, &p) < 0)
		return -EBADMSG;
	ldns_pkt_set_id(p, ldns_pkt_id(q));
	return encode(p, reply_limit(q, tcp), ret, ret_len);
}
