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

/* OCI linux.resources.blockIO member names, by enum runtime_blkio_kind. */
static const char *const blkio_keys[RUNTIME_BLKIO_KINDS] = {
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
		const char *key = blkio_keys[d->kind];
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

/* ---- decoding ---- */

static bool
str_ok(const char *s, size_t len)
{
	return len <= LIMIT_SPEC_STRING && memchr(s, '\0', len) == NULL;
}

/* Optional string member; absent or null leaves *ret NULL. */
static int
get_str(json_t *obj, const char *key, bool required, char **ret, struct err *e)
{
	int r = jsonget_str(obj, key, ret);

	if (r == 0 && required)
		return err_set(e, -EINVAL, "config.json: missing '%s'", key);
	/* A string with a NUL inside is shorter once copied. */
	if (r < 0 || (r > 0 && (!str_ok(*ret, strlen(*ret)) ||
				strlen(*ret) != json_string_length(jsonget(obj, key)))))
		return err_set(e, -EINVAL, "config.json: '%s' must be a string", key);
	return 0;
}

static int
get_strv(json_t *obj, const char *key, char ***ret, struct err *e)
{
	json_t *v = jsonget(obj, key);
	int r;

	if (json_is_array(v) && json_array_size(v) > LIMIT_SPEC_LIST)
		return err_set(e, -E2BIG, "config.json: too many entries in '%s'", key);
	r = jsonget_strv(obj, key, false, ret);
	if (r == -EINVAL)
		return err_set(e, -EINVAL, "config.json: '%s' must be an array", key);
	for (size_t i = 0; r > 0 && (*ret)[i]; i++)
		if (!str_ok((*ret)[i], json_string_length(json_array_get(v, i))) ||
		    strlen((*ret)[i]) != json_string_length(json_array_get(v, i)))
			r = -EDOM;
	if (r == -EDOM)
		return err_set(e, -EINVAL, "config.json: '%s' must hold strings", key);
	return 0;
}

static int
get_bool(json_t *obj, const char *key, bool *ret, struct err *e)
{
	if (jsonget_bool(obj, key, ret) < 0)
		return err_set(e, -EINVAL, "config.json: '%s' must be a boolean", key);
	return 0;
}

static int
get_int(json_t *obj, const char *key, int64_t min, int64_t max, int64_t *ret, struct err *e)
{
	int64_t v = 0;
	int r = jsonget_int64(obj, key, &v);

	if (r < 0 || (r > 0 && (v < min || v > max)))
		return err_set(e, -EINVAL, "config.json: '%s' must be an integer in range", key);
	if (r > 0)
		*ret = v;
	return 0;
}

static json_t *
get_obj(json_t *obj, const char *key)
{
	json_t *v = jsonget(obj, key);
	return json_is_object(v) ? v : NULL;
}

static int
parse_process(json_t *p, struct runtime_spec *s, struct err *e)
{
	json_t *cs = get_obj(p, "consoleSize"), *caps = get_obj(p, "capabilities");
	int64_t h = 0, w = 0;
	int r;

	if (!p)
		return err_set(e, -EINVAL, "config.json: missing 'process'");
	if ((r = get_bool(p, "terminal", &s->terminal, e)) < 0 ||
	    (r = get_strv(p, "args", &s->args, e)) < 0 || (r = get_strv(p, "env", &s->env, e)) < 0 ||
	    (r = get_str(p, "cwd", true, &s->cwd, e)) < 0 ||
	    (r = get_bool(p, "noNewPrivileges", &s->no_new_privs, e)) < 0 ||
	    (r = get_int(cs, "height", 0, UINT16_MAX, &h, e)) < 0 ||
	    (r = get_int(cs, "width", 0, UINT16_MAX, &w, e)) < 0 ||
	    (r = get_strv(caps, "bounding", &s->caps, e)) < 0)
		return r;
	if (!s->args || !s->args[0] || !s->args[0][0])
		return err_set(e, -EINVAL, "config.json: 'process.args' must not be empty");
	if (s->cwd[0] != '/')
		return err_set(e, -EINVAL, "config.json: 'process.cwd' must be absolute");
	for (size_t i = 0; s->caps && s->caps[i]; i++)
		if (runtime_cap_from_name(s->caps[i]) < 0)
			return err_set(e, -EINVAL, "config.json: unknown capability '%s'", s->caps[i]);
	s->console_height = (unsigned short)h;
	s->console_width = (unsigned short)w;
	return 0;
}

/* process.rlimits and process.oomScoreAdj. */
static int
parse_process_limits(json_t *p, struct runtime_spec *s, struct err *e)
{
	json_t *a = jsonget(p, "rlimits"), *it;
	int64_t adj = 0;
	size_t i;
	int r;

	if (json_object_get(p, "oomScoreAdj")) {
		if ((r = get_int(p, "oomScoreAdj", -1000, 1000, &adj, e)) < 0)
			return r;
		s->oom_score_adj_set = true;
		s->oom_score_adj = (int)adj;
	}
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > 64)
		return err_set(e, -EINVAL, "config.json: 'process.rlimits' must be a short array");
	s->rlimits = xcalloc(json_array_size(a) + 1, sizeof(*s->rlimits));
	json_array_foreach(a, i, it) {
		struct runtime_rlimit *l = &s->rlimits[i];
		_cleanup_free_ char *type = NULL;
		if ((r = get_str(it, "type", true, &type, e)) < 0 ||
		    (r = get_int(it, "soft", -1, INT64_MAX, &l->soft, e)) < 0 ||
		    (r = get_int(it, "hard", -1, INT64_MAX, &l->hard, e)) < 0)
			return r;
		if ((l->resource = runtime_rlimit_from_name(type)) < 0)
			return err_set(e, -EINVAL, "config.json: unknown rlimit '%s'", type);
		s->n_rlimits++;
	}
	return 0;
}

/* linux.resources: cpu.realtime*, memory.disableOOMKiller, blockIO. */
static int
parse_limits(json_t *res, struct runtime_resources *out, struct err *e)
{
	json_t *bio = get_obj(res, "blockIO"), *it;
	int64_t w = 0;
	size_t n = 0, i;
	int r;

	if ((r = get_int(get_obj(res, "cpu"), "realtimePeriod", 0, 1000000, &out->cpu_rt_period,
			 e)) < 0 ||
	    (r = get_int(get_obj(res, "cpu"), "realtimeRuntime", -1, 1000000, &out->cpu_rt_runtime,
			 e)) < 0 ||
	    (r = get_bool(get_obj(res, "memory"), "disableOOMKiller", &out->oom_kill_disable, e)) <
		    0 ||
	    (r = get_int(get_obj(res, "memory"), "swappiness", -1, 100, &out->swappiness, e)) < 0 ||
	    (r = get_int(bio, "weight", 0, 1000, &w, e)) < 0)
		return r;
	out->blkio_weight = (uint16_t)w;
	for (int k = 0; k < RUNTIME_BLKIO_KINDS; k++)
		n += json_array_size(jsonget(bio, blkio_keys[k]));
	if (n > LIMIT_SPEC_LIST)
		return err_set(e, -E2BIG, "config.json: too many blockIO devices");
	out->blkio_devices = xcalloc(n + 1, sizeof(*out->blkio_devices));
	for (int k = 0; k < RUNTIME_BLKIO_KINDS; k++) {
		json_array_foreach(jsonget(bio, blkio_keys[k]), i, it) {
			struct runtime_blkio_device *d = &out->blkio_devices[out->n_blkio_devices];
			int64_t maj = 0, min = 0, v = 0;
			if ((r = get_int(it, "major", 0, 4095, &maj, e)) < 0 ||
			    (r = get_int(it, "minor", 0, 1048575, &min, e)) < 0 ||
			    (r = get_int(it, k == RUNTIME_BLKIO_WEIGHT ? "weight" : "rate", 0,
					 INT64_MAX, &v, e)) < 0)
				return r;
			*d = (struct runtime_blkio_device){(enum runtime_blkio_kind)k,
							   (unsigned)maj, (unsigned)min,
							   (uint64_t)v};
			out->n_blkio_devices++;
		}
	}
	return 0;
}

static int
parse_mounts(json_t *a, struct runtime_spec *s, struct err *e)
{
	json_t *it;
	size_t i;
	int r;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return err_set(e, -EINVAL, "config.json: 'mounts' must be an array");
	if (json_array_size(a) > LIMIT_SPEC_LIST)
		return err_set(e, -E2BIG, "config.json: too many mounts");
	s->mounts = xcalloc(json_array_size(a) + 1, sizeof(*s->mounts));
	json_array_foreach(a, i, it) {
		struct runtime_mount *m = &s->mounts[s->n_mounts++];
		if (!json_is_object(it))
			return err_set(e, -EINVAL, "config.json: mount must be an object");
		if ((r = get_str(it, "destination", true, &m->destination, e)) < 0 ||
		    (r = get_str(it, "type", false, &m->type, e)) < 0 ||
		    (r = get_str(it, "source", false, &m->source, e)) < 0 ||
		    (r = get_strv(it, "options", &m->options, e)) < 0)
			return r;
		if (m->destination[0] != '/')
			return err_set(e, -EINVAL, "config.json: mount destination '%s' not absolute",
				       m->destination);
		if (!m->type)
			m->type = xstrdup("bind");
		if (!m->source)
			m->source = xstrdup(m->type);
	}
	return 0;
}

static int
parse_namespaces(json_t *a, struct runtime_spec *s, struct err *e)
{
	json_t *it;
	size_t i;
	int r;

	/* no entry for a type: share the host's */
	s->netns = RUNTIME_NETNS_HOST;
	s->pidns.mode = s->ipcns.mode = s->utsns.mode = s->cgroupns.mode = RUNTIME_NS_HOST;
	if (a && !json_is_array(a))
		return err_set(e, -EINVAL, "config.json: 'linux.namespaces' must be an array");
	json_array_foreach(a, i, it) {
		_cleanup_free_ char *type = NULL;
		struct runtime_ns *ns = NULL;
		if ((r = get_str(it, "type", true, &type, e)) < 0)
			return r;
		if (strcmp(type, "pid") == 0)
			ns = &s->pidns;
		else if (strcmp(type, "ipc") == 0)
			ns = &s->ipcns;
		else if (strcmp(type, "uts") == 0)
			ns = &s->utsns;
		else if (strcmp(type, "cgroup") == 0)
			ns = &s->cgroupns;
		if (ns) {
			ns->path = mfree(ns->path);
			if ((r = get_str(it, "path", false, &ns->path, e)) < 0)
				return r;
			ns->mode = ns->path ? RUNTIME_NS_JOIN : RUNTIME_NS_NEW;
			/* joined through /proc/<pid>/ns only: no other file is opened */
			if (ns->path &&
			    (strncmp(ns->path, "/proc/", 6) != 0 || strstr(ns->path, "..")))
				return err_set(e, -EINVAL, "config.json: bad namespace path '%s'",
					       ns->path);
			continue;
		}
		if (strcmp(type, "network") != 0)
			continue; /* mount is always created */
		if ((r = get_str(it, "path", false, &s->netns_path, e)) < 0)
			return r;
		s->netns = s->netns_path ? RUNTIME_NETNS_PATH : RUNTIME_NETNS_NONE;
	}
	return 0;
}

int
runtime_device_rule_parse(const char *rule, struct runtime_device_rule *ret)
{
	struct runtime_device_rule r = {.major = -1, .minor = -1};
	const char *p = rule;
	size_t n;

	/* ^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$, moby's deviceCgroupRuleRegex */
	if (!rule || !p[0] || !strchr("acb", p[0]) || p[1] != ' ')
		return -EINVAL;
	r.type = p[0];
	p += 2;
	for (int part = 0; part < 2; part++) {
		int64_t *num = part == 0 ? &r.major : &r.minor;
		char digits[16];
		if (*p == '*') {
			p++;
		} else if ((n = strspn(p, "0123456789")) > 0 && n <= 10) {
			memcpy(digits, p, n);
			digits[n] = '\0';
			if (parse_int64(digits, 0, UINT32_MAX, num) < 0)
				return -EINVAL;
			p += n;
		} else {
			return -EINVAL;
		}
		if (*p++ != (part == 0 ? ':' : ' '))
			return -EINVAL;
	}
	n = strspn(p, "rwm");
	if (n < 1 || n > 3 || p[n] != '\0')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) /* "mrw": the enum's bit order */
		r.access |= 1u << (strchr("mrw", p[i]) - "mrw");
	if (ret)
		*ret = r;
	return 0;
}

int
runtime_device_rule_check(const char *rule)
{
	return runtime_device_rule_parse(rule, NULL);
}

/* A sysctl name as written below /proc/sys: dotted words, no way out of it. */
static bool
sysctl_name_ok(const char *k, size_t len)
{
	return len > 0 && len < 256 &&
	       strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       len &&
	       k[0] != '.' && !strstr(k, "..");
}

static int
parse_devices_sysctl(json_t *l, struct runtime_spec *s, struct err *e)
{
	json_t *devs = jsonget(l, "devices"), *sc = jsonget(l, "sysctl"), *it;
	const char *k;
	size_t i;
	int r;

	if ((devs && !json_is_array(devs)) || (sc && !json_is_object(sc)))
		return err_set(e, -EINVAL, "config.json: bad 'linux.devices' or 'linux.sysctl'");
	if (json_array_size(devs) > LIMIT_SPEC_LIST || json_object_size(sc) > LIMIT_SPEC_LIST)
		return err_set(e, -E2BIG, "config.json: too many devices or sysctls");
	s->devices = xcalloc(json_array_size(devs) + 1, sizeof(*s->devices));
	json_array_foreach(devs, i, it) {
		struct runtime_device *d = &s->devices[s->n_devices++];
		_cleanup_free_ char *type = NULL;
		int64_t maj = 0, min = 0, mode = 0;
		if ((r = get_str(it, "path", true, &d->path, e)) < 0 ||
		    (r = get_str(it, "type", true, &type, e)) < 0 ||
		    (r = get_int(it, "major", 0, UINT32_MAX, &maj, e)) < 0 ||
		    (r = get_int(it, "minor", 0, UINT32_MAX, &min, e)) < 0 ||
		    (r = get_int(it, "fileMode", 0, 07777, &mode, e)) < 0)
			return r;
		if (d->path[0] != '/' || (strcmp(type, "c") != 0 && strcmp(type, "b") != 0))
			return err_set(e, -EINVAL, "config.json: bad device '%s'", d->path);
		d->type = type[0];
		d->major = (uint32_t)maj;
		d->minor = (uint32_t)min;
		d->mode = (uint32_t)mode;
	}
	json_object_foreach(sc, k, it) {
		if (!json_is_string(it) || !sysctl_name_ok(k, strlen(k)) ||
		    !str_ok(json_string_value(it), json_string_length(it)))
			return err_set(e, -EINVAL, "config.json: bad sysctl '%s'", k);
		_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(it));
		strv_append(&s->sysctl, kv);
	}
	return 0;
}

static int
parse_idmap(json_t *a, const char *what, struct idmap_side *ret, struct err *e)
{
	json_t *it;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > IDMAP_MAX_RANGES)
		return err_set(e, -EINVAL, "config.json: bad 'linux.%s'", what);
	json_array_foreach(a, i, it) {
		int64_t c = 0, h = 0, n = 0;
		int r;
		if ((r = get_int(it, "containerID", 0, UINT32_MAX, &c, e)) < 0 ||
		    (r = get_int(it, "hostID", 0, UINT32_MAX, &h, e)) < 0 ||
		    (r = get_int(it, "size", 1, UINT32_MAX, &n, e)) < 0)
			return r;
		if (n == 0 || c + n > (int64_t)UINT32_MAX + 1 || h + n > (int64_t)UINT32_MAX + 1)
			return err_set(e, -EINVAL, "config.json: bad 'linux.%s'", what);
		ret->r[ret->n++] = (struct idmap_range){(uint32_t)c, (uint32_t)h, (uint32_t)n};
	}
	return 0;
}

static int
parse_linux(json_t *l, struct runtime_spec *s, struct err *e)
{
	json_t *res = get_obj(l, "resources");
	json_t *mem = get_obj(res, "memory"), *cpu = get_obj(res, "cpu"), *pids = get_obj(res, "pids");
	int64_t shares = 0, period = 0;
	int r;

	if ((r = parse_namespaces(json_object_get(l, "namespaces"), s, e)) < 0 ||
	    (r = get_str(l, "cgroupsPath", false, &s->cgroup_path, e)) < 0 ||
	    (r = get_strv(l, "maskedPaths", &s->masked_paths, e)) < 0 ||
	    (r = get_strv(l, "readonlyPaths", &s->readonly_paths, e)) < 0 ||
	    (r = get_int(mem, "limit", 0, INT64_MAX, &s->res.memory, e)) < 0 ||
	    (r = get_int(mem, "swap", -1, INT64_MAX, &s->res.memory_swap, e)) < 0 ||
	    (r = get_int(cpu, "shares", 0, 262144, &shares, e)) < 0 ||
	    (r = get_int(cpu, "quota", -1, INT64_MAX, &s->res.cpu_quota, e)) < 0 ||
	    (r = get_int(cpu, "period", 0, 1000000, &period, e)) < 0 ||
	    (r = get_str(cpu, "cpus", false, &s->res.cpuset_cpus, e)) < 0 ||
	    (r = get_str(cpu, "mems", false, &s->res.cpuset_mems, e)) < 0 ||
	    (r = get_int(pids, "limit", -1, INT64_MAX, &s->res.pids_limit, e)) < 0 ||
	    (r = parse_limits(res, &s->res, e)) < 0 ||
	    (r = get_strv(res, "berthDeviceRules", &s->res.device_allow, e)) < 0 ||
	    (r = parse_devices_sysctl(l, s, e)) < 0 ||
	    (r = parse_idmap(json_object_get(l, "uidMappings"), "uidMappings", &s->userns.uid, e)) <
		    0 ||
	    (r = parse_idmap(json_object_get(l, "gidMappings"), "gidMappings", &s->userns.gid, e)) <
		    0)
		return r;
	if ((s->userns.uid.n > 0) != (s->userns.gid.n > 0))
		return err_set(e, -EINVAL, "config.json: uidMappings without gidMappings");
	for (size_t i = 0; s->res.device_allow && s->res.device_allow[i]; i++)
		if (runtime_device_rule_check(s->res.device_allow[i]) < 0)
			return err_set(e, -EINVAL, "config.json: bad device rule '%s'",
				       s->res.device_allow[i]);
	s->res.cpu_shares = (uint64_t)shares;
	s->res.cpu_period = (uint64_t)period;
	/* The path is joined below /sys/fs/cgroup/<ctrl>: no way up or out. */
	if (s->cgroup_path && (s->cgroup_path[0] == '/' || strstr(s->cgroup_path, "..")))
		return err_set(e, -EINVAL, "config.json: bad cgroupsPath '%s'", s->cgroup_path);
	return 0;
}

static int
parse_berth(json_t *b, struct runtime_spec *s, struct err *e)
{
	_cleanup_free_ char *seccomp = NULL;
	int64_t join = 0, max_files = 1;
	int r;

	if ((r = get_strv(b, "lowerdirs", &s->lowerdirs, e)) < 0 ||
	    (r = get_str(b, "upperdir", false, &s->upperdir, e)) < 0 ||
	    (r = get_str(b, "workdir", false, &s->workdir, e)) < 0 ||
	    (r = get_str(b, "user", false, &s->user, e)) < 0 ||
	    (r = get_strv(b, "additionalGroups", &s->additional_groups, e)) < 0 ||
	    (r = get_bool(b, "openStdin", &s->open_stdin, e)) < 0 ||
	    (r = get_bool(b, "stdinOnce", &s->stdin_once, e)) < 0 ||
	    (r = get_bool(b, "init", &s->init, e)) < 0 ||
	    (r = get_bool(b, "privileged", &s->privileged, e)) < 0 ||
	    (r = get_str(b, "seccomp", false, &seccomp, e)) < 0 ||
	    (r = get_str(b, "seccompProfile", false, &s->seccomp_profile, e)) < 0 ||
	    (r = get_str(b, "logPath", false, &s->log_path, e)) < 0 ||
	    (r = get_int(b, "joinPid", 0, INT32_MAX, &join, e)) < 0 ||
	    (r = get_int(b, "logMaxSize", 0, INT64_MAX, &s->log_max_size, e)) < 0 ||
	    (r = get_int(b, "logMaxFiles", 1, LIMIT_LOG_FILES, &max_files, e)) < 0 ||
	    (r = get_bool(b, "logCompress", &s->log_compress, e)) < 0)
		return r;
	s->join_pid = (int)join;
	s->log_max_files = (int)max_files;
	json_t *attrs = json_object_get(b, "logAttrs");
	if (attrs && !json_is_object(attrs))
		return err_set(e, -EINVAL, "config.json: 'logAttrs' must be an object");
	s->log_attrs = json_incref(attrs);
	if (get_obj(b, "shm")) {
		if ((r = get_str(get_obj(b, "shm"), "path", true, &s->shm_path, e)) < 0 ||
		    (r = get_int(get_obj(b, "shm"), "size", 0, INT64_MAX, &s->shm_size, e)) < 0)
			return r;
		if (s->shm_path[0] != '/' || strstr(s->shm_path, ".."))
			return err_set(e, -EINVAL, "config.json: bad shm path '%s'", s->shm_path);
	}
	if (s->lowerdirs && s->lowerdirs[0]) {
		size_t n = 0;
		while (s->lowerdirs[n])
			n++;
		if (n > LIMIT_OVERLAY_LOWERS)
			return err_set(e, -E2BIG, "config.json: %zu layers, the kernel allows %u", n,
				       LIMIT_OVERLAY_LOWERS);
		if (!s->upperdir != !s->workdir)
			return err_set(e, -EINVAL, "config.json: upperdir needs workdir");
	}
	if (seccomp && strcmp(seccomp, "unconfined") == 0)
		s->seccomp = RUNTIME_SECCOMP_UNCONFINED;
	else if (seccomp && strcmp(seccomp, "profile") == 0 && s->seccomp_profile)
		s->seccomp = RUNTIME_SECCOMP_PROFILE;
	else if (seccomp && strcmp(seccomp, "default") != 0)
		return err_set(e, -EINVAL, "config.json: unknown seccomp profile '%s'", seccomp);
	return 0;
}

int
runtime_spec_from_json(const char *text, size_t len, struct runtime_spec *s, struct err *e)
{
	_cleanup_json_ json_t *root = NULL;
	json_error_t jerr;
	json_t *rootfs;
	int r;

	memset(s, 0, sizeof(*s));
	s->res.swappiness = -1;
	if (len > LIMIT_SPEC_BYTES)
		return err_set(e, -E2BIG, "config.json: larger than %u bytes", LIMIT_SPEC_BYTES);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root))
		return err_set(e, -EINVAL, "config.json: invalid JSON: %s", root ? "not an object" : jerr.text);
	if ((r = parse_process(get_obj(root, "process"), s, e)) < 0 ||
	    (r = parse_process_limits(get_obj(root, "process"), s, e)) < 0 ||
	    (r = parse_mounts(json_object_get(root, "mounts"), s, e)) < 0 ||
	    (r = get_str(root, "hostname", false, &s->hostname, e)) < 0 ||
	    (r = get_str(root, "domainname", false, &s->domainname, e)) < 0 ||
	    (r = parse_linux(get_obj(root, "linux"), s, e)) < 0 ||
	    (r = parse_berth(get_obj(root, "berth"), s, e)) < 0)
		return r;
	rootfs = get_obj(root, "root");
	if ((r = get_str(rootfs, "path", false, &s->rootfs, e)) < 0 ||
	    (r = get_bool(rootfs, "readonly", &s->readonly_root, e)) < 0)
		return r;
	if (s->rootfs && !s->rootfs[0])
		s->rootfs = mfree(s->rootfs);
	if ((!s->lowerdirs || !s->lowerdirs[0]) && !s->rootfs && !s->join_pid)
		return err_set(e, -EINVAL, "config.json: neither layers nor a root path");
	if (!s->user)
		s->user = xstrdup("");
	return 0;
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
