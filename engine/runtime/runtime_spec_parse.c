/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runtime spec decoding: config.json (OCI layout + the "berth" extension)
 * back into struct runtime_spec, and the device-rule syntax. Every type and
 * bound is checked: the shim trusts nothing it reads from disk. Encoding
 * and the defaults are runtime_spec.c's.
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
#include "engine/util/jsonget.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

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
	    (r = get_strv(p, "args", &s->args, e)) < 0 ||
	    (r = get_strv(p, "env", &s->env, e)) < 0 ||
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
			return err_set(e, -EINVAL, "config.json: unknown capability '%s'",
				       s->caps[i]);
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
		n += json_array_size(jsonget(bio, runtime_blkio_keys[k]));
	if (n > LIMIT_SPEC_LIST)
		return err_set(e, -E2BIG, "config.json: too many blockIO devices");
	out->blkio_devices = xcalloc(n + 1, sizeof(*out->blkio_devices));
	for (int k = 0; k < RUNTIME_BLKIO_KINDS; k++) {
		json_array_foreach(jsonget(bio, runtime_blkio_keys[k]), i, it) {
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
			return err_set(e, -EINVAL,
				       "config.json: mount destination '%s' not absolute",
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
	json_t *mem = get_obj(res, "memory"), *cpu = get_obj(res, "cpu"),
	       *pids = get_obj(res, "pids");
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
	    (r = get_bool(b, "disposableRoot", &s->disposable_root, e)) < 0 ||
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
			return err_set(e, -E2BIG, "config.json: %zu layers, the kernel allows %u",
				       n, LIMIT_OVERLAY_LOWERS);
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
		return err_set(e, -EINVAL, "config.json: invalid JSON: %s",
			       root ? "not an object" : jerr.text);
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
