/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for engine/archive/untar.c. Every archive is generated here; the
 * fixture's temp dir holds "dest" (the extraction root), "outside" (a
 * sentinel that hostile archives aim at) and the input tar. After each test
 * the temp dir must hold nothing else and the sentinel must be intact.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/archive/untar.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/fs.h"
#include "tests/helpers/targen.h"

static char tmp[] = "/tmp/berth-test-untar-XXXXXX";
static char tarpath[4200];
static int dest = -1;

static void
setup(void)
{
	char p[4200];
	int fd;

	cr_assert_not_null(mkdtemp(tmp));
	snprintf(tarpath, sizeof(tarpath), "%s/in.tar", tmp);
	dest = testdir_open(tmp, "dest");
	snprintf(p, sizeof(p), "%s/outside", tmp);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/outside/secret", tmp);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_eq(write(fd, "s", 1), 1);
	close(fd);
}

/* The sentinel is untouched and the temp dir holds only what we made. */
static void
assert_outside_intact(void)
{
	_cleanup_closedir_ DIR *d = opendir(tmp);
	char p[4200];
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cr_expect(strcmp(de->d_name, "dest") == 0 || strcmp(de->d_name, "outside") == 0 ||
				  strcmp(de->d_name, "in.tar") == 0 ||
				  strcmp(de->d_name, "out.tar") == 0 ||
				  strcmp(de->d_name, "dest2") == 0,
			  "unexpected '%s' next to the destination", de->d_name);
	}
	snprintf(p, sizeof(p), "%s/outside", tmp);
	closedir(TAKE_PTR(d));
	d = opendir(p);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	cr_expect_eq(n, 1, "something was written into the sentinel directory");
	snprintf(p, sizeof(p), "%s/outside/secret", tmp);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	char c = 0;
	cr_expect_eq(read(fd, &c, 1), 1);
	cr_expect_eq(c, 's');
	close(fd);
}

static void
teardown(void)
{
	assert_outside_intact();
	safe_close(dest);
	fs_rm_rf(tmp);
}

TestSuite(untar, .init = setup, .fini = teardown);

static int
extract(const struct untar_opts *o, struct untar_result *res, struct err *e)
{
	_cleanup_close_ int fd = tarfile_open(tarpath);
	return untar_extract(fd, dest, o, res, e);
}

static void
need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
}

Test(untar, regular_tree)
{
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);
	struct untar_result res;
	struct err e = ERR_INIT;
	struct stat st, st2;
	char hex[65], buf[64];

	targen_dir(t, "./", 0755);
	targen_dir(t, "etc/", 0750);
	targen_file(t, "etc/hosts", "127.0.0.1 localhost\n", 0644);
	targen_file(t, "./bin//run", "#!/bin/sh\n", 0755); /* parent made implicitly */
	targen_symlink(t, "etc/link", "/etc/hosts");
	targen_hardlink(t, "etc/hosts2", "etc/hosts");
	targen_node(t, "fifo", S_IFIFO, 0, 0);
	targen_close(t);

	cr_assert_eq(extract(NULL, &res, &e), 0, "%s", e.msg);
	cr_expect_str_eq(testfile_read(dest, "etc/hosts"), "127.0.0.1 localhost\n");
	cr_assert_eq(fstatat(dest, "etc", &st, 0), 0);
	cr_expect_eq(st.st_mode & 07777, 0750);
	cr_expect_eq(st.st_mtime, TARGEN_MTIME, "directory times are applied last");
	cr_assert_eq(fstatat(dest, "bin/run", &st, 0), 0);
	cr_expect_eq(st.st_mode & 07777, 0755);
	cr_expect_eq(st.st_mtime, TARGEN_MTIME);
	cr_assert_eq(readlinkat(dest, "etc/link", buf, sizeof(buf)), 10);
	cr_expect_eq(memcmp(buf, "/etc/hosts", 10), 0);
	cr_assert_eq(fstatat(dest, "etc/hosts", &st, 0), 0);
	cr_assert_eq(fstatat(dest, "etc/hosts2", &st2, 0), 0);
	cr_expect_eq(st.st_ino, st2.st_ino);
	cr_assert_eq(fstatat(dest, "fifo", &st, 0), 0);
	cr_expect(S_ISFIFO(st.st_mode));
	cr_expect_eq(res.entries, 7);
	cr_expect_eq(res.unpacked_size, 20 + 10 + 10);
	/* Uncompressed input: both digests are the file's digest. */
	cr_assert_eq(sha256_file_hex(tarpath, hex), 0);
	cr_expect_str_eq(res.diff_id + 7, hex);
	cr_expect_str_eq(res.raw_digest + 7, hex);
}

/* Same tar through every supported compression: same diff ID, raw digest
 * of the compressed file. */
Test(untar, detects_compression)
{
	static const enum targen_filter filters[] = {TARGEN_PLAIN, TARGEN_GZIP, TARGEN_ZSTD,
						     TARGEN_BZIP2, TARGEN_XZ};
	char first[DIGEST_STR_LEN + 1] = "";

	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		struct targen *t = targen_new(tarpath, filters[i]);
		struct untar_result res;
		struct err e = ERR_INIT;
		char hex[65], name[16];

		snprintf(name, sizeof(name), "f%zu", i);
		targen_file(t, "a", "same content", 0644);
		targen_close(t);
		cr_assert_eq(extract(NULL, &res, &e), 0, "filter %zu: %s", i, e.msg);
		cr_assert_eq(sha256_file_hex(tarpath, hex), 0);
		cr_expect_str_eq(res.raw_digest + 7, hex, "filter %zu", i);
		if (i == 0)
			memcpy(first, res.diff_id, sizeof(first));
		cr_expect_str_eq(res.diff_id, first, "filter %zu", i);
		cr_expect_str_eq(testfile_read(dest, "a"), "same content");
		unlinkat(dest, "a", 0);
	}
}

static void
expect_refused(const char *what, int code)
{
	struct err e = ERR_INIT;
	cr_expect_eq(extract(NULL, NULL, &e), code, "%s: %s", what, e.msg);
}

Test(untar, refuses_dotdot_entry)
{
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);
	struct err e = ERR_INIT;

	targen_file(t, "../x", "evil", 0644);
	targen_close(t);
	cr_expect_eq(extract(NULL, NULL, &e), -EINVAL);
	cr_expect(strstr(e.msg, "'../x'"), "message names the entry: %s", e.msg);

	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_file(t, "a/../../outside/x", "evil", 0644);
	targen_close(t);
	expect_refused("a/../../outside/x", -EINVAL);
}

Test(untar, refuses_absolute_entry)
{
	char abs[4200];
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);

	snprintf(abs, sizeof(abs), "%s/outside/abs", tmp);
	targen_file(t, abs, "evil", 0644);
	targen_close(t);
	expect_refused("absolute", -EINVAL);
	cr_expect_not(fs_exists(abs));
}

Test(untar, refuses_write_through_symlink)
{
	char target[4200];
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);

	targen_symlink(t, "evil", "../outside");
	targen_file(t, "evil/x", "evil", 0644);
	targen_close(t);
	expect_refused("relative symlink", -EINVAL);

	snprintf(target, sizeof(target), "%s/outside", tmp);
	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_symlink(t, "evil2", target);
	targen_dir(t, "evil2/sub/", 0755);
	targen_close(t);
	expect_refused("absolute symlink", -EINVAL);
}

Test(untar, replaces_symlink_leaf_instead_of_following)
{
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);
	struct err e = ERR_INIT;
	struct stat st;

	targen_symlink(t, "secret", "../outside/secret");
	targen_file(t, "secret", "mine", 0644);
	targen_close(t);
	cr_assert_eq(extract(NULL, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(fstatat(dest, "secret", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect(S_ISREG(st.st_mode));
	cr_expect_str_eq(testfile_read(dest, "secret"), "mine");
}

Test(untar, refuses_hardlink_outside)
{
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);

	targen_hardlink(t, "hl", "../outside/secret");
	targen_close(t);
	expect_refused("hardlink ..", -EINVAL);

	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_symlink(t, "evil", "../outside");
	targen_hardlink(t, "hl", "evil/secret");
	targen_close(t);
	expect_refused("hardlink through symlink", -EINVAL);
}

Test(untar, refuses_device_unless_allowed)
{
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);
	struct untar_opts o = {.flags = UNTAR_ALLOW_DEVICES};
	struct err e = ERR_INIT;
	struct stat st;

	targen_node(t, "null", S_IFCHR, 1, 3);
	targen_close(t);
	cr_expect_eq(extract(NULL, NULL, &e), -EINVAL);
	cr_expect(strstr(e.msg, "device nodes are not allowed"), "%s", e.msg);
	need_root();
	unlinkat(dest, "null", 0);
	cr_assert_eq(extract(&o, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(fstatat(dest, "null", &st, 0), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
}

Test(untar, limits_depth_entries_bytes)
{
	char deep[2000] = "";
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);
	struct untar_opts few = {.max_entries = 3}, small = {.max_bytes = 10};
	struct err e = ERR_INIT;

	for (int i = 0; i < 300; i++)
		strcat(deep, "a/");
	strcat(deep, "f");
	targen_file(t, deep, "x", 0644);
	targen_close(t);
	expect_refused("deep", -E2BIG);

	t = targen_new(tarpath, TARGEN_PLAIN);
	for (int i = 0; i < 4; i++) {
		char n[8];
		snprintf(n, sizeof(n), "f%d", i);
		targen_file(t, n, "x", 0644);
	}
	targen_close(t);
	cr_expect_eq(extract(&few, NULL, &e), -E2BIG, "%s", e.msg);
	cr_expect(strstr(e.msg, "more than 3 entries"), "%s", e.msg);

	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_file(t, "big", "0123456789abcdefghij", 0644);
	targen_close(t);
	cr_expect_eq(extract(&small, NULL, &e), -E2BIG, "%s", e.msg);
}

Test(untar, truncated_gzip_fails_cleanly)
{
	struct targen *t = targen_new(tarpath, TARGEN_GZIP);
	struct stat st;
	char content[8192];
	struct err e = ERR_INIT;

	/* Incompressible-ish content so the truncation hits the data. */
	for (size_t i = 0; i < sizeof(content) - 1; i++)
		content[i] = (char)('!' + (i * 7919 % 89));
	content[sizeof(content) - 1] = '\0';
	targen_file(t, "a", content, 0644);
	targen_close(t);
	cr_assert_eq(stat(tarpath, &st), 0);
	cr_assert_eq(truncate(tarpath, st.st_size / 2), 0);
	cr_expect_eq(extract(NULL, NULL, &e), -EINVAL, "%s", e.msg);
	cr_expect(strstr(e.msg, "invalid archive"), "%s", e.msg);
}

Test(untar, garbage_and_empty_input)
{
	int fd = open(tarpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	cr_assert_eq(write(fd, "this is not a tar archive at all", 32), 32);
	close(fd);
	expect_refused("garbage", -EINVAL);
	cr_assert_eq(truncate(tarpath, 0), 0);
	expect_refused("empty", -EINVAL);
}

Test(untar, whiteouts_overlay)
{
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);
	struct untar_opts o = {.whiteout = UNTAR_WHITEOUT_OVERLAY};
	struct err e = ERR_INIT;
	struct stat st;
	char v[4] = "";

	need_root();
	targen_dir(t, "d/", 0755);
	targen_file(t, "d/.wh..wh..opq", "", 0644);
	targen_file(t, "d/new", "n", 0644);
	targen_file(t, ".wh.gone", "", 0644);
	targen_file(t, ".wh..wh.plnk", "", 0644);
	targen_close(t);
	cr_assert_eq(extract(&o, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(fstatat(dest, "gone", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	cr_expect_not(fstatat(dest, ".wh.gone", &st, AT_SYMLINK_NOFOLLOW) == 0);
	cr_expect_not(fstatat(dest, ".wh..wh.plnk", &st, AT_SYMLINK_NOFOLLOW) == 0);
	_cleanup_close_ int dfd = openat(dest, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_expect_eq(fgetxattr(dfd, "trusted.overlay.opaque", v, sizeof(v)), 1);
	cr_expect_eq(v[0], 'y');
	cr_expect_str_eq(testfile_read(dest, "d/new"), "n");
}

Test(untar, whiteouts_apply)
{
	struct targen *t;
	struct untar_opts o = {.whiteout = UNTAR_WHITEOUT_APPLY};
	struct err e = ERR_INIT;
	struct stat st;

	/* The "lower" tree. */
	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_file(t, "gone", "g", 0644);
	targen_file(t, "keep", "k", 0644);
	targen_file(t, "d/old", "o", 0644);
	targen_file(t, "d/sub/old2", "o", 0644);
	targen_close(t);
	cr_assert_eq(extract(NULL, NULL, &e), 0, "%s", e.msg);
	/* The layer: the opaque marker after a new file in the same dir. */
	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_file(t, ".wh.gone", "", 0644);
	targen_dir(t, "d/", 0755);
	targen_file(t, "d/new", "n", 0644);
	targen_file(t, "d/.wh..wh..opq", "", 0644);
	targen_close(t);
	cr_assert_eq(extract(&o, NULL, &e), 0, "%s", e.msg);
	cr_expect_neq(fstatat(dest, "gone", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect_neq(fstatat(dest, "d/old", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect_neq(fstatat(dest, "d/sub", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect_str_eq(testfile_read(dest, "d/new"), "n");
	cr_expect_str_eq(testfile_read(dest, "keep"), "k");
}

Test(untar, whiteouts_cannot_escape)
{
	struct untar_opts o = {.whiteout = UNTAR_WHITEOUT_APPLY};
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);
	struct err e = ERR_INIT;

	targen_symlink(t, "evil", "../outside");
	targen_file(t, "evil/.wh.secret", "", 0644);
	targen_close(t);
	cr_expect_eq(extract(&o, NULL, &e), -EINVAL, "%s", e.msg);

	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_file(t, "../outside/.wh.secret", "", 0644);
	targen_close(t);
	cr_expect_eq(extract(&o, NULL, &e), -EINVAL, "%s", e.msg);

	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_file(t, "x/.wh..", "", 0644);
	targen_close(t);
	cr_expect_eq(extract(&o, NULL, &e), -EINVAL, "%s", e.msg);

	/* Opaque applied to a symlinked dir must not empty its target. */
	t = targen_new(tarpath, TARGEN_PLAIN);
	targen_file(t, "evil/.wh..wh..opq", "", 0644);
	targen_close(t);
	cr_expect_eq(extract(&o, NULL, &e), -EINVAL, "%s", e.msg);
}

Test(untar, owner_and_setuid_as_root)
{
	struct targen *t = targen_new(tarpath, TARGEN_PLAIN);
	struct err e = ERR_INIT;
	struct stat st;

	need_root();
	targen_owned(t, "su", "x", 04755, 1234, 5678);
	targen_close(t);
	cr_assert_eq(extract(NULL, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(fstatat(dest, "su", &st, 0), 0);
	cr_expect_eq(st.st_uid, 1234);
	cr_expect_eq(st.st_gid, 5678);
	cr_expect_eq(st.st_mode & 07777, 04755, "set-uid survives the chown");
}
