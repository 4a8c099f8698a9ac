/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hold-until-attached handshake against a fake shim: attach sockets are
 * socketpairs, and the "process" writes its first output once, when the
 * holder releases it; like the real shim, output goes only to the attachers
 * connected at that moment. A test passes when every early attacher sees
 * that first output.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/container/hold.h"
#include "engine/util/timeutil.h"

#define FIRST "first\n"
#define MAX_ATTACHERS 4

struct fake_shim {
	pthread_mutex_t mu;
	int ends[MAX_ATTACHERS];	/* the shim's side of each attach socket */
	size_t n;
	bool released;
};

static struct fake_shim shim = {.mu = PTHREAD_MUTEX_INITIALIZER};
static struct hold h;

static void
setup(void)
{
	hold_init(&h);
}

static void
teardown(void)
{
	for (size_t i = 0; i < shim.n; i++)
		close(shim.ends[i]);
	hold_release(&h);
}

/* An attach client connects: returns its end of the socket. */
static int
fake_shim_attach(void)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pthread_mutex_lock(&shim.mu);
	cr_assert_lt(shim.n, MAX_ATTACHERS);
	shim.ends[shim.n++] = sv[0];
	if (shim.released)
		shutdown(sv[0], SHUT_WR); /* no more output in these tests */
	pthread_mutex_unlock(&shim.mu);
	return sv[1];
}

/* The held process runs: its first output reaches the attachers there now. */
static void
fake_shim_release(void)
{
	pthread_mutex_lock(&shim.mu);
	shim.released = true;
	for (size_t i = 0; i < shim.n; i++)
		cr_assert_eq(write(shim.ends[i], FIRST, strlen(FIRST)), (ssize_t)strlen(FIRST));
	for (size_t i = 0; i < shim.n; i++)
		shutdown(shim.ends[i], SHUT_WR);
	pthread_mutex_unlock(&shim.mu);
}

/* A start as lifecycle_start does it; @fail: the process could not be created. */
static int
fake_start(bool fail, int64_t wait_ns)
{
	bool held = hold_arm(&h);
	int r = 0;

	if (fail) {
		hold_cancel(&h);
		return -ENOENT;
	}
	hold_open(&h);
	if (held)
		r = hold_wait(&h, time_mono_ns() + wait_ns);
	fake_shim_release();
	return r;
}

struct attacher {
	uint64_t ticket;
	bool (*cancelled)(void *ud);
	int await_result;
	char got[32];
};

static void *
attacher_main(void *p)
{
	struct attacher *a = p;
	ssize_t n, len = 0;
	int fd;

	a->await_result = hold_await(&h, a->ticket, a->cancelled, a);
	if (a->await_result < 0)
		return NULL;
	fd = fake_shim_attach();
	hold_leave(&h);
	while ((n = read(fd, a->got + len, sizeof(a->got) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	return NULL;
}

TestSuite(hold, .init = setup, .fini = teardown, .timeout = 30);

Test(hold, attachers_before_the_start_see_the_first_output)
{
	struct attacher a[3] = {0};
	pthread_t th[3];

	for (size_t i = 0; i < 3; i++) {
		a[i].ticket = hold_enter(&h);
		cr_assert_eq(pthread_create(&th[i], NULL, attacher_main, &a[i]), 0);
	}
	/* generous deadline: the start must be released by the attachers, not by it */
	cr_expect_eq(fake_start(false, 30LL * 1000 * 1000 * 1000), 0);
	for (size_t i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(a[i].await_result, 0);
		cr_expect_str_eq(a[i].got, FIRST, "attacher %zu", i);
	}
	cr_expect_eq(h.pending, 0);
}

Test(hold, start_without_attachers_is_not_held)
{
	cr_expect_not(hold_arm(&h));
	hold_open(&h);
	cr_expect_eq(hold_wait(&h, time_mono_ns()), 0);
}

Test(hold, attacher_after_the_start_connects_at_once)
{
	struct attacher a = {0};
	pthread_t th;

	cr_expect_eq(fake_start(false, 0), 0); /* nobody waited: released at once */
	cr_expect(shim.released);
	a.ticket = hold_enter(&h);
	cr_assert_eq(pthread_create(&th, NULL, attacher_main, &a), 0);
	pthread_join(th, NULL);
	cr_expect_eq(a.await_result, 0);
	cr_expect_str_eq(a.got, ""); /* the first output went by before it came */
	cr_expect_eq(h.pending, 0);
}

Test(hold, deadline_fires_when_an_attacher_never_connects)
{
	int64_t start = time_mono_ns(), wait = 200LL * 1000 * 1000;

	(void)hold_enter(&h); /* a stuck client: registered, never connects */
	cr_expect(hold_arm(&h));
	hold_open(&h);
	cr_expect_eq(hold_wait(&h, start + wait), -ETIMEDOUT);
	/* a CLOCK_REALTIME wait on this monotonic deadline would return at once */
	cr_expect_geq(time_mono_ns() - start, wait);
}

Test(hold, failed_start_cancels_waiting_attachers)
{
	struct attacher a = {0};
	pthread_t th;

	a.ticket = hold_enter(&h);
	cr_assert_eq(pthread_create(&th, NULL, attacher_main, &a), 0);
	cr_expect_eq(fake_start(true, 0), -ENOENT);
	pthread_join(th, NULL);
	cr_expect_eq(a.await_result, -ESRCH);
	cr_expect_eq(h.pending, 0);
	cr_expect_not(hold_arm(&h)); /* the next start is not held for it */
}

Test(hold, run_ended_before_the_await_is_stale)
{
	uint64_t t = hold_enter(&h);

	hold_open(&h);
	hold_cancel(&h); /* exited (or removed) before the attacher looked */
	cr_expect_eq(hold_await(&h, t, NULL, NULL), -ESRCH);
	cr_expect_eq(h.pending, 0);
}

static bool
give_up(void *ud)
{
	(void)ud;
	return true;
}

Test(hold, cancelled_attacher_leaves)
{
	uint64_t t = hold_enter(&h);

	cr_expect(hold_arm(&h));
	cr_expect_eq(hold_await(&h, t, give_up, NULL), -ECANCELED);
	cr_expect_eq(h.pending, 0);
	cr_expect_eq(hold_wait(&h, time_mono_ns()), 0);
}

Test(hold, attacher_for_the_next_run_holds_it)
{
	struct attacher a = {0};
	pthread_t th;

	cr_expect_eq(fake_start(false, 0), 0);
	hold_cancel(&h); /* that run exited */
	shim.released = false;
	a.ticket = hold_enter(&h);
	cr_assert_eq(pthread_create(&th, NULL, attacher_main, &a), 0);
	cr_expect_eq(fake_start(false, 30LL * 1000 * 1000 * 1000), 0);
	pthread_join(th, NULL);
	cr_expect_eq(a.await_result, 0);
	cr_expect_str_eq(a.got, FIRST);
}
