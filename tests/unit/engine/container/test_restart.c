/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>

#include "engine/container/restart.h"

#define SEC 1000000000LL

static bool
after_exit(const char *policy, int exit_code, int count, int max, bool stopped)
{
	struct restart_facts f = {
		.policy = policy,
		.exit_code = exit_code,
		.restart_count = count,
		.max_retries = max,
		.manually_stopped = stopped,
		.ran_ns = 1 * SEC,
	};
	int64_t delay = -1;
	bool r = restart_decide(&f, &delay);

	cr_expect_geq(delay, 100, "a delay is always given on exit");
	return r;
}

static bool
at_start(const char *policy, int exit_code, bool stopped)
{
	struct restart_facts f = {
		.policy = policy,
		.exit_code = exit_code,
		.manually_stopped = stopped,
		.when = RESTART_AT_DAEMON_START,
	};
	int64_t delay = -1;
	bool r = restart_decide(&f, &delay);

	cr_expect_eq(delay, 0);
	return r;
}

Test(restart, no_policy_never_restarts)
{
	cr_expect_not(after_exit(NULL, 1, 0, 0, false));
	cr_expect_not(after_exit("no", 0, 0, 0, false));
	cr_expect_not(after_exit("no", 137, 0, 0, false));
	cr_expect_not(after_exit("", 1, 0, 0, false), "an empty policy is 'no'");
	cr_expect_not(after_exit("sometimes", 1, 0, 0, false), "an unknown policy is 'no'");
}

Test(restart, always_and_unless_stopped_restart_on_any_exit)
{
	cr_expect(after_exit("always", 0, 0, 0, false));
	cr_expect(after_exit("always", 3, 7, 0, false));
	cr_expect(after_exit("unless-stopped", 0, 0, 0, false));
	cr_expect(after_exit("unless-stopped", 137, 50, 0, false));
	cr_expect(after_exit("always", 1, 10, 2, false), "max retries only bound on-failure");
}

Test(restart, on_failure_needs_a_non_zero_exit)
{
	cr_expect_not(after_exit("on-failure", 0, 0, 0, false));
	cr_expect(after_exit("on-failure", 1, 0, 0, false));
	cr_expect(after_exit("on-failure", 137, 0, 0, false));
	cr_expect(after_exit("on-failure", -1, 0, 0, false));
}

Test(restart, on_failure_honours_max_retries)
{
	cr_expect(after_exit("on-failure", 1, 0, 3, false));
	cr_expect(after_exit("on-failure", 1, 2, 3, false));
	cr_expect_not(after_exit("on-failure", 1, 3, 3, false), "the third retry was the last");
	cr_expect_not(after_exit("on-failure", 1, 4, 3, false));
	cr_expect(after_exit("on-failure", 1, 1000, 0, false), "0 retries means no limit");
}

Test(restart, a_manual_stop_wins_on_exit)
{
	cr_expect_not(after_exit("always", 0, 0, 0, true));
	cr_expect_not(after_exit("unless-stopped", 1, 0, 0, true));
	cr_expect_not(after_exit("on-failure", 1, 0, 0, true));
}

Test(restart, a_removed_container_never_restarts)
{
	struct restart_facts f = {.policy = "always", .exit_code = 1, .removed = true};
	int64_t delay;

	cr_expect_not(restart_decide(&f, &delay));
	f.when = RESTART_AT_DAEMON_START;
	cr_expect_not(restart_decide(&f, &delay));
}

Test(restart, at_daemon_start)
{
	cr_expect(at_start("always", 0, false));
	cr_expect(at_start("always", 0, true), "always restarts with the daemon even after docker "
					       "stop");
	cr_expect(at_start("unless-stopped", 0, false));
	cr_expect_not(at_start("unless-stopped", 0, true), "unless it was stopped by hand");
	cr_expect_not(at_start("on-failure", 1, false));
	cr_expect_not(at_start("no", 1, false));
	cr_expect_not(at_start(NULL, 1, false));
}

static int64_t
delay_for(int count, int64_t ran_ns)
{
	struct restart_facts f = {.policy = "always", .restart_count = count, .ran_ns = ran_ns};
	int64_t delay = -1;

	cr_assert(restart_decide(&f, &delay));
	return delay;
}

Test(restart, back_off_doubles_up_to_a_minute)
{
	cr_expect_eq(delay_for(0, 1 * SEC), 100);
	cr_expect_eq(delay_for(1, 1 * SEC), 200);
	cr_expect_eq(delay_for(2, 1 * SEC), 400);
	cr_expect_eq(delay_for(9, 1 * SEC), 51200);
	cr_expect_eq(delay_for(10, 1 * SEC), RESTART_MAX_DELAY_MS);
	cr_expect_eq(delay_for(1000, 1 * SEC), RESTART_MAX_DELAY_MS);
	cr_expect_eq(delay_for(1 << 30, 0), RESTART_MAX_DELAY_MS, "no overflow for huge counts");
}

Test(restart, a_long_run_resets_the_back_off)
{
	cr_expect_eq(delay_for(5, 10 * SEC - 1), 3200);
	cr_expect_eq(delay_for(5, 10 * SEC), 100);
	cr_expect_eq(delay_for(50, 3600 * SEC), 100);
}

Test(restart, the_delay_is_optional)
{
	struct restart_facts f = {.policy = "on-failure", .exit_code = 2};

	cr_expect(restart_decide(&f, NULL));
}
