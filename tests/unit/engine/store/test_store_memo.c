/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for engine/store/store_memo.c: the generation moves with every
 * change a listing of images can show, and memos are valid exactly while it
 * has not moved (a stale /images/json memo is what these guard against).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reference.h"
#include "tests/unit/engine/store/store_fixture.h"

TestSuite(store_memo, .init = fx_setup, .fini = fx_teardown);

static char c0[72], d0[72], c1[72], d1[72];

/* Expects the generation to have moved since *@last, and records it. */
static void
moved(uint64_t *last, const char *what)
{
	uint64_t g = store_gen(fx_store);

	cr_expect_gt(g, *last, "the generation did not move after %s", what);
	*last = g;
}

static bool
memo_is(const char *key, const char *want)
{
	struct buf b = BUF_INIT;
	bool hit = store_memo_get(fx_store, key, &b);
	bool same = hit && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;

	buf_release(&b);
	return same;
}

Test(store_memo, every_change_moves_the_generation)
{
	const char *diffs[] = {d0, d1};
	char base[72], child[72], again[72];
	struct store_delete_report rep = {0};
	struct store_delete_opts force = {.force = true};
	struct reference ref = REFERENCE_INIT;
	struct err e = ERR_INIT;
	uint64_t g = store_gen(fx_store);

	fx_layer(NULL, "a", "AAAA", c0, d0);
	moved(&g, "a layer");
	fx_layer(c0, "b", "BB", c1, d1);
	moved(&g, "a second layer");
	cr_assert_eq(store_layer_add_source(fx_store, c0, c0, "r", &e), 0, "%s", e.msg);
	moved(&g, "a layer source");
	fx_image(diffs, 1, "2024-01-01T00:00:00Z", NULL, NULL, base);
	moved(&g, "an image commit");
	fx_image(diffs, 2, "2024-01-02T00:00:00Z", "v", NULL, child);
	moved(&g, "a second image");
	{
		struct store_commit_opts o = {.parent_id = base};
		struct buf cfg = BUF_INIT;
		cr_assert_eq(store_image_get(fx_store, child, NULL, &cfg, &e), 0, "%s", e.msg);
		cr_assert_eq(store_image_commit(fx_store, cfg.data, cfg.len, &o, again, &e), 0,
			     "%s", e.msg);
		buf_release(&cfg);
		cr_expect_str_eq(again, child);
		moved(&g, "a build parent given to an existing image");
	}
	fx_tag(child, "app:1");
	moved(&g, "a tag");
	fx_tag(child, "app:1");
	moved(&g, "the same tag again (its tag time)");
	fx_tag(base, "app:1");
	moved(&g, "a tag moved to another image");
	cr_assert_eq(reference_parse("app:1", &ref, &e), 0);
	cr_assert_eq(store_image_untag(fx_store, &ref, &e), 0, "%s", e.msg);
	reference_release(&ref);
	moved(&g, "an untag");
	fx_tag(child, "app:2");
	moved(&g, "a tag");
	cr_assert_eq(store_delete_image(fx_store, "app:2", &force, &rep, &e), 0, "%s", e.msg);
	store_delete_report_release(&rep);
	moved(&g, "rmi");
	cr_expect_eq(store_count_images(fx_store), 0, "its untagged parent is pruned with it");
	/* Nothing changes: the generation stays. */
	(void)store_gc(fx_store, NULL, NULL);
	cr_expect_eq(store_gen(fx_store), g, "a collection that removed nothing");
	fx_layer(NULL, "z", "unused", NULL, NULL);
	moved(&g, "an unused layer");
	cr_assert_eq(store_gc(fx_store, NULL, &e), 0, "%s", e.msg);
	moved(&g, "the collection of a layer");
}

Test(store_memo, valid_until_the_store_changes)
{
	const char *diffs[] = {d0};
	char id[72];
	uint64_t g;

	fx_layer(NULL, "a", "AAAA", c0, d0);
	g = store_gen(fx_store);
	cr_expect_not(memo_is("k", "[]\n"));
	store_memo_put(fx_store, "k", g, "[]\n", 3);
	cr_expect(memo_is("k", "[]\n"));
	cr_expect(memo_is("k", "[]\n"), "a memo is read any number of times");
	cr_expect_not(memo_is("other", "[]\n"));
	fx_image(diffs, 1, "2024-01-01T00:00:00Z", NULL, NULL, id);
	cr_expect_not(memo_is("k", "[]\n"), "stale after a commit");
	/* Put under a generation read before a change: never kept. */
	store_memo_put(fx_store, "k", g, "[]\n", 3);
	cr_expect_not(memo_is("k", "[]\n"));
	g = store_gen(fx_store);
	store_memo_put(fx_store, "k", g, "[1]\n", 4);
	cr_expect(memo_is("k", "[1]\n"));
	fx_tag(id, "x");
	cr_expect_not(memo_is("k", "[1]\n"), "stale after a tag");
}

Test(store_memo, bounded_least_recently_used)
{
	uint64_t g = store_gen(fx_store);
	char key[16];

	for (int i = 0; i < STORE_MEMO_SLOTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		store_memo_put(fx_store, key, g, key, strlen(key));
	}
	cr_expect(memo_is("k0", "k0")); /* k1 is now the least recently used */
	store_memo_put(fx_store, "new", g, "n", 1);
	cr_expect(memo_is("new", "n"));
	cr_expect(memo_is("k0", "k0"));
	cr_expect_not(memo_is("k1", "k1"), "the least recently used memo went");
	for (int i = 2; i < STORE_MEMO_SLOTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cr_expect(memo_is(key, key));
	}
	/* The same key replaces its memo. */
	store_memo_put(fx_store, "k0", g, "k0'", 3);
	cr_expect(memo_is("k0", "k0'"));
	/* Too large: not kept. */
	{
		size_t n = STORE_MEMO_MAX_BYTES + 1;
		char *big = calloc(1, n);
		store_memo_put(fx_store, "big", g, big, n);
		free(big);
		struct buf b = BUF_INIT;
		cr_expect_not(store_memo_get(fx_store, "big", &b));
		buf_release(&b);
	}
}
