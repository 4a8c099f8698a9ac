/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "api/container_json.h"

static int
decode(const char *text, struct container_spec *s, struct err *e)
{
	json_t *j = json_loads(text, 0, NULL);
	int r;

	cr_assert_not_null(j, "bad test JSON: %s", text);
	memset(s, 0, sizeof(*s));
	r = container_json_decode_create(j, s, e);
	json_decref(j);
	return r;
}

Test(container_json, decodes_the_cli_create_body)
{
	struct container_spec s;
	struct err e = ERR_INIT;

	cr_assert_eq(decode("{\"Image\":\"alpine\",\"Cmd\":[\"-c\",\"echo hi\"],\"Entrypoint\":[\"sh\"],"
			    "\"Env\":[\"A=B\"],\"Tty\":true,\"OpenStdin\":true,\"ExposedPorts\":{\"80/tcp\":{}},"
			    "\"Labels\":{\"a\":\"b\"},\"HostConfig\":{\"Binds\":[\"/h:/c:ro\",\"vol1:/data\"],"
			    "\"NetworkMode\":\"default\",\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]},"
			    "\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},\"AutoRemove\":true,"
			    "\"ConsoleSize\":[40,120],\"Memory\":67108864,\"NanoCpus\":1000000000,"
			    "\"Tmpfs\":{\"/run\":\"size=1m\"},\"UnknownField\":1}}", &s, &e), 0, "%s", e.msg);
	cr_expect_str_eq(s.image, "alpine");
	cr_expect_str_eq(s.entrypoint[0], "sh");
	cr_expect_str_eq(s.cmd[1], "echo hi");
	cr_expect_str_eq(s.network_mode, "bridge");
	cr_expect_eq(s.n_ports, 1);
	cr_expect_str_eq(s.ports[0].host_port, "8080");
	cr_expect_eq(s.n_mounts, 3);
	cr_expect_eq(s.mounts[0].type, MOUNT_BIND);
	cr_expect(s.mounts[0].readonly);
	cr_expect_eq(s.mounts[1].type, MOUNT_VOLUME);
	cr_expect_eq(s.mounts[2].type, MOUNT_TMPFS);
	cr_expect_eq(s.console_height, 40);
	cr_expect_eq(s.memory, 67108864);
	cr_expect(s.auto_remove);
	spec_release(&s);
}

Test(container_json, names_the_wrong_field)
{
	struct container_spec s;
	struct err e = ERR_INIT;

	cr_expect_eq(decode("{\"Image\":\"a\",\"Env\":\"A=B\"}", &s, &e), -EINVAL);
	cr_expect(strstr(e.msg, "Config.Env") != NULL, "%s", e.msg);
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"Memory\":\"lots\"}}", &s, &e), -EINVAL);
	cr_expect(strstr(e.msg, "HostConfig.Memory") != NULL, "%s", e.msg);
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"Memory\":1024}}", &s, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "Minimum memory limit allowed is 6MB");
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}", &s, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "invalid restart policy 'sometimes'");
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}}", &s, &e), -EINVAL);
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"PortBindings\":{\"99999/tcp\":[]}}}", &s, &e), -EINVAL);
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"Binds\":[\"/h:relative\"]}}", &s, &e), -EINVAL);
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/nonexistent-berth\",\"Target\":\"/x\"}]}}", &s, &e), -EINVAL);
	cr_expect(strstr(e.msg, "bind source path does not exist") != NULL);
	spec_release(&s);
}

Test(container_json, human_durations_like_go_units)
{
	char b[64];
	human_duration(500000000LL, b, sizeof(b));
	cr_expect_str_eq(b, "Less than a second");
	human_duration(1000000000LL, b, sizeof(b));
	cr_expect_str_eq(b, "1 second");
	human_duration(42LL * 1000000000LL, b, sizeof(b));
	cr_expect_str_eq(b, "42 seconds");
	human_duration(90LL * 1000000000LL, b, sizeof(b));
	cr_expect_str_eq(b, "About a minute");
	human_duration(300LL * 1000000000LL, b, sizeof(b));
	cr_expect_str_eq(b, "5 minutes");
	human_duration(3700LL * 1000000000LL, b, sizeof(b));
	cr_expect_str_eq(b, "About an hour");
	human_duration(5LL * 3600 * 1000000000LL, b, sizeof(b));
	cr_expect_str_eq(b, "5 hours");
	human_duration(3LL * 86400 * 1000000000LL, b, sizeof(b));
	cr_expect_str_eq(b, "3 days");
}

/* PortBindings are parsed once at create: the key into numbers, the host side as written. */
Test(container_json, port_bindings_parsed_at_create)
{
	struct container_spec s;
	struct err e = ERR_INIT;

	cr_assert_eq(decode("{\"Image\":\"a\",\"ExposedPorts\":{\"53/udp\":{},\"90\":{}},"
			    "\"HostConfig\":{\"PortBindings\":{"
			    "\"80\":[{\"HostIp\":\"[::1]\",\"HostPort\":\"0\"},{\"HostPort\":\"8000-8010\"}],"
			    "\"53/udp\":null,\"132/sctp\":[]}}}", &s, &e), 0, "%s", e.msg);
	cr_assert_eq(s.n_ports, 4);
	cr_expect_eq(s.ports[0].container_port, 80);
	cr_expect_eq(s.ports[0].proto, IPPROTO_TCP);
	cr_expect_str_eq(s.ports[0].host_ip, "[::1]");	/* checked when published */
	cr_expect_str_eq(s.ports[0].host_port, "0");
	cr_expect_str_eq(s.ports[1].host_ip, "");
	cr_expect_str_eq(s.ports[1].host_port, "8000-8010");
	cr_expect_eq(s.ports[2].proto, IPPROTO_UDP);
	cr_expect_str_eq(s.ports[2].host_port, "");
	cr_expect_eq(s.ports[3].container_port, 132);
	cr_expect_eq(s.ports[3].proto, IPPROTO_SCTP);
	cr_expect_str_eq(s.exposed_ports[0], "53/udp");
	cr_expect_str_eq(s.exposed_ports[1], "90/tcp");
	spec_release(&s);

	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"PortBindings\":{\"80/icmp\":[]}}}", &s, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "invalid proto: icmp");
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"PortBindings\":{\"0/tcp\":[]}}}", &s, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "invalid port specification: \"0/tcp\"");
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"HostConfig\":{\"PortBindings\":{\"80\":[{\"HostPort\":80}]}}}", &s, &e), -EINVAL);
	cr_expect(strstr(e.msg, "HostConfig.PortBindings.HostPort") != NULL, "%s", e.msg);
	spec_release(&s);
	cr_expect_eq(decode("{\"Image\":\"a\",\"ExposedPorts\":{\"x/tcp\":{}}}", &s, &e), -EINVAL);
	spec_release(&s);
}

Test(container_json, volume_nocopy_and_volumes_from)
{
	struct container_spec s;
	struct err e = ERR_INIT;

	cr_assert_eq(decode("{\"Image\":\"busybox\",\"HostConfig\":{"
			    "\"Binds\":[\"v1:/a:nocopy\",\"v2:/b\",\"/h:/c:nocopy\"],"
			    "\"VolumesFrom\":[\"src:ro\"],\"Mounts\":["
			    "{\"Type\":\"volume\",\"Source\":\"v3\",\"Target\":\"/d\","
			    "\"VolumeOptions\":{\"NoCopy\":true}},"
			    "{\"Type\":\"volume\",\"Target\":\"/e\"}]}}",
			    &s, &e),
		     0, "%s", e.msg);
	cr_assert_eq(s.n_mounts, 5);
	cr_expect(s.mounts[0].nocopy);
	cr_expect_not(s.mounts[1].nocopy);
	cr_expect_not(s.mounts[2].nocopy, "binds are never copied into: nocopy means nothing");
	cr_expect(s.mounts[3].nocopy);
	cr_expect_eq(s.mounts[4].type, MOUNT_VOLUME);
	cr_expect_null(s.mounts[4].source, "an anonymous --mount volume is named at create");
	cr_expect_str_eq(s.volumes_from[0], "src:ro");
	spec_release(&s);

	cr_expect_eq(decode("{\"Image\":\"busybox\",\"HostConfig\":{\"VolumesFrom\":\"src\"}}", &s,
			    &e),
		     -EINVAL);
	cr_expect(strstr(e.msg, "HostConfig.VolumesFrom"), "%s", e.msg);
	spec_release(&s);
	err_clear(&e);
	cr_expect_eq(decode("{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":"
			    "\"volume\","
			    "\"Target\":\"/x\",\"VolumeOptions\":{\"NoCopy\":\"yes\"}}]}}",
			    &s, &e),
		     -EINVAL);
	cr_expect(strstr(e.msg, "HostConfig.Mounts.VolumeOptions.NoCopy"), "%s", e.msg);
	spec_release(&s);
}

Test(container_json, namespace_modes_devices_runtime_kept_as_sent)
{
	struct container_spec s;
	struct err e = ERR_INIT;

	cr_assert_eq(decode("{\"Image\":\"busybox\",\"HostConfig\":{\"PidMode\":\"container:a\","
			    "\"IpcMode\":\"shareable\",\"UTSMode\":\"host\",\"UsernsMode\":"
			    "\"host\","
			    "\"CgroupnsMode\":\"private\",\"Runtime\":\"runc\",\"Isolation\":"
			    "\"default\","
			    "\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/"
			    "n\","
			    "\"CgroupPermissions\":\"rw\"}],\"DeviceCgroupRules\":[\"c 1:3 rwm\"],"
			    "\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"1\"}}}",
			    &s, &e),
		     0, "%s", e.msg);
	cr_expect_str_eq(s.pid_mode, "container:a");
	cr_expect_str_eq(s.ipc_mode, "shareable");
	cr_expect_str_eq(s.uts_mode, "host");
	cr_expect_str_eq(s.userns_mode, "host");
	cr_expect_str_eq(s.cgroupns_mode, "private");
	cr_expect_str_eq(s.runtime, "runc");
	cr_expect_str_eq(s.isolation, "default");
	cr_expect_str_eq(s.device_cgroup_rules[0], "c 1:3 rwm");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(s.devices, 0), "perms")),
			 "rw");
	spec_release(&s);
}

Test(container_json, namespace_options_refused_as_dockerd)
{
	static const char *const cases[][2] = {
		{"{\"IpcMode\":\"bogus\"}", "invalid IPC mode: bogus"},
		{"{\"PidMode\":\"container:\"}", "invalid PID mode: container:"},
		{"{\"UTSMode\":\"container:a\"}", "invalid UTS mode: container:a"},
		{"{\"UsernsMode\":\"private\"}", "invalid USER mode: private"},
		{"{\"CgroupnsMode\":\"x\"}", "invalid cgroup namespace mode: x"},
		{"{\"Runtime\":\"kata\"}", "Unknown runtime specified kata"},
		{"{\"Isolation\":\"hyperv\"}", "Invalid isolation: \"hyperv\" - linux only "
					       "supports 'default'"},
		{"{\"DeviceCgroupRules\":[\"c 1:3\"]}", "invalid device cgroup rule format: 'c "
							"1:3'"},
		{"{\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"CgroupPermissions\":\"rwx\"}]}",
		 "bad mode specified: rwx"},
		{"{\"Devices\":[{\"PathOnHost\":\"null\"}]}", "null is not an absolute path"},
		{"{\"Sysctls\":{\"kernel.panic\":\"1\"}}", "sysctl \"kernel.panic\" is not in a "
							   "separate kernel namespace"},
		{"{\"Sysctls\":{\"kernel.hostname\":\"x\"}}", "sysctl \"kernel.hostname\" is not "
							      "allowed as it conflicts with the "
							      "OCI \"hostname\" field"},
		{"{\"NetworkMode\":\"host\",\"Sysctls\":{\"net.core.somaxconn\":\"1\"}}",
		 "sysctl \"net.core.somaxconn\" is not allowed in the hosts network namespace"},
		{"{\"IpcMode\":\"host\",\"Sysctls\":{\"fs.mqueue.msg_max\":\"1\"}}", "sysctl "
										     "\"fs.mqueue."
										     "msg_max\" is "
										     "not allowed "
										     "in the hosts "
										     "ipc "
										     "namespace"},
		{"{\"Sysctls\":{\"net/../../../x\":\"1\"}}", "sysctl \"net/../../../x\" is not in "
							     "a separate kernel namespace"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct container_spec s;
		struct err e = ERR_INIT;
		char body[512];
		snprintf(body, sizeof(body), "{\"Image\":\"busybox\",\"HostConfig\":%s}",
			 cases[i][0]);
		cr_expect_eq(decode(body, &s, &e), -EINVAL, "%s", cases[i][0]);
		cr_expect_str_eq(e.msg, cases[i][1]);
		spec_release(&s);
	}
	{
		struct container_spec s;
		struct err e = ERR_INIT;
		cr_expect_eq(decode("{\"Image\":\"busybox\",\"Hostname\":\"h\",\"HostConfig\":{"
				    "\"UTSMode\":\"host\"}}",
				    &s, &e),
			     -EINVAL);
		cr_expect_str_eq(e.msg, "conflicting options: hostname and the UTS mode");
		spec_release(&s);
	}
}
