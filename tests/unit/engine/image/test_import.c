/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "engine/image/image.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "tests/unit/engine/image/image_fixture.h"

TestSuite(import, .init = ifx_setup, .fini = ifx_teardown);

static json_t *
config_of(const char *name)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	struct err e = ERR_INIT;

	cr_assert_eq(store_image_get(ifx->store, name, NULL, &b, &e), 0, "%s", e.msg);
	return json_loadb(b.data, b.len, 0, NULL);
}

Test(import, applies_changes_like_dockerd)
{
	const char *changes[] = { "CMD [\"/bin/sh\",\"-c\",\"echo hi\"]", "ENTRYPOINT /run.sh",
				  "ENV A=1 B=\"two words\"", "ENV C 3", "EXPOSE 80 53/udp",
				  "LABEL k=v", "USER 1000", "VOLUME [\"/data\"]", "WORKDIR /w",
				  "STOPSIGNAL SIGINT", "onbuild RUN x", NULL };
	struct image_import_opts o = { .repo = "imp", .tag = "7", .message = "msg",
				       .changes = changes, .src = "-" };
	char id[DIGEST_STR_LEN + 1];
	struct err e = ERR_INIT;
	int fd = ifx_rootfs_tar("etc/x", "x");
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_free_ char *c = NULL;

	cr_assert_eq(image_import(ifx->images, fd, &o, id, &e), 0, "%s", e.msg);
	close(fd);
	cfg = config_of("imp:7");
	c = json_dumps(json_object_get(cfg, "config"), JSON_COMPACT | JSON_SORT_KEYS);
	cr_expect_str_eq(c, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"],"
			    "\"Entrypoint\":[\"/bin/sh\",\"-c\",\"/run.sh\"],"
			    "\"Env\":[\"A=1\",\"B=two words\",\"C=3\"],"
			    "\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}},\"Labels\":{\"k\":\"v\"},"
			    "\"OnBuild\":[\"RUN x\"],\"StopSignal\":\"SIGINT\",\"User\":\"1000\","
			    "\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/w\"}");
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "comment")), "msg");
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "os")), "linux");
}

Test(import, refuses_unknown_change_and_bad_repo_and_garbage)
{
	const char *bad[] = { "FROM busybox", NULL };
	struct image_import_opts o = { .changes = bad, .src = "-" };
	char id[DIGEST_STR_LEN + 1];
	struct err e = ERR_INIT;
	int fd = ifx_rootfs_tar("etc/x", "x");

	cr_expect_eq(image_import(ifx->images, fd, &o, id, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "FROM is not a valid change command");
	close(fd);
	o = (struct image_import_opts){ .repo = "UPPER", .src = "-" };
	fd = ifx_rootfs_tar("etc/x", "x");
	cr_expect_eq(image_import(ifx->images, fd, &o, id, &e), -EINVAL);
	close(fd);
	int p[2];
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], "not a tar at all, not even close", 32), 32);
	close(p[1]);
	o = (struct image_import_opts){ .src = "-" };
	cr_expect_lt(image_import(ifx->images, p[0], &o, id, &e), 0);
	close(p[0]);
}
