/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for engine/store/store_delete.c: dockerd's rmi semantics. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/util/fs.h"
#include "tests/unit/engine/store/store_fixture.h"

TestSuite(store_delete, .init = fx_setup, .fini = fx_teardown);

static char c0[72], d0[72], c1[72], d1[72];
#define CTR "c0ffee0000000000000000000000000000000000000000000000000000000000"

struct usage {
	char image[72];
	bool running;
};

static bool
usage_cb(void *ctx, const char *image_id, bool running_only, char ret[65])
{
	struct usage *u = ctx;

	if (strcmp(u->image, image_id) != 0 || (running_only && !u->running))
		return false;
	strcpy(ret, CTR);
	return true;
}

static bool
has(const struct store_delete_report *r, enum store_delete_kind k, const char *what)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].kind == k && strcmp(r->items[i].what, what) == 0)
			return true;
	return false;
}

static bool
layer_exists(const char *chain)
{
	struct err e = ERR_INIT;
	return store_layer_get(fx_store, chain, false, NULL, &e) == 0;
}

static void
image(const char *created, size_t nlayers, const char *parent, char *id)
{
	const char *diffs[] = {d0, d1};

	fx_image(diffs, nlayers, created, NULL, parent, id);
}

Test(store_delete, untag_then_delete_frees_layers)
{
	char id[72], chain_dir[512];
	struct store_delete_report rep = {0};
	struct err e = ERR_INIT;

	fx_layer(NULL, "a", "A", c0, d0);
	fx_layer(c0, "b", "B", c1, d1);
	image("2024-01-01T00:00:00Z", 2, NULL, id);
	fx_tag(id, "app:1");
	fx_tag(id, "app:2");
	cr_assert_eq(store_delete_image(fx_store, "app:1", NULL, &rep, &e), 0, "%s", e.msg);
	cr_expect_eq(rep.n, 1);
	cr_expect(has(&rep, STORE_UNTAGGED, "app:1"));
	store_delete_report_release(&rep);
	cr_assert_eq(store_delete_image(fx_store, "app:2", NULL, &rep, &e), 0, "%s", e.msg);
	cr_expect(has(&rep, STORE_UNTAGGED, "app:2"));
	cr_expect(has(&rep, STORE_DELETED, id));
	cr_expect(has(&rep, STORE_DELETED, c1));
	cr_expect(has(&rep, STORE_DELETED, c0));
	cr_expect_eq(rep.reclaimed, 2);
	store_delete_report_release(&rep);
	cr_expect_not(layer_exists(c0));
	snprintf(chain_dir, sizeof(chain_dir), "%s/layers/%s", fx_root, c0 + 7);
	cr_expect_not(fs_exists(chain_dir));
	cr_expect_eq(store_count_images(fx_store), 0);
	cr_expect_eq(store_delete_image(fx_store, "app:2", NULL, &rep, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "No such image: app:2");
}

Test(store_delete, shared_layers_stay)
{
	char a[72], b[72];
	struct store_delete_report rep = {0};
	struct err e = ERR_INIT;

	fx_layer(NULL, "a", "A", c0, d0);
	fx_layer(c0, "b", "B", c1, d1);
	image("2024-01-01T00:00:00Z", 1, NULL, a);
	image("2024-01-02T00:00:00Z", 2, NULL, b);
	cr_assert_eq(store_delete_image(fx_store, b, NULL, &rep, &e), 0, "%s", e.msg);
	cr_expect(has(&rep, STORE_DELETED, c1));
	cr_expect_not(has(&rep, STORE_DELETED, c0));
	cr_expect(layer_exists(c0));
	cr_expect_not(layer_exists(c1));
	store_delete_report_release(&rep);
}

Test(store_delete, by_id_conflicts)
{
	char id[72], got[72];
	struct store_delete_report rep = {0};
	struct store_delete_opts force = {.force = true};
	struct err e = ERR_INIT;
	char want[200];

	fx_layer(NULL, "a", "A", c0, d0);
	image("2024-01-01T00:00:00Z", 1, NULL, id);
	fx_tag(id, "one:1");
	fx_tag(id, "two:1");
	cr_expect_eq(store_delete_image(fx_store, id, NULL, &rep, &e), -EBUSY);
	snprintf(want, sizeof(want),
		 "conflict: unable to delete %.12s (must be forced) - image is referenced in "
		 "multiple repositories", id + 7);
	cr_expect_str_eq(e.msg, want);
	cr_expect_eq(rep.n, 0);
	cr_assert_eq(store_delete_image(fx_store, id + 7, &force, &rep, &e), 0, "%s", e.msg);
	cr_expect(has(&rep, STORE_UNTAGGED, "one:1"));
	cr_expect(has(&rep, STORE_UNTAGGED, "two:1"));
	cr_expect(has(&rep, STORE_DELETED, id));
	cr_expect_eq(store_image_resolve(fx_store, "one:1", got, &e), -ENOENT);
	store_delete_report_release(&rep);
}

Test(store_delete, children_and_containers)
{
	char parent[72], child[72], want[300];
	struct store_delete_report rep = {0};
	struct usage u = {.running = false};
	struct store_delete_opts o = {.usage = usage_cb, .usage_ctx = &u};
	struct store_delete_opts fo = {.force = true, .usage = usage_cb, .usage_ctx = &u};
	struct err e = ERR_INIT;

	fx_layer(NULL, "a", "A", c0, d0);
	image("2024-01-01T00:00:00Z", 1, NULL, parent);
	image("2024-01-02T00:00:00Z", 1, parent, child);
	fx_tag(child, "app");
	cr_expect_eq(store_delete_image(fx_store, parent, &fo, &rep, &e), -EBUSY);
	snprintf(want, sizeof(want),
		 "conflict: unable to delete %.12s (cannot be forced) - image has dependent child "
		 "images", parent + 7);
	cr_expect_str_eq(e.msg, want);

	strcpy(u.image, child);
	cr_expect_eq(store_delete_image(fx_store, "app", &o, &rep, &e), -EBUSY);
	snprintf(want, sizeof(want),
		 "conflict: unable to remove repository reference \"app\" (must force) - container "
		 "%.12s is using its referenced image %.12s", CTR, child + 7);
	cr_expect_str_eq(e.msg, want);
	u.running = true;
	cr_expect_eq(store_delete_image(fx_store, child, &fo, &rep, &e), -EBUSY);
	snprintf(want, sizeof(want),
		 "conflict: unable to delete %.12s (cannot be forced) - image is being used by "
		 "running container %.12s", child + 7, CTR);
	cr_expect_str_eq(e.msg, want);
	cr_expect_eq(rep.n, 0, "nothing happened");
	/* A stopped container only blocks without force. */
	u.running = false;
	cr_expect_eq(store_delete_image(fx_store, child, &o, &rep, &e), -EBUSY);
	cr_assert_eq(store_delete_image(fx_store, child, &fo, &rep, &e), 0, "%s", e.msg);
	cr_expect(has(&rep, STORE_UNTAGGED, "app:latest"));
	cr_expect(has(&rep, STORE_DELETED, child));
	cr_expect(has(&rep, STORE_DELETED, parent), "untagged parent pruned");
	cr_expect(has(&rep, STORE_DELETED, c0));
	store_delete_report_release(&rep);
}

Test(store_delete, noprune_and_tagged_parent)
{
	char parent[72], child[72], got[72];
	struct store_delete_report rep = {0};
	struct store_delete_opts np = {.noprune = true};
	struct err e = ERR_INIT;

	fx_layer(NULL, "a", "A", c0, d0);
	image("2024-01-01T00:00:00Z", 1, NULL, parent);
	image("2024-01-02T00:00:00Z", 1, parent, child);
	cr_assert_eq(store_delete_image(fx_store, child, &np, &rep, &e), 0, "%s", e.msg);
	cr_expect_not(has(&rep, STORE_DELETED, parent));
	cr_expect_eq(store_image_resolve(fx_store, parent, got, &e), 0);
	store_delete_report_release(&rep);
	/* A tagged parent is never pruned. */
	image("2024-01-03T00:00:00Z", 1, parent, child);
	fx_tag(parent, "base");
	cr_assert_eq(store_delete_image(fx_store, child, NULL, &rep, &e), 0, "%s", e.msg);
	cr_expect_eq(store_image_resolve(fx_store, "base", got, &e), 0);
	cr_expect(layer_exists(c0));
	store_delete_report_release(&rep);
}

Test(store_delete, last_tag_takes_digest_refs_along)
{
	char id[72], got[72];
	struct reference r = REFERENCE_INIT;
	struct store_delete_report rep = {0};
	struct err e = ERR_INIT;
	const char *dref = "app@sha256:6666666666666666666666666666666666666666666666666666666666666666";

	fx_layer(NULL, "a", "A", c0, d0);
	image("2024-01-01T00:00:00Z", 1, NULL, id);
	fx_tag(id, "app:1");
	fx_tag(id, "other:1");
	cr_assert_eq(reference_parse(dref, &r, &e), 0);
	cr_assert_eq(store_image_tag(fx_store, id, &r, &e), 0);
	reference_release(&r);
	cr_assert_eq(store_delete_image(fx_store, "app:1", NULL, &rep, &e), 0, "%s", e.msg);
	cr_expect(has(&rep, STORE_UNTAGGED, "app:1"));
	cr_expect(has(&rep, STORE_UNTAGGED, dref));
	cr_expect_eq(store_image_resolve(fx_store, "other:1", got, &e), 0, "image stays");
	cr_expect_eq(store_image_resolve(fx_store, dref, got, &e), -ENOENT);
	store_delete_report_release(&rep);
}

Test(store_delete, held_layers_survive)
{
	char id[72];
	struct store_delete_report rep = {0};
	struct err e = ERR_INIT;

	fx_layer(NULL, "a", "A", c0, d0);
	image("2024-01-01T00:00:00Z", 1, NULL, id);
	/* A pull in flight holds the layer it found. */
	cr_assert_eq(store_layer_get(fx_store, c0, true, NULL, &e), 0);
	cr_assert_eq(store_delete_image(fx_store, id, NULL, &rep, &e), 0, "%s", e.msg);
	cr_expect(layer_exists(c0));
	store_layer_release(fx_store, c0);
	store_delete_report_release(&rep);
}
