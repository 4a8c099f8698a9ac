/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

static char tmpdir[] = "/tmp/berth-test-fs-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	fs_rm_rf(tmpdir);
}

TestSuite(fs, .init = setup, .fini = teardown);

Test(fs, atomic_write_then_read)
{
	_cleanup_free_ char *p = xasprintf("%s/a/b/c.json", tmpdir);
	_cleanup_free_ char *d = xasprintf("%s/a/b", tmpdir);
	_cleanup_buf_ struct buf b = BUF_INIT;

	cr_assert_eq(fs_mkdir_p(d, 0700), 0);
	cr_assert_eq(fs_write_atomic(p, "{}", 2, 0600), 0);
	cr_assert_eq(fs_read_file(p, 100, &b), 0);
	cr_expect_str_eq(b.data, "{}");
	buf_reset(&b);
	cr_expect_eq(fs_read_file(p, 1, &b), -E2BIG);
}

Test(fs, write_new_durable_creates_once)
{
	_cleanup_free_ char *d = xasprintf("%s/c/new", tmpdir);
	_cleanup_free_ char *p = xasprintf("%s/c/new/config.json", tmpdir);
	_cleanup_free_ char *l = xasprintf("%s/c/new/link.json", tmpdir);
	_cleanup_buf_ struct buf b = BUF_INIT;
	struct stat st;

	cr_assert_eq(fs_mkdir_p(d, 0700), 0);
	cr_assert_eq(fs_write_new_durable(d, "config.json", "{\"a\":1}", 7, 0600), 0);
	cr_assert_eq(fs_read_file(p, 100, &b), 0);
	cr_expect_str_eq(b.data, "{\"a\":1}");
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	/* never over an existing file, never through a symlink */
	cr_expect_eq(fs_write_new_durable(d, "config.json", "{}", 2, 0600), -EEXIST);
	cr_assert_eq(symlinkat("/nonexistent-berth", AT_FDCWD, l), 0);
	cr_expect_eq(fs_write_new_durable(d, "link.json", "{}", 2, 0600), -EEXIST);
	cr_expect_not(fs_exists("/nonexistent-berth"));
	cr_expect_eq(fs_write_new_durable("/nonexistent-berth/x", "f", "", 0, 0600), -ENOENT);
	cr_expect_eq(fs_write_new_durable("norelative", "f", "", 0, 0600), -EINVAL);
}

Test(fs, fsync_concurrently_reports_errors)
{
	_cleanup_free_ char *p = xasprintf("%s/f", tmpdir);
	_cleanup_close_ int fd = -1, dfd = -1;

	cr_assert_eq(fs_write_atomic(p, "x", 1, 0600), 0);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_geq(dfd, 0);
	cr_expect_eq(fs_fsync_concurrently((const int[]){fd, dfd, fd, dfd}, 4), 0);
	cr_expect_eq(fs_fsync_concurrently((const int[]){fd, -1}, 2), -EBADF);
	cr_expect_eq(fs_fsync_concurrently((const int[]){-1, fd}, 2), -EBADF);
	cr_expect_eq(fs_fsync_concurrently((const int[]){fd}, 0), -EINVAL);
}

Test(fs, rm_rf_does_not_follow_symlinks)
{
	_cleanup_free_ char *outside = xasprintf("%s/outside", tmpdir);
	_cleanup_free_ char *keep = xasprintf("%s/outside/keep", tmpdir);
	_cleanup_free_ char *tree = xasprintf("%s/tree/sub", tmpdir);
	_cleanup_free_ char *link = xasprintf("%s/tree/sub/link", tmpdir);
	_cleanup_free_ char *top = xasprintf("%s/tree", tmpdir);

	cr_assert_eq(fs_mkdir_p(outside, 0700), 0);
	cr_assert_eq(fs_write_atomic(keep, "x", 1, 0600), 0);
	cr_assert_eq(fs_mkdir_p(tree, 0700), 0);
	cr_assert_eq(symlink(outside, link), 0);
	cr_assert_eq(fs_rm_rf(top), 0);
	cr_expect_not(fs_exists(top));
	cr_expect(fs_exists(keep));
}

Test(fs, open_beneath_stays_in_root)
{
	_cleanup_free_ char *root = xasprintf("%s/root", tmpdir);
	_cleanup_free_ char *etc = xasprintf("%s/root/etc", tmpdir);
	_cleanup_free_ char *evil = xasprintf("%s/root/etc/evil", tmpdir);
	_cleanup_free_ char *secret = xasprintf("%s/secret", tmpdir);
	_cleanup_close_ int rfd = -1;
	int fd;

	cr_assert_eq(fs_mkdir_p(etc, 0755), 0);
	cr_assert_eq(fs_write_atomic(secret, "s", 1, 0600), 0);
	/* An absolute symlink inside the root must resolve inside it. */
	cr_assert_eq(symlink("/../../secret", evil), 0);
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(rfd, 0);
	fd = fs_open_beneath(rfd, "/etc/evil", O_RDONLY, 0);
	cr_expect_eq(fd, -ENOENT);
	fd = fs_open_beneath(rfd, "../secret", O_RDONLY, 0);
	cr_expect_eq(fd, -ENOENT);
	fd = fs_open_beneath(rfd, "/etc", O_RDONLY | O_DIRECTORY, 0);
	cr_expect_geq(fd, 0);
	safe_close(fd);
}

/* What a crash between write and rename leaves (9008 found one in
 * network/endpoints): removed at start, within @depth, and nothing else. */
Test(fs, write_leftovers_removed_within_depth)
{
	const char *keep[] = {"a/x.json", "a/b/deep.json.tmp.12.abcdef", "a/notes.tmp.txt",
			      "a/y.tmp.12.abc", "a/z.tmp.x1.abcdef"};
	const char *gone[] = {"top.json.tmp.1.AbC123", "a/x.json.tmp.4242.zzzzzz"};
	_cleanup_free_ char *d = xasprintf("%s/a/b", tmpdir);

	cr_assert_eq(fs_mkdir_p(d, 0700), 0);
	for (size_t i = 0; i < 5; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", tmpdir, keep[i]);
		cr_assert_eq(fs_write_replace(p, "k", 1, 0600), 0);
	}
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", tmpdir, gone[i]);
		cr_assert_eq(fs_write_replace(p, "g", 1, 0600), 0);
	}
	/* depth 1: tmpdir and a/, not a/b/ (the content a caller protects) */
	cr_expect_eq(fs_remove_write_leftovers(tmpdir, 1), 2);
	for (size_t i = 0; i < 5; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", tmpdir, keep[i]);
		cr_expect(fs_exists(p), "%s was removed", keep[i]);
	}
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", tmpdir, gone[i]);
		cr_expect(!fs_exists(p), "%s is still there", gone[i]);
	}
	cr_expect_eq(fs_remove_write_leftovers("/nonexistent-berth-dir", 1), 0);
}
