/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>

#include "engine/util/timeutil.h"

Test(timeutil, formats_like_go)
{
	char s[TIME_STR_MAX];
	time_format_rfc3339nano(0, s);
	cr_expect_str_eq(s, "0001-01-01T00:00:00Z");
	time_format_rfc3339nano(1700000000LL * 1000000000LL + 120000000, s);
	cr_expect_str_eq(s, "2023-11-14T22:13:20.12Z");
	time_format_rfc3339nano(1700000000LL * 1000000000LL, s);
	cr_expect_str_eq(s, "2023-11-14T22:13:20Z");
	time_format_rfc3339nano_fixed(1700000000LL * 1000000000LL + 5, s);
	cr_expect_str_eq(s, "2023-11-14T22:13:20.000000005Z");
}

Test(timeutil, parses_rfc3339_and_unix)
{
	int64_t ns;
	cr_expect_eq(time_parse_rfc3339("2023-11-14T22:13:20.12Z", &ns), 0);
	cr_expect_eq(ns, 1700000000LL * 1000000000LL + 120000000);
	cr_expect_eq(time_parse_rfc3339("2023-11-14T23:13:20+01:00", &ns), 0);
	cr_expect_eq(ns, 1700000000LL * 1000000000LL);
	cr_expect_eq(time_parse_timestamp("1700000000.5", &ns), 0);
	cr_expect_eq(ns, 1700000000LL * 1000000000LL + 500000000);
	cr_expect_eq(time_parse_timestamp("1700000000", &ns), 0);
	cr_expect_eq(time_parse_timestamp("17x", &ns), -EINVAL);
	cr_expect_eq(time_parse_rfc3339("2023-11-14 22:13:20", &ns), -EINVAL);
}

/* Found by tests/fuzz: nanoseconds overflowed, a short offset read past the end. */
Test(timeutil, refuses_what_int64_nanoseconds_cannot_hold)
{
	int64_t ns;
	cr_expect_eq(time_parse_rfc3339("226-01-01T00:00:00Z", &ns), -ERANGE);
	cr_expect_eq(time_parse_rfc3339("2263-01-01T00:00:00Z", &ns), -ERANGE);
	cr_expect_eq(time_parse_rfc3339("2262-01-01T00:00:00Z", &ns), 0);
	cr_expect_eq(time_parse_rfc3339("2023-11-14T23:13:20+1:2", &ns), -EINVAL);
	cr_expect_eq(time_parse_timestamp("1099511627776", &ns), -EINVAL);
	cr_expect_eq(time_parse_timestamp("-9223372035", &ns), 0);
}
