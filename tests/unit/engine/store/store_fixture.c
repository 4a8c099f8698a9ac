/* SPDX-License-Identifier: Apache-2.0 */
/* Store test fixture; see store_fixture.h. */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/reference.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "tests/helpers/targen.h"
#include "tests/unit/engine/store/store_fixture.h"

char fx_root[64];
static char fx_base[] = "/tmp/berth-test-store-XXXXXX";
struct store *fx_store;

void
fx_setup(void)
{
	struct err e = ERR_INIT;

	cr_assert_not_null(mkdtemp(fx_base));
	snprintf(fx_root, sizeof(fx_root), "%s/root", fx_base);
	cr_assert_eq(store_open(fx_root, &fx_store, &e), 0, "%s", e.msg);
}

void
fx_teardown(void)
{
	store_close(fx_store);
	fx_store = NULL;
	fs_rm_rf(fx_base);
}

void
fx_reopen(void)
{
	struct err e = ERR_INIT;

	store_close(fx_store);
	fx_store = NULL;
	cr_assert_eq(store_open(fx_root, &fx_store, &e), 0, "%s", e.msg);
}

const char *
fx_tar(const char *file, const char *content)
{
	static char path[128];
	struct targen *t;

	snprintf(path, sizeof(path), "%s/layer.tar", fx_base);
	t = targen_new(path, TARGEN_GZIP);
	targen_file(t, file, content, 0644);
	targen_close(t);
	return path;
}

void
fx_layer(const char *parent, const char *file, const char *content, char *chain, char *diff)
{
	struct store_layer_opts o = {.parent_chain = parent};
	struct store_layer_info info;
	struct err e = ERR_INIT;
	_cleanup_close_ int fd = tarfile_open(fx_tar(file, content));

	cr_assert_eq(store_layer_create(fx_store, fd, &o, &info, &e), 0, "%s", e.msg);
	store_layer_release(fx_store, info.chain_id);
	if (chain)
		strcpy(chain, info.chain_id);
	if (diff)
		strcpy(diff, info.diff_id);
}

void
fx_image(const char *const *diffs, size_t n, const char *created, const char *label,
	 const char *parent, char *id)
{
	json_t *ids = json_array();
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_free_ char *text = NULL;
	struct store_commit_opts o = {.parent_id = parent};
	struct err e = ERR_INIT;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(ids, json_string(diffs[i]));
	cfg = json_pack("{s:s, s:s, s:s, s:{s:o}, s:{s:s, s:o}}", "architecture", "amd64", "os",
			"linux", "created", created, "config", "Labels",
			label ? json_pack("{s:s}", "l", label) : json_null(), "rootfs", "type",
			"layers", "diff_ids", ids);
	cr_assert_not_null(cfg);
	text = json_dumps(cfg, JSON_COMPACT);
	cr_assert_eq(store_image_commit(fx_store, text, strlen(text), &o, id, &e), 0, "%s", e.msg);
}

void
fx_tag(const char *id, const char *ref)
{
	struct reference r = REFERENCE_INIT;
	struct err e = ERR_INIT;

	cr_assert_eq(reference_parse(ref, &r, &e), 0, "%s", e.msg);
	reference_default_tag(&r);
	cr_assert_eq(store_image_tag(fx_store, id, &r, &e), 0, "%s", e.msg);
	reference_release(&r);
}
