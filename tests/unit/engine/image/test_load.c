/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/image/image.h"
#include "engine/util/fs.h"
#include "tests/helpers/targen.h"
#include "tests/unit/engine/image/image_fixture.h"

TestSuite(load, .init = ifx_setup, .fini = ifx_teardown);

static int
load_tar(void (*fill)(struct targen *), struct err *e)
{
	char path[300];
	struct targen *t;
	int fd, r;

	snprintf(path, sizeof(path), "%s/load.tar", ifx_root);
	t = targen_new(path, TARGEN_PLAIN);
	fill(t);
	targen_close(t);
	fd = tarfile_open(path);
	r = image_load(ifx->images, fd, true, NULL, NULL, e);
	close(fd);
	return r;
}

static void
dotdot(struct targen *t)
{
	targen_file(t, "../escape", "x", 0644);
}

static void
config_escape(struct targen *t)
{
	targen_file(t, "manifest.json",
		    "[{\"Config\":\"../../../../../etc/hostname\",\"Layers\":[]}]", 0644);
}

static void
config_symlink(struct targen *t)
{
	targen_symlink(t, "c.json", "/etc/hostname");
	targen_file(t, "manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[]}]", 0644);
}

static void
nothing(struct targen *t)
{
	targen_file(t, "README", "x", 0644);
}

static void
layer_mismatch(struct targen *t)
{
	targen_file(t, "c.json",
		    "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
		    "0000000000000000000000000000000000000000000000000000000000000000\"]}}", 0644);
	targen_file(t, "manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[\"c.json\"]}]", 0644);
}

Test(load, refuses_hostile_archives)
{
	struct err e = ERR_INIT;
	char path[300];

	cr_expect_eq(load_tar(dotdot, &e), -EINVAL);
	cr_expect(strstr(e.msg, "invalid archive"), "%s", e.msg);
	snprintf(path, sizeof(path), "%s/a/escape", ifx_root);
	cr_expect_not(fs_exists(path));
	err_clear(&e);
	cr_expect_eq(load_tar(config_escape, &e), -EINVAL, "%s", e.msg);
	err_clear(&e);
	cr_expect_eq(load_tar(config_symlink, &e), -EINVAL, "%s", e.msg);
	err_clear(&e);
	cr_expect_eq(load_tar(nothing, &e), -EINVAL);
	cr_expect(strstr(e.msg, "neither manifest.json nor index.json"), "%s", e.msg);
	err_clear(&e);
	cr_expect_eq(load_tar(layer_mismatch, &e), -EINVAL, "%s", e.msg);
	cr_expect_eq(store_count_images(ifx->store), 0);
}
