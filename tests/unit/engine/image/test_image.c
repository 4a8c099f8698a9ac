/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/image/image_internal.h"
#include "engine/util/cleanup.h"
#include "tests/unit/engine/image/image_fixture.h"

TestSuite(image, .init = ifx_setup, .fini = ifx_teardown);

Test(image, inflight_second_caller_joins_and_sees_the_result)
{
	struct image_inflight *a, *b;
	struct err e = ERR_INIT, why = ERR_INIT;

	cr_assert_eq(images_inflight_begin(ifx->images, "sha256:aa", &a), 1);
	cr_assert_eq(images_inflight_begin(ifx->images, "sha256:aa", &b), 0);
	cr_assert_eq(a, b);
	err_set(&why, -EBADMSG, "bad digest");
	images_inflight_end(ifx->images, a, -EBADMSG, &why);
	cr_expect_eq(images_inflight_wait(ifx->images, b, &e), -EBADMSG);
	cr_expect_str_eq(e.msg, "bad digest");
	images_inflight_put(ifx->images, a);
	images_inflight_put(ifx->images, b);
	/* Finished entries are not joined: a new download starts. */
	cr_assert_eq(images_inflight_begin(ifx->images, "sha256:aa", &a), 1);
	images_inflight_end(ifx->images, a, 0, NULL);
	images_inflight_put(ifx->images, a);
}

Test(image, config_chain_computes_chain_ids_and_refuses_garbage)
{
	const char *cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
			  "\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
			  "\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"]}}";
	_cleanup_strv_ char **diffs = NULL;
	_cleanup_strv_ char **chains = NULL;
	char want[DIGEST_STR_LEN + 1];
	struct err e = ERR_INIT;

	cr_assert_eq(image_config_chain(cfg, strlen(cfg), &diffs, &chains, &e), 0, "%s", e.msg);
	cr_expect_str_eq(chains[0], diffs[0]);
	store_layer_chain_id(chains[0], diffs[1], want);
	cr_expect_str_eq(chains[1], want);
	cr_expect_null(chains[2]);
	cr_expect_eq(image_config_chain("{}", 2, NULL, NULL, &e), -EINVAL);
	cr_expect_eq(image_config_chain("{\"rootfs\":{\"diff_ids\":[\"x\"]}}", 29, NULL, NULL, &e),
		     -EINVAL);
}

Test(image, tag_history_remove)
{
	char id[DIGEST_STR_LEN + 1], got[DIGEST_STR_LEN + 1];
	struct image_history_entry *h = NULL;
	struct store_delete_report rep = {0};
	struct err e = ERR_INIT;
	size_t n = 0;

	ifx_import("imp:1", "etc/a", "hello", id);
	cr_assert_eq(image_tag(ifx->images, "imp:1", "other/name", "v2", &e), 0, "%s", e.msg);
	cr_assert_eq(store_image_resolve(ifx->store, "other/name:v2", got, &e), 0);
	cr_expect_str_eq(got, id);
	cr_expect_eq(image_tag(ifx->images, "imp:1", "Bad Name", NULL, &e), -EINVAL);
	cr_expect_eq(image_tag(ifx->images, "nosuch", "x", NULL, &e), -ENOENT);

	cr_assert_eq(image_history(ifx->images, "imp:1", &h, &n, &e), 0, "%s", e.msg);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(h[0].id, id);
	cr_expect_str_eq(h[0].comment, "Imported from -");
	cr_expect_gt(h[0].size, 0);
	cr_expect_not_null(h[0].tags);
	image_history_free(h, n);

	cr_assert_eq(image_remove(ifx->images, "imp:1", false, false, &rep, &e), 0, "%s",
		     e.msg);
	cr_expect_eq(rep.n, 1, "only untagged: another tag remains");
	store_delete_report_release(&rep);
	cr_assert_eq(image_remove(ifx->images, "other/name:v2", false, false, &rep, &e), 0);
	cr_expect_gt(rep.n, 1, "untagged and deleted");
	store_delete_report_release(&rep);
	cr_expect_eq(store_image_resolve(ifx->store, id, got, &e), -ENOENT);
}

Test(image, prune_dangling_then_all)
{
	char a[DIGEST_STR_LEN + 1], b[DIGEST_STR_LEN + 1], got[DIGEST_STR_LEN + 1];
	struct store_delete_report rep = {0};
	struct err e = ERR_INIT;

	ifx_import(NULL, "etc/a", "dangling", a);
	ifx_import("keep:1", "etc/b", "tagged", b);
	cr_assert_eq(image_prune(ifx->images, false, NULL, NULL, &rep, &e), 0, "%s", e.msg);
	cr_expect_eq(store_image_resolve(ifx->store, a, got, &e), -ENOENT);
	cr_expect_eq(store_image_resolve(ifx->store, b, got, &e), 0);
	cr_expect_gt(rep.reclaimed, 0);
	store_delete_report_release(&rep);
	cr_assert_eq(image_prune(ifx->images, true, NULL, NULL, &rep, &e), 0, "%s", e.msg);
	cr_expect_eq(store_image_resolve(ifx->store, b, got, &e), -ENOENT);
	store_delete_report_release(&rep);
}
