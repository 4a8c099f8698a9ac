/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Answers of upstream DNS servers, as the embedded DNS server's forwarder
 * (engine/network/dns.c) parses them and relays them to a container:
 * dns_relay_answer, the path after the socket. Input: a flags byte (bit 0:
 * the container asked over TCP; bit 1: the answer's ID is not the one
 * forwarded), a length byte L, then L bytes of the container's query (L = 0:
 * a fixed "example.com A" query with EDNS) and the upstream's answer. A
 * relayed reply must fit the transport and be a well-formed DNS message
 * with the container's query ID.
 */
#include "config.h"

#include <ldns/ldns.h>
#include <stdio.h>

#include "engine/network/dns.h"
#include "tests/fuzz/fuzz.h"

/* example.com IN A, ID 0x1234, RD, with an OPT record of 1232 bytes */
static const uint8_t default_query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 'e',
	'x',  'a',  'm',  'p',	'l',  'e',  0x03, 'c',	'o',  'm',  0x00, 0x00, 0x01, 0x00,
	0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

FUZZ_TARGET(upstream)
{
	const uint8_t *query = default_query, *answer;
	size_t qlen = sizeof(default_query), alen, len = 0;
	uint8_t *reply = NULL;
	ldns_pkt *p = NULL;
	uint16_t fwd_id;
	bool tcp;

	fuzz_quiet();
	if (size < 2)
		return 0;
	tcp = data[0] & 1;
	if (data[1] > 0) {
		if ((size_t)data[1] > size - 2)
			return 0;
		query = data + 2;
		qlen = data[1];
	}
	answer = data + 2 + (data[1] > 0 ? qlen : 0);
	alen = size - (size_t)(answer - data);
	fwd_id = alen >= 2 ? (uint16_t)(answer[0] << 8 | answer[1]) : 0;
	if (data[0] & 2)
		fwd_id ^= 0x5a5a;
	if (dns_relay_answer(query, qlen, tcp, fwd_id, answer, alen, &reply, &len) < 0)
		return 0;
	if (len > (tcp ? 65535u : 1232u) || len < 2 ||
	    (reply[0] << 8 | reply[1]) != (query[0] << 8 | query[1]) ||
	    ldns_wire2pkt(&p, reply, len) != LDNS_STATUS_OK) {
		fprintf(stderr, "upstream: bad relayed reply of %zu bytes\n", len);
		abort();
	}
	ldns_pkt_free(p);
	free(reply);
	return 0;
}
