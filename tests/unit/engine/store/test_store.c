/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for engine/store/store.c: layout and crash recovery. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/util/fs.h"
#include "tests/unit/engine/store/store_fixture.h"

TestSuite(store, .init = fx_setup, .fini = fx_teardown);

static void
touch(const char *rel)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", fx_root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "%s", p);
	close(fd);
}

static bool
exists(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", fx_root, rel);
	return fs_exists(p);
}

static void
mkd(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", fx_root, rel);
	cr_assert_eq(fs_mkdir_p(p, 0700), 0, "%s", p);
}

Test(store, creates_layout)
{
	cr_expect(exists("blobs/sha256"));
	cr_expect(exists("layers"));
	cr_expect(exists("images/meta"));
	cr_expect(exists("tmp"));
	cr_expect_eq(store_count_images(fx_store), 0);
}

#define BOGUS "0000000000000000000000000000000000000000000000000000000000000001"

Test(store, recovery_removes_leftovers_and_keeps_good_data)
{
	char chain[72], diff[72], id[72], got[72];
	struct err e = ERR_INIT;
	const char *diffs[1];

	fx_layer(NULL, "f", "good", chain, diff);
	diffs[0] = diff;
	fx_image(diffs, 1, "2024-01-01T00:00:00Z", NULL, NULL, id);
	fx_tag(id, "good:1");
	/* What a crash can leave behind. */
	mkd("layers/.tmp-abc123/diff/usr");
	touch("layers/.tmp-abc123/diff/usr/x");
	mkd("layers/.del-" BOGUS "-abc/diff");
	mkd("layers/" BOGUS "/diff");
	touch("tmp/blob-XYZ123");
	touch("refs.json.tmp.123.abcdef");
	touch("images/" BOGUS ".json.tmp.1.abcdef");
	touch("images/meta/" BOGUS ".json.tmp.1.abcdef");
	fx_reopen();
	cr_expect_not(exists("layers/.tmp-abc123"));
	cr_expect_not(exists("layers/.del-" BOGUS "-abc"));
	cr_expect_not(exists("layers/" BOGUS), "a layer without meta.json is not trusted");
	cr_expect_not(exists("tmp/blob-XYZ123"));
	cr_expect_not(exists("refs.json.tmp.123.abcdef"));
	cr_expect_not(exists("images/" BOGUS ".json.tmp.1.abcdef"));
	cr_expect_not(exists("images/meta/" BOGUS ".json.tmp.1.abcdef"));
	/* Good data survives. */
	cr_assert_eq(store_image_resolve(fx_store, "good:1", got, &e), 0, "%s", e.msg);
	cr_expect_str_eq(got, id);
	cr_expect_eq(store_layer_get(fx_store, chain, false, NULL, &e), 0, "%s", e.msg);
	cr_expect_eq(store_count_images(fx_store), 1);
}

Test(store, corrupt_files_are_ignored)
{
	char chain[72], diff[72], id[72], p[512];
	struct err e = ERR_INIT;
	const char *diffs[1];
	int fd;

	fx_layer(NULL, "f", "x", chain, diff);
	diffs[0] = diff;
	fx_image(diffs, 1, "2024-01-01T00:00:00Z", NULL, NULL, id);
	fx_tag(id, "x");
	/* A config whose bytes no longer match its name, and garbage refs. */
	snprintf(p, sizeof(p), "%s/images/%s.json", fx_root, id + 7);
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	cr_assert_eq(write(fd, "{}", 2), 2);
	close(fd);
	fx_reopen();
	cr_expect_eq(store_count_images(fx_store), 0);
	cr_expect_eq(store_image_resolve(fx_store, "x", p, &e), -ENOENT);
	snprintf(p, sizeof(p), "%s/refs.json", fx_root);
	cr_assert_eq(fs_write_atomic(p, "not json", 8, 0600), 0);
	fx_reopen();
}
