/* SPDX-License-Identifier: Apache-2.0 */
/* cp_clean_path: lexical clean-up of `docker cp` paths inside the container root. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/container/cp.h"

static const char *
clean(const char *in)
{
	static char buf[256];

	memset(buf, 0x5a, sizeof(buf)); /* stale bytes must never show through */
	cr_assert_eq(cp_clean_path(in, buf, sizeof(buf)), 0, "cp_clean_path(%s)", in);
	return buf;
}

Test(cp_clean_path, plain_paths)
{
	cr_assert_str_eq(clean("/etc/hostname"), "/etc/hostname");
	cr_assert_str_eq(clean("etc//hostname"), "/etc/hostname");
	cr_assert_str_eq(clean("/"), "/");
	cr_assert_str_eq(clean("/a/./b"), "/a/b");
}

Test(cp_clean_path, dot_dot)
{
	cr_assert_str_eq(clean("/tmp/../etc/hostname"), "/etc/hostname");
	cr_assert_str_eq(clean("/a/b/c/../../target"), "/a/target");
	cr_assert_str_eq(clean("/d/e/../../etc"), "/etc");
	cr_assert_str_eq(clean("/a/b/.."), "/a");
	cr_assert_str_eq(clean("/a/.."), "/");
}

Test(cp_clean_path, dot_dot_above_the_root_stays_at_the_root)
{
	cr_assert_str_eq(clean("/d/../../../../../tmp"), "/tmp");
	cr_assert_str_eq(clean("../../etc"), "/etc");
	cr_assert_str_eq(clean("/.."), "/");
}

Test(cp_clean_path, trailing_slash_and_dot_are_kept)
{
	cr_assert_str_eq(clean("/a/b/"), "/a/b/");
	cr_assert_str_eq(clean("/a/b/."), "/a/b/.");
	cr_assert_str_eq(clean("/a/b/../."), "/a/.");
	cr_assert_str_eq(clean("."), "/.");
}

Test(cp_clean_path, errors)
{
	char small[2], buf[8];

	cr_assert_eq(cp_clean_path("", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(cp_clean_path("/a", small, sizeof(small)), -ENAMETOOLONG);
	cr_assert_eq(cp_clean_path("/abcdefghijkl", buf, sizeof(buf)), -ENAMETOOLONG);
}
