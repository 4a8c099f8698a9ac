/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/exec.h"
#include "engine/util/fs.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static char root[] = "/tmp/berth-test-exec-XXXXXX";
static void setup(void) { cr_assert_not_null(mkdtemp(root)); }
static void teardown(void) { fs_rm_rf(root); }
TestSuite(exec, .init = setup, .fini = teardown);

static struct container *
make(struct containers *cs)
{
	struct container_spec spec = {0};
	struct container *c = NULL;
	struct err e = ERR_INIT;

	spec.image = xstrdup("busybox");
	strv_append(&spec.cmd, "sh");
	cr_assert_eq(containers_create(cs, "xx", "sha256:abc", &spec, &c, &e), 0, "%s", e.msg);
	return c;
}

Test(exec, create_refuses_bad_requests_before_anything_runs)
{
	struct execs *xs = execs_new();
	struct containers *cs = NULL;
	struct container *c;
	struct exec *ex = NULL;
	struct exec_config cfg = {0};
	struct err e = ERR_INIT;

	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = root, .execs = xs },
				     &cs, &e), 0, "%s", e.msg);
	c = make(cs);
	cr_expect_eq(exec_create(cs, c, &cfg, &ex, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "No exec command specified");
	strv_append(&cfg.cmd, "ls");
	cfg.working_dir = xstrdup("tmp");
	cr_expect_eq(exec_create(cs, c, &cfg, &ex, &e), -EINVAL);
	cr_expect(strstr(e.msg, "needs to be an absolute path") != NULL, "%s", e.msg);
	free(cfg.working_dir);
	cfg.working_dir = NULL;
	cfg.detach_keys = xstrdup("nope");
	cr_expect_eq(exec_create(cs, c, &cfg, &ex, &e), -EINVAL);
	free(cfg.detach_keys);
	cfg.detach_keys = NULL;
	/* a created container is not running: dockerd's 409 */
	cr_expect_eq(exec_create(cs, c, &cfg, &ex, &e), -EBUSY);
	cr_expect(strstr(e.msg, "is not running") != NULL && strstr(e.msg, c->id), "%s", e.msg);
	cr_expect_null(ex);
	exec_config_release(&cfg);
	cr_expect_null(execs_get(xs, "abc", &e));
	cr_expect_eq(e.code, -ENOENT);
	cr_expect_str_eq(e.msg, "No such exec instance: abc");
	cr_expect_null(execs_ids_of(xs, c->id));
	execs_forget_container(xs, c->id);
	execs_free(xs);
	container_unref(c);
	containers_close(cs);
}
