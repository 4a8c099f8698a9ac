/* SPDX-License-Identifier: Apache-2.0 */
/* Go filepath.Match and .dockerignore rules. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build/match.h"

Test(match, go_filepath_match)
{
	cr_expect_eq(match_glob("*.txt", "a.txt"), 1);
	cr_expect_eq(match_glob("*.txt", "dir/a.txt"), 0);
	cr_expect_eq(match_glob("a?c", "abc"), 1);
	cr_expect_eq(match_glob("a?c", "a/c"), 0);
	cr_expect_eq(match_glob("[a-c]x", "bx"), 1);
	cr_expect_eq(match_glob("[^a-c]x", "bx"), 0);
	cr_expect_eq(match_glob("[!a-c]x", "dx"), 1);
	cr_expect_eq(match_glob("\\*", "*"), 1);
	cr_expect_eq(match_glob("[", "a"), -EINVAL);
	cr_expect_eq(match_glob("a[", "b"), -EINVAL);
	cr_expect_eq(match_glob("*", ""), 1);
}

/* The chunk-by-chunk matcher (Go's) answers as the backtracking one did. */
Test(match, stars_and_chunks)
{
	cr_expect_eq(match_glob("*a*b", "xaybzb"), 1);
	cr_expect_eq(match_glob("*a*b", "xaybz"), 0);
	cr_expect_eq(match_glob("a*/*b", "a/c/b"), 0);
	cr_expect_eq(match_glob("*x*", "abxcd"), 1);
	cr_expect_eq(match_glob("*.tar.gz", "a.tar.tar.gz"), 1);
	cr_expect_eq(match_glob("[]*]x", "*x"), 1); /* a leading ']' is in the class */
	cr_expect_eq(match_glob("*[", "abc"), -EINVAL);
	/* the fuzz finding: many stars against a long name, no match */
	cr_expect_eq(match_glob("*?*?**?*?*??*?kmjd", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
						      "aaaaaaaaa"),
		     0);
}

Test(match, dockerignore)
{
	const char *text = "\xef\xbb\xbf# comment\n\n*.md\n!README.md\nbuild/\n**/*.tmp\n/abs\n";
	struct ignore ig = {0};
	struct err e = ERR_INIT;

	cr_assert_eq(ignore_parse(text, strlen(text), &ig, &e), 0);
	cr_expect_eq(ig.n, 5);
	cr_expect(ignore_matches(&ig, "a.md"));
	cr_expect_not(ignore_matches(&ig, "README.md"));
	cr_expect_not(ignore_matches(&ig, "docs/a.md"));
	cr_expect(ignore_matches(&ig, "build/x/y"));
	cr_expect(ignore_matches(&ig, "a/b/c.tmp"));
	cr_expect(ignore_matches(&ig, "c.tmp"));
	cr_expect(ignore_matches(&ig, "abs"));
	cr_expect_not(ignore_matches(&ig, "Dockerfile"));
	ignore_release(&ig);
}

Test(match, dockerignore_bad_pattern)
{
	struct ignore ig = {0};
	struct err e = ERR_INIT;

	cr_expect_eq(ignore_parse("[x\n", 3, &ig, &e), -EINVAL);
}
