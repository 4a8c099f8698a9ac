/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for engine/store/store_layer.c. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/fs.h"
#include "tests/helpers/targen.h"
#include "tests/unit/engine/store/store_fixture.h"

TestSuite(store_layer, .init = fx_setup, .fini = fx_teardown);

Test(store_layer, chain_id_rule)
{
	const char *d0 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	const char *d1 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
	char c0[72], c1[72], hex[65];
	char in[200];

	store_layer_chain_id(NULL, d0, c0);
	cr_expect_str_eq(c0, d0);
	store_layer_chain_id(c0, d1, c1);
	snprintf(in, sizeof(in), "%s %s", d0, d1);
	sha256_hex(in, strlen(in), hex);
	cr_expect_str_eq(c1 + 7, hex);
}

Test(store_layer, create_base_and_child)
{
	char c0[72], d0[72], c1[72], d1[72], expect[72];
	struct store_layer_info info;
	struct err e = ERR_INIT;
	_cleanup_free_ char *path = NULL;
	char p[512];

	fx_layer(NULL, "a", "A", c0, d0);
	cr_expect_str_eq(c0, d0);
	fx_layer(c0, "b", "B", c1, d1);
	store_layer_chain_id(c0, d1, expect);
	cr_expect_str_eq(c1, expect);
	cr_assert_eq(store_layer_get(fx_store, c1, false, &info, &e), 0);
	cr_expect_str_eq(info.parent, c0);
	cr_expect_eq(info.size, 1);
	cr_assert_eq(store_layer_diff_path(fx_store, c1, &path, &e), 0);
	snprintf(p, sizeof(p), "%s/b", path);
	cr_expect(fs_exists(p));
	snprintf(p, sizeof(p), "%s/layers/%s/meta.json", fx_root, c1 + 7);
	cr_expect(fs_exists(p));
	/* Survives a reopen once an image uses it (unused layers are collected). */
	fx_image((const char *[]){d0, d1}, 2, "2024-01-01T00:00:00Z", NULL, NULL, expect);
	fx_reopen();
	cr_expect_eq(store_layer_get(fx_store, c1, false, NULL, &e), 0);
}

Test(store_layer, diff_id_mismatch_and_missing_parent_store_nothing)
{
	struct store_layer_opts bad = {
		.expected_diff_id =
			"sha256:0000000000000000000000000000000000000000000000000000000000000000"};
	struct store_layer_opts orphan = {
		.parent_chain =
			"sha256:0000000000000000000000000000000000000000000000000000000000000000"};
	struct err e = ERR_INIT;
	char p[512];
	int fd = tarfile_open(fx_tar("a", "A"));

	cr_expect_eq(store_layer_create(fx_store, fd, &bad, NULL, &e), -EINVAL);
	cr_expect(strstr(e.msg, "diff ID mismatch"), "%s", e.msg);
	close(fd);
	fd = tarfile_open(fx_tar("a", "A"));
	cr_expect_eq(store_layer_create(fx_store, fd, &orphan, NULL, &e), -ENOENT);
	close(fd);
	snprintf(p, sizeof(p), "%s/layers", fx_root);
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *de;
	while ((de = readdir(d)))
		cr_expect(de->d_name[0] == '.' && (!de->d_name[1] || de->d_name[1] == '.'),
			  "left '%s'", de->d_name);
}

/* Only . and .. left in the layer store. */
static void
expect_no_layer_dirs(void)
{
	char p[512];
	struct dirent *de;

	snprintf(p, sizeof(p), "%s/layers", fx_root);
	_cleanup_closedir_ DIR *d = opendir(p);
	cr_assert(d);
	while ((de = readdir(d)))
		cr_expect(de->d_name[0] == '.' && (!de->d_name[1] || de->d_name[1] == '.'),
			  "left '%s'", de->d_name);
}

Test(store_layer, prepared_out_of_order_committed_in_order)
{
	struct store_layer_pending *p0 = NULL, *p1 = NULL;
	struct store_layer_info i0, i1;
	struct err e = ERR_INIT;
	char c0[72], c1[72], d0[72], d1[72], id[72];
	int fd;

	/* the child first: its parent does not exist yet */
	fd = tarfile_open(fx_tar("b", "B"));
	cr_assert_eq(store_layer_prepare(fx_store, fd, NULL, &p1, &e), 0, "%s", e.msg);
	close(fd);
	fd = tarfile_open(fx_tar("a", "A"));
	cr_assert_eq(store_layer_prepare(fx_store, fd, NULL, &p0, &e), 0, "%s", e.msg);
	close(fd);
	cr_assert_eq(store_layer_commit(fx_store, p0, NULL, &i0, &e), 0, "%s", e.msg);
	snprintf(c0, sizeof(c0), "%s", i0.chain_id);
	snprintf(d0, sizeof(d0), "%s", i0.diff_id);
	struct store_layer_opts o1 = {.parent_chain = c0};
	cr_assert_eq(store_layer_commit(fx_store, p1, &o1, &i1, &e), 0, "%s", e.msg);
	snprintf(d1, sizeof(d1), "%s", i1.diff_id);
	store_layer_chain_id(c0, d1, c1);
	cr_expect_str_eq(i1.chain_id, c1);
	cr_expect_str_eq(i1.parent, c0);
	/* the same layers as store_layer_create makes, and they survive a reopen */
	fx_image((const char *[]){d0, d1}, 2, "2024-01-01T00:00:00Z", NULL, NULL, id);
	fx_reopen();
	cr_expect_eq(store_layer_get(fx_store, i1.chain_id, false, NULL, &e), 0);
}

Test(store_layer, pending_layers_leave_nothing_when_freed_or_refused)
{
	struct store_layer_opts bad = {.expected_diff_id = "sha256:"
							   "000000000000000000000000000000000000000"
							   "0000000000000000000000000"};
	struct store_layer_opts orphan = {.parent_chain = "sha256:"
							  "0000000000000000000000000000000000000000"
							  "000000000000000000000000"};
	struct store_layer_pending *p = NULL;
	struct err e = ERR_INIT;
	int fd = tarfile_open(fx_tar("a", "A"));

	cr_expect_eq(store_layer_prepare(fx_store, fd, &bad, &p, &e), -EINVAL);
	cr_expect(strstr(e.msg, "diff ID mismatch"), "%s", e.msg);
	cr_expect_null(p);
	close(fd);
	fd = tarfile_open(fx_tar("a", "A"));
	cr_assert_eq(store_layer_prepare(fx_store, fd, NULL, &p, &e), 0, "%s", e.msg);
	close(fd);
	store_layer_pending_free(p); /* a pull that failed later */
	expect_no_layer_dirs();
	fd = tarfile_open(fx_tar("a", "A"));
	cr_assert_eq(store_layer_prepare(fx_store, fd, NULL, &p, &e), 0, "%s", e.msg);
	close(fd);
	cr_expect_eq(store_layer_commit(fx_store, p, &orphan, NULL, &e), -ENOENT);
	expect_no_layer_dirs();
}

Test(store_layer, hostile_layer_is_refused)
{
	char path[512];
	struct targen *t;
	struct err e = ERR_INIT;

	snprintf(path, sizeof(path), "%s/evil.tar", fx_root);
	t = targen_new(path, TARGEN_PLAIN);
	targen_file(t, "../../escape", "x", 0644);
	targen_close(t);
	_cleanup_close_ int fd = tarfile_open(path);
	cr_expect_eq(store_layer_create(fx_store, fd, NULL, NULL, &e), -EINVAL);
	snprintf(path, sizeof(path), "%s/escape", fx_root);
	cr_expect_not(fs_exists(path));
}

struct racer {
	char tar[512];
	int r;
	struct store_layer_info info;
};

static void *
race(void *arg)
{
	struct racer *rc = arg;
	struct err e = ERR_INIT;
	_cleanup_close_ int fd = open(rc->tar, O_RDONLY | O_CLOEXEC);

	rc->r = store_layer_create(fx_store, fd, NULL, &rc->info, &e);
	return NULL;
}

Test(store_layer, concurrent_creators_end_with_one_layer)
{
	struct racer rc[4];
	pthread_t th[4];
	const char *tar = fx_tar("same", "content");
	struct store_layer_info info;
	struct err e = ERR_INIT;

	for (int i = 0; i < 4; i++) {
		snprintf(rc[i].tar, sizeof(rc[i].tar), "%s", tar);
		cr_assert_eq(pthread_create(&th[i], NULL, race, &rc[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(rc[i].r, 0);
		cr_expect_str_eq(rc[i].info.chain_id, rc[0].info.chain_id);
	}
	cr_assert_eq(store_layer_get(fx_store, rc[0].info.chain_id, false, &info, &e), 0);
	/* One directory: released by every creator, the unused layer goes at reopen. */
	for (int i = 0; i < 4; i++)
		store_layer_release(fx_store, rc[i].info.chain_id);
	fx_reopen();
	cr_expect_eq(store_layer_get(fx_store, rc[0].info.chain_id, false, &info, &e), -ENOENT);
}

Test(store_layer, sources_are_recorded)
{
	char c0[72], p[512];
	struct err e = ERR_INIT;
	_cleanup_buf_ struct buf b = BUF_INIT;
	const char *dg = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

	fx_layer(NULL, "a", "A", c0, NULL);
	cr_assert_eq(store_layer_add_source(fx_store, c0, dg, "docker.io/library/x", &e), 0);
	cr_assert_eq(store_layer_add_source(fx_store, c0, dg, "docker.io/library/x", &e), 0);
	snprintf(p, sizeof(p), "%s/layers/%s/meta.json", fx_root, c0 + 7);
	cr_assert_eq(fs_read_file(p, 65536, &b), 0);
	cr_expect(strstr(b.data, "docker.io/library/x"));
	cr_expect_eq(strstr(b.data, "docker.io/library/x"),
		     strstr(b.data, "docker.io/library/x") ? strstr(b.data, "docker.io/library/x") : NULL);
	cr_expect_null(strstr(strstr(b.data, "docker.io/library/x") + 1, "docker.io/library/x"),
		       "recorded once");
}
