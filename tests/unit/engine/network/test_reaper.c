/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "engine/network/ipam.h"
#include "engine/network/network_internal.h"
#include "engine/network/reaper.h"
#include "engine/util/buf.h"
#include "engine/util/fs.h"

static char dir[] = "/tmp/berth-test-reaper-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	fs_rm_rf(dir);
}

TestSuite(reaper, .init = setup, .fini = teardown);

/* An address given back by a job is free, and on disk, once reaper_wait returns. */
Test(reaper, wait_returns_after_release_is_saved)
{
	static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct network_state net = {0};
	struct bridge_net br = {0};
	struct err e = ERR_INIT;
	struct buf text = BUF_INIT;
	struct in_addr a;
	char path[128];
	struct reaper_job *job;

	snprintf(path, sizeof(path), "%s/ipam.json", dir);
	pthread_mutex_init(&net.lock, NULL);
	pthread_cond_init(&net.reap_cv, NULL);
	cr_assert_eq(ipam_open(path, "10.250.0.1/24", &br.ipam, &e), 0, "%s", e.msg);
	cr_assert_eq(ipam_allocate(br.ipam, id, &a, &e), 0, "%s", e.msg);
	cr_assert_eq(ipam_sync(br.ipam), 0);

	job = reaper_job_new(id);
	reaper_job_add(job, &br, ""); /* no veth: the address only */
	pthread_mutex_lock(&net.lock);
	reaper_queue(&net, job);
	cr_expect(reaper_pending(&net, id)); /* it cannot finish while we hold the lock */
	cr_expect(!reaper_pending(&net, "other"));
	reaper_wait(&net, id);
	cr_expect(!reaper_pending(&net, NULL));
	cr_expect(!ipam_lookup(br.ipam, id, &a));
	pthread_mutex_unlock(&net.lock);
	cr_assert_eq(fs_read_file(path, 65536, &text), 0);
	cr_expect_null(strstr(text.data, id), "released, and saved: %s", text.data);

	reaper_stop(&net);
	buf_release(&text);
	ipam_free(br.ipam);
	pthread_cond_destroy(&net.reap_cv);
	pthread_mutex_destroy(&net.lock);
}

/* reaper_stop runs what is queued before the thread ends. */
Test(reaper, stop_drains_the_queue)
{
	static const char id[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
	struct network_state net = {0};
	struct bridge_net br = {0};
	struct err e = ERR_INIT;
	struct in_addr a;
	char path[128];

	snprintf(path, sizeof(path), "%s/ipam.json", dir);
	pthread_mutex_init(&net.lock, NULL);
	pthread_cond_init(&net.reap_cv, NULL);
	cr_assert_eq(ipam_open(path, "10.250.1.1/24", &br.ipam, &e), 0, "%s", e.msg);
	cr_assert_eq(ipam_allocate(br.ipam, id, &a, &e), 0, "%s", e.msg);
	struct reaper_job *job = reaper_job_new(id);
	reaper_job_add(job, &br, "");
	pthread_mutex_lock(&net.lock);
	reaper_queue(&net, job);
	pthread_mutex_unlock(&net.lock);
	reaper_stop(&net);
	cr_expect(!net.reaps);
	cr_expect(!ipam_lookup(br.ipam, id, &a));
	ipam_free(br.ipam);
	pthread_cond_destroy(&net.reap_cv);
	pthread_mutex_destroy(&net.lock);
}
