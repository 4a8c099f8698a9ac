/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for engine/archive/tarout.c and the read helper: the request
 * protocol (malformed forms refused) and, as root with the built helper,
 * byte-identical tars and equal stats through `berth-untar read` and
 * in-process for export (opaque directories, whiteouts, hard links,
 * remapped owners), cp reads and stats (symlinks resolved inside the root).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/archive/helper.h"
#include "engine/archive/tarout.h"
#include "engine/archive/untar.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "tests/helpers/targen.h"

Test(tarout_proto, read_request_malformed)
{
	static struct tarout_src src = {.rootfd = -1};
	static struct helper_read_request req, got;

	strcpy(src.rel, "/a");
	strcpy(src.clean, "/a");
	helper_read_request_init(&req, HELPER_OP_TREE, &src, 2);
	cr_assert_eq(helper_read_request_decode(&req, sizeof(req), &got), 0);
	cr_expect_str_eq(got.rel, "/a");
	cr_expect_eq(helper_read_request_decode(&req, sizeof(req) - 1, &got), -EPROTO, "short");
	req.op = HELPER_OP_UNTAR;
	cr_expect_eq(helper_read_request_decode(&req, sizeof(req), &got), -EPROTO, "op");
	helper_read_request_init(&req, HELPER_OP_TREE, &src, HELPER_MAX_EXTRA + 1);
	cr_expect_eq(helper_read_request_decode(&req, sizeof(req), &got), -EPROTO, "too many");
	helper_read_request_init(&req, HELPER_OP_STAT, &src, 0);
	memset(req.clean, 'a', sizeof(req.clean));
	cr_expect_eq(helper_read_request_decode(&req, sizeof(req), &got), -EPROTO, "unterminated");
}

Test(tarout_proto, read_reply_malformed)
{
	static struct tarout_stat st = {.resolved = 1, .mode = 0100644};
	static struct helper_read_reply rep;
	struct tarout_stat got;
	struct err e = ERR_INIT;

	strcpy(st.name, "f");
	helper_read_reply_init(&rep, 0, &st, NULL);
	cr_assert_eq(helper_read_reply_decode(&rep, sizeof(rep), &got, &e), 0);
	cr_expect_str_eq(got.name, "f");
	memset(rep.st.link_target, 'x', sizeof(rep.st.link_target));
	cr_expect_eq(helper_read_reply_decode(&rep, sizeof(rep), &got, &e), -EIO);
	helper_read_reply_init(&rep, -ENOENT, &st, NULL);
	cr_expect_eq(helper_read_reply_decode(&rep, sizeof(rep), &got, &e), -ENOENT);
}

/* ---- through the real helper ------------------------------------------ */

static char tmp[] = "/tmp/berth-test-tarout-XXXXXX";
static char untar_bin[4096];

static void
setup(void)
{
	const char *berthd = getenv("BERTHD");
	_cleanup_free_ char *copy = NULL;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	if (!berthd)
		cr_skip_test("BERTHD not set (run through make check)");
	copy = strdup(berthd);
	snprintf(untar_bin, sizeof(untar_bin), "%s/berth-untar", dirname(copy));
	if (access(untar_bin, X_OK) != 0)
		cr_skip_test("no berth-untar next to berthd");
	cr_assert_not_null(mkdtemp(tmp));
}

static void
teardown(void)
{
	if (tmp[strlen(tmp) - 1] != 'X')
		fs_rm_rf(tmp);
}

TestSuite(tarout, .init = setup, .fini = teardown);

static int
to_buf(void *ud, const void *p, size_t n)
{
	buf_append(ud, p, n);
	return 0;
}

static void
put(const char *rel, const char *content, mode_t mode, uid_t uid)
{
	char p[4200];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	cr_assert_eq(chown(p, uid, uid), 0);
	cr_assert_eq(chmod(p, mode), 0);
}

static void
mk(const char *rel, mode_t mode)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	cr_assert_eq(mkdir(p, mode), 0, "%s", p);
	cr_assert_eq(chmod(p, mode), 0);
}

static void
at(char *p, size_t n, const char *rel)
{
	snprintf(p, n, "%s/%s", tmp, rel);
}

/* lower "l" and upper "u": an opaque directory, a whiteout, links, unreadable modes */
static void
layers(void)
{
	char p[4200], q[4200];

	mk("l", 0755);
	mk("l/d", 0755);
	put("l/d/old", "old", 0644, 0);
	put("l/f", "hard", 0600, 0);
	at(p, sizeof(p), "l/f");
	at(q, sizeof(q), "l/f2");
	cr_assert_eq(link(p, q), 0);
	put("l/gone", "x", 0644, 0);
	mk("l/locked", 0700);
	put("l/locked/secret", "s", 0000, 0);
	cr_assert_eq(chmod(p, 0600), 0);
	at(p, sizeof(p), "l/locked");
	cr_assert_eq(chmod(p, 0000), 0);
	at(p, sizeof(p), "l/s");
	cr_assert_eq(symlink("../../../etc/shadow", p), 0);
	mk("u", 0755);
	mk("u/d", 0750);
	put("u/d/new", "new", 0644, 100000);
	at(p, sizeof(p), "u/d");
	cr_assert_eq(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
	at(p, sizeof(p), "u/gone");
	cr_assert_eq(mknod(p, S_IFCHR | 0000, makedev(0, 0)), 0);
}

Test(tarout, export_same_bytes_through_the_helper)
{
	static struct idmap unmap = {.uid = {.r = {{0, 100000, 65536}}, .n = 1},
				     .gid = {.r = {{0, 100000, 65536}}, .n = 1}};
	_cleanup_buf_ struct buf a = BUF_INIT, b = BUF_INIT;
	struct tarout_stat st;
	struct tarout_src src = {.rootfd = -1};
	struct err e = ERR_INIT;
	char p[4200];
	int fds[2];

	layers();
	at(p, sizeof(p), "u");
	fds[0] = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	at(p, sizeof(p), "l");
	fds[1] = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(tarout_export_local(fds, 2, &unmap, NULL, NULL, to_buf, &a, &e), 0, "%s",
		     e.msg);
	src.unmap = unmap;
	cr_assert_eq(helper_read(untar_bin, HELPER_OP_EXPORT, &src, fds, 2, to_buf, &b, &st, &e), 0,
		     "%s", e.msg);
	cr_expect_gt(a.len, 2048u);
	cr_expect_eq(a.len, b.len, "same length: %zu vs %zu", a.len, b.len);
	cr_expect(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "same bytes");
	cr_expect_null(memmem(a.data, a.len, "old", 4), "the opaque directory hides the lower");
	cr_expect_null(memmem(a.data, a.len, "gone", 5), "the whiteout hides the lower file");
	cr_expect_not_null(memmem(b.data, b.len, "secret", 6), "an unreadable directory is read");
	close(fds[0]);
	close(fds[1]);
}

/* A cp read of @rel beneath <tmp>/l, in-process and through the helper. */
static void
both_trees(const char *rel, int want, struct buf *a, struct buf *b, struct tarout_stat *sa,
	   struct tarout_stat *sb)
{
	static struct tarout_src src;
	struct err e = ERR_INIT;
	char p[4200];
	int ra, rb;

	memset(&src, 0, sizeof(src));
	at(p, sizeof(p), "l");
	src.rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(src.rel, sizeof(src.rel), "%s", rel);
	snprintf(src.clean, sizeof(src.clean), "%s", rel);
	ra = tarout_tree_local(&src, to_buf, a, sa, &e);
	rb = helper_read(untar_bin, HELPER_OP_TREE, &src, NULL, 0, to_buf, b, sb, &e);
	cr_expect_eq(ra, want, "%s in-process: %d", rel, ra);
	cr_expect_eq(rb, want, "%s through the helper: %d (%s)", rel, rb, e.msg);
	cr_expect_eq(sa->resolved, sb->resolved);
	close(src.rootfd);
}

Test(tarout, cp_reads_same_bytes_and_stay_inside)
{
	_cleanup_buf_ struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT, d = BUF_INIT;
	static struct tarout_stat sa, sb;
	static struct tarout_src src;
	struct err e = ERR_INIT;
	char p[4200];

	layers();
	both_trees("/", 0, &a, &b, &sa, &sb);
	cr_expect(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "same bytes for /");
	/* the symlink to ../../../etc/shadow resolves inside the root: absent there */
	both_trees("/s/", -ENOENT, &c, &d, &sa, &sb);
	cr_expect_eq(sb.resolved, 0u);
	cr_expect_eq(d.len, 0u, "nothing of the host's /etc/shadow");
	at(p, sizeof(p), "l");
	src.rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	strcpy(src.rel, "/s");
	strcpy(src.clean, "/s");
	cr_assert_eq(helper_read(untar_bin, HELPER_OP_STAT, &src, NULL, 0, NULL, NULL, &sb, &e), 0,
		     "%s", e.msg);
	cr_assert_eq(tarout_stat_local(&src, &sa, &e), 0);
	cr_expect(S_ISLNK(sb.mode));
	cr_expect_str_eq(sb.link_target, "/etc/shadow", "the link target inside the root");
	cr_expect_eq(memcmp(&sa, &sb, sizeof(sa)), 0, "same stat");
	close(src.rootfd);
}

/* ---- the extraction helper's other jobs (untar_stream.c) --------------- */

static int
tmpfile_fd(void)
{
	int fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	cr_assert_geq(fd, 0);
	return fd;
}

Test(tarout, sniff_decompress_canonical_same_through_the_helper)
{
	static const enum targen_filter filters[] = {TARGEN_PLAIN, TARGEN_GZIP, TARGEN_ZSTD,
						     TARGEN_BZIP2, TARGEN_XZ};
	struct untar_result a, b;
	struct err e = ERR_INIT;
	char tar[4200], txt[4200];

	for (size_t i = 0; i < sizeof(filters) / sizeof(*filters); i++) {
		_cleanup_close_ int in = -1, o1 = tmpfile_fd(), o2 = tmpfile_fd();
		struct targen *t;

		snprintf(tar, sizeof(tar), "%s/in%zu.tar", tmp, i);
		t = targen_new(tar, filters[i]);
		targen_dir(t, "d", 0755);
		targen_file(t, "d/f", "data", 0644);
		targen_hardlink(t, "d/h", "d/f");
		targen_symlink(t, "d/s", "/etc/shadow");
		targen_node(t, "d/null", S_IFCHR, 1, 3);
		targen_close(t);
		in = tarfile_open(tar);
		cr_assert_eq(helper_job(untar_bin, HELPER_OP_SNIFF, in, -1, &b, &e), 0, "%s",
			     e.msg);
		cr_expect_eq(b.entries, 1u, "filter %zu: a tar", i);
		cr_assert_eq(lseek(in, 0, SEEK_SET), 0);
		cr_assert_eq(helper_job(untar_bin, HELPER_OP_DECOMPRESS, in, o1, &b, &e), 0);
		cr_assert_eq(lseek(in, 0, SEEK_SET), 0);
		cr_assert_eq(untar_decompress_local(in, o2, &a, &e), 0);
		cr_expect_str_eq(b.diff_id, a.diff_id, "filter %zu: same digest", i);
		cr_expect_eq(b.tar_size, a.tar_size);
		cr_assert_eq(lseek(in, 0, SEEK_SET), 0);
		cr_assert_eq(ftruncate(o1, 0), 0);
		cr_assert_eq(helper_job(untar_bin, HELPER_OP_CANONICAL, in, o1, &b, &e), 0, "%s",
			     e.msg);
		cr_expect_eq(b.entries, 5u, "every entry counted, the device left out");
	}
	snprintf(txt, sizeof(txt), "%s/plain.txt", tmp);
	{
		_cleanup_close_ int fd = open(txt, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), in = -1;

		cr_assert_eq(write(fd, "not an archive\n", 15), 15);
		in = tarfile_open(txt);
		cr_assert_eq(helper_job(untar_bin, HELPER_OP_SNIFF, in, -1, &b, &e), 0);
		cr_expect_eq(b.entries, 0u, "a text file is not an archive");
	}
}

Test(tarout, canonical_refuses_what_the_builder_refused)
{
	struct untar_result r;
	struct err a = ERR_INIT, b = ERR_INIT;
	char tar[4200];
	struct targen *t;
	_cleanup_close_ int in = -1, o = tmpfile_fd();

	snprintf(tar, sizeof(tar), "%s/bad.tar", tmp);
	t = targen_new(tar, TARGEN_GZIP);
	targen_file(t, "ok", "x", 0644);
	targen_file(t, "a/../../escape", "x", 0644);
	targen_close(t);
	in = tarfile_open(tar);
	cr_expect_eq(helper_job(untar_bin, HELPER_OP_CANONICAL, in, o, &r, &b), -EINVAL);
	cr_assert_eq(lseek(in, 0, SEEK_SET), 0);
	cr_expect_eq(untar_canonical_local(in, o, &r, &a), -EINVAL);
	cr_expect_str_eq(b.msg, "archive entry 'a/../../escape': '..' refused (breakout)");
	cr_expect_str_eq(a.msg, b.msg);
}
