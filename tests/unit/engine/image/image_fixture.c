/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/events/events.h"
#include "engine/image/image.h"
#include "engine/store/store.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"
#include "tests/helpers/targen.h"
#include "tests/unit/engine/image/image_fixture.h"

char ifx_root[256];
struct engine *ifx_eng;
static struct engine *other;
static unsigned tars;

static struct engine *
make_engine(const char *root)
{
	struct engine *eng = xcalloc(1, sizeof(*eng));
	struct err e = ERR_INIT;

	eng->cfg.data_root = xstrdup(root);
	eng->tmp_dir = xasprintf("%s/tmp", root);
	cr_assert_eq(fs_mkdir_p(eng->tmp_dir, 0700), 0);
	eng->events = events_new();
	cr_assert_eq(store_open(root, &eng->store, &e), 0, "%s", e.msg);
	eng->images = images_new(&(struct images_config){
		.store = eng->store, .events = eng->events, .tmp_dir = eng->tmp_dir,
	});
	return eng;
}

static void
free_engine(struct engine *eng)
{
	if (!eng)
		return;
	store_close(eng->store);
	images_free(eng->images);
	events_free(eng->events);
	free(eng->tmp_dir);
	free(eng->cfg.data_root);
	free(eng);
}

void
ifx_setup(void)
{
	snprintf(ifx_root, sizeof(ifx_root), "/tmp/berth-image-test.XXXXXX");
	cr_assert(mkdtemp(ifx_root));
	char *d = xasprintf("%s/a", ifx_root);
	ifx_eng = make_engine(d);
	free(d);
}

struct engine *
ifx_other(void)
{
	char *d = xasprintf("%s/b", ifx_root);
	other = make_engine(d);
	free(d);
	return other;
}

void
ifx_teardown(void)
{
	free_engine(ifx_eng);
	free_engine(other);
	ifx_eng = other = NULL;
	(void)fs_rm_rf(ifx_root);
}

int
ifx_rootfs_tar(const char *file, const char *content)
{
	char *path = xasprintf("%s/in-%u.tar", ifx_root, tars++);
	struct targen *t = targen_new(path, TARGEN_GZIP);
	int fd;

	targen_dir(t, "etc", 0755);
	targen_file(t, file, content, 0644);
	targen_close(t);
	fd = tarfile_open(path);
	free(path);
	return fd;
}

void
ifx_import(const char *repo, const char *file, const char *content, char *id)
{
	struct image_import_opts o = { .repo = repo, .src = "-" };
	struct err e = ERR_INIT;
	int fd = ifx_rootfs_tar(file, content);

	cr_assert_eq(image_import(ifx_eng->images, fd, &o, id, &e), 0, "%s", e.msg);
	close(fd);
}
