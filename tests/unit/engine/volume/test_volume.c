/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util/fs.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

static char root[] = "/tmp/berth-test-vol-XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(root)); }
static void teardown(void) { fs_rm_rf(root); }
TestSuite(volume, .init = setup, .fini = teardown);

static json_t *
users_of(void *ud, const char *name)
{
	(void)ud;
	return strcmp(name, "busy") == 0 ? json_pack("[s]", "c0ffee") : NULL;
}

Test(volume, create_is_idempotent_and_survives_reopen)
{
	struct volumes *vs = NULL;
	struct volume_info a = {0}, b = {0};
	struct err e = ERR_INIT;
	json_t *labels = json_pack("{s:s}", "k", "v");

	cr_assert_eq(volumes_open(root, &vs, &e), 0);
	cr_assert_eq(volume_create(vs, "data1", labels, NULL, false, &a, &e), 0);
	cr_expect(fs_exists(a.mountpoint));
	cr_assert_eq(volume_create(vs, "data1", NULL, NULL, false, &b, &e), 0);
	cr_expect_eq(a.created_ns, b.created_ns);
	cr_expect_str_eq(json_string_value(json_object_get(b.labels, "k")), "v");
	volume_info_release(&a);
	volume_info_release(&b);
	volumes_close(vs);
	cr_assert_eq(volumes_open(root, &vs, &e), 0);
	cr_assert_eq(volume_get(vs, "data1", &a, &e), 0);
	volume_info_release(&a);
	cr_expect_eq(volume_get(vs, "nope", &a, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "get nope: no such volume");
	volumes_close(vs);
	json_decref(labels);
}

Test(volume, names_and_options_are_checked)
{
	struct volumes *vs = NULL;
	struct volume_info a = {0};
	struct err e = ERR_INIT;
	json_t *opts = json_pack("{s:s}", "type", "tmpfs");

	cr_assert_eq(volumes_open(root, &vs, &e), 0);
	cr_expect_eq(volume_create(vs, "x", NULL, NULL, false, &a, &e), -EINVAL);
	cr_expect_eq(volume_create(vs, "../evil", NULL, NULL, false, &a, &e), -EINVAL);
	cr_expect_eq(volume_create(vs, "a/b", NULL, NULL, false, &a, &e), -EINVAL);
	cr_expect_eq(volume_create(vs, "good", NULL, opts, false, &a, &e), -EINVAL);
	cr_assert_eq(volume_create(vs, NULL, NULL, NULL, false, &a, &e), 0);
	cr_expect(a.anonymous);
	cr_expect_eq(strlen(a.name), 64);
	volume_info_release(&a);
	volumes_close(vs);
	json_decref(opts);
}

Test(volume, in_use_blocks_remove_and_prune)
{
	struct volumes *vs = NULL;
	struct volume_info a = {0};
	struct err e = ERR_INIT;
	json_t *names = json_array();
	int64_t bytes = 0;

	cr_assert_eq(volumes_open(root, &vs, &e), 0);
	volumes_set_users_fn(vs, users_of, NULL);
	cr_assert_eq(volume_create(vs, "busy", NULL, NULL, false, &a, &e), 0);
	volume_info_release(&a);
	cr_assert_eq(volume_create(vs, "idle", NULL, NULL, false, &a, &e), 0);
	volume_info_release(&a);
	cr_expect_eq(volume_remove(vs, "busy", true, &e), -EBUSY);
	cr_expect_str_eq(e.msg, "remove busy: volume is in use - [c0ffee]");
	cr_assert_eq(volume_prune(vs, false, NULL, NULL, names, &bytes, &e), 0);
	cr_expect_eq(json_array_size(names), 0);
	cr_assert_eq(volume_prune(vs, true, NULL, NULL, names, &bytes, &e), 0);
	cr_expect_eq(json_array_size(names), 1);
	cr_expect_str_eq(json_string_value(json_array_get(names, 0)), "idle");
	cr_expect_eq(volume_remove(vs, "idle", false, &e), -ENOENT);
	volumes_close(vs);
	json_decref(names);
}

Test(volume, data_path_is_the_mountpoint)
{
	struct volumes *vs = NULL;
	struct volume_info a = {0};
	struct err e = ERR_INIT;
	char *want = xasprintf("%s/volumes/named/_data", root);
	char *p;

	cr_assert_eq(volumes_open(root, &vs, &e), 0);
	p = volume_data_path(vs, "named");
	cr_expect_str_eq(p, want);
	cr_expect_not(fs_exists(p));
	cr_assert_eq(volume_create(vs, "named", NULL, NULL, false, &a, &e), 0);
	cr_expect_str_eq(a.mountpoint, p);
	cr_expect(fs_exists(p));
	volume_info_release(&a);
	volumes_close(vs);
	free(p);
	free(want);
}
