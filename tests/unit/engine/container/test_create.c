/* SPDX-License-Identifier: Apache-2.0 */
/* The image config → container spec merge of docker create/run. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/container/create.h"
#include "engine/container/lifecycle.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"

/* An image document around the "config" object @cfg (JSON text). */
static int
merge(struct container_spec *s, const char *cfg, struct err *e)
{
	struct buf b = BUF_INIT;
	int r;

	if (!s->labels)
		s->labels = json_object();
	buf_printf(&b, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":%s}", cfg);
	r = create_merge_image_config(s, &b, e);
	buf_release(&b);
	return r;
}

static char **
strv(const char *a, const char *b, const char *c)
{
	char **v = xcalloc(1, sizeof(char *));

	if (a)
		strv_append(&v, a);
	if (b)
		strv_append(&v, b);
	if (c)
		strv_append(&v, c);
	return v;
}

static void
expect_strv(char **v, const char *a, const char *b, const char *c)
{
	const char *want[] = {a, b, c, NULL};
	size_t n = 0;

	while (want[n])
		n++;
	cr_assert_not_null(v);
	cr_expect_eq(strv_len(v), n, "length %zu, want %zu", strv_len(v), n);
	for (size_t i = 0; i < n && v[i]; i++)
		cr_expect_str_eq(v[i], want[i]);
}

Test(create, image_env_first_request_overrides_by_name)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	s.env = strv("B=request", "NEW=1", "PATH=/x");
	cr_assert_eq(merge(&s,
			   "{\"Env\":[\"PATH=/usr/bin:/bin\",\"A=1\",\"B=image\"],"
			   "\"Cmd\":[\"sh\"]}",
			   &e),
		     0, "%s", e.msg);
	cr_assert_eq(strv_len(s.env), 4);
	cr_expect_str_eq(s.env[0], "PATH=/x", "replaced where the image had it");
	cr_expect_str_eq(s.env[1], "A=1");
	cr_expect_str_eq(s.env[2], "B=request");
	cr_expect_str_eq(s.env[3], "NEW=1", "new names come last");
	spec_release(&s);
}

/* dockerd keeps "NAME" in Config.Env (the image's NAME=... gives way to it); the
 * process never gets it (runspec). */
Test(create, env_name_without_value_is_kept_as_sent)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	s.env = strv("UNSET", "A", "C=3");
	cr_assert_eq(merge(&s, "{\"Env\":[\"A=1\"],\"Cmd\":[\"sh\"]}", &e), 0, "%s", e.msg);
	expect_strv(s.env, "A", "UNSET", "C=3");
	spec_release(&s);
}

Test(create, image_entrypoint_and_cmd_when_the_request_has_none)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	cr_assert_eq(merge(&s, "{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\",\"-v\"]}", &e), 0);
	expect_strv(s.entrypoint, "/init", NULL, NULL);
	expect_strv(s.cmd, "serve", "-v", NULL);
	spec_release(&s);
}

Test(create, request_cmd_replaces_the_image_cmd_only)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	s.cmd = strv("echo", "hi", NULL);
	cr_assert_eq(merge(&s, "{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\"]}", &e), 0);
	expect_strv(s.entrypoint, "/init", NULL, NULL);
	expect_strv(s.cmd, "echo", "hi", NULL);
	spec_release(&s);
}

Test(create, request_entrypoint_drops_the_image_cmd)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	s.entrypoint = strv("/bin/cat", NULL, NULL);
	cr_assert_eq(merge(&s, "{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\"]}", &e), 0);
	expect_strv(s.entrypoint, "/bin/cat", NULL, NULL);
	cr_expect_null(s.cmd, "docker run --entrypoint resets the image's Cmd");
	spec_release(&s);
}

Test(create, empty_entrypoint_clears_the_image_one)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	s.entrypoint = strv("", NULL, NULL);
	s.cmd = strv("ls", NULL, NULL);
	cr_assert_eq(merge(&s, "{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\"]}", &e), 0);
	cr_expect_null(s.entrypoint);
	expect_strv(s.cmd, "ls", NULL, NULL);
	spec_release(&s);
}

Test(create, no_command_at_all_is_refused)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	cr_expect_eq(merge(&s, "{\"Env\":[\"A=1\"]}", &e), -EINVAL);
	cr_expect_str_eq(e.msg, "No command specified");
	spec_release(&s);

	struct container_spec t = {0};
	struct err e2 = ERR_INIT;
	t.entrypoint = strv("", NULL, NULL);
	cr_expect_eq(merge(&t, "{\"Entrypoint\":[\"/init\"]}", &e2), -EINVAL,
		     "--entrypoint \"\" on an image with no Cmd leaves nothing to run");
	spec_release(&t);
}

Test(create, invalid_image_config_is_refused)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;

	s.labels = json_object();
	buf_puts(&b, "not json");
	cr_expect_eq(create_merge_image_config(&s, &b, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "image config is not valid JSON");
	buf_release(&b);
	spec_release(&s);
}

Test(create, workdir_user_and_stop_signal_from_the_image_unless_given)
{
	struct container_spec s = {0}, t = {0};
	struct err e = ERR_INIT;
	const char *cfg = "{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\",\"User\":\"nobody\","
			  "\"StopSignal\":\"SIGQUIT\"}";

	cr_assert_eq(merge(&s, cfg, &e), 0);
	cr_expect_str_eq(s.working_dir, "/srv");
	cr_expect_str_eq(s.user, "nobody");
	cr_expect_str_eq(s.stop_signal, "SIGQUIT");
	spec_release(&s);

	t.working_dir = xstrdup("/tmp");
	t.user = xstrdup("1000:1000");
	t.stop_signal = xstrdup("SIGINT");
	cr_assert_eq(merge(&t, cfg, &e), 0);
	cr_expect_str_eq(t.working_dir, "/tmp");
	cr_expect_str_eq(t.user, "1000:1000");
	cr_expect_str_eq(t.stop_signal, "SIGINT");
	spec_release(&t);
}

Test(create, unset_workdir_and_user_become_empty_strings)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	s.working_dir = xstrdup("");
	cr_assert_eq(merge(&s, "{\"Cmd\":[\"sh\"]}", &e), 0);
	cr_expect_str_eq(s.working_dir, "");
	cr_expect_str_eq(s.user, "");
	cr_expect_null(s.stop_signal);
	spec_release(&s);
}

Test(create, ports_volumes_and_labels_are_unions)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;

	s.exposed_ports = strv("80/tcp", "9000/tcp", NULL);
	s.volumes = strv("/data", NULL, NULL);
	s.labels = json_pack("{s:s}", "who", "request");
	cr_assert_eq(merge(&s,
			   "{\"Cmd\":[\"sh\"],"
			   "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},"
			   "\"Volumes\":{\"/data\":{},\"/cache\":{}},"
			   "\"Labels\":{\"who\":\"image\",\"vendor\":\"acme\",\"n\":5}}",
			   &e),
		     0);
	expect_strv(s.exposed_ports, "80/tcp", "9000/tcp", "53/udp");
	expect_strv(s.volumes, "/data", "/cache", NULL);
	cr_expect_str_eq(json_string_value(json_object_get(s.labels, "who")), "request");
	cr_expect_str_eq(json_string_value(json_object_get(s.labels, "vendor")), "acme");
	cr_expect_null(json_object_get(s.labels, "n"), "non-string labels are ignored");
	spec_release(&s);
}

Test(create, healthcheck_shell_and_onbuild_from_the_image)
{
	struct container_spec s = {0}, t = {0};
	struct err e = ERR_INIT;
	const char *cfg = "{\"Cmd\":[\"sh\"],\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]},"
			  "\"Shell\":[\"/bin/bash\",\"-c\"],\"OnBuild\":[\"RUN true\"]}";

	cr_assert_eq(merge(&s, cfg, &e), 0);
	cr_assert_not_null(s.healthcheck);
	cr_expect_str_eq(json_string_value(
				 json_array_get(json_object_get(s.healthcheck, "Test"), 1)),
			 "true");
	expect_strv(s.shell, "/bin/bash", "-c", NULL);
	expect_strv(s.onbuild, "RUN true", NULL, NULL);
	spec_release(&s);

	t.healthcheck = json_pack("{s:[s]}", "Test", "NONE");
	t.shell = strv("/bin/sh", NULL, NULL);
	cr_assert_eq(merge(&t, cfg, &e), 0);
	cr_expect_str_eq(json_string_value(
				 json_array_get(json_object_get(t.healthcheck, "Test"), 0)),
			 "NONE", "the request's healthcheck wins (--no-healthcheck)");
	expect_strv(t.shell, "/bin/sh", NULL, NULL);
	spec_release(&t);
}

Test(create, image_without_config_object)
{
	struct container_spec s = {0};
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;

	s.labels = json_object();
	s.cmd = strv("true", NULL, NULL);
	buf_puts(&b, "{\"architecture\":\"amd64\"}");
	cr_expect_eq(create_merge_image_config(&s, &b, &e), 0, "%s", e.msg);
	expect_strv(s.cmd, "true", NULL, NULL);
	cr_expect_str_eq(s.working_dir, "");
	buf_release(&b);
	spec_release(&s);
}

/* --add-host entries (HostConfig.ExtraHosts). */
static void
expect_host(const char *in, const char *name, const char *addr)
{
	char n[256], a[64];
	struct err e = ERR_INIT;

	cr_assert_eq(lifecycle_extra_host_parse(in, n, a, &e), 0, "%s: %s", in, e.msg);
	cr_expect_str_eq(n, name);
	cr_expect_str_eq(a, addr);
}

static void
expect_refused(const char *in, const char *msg)
{
	char n[256], a[64];
	struct err e = ERR_INIT;

	cr_expect_eq(lifecycle_extra_host_parse(in, n, a, &e), -EINVAL, "%s", in);
	cr_expect_str_eq(e.msg, msg);
}

Test(create, extra_hosts_as_dockerd_reads_them)
{
	expect_host("foo:10.1.2.3", "foo", "10.1.2.3");
	expect_host("foo=10.1.2.3", "foo", "10.1.2.3");
	expect_host("six:::1", "six", "::1");
	expect_host("six=[2001:db8::1]", "six", "2001:db8::1");
	expect_host("gw:host-gateway", "gw", "host-gateway");
}

Test(create, extra_hosts_refused_with_dockerd_messages)
{
	expect_refused("noaddress", "bad format for add-host: \"noaddress\"");
	expect_refused(":10.1.2.3", "bad format for add-host: \":10.1.2.3\"");
	expect_refused("a:b=10.1.2.3", "bad format for add-host: \"a:b=10.1.2.3\"");
	expect_refused("bad:notanip", "invalid IP address in add-host: \"notanip\"");
	expect_refused("bad:10.1.2.3:80", "invalid IP address in add-host: \"10.1.2.3:80\"");
}

/* resolv.conf of a container, from the host's file and the DNS settings. */
static void
expect_resolv(const char *host, char *const *dns, char *const *search, char *const *opts,
	      enum create_resolv_mode mode, const char *want)
{
	struct buf out = BUF_INIT;
	char *copy = host ? xstrdup(host) : NULL;

	create_resolv_conf(copy, dns, search, opts, mode, &out);
	cr_expect_str_eq(out.data ? out.data : "", want);
	buf_release(&out);
	free(copy);
}

static const char host_rc[] = "nameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch lan\n"
			      "options edns0 trust-ad\n";

Test(create, resolv_conf_bridge_drops_loopback_servers)
{
	char *dns[] = {"192.0.2.9", NULL}, *dot[] = {".", NULL}, *opt[] = {"ndots:2", NULL};

	expect_resolv(host_rc, NULL, NULL, NULL, CREATE_RESOLV_BRIDGE,
		      "nameserver 192.0.2.1\nsearch lan\noptions edns0 trust-ad\n");
	expect_resolv("nameserver 127.0.0.53\n", NULL, NULL, NULL, CREATE_RESOLV_BRIDGE,
		      "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	expect_resolv(NULL, NULL, NULL, NULL, CREATE_RESOLV_BRIDGE,
		      "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	expect_resolv(host_rc, dns, dot, opt, CREATE_RESOLV_BRIDGE,
		      "nameserver 192.0.2.9\noptions ndots:2\n");
}

Test(create, resolv_conf_host_network_is_the_hosts)
{
	char *dns[] = {"192.0.2.9", NULL};

	expect_resolv(host_rc, NULL, NULL, NULL, CREATE_RESOLV_HOST, host_rc);
	expect_resolv(host_rc, dns, NULL, NULL, CREATE_RESOLV_HOST,
		      "nameserver 192.0.2.9\nsearch lan\noptions edns0 trust-ad\n");
}

Test(create, resolv_conf_embedded_server)
{
	char *search[] = {"corp.example", NULL}, *opt[] = {"ndots:3", "timeout:1", NULL};

	expect_resolv(host_rc, NULL, NULL, NULL, CREATE_RESOLV_EMBEDDED,
		      "nameserver 127.0.0.11\nsearch lan\noptions edns0 trust-ad ndots:0\n");
	expect_resolv(host_rc, NULL, search, opt, CREATE_RESOLV_EMBEDDED,
		      "nameserver 127.0.0.11\nsearch corp.example\noptions ndots:3 timeout:1\n");
	expect_resolv(NULL, NULL, NULL, NULL, CREATE_RESOLV_EMBEDDED,
		      "nameserver 127.0.0.11\noptions ndots:0\n");
}
