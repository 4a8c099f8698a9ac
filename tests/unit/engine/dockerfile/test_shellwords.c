#define _GNU_SOURCE
/* SPDX-License-Identifier: Apache-2.0 */
/* Variable substitution in Dockerfile words (moby's shell lexer). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dockerfile/shellwords.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"

static char *env[] = { "A=apple", "B=", "SP=x y", "A2=second", "A=last", NULL };

static void
expect_word(const char *in, const char *out)
{
	_cleanup_free_ char *got = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(shellwords_expand(in, '\\', env, &got, &e), 0, "%s: %s", in, e.msg);
	cr_expect_str_eq(got, out, "expanding %s", in);
}

Test(shellwords, forms)
{
	expect_word("$A", "last");
	expect_word("${A}x", "lastx");
	expect_word("${NOPE:-def}", "def");
	expect_word("${B:-def}", "def");
	expect_word("${B-def}", "");
	expect_word("${A:+alt}", "alt");
	expect_word("${B:+alt}", "");
	expect_word("${B+alt}", "alt");
	expect_word("'$A'", "$A");
	expect_word("\"$A b\"", "last b");
	expect_word("\\$A", "$A");
	expect_word("a\\ b", "a b");
	expect_word("$", "$");
	expect_word("$1x", "x");
	expect_word("${NOPE:-${A}}", "last");
	expect_word("\"a\\\"b\"", "a\"b");
}

Test(shellwords, backtick_escape)
{
	_cleanup_free_ char *got = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(shellwords_expand("C:\\dir `$A", '`', env, &got, &e), 0);
	cr_expect_str_eq(got, "C:\\dir $A");
}

Test(shellwords, split)
{
	_cleanup_strv_ char **w = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(shellwords_expand_split("a $SP \"q r\" ''", '\\', env, &w, &e), 0);
	cr_assert_eq(strv_len(w), 5);
	cr_expect_str_eq(w[1], "x");
	cr_expect_str_eq(w[2], "y");
	cr_expect_str_eq(w[3], "q r");
	cr_expect_str_eq(w[4], "");
}

Test(shellwords, errors)
{
	char *got = NULL;
	struct err e = ERR_INIT;

	cr_expect_eq(shellwords_expand("'open", '\\', env, &got, &e), -EINVAL);
	cr_expect_eq(shellwords_expand("\"open", '\\', env, &got, &e), -EINVAL);
	cr_expect_eq(shellwords_expand("${A", '\\', env, &got, &e), -EINVAL);
	cr_expect_eq(shellwords_expand("${A:%x}", '\\', env, &got, &e), -EINVAL);
	cr_expect_eq(shellwords_expand("${NOPE:?must be set}", '\\', env, &got, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "NOPE: must be set");
	cr_expect_null(got);
}

Test(shellwords, bounded_growth)
{
	/* A value doubled repeatedly through nested defaults stays bounded. */
	static char big[LIMIT_BUILD_WORD / 2 + 16];
	memset(big, 'x', sizeof(big) - 1);
	char *kv = NULL;
	cr_assert(asprintf(&kv, "X=%s", big) > 0);
	char *e2[] = { kv, NULL };
	char *got = NULL;
	struct err e = ERR_INIT;
	cr_expect_eq(shellwords_expand("$X$X$X", '\\', e2, &got, &e), -E2BIG);
	free(kv);
}
