/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/archive/whiteout.h"

Test(whiteout, classifies_oci_names)
{
	const char *name = NULL;

	cr_expect_eq(whiteout_classify("file", &name), WHITEOUT_NONE);
	cr_expect_eq(whiteout_classify(".whiteboard", &name), WHITEOUT_NONE);
	cr_expect_eq(whiteout_classify(".wh.file", &name), WHITEOUT_FILE);
	cr_expect_str_eq(name, "file");
	cr_expect_eq(whiteout_classify(".wh..hidden", &name), WHITEOUT_FILE);
	cr_expect_str_eq(name, ".hidden");
	cr_expect_eq(whiteout_classify(".wh..wh..opq", &name), WHITEOUT_OPAQUE_DIR);
	cr_expect_eq(whiteout_classify(".wh..wh.plnk", &name), WHITEOUT_META);
	cr_expect_eq(whiteout_classify(".wh..wh..opqx", &name), WHITEOUT_META);
}

Test(whiteout, refuses_names_that_leave_the_directory)
{
	cr_expect_eq(whiteout_classify(".wh.", NULL), WHITEOUT_INVALID);
	cr_expect_eq(whiteout_classify(".wh..", NULL), WHITEOUT_INVALID);
	cr_expect_eq(whiteout_classify(".wh...", NULL), WHITEOUT_INVALID);
}

Test(whiteout, overlay_whiteout_is_a_0_0_char_device)
{
	struct stat st = { .st_mode = S_IFCHR, .st_rdev = makedev(0, 0) };

	cr_expect(whiteout_is_overlay(&st));
	st.st_rdev = makedev(1, 3);	/* /dev/null */
	cr_expect_not(whiteout_is_overlay(&st));
	st = (struct stat){ .st_mode = S_IFREG };
	cr_expect_not(whiteout_is_overlay(&st));
}

Test(whiteout, overlay_xattrs_are_recognised)
{
	cr_expect(whiteout_is_overlay_xattr(WHITEOUT_OPAQUE_XATTR));
	cr_expect(whiteout_is_overlay_xattr("trusted.overlay.redirect"));
	cr_expect_not(whiteout_is_overlay_xattr("security.capability"));
	cr_expect_not(whiteout_is_overlay_xattr("trusted.overlayx"));
}

/* Needs root (trusted.* xattrs, mknod); skips otherwise. */
Test(whiteout, marks_and_reads_opaque_dirs_and_makes_whiteouts)
{
	char dir[] = "/tmp/berth-wh.XXXXXX";
	struct stat st;
	int fd, pfd;

	cr_assert_not_null(mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_expect_not(whiteout_is_opaque(fd));
	if (whiteout_mark_opaque(fd) < 0 || whiteout_make_overlay(fd, "gone") < 0) {
		close(fd);
		unlinkat(AT_FDCWD, dir, AT_REMOVEDIR);
		cr_skip_test("no trusted xattrs or mknod here");
	}
	cr_expect(whiteout_is_opaque(fd));
	pfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_expect(whiteout_is_opaque(pfd), "O_PATH fds are read through /proc");
	cr_expect_eq(fstatat(fd, "gone", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect(whiteout_is_overlay(&st));
	cr_expect_eq(whiteout_make_overlay(fd, "gone"), -EEXIST);
	unlinkat(fd, "gone", 0);
	close(pfd);
	close(fd);
	unlinkat(AT_FDCWD, dir, AT_REMOVEDIR);
}
