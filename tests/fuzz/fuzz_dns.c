/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DNS queries to the embedded server (engine/network/dns.c): the input is
 * one message as a container sends it over UDP or TCP (by the input's
 * length), answered through dns_server_answer with a fake name table (A,
 * AAAA, PTR, many addresses for truncation) and no upstream, so nothing
 * leaves the process (external names get SERVFAIL). The reply must itself
 * be a well-formed DNS message. The input is also read as a resolv.conf.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdio.h>

#include "engine/network/dns.h"
#include "engine/util/cleanup.h"
#include "tests/fuzz/fuzz.h"

static int
fake_name(void *cls, const char *cid, const char *name, struct in_addr *v4, size_t *n_v4,
	  struct in6_addr *v6, size_t *n_v6)
{
	size_t c4 = *n_v4;

	(void)cls;
	(void)cid;
	*n_v4 = *n_v6 = 0;
	if (strcmp(name, "web") == 0) {
		inet_pton(AF_INET, "10.0.0.2", &v4[(*n_v4)++]);
		inet_pton(AF_INET6, "fd00::2", &v6[(*n_v6)++]);
		return 0;
	}
	if (strcmp(name, "many") == 0) {
		for (size_t i = 0; i < c4; i++)
			v4[(*n_v4)++].s_addr = htonl(0x0a010000 + (uint32_t)i);
		return 0;
	}
	return strcmp(name, "empty") == 0 ? 0 : -ENOENT;
}

static int
fake_addr(void *cls, const char *cid, int family, const void *addr, char *name, size_t size)
{
	(void)cls;
	(void)cid;
	(void)addr;
	if (family != AF_INET && family != AF_INET6)
		abort();
	snprintf(name, size, "web.net");
	return 0;
}

static struct dns_server *
server(void)
{
	static const struct dns_resolver fake = {fake_name, fake_addr, NULL};
	static const struct dns_config cfg = {.resolv_conf = "/nonexistent/resolv.conf"};
	static struct dns_server *s;
	struct err e = ERR_INIT;

	if (!s && dns_server_new(&fake, &cfg, &s, &e) < 0) {
		fprintf(stderr, "dns_server_new: %s\n", e.msg);
		abort();
	}
	return s;
}

FUZZ_TARGET(dns)
{
	_cleanup_free_ char *text = fuzz_str(data, size);
	char *up[DNS_MAX_UPSTREAMS];
	uint8_t *reply = NULL;
	size_t len = 0, n;
	bool tcp = size & 1;
	ldns_pkt *p = NULL;

	fuzz_quiet();
	if (dns_server_answer(server(), "c1", data, size, tcp, &reply, &len) == 0) {
		if (len > (tcp ? 65535u : 1232u) ||
		    ldns_wire2pkt(&p, reply, len) != LDNS_STATUS_OK) {
			fprintf(stderr, "dns: bad reply of %zu bytes\n", len);
			abort();
		}
		ldns_pkt_free(p);
		free(reply);
	}
	n = dns_upstreams_from_resolv_conf(text, up);
	for (size_t i = 0; i < n; i++)
		free(up[i]);
	return 0;
}
