/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/image/image.h"
#include "engine/util/fs.h"
#include "tests/unit/engine/image/image_fixture.h"

TestSuite(save, .init = ifx_setup, .fini = ifx_teardown);

static int
to_fd(void *ctx, const void *p, size_t n)
{
	return fs_write_all(*(int *)ctx, p, n);
}

static int
save_to_file(const char *const *names, size_t n, const char *path, struct err *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r = image_save(ifx->images, names, n, to_fd, &fd, e);

	close(fd);
	return r;
}

Test(save, round_trip_preserves_ids_and_is_reproducible)
{
	char id[DIGEST_STR_LEN + 1], got[DIGEST_STR_LEN + 1];
	char p1[300], p2[300], h1[65], h2[65];
	const char *names[] = { "a/b:1" };
	struct err e = ERR_INIT;
	struct ifx_env *other;
	int fd;

	ifx_import("a/b:1", "etc/a", "content", id);
	snprintf(p1, sizeof(p1), "%s/s1.tar", ifx_root);
	snprintf(p2, sizeof(p2), "%s/s2.tar", ifx_root);
	cr_assert_eq(save_to_file(names, 1, p1, &e), 0, "%s", e.msg);
	cr_assert_eq(save_to_file(names, 1, p2, &e), 0, "%s", e.msg);
	cr_assert_eq(sha256_file_hex(p1, h1), 0);
	cr_assert_eq(sha256_file_hex(p2, h2), 0);
	cr_expect_str_eq(h1, h2, "two saves give the same bytes");

	other = ifx_other();
	fd = open(p1, O_RDONLY | O_CLOEXEC);
	cr_assert_eq(image_load(other->images, fd, true, NULL, NULL, &e), 0, "%s", e.msg);
	close(fd);
	cr_assert_eq(store_image_resolve(other->store, "a/b:1", got, &e), 0, "%s", e.msg);
	cr_expect_str_eq(got, id);
}

Test(save, missing_name_fails_before_writing)
{
	const char *names[] = { "nosuch:1" };
	char p[300];
	struct err e = ERR_INIT;

	snprintf(p, sizeof(p), "%s/s.tar", ifx_root);
	cr_expect_eq(save_to_file(names, 1, p, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "No such image: nosuch:1");
}
