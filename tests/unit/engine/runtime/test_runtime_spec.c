/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/runtime/runtime_spec.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static bool
strv_has(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static size_t
strv_len(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

Test(spec, defaults_match_dockerd)
{
	struct runtime_spec s;

	runtime_spec_init_default(&s, ID);
	cr_expect_eq(strv_len(s.caps), 14);
	cr_expect(strv_has(s.caps, "CAP_NET_RAW"));
	cr_expect(!strv_has(s.caps, "CAP_SYS_ADMIN"));
	cr_expect(strv_has(s.masked_paths, "/proc/kcore"));
	cr_expect(strv_has(s.readonly_paths, "/proc/sys"));
	cr_expect_str_eq(s.hostname, "0123456789ab");
	cr_expect_str_eq(s.cgroup_path, "berth/" ID);
	cr_expect_eq(s.seccomp, RUNTIME_SECCOMP_DEFAULT);
	cr_expect_geq(s.n_mounts, 6);
	runtime_spec_release(&s);
}

Test(spec, round_trip)
{
	struct runtime_spec s, t;
	struct err e = ERR_INIT;
	_cleanup_free_ char *text = NULL;
	const char *const opts[] = {"ro", "rbind", NULL};

	runtime_spec_init_default(&s, ID);
	s.args = xcalloc(3, sizeof(char *));
	s.args[0] = xstrdup("sh");
	s.args[1] = xstrdup("-c");
	s.lowerdirs = xcalloc(3, sizeof(char *));
	s.lowerdirs[0] = xstrdup("/l/2");
	s.lowerdirs[1] = xstrdup("/l/1");
	s.upperdir = xstrdup("/u");
	s.workdir = xstrdup("/w");
	s.terminal = s.open_stdin = s.init = s.readonly_root = s.disposable_root = true;
	s.console_height = 40;
	s.console_width = 132;
	free(s.user);
	s.user = xstrdup("1000:wheel");
	s.res.memory = 64 << 20;
	s.res.pids_limit = 10;
	s.res.cpu_quota = 50000;
	s.netns = RUNTIME_NETNS_PATH;
	s.netns_path = xstrdup("/run/berth/netns/x");
	s.log_path = xstrdup("/var/log/x.log");
	s.log_max_size = 1000;
	s.log_max_files = 3;
	s.log_compress = true;
	s.log_attrs = json_pack("{s:s}", "team", "a");
	runtime_spec_add_mount(&s, "/data", "bind", "/host", opts);
	text = runtime_spec_to_json(&s);
	cr_assert_eq(runtime_spec_from_json(text, strlen(text), &t, &e), 0, "%s", e.msg);
	cr_expect_str_eq(t.args[1], "-c");
	cr_expect_str_eq(t.lowerdirs[1], "/l/1");
	cr_expect_str_eq(t.upperdir, "/u");
	cr_expect(t.terminal && t.open_stdin && t.init && t.readonly_root && t.disposable_root);
	cr_expect_eq(t.console_width, 132);
	cr_expect_str_eq(t.user, "1000:wheel");
	cr_expect_eq(t.res.memory, 64 << 20);
	cr_expect_eq(t.res.pids_limit, 10);
	cr_expect_eq(t.netns, RUNTIME_NETNS_PATH);
	cr_expect_str_eq(t.netns_path, "/run/berth/netns/x");
	cr_expect_eq(t.n_mounts, s.n_mounts);
	cr_expect_str_eq(t.mounts[t.n_mounts - 1].options[0], "ro");
	cr_expect(t.log_max_size == 1000 && t.log_max_files == 3 && t.log_compress);
	cr_expect_str_eq(json_string_value(json_object_get(t.log_attrs, "team")), "a");
	cr_expect_eq(strv_len(t.caps), 14);
	cr_expect_eq(strv_len(t.masked_paths), strv_len(s.masked_paths));
	runtime_spec_release(&s);
	runtime_spec_release(&t);
}

Test(spec, network_modes)
{
	struct runtime_spec s, t;
	struct err e = ERR_INIT;

	for (int mode = RUNTIME_NETNS_NONE; mode <= RUNTIME_NETNS_HOST; mode++) {
		_cleanup_free_ char *text = NULL;
		runtime_spec_init_default(&s, ID);
		s.args = xcalloc(2, sizeof(char *));
		s.args[0] = xstrdup("true");
		s.rootfs = xstrdup("/r");
		s.netns = (enum runtime_netns)mode;
		if (mode == RUNTIME_NETNS_PATH)
			s.netns_path = xstrdup("/n");
		text = runtime_spec_to_json(&s);
		cr_assert_eq(runtime_spec_from_json(text, strlen(text), &t, &e), 0, "%s", e.msg);
		cr_expect_eq(t.netns, mode);
		runtime_spec_release(&s);
		runtime_spec_release(&t);
	}
}

static int
parse(const char *text, struct err *e)
{
	struct runtime_spec t;
	int r = runtime_spec_from_json(text, strlen(text), &t, e);
	runtime_spec_release(&t);
	return r;
}

Test(spec, rejects_invalid)
{
	struct err e = ERR_INIT;

	cr_expect_eq(parse("not json", &e), -EINVAL);
	cr_expect_eq(parse("[]", &e), -EINVAL);
	cr_expect_eq(parse("{}", &e), -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"}}", &e),
		     -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\"],\"cwd\":\"rel\"},\"root\":{\"path\":\"/r\"}}", &e),
		     -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[1],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"}}", &e),
		     -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"}}", &e), -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_NOPE\"]}},"
			   "\"root\":{\"path\":\"/r\"}}", &e), -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"},"
			   "\"linux\":{\"cgroupsPath\":\"../../etc\"}}", &e), -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"},"
			   "\"mounts\":[{\"destination\":\"rel\"}]}", &e), -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"},"
			   "\"linux\":{\"resources\":{\"memory\":{\"limit\":\"64m\"}}}}", &e), -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"},"
			   "\"berth\":{\"seccomp\":\"weird\"}}", &e), -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\\u0000y\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"}}", &e),
		     -EINVAL);
	cr_expect_eq(parse("{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"}}", &e), 0);
}

Test(spec, rejects_too_many_layers)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;

	buf_puts(&b, "{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"berth\":{\"lowerdirs\":[");
	for (int i = 0; i < 501; i++)
		buf_printf(&b, "%s\"/l%d\"", i ? "," : "", i);
	buf_puts(&b, "]}}");
	cr_expect_eq(parse(b.data, &e), -E2BIG);
	buf_release(&b);
}

Test(spec, caps_add_drop_privileged)
{
	struct runtime_spec s;
	struct err e = ERR_INIT;
	char *add[] = {"net_admin", "CAP_SYS_PTRACE", NULL};
	char *drop[] = {"CAP_NET_RAW", "mknod", NULL};
	char *all[] = {"ALL", NULL};
	char *bad[] = {"CAP_FLY", NULL};

	runtime_spec_init_default(&s, ID);
	cr_assert_eq(runtime_spec_set_caps(&s, add, drop, false, &e), 0);
	cr_expect(strv_has(s.caps, "CAP_NET_ADMIN"));
	cr_expect(strv_has(s.caps, "CAP_SYS_PTRACE"));
	cr_expect(!strv_has(s.caps, "CAP_NET_RAW"));
	cr_expect(!strv_has(s.caps, "CAP_MKNOD"));
	cr_expect_eq(strv_len(s.caps), 14);
	cr_assert_eq(runtime_spec_set_caps(&s, add, all, false, &e), 0);
	cr_expect_eq(strv_len(s.caps), 2);
	cr_assert_eq(runtime_spec_set_caps(&s, NULL, NULL, true, &e), 0);
	cr_expect_eq(strv_len(s.caps), 41);
	cr_expect_eq(runtime_spec_set_caps(&s, bad, NULL, false, &e), -EINVAL);
	cr_expect(strstr(e.msg, "CAP_FLY") != NULL);
	runtime_spec_release(&s);
}

Test(spec, cap_names)
{
	cr_expect_eq(runtime_cap_from_name("CAP_SYS_ADMIN"), 21);
	cr_expect_eq(runtime_cap_from_name("sys_admin"), 21);
	cr_expect_eq(runtime_cap_from_name("CAP_"), -EINVAL);
	cr_expect_str_eq(runtime_cap_name(0), "CAP_CHOWN");
	cr_expect_null(runtime_cap_name(99));
}

Test(spec, device_rules_as_dockerd_parses_them)
{
	static const char *const good[] = {"c 1:3 rwm",		 "b 7:* r", "a *:* m", "c *:12 wm",
					   "c 4294967295:0 rwm", NULL};
	static const char *const bad[] = {"",		"c 1:3",      "c 1:3  rwm",
					  " c 1:3 rwm", "c 1:3 rwm ", "x 1:3 rwm",
					  "c 1 rwm",	"c a:3 rw",   "c 1:3 rwmr",
					  "c 1:3 rx",	"c1:3 rwm",   "c 12345678901:1 r",
					  NULL};

	for (size_t i = 0; good[i]; i++)
		cr_expect_eq(runtime_device_rule_check(good[i]), 0, "%s", good[i]);
	for (size_t i = 0; bad[i]; i++)
		cr_expect_eq(runtime_device_rule_check(bad[i]), -EINVAL, "'%s'", bad[i]);
}

Test(spec, namespaces_devices_sysctls_round_trip)
{
	struct runtime_spec s, t;
	struct err e = ERR_INIT;
	_cleanup_free_ char *text = NULL;

	runtime_spec_init_default(&s, ID);
	s.args = xcalloc(2, sizeof(char *));
	s.args[0] = xstrdup("true");
	s.rootfs = xstrdup("/r");
	s.pidns = (struct runtime_ns){RUNTIME_NS_JOIN, xstrdup("/proc/42/ns/pid")};
	s.ipcns.mode = RUNTIME_NS_HOST;
	s.utsns.mode = RUNTIME_NS_HOST;
	s.cgroupns.mode = RUNTIME_NS_HOST;
	s.devices = xcalloc(2, sizeof(*s.devices));
	s.devices[0] = (struct runtime_device){xstrdup("/dev/mynull"), 'c', 1, 3, 0666};
	s.n_devices = 1;
	s.sysctl = xcalloc(3, sizeof(char *));
	s.sysctl[0] = xstrdup("net.ipv4.ip_forward=1");
	s.sysctl[1] = xstrdup("kernel.sem=250 32000 32 128");
	s.res.device_allow = xcalloc(2, sizeof(char *));
	s.res.device_allow[0] = xstrdup("c 1:3 rw");
	s.shm_path = xstrdup("/run/berth/containers/x/shm");
	s.shm_size = 70 << 20;
	text = runtime_spec_to_json(&s);
	cr_assert_eq(runtime_spec_from_json(text, strlen(text), &t, &e), 0, "%s", e.msg);
	cr_expect_eq(t.pidns.mode, RUNTIME_NS_JOIN);
	cr_expect_str_eq(t.pidns.path, "/proc/42/ns/pid");
	cr_expect_eq(t.ipcns.mode, RUNTIME_NS_HOST);
	cr_expect_eq(t.utsns.mode, RUNTIME_NS_HOST);
	cr_expect_eq(t.cgroupns.mode, RUNTIME_NS_HOST);
	cr_assert_eq(t.n_devices, 1);
	cr_expect_str_eq(t.devices[0].path, "/dev/mynull");
	cr_expect(t.devices[0].type == 'c' && t.devices[0].major == 1 && t.devices[0].minor == 3);
	cr_expect_eq(t.devices[0].mode, 0666);
	cr_expect(strv_has(t.sysctl, "kernel.sem=250 32000 32 128"));
	cr_expect(strv_has(t.sysctl, "net.ipv4.ip_forward=1"));
	cr_expect(strv_has(t.res.device_allow, "c 1:3 rw"));
	cr_expect_str_eq(t.shm_path, "/run/berth/containers/x/shm");
	cr_expect_eq(t.shm_size, 70 << 20);
	runtime_spec_release(&s);
	runtime_spec_release(&t);

	/* the defaults: every namespace new */
	runtime_spec_init_default(&s, ID);
	s.args = xcalloc(2, sizeof(char *));
	s.args[0] = xstrdup("true");
	s.rootfs = xstrdup("/r");
	free(text);
	text = runtime_spec_to_json(&s);
	cr_assert_eq(runtime_spec_from_json(text, strlen(text), &t, &e), 0, "%s", e.msg);
	cr_expect(t.pidns.mode == RUNTIME_NS_NEW && t.ipcns.mode == RUNTIME_NS_NEW &&
		  t.utsns.mode == RUNTIME_NS_NEW && t.cgroupns.mode == RUNTIME_NS_NEW);
	runtime_spec_release(&s);
	runtime_spec_release(&t);
}

Test(spec, rejects_hostile_namespace_device_sysctl)
{
	static const char *const bad[] = {
		"{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/"
		"r\"},\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/etc/passwd\"}]}}",
		"{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/"
		"r\"},\"linux\":{\"namespaces\":[{\"type\":\"ipc\",\"path\":\"/proc/../etc\"}]}}",
		"{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/"
		"r\"},\"linux\":{\"sysctl\":{\"net/../../x\":\"1\"}}}",
		"{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/"
		"r\"},\"linux\":{\"sysctl\":{\"..\":\"1\"}}}",
		"{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/"
		"r\"},\"linux\":{\"devices\":[{\"path\":\"rel\",\"type\":\"c\",\"major\":1,"
		"\"minor\":3}]}}",
		"{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/"
		"r\"},\"linux\":{\"devices\":[{\"path\":\"/"
		"d\",\"type\":\"p\",\"major\":1,\"minor\":3}]}}",
		"{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/"
		"r\"},\"linux\":{\"resources\":{\"berthDeviceRules\":[\"a\"]}}}",
		"{\"process\":{\"args\":[\"x\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/"
		"r\"},\"berth\":{\"shm\":{\"path\":\"rel\",\"size\":1}}}",
		NULL,
	};

	for (size_t i = 0; bad[i]; i++) {
		struct err e = ERR_INIT;
		cr_expect_eq(parse(bad[i], &e), -EINVAL, "case %zu", i);
	}
}
