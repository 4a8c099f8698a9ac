/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for engine/store/store_image.c: commit, lookup, tags, listing. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/util/cleanup.h"
#include "tests/unit/engine/store/store_fixture.h"

TestSuite(store_image, .init = fx_setup, .fini = fx_teardown);

static char c0[72], d0[72], c1[72], d1[72];

static void
two_layers(void)
{
	fx_layer(NULL, "a", "AAAA", c0, d0);
	fx_layer(c0, "b", "BB", c1, d1);
}

Test(store_image, commit_and_resolve_every_way)
{
	const char *diffs[] = {d0, d1};
	char id[72], got[72], name[80];
	struct err e = ERR_INIT;

	two_layers();
	fx_image(diffs, 2, "2024-01-01T00:00:00Z", "v", NULL, id);
	fx_tag(id, "busybox");
	fx_tag(id, "127.0.0.1:5000/app:1");
	cr_assert_eq(store_image_resolve(fx_store, "busybox", got, &e), 0, "%s", e.msg);
	cr_expect_str_eq(got, id);
	cr_expect_eq(store_image_resolve(fx_store, "docker.io/library/busybox:latest", got, &e), 0);
	cr_expect_eq(store_image_resolve(fx_store, "127.0.0.1:5000/app:1", got, &e), 0);
	cr_expect_eq(store_image_resolve(fx_store, id, got, &e), 0);
	cr_expect_eq(store_image_resolve(fx_store, id + 7, got, &e), 0);
	snprintf(name, sizeof(name), "%.12s", id + 7);
	cr_expect_eq(store_image_resolve(fx_store, name, got, &e), 0, "%s", e.msg);
	snprintf(name, sizeof(name), "sha256:%.5s", id + 7);
	cr_expect_eq(store_image_resolve(fx_store, name, got, &e), 0, "%s", e.msg);
	cr_expect_eq(store_image_resolve(fx_store, "busybox:nope", got, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "No such image: busybox:nope");
	cr_expect_eq(store_image_resolve(fx_store, "nosuch", got, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "No such image: nosuch:latest");
	cr_expect_eq(store_image_resolve(fx_store, "Upper", got, &e), -EINVAL);
	cr_expect_eq(store_image_resolve(fx_store,
					 "sha256:0000000000000000000000000000000000000000000000000000000000000000",
					 got, &e), -ENOENT);
	/* Idempotent commit. */
	fx_image(diffs, 2, "2024-01-01T00:00:00Z", "v", NULL, got);
	cr_expect_str_eq(got, id);
	cr_expect_eq(store_count_images(fx_store), 1);
}

Test(store_image, ambiguous_prefix)
{
	const char *diffs[] = {d0};
	char ids[40][72], got[72], p[2] = "";
	struct err e = ERR_INIT;
	int hit = -1;

	fx_layer(NULL, "a", "AAAA", c0, d0);
	/* 40 images: two of them share a first hex digit. */
	for (int i = 0; i < 40; i++) {
		char created[40];
		snprintf(created, sizeof(created), "2024-01-01T00:00:%02dZ", i);
		fx_image(diffs, 1, created, NULL, NULL, ids[i]);
		for (int k = 0; k < i && hit < 0; k++)
			if (ids[k][7] == ids[i][7])
				hit = i;
	}
	cr_assert_geq(hit, 0);
	p[0] = ids[hit][7];
	cr_expect_eq(store_image_resolve(fx_store, p, got, &e), -EINVAL);
	char want[80];
	snprintf(want, sizeof(want), "multiple IDs found with provided prefix: %s", p);
	cr_expect_str_eq(e.msg, want);
}

Test(store_image, invalid_configs_and_missing_layers)
{
	struct err e = ERR_INIT;
	const char *bad[] = {
		"", "[]", "{\"rootfs\":{\"type\":\"layers\"}}",
		"{\"rootfs\":{\"type\":\"other\",\"diff_ids\":[]}}",
		"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:1\"]}}",
		"{\"a\":1,\"a\":2,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(store_image_commit(fx_store, bad[i], strlen(bad[i]), NULL, NULL, &e),
			     -EINVAL, "%s", bad[i]);
	const char *missing = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
			      "4444444444444444444444444444444444444444444444444444444444444444\"]}}";
	cr_expect_eq(store_image_commit(fx_store, missing, strlen(missing), NULL, NULL, &e), -ENOENT);
	cr_expect_eq(store_count_images(fx_store), 0);
	/* An image without layers is fine (FROM scratch + metadata). */
	const char *empty = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	cr_expect_eq(store_image_commit(fx_store, empty, strlen(empty), NULL, NULL, &e), 0);
}

Test(store_image, tag_move_untag_and_sha256_name)
{
	const char *diffs[] = {d0};
	char a[72], b[72], got[72];
	struct reference r = REFERENCE_INIT;
	struct err e = ERR_INIT;

	fx_layer(NULL, "a", "AAAA", c0, d0);
	fx_image(diffs, 1, "2024-01-01T00:00:00Z", NULL, NULL, a);
	fx_image(diffs, 1, "2024-01-02T00:00:00Z", NULL, NULL, b);
	fx_tag(a, "app:1");
	fx_tag(b, "app:1");
	cr_assert_eq(store_image_resolve(fx_store, "app:1", got, &e), 0);
	cr_expect_str_eq(got, b, "moving a tag is allowed");
	cr_assert_eq(reference_parse("sha256:x", &r, &e), 0);
	cr_expect_eq(store_image_tag(fx_store, a, &r, &e), -EINVAL);
	reference_release(&r);
	cr_assert_eq(reference_parse("app:1", &r, &e), 0);
	cr_expect_eq(store_image_untag(fx_store, &r, &e), 0);
	cr_expect_eq(store_image_untag(fx_store, &r, &e), -ENOENT);
	reference_release(&r);
	cr_expect_eq(store_image_resolve(fx_store, "app:1", got, &e), -ENOENT);
	/* Persisted. */
	fx_tag(a, "app:2");
	fx_reopen();
	cr_expect_eq(store_image_resolve(fx_store, "app:2", got, &e), 0);
	cr_expect_str_eq(got, a);
}

Test(store_image, list_and_lowerdirs)
{
	const char *diffs[] = {d0, d1};
	char base[72], child[72], want[600];
	struct store_image_summary *v = NULL, one;
	_cleanup_strv_ char **dirs = NULL;
	_cleanup_buf_ struct buf cfg = BUF_INIT;
	struct err e = ERR_INIT;
	struct reference r = REFERENCE_INIT;
	size_t n = 0;

	two_layers();
	fx_image(diffs, 1, "2024-01-01T00:00:00Z", NULL, NULL, base);
	fx_image(diffs, 2, "2024-02-01T00:00:00Z", "lab", base, child);
	fx_tag(child, "app:1");
	cr_assert_eq(reference_parse("app@sha256:"
				     "5555555555555555555555555555555555555555555555555555555555555555",
				     &r, &e), 0);
	cr_assert_eq(store_image_tag(fx_store, child, &r, &e), 0, "%s", e.msg);
	reference_release(&r);
	cr_assert_eq(store_image_list(fx_store, &v, &n, &e), 0);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(v[0].id, child, "newest first");
	cr_expect_str_eq(v[0].parent, base);
	cr_expect_str_eq(v[0].repo_tags[0], "app:1");
	cr_expect_null(v[0].repo_tags[1]);
	cr_expect_str_eq(v[0].repo_digests[0], "app@sha256:"
			 "5555555555555555555555555555555555555555555555555555555555555555");
	cr_expect_eq(v[0].size, 6);
	cr_expect_not_null(v[0].labels);
	cr_expect_gt(v[0].last_tag_ns, 0);
	cr_expect_eq(v[1].size, 4);
	cr_expect(v[1].has_children);
	cr_expect_null(v[1].repo_tags[0]);
	store_image_summaries_free(v, n);

	cr_assert_eq(store_image_get(fx_store, "app:1", &one, &cfg, &e), 0);
	cr_expect(strstr(cfg.data, "\"lab\""));
	store_image_summary_release(&one);

	cr_assert_eq(store_image_lowerdirs(fx_store, child, &dirs, &e), 0);
	snprintf(want, sizeof(want), "%s/layers/%s/diff", fx_root, c1 + 7);
	cr_expect_str_eq(dirs[0], want, "top layer first");
	snprintf(want, sizeof(want), "%s/layers/%s/diff", fx_root, c0 + 7);
	cr_expect_str_eq(dirs[1], want);
	cr_expect_null(dirs[2]);
}

/* A re-tag (a cached rebuild) moves the tag time at once in memory; its
 * file is written by a thread, done by the time the store closes. */
Test(store_image, retag_time_shown_at_once_and_kept)
{
	const char *diffs[] = {d0};
	char id[72];
	struct store_image_summary one;
	struct err e = ERR_INIT;
	int64_t first, second;

	two_layers();
	fx_image(diffs, 1, "2024-01-01T00:00:00Z", NULL, NULL, id);
	fx_tag(id, "app:1");
	cr_assert_eq(store_image_get(fx_store, "app:1", &one, NULL, &e), 0, "%s", e.msg);
	first = one.last_tag_ns;
	store_image_summary_release(&one);
	fx_tag(id, "app:1");
	cr_assert_eq(store_image_get(fx_store, "app:1", &one, NULL, &e), 0, "%s", e.msg);
	second = one.last_tag_ns;
	store_image_summary_release(&one);
	cr_expect_gt(second, first, "the re-tag's time is shown before its write");
	fx_reopen();
	cr_assert_eq(store_image_get(fx_store, "app:1", &one, NULL, &e), 0, "%s", e.msg);
	cr_expect_eq(one.last_tag_ns, second, "and is on disk once the store closed");
	store_image_summary_release(&one);
}
