/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for engine/archive/helper.c: the request/reply protocol between
 * berthd and berth-untar (round trips, and every malformed form refused),
 * and, as root with the built helper, the same outcome through the helper
 * as in-process: digests, sizes, and errors with the same code and message.
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
#include "engine/archive/untar.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "tests/helpers/targen.h"

Test(helper_proto, request_round_trip)
{
	struct untar_opts o = {.whiteout = UNTAR_WHITEOUT_OVERLAY,
			       .flags = UNTAR_ALLOW_DEVICES,
			       .max_entries = 7,
			       .max_bytes = 99,
			       .max_depth = 3};
	struct helper_request req, got;

	helper_request_init(&req, HELPER_OP_UNTAR, &o);
	cr_assert_eq(helper_request_decode(&req, sizeof(req), &got), 0);
	cr_expect_eq(memcmp(&got.opts, &o, sizeof(o)), 0, "options arrive as sent");
}

Test(helper_proto, request_malformed)
{
	struct helper_request req, got;
	unsigned char big[sizeof(req) + 1] = {0};

	helper_request_init(&req, HELPER_OP_UNTAR, NULL);
	cr_expect_eq(helper_request_decode(&req, sizeof(req) - 1, &got), -EPROTO, "short");
	memcpy(big, &req, sizeof(req));
	cr_expect_eq(helper_request_decode(big, sizeof(big), &got), -EPROTO, "long");
	req.magic ^= 1;
	cr_expect_eq(helper_request_decode(&req, sizeof(req), &got), -EPROTO, "magic");
	helper_request_init(&req, HELPER_OP_UNTAR, NULL);
	req.size = 8;
	cr_expect_eq(helper_request_decode(&req, sizeof(req), &got), -EPROTO, "size");
	helper_request_init(&req, HELPER_OP_UNTAR, NULL);
	req.op = 99;
	cr_expect_eq(helper_request_decode(&req, sizeof(req), &got), -EPROTO, "op");
	helper_request_init(&req, HELPER_OP_UNTAR, NULL);
	req.opts.whiteout = (enum untar_whiteout)42;
	cr_expect_eq(helper_request_decode(&req, sizeof(req), &got), -EPROTO, "whiteout mode");
}

Test(helper_proto, reply_success)
{
	struct untar_result res = {.raw_size = 1, .tar_size = 2, .unpacked_size = 3, .entries = 4},
			    got;
	struct helper_reply rep;
	struct err e = ERR_INIT;

	strcpy(res.diff_id, "sha256:aa");
	strcpy(res.raw_digest, "sha256:bb");
	helper_reply_init(&rep, 0, &res, NULL);
	cr_assert_eq(helper_reply_decode(&rep, sizeof(rep), &got, &e), 0);
	cr_expect_eq(memcmp(&got, &res, sizeof(res)), 0, "result arrives as sent");
	cr_expect_eq(e.code, 0, "no error set on success");
	cr_expect_eq(helper_reply_decode(&rep, sizeof(rep), NULL, &e), 0, "ret may be NULL");
}

Test(helper_proto, reply_error_keeps_code_and_message)
{
	struct helper_reply rep;
	struct err in = ERR_INIT, out = ERR_INIT;

	err_set(&in, -E2BIG, "archive has more than %d entries", 3);
	helper_reply_init(&rep, in.code, NULL, &in);
	cr_expect_eq(helper_reply_decode(&rep, sizeof(rep), NULL, &out), -E2BIG);
	cr_expect_eq(out.code, -E2BIG);
	cr_expect_str_eq(out.msg, "archive has more than 3 entries");
}

static void
expect_malformed(const struct helper_reply *rep, size_t n, const char *what)
{
	struct err e = ERR_INIT;

	cr_expect_eq(helper_reply_decode(rep, n, NULL, &e), -EIO, "%s", what);
	cr_expect_str_eq(e.msg, "archive helper: malformed reply", "%s", what);
}

Test(helper_proto, reply_malformed)
{
	struct helper_reply rep;
	struct untar_result res = {0};

	helper_reply_init(&rep, 0, &res, NULL);
	expect_malformed(&rep, sizeof(rep) - 1, "short");
	rep.magic = HELPER_REQUEST_MAGIC;
	expect_malformed(&rep, sizeof(rep), "request magic");
	helper_reply_init(&rep, 0, &res, NULL);
	rep.code = 5;
	expect_malformed(&rep, sizeof(rep), "positive code");
	rep.code = -100000;
	expect_malformed(&rep, sizeof(rep), "code out of range");
	helper_reply_init(&rep, -EINVAL, NULL, NULL);
	memset(rep.msg, 'x', sizeof(rep.msg));
	expect_malformed(&rep, sizeof(rep), "unterminated message");
	helper_reply_init(&rep, 0, &res, NULL);
	memset(rep.res.diff_id, 'x', sizeof(rep.res.diff_id));
	expect_malformed(&rep, sizeof(rep), "unterminated digest");
}

Test(helper_proto, opaque_round_trip_and_malformed)
{
	struct helper_opaque m, got;

	helper_opaque_init(&m, "usr/share", "usr/share/.wh..wh..opq");
	cr_assert_eq(helper_opaque_decode(&m, sizeof(m), &got), 0);
	cr_expect_str_eq(got.dir, "usr/share");
	cr_expect_str_eq(got.entry, "usr/share/.wh..wh..opq");
	helper_opaque_init(&m, "", "./.wh..wh..opq");
	cr_expect_eq(helper_opaque_decode(&m, sizeof(m), &got), 0, "the destination itself");
	cr_expect_eq(helper_opaque_decode(&m, sizeof(m) - 1, &got), -EPROTO, "short");
	helper_opaque_init(&m, "/etc", NULL);
	cr_expect_eq(helper_opaque_decode(&m, sizeof(m), &got), -EPROTO, "absolute");
	helper_opaque_init(&m, "a/../..", NULL);
	cr_expect_eq(helper_opaque_decode(&m, sizeof(m), &got), -EPROTO, "'..'");
	helper_opaque_init(&m, "..", NULL);
	cr_expect_eq(helper_opaque_decode(&m, sizeof(m), &got), -EPROTO, "'..' alone");
	helper_opaque_init(&m, "a", NULL);
	memset(m.dir, 'a', sizeof(m.dir));
	cr_expect_eq(helper_opaque_decode(&m, sizeof(m), &got), -EPROTO, "unterminated");
	helper_opaque_init(&m, "a", NULL);
	m.magic = HELPER_REPLY_MAGIC;
	cr_expect_eq(helper_opaque_decode(&m, sizeof(m), &got), -EPROTO, "magic");
}

/* ---- through the real helper ------------------------------------------ */

static char tmp[] = "/tmp/berth-test-helper-XXXXXX";
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

TestSuite(helper, .init = setup, .fini = teardown);

/* Extracts @tar into a fresh <tmp>/@name, in-process or through the helper. */
static int
extract(const char *tar, const char *name, bool helper, const struct untar_opts *o,
	struct untar_result *res, struct err *e)
{
	_cleanup_close_ int in = tarfile_open(tar), dest = testdir_open(tmp, name);

	if (helper)
		return helper_untar(untar_bin, in, dest, o, res, e);
	return untar_extract_local(in, dest, o, res, e);
}

Test(helper, same_result_as_in_process)
{
	char tar[4200];
	struct targen *t;
	struct untar_result a, b;
	struct err e = ERR_INIT;
	struct untar_opts o = {.whiteout = UNTAR_WHITEOUT_OVERLAY, .flags = UNTAR_ALLOW_DEVICES};
	struct stat st;
	char p[4300], v[4];

	snprintf(tar, sizeof(tar), "%s/in.tar", tmp);
	t = targen_new(tar, TARGEN_GZIP);
	targen_dir(t, "etc", 0755);
	targen_owned(t, "etc/owned", "x", 04755, 1000, 1000);
	targen_symlink(t, "etc/link", "../../../../outside");
	targen_node(t, "dev-null", S_IFCHR, 1, 3);
	targen_file(t, ".wh.gone", "", 0644);
	targen_file(t, "etc/.wh..wh..opq", "", 0644);
	targen_close(t);
	cr_assert_eq(extract(tar, "a", false, &o, &a, &e), 0, "%s", e.msg);
	cr_assert_eq(extract(tar, "b", true, &o, &b, &e), 0, "%s", e.msg);
	cr_expect_str_eq(b.diff_id, a.diff_id);
	cr_expect_str_eq(b.raw_digest, a.raw_digest);
	cr_expect_eq(b.raw_size, a.raw_size);
	cr_expect_eq(b.tar_size, a.tar_size);
	cr_expect_eq(b.unpacked_size, a.unpacked_size);
	cr_expect_eq(b.entries, a.entries);
	snprintf(p, sizeof(p), "%s/b/etc/owned", tmp);
	cr_assert_eq(lstat(p, &st), 0);
	cr_expect_eq(st.st_uid, 1000u, "owner applied (CAP_CHOWN)");
	cr_expect_eq(st.st_mode & 07777, 04755u, "set-id bit kept (CAP_FSETID not needed)");
	snprintf(p, sizeof(p), "%s/b/dev-null", tmp);
	cr_assert_eq(lstat(p, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3), "device node (CAP_MKNOD)");
	snprintf(p, sizeof(p), "%s/b/gone", tmp);
	cr_assert_eq(lstat(p, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == 0, "overlay whiteout");
	snprintf(p, sizeof(p), "%s/b/etc", tmp);
	cr_expect(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y',
		  "opaque directory (xattr set by the caller for the helper)");
}

Test(helper, every_compression)
{
	static const enum targen_filter filters[] = {TARGEN_PLAIN, TARGEN_GZIP, TARGEN_ZSTD,
						     TARGEN_BZIP2, TARGEN_XZ};
	char tar[4200], dir[32];

	snprintf(tar, sizeof(tar), "%s/c.tar", tmp);
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		struct targen *t = targen_new(tar, filters[i]);
		struct untar_result a, b;
		struct err e = ERR_INIT;

		targen_file(t, "f", "compressed", 0644);
		targen_close(t);
		snprintf(dir, sizeof(dir), "ca%zu", i);
		cr_assert_eq(extract(tar, dir, false, NULL, &a, &e), 0, "%s", e.msg);
		snprintf(dir, sizeof(dir), "cb%zu", i);
		cr_assert_eq(extract(tar, dir, true, NULL, &b, &e), 0, "filter %zu: %s", i, e.msg);
		cr_expect_str_eq(b.diff_id, a.diff_id, "filter %zu", i);
		cr_expect_str_eq(b.raw_digest, a.raw_digest, "filter %zu", i);
	}
}

Test(helper, same_errors_as_in_process)
{
	static const char *const names[] = {"../escape", "/abs", "a/../../b"};
	char tar[4200], dir[32];
	struct err a = ERR_INIT, b = ERR_INIT;

	snprintf(tar, sizeof(tar), "%s/bad.tar", tmp);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct targen *t = targen_new(tar, TARGEN_PLAIN);
		int ra, rb;

		targen_file(t, names[i], "x", 0644);
		targen_close(t);
		snprintf(dir, sizeof(dir), "a%zu", i);
		ra = extract(tar, dir, false, NULL, NULL, &a);
		snprintf(dir, sizeof(dir), "b%zu", i);
		rb = extract(tar, dir, true, NULL, NULL, &b);
		cr_expect_lt(ra, 0, "'%s' refused", names[i]);
		cr_expect_eq(rb, ra, "'%s': same code through the helper", names[i]);
		cr_expect_str_eq(b.msg, a.msg, "'%s': same message", names[i]);
		a = (struct err)ERR_INIT;
		b = (struct err)ERR_INIT;
	}
}

Test(helper, no_overwrite_dir_non_dir)
{
	char tar[4200], p[4300];
	struct untar_opts o = {.flags = UNTAR_NO_OVERWRITE_DIR_NON_DIR};
	struct err e = ERR_INIT;
	struct targen *t;
	struct stat st;
	int in, dest;

	snprintf(tar, sizeof(tar), "%s/ow.tar", tmp);
	t = targen_new(tar, TARGEN_GZIP);
	targen_file(t, "new", "n", 0644);
	targen_file(t, "d", "not a dir", 0644);
	targen_close(t);
	dest = testdir_open(tmp, "ow");
	cr_assert_eq(mkdirat(dest, "d", 0755), 0);
	in = tarfile_open(tar);
	cr_expect_eq(helper_untar(untar_bin, in, dest, &o, NULL, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "cannot overwrite directory \"d\" with non-directory");
	cr_expect_neq(fstatat(dest, "new", &st, 0), 0, "nothing extracted before the refusal");
	close(in);
	e = (struct err)ERR_INIT;
	cr_assert_eq(unlinkat(dest, "d", AT_REMOVEDIR), 0);
	in = tarfile_open(tar);
	cr_expect_eq(helper_untar(untar_bin, in, dest, &o, NULL, &e), 0, "%s", e.msg);
	snprintf(p, sizeof(p), "%s/ow/d", tmp);
	cr_expect(lstat(p, &st) == 0 && S_ISREG(st.st_mode), "extracted after the check");
	close(in);
	close(dest);
}

Test(helper, garbage_and_limits)
{
	char tar[4200];
	struct err e = ERR_INIT;
	struct untar_opts few = {.max_entries = 1};
	struct targen *t;
	int fd;

	snprintf(tar, sizeof(tar), "%s/garbage.tar", tmp);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_eq(write(fd, "this is not a tar archive at all, not even close......", 54), 54);
	close(fd);
	cr_expect_eq(extract(tar, "g", true, NULL, NULL, &e), -EINVAL, "%s", e.msg);
	cr_expect(strncmp(e.msg, "invalid archive", 15) == 0, "%s", e.msg);
	e = (struct err)ERR_INIT;
	t = targen_new(tar, TARGEN_PLAIN);
	targen_file(t, "a", "1", 0644);
	targen_file(t, "b", "2", 0644);
	targen_close(t);
	cr_expect_eq(extract(tar, "l", true, &few, NULL, &e), -E2BIG, "%s", e.msg);
	cr_expect_str_eq(e.msg, "archive has more than 1 entries");
}

Test(helper, missing_binary)
{
	_cleanup_close_ int in = open("/dev/null", O_RDONLY | O_CLOEXEC),
			    dest = testdir_open(tmp, "m");
	struct err e = ERR_INIT;

	cr_expect_lt(helper_untar("/nonexistent/berth-untar", in, dest, NULL, NULL, &e), 0);
	cr_expect(strstr(e.msg, "archive helper") != NULL, "%s", e.msg);
}
