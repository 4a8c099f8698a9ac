/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/network/portmap.h"
#include "engine/util/limits.h"

static struct portmap_binding *
parse_ok(const char *spec, size_t *n)
{
	struct portmap_binding *b = NULL;
	struct err e = ERR_INIT;
	cr_assert_eq(portmap_parse_spec(spec, &b, n, &e), 0, "%s: %s", spec, e.msg);
	return b;
}

static const char *
ip(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];
	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

Test(portmap, spec_forms)
{
	size_t n;
	struct portmap_binding *b = parse_ok("80", &n);
	cr_expect_eq(n, 1);
	cr_expect_eq(b[0].container_port, 80);
	cr_expect_eq(b[0].host_port, 0);
	cr_expect_eq(b[0].proto, IPPROTO_TCP);
	free(b);
	b = parse_ok("8080:80", &n);
	cr_expect_eq(b[0].host_port, 8080);
	cr_expect_eq(b[0].host_port_end, 8080);
	cr_expect_str_eq(ip(b[0].host_ip), "0.0.0.0");
	free(b);
	b = parse_ok("127.0.0.1:8080:80/udp", &n);
	cr_expect_str_eq(ip(b[0].host_ip), "127.0.0.1");
	cr_expect_eq(b[0].proto, IPPROTO_UDP);
	free(b);
	b = parse_ok("127.0.0.1::80", &n);
	cr_expect_eq(b[0].host_port, 0);
	free(b);
	b = parse_ok("53:53/UDP", &n);
	cr_expect_eq(b[0].proto, IPPROTO_UDP);
	free(b);
}

Test(portmap, spec_ranges)
{
	size_t n;
	struct portmap_binding *b = parse_ok("8000-8002:80-82", &n);
	cr_assert_eq(n, 3);
	cr_expect_eq(b[2].container_port, 82);
	cr_expect_eq(b[2].host_port, 8002);
	cr_expect_eq(b[2].host_port_end, 8002);
	free(b);
	b = parse_ok("8000-8010:80", &n); /* one port from the range */
	cr_assert_eq(n, 1);
	cr_expect_eq(b[0].host_port, 8000);
	cr_expect_eq(b[0].host_port_end, 8010);
	free(b);
	b = parse_ok("80-81", &n);
	cr_expect_eq(n, 2);
	cr_expect_eq(b[1].host_port, 0);
	free(b);
}

Test(portmap, spec_invalid)
{
	const char *bad[] = {"", "0", "65536", "80/sctp", "80/", "abc", "8080:", ":80:", "1.2.3:80:80",
			     "8000-8002:80-81", "82-80", "8080:80:90:100", "-1", "+80", "80 ",
			     "999999999999999999:80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct portmap_binding *b = NULL;
		struct err e = ERR_INIT;
		size_t n = 0;
		cr_expect_lt(portmap_parse_spec(bad[i], &b, &n, &e), 0, "'%s' accepted", bad[i]);
		cr_expect_null(b);
	}
}

Test(portmap, spec_limits_and_ipv6)
{
	struct portmap_binding *b = NULL;
	struct err e = ERR_INIT;
	size_t n;
	cr_expect_eq(portmap_parse_spec("1-65535", &b, &n, &e), -E2BIG);
	cr_expect_eq(portmap_parse_spec("[::1]:80:80", &b, &n, &e), -EOPNOTSUPP);
	cr_expect_null(b);
}

Test(portmap, keys_and_host_values)
{
	uint16_t port;
	uint8_t proto;
	struct portmap_binding b = {0};
	struct err e = ERR_INIT;
	cr_expect_eq(portmap_parse_key("80/tcp", &port, &proto), 0);
	cr_expect_eq(port, 80);
	cr_expect_eq(portmap_parse_key("53/udp", &port, &proto), 0);
	cr_expect_eq(proto, IPPROTO_UDP);
	cr_expect_eq(portmap_parse_key("80", &port, &proto), 0);
	cr_expect_eq(portmap_parse_key("80/tcp/x", &port, &proto), -EINVAL);
	cr_expect_eq(portmap_parse_key("/tcp", &port, &proto), -EINVAL);
	cr_expect_eq(portmap_parse_host("", "", &b, &e), 0);
	cr_expect_eq(b.host_port, 0);
	cr_expect_eq(portmap_parse_host("10.0.0.1", "8000-8005", &b, &e), 0);
	cr_expect_eq(b.host_port_end, 8005);
	cr_expect_eq(portmap_parse_host("10.0.0.300", "80", &b, &e), -EINVAL);
	cr_expect_eq(portmap_parse_host("", "80x", &b, &e), -EINVAL);
	cr_expect_eq(portmap_parse_host("::", "80", &b, &e), -EOPNOTSUPP);
}

Test(portmap, conflicts)
{
	struct portmap_binding any = {.proto = IPPROTO_TCP, .host_port = 80};
	struct portmap_binding lo = any, udp = any, other = any;
	inet_pton(AF_INET, "127.0.0.1", &lo.host_ip);
	udp.proto = IPPROTO_UDP;
	other.host_port = 81;
	struct portmap_binding lo2 = lo;
	inet_pton(AF_INET, "127.0.0.2", &lo2.host_ip);
	cr_expect(portmap_conflicts(&any, &lo));
	cr_expect(portmap_conflicts(&lo, &lo));
	cr_expect_not(portmap_conflicts(&lo, &lo2));
	cr_expect_not(portmap_conflicts(&any, &udp));
	cr_expect_not(portmap_conflicts(&any, &other));
}

Test(portmap, reserve_holds_the_port)
{
	struct portmap_binding b = {.proto = IPPROTO_TCP};
	int fd = -1, fd2;
	uint16_t port = 0;
	inet_pton(AF_INET, "127.0.0.1", &b.host_ip);
	/* above free_port's 20000-39999 (tests/helpers/lib.sh): integration
	 * tests may run beside the unit tests */
	for (uint16_t p = 40000 + getpid() % 20000; fd < 0; p++) {
		fd = portmap_reserve(&b, p);
		port = p;
	}
	fd2 = portmap_reserve(&b, port);
	cr_expect_eq(fd2, -EADDRINUSE);
	close(fd);
}

/* The PortBindings/ExposedPorts key grammar the api parses once at create. */
Test(portmap, request_keys)
{
	static const struct { const char *key; uint16_t port; uint8_t proto; const char *norm; } ok[] = {
		{ "80", 80, IPPROTO_TCP, "80/tcp" },	/* tcp by default */
		{ "80/tcp", 80, IPPROTO_TCP, "80/tcp" },
		{ "53/udp", 53, IPPROTO_UDP, "53/udp" },
		{ "132/sctp", 132, IPPROTO_SCTP, "132/sctp" },
		{ "65535/udp", 65535, IPPROTO_UDP, "65535/udp" },
		{ "0080", 80, IPPROTO_TCP, "80/tcp" },
	};
	static const struct { const char *key; const char *msg; } bad[] = {
		{ "0", "invalid port specification: \"0\"" },
		{ "65536/tcp", "invalid port specification: \"65536/tcp\"" },
		{ "abc", "invalid port specification: \"abc\"" },
		{ "-1", "invalid port specification: \"-1\"" },
		{ "", "invalid port specification: \"\"" },
		{ "8000-8010/tcp", "invalid port specification: \"8000-8010/tcp\"" }, /* no ranges */
		{ "80/TCP", "invalid proto: TCP" },
		{ "80/icmp", "invalid proto: icmp" },
		{ "80/", "invalid proto: " },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct portmap_request r = {0};
		char key[PORTMAP_KEY_MAX];
		struct err e = ERR_INIT;
		cr_assert_eq(portmap_parse_request_key(ok[i].key, &r.container_port, &r.proto, &e), 0,
			     "%s: %s", ok[i].key, e.msg);
		cr_expect_eq(r.container_port, ok[i].port, "%s", ok[i].key);
		cr_expect_eq(r.proto, ok[i].proto, "%s", ok[i].key);
		portmap_request_key(&r, key);
		cr_expect_str_eq(key, ok[i].norm);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t port = 7;
		uint8_t proto = 7;
		struct err e = ERR_INIT;
		cr_expect_eq(portmap_parse_request_key(bad[i].key, &port, &proto, &e), -EINVAL, "%s",
			     bad[i].key);
		cr_expect_str_eq(e.msg, bad[i].msg);
		cr_expect_eq(port, 7);
	}
}

/* The host side as published: IPv4 only (IPv6, bracketed or not, is refused). */
Test(portmap, request_host_side)
{
	struct portmap_binding b = {0};
	struct err e = ERR_INIT;

	cr_expect_eq(portmap_parse_host("127.0.0.1", "8080", &b, &e), 0);
	cr_expect_str_eq(ip(b.host_ip), "127.0.0.1");
	cr_expect_eq(b.host_port, 8080);
	cr_expect_eq(b.host_port_end, 8080);
	cr_expect_eq(portmap_parse_host(NULL, NULL, &b, &e), 0);
	cr_expect_str_eq(ip(b.host_ip), "0.0.0.0");
	cr_expect_eq(b.host_port, 0);
	cr_expect_eq(portmap_parse_host("[::1]", "80", &b, &e), -EOPNOTSUPP);
	cr_expect_eq(portmap_parse_host("::1", "80", &b, &e), -EOPNOTSUPP);
	cr_expect_eq(portmap_parse_host("[::1", "80", &b, &e), -EOPNOTSUPP);
	/* HostPort "0" is "any free port", as moby's port allocator takes it. */
	b.host_port = 99;
	cr_expect_eq(portmap_parse_host("", "0", &b, &e), 0);
	cr_expect_eq(b.host_port, 0);
	cr_expect_eq(b.host_port_end, 0);
	cr_expect_eq(portmap_parse_host("", "0x", &b, &e), -EINVAL);
	cr_expect_eq(portmap_parse_host("", "8090-8080", &b, &e), -EINVAL);
	cr_expect_eq(portmap_parse_host("", "65536", &b, &e), -EINVAL);
}
