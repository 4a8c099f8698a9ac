/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/exec.h"
#include "engine/container/memo.h"
#include "engine/container/snapshot.h"
#include "engine/network/portmap.h"
#include "engine/util/buf.h"
#include "engine/util/fs.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

static char root[] = "/tmp/berth-test-snap-XXXXXX";
static void
setup(void)
{
	cr_assert_not_null(mkdtemp(root));
}
static void
teardown(void)
{
	fs_rm_rf(root);
}
TestSuite(snapshot, .init = setup, .fini = teardown);

static struct container *
make(struct containers *cs)
{
	struct container_spec spec = {0};
	struct container *c = NULL;
	struct err e = ERR_INIT;

	spec.image = xstrdup("busybox");
	strv_append(&spec.cmd, "sleep");
	strv_append(&spec.cmd, "60");
	spec.labels = json_pack("{s:s}", "team", "a");
	spec.network_mode = xstrdup("bridge");
	spec.n_mounts = 3;
	spec.mounts = xcalloc(3, sizeof(*spec.mounts));
	spec.mounts[0] = (struct mount_spec){MOUNT_BIND, xstrdup("/srv"), xstrdup("/host"), true,
					     NULL};
	spec.mounts[1] = (struct mount_spec){MOUNT_VOLUME, xstrdup("data"), xstrdup("/data"), false,
					     NULL};
	spec.mounts[2] = (struct mount_spec){MOUNT_TMPFS, NULL, xstrdup("/run"), false,
					     xstrdup("size=1m")};
	cr_assert_eq(containers_create(cs, "snap", "sha256:abc", &spec, &c, &e), 0, "%s", e.msg);
	return c;
}

/* Running, with an endpoint and a published port, as lifecycle leaves it. */
static void
set_running(struct container *c)
{
	pthread_mutex_lock(&c->mu);
	c->state.status = CONTAINER_RUNNING;
	c->state.pid = 4242;
	c->state.started_ns = 1000;
	c->state.error = xstrdup("earlier failure");
	c->ep.network = xstrdup("bridge");
	c->ep.ip = xstrdup("10.88.0.2");
	c->ep.prefix = 16;
	c->ep.netns = xstrdup("/run/netns/x");
	c->ep.n_ports = 1;
	c->ep.ports = xcalloc(1, sizeof(*c->ep.ports));
	c->ep.ports[0] = (struct portmap_binding){.container_port = 80,
						  .proto = IPPROTO_TCP,
						  .host_port = 8080,
						  .host_port_end = 8080};
	pthread_mutex_unlock(&c->mu);
}

Test(snapshot, copies_identity_state_endpoint_and_paths)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container *c;
	struct container_snap *s;
	_cleanup_free_ char *dir = NULL;

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root }, &cs, &e), 0, "%s", e.msg);
	c = make(cs);
	set_running(c);
	s = container_snap_new(c);
	dir = xasprintf("%s/containers/%s", root, c->id);

	cr_expect_str_eq(s->id, c->id);
	cr_expect_str_eq(s->name, "/snap");
	cr_expect_str_eq(s->image_id, "sha256:abc");
	cr_expect_str_eq(s->path, "sleep");
	cr_expect_str_eq(s->args[0], "60");
	cr_expect_eq(s->created_ns, c->created_ns);
	cr_expect_eq(s->state.status, CONTAINER_RUNNING);
	cr_expect_eq(s->state.pid, 4242);
	cr_expect_str_eq(s->state.error, "earlier failure");
	cr_expect_str_eq(s->ep.ip, "10.88.0.2");
	cr_expect_eq(s->ep.prefix, 16);
	cr_expect_eq(s->ep.n_ports, 1);
	cr_expect_neq(s->ep.ports, c->ep.ports);
	cr_expect_eq(s->ep.ports[0].host_port, 8080);
	cr_expect_str_eq(json_string_value(json_object_get(s->spec.labels, "team")), "a");
	cr_expect_eq(s->spec.n_mounts, 3);
	cr_expect_str_eq(s->spec.mounts[2].options, "size=1m");
	_cleanup_free_ char *resolv = xasprintf("%s/resolv.conf", dir);
	_cleanup_free_ char *upper = xasprintf("%s/rw/upper", dir);
	_cleanup_free_ char *merged = xasprintf("%s/rw/merged", dir);
	_cleanup_free_ char *log = xasprintf("%s/%s-json.log", dir, c->id);
	cr_expect_str_eq(s->resolv_conf_path, resolv);
	cr_expect_str_eq(s->upper_dir, upper);
	cr_expect_str_eq(s->merged_dir, merged);
	cr_expect_str_eq(s->log_path, log);
	/* container_snap_new alone neither resolves mounts nor lists execs or sizes */
	cr_expect_null(s->mount_sources);
	cr_expect_null(s->exec_ids);
	cr_expect_not(s->has_sizes);

	container_snap_free(s);
	container_unref(c);
	containers_close(cs);
}

Test(snapshot, is_unaffected_by_later_changes_and_outlives_the_container)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container *c;
	struct container_snap *s;

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root }, &cs, &e), 0, "%s", e.msg);
	c = make(cs);
	set_running(c);
	s = container_snap_new(c);

	/* what a rename, a stop and an update do to the live object */
	cr_assert_eq(containers_rename(cs, c, "renamed", &e), 0, "%s", e.msg);
	pthread_mutex_lock(&c->mu);
	c->state.status = CONTAINER_EXITED;
	c->state.exit_code = 137;
	free(c->state.error);
	c->state.error = NULL;
	container_endpoint_release(&c->ep);
	json_object_set_new(c->spec.labels, "team", json_string("b"));
	c->spec.memory = 1 << 30;
	pthread_mutex_unlock(&c->mu);

	cr_expect_str_eq(s->name, "/snap");
	cr_expect_eq(s->state.status, CONTAINER_RUNNING);
	cr_expect_str_eq(s->state.error, "earlier failure");
	cr_expect_str_eq(s->ep.ip, "10.88.0.2");
	cr_expect_eq(s->ep.n_ports, 1);
	cr_expect_eq(s->ep.ports[0].container_port, 80);
	cr_expect_str_eq(json_string_value(json_object_get(s->spec.labels, "team")), "a");
	cr_expect_eq(s->spec.memory, 0);

	/* the snapshot borrows nothing: it stays valid once the container is gone */
	cr_assert_eq(containers_delete(cs, c, &e), 0, "%s", e.msg);
	container_unref(c);
	containers_close(cs);
	cr_expect_str_eq(s->spec.image, "busybox");
	cr_expect_str_eq(s->spec.mounts[0].source, "/srv");
	cr_expect_str_eq(s->path, "sleep");
	container_snap_free(s);
}

Test(snapshot, resolves_mount_sources_through_the_volume_service)
{
	struct volumes *vols = NULL;
	struct execs *xs = execs_new();
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container *c;
	_cleanup_container_snap_ struct container_snap *s = NULL;
	_cleanup_free_ char *vol = xasprintf("%s/volumes/data/_data", root);

	cr_assert_eq(volumes_open(root, &vols, &e), 0, "%s", e.msg);
	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root, .volumes = vols,
								   .execs = xs },
				     &cs, &e), 0, "%s", e.msg);
	c = make(cs);
	cr_assert_eq(container_snapshot(cs, c, CONTAINER_SNAP_EXECS, &s, &e), 0, "%s", e.msg);
	cr_assert_not_null(s->mount_sources);
	cr_expect_str_eq(s->mount_sources[0], "/srv");
	cr_expect_str_eq(s->mount_sources[1], vol);
	cr_expect_null(s->mount_sources[2]);
	cr_expect_null(s->exec_ids, "a container without execs lists none");
	cr_expect_not(s->has_sizes);
	execs_free(xs);
	container_unref(c);
	containers_close(cs);
	volumes_close(vols);
}

Test(snapshot, free_accepts_null)
{
	cr_expect_null(container_snap_free(NULL));
}

/* Memos (memo.h): valid until the container changes, its tag changes or a
 * legacy link changes names; a memo of an older generation never replaces
 * a newer one. */
Test(snapshot, memo_is_stale_after_a_change)
{
	struct containers *cs = NULL;
	struct err e = ERR_INIT;
	struct container *c;
	_cleanup_buf_ struct buf b = BUF_INIT;
	uint64_t g;

	cr_assert_eq(containers_open(&(struct containers_config){.data_root = root}, &cs, &e), 0,
		     "%s", e.msg);
	c = make(cs);
	cr_expect_not(container_memo_get(cs, c, 0, "Created", &b), "no memo yet");
	g = container_memo_gen(cs, c);
	container_memo_put(c, 0, g, "Created", "{\"a\":1}", 7);
	cr_expect(container_memo_get(cs, c, 0, "Created", &b));
	cr_expect_eq(b.len, 7);
	cr_expect_not(container_memo_get(cs, c, 1, "Created", &b), "slots are separate");
	cr_expect_not(container_memo_get(cs, c, 0, "Up 1 second", &b), "another tag");
	cr_expect_not(container_memo_get(cs, c, 2, "Created", &b), "no such slot");

	cr_assert_eq(container_save_state(c, &e), 0, "%s", e.msg);
	cr_expect_not(container_memo_get(cs, c, 0, "Created", &b), "a save marks a change");
	container_memo_put(c, 0, g, "Created", "old", 3);
	cr_expect_not(container_memo_get(cs, c, 0, "Created", &b), "put under the old generation");
	container_memo_put(c, 0, container_memo_gen(cs, c), "Created", "new", 3);
	container_memo_put(c, 0, g, "Created", "old", 3);
	buf_reset(&b);
	cr_expect(container_memo_get(cs, c, 0, "Created", &b));
	cr_expect_eq(memcmp(b.data, "new", 3), 0, "an older memo does not replace a newer one");

	containers_links_changed(cs);
	cr_expect_not(container_memo_get(cs, c, 0, "Created", &b), "links renamed something");
	cr_assert_eq(containers_rename(cs, c, "snap2", &e), 0, "%s", e.msg);
	container_memo_put(c, 0, container_memo_gen(cs, c), "Created", "x", 1);
	set_running(c); /* no save: as a test, not as lifecycle does it */
	pthread_mutex_lock(&c->mu);
	container_changed_locked(c);
	pthread_mutex_unlock(&c->mu);
	cr_expect_not(container_memo_get(cs, c, 0, "Created", &b), "a marked change");

	container_unref(c);
	containers_close(cs);
}
