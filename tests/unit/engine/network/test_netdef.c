/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>

#include "engine/network/netdef.h"

static void
expect_pool(const char *s, const char *base, int prefix, int size)
{
	struct netdef_pool p;
	struct err e = ERR_INIT;
	char text[INET_ADDRSTRLEN];

	cr_assert_eq(netdef_parse_pool(s, &p, &e), 0, "%s: %s", s, e.msg);
	inet_ntop(AF_INET, &p.base, text, sizeof(text));
	cr_expect_str_eq(text, base);
	cr_expect_eq(p.prefix, prefix);
	cr_expect_eq(p.size, size);
}

static void
expect_refused(const char *s, const char *msg)
{
	struct netdef_pool p;
	struct err e = ERR_INIT;

	cr_assert_eq(netdef_parse_pool(s, &p, &e), -EINVAL, "%s accepted", s);
	cr_expect_str_eq(e.msg, msg);
}

Test(netdef, parses_address_pools)
{
	expect_pool("base=10.10.0.0/16,size=24", "10.10.0.0", 16, 24);
	expect_pool("size=20,base=192.168.0.0/16", "192.168.0.0", 16, 20);
	/* host bits are cleared, as Go's net.ParseCIDR does */
	expect_pool("base=10.10.3.4/16,size=16", "10.10.0.0", 16, 16);
}

Test(netdef, refuses_bad_pools)
{
	expect_refused("base=10.10.0.0/16,size=8", "invalid pools size: 8");
	expect_refused("base=10.10.0.0/16", "invalid pools size: 0");
	expect_refused("base=10.10.0.0/16,size=31", "invalid pools size: 31 (berth's networks need "
						    "/30 or larger)");
	expect_refused("base=10.10.0.0/16,size=x", "invalid size value: x");
	expect_refused("base=nonsense,size=24", "invalid base pool \"nonsense\": invalid CIDR "
						"address: nonsense");
	expect_refused("base=10.0.0.0/8,sz=3", "unexpected key 'sz' in 'base=10.0.0.0/8,sz=3'");
	expect_refused("10.0.0.0/8", "invalid field '10.0.0.0/8' must be a key=value pair");
	expect_refused("size=24", "invalid default address pool 'size=24': no base");
}
