/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runtime spec: dockerd's defaults, capability sets, and the config.json
 * encoding (OCI layout + a "berth" extension). Parsing validates types and
 * bounds because the shim trusts nothing it reads from disk.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "engine/runtime/runtime_spec.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/jsonget.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define N_CAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

/* moby oci/caps/defaults.go: DefaultCapabilities. */
static const char *const docker_default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

/* moby oci/defaults.go: DefaultLinuxSpec maskedPaths / readonlyPaths. */
static const char *const docker_masked_paths[] = {
	"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap", NULL,
};
static const char *const docker_readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

int
runtime_cap_from_name(const char *name)
{
	const char *n = name;

	if (strncasecmp(n, "CAP_", 4) == 0)
		n += 4;
	for (int i = 0; i < N_CAPS; i++)
		if (strcasecmp(n, cap_names[i] + 4) == 0)
			return i;
	return -EINVAL;
}

const char *
runtime_cap_name(int cap)
{
	return cap >= 0 && cap < N_CAPS ? cap_names[cap] : NULL;
}

/* The rlimits Docker's --ulimit names (go-units ulimitNameMapping). */
static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{"RLIMIT_CORE", RLIMIT_CORE},	      {"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},	      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},	      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},     {"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},	      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},	      {"RLIMIT_AS", RLIMIT_AS},
};

int
runtime_rlimit_from_name(const char *name)
{
	const char *n = strncasecmp(name, "RLIMIT_", 7) == 0 ? name + 7 : name;

	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (strcasecmp(n, rlimits[i].name + 7) == 0)
			return rlimits[i].resource;
	return -EINVAL;
}

const char *
runtime_rlimit_name(int resource)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (rlimits[i].resource == resource)
			return rlimits[i].name;
	return NULL;
}

static char **
strv_copy(const char *const *v)
{
	size_t n = 0;
	char **r;

	if (!v)
		return NULL;
	while (v[n])
		n++;
	r = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

static void
add_default_mounts(struct runtime_spec *s)
{
	static const char *const proc_o[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const dev_o[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	static const char *const pts_o[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
					    "mode=0620", "gid=5", NULL};
	static const char *const sys_o[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const cg_o[] = {"ro", "nosuid", "noexec", "nodev", NULL};
	static const char *const mq_o[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const shm_o[] = {"nosuid", "noexec", "nodev", "mode=1777",
					    "size=67108864", NULL};

	runtime_spec_add_mount(s, "/proc", "proc", "proc", proc_o);
	runtime_spec_add_mount(s, "/dev", "tmpfs", "tmpfs", dev_o);
	runtime_spec_add_mount(s, "/dev/pts", "devpts", "devpts", pts_o);
	runtime_spec_add_mount(s, "/sys", "sysfs", "sysfs", sys_o);
	runtime_spec_add_mount(s, "/sys/fs/cgroup", "cgroup", "cgroup", cg_o);
	runtime_spec_add_mount(s, "/dev/mqueue", "mqueue", "mqueue", mq_o);
	runtime_spec_add_mount(s, "/dev/shm", "tmpfs", "shm", shm_o);
}

void
runtime_spec_clear_sys_readonly(struct runtime_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct runtime_mount *m = &s->mounts[i];
		if (strcmp(m->destination, "/sys") != 0 && strcmp(m->destination, "/sys/fs/cgroup") != 0)
			continue;
		for (size_t j = 0; m->options && m->options[j]; j++) {
			if (strcmp(m->options[j], "ro") != 0)
				continue;
			free(m->options[j]);
			m->options[j] = xstrdup("rw");
		}
	}
}

void
runtime_spec_init_default(struct runtime_spec *s, const char *id)
{
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};

	memset(s, 0, sizeof(*s));
	s->res.swappiness = -1;
	s->env = strv_copy(env);
	s->cwd = xstrdup("/");
	s->user = xstrdup("");
	s->caps = strv_copy(docker_default_caps);
	s->hostname = xstrndup(id, 12);
	s->masked_paths = strv_copy(docker_masked_paths);
	s->readonly_paths = strv_copy(docker_readonly_paths);
	s->cgroup_path = xasprintf("berth/%s", id);
	s->seccomp = RUNTIME_SECCOMP_DEFAULT;
	s->netns = RUNTIME_NETNS_NONE;
	add_default_mounts(s);
}

static void
mount_release(struct runtime_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	strv_free(m->options);
}

void
runtime_spec_release(struct runtime_spec *s)
{
	if (!s)
		return;
	strv_free(s->args);
	strv_free(s->env);
	free(s->cwd);
	free(s->user);
	strv_free(s->additional_groups);
	strv_free(s->caps);
	strv_free(s->lowerdirs);
	free(s->upperdir);
	free(s->workdir);
	free(s->rootfs);
	free(s->hostname);
	free(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++)
		mount_release(&s->mounts[i]);
	free(s->mounts);
	strv_free(s->masked_paths);
	strv_free(s->readonly_paths);
	free(s->netns_path);
	free(s->pidns.path);
	free(s->ipcns.path);
	free(s->utsns.path);
	free(s->cgroupns.path);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	strv_free(s->sysctl);
	free(s->shm_path);
	strv_free(s->res.device_allow);
	free(s->res.cpuset_cpus);
	free(s->res.cpuset_mems);
	free(s->res.blkio_devices);
	free(s->rlimits);
	free(s->seccomp_profile);
	free(s->cgroup_path);
	free(s->log_path);
	json_decref(s->log_attrs);
	memset(s, 0, sizeof(*s));
}

void
runtime_spec_add_mount(struct runtime_spec *s, const char *dest, const char *type,
		       const char *source, const char *const *options)
{
	struct runtime_mount *m;

	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	m = &s->mounts[s->n_mounts++];
	m->destination = xstrdup(dest);
	m->type = xstrdup(type);
	m->source = xstrdup(source ? source : type);
	m->options = strv_copy(options);
}

int
runtime_spec_set_caps(struct runtime_spec *s, char *const *add, char *const *drop,
		      bool privileged, struct err *e)
{
	bool set[N_CAPS] = {false};
	size_t n = 0;
	char **out;

	for (int i = 0; i < N_CAPS; i++)
		set[i] = privileged;
	if (!privileged)
		for (const char *const *c = docker_default_caps; *c; c++)
			set[runtime_cap_from_name(*c)] = true;
	/* Docker applies drops first, then adds; "ALL" in either list is the whole set. */
	for (size_t pass = 0; pass < 2; pass++) {
		char *const *list = pass == 0 ? drop : add;
		for (size_t i = 0; list && list[i]; i++) {
			int cap;
			if (strcasecmp(list[i], "ALL") == 0) {
				for (int j = 0; j < N_CAPS; j++)
					set[j] = pass == 1;
				continue;
			}
			cap = runtime_cap_from_name(list[i]);
			if (cap < 0)
				return err_set(e, -EINVAL, "unknown capability: \"%s\"", list[i]);
			set[cap] = pass == 1;
		}
	}
	out = xcalloc(N_CAPS + 1, sizeof(char *));
	for (int i = 0; i < N_CAPS; i++)
		if (set[i])
			out[n++] = xstrdup(cap_names[i]);
	strv_free(s->caps);
	s->caps = out;
	return 0;
}

/* ---- encoding ---- */

static json_t *
strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* runtime_spec.h */
const char *const runtime_blkio_keys[RUNTIME_BLKIO_KINDS] = {
	"weightDevice",		  "throttleReadBpsDevice",   "throttleWriteBpsDevice",
	"throttleReadIOPSDevice", "throttleWriteIOPSDevice",
};

/* Real-time CPU, OOM killer and block I/O settings into OCI linux.resources @res. */
static void
limits_json(const struct runtime_resources *r, json_t *res)
{
	json_t *cpu = json_object_get(res, "cpu"), *bio = json_object();

	if (r->cpu_rt_period)
		json_object_set_new(cpu, "realtimePeriod", json_integer(r->cpu_rt_period));
	if (r->cpu_rt_runtime)
		json_object_set_new(cpu, "realtimeRuntime", json_integer(r->cpu_rt_runtime));
	if (r->oom_kill_disable)
		json_object_set_new(json_object_get(res, "memory"), "disableOOMKiller",
				    json_true());
	if (r->swappiness >= 0)
		json_object_set_new(json_object_get(res, "memory"), "swappiness",
				    json_integer(r->swappiness));
	if (r->blkio_weight)
		json_object_set_new(bio, "weight", json_integer(r->blkio_weight));
	for (size_t i = 0; i < r->n_blkio_devices; i++) {
		const struct runtime_blkio_device *d = &r->blkio_devices[i];
		const char *key = runtime_blkio_keys[d->kind];
		json_t *list = json_object_get(bio, key);
		if (!list) {
			list = json_array();
			json_object_set_new(bio, key, list);
		}
		json_array_append_new(list,
				      json_pack("{s:i,s:i,s:I}", "major", (int)d->major, "minor",
						(int)d->minor,
						d->kind == RUNTIME_BLKIO_WEIGHT ? "weight" : "rate",
						(json_int_t)d->value));
	}
	if (json_object_size(bio))
		json_object_set_new(res, "blockIO", bio);
	else
		json_decref(bio);
}

/* OCI process.rlimits and process.oomScoreAdj into @proc. */
static void
process_limits_json(const struct runtime_spec *s, json_t *proc)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n_rlimits; i++)
		json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "type",
						   runtime_rlimit_name(s->rlimits[i].resource),
						   "soft", (json_int_t)s->rlimits[i].soft, "hard",
						   (json_int_t)s->rlimits[i].hard));
	json_object_set_new(proc, "rlimits", a);
	if (s->oom_score_adj_set)
		json_object_set_new(proc, "oomScoreAdj", json_integer(s->oom_score_adj));
}

/* OCI linux.namespaces: listed = new (or joined with "path"), absent = the host's. */
static void
ns_json(json_t *nss, const char *type, const struct runtime_ns *ns)
{
	if (ns->mode == RUNTIME_NS_HOST)
		return;
	if (ns->mode == RUNTIME_NS_JOIN && ns->path)
		json_array_append_new(nss, json_pack("{s:s,s:s}", "type", type, "path", ns->path));
	else
		json_array_append_new(nss, json_pack("{s:s}", "type", type));
}

/* OCI linux.devices and linux.sysctl. */
static void
devices_sysctl_json(const struct runtime_spec *s, json_t *l)
{
	json_t *devs = json_array(), *sc = json_object();

	for (size_t i = 0; i < s->n_devices; i++) {
		const struct runtime_device *d = &s->devices[i];
		char type[2] = {d->type, '\0'};
		json_array_append_new(devs, json_pack("{s:s,s:s,s:I,s:I,s:I}", "path", d->path,
						      "type", type, "major", (json_int_t)d->major,
						      "minor", (json_int_t)d->minor, "fileMode",
						      (json_int_t)d->mode));
	}
	for (size_t i = 0; s->sysctl && s->sysctl[i]; i++) {
		_cleanup_free_ char *k = xstrdup(s->sysctl[i]);
		char *eq = strchr(k, '=');
		if (!eq)
			continue;
		*eq = '\0';
		json_object_set_new(sc, k, json_string(eq + 1));
	}
	json_object_set_new(l, "devices", devs);
	json_object_set_new(l, "sysctl", sc);
}

/* OCI linux.uidMappings / gidMappings. */
static json_t *
idmap_json(const struct idmap_side *side)
{
	json_t *a = json_array();

	for (size_t i = 0; i < side->n; i++)
		json_array_append_new(a, json_pack("{s:I,s:I,s:I}", "containerID",
						   (json_int_t)side->r[i].container, "hostID",
						   (json_int_t)side->r[i].host, "size",
						   (json_int_t)side->r[i].size));
	return a;
}

static json_t *
linux_json(const struct runtime_spec *s)
{
	json_t *nss = json_array(), *l;
	json_t *res;

	ns_json(nss, "pid", &s->pidns);
	ns_json(nss, "ipc", &s->ipcns);
	ns_json(nss, "uts", &s->utsns);
	json_array_append_new(nss, json_pack("{s:s}", "type", "mount"));
	ns_json(nss, "cgroup", &s->cgroupns);
	if (s->netns == RUNTIME_NETNS_PATH)
		json_array_append_new(nss, json_pack("{s:s,s:s}", "type", "network", "path",
						     s->netns_path));
	else if (s->netns == RUNTIME_NETNS_NONE)
		json_array_append_new(nss, json_pack("{s:s}", "type", "network"));

	res = json_pack("{s:{s:I,s:I},s:{s:I,s:I,s:I},s:{s:I}}",
			"memory", "limit", (json_int_t)s->res.memory, "swap",
			(json_int_t)s->res.memory_swap,
			"cpu", "shares", (json_int_t)s->res.cpu_shares, "quota",
			(json_int_t)s->res.cpu_quota, "period", (json_int_t)s->res.cpu_period,
			"pids", "limit", (json_int_t)s->res.pids_limit);
	if (s->res.cpuset_cpus)
		json_object_set_new(json_object_get(res, "cpu"), "cpus",
				    json_string(s->res.cpuset_cpus));
	if (s->res.cpuset_mems)
		json_object_set_new(json_object_get(res, "cpu"), "mems",
				    json_string(s->res.cpuset_mems));
	limits_json(&s->res, res);
	if (s->res.device_allow)
		json_object_set_new(res, "berthDeviceRules", strv_json(s->res.device_allow));
	l = json_pack("{s:o,s:o,s:s,s:o,s:o}", "namespaces", nss, "resources", res, "cgroupsPath",
		      s->cgroup_path ? s->cgroup_path : "", "maskedPaths",
		      strv_json(s->masked_paths), "readonlyPaths", strv_json(s->readonly_paths));
	devices_sysctl_json(s, l);
	if (idmap_is_set(&s->userns)) {
		json_array_append_new(nss, json_pack("{s:s}", "type", "user"));
		json_object_set_new(l, "uidMappings", idmap_json(&s->userns.uid));
		json_object_set_new(l, "gidMappings", idmap_json(&s->userns.gid));
	}
	return l;
}

char *
runtime_spec_to_json(const struct runtime_spec *s)
{
	_cleanup_json_ json_t *root = NULL;
	json_t *mounts = json_array();
	json_t *caps = strv_json(s->caps);
	char *out;

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct runtime_mount *m = &s->mounts[i];
		json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:o}", "destination",
							m->destination, "type", m->type, "source",
							m->source, "options", strv_json(m->options)));
	}
	root = json_pack("{s:s,s:{s:b,s:{s:i,s:i},s:o,s:o,s:s,s:{s:O,s:O,s:o},s:b},s:{s:s,s:b},s:s,"
			 "s:o,s:o,"
			 "s:{s:o,s:s*,s:s*,s:s,s:o,s:b,s:b,s:b,s:s,s:b,s:s*,s:i}}",
			 "ociVersion", "1.0.2", "process", "terminal", s->terminal, "consoleSize",
			 "height", s->console_height, "width", s->console_width, "args",
			 strv_json(s->args), "env", strv_json(s->env), "cwd", s->cwd ? s->cwd : "/",
			 "capabilities", "bounding", caps, "effective", caps, "permitted", caps,
			 "noNewPrivileges", s->no_new_privs, "root", "path",
			 s->rootfs ? s->rootfs : "", "readonly", s->readonly_root, "hostname",
			 s->hostname ? s->hostname : "", "mounts", mounts, "linux", linux_json(s),
			 "berth", "lowerdirs", strv_json(s->lowerdirs), "upperdir", s->upperdir,
			 "workdir", s->workdir, "user", s->user ? s->user : "", "additionalGroups",
			 strv_json(s->additional_groups), "openStdin", s->open_stdin, "stdinOnce",
			 s->stdin_once, "init", s->init, "seccomp",
			 s->seccomp == RUNTIME_SECCOMP_UNCONFINED ? "unconfined"
			 : s->seccomp == RUNTIME_SECCOMP_PROFILE  ? "profile"
								  : "default",
			 "privileged", s->privileged, "logPath", s->log_path, "joinPid",
			 s->join_pid);
	if (!root)
		abort(); /* only allocation failure or a programming error gets here */
	process_limits_json(s, json_object_get(root, "process"));
	if (s->disposable_root)
		json_object_set_new(json_object_get(root, "berth"), "disposableRoot", json_true());
	if (s->seccomp == RUNTIME_SECCOMP_PROFILE)
		json_object_set_new(json_object_get(root, "berth"), "seccompProfile",
				    json_string(s->seccomp_profile ? s->seccomp_profile : ""));
	if (s->log_max_size > 0) {
		json_t *b = json_object_get(root, "berth");
		json_object_set_new(b, "logMaxSize", json_integer(s->log_max_size));
		json_object_set_new(b, "logMaxFiles", json_integer(s->log_max_files));
		json_object_set_new(b, "logCompress", json_boolean(s->log_compress));
	}
	if (s->log_attrs)
		json_object_set(json_object_get(root, "berth"), "logAttrs", s->log_attrs);
	if (s->shm_path)
		json_object_set_new(json_object_get(root, "berth"), "shm",
				    json_pack("{s:s,s:I}", "path", s->shm_path, "size",
					      (json_int_t)s->shm_size));
	/* OCI's optional "domainname" (Config.Domainname, set in the UTS namespace). */
	if (s->domainname && *s->domainname)
		json_object_set_new(root, "domainname", json_string(s->domainname));
	out = json_dumps(root, JSON_COMPACT);
	if (!out)
		abort();
	return out;
}

int
runtime_spec_load(const char *bundle, struct runtime_spec *ret, struct err *e)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
	int r;

	memset(ret, 0, sizeof(*ret));
	r = fs_read_file(path, LIMIT_SPEC_BYTES, &b);
	if (r < 0)
		return err_errno(e, r, "read '%s'", path);
	return runtime_spec_from_json(b.data ? b.data : "", b.len, ret, e);
}

int
runtime_spec_save(const char *bundle, const struct runtime_spec *spec, struct err *e)
{
	_cleanup_free_ char *text = runtime_spec_to_json(spec);
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
	int r;

	/* The bundle is in the exec root: per-boot state (a tmpfs by default) that no
	 * container outlives, and an exec's lives as long as its process (berthd
	 * keeps execs in memory only): rename gives all the crash safety it needs
	 * and an fsync would buy nothing (docs/performance.md, "The container path"). */
	r = fs_write_replace(path, text, strlen(text), 0600);
	if (r < 0)
		return err_errno(e, r, "write '%s'", path);
	return 0;
}
