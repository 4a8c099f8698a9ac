/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/network/ipam.h"
#include "engine/util/fs.h"

static char dir[] = "/tmp/berth-test-ipam-XXXXXX";
static char path[128];

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ipam.json", dir);
}

static void
teardown(void)
{
	fs_rm_rf(dir);
}

static const char *
txt(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];
	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

TestSuite(ipam, .init = setup, .fini = teardown);

Test(ipam, parse_cidr_strict)
{
	struct in_addr a;
	int p;
	cr_expect_eq(ipam_parse_cidr("10.88.0.1/16", &a, &p), 0);
	cr_expect_eq(p, 16);
	cr_expect_str_eq(txt(a), "10.88.0.1");
	cr_expect_eq(ipam_parse_cidr("10.88.0.1", &a, &p), -EINVAL);
	cr_expect_eq(ipam_parse_cidr("10.88.0.1/33", &a, &p), -EINVAL);
	cr_expect_eq(ipam_parse_cidr("10.88.0.1/", &a, &p), -EINVAL);
	cr_expect_eq(ipam_parse_cidr("10.88.0.1/016", &a, &p), -EINVAL);
	cr_expect_eq(ipam_parse_cidr("010.88.0.1/16", &a, &p), -EINVAL);
	cr_expect_eq(ipam_parse_cidr("10.88.1/16", &a, &p), -EINVAL);
	cr_expect_eq(ipam_parse_cidr(" 10.88.0.1/16", &a, &p), -EINVAL);
	cr_expect_eq(ipam_parse_cidr("10.88.0.1/16 ", &a, &p), -EINVAL);
}

Test(ipam, rejects_bad_pools)
{
	struct ipam *p = NULL;
	struct err e = ERR_INIT;
	cr_expect_eq(ipam_open(path, "10.0.0.0/24", &p, &e), -EINVAL);   /* network address */
	cr_expect_eq(ipam_open(path, "10.0.0.255/24", &p, &e), -EINVAL); /* broadcast */
	cr_expect_eq(ipam_open(path, "10.0.0.1/31", &p, &e), -EINVAL);
	cr_expect_eq(ipam_open(path, "10.0.0.1/7", &p, &e), -EINVAL);
	cr_expect_eq(ipam_open(path, "nonsense", &p, &e), -EINVAL);
	cr_expect_null(p);
}

Test(ipam, allocates_skipping_gateway_and_is_idempotent)
{
	struct ipam *p = NULL;
	struct err e = ERR_INIT;
	struct in_addr a, b, again;
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &p, &e), 0, "%s", e.msg);
	cr_expect_str_eq(txt(ipam_subnet(p)), "10.1.2.0");
	cr_expect_str_eq(txt(ipam_gateway(p)), "10.1.2.1");
	cr_assert_eq(ipam_allocate(p, "aaa", &a, &e), 0);
	cr_expect_str_eq(txt(a), "10.1.2.2");
	cr_assert_eq(ipam_allocate(p, "bbb", &b, &e), 0);
	cr_expect_str_eq(txt(b), "10.1.2.3");
	cr_assert_eq(ipam_allocate(p, "aaa", &again, &e), 0);
	cr_expect_eq(again.s_addr, a.s_addr);
	cr_expect_eq(ipam_count(p), 2);
	ipam_free(p);
}

Test(ipam, round_robin_after_release)
{
	struct ipam *p = NULL;
	struct err e = ERR_INIT;
	struct in_addr a;
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &p, &e), 0);
	cr_assert_eq(ipam_allocate(p, "a", &a, &e), 0);
	cr_assert_eq(ipam_release(p, "a"), 0);
	cr_assert_eq(ipam_allocate(p, "b", &a, &e), 0);
	cr_expect_str_eq(txt(a), "10.1.2.3"); /* .2 is not reused at once */
	cr_expect_eq(ipam_release(p, "nobody"), 0);
	ipam_free(p);
}

Test(ipam, full_pool_is_enospc)
{
	struct ipam *p = NULL;
	struct err e = ERR_INIT;
	struct in_addr a;
	cr_assert_eq(ipam_open(path, "10.1.2.1/30", &p, &e), 0);
	cr_assert_eq(ipam_allocate(p, "a", &a, &e), 0); /* the only host besides the gateway */
	cr_expect_str_eq(txt(a), "10.1.2.2");
	cr_expect_eq(ipam_allocate(p, "b", &a, &e), -ENOSPC);
	ipam_free(p);
}

Test(ipam, persists_across_reopen)
{
	struct ipam *p = NULL;
	struct err e = ERR_INIT;
	struct in_addr a, b;
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &p, &e), 0);
	cr_assert_eq(ipam_allocate(p, "a", &a, &e), 0);
	ipam_free(p);
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &p, &e), 0, "%s", e.msg);
	cr_expect(ipam_lookup(p, "a", &b));
	cr_expect_eq(a.s_addr, b.s_addr);
	cr_assert_eq(ipam_allocate(p, "c", &b, &e), 0);
	cr_expect_neq(a.s_addr, b.s_addr);
	ipam_free(p);
	/* Another subnet: the old state is discarded, not misapplied. */
	cr_assert_eq(ipam_open(path, "10.9.0.1/24", &p, &e), 0);
	cr_expect_eq(ipam_count(p), 0);
	ipam_free(p);
}

static bool
keep_a(const char *owner, void *data)
{
	(void)data;
	return strcmp(owner, "a") == 0;
}

Test(ipam, release_unless_keeps_live)
{
	struct ipam *p = NULL;
	struct err e = ERR_INIT;
	struct in_addr a;
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &p, &e), 0);
	cr_assert_eq(ipam_allocate(p, "a", &a, &e), 0);
	cr_assert_eq(ipam_allocate(p, "b", &a, &e), 0);
	cr_assert_eq(ipam_allocate(p, "c", &a, &e), 0);
	cr_expect_eq(ipam_release_unless(p, keep_a, NULL), 2);
	cr_expect_eq(ipam_count(p), 1);
	cr_expect(ipam_lookup(p, "a", &a));
	ipam_free(p);
}

Test(ipam, hostile_state_and_owners)
{
	struct ipam *p = NULL;
	struct err e = ERR_INIT;
	struct in_addr a;
	const char *bad[] = {
		"not json",
		"[]",
		"{\"subnet\":\"10.1.2.0/24\",\"allocations\":[]}",
		"{\"subnet\":\"10.1.2.0/24\",\"allocations\":{\"10.1.3.5\":\"x\"}}",
		"{\"subnet\":\"10.1.2.0/24\",\"allocations\":{\"10.1.2.1\":\"x\"}}",
		"{\"subnet\":\"10.1.2.0/24\",\"allocations\":{\"10.1.2.255\":\"x\"}}",
		"{\"subnet\":\"10.1.2.0/24\",\"allocations\":{\"10.1.2.9\":\"../x\"}}",
		"{\"subnet\":\"10.1.2.0/24\",\"allocations\":{\"10.1.2.9\":7}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(fs_write_atomic(path, bad[i], strlen(bad[i]), 0600), 0);
		cr_expect_eq(ipam_open(path, "10.1.2.1/24", &p, &e), -EINVAL, "case %zu", i);
	}
	unlink(path);
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &p, &e), 0);
	cr_expect_eq(ipam_allocate(p, "", &a, &e), -EINVAL);
	cr_expect_eq(ipam_allocate(p, "a/b", &a, &e), -EINVAL);
	ipam_free(p);
}

Test(ipam, static_address)
{
	struct ipam *p = NULL, *again = NULL;
	struct err e = ERR_INIT;
	struct in_addr a, got;

	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &p, &e), 0, "%s", e.msg);
	inet_pton(AF_INET, "10.1.2.50", &a);
	cr_expect_eq(ipam_allocate_addr(p, "c1", a, &e), 0, "%s", e.msg);
	cr_expect_eq(ipam_allocate_addr(p, "c1", a, &e), 0); /* idempotent */
	cr_expect_eq(ipam_allocate_addr(p, "c2", a, &e), -EADDRINUSE);
	cr_expect_str_eq(e.msg, "Address already in use");
	inet_pton(AF_INET, "10.1.3.50", &a);
	cr_expect_eq(ipam_allocate_addr(p, "c3", a, &e), -EINVAL); /* outside the subnet */
	inet_pton(AF_INET, "10.1.2.1", &a);
	cr_expect_eq(ipam_allocate_addr(p, "c3", a, &e), -EINVAL); /* the gateway */
	inet_pton(AF_INET, "10.1.2.255", &a);
	cr_expect_eq(ipam_allocate_addr(p, "c3", a, &e), -EINVAL); /* broadcast */
	inet_pton(AF_INET, "10.1.2.50", &a);
	cr_expect(ipam_contains(p, a));
	/* Survives a reload, and dynamic allocation steps over it. */
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &again, &e), 0, "%s", e.msg);
	cr_expect(ipam_lookup(again, "c1", &got));
	cr_expect_eq(got.s_addr, a.s_addr);
	ipam_free(again);
	ipam_free(p);
}

/* Deferred: a change reaches the file with ipam_sync, which writes the
 * newest state once for all the changes recorded before it. */
Test(ipam, deferred_changes_written_by_sync)
{
	struct ipam *p = NULL, *q = NULL;
	struct err e = ERR_INIT;
	struct in_addr a, b, got;

	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &p, &e), 0);
	ipam_set_deferred(p, true);
	cr_assert_eq(ipam_allocate(p, "a", &a, &e), 0);
	cr_assert_eq(ipam_allocate(p, "b", &b, &e), 0);
	cr_expect_eq(access(path, F_OK), -1, "nothing written before the sync");
	cr_assert_eq(ipam_sync(p), 0);
	cr_assert_eq(ipam_sync(p), 0); /* nothing new: no write */
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &q, &e), 0, "%s", e.msg);
	cr_expect(ipam_lookup(q, "a", &got) && got.s_addr == a.s_addr);
	cr_expect(ipam_lookup(q, "b", &got) && got.s_addr == b.s_addr);
	ipam_free(q);
	cr_assert_eq(ipam_release(p, "a"), 0);
	cr_assert_eq(ipam_sync(p), 0);
	cr_assert_eq(ipam_open(path, "10.1.2.1/24", &q, &e), 0, "%s", e.msg);
	cr_expect(!ipam_lookup(q, "a", &got));
	cr_expect(ipam_lookup(q, "b", &got));
	ipam_free(q);
	ipam_free(p);
}
