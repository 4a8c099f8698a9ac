/* SPDX-License-Identifier: Apache-2.0 */
/* Limits and security options: create-time checks and the runtime spec; see limits.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "engine/container/limits.h"
#include "engine/runtime/cgroup.h"
#include "engine/runtime/seccomp_profile.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

/* moby sysinfo.isCpusetListAvailable: CPU numbers up to 8192, or more when present. */
#define CPUSET_MAX 8192

/*
 * moby parsers.ParseUintList: "0-2,4"; fills @set (CPUSET_MAX + 1 entries).
 * -EINVAL for a bad format, -ERANGE past CPUSET_MAX.
 */
static int
cpuset_parse(const char *list, bool *set)
{
	_cleanup_free_ char *copy = xstrdup(list);
	char *save = NULL;

	if (!*list)
		return 0;
	/* strtok_r would skip the empty items Go's strings.Split keeps */
	if (list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
		return -EINVAL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(item, '-');
		int64_t lo, hi;
		if (dash)
			*dash = '\0';
		/* Go's strconv.Atoi fails only on syntax and int overflow: a number
		 * past the maximum is "value of out range", not "invalid format". */
		if (!isdigit((unsigned char)item[0]) || parse_int64(item, 0, INT64_MAX, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (dash && (!isdigit((unsigned char)dash[1]) ||
			     parse_int64(dash + 1, 0, INT64_MAX, &hi) < 0 || hi < lo))
			return -EINVAL;
		if (hi > CPUSET_MAX)
			return -ERANGE;
		for (int64_t i = lo; i <= hi; i++)
			set[i] = true;
	}
	return 0;
}

/* dockerd's IsCpusetCpusAvailable / IsCpusetMemsAvailable with their messages. */
static int
cpuset_check(const char *req, const char *avail, const char *what, const char *nodes, struct err *e)
{
	_cleanup_free_ bool *want = xcalloc(CPUSET_MAX + 1, sizeof(bool));
	_cleanup_free_ bool *have = xcalloc(CPUSET_MAX + 1, sizeof(bool));
	int r;

	if (!req || !*req)
		return 0;
	r = cpuset_parse(req, want);
	if (r == -EINVAL)
		return err_set(e, -EINVAL, "Invalid value %s for cpuset %s: invalid format: %s",
			       req, what, req);
	if (r == -ERANGE)
		return err_set(e, -EINVAL,
			       "Invalid value %s for cpuset %s: value of out range, maximum is %d",
			       req, what, CPUSET_MAX);
	if (!*avail || cpuset_parse(avail, have) < 0)
		return 0; /* the host's list unknown: the kernel decides at start */
	for (int i = 0; i <= CPUSET_MAX; i++)
		if (want[i] && !have[i])
			return err_set(e, -EINVAL,
				       "Requested %s are not available - requested %s, available: "
				       "%s",
				       nodes, req, avail);
	return 0;
}

static void
warn(char ***warnings, const char *msg)
{
	strv_append(warnings, msg);
}

/* Drops a blkio device list the kernel cannot apply (dockerd: warning, discarded). */
static void
blkio_discard(json_t **list, bool supported, const char *msg, char ***warnings)
{
	if (json_array_size(*list) == 0 || supported)
		return;
	warn(warnings, msg);
	json_decref(*list);
	*list = NULL;
}

/* Whether limits_verify has anything to judge against the kernel. */
static bool
needs_sysinfo(const struct container_spec *s)
{
	return s->cpu_rt_period || s->cpu_rt_runtime || s->oom_kill_disable ||
	       (s->cpuset_cpus && *s->cpuset_cpus) || (s->cpuset_mems && *s->cpuset_mems) ||
	       s->blkio_weight > 0 || json_array_size(s->blkio_weight_device) ||
	       json_array_size(s->blkio_read_bps) || json_array_size(s->blkio_write_bps) ||
	       json_array_size(s->blkio_read_iops) || json_array_size(s->blkio_write_iops);
}

int
limits_verify(struct container_spec *s, char ***warnings, struct err *e)
{
	struct cgroup_sysinfo si;

	/* The kernel is asked (16 syscalls) only when a limit it judges is set. */
	if (!needs_sysinfo(s))
		return 0;
	cgroup_sysinfo_read(&si);
	/* moby validateResources */
	if ((s->cpu_rt_period || s->cpu_rt_runtime) && !si.cpu_rt)
		return err_set(e, -EINVAL, "Your kernel does not support CPU real-time scheduler");
	if (s->cpu_rt_period && s->cpu_rt_runtime && s->cpu_rt_runtime > s->cpu_rt_period)
		return err_set(e, -EINVAL,
			       "cpu real-time runtime cannot be higher than cpu real-time period");
	/* moby verifyPlatformContainerResources, in its order */
	if (s->oom_kill_disable && !si.oom_kill_disable) {
		warn(warnings, "Your kernel does not support OomKillDisable. OomKillDisable "
			       "discarded.");
		s->oom_kill_disable = false;
	}
	if (s->oom_kill_disable && s->memory == 0)
		warn(warnings, "OOM killer is disabled for the container, but no memory limit is "
			       "set, this can result in the system running out of resources.");
	if (cpuset_check(s->cpuset_cpus, si.cpus, "cpus", "CPUs", e) < 0 ||
	    cpuset_check(s->cpuset_mems, si.mems, "mems", "memory nodes", e) < 0)
		return -EINVAL;
	if (s->blkio_weight > 0 && !si.blkio_weight) {
		warn(warnings, "Your kernel does not support Block I/O weight or the cgroup is not "
			       "mounted. Weight discarded.");
		s->blkio_weight = 0;
	}
	if (s->blkio_weight > 0 && (s->blkio_weight < 10 || s->blkio_weight > 1000))
		return err_set(e, -EINVAL, "Range of blkio weight is from 10 to 1000");
	blkio_discard(&s->blkio_weight_device, si.blkio_device[RUNTIME_BLKIO_WEIGHT],
		      "Your kernel does not support Block I/O weight_device or the cgroup is not "
		      "mounted. Weight-device discarded.",
		      warnings);
	blkio_discard(&s->blkio_read_bps, si.blkio_device[RUNTIME_BLKIO_READ_BPS],
		      "Your kernel does not support BPS Block I/O read limit or the cgroup is not "
		      "mounted. Block I/O BPS read limit discarded.",
		      warnings);
	blkio_discard(&s->blkio_write_bps, si.blkio_device[RUNTIME_BLKIO_WRITE_BPS],
		      "Your kernel does not support BPS Block I/O write limit or the cgroup is not "
		      "mounted. Block I/O BPS write limit discarded.",
		      warnings);
	blkio_discard(&s->blkio_read_iops, si.blkio_device[RUNTIME_BLKIO_READ_IOPS],
		      "Your kernel does not support IOPS Block read limit or the cgroup is not "
		      "mounted. Block I/O IOPS read limit discarded.",
		      warnings);
	blkio_discard(&s->blkio_write_iops, si.blkio_device[RUNTIME_BLKIO_WRITE_IOPS],
		      "Your kernel does not support IOPS Block write limit or the cgroup is not "
		      "mounted. Block I/O IOPS write limit discarded.",
		      warnings);
	return 0;
}

/* Go's strconv.ParseBool. */
static bool
parse_go_bool(const char *v, bool *ret)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False", NULL};

	for (size_t i = 0; t[i]; i++)
		if (strcmp(v, t[i]) == 0)
			return *ret = true, true;
	for (size_t i = 0; f[i]; i++)
		if (strcmp(v, f[i]) == 0)
			return *ret = false, true;
	return false;
}

/* Splits "k=v" (or the deprecated "k:v") as parseSecurityOpt does; false when neither. */
static bool
split_opt(const char *opt, char *key, size_t n, const char **value)
{
	const char *sep = strchr(opt, '=');

	if (!sep)
		sep = strchr(opt, ':');
	if (!sep || (size_t)(sep - opt) >= n)
		return false;
	memcpy(key, opt, (size_t)(sep - opt));
	key[sep - opt] = '\0';
	*value = sep + 1;
	return true;
}

int
limits_check_security_opts(char *const *opts, struct err *e)
{
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *o = opts[i], *v;
		char k[32];
		bool b;
		if (strcmp(o, "no-new-privileges") == 0 || strcmp(o, "disable") == 0)
			continue;
		if (!strchr(o, '=') && !strchr(o, ':'))
			return err_set(e, -EINVAL, "invalid --security-opt 1: \"%s\"", o);
		if (!split_opt(o, k, sizeof(k), &v))
			return err_set(e, -EINVAL, "invalid --security-opt 2: \"%s\"", o);
		if (strcmp(k, "label") == 0 || strcmp(k, "apparmor") == 0 ||
		    strcmp(k, "seccomp") == 0)
			continue; /* no SELinux or AppArmor here: accepted and shown, as dockerd */
		if (strcmp(k, "no-new-privileges") == 0 && parse_go_bool(v, &b))
			continue;
		return err_set(e, -EINVAL, "invalid --security-opt 2: \"%s\"", o);
	}
	return 0;
}

/* SecurityOpt at start: no_new_privs and the seccomp profile. */
static int
security_runspec(const struct container_spec *s, struct runtime_spec *rs, struct err *e)
{
	for (size_t i = 0; s->security_opt && s->security_opt[i]; i++) {
		const char *o = s->security_opt[i], *v = "";
		char k[32] = "";
		bool b;
		if (strcmp(o, "no-new-privileges") == 0) {
			rs->no_new_privs = true;
			continue;
		}
		if (!split_opt(o, k, sizeof(k), &v))
			continue;
		if (strcmp(k, "no-new-privileges") == 0 && parse_go_bool(v, &b))
			rs->no_new_privs = b;
		if (strcmp(k, "seccomp") != 0 || s->privileged)
			continue; /* --privileged runs without seccomp whatever the profile */
		free(rs->seccomp_profile);
		rs->seccomp_profile = NULL;
		if (strcmp(v, "unconfined") == 0) {
			rs->seccomp = RUNTIME_SECCOMP_UNCONFINED;
		} else if (strcmp(v, "builtin") == 0 || !*v) {
			rs->seccomp = RUNTIME_SECCOMP_DEFAULT;
		} else {
			struct seccomp_profile p;
			int r = seccomp_profile_parse(v, strlen(v), rs->caps, &p, e);
			seccomp_profile_release(&p);
			if (r < 0)
				return r;
			if (strlen(v) > LIMIT_SPEC_STRING)
				return err_set(e, -E2BIG, "seccomp profile larger than %u bytes",
					       LIMIT_SPEC_STRING);
			rs->seccomp = RUNTIME_SECCOMP_PROFILE;
			rs->seccomp_profile = xstrdup(v);
		}
	}
	return 0;
}

/* strerror as Go prints it (lower case), which is what dockerd's messages carry. */
static const char *
go_strerror(int errnum)
{
	static __thread char b[128];

	snprintf(b, sizeof(b), "%s", strerror(errnum));
	b[0] = (char)tolower((unsigned char)b[0]);
	return b;
}

/* A device's numbers, stat'ed at start as dockerd does ("stat /dev/x: ..."). */
static int
add_blkio(struct runtime_resources *res, json_t *list, enum runtime_blkio_kind kind, struct err *e)
{
	size_t i;
	json_t *d;

	json_array_foreach(list, i, d) {
		const char *path = json_string_value(json_object_get(d, "Path"));
		json_t *v = json_object_get(d, kind == RUNTIME_BLKIO_WEIGHT ? "Weight" : "Rate");
		struct stat st;
		if (!path || stat(path, &st) < 0)
			return err_set(e, -errno, "stat %s: %s", path ? path : "",
				       go_strerror(errno));
		res->blkio_devices = xrealloc(res->blkio_devices,
					      (res->n_blkio_devices + 1) *
						      sizeof(*res->blkio_devices));
		res->blkio_devices[res->n_blkio_devices++] =
			(struct runtime_blkio_device){kind, major(st.st_rdev), minor(st.st_rdev),
						      (uint64_t)json_integer_value(v)};
	}
	return 0;
}

/* Adds one {Name, Soft, Hard} unless @rs has that limit already. */
static int
add_rlimit(struct runtime_spec *rs, json_t *u, struct err *e)
{
	const char *name = json_string_value(json_object_get(u, "Name"));
	int res = name ? runtime_rlimit_from_name(name) : -EINVAL;

	if (res < 0) {
		/* runc's message on dockerd's "RLIMIT_" + strings.ToUpper(name) */
		char up[64] = "";
		for (size_t i = 0; name && name[i] && i < sizeof(up) - 1; i++)
			up[i] = (char)toupper((unsigned char)name[i]);
		return err_set(e, -EINVAL, "wrong rlimit value: RLIMIT_%s", up);
	}
	for (size_t i = 0; i < rs->n_rlimits; i++)
		if (rs->rlimits[i].resource == res)
			return 0;
	rs->rlimits = xrealloc(rs->rlimits, (rs->n_rlimits + 1) * sizeof(*rs->rlimits));
	rs->rlimits[rs->n_rlimits++] =
		(struct runtime_rlimit){res, json_integer_value(json_object_get(u, "Soft")),
					json_integer_value(json_object_get(u, "Hard"))};
	return 0;
}

static int
limits_apply(const struct container_spec *s, json_t *default_ulimits, struct runtime_spec *rs,
	     struct err *e)
{
	struct runtime_resources *res = &rs->res;
	const char *k;
	json_t *u;
	size_t i;
	int r;

	if ((r = security_runspec(s, rs, e)) < 0)
		return r;
	/* the container's ulimits, then the daemon's for the names it lacks (mergeUlimits) */
	json_array_foreach(s->ulimits, i, u)
		if ((r = add_rlimit(rs, u, e)) < 0)
			return r;
	json_object_foreach(default_ulimits, k, u)
		if ((r = add_rlimit(rs, u, e)) < 0)
			return r;
	rs->oom_score_adj_set = s->oom_score_adj != 0;
	rs->oom_score_adj = s->oom_score_adj;
	res->cpu_rt_period = s->cpu_rt_period;
	res->cpu_rt_runtime = s->cpu_rt_runtime;
	res->blkio_weight = (uint16_t)s->blkio_weight;
	res->oom_kill_disable = s->oom_kill_disable;
	if ((r = add_blkio(res, s->blkio_weight_device, RUNTIME_BLKIO_WEIGHT, e)) < 0 ||
	    (r = add_blkio(res, s->blkio_read_bps, RUNTIME_BLKIO_READ_BPS, e)) < 0 ||
	    (r = add_blkio(res, s->blkio_write_bps, RUNTIME_BLKIO_WRITE_BPS, e)) < 0 ||
	    (r = add_blkio(res, s->blkio_read_iops, RUNTIME_BLKIO_READ_IOPS, e)) < 0 ||
	    (r = add_blkio(res, s->blkio_write_iops, RUNTIME_BLKIO_WRITE_IOPS, e)) < 0)
		return r;
	return 0;
}

/*
 * dockerd answers 500 for whatever fails while it builds the spec at start
 * ("must be considered a System error", moby daemon/start.go), bad
 * profiles and missing devices included.
 */
int
limits_runspec(const struct container_spec *s, json_t *default_ulimits, struct runtime_spec *rs,
	       struct err *e)
{
	if (limits_apply(s, default_ulimits, rs, e) < 0) {
		e->code = -EIO;
		return -EIO;
	}
	return 0;
}
