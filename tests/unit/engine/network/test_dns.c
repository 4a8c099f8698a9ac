/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded DNS server's answers, through dns_server_answer with a fake
 * resolver (no namespace, no root); forwarding goes to a fake upstream on
 * 127.0.0.1 run by a thread of the test.
 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/network/dns.h"

static const char *const web[] = {"10.0.0.2", "10.0.0.3", "10.0.0.4"};

static int
fake_name(void *cls, const char *cid, const char *name, struct in_addr *v4, size_t *n_v4,
	  struct in6_addr *v6, size_t *n_v6)
{
	size_t c4 = *n_v4;

	*n_v4 = *n_v6 = 0;
	if (strcmp(cid, "c1") != 0)
		return -ENOENT;
	if (strcmp(name, "web") == 0) {
		for (size_t i = 0; i < 3 && i < c4; i++)
			inet_pton(AF_INET, web[i], &v4[(*n_v4)++]);
		return 0;
	}
	if (strcmp(name, "db") == 0) {
		inet_pton(AF_INET, "10.0.0.5", &v4[(*n_v4)++]);
		inet_pton(AF_INET6, "fd00::5", &v6[(*n_v6)++]);
		return 0;
	}
	if (strcmp(name, "many") == 0) {
		for (size_t i = 0; i < c4; i++)
			v4[(*n_v4)++].s_addr = htonl(0x0a010000 + (uint32_t)i);
		return 0;
	}
	return -ENOENT;
}

static int
fake_addr(void *cls, const char *cid, int family, const void *addr, char *name, size_t size)
{
	struct in_addr db;
	struct in6_addr db6;

	inet_pton(AF_INET, "10.0.0.5", &db);
	inet_pton(AF_INET6, "fd00::5", &db6);
	if ((family == AF_INET && memcmp(addr, &db, 4) == 0) ||
	    (family == AF_INET6 && memcmp(addr, &db6, 16) == 0)) {
		snprintf(name, size, "db.back");
		return 0;
	}
	return -ENOENT;
}

static const struct dns_resolver fake = {fake_name, fake_addr, NULL};

/* The fake upstream: answers every A query with 192.0.2.1, or stays silent. */
static int up_fd = -1;
static uint16_t up_port;
static pthread_t up_thread;
static bool up_silent;

static void *
upstream_main(void *arg)
{
	uint8_t buf[4096];

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(up_fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		ldns_pkt *q = NULL;
		if (n < 0)
			return NULL;
		if (up_silent || ldns_wire2pkt(&q, buf, (size_t)n) != LDNS_STATUS_OK)
			continue;
		ldns_pkt *r = ldns_pkt_new();
		ldns_rr *rr = NULL;
		ldns_pkt_set_id(r, ldns_pkt_id(q));
		ldns_pkt_set_qr(r, true);
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION,
				 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
		cr_assert_eq(ldns_rr_new_frm_str(&rr, "example.com. 300 IN A 192.0.2.1", 0, NULL,
						 NULL),
			     LDNS_STATUS_OK);
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
		uint8_t *wire = NULL;
		size_t wn = 0;
		ldns_pkt2wire(&wire, r, &wn);
		sendto(up_fd, wire, wn, 0, (struct sockaddr *)&peer, plen);
		free(wire);
		ldns_pkt_free(r);
		ldns_pkt_free(q);
	}
}

static void
upstream_start(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	up_fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(up_fd, 0);
	cr_assert_eq(bind(up_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(up_fd, (struct sockaddr *)&a, &len), 0);
	up_port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&up_thread, NULL, upstream_main, NULL), 0);
}

static struct dns_server *
server(void)
{
	static char *ups[] = {"127.0.0.1", NULL};
	struct dns_config cfg = {.upstreams = ups, .upstream_port = up_port, .timeout_ms = 300};
	struct dns_server *s = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(dns_server_new(&fake, &cfg, &s, &e), 0, "%s", e.msg);
	return s;
}

/* Sends a query for @name/@type from c1 and parses the reply. */
static ldns_pkt *
ask(struct dns_server *s, const char *name, ldns_rr_type type, bool tcp)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, LDNS_RR_CLASS_IN,
					 LDNS_RD);
	uint8_t *wire = NULL, *reply = NULL;
	size_t n = 0, rn = 0;
	ldns_pkt *r = NULL;

	ldns_pkt_set_id(q, 4242);
	cr_assert_eq(ldns_pkt2wire(&wire, q, &n), LDNS_STATUS_OK);
	cr_assert_eq(dns_server_answer(s, "c1", wire, n, tcp, &reply, &rn), 0);
	cr_assert_eq(ldns_wire2pkt(&r, reply, rn), LDNS_STATUS_OK);
	cr_expect_eq(ldns_pkt_id(r), 4242);
	cr_expect(ldns_pkt_qr(r));
	free(wire);
	free(reply);
	ldns_pkt_free(q);
	return r;
}

static char *
first_rdata(ldns_pkt *r)
{
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r), 0);
	cr_assert_not_null(rr);
	return ldns_rdf2str(ldns_rr_rdf(rr, 0));
}

/* Answers @raw; returns the rcode, or -errno from dns_server_answer. */
static int
rcode_of(struct dns_server *s, const uint8_t *raw, size_t len, bool tcp)
{
	uint8_t *reply = NULL;
	size_t rn = 0;
	ldns_pkt *r = NULL;
	int ret = dns_server_answer(s, "c1", raw, len, tcp, &reply, &rn);

	if (ret < 0)
		return ret;
	cr_assert_eq(ldns_wire2pkt(&r, reply, rn), LDNS_STATUS_OK);
	cr_expect_eq(ldns_pkt_id(r), (raw[0] << 8) | raw[1]);
	ret = ldns_pkt_get_rcode(r);
	ldns_pkt_free(r);
	free(reply);
	return ret;
}

TestSuite(dns, .init = upstream_start);

Test(dns, answers_a_aaaa_and_ptr)
{
	struct dns_server *s = server();
	ldns_pkt *r = ask(s, "db", LDNS_RR_TYPE_A, false);
	char *v = first_rdata(r);

	cr_expect_str_eq(v, "10.0.0.5");
	cr_expect_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), 600);
	cr_expect(ldns_pkt_ra(r));
	free(v);
	ldns_pkt_free(r);

	r = ask(s, "DB.", LDNS_RR_TYPE_AAAA, false);
	v = first_rdata(r);
	cr_expect_str_eq(v, "fd00::5");
	free(v);
	ldns_pkt_free(r);

	r = ask(s, "5.0.0.10.in-addr.arpa", LDNS_RR_TYPE_PTR, false);
	v = first_rdata(r);
	cr_expect_str_eq(v, "db.back.");
	free(v);
	ldns_pkt_free(r);

	r = ask(s, "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa",
		LDNS_RR_TYPE_PTR, false);
	v = first_rdata(r);
	cr_expect_str_eq(v, "db.back.");
	free(v);
	ldns_pkt_free(r);
	dns_server_free(s);
}

Test(dns, known_name_without_records_of_that_type_is_noerror)
{
	struct dns_server *s = server();
	ldns_pkt *r = ask(s, "web", LDNS_RR_TYPE_AAAA, false);

	cr_expect_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	cr_expect_eq(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	dns_server_free(s);
}

Test(dns, rotates_several_addresses)
{
	struct dns_server *s = server();
	char *firsts[3];

	for (int i = 0; i < 3; i++) {
		ldns_pkt *r = ask(s, "web", LDNS_RR_TYPE_A, false);
		cr_expect_eq(ldns_pkt_ancount(r), 3);
		firsts[i] = first_rdata(r);
		ldns_pkt_free(r);
	}
	cr_expect_str_neq(firsts[0], firsts[1]);
	cr_expect_str_neq(firsts[1], firsts[2]);
	cr_expect_str_neq(firsts[0], firsts[2]);
	for (int i = 0; i < 3; i++)
		free(firsts[i]);
	dns_server_free(s);
}

Test(dns, unknown_single_label_is_nxdomain_without_forwarding)
{
	struct dns_server *s = server();
	ldns_pkt *r;

	up_silent = true; /* a forward would come back SERVFAIL */
	r = ask(s, "nosuch", LDNS_RR_TYPE_A, false);
	cr_expect_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(r);
	dns_server_free(s);
}

Test(dns, attach_without_a_namespace_fails_cleanly)
{
	struct dns_server *s = server();
	struct dns_attach_opts o = {.netns_path = "/nonexistent", .domain = "example.org"};
	struct err e = ERR_INIT;

	/* Attaching needs a namespace; without one it fails cleanly. */
	cr_expect_lt(dns_attach(s, "c1", &o, &e), 0);
	cr_expect(err_is_set(&e));
	dns_server_free(s);
}

Test(dns, forwards_other_names_upstream)
{
	struct dns_server *s = server();
	ldns_pkt *r = ask(s, "example.com", LDNS_RR_TYPE_A, false);
	char *v = first_rdata(r);

	cr_expect_str_eq(v, "192.0.2.1");
	free(v);
	ldns_pkt_free(r);
	dns_server_free(s);
}

Test(dns, servfail_when_no_upstream_answers)
{
	struct dns_server *s = server();
	ldns_pkt *r;

	up_silent = true;
	r = ask(s, "example.com", LDNS_RR_TYPE_A, false);
	cr_expect_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(r);
	dns_server_free(s);
}

Test(dns, big_answers_are_truncated_over_udp_only)
{
	struct dns_server *s = server();
	ldns_pkt *r = ask(s, "many", LDNS_RR_TYPE_A, false);

	cr_expect(ldns_pkt_tc(r));
	cr_expect_eq(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	r = ask(s, "many", LDNS_RR_TYPE_A, true);
	cr_expect(!ldns_pkt_tc(r));
	cr_expect_eq(ldns_pkt_ancount(r), DNS_MAX_ADDRS);
	ldns_pkt_free(r);
	dns_server_free(s);
}

Test(dns, resolv_conf_upstreams_skip_loopback)
{
	char *got[DNS_MAX_UPSTREAMS] = {0};
	size_t n = dns_upstreams_from_resolv_conf("# comment\nnameserver 127.0.0.53\n"
						  "nameserver ::1\nsearch lan\n"
						  "nameserver 192.0.2.53\nnameserver 2001:db8::1\n"
						  "nameserver bogus\n",
						  got);

	cr_assert_eq(n, 2);
	cr_expect_str_eq(got[0], "192.0.2.53");
	cr_expect_str_eq(got[1], "2001:db8::1");
	free(got[0]);
	free(got[1]);
}

Test(dns, bad_upstream_is_refused)
{
	char *ups[] = {"not-an-ip", NULL};
	struct dns_config cfg = {.upstreams = ups};
	struct dns_server *s = NULL;
	struct err e = ERR_INIT;

	cr_expect_eq(dns_server_new(&fake, &cfg, &s, &e), -EINVAL);
	cr_expect_null(s);
}

/* Hostile input: a header then @body; qdcount 1. */
static size_t
raw_query(uint8_t *buf, const uint8_t *body, size_t len)
{
	static const uint8_t hdr[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};

	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + 12, body, len);
	return 12 + len;
}

Test(dns, hostile_short_and_response_messages_are_dropped)
{
	struct dns_server *s = server();
	uint8_t buf[64];
	size_t n = raw_query(buf, (const uint8_t *)"\3web\0\0\1\0\1", 9);

	cr_expect_eq(rcode_of(s, buf, 11, false), -EBADMSG);
	cr_expect_eq(rcode_of(s, buf, 0, false), -EBADMSG);
	buf[2] |= 0x80; /* QR: a response */
	cr_expect_eq(rcode_of(s, buf, n, false), -EBADMSG);
	dns_server_free(s);
}

Test(dns, hostile_truncated_question_is_formerr)
{
	struct dns_server *s = server();
	uint8_t buf[64];
	size_t n = raw_query(buf, (const uint8_t *)"\3web\0\0\1\0\1", 9);

	cr_expect_eq(rcode_of(s, buf, n, false), LDNS_RCODE_NOERROR);
	for (size_t cut = 12; cut < n; cut++)
		cr_expect_eq(rcode_of(s, buf, cut, false), LDNS_RCODE_FORMERR, "cut at %zu", cut);
	dns_server_free(s);
}

Test(dns, hostile_compression_loop_is_formerr)
{
	struct dns_server *s = server();
	uint8_t buf[64];
	/* The name is a pointer to itself (offset 12), then one to a label
	 * that points back. */
	size_t n = raw_query(buf, (const uint8_t *)"\xc0\x0c\0\1\0\1", 6);

	cr_expect_eq(rcode_of(s, buf, n, false), LDNS_RCODE_FORMERR);
	n = raw_query(buf, (const uint8_t *)"\1a\xc0\x0c\0\1\0\1", 8);
	cr_expect_eq(rcode_of(s, buf, n, false), LDNS_RCODE_FORMERR);
	dns_server_free(s);
}

Test(dns, hostile_64k_query)
{
	struct dns_server *s = server();
	uint8_t *buf = malloc(65535);

	/* 64 KiB of 63-byte labels: far past the 255-byte name limit. */
	memcpy(buf, "\x12\x34\x01\x00\0\1\0\0\0\0\0\0", 12);
	for (size_t i = 12; i < 65535; i++)
		buf[i] = (i - 12) % 64 == 0 ? 63 : 'a';
	cr_expect_eq(rcode_of(s, buf, 65535, true), LDNS_RCODE_FORMERR);
	cr_expect_eq(rcode_of(s, buf, 65535, false), LDNS_RCODE_FORMERR);
	free(buf);
	dns_server_free(s);
}

Test(dns, hostile_many_questions_is_formerr)
{
	struct dns_server *s = server();
	uint8_t buf[12 + 200 * 9];

	memcpy(buf, "\x12\x34\x01\x00\0\xc8\0\0\0\0\0\0", 12);
	for (size_t i = 0; i < 200; i++)
		memcpy(buf + 12 + 9 * i, "\3web\0\0\1\0\1", 9);
	cr_expect_eq(rcode_of(s, buf, sizeof(buf), false), LDNS_RCODE_FORMERR);
	dns_server_free(s);
}

Test(dns, hostile_garbage_never_crashes)
{
	struct dns_server *s = server();
	uint8_t buf[512];

	up_silent = true;
	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t n = 12 + (size_t)rand() % (sizeof(buf) - 12);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rand();
		buf[2] &= 0x7f; /* a query, so it is not dropped outright */
		buf[4] = 0;
		buf[5] = 1;
		int r = rcode_of(s, buf, n, round % 2);
		cr_expect(r >= 0 || r == -EBADMSG, "round %d: %d", round, r);
	}
	dns_server_free(s);
}
