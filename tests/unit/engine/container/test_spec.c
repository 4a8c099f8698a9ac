/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#include "engine/container/spec.h"
#include "engine/util/xalloc.h"

Test(spec, json_round_trip)
{
	struct container_spec s = {0}, t = {0};
	struct err e = ERR_INIT;
	json_t *j;

	s.image = xstrdup("busybox");
	strv_append(&s.env, "A=1");
	s.entrypoint = xcalloc(1, sizeof(char *)); /* explicitly empty */
	s.memory = 64 << 20;
	s.tty = true;
	s.stop_timeout = -1;
	s.labels = json_pack("{s:s}", "k", "v");
	s.n_ports = 1;
	s.ports = xcalloc(1, sizeof(*s.ports));
	s.ports[0].container_port = 80;
	s.ports[0].proto = IPPROTO_TCP;
	s.ports[0].host_ip = xstrdup("127.0.0.1");
	s.ports[0].host_port = xstrdup("8080");
	s.n_mounts = 2;
	s.mounts = xcalloc(2, sizeof(*s.mounts));
	s.mounts[0].type = MOUNT_TMPFS;
	s.mounts[0].target = xstrdup("/run");
	s.mounts[1].type = MOUNT_VOLUME;
	s.mounts[1].source = xstrdup("v");
	s.mounts[1].target = xstrdup("/data");
	s.mounts[1].nocopy = true;
	strv_append(&s.volumes_from, "other:ro");
	j = spec_to_json(&s);
	cr_assert_eq(spec_from_json(j, &t, &e), 0);
	cr_expect_str_eq(t.image, "busybox");
	cr_expect_str_eq(t.env[0], "A=1");
	cr_expect_not_null(t.entrypoint);
	cr_expect_null(t.entrypoint[0]);
	cr_expect_null(t.cmd);
	cr_expect_eq(t.memory, 64 << 20);
	cr_expect(t.tty);
	cr_expect_eq(t.stop_timeout, -1);
	cr_expect_str_eq(json_string_value(json_object_get(t.labels, "k")), "v");
	cr_expect_eq(t.n_ports, 1);
	cr_expect_str_eq(t.ports[0].host_port, "8080");
	cr_expect_eq(t.ports[0].container_port, 80);
	cr_expect_eq(t.ports[0].proto, IPPROTO_TCP);
	cr_expect_str_eq(t.ports[0].host_ip, "127.0.0.1");
	cr_expect_eq(t.mounts[0].type, MOUNT_TMPFS);
	cr_expect_str_eq(t.mounts[0].target, "/run");
	cr_expect_not(t.mounts[0].nocopy);
	cr_expect_str_eq(t.mounts[1].source, "v");
	cr_expect(t.mounts[1].nocopy);
	cr_expect_str_eq(t.volumes_from[0], "other:ro");
	json_decref(j);
	spec_release(&s);
	spec_release(&t);
}

Test(spec, copy_shares_nothing)
{
	struct container_spec s = {0}, t = {0};
	json_t *a, *b;

	s.image = xstrdup("busybox");
	strv_append(&s.env, "A=1");
	s.entrypoint = xcalloc(1, sizeof(char *)); /* explicitly empty stays empty, not NULL */
	s.memory = 64 << 20;
	s.stop_timeout = -1;
	s.labels = json_pack("{s:s}", "k", "v");
	s.n_ports = 1;
	s.ports = xcalloc(1, sizeof(*s.ports));
	s.ports[0].container_port = 80;
	s.ports[0].proto = IPPROTO_TCP;
	s.ports[0].host_ip = xstrdup("");
	s.ports[0].host_port = xstrdup("8080");
	s.n_mounts = 1;
	s.mounts = xcalloc(1, sizeof(*s.mounts));
	s.mounts[0].type = MOUNT_VOLUME;
	s.mounts[0].source = xstrdup("vol");
	s.mounts[0].target = xstrdup("/data");
	spec_copy(&s, &t);
	a = spec_to_json(&s);
	b = spec_to_json(&t);
	cr_expect(json_equal(a, b));
	cr_expect_neq(s.image, t.image);
	cr_expect_neq(s.env, t.env);
	cr_expect_not_null(t.entrypoint);
	cr_expect_null(t.entrypoint[0]);
	cr_expect_neq(s.labels, t.labels);
	cr_expect_neq(s.ports, t.ports);
	cr_expect_neq(s.mounts[0].source, t.mounts[0].source);
	spec_release(&s);
	cr_expect_str_eq(t.ports[0].host_port, "8080");
	cr_expect_eq(t.ports[0].container_port, 80);
	cr_expect_str_eq(json_string_value(json_object_get(t.labels, "k")), "v");
	json_decref(a);
	json_decref(b);
	spec_release(&t);
}
