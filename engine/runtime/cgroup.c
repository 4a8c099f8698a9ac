/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v1 / v2 handling; see cgroup.h. Measured behaviour of this host
 * (platform-notes §3): v1 controllers, a v2 hierarchy with no controllers,
 * cpuset needing cpus/mems at every level, memsw present.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "engine/runtime/cgroup.h"
#include "engine/runtime/devfilter.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define CG_ROOT "/sys/fs/cgroup"
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* v1 controllers we use; "cpu" and "cpuacct" may be one co-mounted hierarchy. */
static const char *const v1_ctrls[] = {"memory", "cpu",     "cpuacct", "cpuset",
				       "pids",   "freezer", "devices", "blkio", NULL};

/* runc's default allow list, which dockerd uses (devices cgroup, v1). */
static const char *const default_devices[] = {
	"c *:* m",   "b *:* m",	  "c 1:3 rwm", "c 1:8 rwm",   "c 1:7 rwm",  "c 5:0 rwm",
	"c 1:5 rwm", "c 1:9 rwm", "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
	NULL,
};

int
cgroup_version(void)
{
	static int version;
	struct statfs sfs;

	if (version)
		return version;
	version = (statfs(CG_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) ? 2 : 1;
	return version;
}

/*
 * The cgroup v2 hierarchy: /sys/fs/cgroup on a v2 host; on a hybrid host
 * (v1 controllers, as this one) the "unified" mount systemd makes, which
 * carries no controller but takes device filters; NULL without either.
 */
static const char *
v2_root(void)
{
	static const char *root;
	static bool known;
	struct statfs sfs;

	if (known)
		return root;
	if (cgroup_version() == 2)
		root = CG_ROOT;
	else if (statfs(CG_ROOT "/unified", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		root = CG_ROOT "/unified";
	known = true;
	return root;
}

static int
write_str(const char *dir, const char *file, const char *val)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		return -errno;
	return 0;
}

static int
write_u64(const char *dir, const char *file, int64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRId64, v);
	return write_str(dir, file, b);
}

static int
read_text(const char *dir, const char *file, struct buf *b)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

	buf_reset(b);
	return fs_read_file(p, 1024 * 1024, b);
}

static uint64_t
read_u64(const char *dir, const char *file)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	uint64_t v = 0;

	if (read_text(dir, file, &b) < 0 || !b.data)
		return 0;
	b.data[strcspn(b.data, "\n")] = '\0';
	if (strcmp(b.data, "max") == 0)
		return 0;
	(void)parse_uint64(b.data, UINT64_MAX, &v);
	return v;
}

/* Value of "key N" in a flat keyed file (memory.stat, cpu.stat, ...). */
static uint64_t
read_key(const char *dir, const char *file, const char *key)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	size_t klen = strlen(key);

	if (read_text(dir, file, &b) < 0 || !b.data)
		return 0;
	for (char *l = b.data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		uint64_t v = 0;
		if (strncmp(l, key, klen) == 0 && l[klen] == ' ') {
			char *end = l + klen + 1;
			end[strcspn(end, "\n")] = '\0';
			(void)parse_uint64(end, UINT64_MAX, &v);
			return v;
		}
	}
	return 0;
}

/* The directory of @path in v1 controller @ctrl, or NULL when not mounted. */
static char *
v1_dir(const char *ctrl, const char *path)
{
	_cleanup_free_ char *base = xasprintf(CG_ROOT "/%s", ctrl);
	struct stat st;

	if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return xasprintf("%s/%s", base, path);
}

static char *
cg_dir(const char *ctrl, const char *path)
{
	if (cgroup_version() == 2)
		return xasprintf(CG_ROOT "/%s", path);
	return v1_dir(ctrl, path);
}

/* mkdir each level; on cpuset copy cpus/mems from the parent when empty. */
static int
mkdir_levels(const char *base, const char *path, bool cpuset)
{
	_cleanup_free_ char *cur = xstrdup(base);
	_cleanup_free_ char *rel = xstrdup(path);
	char *save = NULL;

	for (char *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		char *next = xasprintf("%s/%s", cur, c);
		if (mkdir(next, 0755) < 0 && errno != EEXIST) {
			int r = -errno;
			free(next);
			return r;
		}
		if (cpuset) {
			_cleanup_buf_ struct buf b = BUF_INIT;
			for (size_t i = 0; i < 2; i++) {
				const char *f = i ? "cpuset.mems" : "cpuset.cpus";
				if (read_text(next, f, &b) == 0 && b.data && b.data[0] != '\n')
					continue;
				if (read_text(cur, f, &b) == 0 && b.data)
					(void)write_str(next, f, b.data);
			}
		}
		free(cur);
		cur = next;
	}
	return 0;
}

/* v1 blkio file names, by enum runtime_blkio_kind. */
static const char *const blkio_v1_files[RUNTIME_BLKIO_KINDS] = {
	"blkio.weight_device",
	"blkio.throttle.read_bps_device",
	"blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device",
	"blkio.throttle.write_iops_device",
};

static bool
file_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

	return access(p, F_OK) == 0;
}

/* blkio.weight (CFQ), or blkio.bfq.weight where BFQ replaced it, as runc picks. */
static const char *
blkio_weight_file(const char *dir)
{
	return file_exists(dir, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
}

static int
apply_blkio_v1(const char *dir, const struct runtime_resources *res)
{
	char b[64];
	int r;

	if (res->blkio_weight &&
	    (r = write_u64(dir, blkio_weight_file(dir), res->blkio_weight)) < 0)
		return r;
	for (size_t i = 0; i < res->n_blkio_devices; i++) {
		const struct runtime_blkio_device *d = &res->blkio_devices[i];
		snprintf(b, sizeof(b), "%u:%u %" PRIu64, d->major, d->minor, d->value);
		if ((r = write_str(dir, blkio_v1_files[d->kind], b)) < 0)
			return r;
	}
	return 0;
}

/* Sum of cpu.rt_runtime_us over the child cgroups of @dir except @skip. */
static int64_t
rt_children(const char *dir, const char *skip)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int64_t sum = 0;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		if (de->d_type != DT_DIR || de->d_name[0] == '.' || strcmp(de->d_name, skip) == 0)
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		sum += (int64_t)read_u64(sub, "cpu.rt_runtime_us");
	}
	return sum;
}

/*
 * A child gets real-time CPU time only out of its parent's, and every new
 * cgroup starts with none. So each level between the hierarchy root and the
 * container (the "berth" level) is raised to what its other children hold
 * plus @need (microseconds per second), within what its own parent has
 * left, when a container asks for --cpu-rt-runtime (dockerd needs its
 * --cpu-rt-runtime daemon option for the same). @root is the hierarchy's
 * mount, @path relative.
 */
static int
rt_prepare_parents(const char *root, const char *path, int64_t need)
{
	_cleanup_free_ char *rel = xstrdup(path);
	_cleanup_free_ char *cur = xstrdup(root);
	char *save = NULL, *c = strtok_r(rel, "/", &save), *next_c;
	int r;

	for (; c && (next_c = strtok_r(NULL, "/", &save)); c = next_c) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", cur, c);
		int64_t have = (int64_t)read_u64(dir, "cpu.rt_runtime_us");
		int64_t want = rt_children(dir, next_c) + need;
		int64_t left = (int64_t)read_u64(cur, "cpu.rt_runtime_us") - rt_children(cur, c);
		if (want > left)
			want = left;
		if (have < want && (r = write_u64(dir, "cpu.rt_runtime_us", want)) < 0)
			return r;
		free(cur);
		cur = TAKE_PTR(dir);
	}
	return 0;
}

static int
apply_cpu_rt_v1(const char *root, const char *path, const char *dir,
		const struct runtime_resources *res)
{
	int r;

	/* the parents' share is counted per second (their period, 1 s by default) */
	if (res->cpu_rt_runtime > 0 &&
	    (r = rt_prepare_parents(root, path,
				    res->cpu_rt_runtime * 1000000 /
					    (res->cpu_rt_period ? res->cpu_rt_period : 1000000))) <
		    0)
		return r;
	/* runc's order: the period first, the runtime must fit into it */
	if (res->cpu_rt_period && (r = write_u64(dir, "cpu.rt_period_us", res->cpu_rt_period)) < 0)
		return r;
	if (res->cpu_rt_runtime &&
	    (r = write_u64(dir, "cpu.rt_runtime_us", res->cpu_rt_runtime)) < 0)
		return r;
	return 0;
}

static int
apply_v1(const char *ctrl, const char *dir, const struct runtime_resources *res, bool privileged)
{
	int r = 0;

	if (strcmp(ctrl, "blkio") == 0)
		return apply_blkio_v1(dir, res);
	if (strcmp(ctrl, "memory") == 0 && res->oom_kill_disable &&
	    (r = write_str(dir, "memory.oom_control", "1")) < 0)
		return r;
	if (strcmp(ctrl, "memory") == 0 && res->swappiness >= 0 &&
	    (r = write_u64(dir, "memory.swappiness", (uint64_t)res->swappiness)) < 0)
		return r;

	if (strcmp(ctrl, "memory") == 0 && res->memory > 0) {
		/* Docker: --memory without --memory-swap allows as much swap as memory. */
		int64_t sw = res->memory_swap > 0 ? res->memory_swap
			     : res->memory_swap == 0 && res->memory <= INT64_MAX / 2
				     ? 2 * res->memory
				     : -1;
		if ((r = write_u64(dir, "memory.limit_in_bytes", res->memory)) < 0)
			return r;
		r = write_u64(dir, "memory.memsw.limit_in_bytes", sw);
		if (r == -ENOENT) /* no swap accounting on this kernel */
			r = 0;
	} else if (strcmp(ctrl, "cpu") == 0) {
		if (res->cpu_shares && (r = write_u64(dir, "cpu.shares", (int64_t)res->cpu_shares)) < 0)
			return r;
		if (res->cpu_quota > 0) {
			uint64_t period = res->cpu_period ? res->cpu_period : 100000;
			if ((r = write_u64(dir, "cpu.cfs_period_us", (int64_t)period)) < 0)
				return r;
			r = write_u64(dir, "cpu.cfs_quota_us", res->cpu_quota);
		}
	} else if (strcmp(ctrl, "cpuset") == 0) {
		if (res->cpuset_cpus && (r = write_str(dir, "cpuset.cpus", res->cpuset_cpus)) < 0)
			return r;
		if (res->cpuset_mems)
			r = write_str(dir, "cpuset.mems", res->cpuset_mems);
	} else if (strcmp(ctrl, "pids") == 0 && res->pids_limit > 0) {
		r = write_u64(dir, "pids.max", res->pids_limit);
	} else if (strcmp(ctrl, "devices") == 0) {
		if (privileged)
			return write_str(dir, "devices.allow", "a");
		if ((r = write_str(dir, "devices.deny", "a")) < 0)
			return r;
		for (size_t i = 0; default_devices[i] && r == 0; i++)
			r = write_str(dir, "devices.allow", default_devices[i]);
		/* --device nodes and --device-cgroup-rule, after the defaults as runc does */
		for (size_t i = 0; res->device_allow && res->device_allow[i] && r == 0; i++)
			r = write_str(dir, "devices.allow", res->device_allow[i]);
	}
	return r;
}

/* cgroup v2 io controller: io.weight / io.bfq.weight, io.max ("maj:min rbps=N"). */
static int
apply_blkio_v2(const char *dir, const struct runtime_resources *res)
{
	static const char *const keys[RUNTIME_BLKIO_KINDS] = {"", "rbps", "wbps", "riops", "wiops"};
	char b[96];
	int r;

	if (res->blkio_weight) {
		/* runc's mapping of the v1 range 10..1000 onto 1..10000 */
		uint64_t w = 1 + ((uint64_t)res->blkio_weight - 10) * 9999 / 990;
		snprintf(b, sizeof(b), "default %" PRIu64, w);
		if ((r = write_str(dir, "io.weight", b)) < 0)
			return r;
	}
	for (size_t i = 0; i < res->n_blkio_devices; i++) {
		const struct runtime_blkio_device *d = &res->blkio_devices[i];
		if (d->kind == RUNTIME_BLKIO_WEIGHT)
			snprintf(b, sizeof(b), "%u:%u %" PRIu64, d->major, d->minor, d->value);
		else
			snprintf(b, sizeof(b), "%u:%u %s=%" PRIu64, d->major, d->minor,
				 keys[d->kind], d->value);
		r = write_str(dir, d->kind == RUNTIME_BLKIO_WEIGHT ? "io.weight" : "io.max", b);
		if (r < 0)
			return r;
	}
	return 0;
}

/* cgroup v2: controllers are enabled top-down; cpu.weight maps shares as runc does. */
static int
apply_v2(const char *dir, const struct runtime_resources *res)
{
	char b[64];
	int r;

	if (res->memory > 0) {
		if ((r = write_u64(dir, "memory.max", res->memory)) < 0)
			return r;
		if (res->memory_swap != 0) {
			if (res->memory_swap < 0)
				snprintf(b, sizeof(b), "max");
			else
				snprintf(b, sizeof(b), "%" PRId64, res->memory_swap - res->memory);
			(void)write_str(dir, "memory.swap.max", b);
		}
	}
	if (res->cpu_shares) {
		uint64_t w = 1 + ((res->cpu_shares - 2) * 9999) / 262142;
		if ((r = write_u64(dir, "cpu.weight", (int64_t)w)) < 0)
			return r;
	}
	if (res->cpu_quota > 0) {
		snprintf(b, sizeof(b), "%" PRId64 " %" PRIu64, res->cpu_quota,
			 res->cpu_period ? res->cpu_period : 100000);
		if ((r = write_str(dir, "cpu.max", b)) < 0)
			return r;
	}
	if (res->pids_limit > 0 && (r = write_u64(dir, "pids.max", res->pids_limit)) < 0)
		return r;
	if (res->cpuset_cpus && (r = write_str(dir, "cpuset.cpus", res->cpuset_cpus)) < 0)
		return r;
	/* devices: no controller on v2, see device_filter() */
	return apply_blkio_v2(dir, res);
}

static int
create_v2(const char *path, const struct runtime_resources *res, struct err *e)
{
	_cleanup_free_ char *rel = xstrdup(path);
	_cleanup_free_ char *cur = xstrdup(CG_ROOT);
	_cleanup_free_ char *dir = xasprintf(CG_ROOT "/%s", path);
	char *save = NULL;
	int r;

	for (char *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		char *next = xasprintf("%s/%s", cur, c);
		/* Best effort: a controller the host lacks is simply not limited. */
		(void)write_str(cur, "cgroup.subtree_control", "+memory +cpu +pids +cpuset +io");
		if (mkdir(next, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			free(next);
			return err_errno(e, r, "create cgroup '%s'", path);
		}
		free(cur);
		cur = next;
	}
	if ((r = apply_v2(dir, res)) < 0)
		return err_errno(e, r, "set cgroup limits on '%s'", path);
	return 0;
}

/*
 * cgroup v2 has no devices controller: the same rules as v1's devices.allow
 * (the defaults, then --device and --device-cgroup-rule; everything when
 * privileged) become an eBPF program attached to the container's v2 cgroup,
 * as runc does. On a hybrid host the v2 cgroup holds nothing else, and the
 * filter is a second layer behind the v1 devices controller (as systemd
 * puts one on its units there). Returns the program fd or -errno.
 */
static int
device_filter(const char *root, const char *path, const struct runtime_resources *res,
	      bool privileged, struct err *e)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", root, path);
	_cleanup_free_ const char **allow = NULL;
	_cleanup_close_ int fd = -1;
	size_t n = 0, i;

	int r = mkdir_levels(root, path, false); /* made already on a v2 host */

	if (r < 0)
		return err_errno(e, r, "create cgroup '%s' in '%s'", path, root);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_errno(e, -errno, "open cgroup '%s'", dir);
	for (i = 0; res->device_allow && res->device_allow[i]; i++)
		;
	allow = xcalloc(i + sizeof(default_devices) / sizeof(default_devices[0]) + 1,
			sizeof(*allow));
	if (privileged)
		allow[n++] = "a *:* rwm";
	for (i = 0; !privileged && default_devices[i]; i++)
		allow[n++] = default_devices[i];
	for (i = 0; !privileged && res->device_allow && res->device_allow[i]; i++)
		allow[n++] = res->device_allow[i];
	return devfilter_apply(fd, allow, e);
}

int
cgroup_create(const char *path, const struct runtime_resources *res, bool privileged,
	      int *ret_filter_fd, struct err *e)
{
	/* co-mounted controllers (cpu,cpuacct) share a directory: set it up once */
	char *seen[sizeof(v1_ctrls) / sizeof(v1_ctrls[0])] = {NULL};
	size_t n_seen = 0;
	int r = 0;

	*ret_filter_fd = -1;
	if (cgroup_version() == 2) {
		if ((r = create_v2(path, res, e)) < 0)
			return r;
		/* the only device control here: no filter, no container */
		r = device_filter(CG_ROOT, path, res, privileged, e);
		if (r < 0)
			return r;
		*ret_filter_fd = r;
		return 0;
	}
	for (size_t i = 0; v1_ctrls[i]; i++) {
		_cleanup_free_ char *base = xasprintf(CG_ROOT "/%s", v1_ctrls[i]);
		_cleanup_free_ char *dir = NULL;
		char real[PATH_MAX];
		bool dup = false;

		if (!realpath(base, real))
			continue; /* controller not mounted here */
		for (size_t j = 0; j < n_seen; j++)
			dup |= strcmp(seen[j], real) == 0;
		if (!dup) {
			seen[n_seen++] = xstrdup(real);
			r = mkdir_levels(real, path, strcmp(v1_ctrls[i], "cpuset") == 0);
			if (r < 0) {
				err_errno(e, r, "create cgroup '%s' in '%s'", path, v1_ctrls[i]);
				break;
			}
		}
		dir = xasprintf("%s/%s", real, path);
		r = apply_v1(v1_ctrls[i], dir, res, privileged);
		if (r == 0 && strcmp(v1_ctrls[i], "cpu") == 0)
			r = apply_cpu_rt_v1(real, path, dir, res);
		if (r < 0) {
			err_errno(e, r, "set %s limits of cgroup '%s'", v1_ctrls[i], path);
			break;
		}
	}
	for (size_t j = 0; j < n_seen; j++)
		free(seen[j]);
	if (r < 0)
		return r;
	if (v2_root()) {
		/* defence in depth behind devices.allow: a failure is survived */
		struct err fe = ERR_INIT;
		int fd = device_filter(v2_root(), path, res, privileged, &fe);
		if (fd < 0)
			log_warn("cgroup '%s': no eBPF device filter on the unified hierarchy: "
				 "%s, ignoring",
				 path, fe.msg);
		*ret_filter_fd = fd;
	}
	return 0;
}

static void
read_first_line(const char *dir, const char *file, char *out, size_t n)
{
	_cleanup_buf_ struct buf b = BUF_INIT;

	out[0] = '\0';
	if (read_text(dir, file, &b) == 0 && b.data) {
		b.data[strcspn(b.data, "\n")] = '\0';
		snprintf(out, n, "%s", b.data);
	}
}

void
cgroup_sysinfo_read(struct cgroup_sysinfo *ret)
{
	_cleanup_free_ char *cpu = NULL, *blkio = NULL, *mem = NULL, *cpuset = NULL;

	memset(ret, 0, sizeof(*ret));
	if (cgroup_version() == 2) {
		_cleanup_buf_ struct buf b = BUF_INIT;
		bool io = read_text(CG_ROOT, "cgroup.controllers", &b) == 0 && b.data &&
			  strstr(b.data, "io");
		ret->blkio_weight = io;
		for (int k = 0; k < RUNTIME_BLKIO_KINDS; k++)
			ret->blkio_device[k] = io;
		read_first_line(CG_ROOT, "cpuset.cpus.effective", ret->cpus, sizeof(ret->cpus));
		read_first_line(CG_ROOT, "cpuset.mems.effective", ret->mems, sizeof(ret->mems));
		return;
	}
	cpu = v1_dir("cpu", "");
	blkio = v1_dir("blkio", "");
	mem = v1_dir("memory", "");
	cpuset = v1_dir("cpuset", "");
	ret->cpu_rt = cpu && file_exists(cpu, "cpu.rt_period_us") &&
		      file_exists(cpu, "cpu.rt_runtime_us");
	ret->oom_kill_disable = mem && file_exists(mem, "memory.oom_control");
	ret->blkio_weight = blkio &&
			    (file_exists(blkio, "blkio.weight") || file_exists(blkio, "blkio.bfq."
										      "weight"));
	for (int k = 0; blkio && k < RUNTIME_BLKIO_KINDS; k++)
		ret->blkio_device[k] = file_exists(blkio, blkio_v1_files[k]);
	if (cpuset) {
		read_first_line(cpuset, "cpuset.effective_cpus", ret->cpus, sizeof(ret->cpus));
		if (!ret->cpus[0])
			read_first_line(cpuset, "cpuset.cpus", ret->cpus, sizeof(ret->cpus));
		read_first_line(cpuset, "cpuset.effective_mems", ret->mems, sizeof(ret->mems));
		if (!ret->mems[0])
			read_first_line(cpuset, "cpuset.mems", ret->mems, sizeof(ret->mems));
	}
}

int
cgroup_attach(const char *path, pid_t pid, struct err *e)
{
	char b[32];

	snprintf(b, sizeof(b), "%d", (int)pid);
	if (cgroup_version() == 2) {
		_cleanup_free_ char *dir = xasprintf(CG_ROOT "/%s", path);
		int r = write_str(dir, "cgroup.procs", b);
		return r < 0 ? err_errno(e, r, "join cgroup '%s'", path) : 0;
	}
	if (v2_root()) {
		/* hybrid: the cgroup that carries the device filter, when it was made */
		_cleanup_free_ char *dir = xasprintf("%s/%s", v2_root(), path);
		int r = fs_exists(dir) ? write_str(dir, "cgroup.procs", b) : 0;
		if (r < 0)
			return err_errno(e, r, "join cgroup '%s' in '%s'", path, v2_root());
	}
	for (size_t i = 0; v1_ctrls[i]; i++) {
		_cleanup_free_ char *dir = v1_dir(v1_ctrls[i], path);
		int r;
		if (!dir)
			continue;
		r = write_str(dir, "cgroup.procs", b);
		if (r < 0)
			return err_errno(e, r, "join %s cgroup '%s'", v1_ctrls[i], path);
	}
	return 0;
}

int
cgroup_open_v2(const char *path)
{
	_cleanup_free_ char *dir = NULL;
	int fd;

	if (!v2_root())
		return -ENOENT;
	dir = xasprintf("%s/%s", v2_root(), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int
cgroup_enter_v1(const char *path, struct err *e)
{
	if (cgroup_version() == 2)
		return 0;
	for (size_t i = 0; v1_ctrls[i]; i++) {
		_cleanup_free_ char *dir = v1_dir(v1_ctrls[i], path);
		int r;
		if (!dir)
			continue;
		/* "0" in `tasks`: this thread only, no threadgroup lock */
		r = write_str(dir, "tasks", "0");
		if (r < 0)
			return err_errno(e, r, "join %s cgroup '%s'", v1_ctrls[i], path);
	}
	return 0;
}

bool
cgroup_is_frozen(const char *path)
{
	_cleanup_free_ char *dir = cg_dir("freezer", path);
	_cleanup_buf_ struct buf b = BUF_INIT;

	if (!dir)
		return false;
	if (cgroup_version() == 2)
		return read_u64(dir, "cgroup.freeze") == 1;
	if (read_text(dir, "freezer.state", &b) < 0 || !b.data)
		return false;
	return strncmp(b.data, "FROZEN", 6) == 0 || strncmp(b.data, "FREEZING", 8) == 0;
}

int
cgroup_freeze(const char *path, bool frozen, struct err *e)
{
	_cleanup_free_ char *dir = cg_dir("freezer", path);
	int r;

	if (!dir)
		return err_set(e, -ENOTSUP, "no freezer cgroup on this host");
	if (cgroup_version() == 2)
		r = write_str(dir, "cgroup.freeze", frozen ? "1" : "0");
	else
		r = write_str(dir, "freezer.state", frozen ? "FROZEN" : "THAWED");
	if (r < 0)
		return err_errno(e, r, "%s cgroup '%s'", frozen ? "freeze" : "thaw", path);
	/* v1 passes through FREEZING; wait (bounded, 2 s) until the state settles. */
	for (int i = 0; frozen && cgroup_version() == 1 && i < 200; i++) {
		_cleanup_buf_ struct buf b = BUF_INIT;
		if (read_text(dir, "freezer.state", &b) == 0 && b.data &&
		    strncmp(b.data, "FROZEN", 6) == 0)
			return 0;
		(void)write_str(dir, "freezer.state", "FROZEN");
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return 0;
}

int
cgroup_pids(const char *path, pid_t **ret, size_t *ret_n)
{
	_cleanup_free_ char *dir = cg_dir("pids", path);
	_cleanup_buf_ struct buf b = BUF_INIT;
	pid_t *pids = NULL;
	size_t n = 0;
	char *save = NULL;
	int r;

	if (!dir)
		dir = cg_dir("memory", path);
	if (!dir)
		return -ENOENT;
	r = read_text(dir, "cgroup.procs", &b);
	if (r < 0)
		return r;
	/* An empty cgroup.procs leaves b.data NULL, and strtok_r(NULL) on a
	 * fresh save pointer crashes: an empty cgroup simply has no pids. */
	if (!b.data)
		b.data = xstrdup("");
	for (char *l = strtok_r(b.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int64_t v;
		if (parse_int64(l, 1, INT32_MAX, &v) < 0)
			continue;
		pids = xrealloc(pids, (n + 1) * sizeof(pid_t));
		pids[n++] = (pid_t)v;
	}
	*ret = pids;
	*ret_n = n;
	return 0;
}

int
cgroup_kill(const char *path, int sig)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r;

	/* A frozen task does not die until thawed; thaw after signalling. */
	r = cgroup_pids(path, &pids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		(void)kill(pids[i], sig);
	if (sig == SIGKILL && cgroup_is_frozen(path))
		(void)cgroup_freeze(path, false, NULL);
	return 0;
}

uint64_t
cgroup_oom_kills(const char *path)
{
	_cleanup_free_ char *dir = cg_dir("memory", path);

	if (!dir)
		return 0;
	if (cgroup_version() == 2)
		return read_key(dir, "memory.events", "oom_kill");
	return read_key(dir, "memory.oom_control", "oom_kill");
}

/* Tasks leave a cgroup shortly after they are reaped; retry for ~1 s. */
static int
rmdir_cgroup(const char *dir)
{
	for (int t = 0; t < 100; t++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return -EBUSY;
}

int
cgroup_remove(const char *path)
{
	int ret = 0, r;

	for (size_t i = 0; v1_ctrls[i]; i++) {
		_cleanup_free_ char *dir = cg_dir(v1_ctrls[i], path);
		if (!dir)
			continue;
		if ((r = rmdir_cgroup(dir)) < 0 && ret == 0)
			ret = r;
		if (cgroup_version() == 2)
			return ret;
	}
	if (v2_root()) {
		/* hybrid: the device filter's cgroup (its program goes with it) */
		_cleanup_free_ char *dir = xasprintf("%s/%s", v2_root(), path);
		if ((r = rmdir_cgroup(dir)) < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* Host CPU time in ns from the first line of /proc/stat, as moby's getSystemCPUUsage. */
static uint64_t
system_cpu_ns(void)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	uint64_t total = 0;
	long hz = sysconf(_SC_CLK_TCK);
	char *save = NULL, *tok;

	if (fs_read_file("/proc/stat", 1024 * 1024, &b) < 0 || !b.data ||
	    strncmp(b.data, "cpu ", 4) != 0 || hz <= 0)
		return 0;
	b.data[strcspn(b.data, "\n")] = '\0';
	tok = strtok_r(b.data + 4, " ", &save);
	for (int i = 0; tok && i < 7; i++, tok = strtok_r(NULL, " ", &save)) {
		uint64_t v = 0;
		(void)parse_uint64(tok, UINT64_MAX, &v);
		total += v;
	}
	return total * (1000000000ULL / (uint64_t)hz);
}

static void
read_kv_file(const char *dir, const char *file, struct cgroup_stats *st)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	char *save = NULL;

	if (read_text(dir, file, &b) < 0 || !b.data)
		return;
	for (char *l = strtok_r(b.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		struct cgroup_kv *kv;
		if (!sp || (size_t)(sp - l) >= sizeof(kv->key))
			continue;
		*sp = '\0';
		st->mem_stats = xrealloc(st->mem_stats, (st->n_mem_stats + 1) * sizeof(*kv));
		kv = &st->mem_stats[st->n_mem_stats++];
		snprintf(kv->key, sizeof(kv->key), "%s", l);
		kv->value = 0;
		(void)parse_uint64(sp + 1, UINT64_MAX, &kv->value);
	}
}

/* v1 "8:0 Read 123" lines; v2 "8:0 rbytes=1 wbytes=2 ..." lines. */
static void
read_blkio(const char *dir, bool v2, struct cgroup_stats *st)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	char *save = NULL;

	if (read_text(dir, v2 ? "io.stat" : "blkio.throttle.io_service_bytes_recursive", &b) < 0 ||
	    !b.data)
		return;
	for (char *l = strtok_r(b.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char op[16];
		unsigned long long v;
		if (v2) {
			unsigned long long rb = 0, wb = 0;
			char *r = strstr(l, "rbytes="), *w = strstr(l, "wbytes=");
			if (sscanf(l, "%u:%u", &maj, &min) != 2 || !r || !w)
				continue;
			sscanf(r, "rbytes=%llu", &rb);
			sscanf(w, "wbytes=%llu", &wb);
			st->blkio = xrealloc(st->blkio, (st->n_blkio + 2) * sizeof(*st->blkio));
			st->blkio[st->n_blkio++] = (struct cgroup_blkio){maj, min, "read", rb};
			st->blkio[st->n_blkio++] = (struct cgroup_blkio){maj, min, "write", wb};
			continue;
		}
		if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &v) != 4)
			continue;
		for (char *c = op; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		st->blkio = xrealloc(st->blkio, (st->n_blkio + 1) * sizeof(*st->blkio));
		st->blkio[st->n_blkio] = (struct cgroup_blkio){maj, min, "", v};
		snprintf(st->blkio[st->n_blkio++].op, sizeof(op), "%s", op);
	}
}

static uint64_t
host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
}

static int
stats_v1(const char *path, struct cgroup_stats *st)
{
	_cleanup_free_ char *cpuacct = v1_dir("cpuacct", path);
	_cleanup_free_ char *cpu = v1_dir("cpu", path);
	_cleanup_free_ char *mem = v1_dir("memory", path);
	_cleanup_free_ char *pids = v1_dir("pids", path);
	_cleanup_free_ char *blk = v1_dir("blkio", path);
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;

	if (!mem || !fs_exists(mem))
		return -ENOENT;
	if (cpuacct) {
		st->cpu_total = read_u64(cpuacct, "cpuacct.usage");
		st->cpu_user = read_key(cpuacct, "cpuacct.stat", "user") * tick;
		st->cpu_kernel = read_key(cpuacct, "cpuacct.stat", "system") * tick;
	}
	if (cpu) {
		st->throttle_periods = read_key(cpu, "cpu.stat", "nr_periods");
		st->throttled_periods = read_key(cpu, "cpu.stat", "nr_throttled");
		st->throttled_time = read_key(cpu, "cpu.stat", "throttled_time");
	}
	st->mem_usage = read_u64(mem, "memory.usage_in_bytes");
	st->mem_max_usage = read_u64(mem, "memory.max_usage_in_bytes");
	st->mem_limit = read_u64(mem, "memory.limit_in_bytes");
	st->mem_failcnt = read_u64(mem, "memory.failcnt");
	read_kv_file(mem, "memory.stat", st);
	if (pids) {
		st->pids_current = read_u64(pids, "pids.current");
		st->pids_limit = read_u64(pids, "pids.max");
	}
	if (blk)
		read_blkio(blk, false, st);
	return 0;
}

static int
stats_v2(const char *path, struct cgroup_stats *st)
{
	_cleanup_free_ char *dir = xasprintf(CG_ROOT "/%s", path);

	if (!fs_exists(dir))
		return -ENOENT;
	st->cpu_total = read_key(dir, "cpu.stat", "usage_usec") * 1000;
	st->cpu_user = read_key(dir, "cpu.stat", "user_usec") * 1000;
	st->cpu_kernel = read_key(dir, "cpu.stat", "system_usec") * 1000;
	st->throttle_periods = read_key(dir, "cpu.stat", "nr_periods");
	st->throttled_periods = read_key(dir, "cpu.stat", "nr_throttled");
	st->throttled_time = read_key(dir, "cpu.stat", "throttled_usec") * 1000;
	st->mem_usage = read_u64(dir, "memory.current");
	st->mem_max_usage = read_u64(dir, "memory.peak");
	st->mem_limit = read_u64(dir, "memory.max");
	read_kv_file(dir, "memory.stat", st);
	st->pids_current = read_u64(dir, "pids.current");
	st->pids_limit = read_u64(dir, "pids.max");
	read_blkio(dir, true, st);
	return 0;
}

int
cgroup_stats_read(const char *path, struct cgroup_stats *st, struct err *e)
{
	uint64_t host = host_memory();
	int r;

	memset(st, 0, sizeof(*st));
	r = cgroup_version() == 2 ? stats_v2(path, st) : stats_v1(path, st);
	if (r < 0) {
		cgroup_stats_release(st);
		return err_errno(e, r, "read cgroup '%s'", path);
	}
	/* Unlimited shows as a huge number (v1) or "max" (v2): report host RAM, as docker stats does. */
	if (st->mem_limit == 0 || (host && st->mem_limit > host))
		st->mem_limit = host;
	if (st->pids_limit > INT32_MAX)
		st->pids_limit = 0;
	st->system_cpu = system_cpu_ns();
	st->online_cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	return 0;
}

void
cgroup_stats_release(struct cgroup_stats *st)
{
	if (!st)
		return;
	free(st->mem_stats);
	free(st->blkio);
	st->mem_stats = NULL;
	st->blkio = NULL;
	st->n_mem_stats = st->n_blkio = 0;
}
