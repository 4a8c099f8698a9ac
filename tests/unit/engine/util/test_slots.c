/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "engine/util/slots.h"
#include "engine/util/timeutil.h"

struct waiter {
	struct slots *s;
	atomic_bool cancel;
	atomic_int result;
	atomic_bool done;
	bool waited;
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->result, slots_acquire(w->s, &w->cancel, &w->waited));
	atomic_store(&w->done, true);
	return NULL;
}

static void
until_waiting(struct slots *s, unsigned n)
{
	unsigned used, waiting;
	int64_t end = time_mono_ns() + 5000000000LL;

	do {
		slots_counts(s, &used, &waiting);
		if (waiting == n)
			return;
		struct timespec ts = {.tv_nsec = 1000000};
		nanosleep(&ts, NULL);
	} while (time_mono_ns() < end);
	cr_assert_fail("never %u waiting", n);
}

static void
until_done(struct waiter *w)
{
	int64_t end = time_mono_ns() + 5000000000LL;

	while (!atomic_load(&w->done) && time_mono_ns() < end) {
		struct timespec ts = {.tv_nsec = 1000000};
		nanosleep(&ts, NULL);
	}
	cr_assert(atomic_load(&w->done));
}

Test(slots, excess_waits_for_a_release)
{
	struct slots s;
	struct waiter w = {.s = &s};
	pthread_t th;
	bool waited = true;
	unsigned used, waiting;

	slots_init(&s, 2);
	cr_assert_eq(slots_acquire(&s, NULL, &waited), 0);
	cr_assert_not(waited);
	cr_assert_eq(slots_acquire(&s, NULL, NULL), 0);
	pthread_create(&th, NULL, waiter_main, &w);
	until_waiting(&s, 1);
	cr_assert_not(atomic_load(&w.done), "the third waits while two are held");
	slots_release(&s);
	until_done(&w);
	pthread_join(th, NULL);
	cr_assert_eq(atomic_load(&w.result), 0);
	cr_assert(w.waited);
	slots_counts(&s, &used, &waiting);
	cr_assert_eq(used, 2);
	cr_assert_eq(waiting, 0);
	slots_release(&s);
	slots_release(&s);
	slots_release_all(&s);
}

Test(slots, cancel_and_close_end_a_wait)
{
	struct slots s;
	struct waiter w1 = {.s = &s}, w2 = {.s = &s};
	pthread_t t1, t2;

	slots_init(&s, 1);
	cr_assert_eq(slots_acquire(&s, NULL, NULL), 0);
	pthread_create(&t1, NULL, waiter_main, &w1);
	pthread_create(&t2, NULL, waiter_main, &w2);
	until_waiting(&s, 2);
	atomic_store(&w1.cancel, true);
	until_done(&w1);
	cr_assert_eq(atomic_load(&w1.result), -ECANCELED);
	slots_close(&s);
	until_done(&w2);
	cr_assert_eq(atomic_load(&w2.result), -ECANCELED);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	slots_release(&s);
	slots_release_all(&s);
}

Test(slots, zero_means_one)
{
	struct slots s;
	unsigned used, waiting;

	slots_init(&s, 0);
	cr_assert_eq(s.max, 1);
	cr_assert_eq(slots_acquire(&s, NULL, NULL), 0);
	slots_counts(&s, &used, &waiting);
	cr_assert_eq(used, 1);
	slots_release(&s);
	slots_release_all(&s);
}
