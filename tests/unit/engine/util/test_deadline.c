/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>

#include "engine/util/deadline.h"
#include "engine/util/thread.h"
#include "engine/util/timeutil.h"

Test(deadline, never_is_never_passed)
{
	struct deadline d = deadline_in_ms(-1);

	cr_expect_eq(d.at_ns, DEADLINE_NEVER.at_ns);
	cr_expect_not(deadline_passed(d));
	cr_expect_eq(deadline_remaining_ms(d), -1);
}

Test(deadline, remaining_rounds_up_and_clamps_at_zero)
{
	struct deadline d = deadline_in_ms(5000);
	int left = deadline_remaining_ms(d);

	cr_expect(left > 4000 && left <= 5000, "left %d", left);
	cr_expect_not(deadline_passed(d));
	d = deadline_in_ms(0);
	cr_expect_eq(deadline_remaining_ms(d), 0);
	cr_expect(deadline_passed(d));
	d.at_ns = time_mono_ns() + 1;	/* 1 ns still to go is 1 ms for poll() */
	cr_expect(deadline_remaining_ms(d) <= 1);
}

Test(deadline, huge_timeouts_do_not_overflow)
{
	cr_expect_eq(deadline_in_ms(INT64_MAX).at_ns, DEADLINE_NEVER.at_ns);
	cr_expect_eq(deadline_remaining_ms((struct deadline){ .at_ns = INT64_MAX - 1 }),
		     INT32_MAX);
}

Test(deadline, timed_wait_times_out_on_the_monotonic_clock)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv;
	struct deadline d;
	int64_t start = time_mono_ns();
	int r = 0;

	cr_assert_eq(deadline_cond_init(&cv), 0);
	d = deadline_in_ms(50);
	pthread_mutex_lock(&mu);
	while (r == 0)
		r = deadline_cond_wait(&cv, &mu, d);
	pthread_mutex_unlock(&mu);
	cr_expect_eq(r, -ETIMEDOUT);
	cr_expect(time_mono_ns() - start >= 50 * 1000000LL);
	cr_expect(deadline_passed(d));
	pthread_cond_destroy(&cv);
}

struct flag {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool set;
};

static void *
set_flag(void *arg)
{
	struct flag *f = arg;

	pthread_mutex_lock(&f->mu);
	f->set = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

Test(deadline, wait_is_woken_by_a_detached_thread)
{
	static struct flag f = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct deadline d = deadline_in_ms(10 * 1000);
	int r = 0;

	cr_assert_eq(deadline_cond_init(&f.cv), 0);
	cr_assert_eq(thread_spawn_detached(set_flag, &f, 64 * 1024), 0);
	pthread_mutex_lock(&f.mu);
	while (!f.set && r == 0)
		r = deadline_cond_wait(&f.cv, &f.mu, d);
	pthread_mutex_unlock(&f.mu);
	cr_expect_eq(r, 0);
	cr_expect(f.set);
}
