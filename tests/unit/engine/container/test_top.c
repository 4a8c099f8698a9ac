/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>

#include "engine/container/top.h"

Test(top, parse_ps_keeps_container_rows)
{
	const char out[] = "USER PID %CPU COMMAND\n"
			   "root 1 0.0 /sbin/init splash\n"
			   "root 42 1.5 sleep 100\n"
			   "garbage\n"
			   "root 43 0.0 sh -c echo  two  spaces\n";
	pid_t pids[] = { 42, 43 };
	struct top_result t = {0};
	struct err e = ERR_INIT;

	cr_assert_eq(top_parse_ps(out, pids, 2, &t, &e), 0, "%s", e.msg);
	cr_assert_eq(t.n_rows, 2);
	cr_expect_str_eq(t.titles[3], "COMMAND");
	cr_expect_str_eq(t.rows[0][1], "42");
	cr_expect_str_eq(t.rows[0][3], "sleep 100");
	cr_expect_str_eq(t.rows[1][3], "sh -c echo  two  spaces");
	top_result_release(&t);
}

Test(top, parse_ps_without_pid_column_fails)
{
	pid_t pids[] = { 1 };
	struct top_result t = {0};
	struct err e = ERR_INIT;

	cr_expect_eq(top_parse_ps("USER CMD\nroot x\n", pids, 1, &t, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "Couldn't find PID field in ps output");
	cr_expect_eq(top_parse_ps("", pids, 1, &t, &e), -EINVAL);
}
