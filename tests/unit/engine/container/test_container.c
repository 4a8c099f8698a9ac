/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "engine/container/container.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

static char root[] = "/tmp/berth-test-ctr-XXXXXX";
static void setup(void) { cr_assert_not_null(mkdtemp(root)); }
static void teardown(void) { fs_rm_rf(root); }
TestSuite(container, .init = setup, .fini = teardown);

static struct container *
make(struct containers *cs, const char *name)
{
	struct container_spec spec = {0};
	struct container *c = NULL;
	struct err e = ERR_INIT;

	spec.image = xstrdup("busybox");
	strv_append(&spec.cmd, "sh");
	strv_append(&spec.cmd, "-c");
	strv_append(&spec.cmd, "echo hi");
	cr_assert_eq(containers_create(cs, name, "sha256:abc", &spec, &c, &e), 0, "%s", e.msg);
	return c;
}

Test(container, names_ids_and_conflicts)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container_spec spec = {0};
	struct container *c, *d = NULL, *g;

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root }, &cs, &e), 0);
	c = make(cs, "web");
	cr_expect_str_eq(c->name, "/web");
	cr_expect_eq(strlen(c->id), 64);
	cr_expect_str_eq(c->path, "sh");
	cr_expect_str_eq(c->args[1], "echo hi");
	spec.image = xstrdup("busybox");
	cr_expect_eq(containers_create(cs, "/web", "sha256:abc", &spec, &d, &e), -EEXIST);
	cr_expect(strstr(e.msg, "The container name \"/web\" is already in use by container") != NULL);
	spec_release(&spec);
	spec.image = xstrdup("busybox");
	cr_expect_eq(containers_create(cs, "a", "x", &spec, &d, &e), -EINVAL);
	cr_expect_eq(containers_create(cs, "bad name", "x", &spec, &d, &e), -EINVAL);
	spec_release(&spec);

	g = containers_get(cs, "web", &e);
	cr_expect_eq(g, c);
	container_unref(g);
	g = containers_get(cs, "/web", &e);
	cr_expect_eq(g, c);
	container_unref(g);
	char prefix[13];
	snprintf(prefix, sizeof(prefix), "%.12s", c->id);
	g = containers_get(cs, prefix, &e);
	cr_expect_eq(g, c);
	container_unref(g);
	cr_expect_null(containers_get(cs, "nosuch", &e));
	cr_expect_eq(e.code, -ENOENT);
	cr_expect_str_eq(e.msg, "No such container: nosuch");

	d = make(cs, NULL);
	cr_expect(strchr(d->name, '_') != NULL);
	cr_expect_eq(containers_rename(cs, d, "web", &e), -EEXIST);
	cr_expect_eq(containers_rename(cs, d, "api", &e), 0);
	cr_expect_str_eq(d->name, "/api");
	container_unref(c);
	container_unref(d);
	containers_close(cs);
}

Test(container, persists_and_drops_half_created)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container *c, *g;
	char id[65];
	_cleanup_free_ char *junk = xasprintf("%s/containers/deadbeef", root);
	_cleanup_free_ char *cut = xasprintf("%s/containers/%064d", root, 1);
	_cleanup_free_ char *empty = xasprintf("%s/containers/%064d", root, 2);

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root }, &cs, &e), 0);
	c = make(cs, "keep");
	memcpy(id, c->id, 65);
	pthread_mutex_lock(&c->mu);
	c->state.status = CONTAINER_EXITED;
	c->state.exit_code = 42;
	pthread_mutex_unlock(&c->mu);
	cr_assert_eq(container_save_state(c, &e), 0);
	container_unref(c);
	containers_close(cs);
	cr_assert_eq(fs_mkdir_p(junk, 0700), 0);
	/* create writes config.json in place: a crash can leave it cut short */
	cr_assert_eq(fs_mkdir_p(cut, 0700), 0);
	cr_assert_eq(fs_write_new_durable(cut, "config.json", "{\"id\":\"", 7, 0600), 0);
	cr_assert_eq(fs_mkdir_p(empty, 0700), 0);
	cr_assert_eq(fs_write_new_durable(empty, "config.json", "", 0, 0600), 0);

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root }, &cs, &e), 0);
	g = containers_get(cs, id, &e);
	cr_assert_not_null(g);
	cr_expect_str_eq(g->name, "/keep");
	cr_expect_eq(g->state.status, CONTAINER_EXITED);
	cr_expect_eq(g->state.exit_code, 42);
	cr_expect_str_eq(g->spec.cmd[2], "echo hi");
	cr_expect_not(fs_exists(junk));
	cr_expect_not(fs_exists(cut));
	cr_expect_not(fs_exists(empty));
	cr_assert_eq(containers_delete(cs, g, &e), 0);
	cr_expect_null(containers_get(cs, "keep", &e));
	container_unref(g);
	containers_close(cs);
}

Test(container, created_has_no_state_file_and_removal_goes_through_trash)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container *c, *b, *g;
	char id[65], broken[65];
	_cleanup_free_ char *trash = xasprintf("%s/containers/.del-%064d", root, 0);
	_cleanup_free_ char *trash_file = xasprintf("%s/config.json", trash);
	_cleanup_free_ char *cdir = NULL, *bstate = NULL, *gone = NULL;

	cr_assert_eq(containers_open(&(struct containers_config){.data_root = root}, &cs, &e), 0);
	c = make(cs, "fresh");
	b = make(cs, "broken");
	memcpy(id, c->id, 65);
	memcpy(broken, b->id, 65);
	cdir = xstrdup(c->dir);
	cr_expect(c->pristine);
	cr_expect(fs_exists(cdir));
	{
		_cleanup_free_ char *st = xasprintf("%s/state.json", cdir);
		cr_expect_not(fs_exists(st), "create writes config.json alone");
	}
	bstate = xasprintf("%s/state.json", b->dir);
	cr_assert_eq(fs_write_atomic(bstate, "{not json", 9, 0600), 0);
	container_unref(c);
	container_unref(b);
	containers_close(cs);
	/* a removal a crash interrupted */
	cr_assert_eq(fs_mkdir_p(trash, 0700), 0);
	cr_assert_eq(fs_write_atomic(trash_file, "{}", 2, 0600), 0);

	cr_assert_eq(containers_open(&(struct containers_config){.data_root = root}, &cs, &e), 0);
	cr_expect_not(fs_exists(trash), "the start-up sweep removes .del-*");
	g = containers_get(cs, broken, &e);
	cr_expect_null(g, "a state.json that does not parse is a broken record");
	g = containers_get(cs, id, &e);
	cr_assert_not_null(g);
	cr_expect_eq(g->state.status, CONTAINER_CREATED);
	cr_expect_not(g->pristine, "a loaded container is never pristine");
	gone = xasprintf("%s/containers/.del-%s", root, id);
	cr_assert_eq(containers_delete(cs, g, &e), 0);
	cr_expect_not(fs_exists(cdir), "the directory is renamed away before the reply");
	container_unref(g);
	containers_close(cs); /* drains the trash */
	cr_expect_not(fs_exists(gone));
}

static void *
stopper(void *arg)
{
	struct container *c = arg;
	struct timespec ts = { 0, 50 * 1000000 };

	nanosleep(&ts, NULL);
	pthread_mutex_lock(&c->mu);
	c->state.status = CONTAINER_EXITED;
	c->state.exit_code = 7;
	c->exit_seq++;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

Test(container, wait_conditions)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container *c;
	pthread_t th;
	int code = -1;
	uint64_t seq;

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root }, &cs, &e), 0);
	c = make(cs, "w1");
	/* Not running now: answers at once. */
	cr_expect_eq(container_wait(c, WAIT_NOT_RUNNING, 0, NULL, NULL, &code), 0);
	seq = container_exit_seq(c);
	c->state.status = CONTAINER_RUNNING;
	pthread_create(&th, NULL, stopper, c);
	cr_expect_eq(container_wait(c, WAIT_NEXT_EXIT, seq, NULL, NULL, &code), 0);
	cr_expect_eq(code, 7);
	pthread_join(th, NULL);
	container_unref(c);
	containers_close(cs);
}

/* The usage oracle engine.c gives the image service (images_set_users_fn). */
Test(container, image_users_count_and_filter_running)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container *a, *b;
	char first[65] = "";

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root }, &cs, &e), 0);
	cr_expect_eq(containers_image_users(cs, "sha256:abc", false, first), 0);
	cr_expect_str_empty(first, "nothing copied without a user");
	a = make(cs, "u1");
	b = make(cs, "u2");
	cr_expect_eq(containers_image_users(cs, "sha256:abc", false, first), 2);
	cr_expect(strcmp(first, a->id) == 0 || strcmp(first, b->id) == 0);
	cr_expect_eq(containers_image_users(cs, "sha256:abc", false, NULL), 2);
	cr_expect_eq(containers_image_users(cs, "sha256:other", false, NULL), 0);
	/* Created is not running; running, paused and restarting are. */
	cr_expect_eq(containers_image_users(cs, "sha256:abc", true, NULL), 0);
	b->state.status = CONTAINER_RESTARTING;
	memset(first, 0, sizeof(first));
	cr_expect_eq(containers_image_users(cs, "sha256:abc", true, first), 1);
	cr_expect_str_eq(first, b->id);
	container_unref(a);
	container_unref(b);
	containers_close(cs);
}

/* The usage oracle engine.c gives the volume store (volumes_set_users_fn). */
Test(container, volume_users_lists_mounting_containers)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container_spec spec = {0};
	struct container *c = NULL, *plain;
	json_t *ids;

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root }, &cs, &e), 0);
	spec.image = xstrdup("busybox");
	spec.mounts = xcalloc(2, sizeof(*spec.mounts));
	spec.mounts[0] = (struct mount_spec){ .type = MOUNT_BIND, .source = xstrdup("/srv"),
					      .target = xstrdup("/srv") };
	spec.mounts[1] = (struct mount_spec){ .type = MOUNT_VOLUME, .source = xstrdup("data"),
					      .target = xstrdup("/data") };
	spec.n_mounts = 2;
	cr_assert_eq(containers_create(cs, "vol", "sha256:abc", &spec, &c, &e), 0, "%s", e.msg);
	plain = make(cs, "novol");
	ids = containers_volume_users(cs, "data");
	cr_assert_eq(json_array_size(ids), 1);
	cr_expect_str_eq(json_string_value(json_array_get(ids, 0)), c->id);
	json_decref(ids);
	ids = containers_volume_users(cs, "srv");
	cr_expect_eq(json_array_size(ids), 0, "a bind mount is not a volume user");
	json_decref(ids);
	container_unref(c);
	container_unref(plain);
	containers_close(cs);
}
