/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The namespace modes, /dev/shm, devices, device rules and sysctls of a
 * container's runtime spec (HostConfig PidMode, IpcMode, UTSMode,
 * CgroupnsMode, ShmSize, Devices, DeviceCgroupRules, Sysctls), as dockerd's
 * daemon/oci_linux.go WithNamespaces, WithDevices and WithMounts build them.
 * A `container:<ref>` mode joins the namespace of the other container's
 * process, which must be running; the checks and their wording are
 * dockerd's. The values were validated at create (api/container_decode_ns.c);
 * the shim applies what this writes.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "engine/container/container_internal.h"
#include "engine/container/runspec.h"
#include "engine/runtime/proto.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

#define DEFAULT_SHM_SIZE (64LL << 20)

static bool
mode_is(const char *mode, const char *want)
{
	return mode && strcmp(mode, want) == 0;
}

/* The <ref> of "container:<ref>", or NULL. */
static const char *
mode_container(const char *mode)
{
	return mode && strncmp(mode, "container:", 10) == 0 ? mode + 10 : NULL;
}

/*
 * The running container @ref names, with its pid and IPC mode copied out.
 * dockerd: "No such container: x" (400) and "container x is not running" (409).
 */
static int
donor_get(struct containers *cs, const char *ref, pid_t *ret_pid, char **ret_id, char **ret_ipc,
	  struct err *e)
{
	_cleanup_container_ struct container *d = containers_get(cs, ref, e);
	bool running;

	if (!d)
		return err_set(e, -EINVAL, "No such container: %s", ref);
	pthread_mutex_lock(&d->mu);
	running = d->state.status == CONTAINER_RUNNING || d->state.status == CONTAINER_PAUSED;
	*ret_pid = d->state.pid;
	*ret_id = xstrdup(d->id);
	*ret_ipc = xstrdup(d->spec.ipc_mode ? d->spec.ipc_mode : "");
	pthread_mutex_unlock(&d->mu);
	if (!running || *ret_pid <= 0) {
		*ret_id = mfree(*ret_id);
		*ret_ipc = mfree(*ret_ipc);
		return err_set(e, -EBUSY, "container %s is not running", ref);
	}
	return 0;
}

/*
 * Replaces the default /dev/shm mount in place (so the request's own mounts,
 * which come later, still cover it), or removes it when @type is NULL
 * (--ipc none).
 */
static void
set_shm_mount(struct runtime_spec *rs, const char *type, const char *source, const char *size)
{
	static const char *const bind_o[] = {"rbind", "rprivate", "nosuid",
					     "nodev", "noexec",	  NULL};
	const char *tmpfs_o[] = {"nosuid", "noexec", "nodev", "mode=1777", size, NULL};
	const char *const *opts = type && strcmp(type, "bind") == 0 ? bind_o : tmpfs_o;

	for (size_t i = 0; i < rs->n_mounts; i++) {
		struct runtime_mount *m = &rs->mounts[i];
		if (strcmp(m->destination, "/dev/shm") != 0)
			continue;
		free(m->type);
		free(m->source);
		strv_free(m->options);
		if (!type) {
			free(m->destination);
			memmove(m, m + 1, (rs->n_mounts - i - 1) * sizeof(*m));
			rs->n_mounts--;
			return;
		}
		m->type = xstrdup(type);
		m->source = xstrdup(source ? source : "shm");
		m->options = strv_dup((char *const *)opts);
		return;
	}
}

/* A -v, --mount or --tmpfs at /dev/shm replaces berth's (dockerd's HasMountFor). */
static bool
has_user_shm(const struct container_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].target, "/dev/shm") == 0)
			return true;
	return false;
}

static int
apply_pid(struct containers *cs, const struct container_spec *s, struct runtime_spec *rs,
	  struct err *e)
{
	_cleanup_free_ char *id = NULL, *ipc = NULL;
	const char *ref = mode_container(s->pid_mode);
	pid_t pid;

	if (mode_is(s->pid_mode, "host")) {
		rs->pidns.mode = RUNTIME_NS_HOST;
		return 0;
	}
	if (!ref)
		return 0;
	if (donor_get(cs, ref, &pid, &id, &ipc, e) < 0)
		return err_prefix(e, "failed to join PID namespace");
	rs->pidns.mode = RUNTIME_NS_JOIN;
	rs->pidns.path = xasprintf("/proc/%d/ns/pid", (int)pid);
	return 0;
}

/*
 * The IPC donor @ref (running): its pid, whether it uses the host's IPC, and
 * the /dev/shm a joiner binds. Only a shareable or host IPC has one; a donor
 * that joined another container's IPC leads to that one's (dockerd's
 * ShmPath follows the chain), up to a few hops.
 */
static int
donor_shm(struct containers *cs, const char *ref, pid_t *ret_pid, bool *ret_host, char **ret_shm,
	  struct err *e)
{
	_cleanup_free_ char *cur = xstrdup(ref);

	for (int hop = 0; hop < 8; hop++) {
		_cleanup_free_ char *id = NULL, *ipc = NULL;
		pid_t pid;
		if (donor_get(cs, cur, &pid, &id, &ipc, e) < 0)
			return -EINVAL;
		if (hop == 0)
			*ret_pid = pid;
		if (strcmp(ipc, "shareable") == 0) {
			_cleanup_free_ char *b = runtime_bundle_path(cs->exec_root, id);
			*ret_shm = xasprintf("%s/" RUNTIME_SHM_DIR, b);
			return 0;
		}
		if (strcmp(ipc, "host") == 0) {
			*ret_host = hop == 0;
			*ret_shm = xstrdup("/dev/shm");
			return 0;
		}
		if (!mode_container(ipc))
			break;
		free(cur);
		cur = xstrdup(mode_container(ipc));
	}
	return err_set(e, -EINVAL,
		       "container %s: non-shareable IPC (hint: use IpcMode:shareable for the donor "
		       "container)",
		       ref);
}

static int
apply_ipc(struct containers *cs, struct container *c, struct runtime_spec *rs, struct err *e)
{
	const struct container_spec *s = &c->spec;
	int64_t size = s->shm_size > 0 ? s->shm_size : DEFAULT_SHM_SIZE;
	_cleanup_free_ char *opt = xasprintf("size=%lld", (long long)size);
	_cleanup_free_ char *bundle = NULL;
	const char *ref = mode_container(s->ipc_mode);
	bool host = false;
	pid_t pid;

	if (mode_is(s->ipc_mode, "host")) {
		rs->ipcns.mode = RUNTIME_NS_HOST;
		set_shm_mount(rs, "bind", "/dev/shm", NULL);
		return 0;
	}
	if (mode_is(s->ipc_mode, "none")) {
		set_shm_mount(rs, NULL, NULL, NULL);
		return 0;
	}
	if (mode_is(s->ipc_mode, "shareable") && !has_user_shm(s)) {
		bundle = runtime_bundle_path(cs->exec_root, c->id);
		rs->shm_path = xasprintf("%s/" RUNTIME_SHM_DIR, bundle);
		rs->shm_size = size;
		set_shm_mount(rs, "bind", rs->shm_path, NULL);
		return 0;
	}
	if (!ref) {
		set_shm_mount(rs, "tmpfs", NULL, opt); /* private: --shm-size */
		return 0;
	}
	if (donor_shm(cs, ref, &pid, &host, &bundle, e) < 0) {
		e->code = -EINVAL;
		return err_prefix(e, "invalid IPC mode: %s", s->ipc_mode);
	}
	rs->ipcns.mode = host ? RUNTIME_NS_HOST : RUNTIME_NS_JOIN;
	if (!host)
		rs->ipcns.path = xasprintf("/proc/%d/ns/ipc", (int)pid);
	set_shm_mount(rs, "bind", bundle, NULL);
	return 0;
}

/*
 * --device: the host node's type, numbers and mode, read now (dockerd's
 * oci.DevicesFromPath at start), and its devices-cgroup allow rule.
 */
static int
apply_devices(const struct container_spec *s, struct runtime_spec *rs, struct err *e)
{
	json_t *d;
	size_t i;

	rs->devices = xcalloc(json_array_size(s->devices) + 1, sizeof(*rs->devices));
	json_array_foreach(s->devices, i, d) {
		const char *host = json_string_value(json_object_get(d, "host"));
		const char *ctr = json_string_value(json_object_get(d, "container"));
		const char *perms = json_string_value(json_object_get(d, "perms"));
		struct runtime_device *rd;
		_cleanup_free_ char *rule = NULL;
		struct stat st;

		if (!host || stat(host, &st) < 0)
			return err_set(e, -EINVAL,
				       "error gathering device information while adding custom "
				       "device \"%s\": no such file or directory",
				       host ? host : "");
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			return err_set(e, -EINVAL,
				       "error gathering device information while adding custom "
				       "device \"%s\": not a device node",
				       host);
		rd = &rs->devices[rs->n_devices++];
		rd->path = xstrdup(ctr && *ctr ? ctr : host);
		rd->type = S_ISBLK(st.st_mode) ? 'b' : 'c';
		rd->major = major(st.st_rdev);
		rd->minor = minor(st.st_rdev);
		rd->mode = st.st_mode & 07777;
		rule = xasprintf("%c %u:%u %s", rd->type, rd->major, rd->minor,
				 perms && *perms ? perms : "rwm");
		strv_append(&rs->res.device_allow, rule);
	}
	for (i = 0; s->device_cgroup_rules && s->device_cgroup_rules[i]; i++)
		strv_append(&rs->res.device_allow, s->device_cgroup_rules[i]);
	return 0;
}

int
runspec_apply_ns(struct containers *cs, struct container *c, struct runtime_spec *rs, struct err *e)
{
	const struct container_spec *s = &c->spec;
	const char *k;
	json_t *v;
	int r;

	if ((r = apply_pid(cs, s, rs, e)) < 0 || (r = apply_ipc(cs, c, rs, e)) < 0)
		return r;
	if (mode_is(s->uts_mode, "host"))
		rs->utsns.mode = RUNTIME_NS_HOST;
	/* dockerd on cgroup v1 (this platform) defaults to the host's cgroup namespace */
	rs->cgroupns.mode = mode_is(s->cgroupns_mode, "private") ? RUNTIME_NS_NEW : RUNTIME_NS_HOST;
	if ((r = apply_devices(s, rs, e)) < 0)
		return r;
	json_object_foreach(s->sysctls, k, v) {
		_cleanup_free_ char *kv = xasprintf("%s=%s", k,
						    json_string_value(v) ? json_string_value(v)
									 : "");
		strv_append(&rs->sysctl, kv);
	}
	return 0;
}
