/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /containers/create: the HostConfig fields about namespaces, devices,
 * kernel parameters and the runtime (PidMode, IpcMode, UTSMode, UsernsMode,
 * CgroupnsMode, Devices, DeviceCgroupRules, Sysctls, Isolation, Runtime),
 * checked with dockerd's words (daemon/daemon_unix.go
 * verifyPlatformContainerSettings, runc's sysctl validator) and stored as
 * sent. Applying them is engine/container/runspec_ns.c's job.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/container_json.h"
#include "api/jsonx.h"
#include "engine/runtime/runtime_spec.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static bool
is(const char *v, const char *want)
{
	return v && strcmp(v, want) == 0;
}

static bool
empty(const char *v)
{
	return !v || !*v;
}

/* "container:<ref>" with a non-empty ref (moby's validContainer). */
static bool
is_container_mode(const char *v)
{
	return v && strncmp(v, "container:", 10) == 0 && v[10];
}

static int
check_modes(const struct container_spec *s, struct err *e)
{
	if (!empty(s->ipc_mode) && !is(s->ipc_mode, "none") && !is(s->ipc_mode, "private") &&
	    !is(s->ipc_mode, "host") && !is(s->ipc_mode, "shareable") &&
	    !is_container_mode(s->ipc_mode))
		return err_set(e, -EINVAL, "invalid IPC mode: %s", s->ipc_mode);
	if (!empty(s->pid_mode) && !is(s->pid_mode, "host") && !is_container_mode(s->pid_mode))
		return err_set(e, -EINVAL, "invalid PID mode: %s", s->pid_mode);
	if (!empty(s->uts_mode) && !is(s->uts_mode, "host"))
		return err_set(e, -EINVAL, "invalid UTS mode: %s", s->uts_mode);
	/* no userns-remap in berth: only the host's user namespace exists */
	if (!empty(s->userns_mode) && !is(s->userns_mode, "host"))
		return err_set(e, -EINVAL, "invalid USER mode: %s", s->userns_mode);
	if (!empty(s->cgroupns_mode) && !is(s->cgroupns_mode, "private") &&
	    !is(s->cgroupns_mode, "host"))
		return err_set(e, -EINVAL, "invalid cgroup namespace mode: %s", s->cgroupns_mode);
	if (is(s->uts_mode, "host") && !empty(s->hostname))
		return err_set(e, -EINVAL, "conflicting options: hostname and the UTS mode");
	/* moby Isolation.IsDefault: "" or "default", any case */
	if (!empty(s->isolation) && strcasecmp(s->isolation, "default") != 0)
		return err_set(e, -EINVAL,
			       "Invalid isolation: \"%s\" - linux only supports 'default'",
			       s->isolation);
	/* "runc" is accepted as berth's own runtime: tools ask for it by name */
	if (!empty(s->runtime) && !is(s->runtime, "berth") && !is(s->runtime, "runc"))
		return err_set(e, -EINVAL, "Unknown runtime specified %s", s->runtime);
	return 0;
}

/* runc's validator (libcontainer/configs/validate): namespaced sysctls only. */
static const char *const ipc_sysctls[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",	    "kernel.sem", "kernel.shmall",
	"kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL,
};

int
container_json_check_sysctl(const char *key, const char *net_mode, const char *ipc_mode,
			    const char *uts_mode, struct err *e)
{
	size_t len = strlen(key);
	bool ipc = strncmp(key, "fs.mqueue.", 10) == 0;

	for (size_t i = 0; ipc_sysctls[i] && !ipc; i++)
		ipc = strcmp(key, ipc_sysctls[i]) == 0;
	/* written below /proc/sys: dotted words only, nothing that climbs out */
	if (len == 0 || len > 255 || key[0] == '.' || strstr(key, "..") ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
		return err_set(e, -EINVAL, "sysctl \"%s\" is not in a separate kernel namespace",
			       key);
	if (ipc) {
		if (is(ipc_mode, "host"))
			return err_set(e, -EINVAL,
				       "sysctl \"%s\" is not allowed in the hosts ipc namespace",
				       key);
		return 0;
	}
	if (strncmp(key, "net.", 4) == 0) {
		if (is(net_mode, "host"))
			return err_set(e, -EINVAL,
				       "sysctl \"%s\" is not allowed in the hosts network "
				       "namespace",
				       key);
		return 0;
	}
	if (!is(uts_mode, "host") && strcmp(key, "kernel.domainname") == 0)
		return 0;
	if (!is(uts_mode, "host") && strcmp(key, "kernel.hostname") == 0)
		return err_set(e, -EINVAL,
			       "sysctl \"kernel.hostname\" is not allowed as it conflicts with the "
			       "OCI \"hostname\" field");
	return err_set(e, -EINVAL, "sysctl \"%s\" is not in a separate kernel namespace", key);
}

/* HostConfig.Devices: [{PathOnHost, PathInContainer, CgroupPermissions}] → engine keys. */
static int
decode_devices(json_t *h, struct container_spec *s, struct err *e)
{
	json_t *devs = json_object_get(h, "Devices"), *d;
	size_t i;

	if (!devs || json_is_null(devs))
		return 0;
	if (!json_is_array(devs))
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal into field HostConfig.Devices of type "
			       "[]container.DeviceMapping");
	if (json_array_size(devs) == 0)
		return 0;
	s->devices = json_array();
	json_array_foreach(devs, i, d) {
		_cleanup_free_ char *host = NULL, *ctr = NULL, *perms = NULL;
		if (!json_is_object(d))
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal into field HostConfig.Devices of "
				       "type container.DeviceMapping");
		if (jx_str(d, "PathOnHost", "HostConfig.Devices.PathOnHost", &host, e) < 0 ||
		    jx_str(d, "PathInContainer", "HostConfig.Devices.PathInContainer", &ctr, e) <
			    0 ||
		    jx_str(d, "CgroupPermissions", "HostConfig.Devices.CgroupPermissions", &perms,
			   e) < 0)
			return -EINVAL;
		if (empty(host) || host[0] != '/')
			return err_set(e, -EINVAL, "%s is not an absolute path", host ? host : "");
		if (!empty(ctr) && ctr[0] != '/')
			return err_set(e, -EINVAL, "%s is not an absolute path", ctr);
		/* 1 to 3 of r, w, m, each once (the CLI's validDeviceMode) */
		if (!empty(perms) && (strlen(perms) > 3 || strspn(perms, "rwm") != strlen(perms) ||
				      (strchr(perms, 'r') != strrchr(perms, 'r')) ||
				      (strchr(perms, 'w') != strrchr(perms, 'w')) ||
				      (strchr(perms, 'm') != strrchr(perms, 'm'))))
			return err_set(e, -EINVAL, "bad mode specified: %s", perms);
		json_array_append_new(s->devices,
				      json_pack("{s:s,s:s,s:s}", "host", host, "container",
						ctr ? ctr : "", "perms", perms ? perms : ""));
	}
	return 0;
}

int
container_json_decode_ns(json_t *h, struct container_spec *s, struct err *e)
{
	const char *k;
	json_t *v;

	if (!h || !json_is_object(h))
		return 0;
	if (jx_str(h, "PidMode", "HostConfig.PidMode", &s->pid_mode, e) < 0 ||
	    jx_str(h, "IpcMode", "HostConfig.IpcMode", &s->ipc_mode, e) < 0 ||
	    jx_str(h, "UTSMode", "HostConfig.UTSMode", &s->uts_mode, e) < 0 ||
	    jx_str(h, "UsernsMode", "HostConfig.UsernsMode", &s->userns_mode, e) < 0 ||
	    jx_str(h, "CgroupnsMode", "HostConfig.CgroupnsMode", &s->cgroupns_mode, e) < 0 ||
	    jx_str(h, "Runtime", "HostConfig.Runtime", &s->runtime, e) < 0 ||
	    jx_str(h, "Isolation", "HostConfig.Isolation", &s->isolation, e) < 0 ||
	    jx_strv(h, "DeviceCgroupRules", "HostConfig.DeviceCgroupRules", false,
		    &s->device_cgroup_rules, e) < 0 ||
	    check_modes(s, e) < 0 || decode_devices(h, s, e) < 0)
		return -EINVAL;
	for (size_t i = 0; s->device_cgroup_rules && s->device_cgroup_rules[i]; i++)
		if (runtime_device_rule_check(s->device_cgroup_rules[i]) < 0)
			return err_set(e, -EINVAL, "invalid device cgroup rule format: '%s'",
				       s->device_cgroup_rules[i]);
	json_object_foreach(s->sysctls, k, v)
		if (container_json_check_sysctl(k, s->network_mode, s->ipc_mode, s->uts_mode, e) <
		    0)
			return -EINVAL;
	return 0;
}
