/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network/ipam6.h"
#include "engine/util/fs.h"

static char dir6[] = "/tmp/berth-test-ipam6-XXXXXX";
static char path6[128];

static void
setup6(void)
{
	cr_assert_not_null(mkdtemp(dir6));
	snprintf(path6, sizeof(path6), "%s/ipam6.json", dir6);
}

static void
teardown6(void)
{
	fs_rm_rf(dir6);
}

static const char *
txt6(const struct in6_addr *a)
{
	static char buf[INET6_ADDRSTRLEN];
	return inet_ntop(AF_INET6, a, buf, sizeof(buf));
}

static struct in6_addr
a6(const char *s)
{
	struct in6_addr a;
	cr_assert_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

TestSuite(ipam6, .init = setup6, .fini = teardown6);

Test(ipam6, parse_cidr_strict)
{
	struct in6_addr a;
	int p;

	cr_expect_eq(ipam6_parse_cidr("fd00::/64", &a, &p), 0);
	cr_expect_eq(p, 64);
	cr_expect_eq(ipam6_parse_cidr("fd00::1/128", &a, &p), 0);
	cr_expect_eq(ipam6_parse_cidr("fd00::/129", &a, &p), -EINVAL);
	cr_expect_eq(ipam6_parse_cidr("fd00::/064", &a, &p), -EINVAL);
	cr_expect_eq(ipam6_parse_cidr("fd00::", &a, &p), -EINVAL);
	cr_expect_eq(ipam6_parse_cidr("10.0.0.0/8", &a, &p), -EINVAL);
	cr_expect_eq(ipam6_parse_cidr("fd00::/", &a, &p), -EINVAL);
}

Test(ipam6, allocates_in_order_after_the_gateway_and_persists)
{
	struct in6_addr net = a6("fd00:1::"), gw = a6("fd00:1::1"), got;
	struct ipam6 *p = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(ipam6_open(path6, &net, 64, &gw, &p, &e), 0, "%s", e.msg);
	cr_assert_eq(ipam6_allocate(p, "a", &got, &e), 0);
	cr_expect_str_eq(txt6(&got), "fd00:1::2");
	cr_assert_eq(ipam6_allocate(p, "b", &got, &e), 0);
	cr_expect_str_eq(txt6(&got), "fd00:1::3");
	cr_assert_eq(ipam6_allocate(p, "a", &got, &e), 0);
	cr_expect_str_eq(txt6(&got), "fd00:1::2", "an owner keeps its address");
	ipam6_free(p);
	p = NULL;
	cr_assert_eq(ipam6_open(path6, &net, 64, &gw, &p, &e), 0, "%s", e.msg);
	struct in6_addr b = a6("fd00:1::3");
	cr_expect_eq(ipam6_allocate_addr(p, "c", &b, &e), -EADDRINUSE, "reloaded from the file");
	cr_assert_eq(ipam6_allocate(p, "c", &got, &e), 0);
	cr_expect_str_eq(txt6(&got), "fd00:1::4");
	ipam6_free(p);
}

Test(ipam6, static_addresses_and_reserved_ones)
{
	struct in6_addr net = a6("fd00:2::"), gw = a6("fd00:2::1");
	struct in6_addr out = a6("fd00:3::5"), sub = a6("fd00:2::"), x = a6("fd00:2::99");
	struct ipam6 *p = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(ipam6_open(path6, &net, 112, &gw, &p, &e), 0);
	cr_expect_eq(ipam6_allocate_addr(p, "a", &out, &e), -EINVAL);
	cr_expect_eq(ipam6_allocate_addr(p, "a", &gw, &e), -EINVAL);
	cr_expect_eq(ipam6_allocate_addr(p, "a", &sub, &e), -EINVAL);
	cr_expect_eq(ipam6_exclude(p, &x), 0);
	cr_expect_eq(ipam6_allocate_addr(p, "a", &x, &e), -EINVAL);
	cr_expect_eq(ipam6_exclude(p, &out), -EINVAL);
	ipam6_free(p);
}

Test(ipam6, small_range_fills_up_and_frees)
{
	struct in6_addr net = a6("fd00:4::"), gw = a6("fd00:4::1"), rn = a6("fd00:4::10"), got;
	struct ipam6 *p = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(ipam6_open(path6, &net, 64, &gw, &p, &e), 0);
	cr_assert_eq(ipam6_limit_range(p, &rn, 126), 0);
	for (int i = 0; i < 4; i++) {
		char id[8];
		snprintf(id, sizeof(id), "c%d", i);
		cr_assert_eq(ipam6_allocate(p, id, &got, &e), 0, "%s", e.msg);
		cr_expect(ipam6_contains(&rn, 126, &got));
	}
	cr_expect_eq(ipam6_allocate(p, "full", &got, &e), -ENOSPC);
	cr_expect_eq(ipam6_release(p, "c1"), 0);
	cr_expect_eq(ipam6_allocate(p, "full", &got, &e), 0);
	cr_expect_str_eq(txt6(&got), "fd00:4::11");
	ipam6_free(p);
}

Test(ipam6, overlaps_and_network)
{
	struct in6_addr a = a6("fd00::"), b = a6("fd00::1:0"), n;

	cr_expect(ipam6_overlaps(&a, 64, &b, 112));
	cr_expect(!ipam6_overlaps(&a, 112, &b, 112));
	ipam6_network(&b, 64, &n);
	cr_expect_str_eq(txt6(&n), "fd00::");
}
