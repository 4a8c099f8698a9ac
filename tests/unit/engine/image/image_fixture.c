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
struct ifx_env *ifx;
static struct ifx_env *other;
static unsigned tars;

static struct ifx_env *
make_env(const char *root)
{
	struct ifx_env *env = xcalloc(1, sizeof(*env));
	struct err e = ERR_INIT;

	env->root = xstrdup(root);
	env->tmp_dir = xasprintf("%s/tmp", root);
	cr_assert_eq(fs_mkdir_p(env->tmp_dir, 0700), 0);
	env->events = events_new();
	cr_assert_eq(store_open(root, &env->store, &e), 0, "%s", e.msg);
	env->images = images_new(&(struct images_config){
		.store = env->store, .events = env->events, .tmp_dir = env->tmp_dir,
	});
	return env;
}

static void
free_env(struct ifx_env *env)
{
	if (!env)
		return;
	images_free(env->images);
	store_close(env->store);
	events_free(env->events);
	free(env->tmp_dir);
	free(env->root);
	free(env);
}

void
ifx_setup(void)
{
	snprintf(ifx_root, sizeof(ifx_root), "/tmp/berth-image-test.XXXXXX");
	cr_assert(mkdtemp(ifx_root));
	char *d = xasprintf("%s/a", ifx_root);
	ifx = make_env(d);
	free(d);
}

struct ifx_env *
ifx_other(void)
{
	char *d = xasprintf("%s/b", ifx_root);
	other = make_env(d);
	free(d);
	return other;
}

void
ifx_teardown(void)
{
	free_env(ifx);
	free_env(other);
	ifx = other = NULL;
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

	cr_assert_eq(image_import(ifx->images, fd, &o, id, &e), 0, "%s", e.msg);
	close(fd);
}
