/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util/idmap.h"

Test(idmap, subid_ranges_of_name_or_id_in_file_order)
{
	struct idmap_side s = {0};
	const char *text = "other:10:5\nberth:100000:65536\nbad line\n997:300000:10\n";
	char *t;

	cr_assert_eq(idmap_parse_subid(text, "berth", 997, &s), 2);
	cr_expect_eq(s.r[0].container, 0);
	cr_expect_eq(s.r[0].host, 100000);
	cr_expect_eq(s.r[1].container, 65536);
	cr_expect_eq(s.r[1].host, 300000);
	t = idmap_format(&s);
	cr_expect_str_eq(t, "0 100000 65536\n65536 300000 10\n");
	free(t);
}

Test(idmap, translates_both_ways_and_overflows_unmapped)
{
	struct idmap_side s = {.r = {{0, 100000, 65536}}, .n = 1};
	struct idmap_side none = {0};

	cr_expect_eq(idmap_to_host(&s, 0), 100000);
	cr_expect_eq(idmap_to_host(&s, 1000), 101000);
	cr_expect_eq(idmap_to_host(&s, 70000), 65534);
	cr_expect_eq(idmap_to_container(&s, 100005), 5);
	cr_expect_eq(idmap_to_container(&s, 0), 65534);
	cr_expect_eq(idmap_to_host(&none, 7), 7);
	cr_expect_eq(idmap_to_container(&none, 7), 7);
}

Test(idmap, refuses_empty_or_overflowing_ranges)
{
	struct idmap_side s = {0};

	cr_expect_eq(idmap_parse_subid("berth:100000:0\n", "berth", 1, &s), -EINVAL);
	cr_expect_eq(idmap_parse_subid("berth:4294967295:2\n", "berth", 1, &s), -EINVAL);
	cr_expect_eq(idmap_parse_subid("nobody:1:1\n", "berth", 1, &s), 0);
}
