/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "engine/container/links.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"

static void
expect_link(const char *s, const char *name, const char *alias)
{
	_cleanup_free_ char *n = NULL, *a = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(links_parse(s, &n, &a, &e), 0, "%s: %s", s, e.msg);
	cr_expect_str_eq(n, name);
	cr_expect_str_eq(a, alias);
}

Test(links, parses_as_moby_opts_parselink)
{
	struct err e = ERR_INIT;
	char *n = NULL, *a = NULL;

	expect_link("db", "db", "db");
	expect_link("db:store", "db", "store");
	/* an inspect string sent back */
	expect_link("/db:/web/store", "db", "store");
	cr_expect_eq(links_parse("", &n, &a, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "empty string specified for links");
	cr_expect_eq(links_parse("a:b:c", &n, &a, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "bad format for links: a:b:c");
}

Test(links, own_variables_win_over_link_ones)
{
	_cleanup_strv_ char **env = NULL;
	char *link_env[] = {"DB_NAME=/web/db", "DB_PORT=tcp://10.0.0.2:5432", NULL};

	strv_append(&env, "DB_NAME=mine");
	strv_append(&env, "PATH=/bin");
	links_merge_env(&env, link_env);
	cr_assert_eq(strv_len(env), 3);
	cr_expect_str_eq(env[0], "DB_PORT=tcp://10.0.0.2:5432");
	cr_expect_str_eq(env[1], "DB_NAME=mine");
	cr_expect_str_eq(env[2], "PATH=/bin");
}
