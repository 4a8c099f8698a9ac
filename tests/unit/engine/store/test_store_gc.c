/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for engine/store/store_gc.c: what is live, pins, holds, start-up. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "tests/unit/engine/store/store_fixture.h"

TestSuite(store_gc, .init = fx_setup, .fini = fx_teardown);

static void
blob(const char *content, char digest[72])
{
	int p[2];
	struct err e = ERR_INIT;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(write(p[1], content, strlen(content)), (ssize_t)strlen(content));
	close(p[1]);
	cr_assert_eq(store_blob_ingest(fx_store, p[0], NULL, 0, digest, &e), 0, "%s", e.msg);
	close(p[0]);
}

static bool
has_layer(const char *chain)
{
	return store_layer_get(fx_store, chain, false, NULL, NULL) == 0;
}

Test(store_gc, keeps_what_images_use_and_collects_the_rest)
{
	char used[72], used_diff[72], top[72], lone[72], b_used[72], b_lone[72], id[72];
	const char *diffs[1];
	struct store_gc_report rep = {0};
	struct err e = ERR_INIT;

	fx_layer(NULL, "a", "1", used, used_diff);
	fx_layer(used, "b", "2", top, NULL); /* unused child of a used layer */
	fx_layer(NULL, "c", "3", lone, NULL);
	diffs[0] = used_diff;
	fx_image(diffs, 1, "2024-01-01T00:00:00Z", NULL, NULL, id);
	blob("kept", b_used);
	blob("garbage", b_lone);
	cr_assert_eq(store_layer_add_source(fx_store, used, b_used, "r", &e), 0);

	cr_assert_eq(store_gc(fx_store, &rep, &e), 0, "%s", e.msg);
	cr_expect(has_layer(used));
	cr_expect_not(has_layer(top));
	cr_expect_not(has_layer(lone));
	cr_expect(store_blob_exists(fx_store, b_used), "a layer's source blob stays for save/push");
	cr_expect_not(store_blob_exists(fx_store, b_lone));
	cr_expect_eq(rep.layers, 2);
	cr_expect_eq(rep.blobs, 1);
	cr_expect_eq(rep.blob_bytes, strlen("garbage"));
	cr_expect_eq(store_blobs_size(fx_store), strlen("kept"));
	/* Idempotent: nothing more to do. */
	rep = (struct store_gc_report){0};
	cr_assert_eq(store_gc(fx_store, &rep, &e), 0);
	cr_expect_eq(rep.layers + rep.blobs, 0);
}

Test(store_gc, pins_and_holds_protect_work_in_flight)
{
	char base[72], child[72], b[72];
	struct err e = ERR_INIT;

	fx_layer(NULL, "a", "1", base, NULL);
	fx_layer(base, "b", "2", child, NULL);
	cr_assert_eq(store_layer_get(fx_store, child, true, NULL, &e), 0);
	blob("downloaded", b);
	store_blob_pin(fx_store, b);
	store_blob_pin(fx_store, b); /* two pulls of one blob */

	cr_assert_eq(store_gc(fx_store, NULL, &e), 0);
	cr_expect(has_layer(child), "a held layer stays");
	cr_expect(has_layer(base), "and its parent");
	store_blob_unpin(fx_store, b);
	cr_assert_eq(store_gc(fx_store, NULL, &e), 0);
	cr_expect(store_blob_exists(fx_store, b), "pins are counted");

	store_blob_unpin(fx_store, b);
	store_layer_release(fx_store, child);
	cr_assert_eq(store_gc(fx_store, NULL, &e), 0);
	cr_expect_not(store_blob_exists(fx_store, b));
	cr_expect_not(has_layer(child));
	cr_expect_not(has_layer(base));
}

Test(store_gc, pinned_ingest_is_never_seen_unpinned)
{
	int p[2];
	char d[72];
	struct err e = ERR_INIT;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(write(p[1], "imported", 8), 8);
	close(p[1]);
	cr_assert_eq(store_blob_ingest_pinned(fx_store, p[0], 0, d, &e), 0, "%s", e.msg);
	close(p[0]);
	cr_assert_eq(store_gc(fx_store, NULL, &e), 0);
	cr_expect(store_blob_exists(fx_store, d));
	store_blob_unpin(fx_store, d);
	cr_assert_eq(store_gc(fx_store, NULL, &e), 0);
	cr_expect_not(store_blob_exists(fx_store, d));
}

Test(store_gc, start_up_collects_leftovers)
{
	char lone[72], b[72], p[512];

	fx_layer(NULL, "c", "3", lone, NULL);
	blob("left by an older version", b);
	fx_reopen();
	cr_expect_not(has_layer(lone));
	cr_expect_not(store_blob_exists(fx_store, b));
	snprintf(p, sizeof(p), "%s/layers/%s", fx_root, lone + 7);
	cr_expect_not(fs_exists(p), "the layer directory is gone too");
}
