/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/container/lifecycle.h"

static void
expect_host(const char *in, const char *name, const char *addr)
{
	char n[256], a[64];
	struct err e = ERR_INIT;

	cr_assert_eq(lifecycle_extra_host_parse(in, n, a, &e), 0, "%s: %s", in, e.msg);
	cr_expect_str_eq(n, name);
	cr_expect_str_eq(a, addr);
}

static void
expect_refused(const char *in, const char *msg)
{
	char n[256], a[64];
	struct err e = ERR_INIT;

	cr_expect_eq(lifecycle_extra_host_parse(in, n, a, &e), -EINVAL, "%s", in);
	cr_expect_str_eq(e.msg, msg);
}

Test(create, extra_hosts_as_dockerd_reads_them)
{
	expect_host("foo:10.1.2.3", "foo", "10.1.2.3");
	expect_host("foo=10.1.2.3", "foo", "10.1.2.3");
	expect_host("six:::1", "six", "::1");
	expect_host("six=[2001:db8::1]", "six", "2001:db8::1");
	expect_host("gw:host-gateway", "gw", "host-gateway");
}

Test(create, extra_hosts_refused_with_dockerd_messages)
{
	expect_refused("noaddress", "bad format for add-host: \"noaddress\"");
	expect_refused(":10.1.2.3", "bad format for add-host: \":10.1.2.3\"");
	expect_refused("a:b=10.1.2.3", "bad format for add-host: \"a:b=10.1.2.3\"");
	expect_refused("bad:notanip", "invalid IP address in add-host: \"notanip\"");
	expect_refused("bad:10.1.2.3:80", "invalid IP address in add-host: \"10.1.2.3:80\"");
}
