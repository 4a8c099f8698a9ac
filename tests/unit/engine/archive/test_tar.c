/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for engine/archive/tar.c: determinism, whiteouts, round trips. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/archive/tar.h"
#include "engine/archive/untar.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/fs.h"
#include "engine/util/idmap.h"
#include "tests/helpers/targen.h"

static char tmp[] = "/tmp/berth-test-tar-XXXXXX";
static char path_in[4200], path_out[4200];

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(tmp));
	snprintf(path_in, sizeof(path_in), "%s/in.tar", tmp);
	snprintf(path_out, sizeof(path_out), "%s/out.tar", tmp);
}

static void
teardown(void)
{
	fs_rm_rf(tmp);
}

TestSuite(tar, .init = setup, .fini = teardown);

static void
make_input(void)
{
	struct targen *t = targen_new(path_in, TARGEN_GZIP);

	targen_dir(t, "b/", 0755);
	targen_file(t, "b/z", "zz", 0600);
	targen_file(t, "b/a", "aa", 0644);
	targen_symlink(t, "b/l", "../etc/passwd");
	targen_hardlink(t, "b/a2", "b/a");
	targen_file(t, "a", "top", 0755);
	targen_close(t);
}

static void
create(int dirfd, unsigned flags, struct tar_result *res)
{
	_cleanup_close_ int out = open(path_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct err e = ERR_INIT;

	cr_assert_geq(out, 0);
	cr_assert_eq(tar_create(dirfd, out, flags, res, &e), 0, "%s", e.msg);
}

Test(tar, round_trip_is_deterministic)
{
	_cleanup_close_ int in = -1, d1 = testdir_open(tmp, "d1"), d2 = testdir_open(tmp, "d2");
	struct tar_result r1, r2;
	struct untar_result u;
	struct err e = ERR_INIT;
	char hex[65];
	struct stat st1, st2;

	make_input();
	in = tarfile_open(path_in);
	cr_assert_eq(untar_extract(in, d1, NULL, NULL, &e), 0, "%s", e.msg);
	create(d1, 0, &r1);
	cr_expect_str_eq(r1.tar_digest, r1.out_digest);
	cr_assert_eq(sha256_file_hex(path_out, hex), 0);
	cr_expect_str_eq(r1.tar_digest + 7, hex);
	/* Second pass over the re-extracted tree gives the same bytes. */
	in = safe_close(in);
	in = tarfile_open(path_out);
	cr_assert_eq(untar_extract(in, d2, NULL, &u, &e), 0, "%s", e.msg);
	cr_expect_str_eq(u.diff_id, r1.tar_digest);
	create(d2, 0, &r2);
	cr_expect_str_eq(r1.tar_digest, r2.tar_digest);
	cr_expect_str_eq(testfile_read(d2, "b/z"), "zz");
	cr_assert_eq(fstatat(d2, "b/a", &st1, 0), 0);
	cr_assert_eq(fstatat(d2, "b/a2", &st2, 0), 0);
	cr_expect_eq(st1.st_ino, st2.st_ino, "hard links survive");
	cr_expect_eq(st1.st_mtime, TARGEN_MTIME);
}

Test(tar, gzip_digests)
{
	_cleanup_close_ int in = -1, d1 = testdir_open(tmp, "d1"), d2 = testdir_open(tmp, "d2");
	struct tar_result r;
	struct untar_result u;
	struct err e = ERR_INIT;
	char hex[65];
	unsigned char magic[2];

	make_input();
	in = tarfile_open(path_in);
	cr_assert_eq(untar_extract(in, d1, NULL, NULL, &e), 0, "%s", e.msg);
	create(d1, TAR_GZIP, &r);
	cr_expect_str_neq(r.tar_digest, r.out_digest);
	cr_assert_eq(sha256_file_hex(path_out, hex), 0);
	cr_expect_str_eq(r.out_digest + 7, hex);
	in = safe_close(in);
	in = tarfile_open(path_out);
	cr_assert_eq(read(in, magic, 2), 2);
	cr_expect(magic[0] == 0x1f && magic[1] == 0x8b);
	cr_assert_eq(lseek(in, 0, SEEK_SET), 0);
	cr_assert_eq(untar_extract(in, d2, NULL, &u, &e), 0, "%s", e.msg);
	cr_expect_str_eq(u.diff_id, r.tar_digest);
	cr_expect_str_eq(u.raw_digest, r.out_digest);
	cr_expect_eq(u.raw_size, r.out_size);
}

Test(tar, overlay_whiteouts_round_trip)
{
	_cleanup_close_ int in = -1, d1 = testdir_open(tmp, "d1"), d2 = testdir_open(tmp, "d2");
	struct untar_opts o = {.whiteout = UNTAR_WHITEOUT_OVERLAY};
	struct err e = ERR_INIT;
	struct stat st;
	char v[2];

	if (geteuid() != 0)
		cr_skip_test("needs root");
	cr_assert_eq(mknodat(d1, "gone", S_IFCHR, makedev(0, 0)), 0);
	cr_assert_eq(mkdirat(d1, "opq", 0755), 0);
	_cleanup_close_ int ofd = openat(d1, "opq", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(fsetxattr(ofd, "trusted.overlay.opaque", "y", 1, 0), 0);
	create(d1, TAR_OVERLAY_WHITEOUTS, NULL);
	in = tarfile_open(path_out);
	cr_assert_eq(untar_extract(in, d2, &o, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(fstatat(d2, "gone", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == 0);
	_cleanup_close_ int ofd2 = openat(d2, "opq", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_expect_eq(fgetxattr(ofd2, "trusted.overlay.opaque", v, sizeof(v)), 1);
	/* Without the flag the whiteout stays a device and is refused on
	 * extraction (devices not allowed): the flag is what converts. */
	create(d1, 0, NULL);
	in = safe_close(in);
	in = tarfile_open(path_out);
	_cleanup_close_ int d3 = testdir_open(tmp, "d3");
	int r = untar_extract(in, d3, NULL, NULL, &e);
	cr_expect_eq(r, -EINVAL, "%d %s", r, e.msg);
}

static bool
skip_b(void *ud, const char *path, const struct stat *st)
{
	(*(int *)ud)++;
	return strcmp(path, "b") == 0 && S_ISDIR(st->st_mode);
}

static bool
skip_all(void *ud, const char *path, const struct stat *st)
{
	(void)ud;
	(void)path;
	(void)st;
	return true;
}

/* tar_create_filtered: a skipped directory takes its subtree with it; the
 * entry count tells an empty result apart. */
Test(tar, filtered)
{
	_cleanup_close_ int in = -1, d1 = testdir_open(tmp, "d1"), d2 = testdir_open(tmp, "d2");
	_cleanup_close_ int out = -1;
	struct tar_result r;
	struct err e = ERR_INIT;
	struct stat st;
	int calls = 0;

	make_input();
	in = tarfile_open(path_in);
	cr_assert_eq(untar_extract(in, d1, NULL, NULL, &e), 0, "%s", e.msg);
	out = open(path_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_eq(tar_create_filtered(d1, out, 0, skip_b, &calls, &r, &e), 0, "%s", e.msg);
	cr_expect_eq(r.entries, 1, "only 'a' is left");
	cr_expect_eq(calls, 2, "nothing below the skipped directory is visited");
	in = safe_close(in);
	in = tarfile_open(path_out);
	cr_assert_eq(untar_extract(in, d2, NULL, NULL, &e), 0, "%s", e.msg);
	cr_expect_str_eq(testfile_read(d2, "a"), "top");
	cr_expect_neq(fstatat(d2, "b", &st, AT_SYMLINK_NOFOLLOW), 0);
	out = safe_close(out);
	out = open(path_out, O_WRONLY | O_TRUNC | O_CLOEXEC);
	cr_assert_eq(tar_create_filtered(d1, out, 0, skip_all, NULL, &r, &e), 0, "%s", e.msg);
	cr_expect_eq(r.entries, 0);
}

/* The owners of @path's first entry. */
static void
first_owner(const char *path, la_int64_t *uid, la_int64_t *gid)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;

	archive_read_support_format_tar(a);
	cr_assert_eq(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	cr_assert_eq(archive_read_next_header(a, &ent), ARCHIVE_OK);
	*uid = archive_entry_uid(ent);
	*gid = archive_entry_gid(ent);
	archive_read_free(a);
}

Test(tar, unmapped_gives_container_ids_to_owners_in_range)
{
	_cleanup_close_ int d1 = testdir_open(tmp, "d1"), out = -1;
	struct idmap m = {.uid = {.r = {{7, (uint32_t)geteuid(), 1}}, .n = 1},
			  .gid = {.r = {{9, (uint32_t)getegid(), 1}}, .n = 1}};
	struct err e = ERR_INIT;
	la_int64_t uid, gid;

	cr_assert_eq(close(openat(d1, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
	out = open(path_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_eq(tar_create_unmapped(d1, out, 0, NULL, NULL, &m, NULL, &e), 0, "%s", e.msg);
	first_owner(path_out, &uid, &gid);
	cr_expect_eq(uid, 7);
	cr_expect_eq(gid, 9);
	out = safe_close(out);
	/* an owner outside the ranges is kept */
	m.uid.r[0].host = (uint32_t)geteuid() + 1;
	out = open(path_out, O_WRONLY | O_TRUNC | O_CLOEXEC);
	cr_assert_eq(tar_create_unmapped(d1, out, 0, NULL, NULL, &m, NULL, &e), 0, "%s", e.msg);
	first_owner(path_out, &uid, &gid);
	cr_expect_eq(uid, (la_int64_t)geteuid());
}

Test(tar, untar_idmap_chowns_to_host_ids)
{
	_cleanup_close_ int in = -1, d1 = testdir_open(tmp, "d1");
	struct idmap m = {.uid = {.r = {{0, 123456, 65536}}, .n = 1},
			  .gid = {.r = {{0, 223456, 65536}}, .n = 1}};
	struct untar_opts o = {.idmap = m};
	struct err e = ERR_INIT;
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("chown needs root");
	make_input(); /* entries owned by 0:0 */
	in = tarfile_open(path_in);
	cr_assert_eq(untar_extract(in, d1, &o, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(fstatat(d1, "a", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect_eq(st.st_uid, 123456);
	cr_expect_eq(st.st_gid, 223456);
}
