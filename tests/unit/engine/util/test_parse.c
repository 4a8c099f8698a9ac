/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>

#include "engine/util/parse.h"

Test(parse, int64_whole_string_and_range)
{
	int64_t v = 0;
	cr_expect_eq(parse_int64("42", 0, 100, &v), 0);
	cr_expect_eq(v, 42);
	cr_expect_eq(parse_int64("-7", -10, 10, &v), 0);
	cr_expect_eq(v, -7);
	cr_expect_eq(parse_int64("42x", 0, 100, &v), -EINVAL);
	cr_expect_eq(parse_int64("", 0, 100, &v), -EINVAL);
	cr_expect_eq(parse_int64(" 1", 0, 100, &v), -EINVAL);
	cr_expect_eq(parse_int64("101", 0, 100, &v), -ERANGE);
	cr_expect_eq(parse_int64("99999999999999999999999", 0, INT64_MAX, &v), -ERANGE);
}

Test(parse, uint64_refuses_sign)
{
	uint64_t v;
	cr_expect_eq(parse_uint64("-1", UINT64_MAX, &v), -EINVAL);
	cr_expect_eq(parse_uint64("+1", UINT64_MAX, &v), -EINVAL);
	cr_expect_eq(parse_uint64("18446744073709551615", UINT64_MAX, &v), 0);
}

Test(parse, docker_bool_rule)
{
	cr_expect(parse_docker_bool("1", false));
	cr_expect(parse_docker_bool("True", false));
	cr_expect(parse_docker_bool("yes", false));
	cr_expect_not(parse_docker_bool("", true));
	cr_expect_not(parse_docker_bool(" 0 ", true));
	cr_expect_not(parse_docker_bool("FALSE", true));
	cr_expect_not(parse_docker_bool("none", true));
	cr_expect_not(parse_docker_bool("no", true));
	cr_expect(parse_docker_bool(NULL, true));
	cr_expect_not(parse_docker_bool(NULL, false));
}

Test(parse, sizes)
{
	int64_t v;
	cr_expect_eq(parse_size("64m", &v), 0);
	cr_expect_eq(v, 64 * 1024 * 1024);
	cr_expect_eq(parse_size("1g", &v), 0);
	cr_expect_eq(v, 1024LL * 1024 * 1024);
	cr_expect_eq(parse_size("100", &v), 0);
	cr_expect_eq(v, 100);
	cr_expect_eq(parse_size("10q", &v), -EINVAL);
	cr_expect_eq(parse_size("-1", &v), -EINVAL);
}

Test(parse, hex)
{
	cr_expect(str_is_hex("abc123", 0));
	cr_expect(str_is_hex("abc123", 6));
	cr_expect_not(str_is_hex("abc123", 5));
	cr_expect_not(str_is_hex("ABC", 0));
	cr_expect_not(str_is_hex("", 0));
}

Test(parse, go_duration_range)
{
	int64_t v = 0;

	cr_expect_eq(parse_go_duration("1h30m", &v), 0);
	cr_expect_eq(v, 5400LL * 1000000000LL);
	cr_expect_eq(parse_go_duration("2562047h", &v), 0); /* just under int64 ns */
	/* found by the filters fuzz target in CI: a double past int64 was converted (UB) */
	cr_expect_eq(parse_go_duration("000000000000000000143797583h", &v), -ERANGE);
	cr_expect_eq(parse_go_duration("2562048h", &v), -ERANGE);
	cr_expect_eq(parse_go_duration("2562047h2562047h", &v), -ERANGE);
}
