/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

Test(netdef, ipv6_part_of_a_record_round_trips)
{
	char dir[] = "/tmp/berth-test-netdef-XXXXXX";
	struct netdef d = {0}, back = {0};
	struct err e = ERR_INIT;
	char text[INET6_ADDRSTRLEN], name[] = "v6net", range[] = "fd00:9::100/120";

	cr_assert_not_null(mkdtemp(dir));
	snprintf(d.id, sizeof(d.id), "%064d", 7);
	d.name = name;
	snprintf(d.driver, sizeof(d.driver), "bridge");
	snprintf(d.bridge, sizeof(d.bridge), "br-000000000007");
	inet_pton(AF_INET, "10.9.0.0", &d.subnet);
	inet_pton(AF_INET, "10.9.0.1", &d.gateway);
	d.prefix = 24;
	d.aux = json_object();
	d.labels = json_object();
	d.options = json_object();
	d.ipv6 = true;
	inet_pton(AF_INET6, "fd00:9::", &d.subnet6);
	inet_pton(AF_INET6, "fd00:9::1", &d.gateway6);
	d.prefix6 = 64;
	d.ip_range6 = range;
	d.aux6 = json_pack("{s:s}", "x", "fd00:9::5");
	cr_assert_eq(netdef_save(dir, &d), 0);
	cr_assert_eq(netdef_load(dir, d.id, &back, &e), 0, "%s", e.msg);
	cr_expect(back.ipv6);
	cr_expect_eq(back.prefix6, 64);
	cr_expect_str_eq(inet_ntop(AF_INET6, &back.gateway6, text, sizeof(text)), "fd00:9::1");
	cr_expect_str_eq(back.ip_range6, "fd00:9::100/120");
	cr_expect_str_eq(json_string_value(json_object_get(back.aux6, "x")), "fd00:9::5");
	netdef_release(&back);
	json_decref(d.aux);
	json_decref(d.labels);
	json_decref(d.options);
	json_decref(d.aux6);
	(void)netdef_remove(dir, d.id);
	(void)rmdir(dir);
}
