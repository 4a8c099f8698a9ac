/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for engine/store/store_blob.c. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "tests/unit/engine/store/store_fixture.h"

TestSuite(store_blob, .init = fx_setup, .fini = fx_teardown);

#define HELLO_DIGEST "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static int
pipe_with(const char *data)
{
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(write(p[1], data, strlen(data)), (ssize_t)strlen(data));
	close(p[1]);
	return p[0];
}

static size_t
count_dir(const char *rel)
{
	char p[512];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/%s", fx_root, rel);
	d = opendir(p);
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	return n;
}

Test(store_blob, ingest_verifies_and_reads_back)
{
	_cleanup_close_ int fd = pipe_with("hello");
	_cleanup_buf_ struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	char d[72];

	cr_assert_eq(store_blob_ingest(fx_store, fd, HELLO_DIGEST, 0, d, &e), 0, "%s", e.msg);
	cr_expect_str_eq(d, HELLO_DIGEST);
	cr_expect(store_blob_exists(fx_store, HELLO_DIGEST));
	cr_assert_eq(store_blob_read(fx_store, HELLO_DIGEST, 100, &b, &e), 0);
	cr_expect_str_eq(b.data, "hello");
	cr_expect_eq(count_dir("tmp"), 0);
	/* Storing it again is fine. */
	safe_close(fd);
	fd = pipe_with("hello");
	cr_expect_eq(store_blob_ingest(fx_store, fd, NULL, 0, d, &e), 0, "%s", e.msg);
	cr_expect_eq(store_blob_delete(fx_store, HELLO_DIGEST, &e), 0);
	cr_expect_not(store_blob_exists(fx_store, HELLO_DIGEST));
	cr_expect_eq(store_blob_open(fx_store, HELLO_DIGEST, &e), -ENOENT);
}

Test(store_blob, mismatch_stores_nothing)
{
	_cleanup_close_ int fd = pipe_with("hellO");
	struct err e = ERR_INIT;

	cr_expect_eq(store_blob_ingest(fx_store, fd, HELLO_DIGEST, 0, NULL, &e), -EINVAL);
	cr_expect(strstr(e.msg, "digest mismatch"), "%s", e.msg);
	cr_expect_eq(count_dir("blobs/sha256"), 0);
	cr_expect_eq(count_dir("tmp"), 0);
}

Test(store_blob, writer_limit_and_bad_digests)
{
	struct store_blob_writer *w = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(store_blob_writer_new(fx_store, 4, &w, &e), 0);
	cr_expect_eq(store_blob_writer_write(w, "hel", 3, &e), 0);
	cr_expect_eq(store_blob_writer_write(w, "lo", 2, &e), -E2BIG);
	cr_expect_eq(store_blob_writer_size(w), 3);
	store_blob_writer_free(w);
	cr_expect_eq(count_dir("tmp"), 0, "an abandoned writer leaves nothing");
	cr_expect_eq(store_blob_open(fx_store, "sha256:../../etc/passwd", &e), -EINVAL);
	cr_expect_not(store_blob_exists(fx_store, "md5:abc"));
}
