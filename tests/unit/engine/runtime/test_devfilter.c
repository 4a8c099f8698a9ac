/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 device filter, for real where the host allows it: the
 * program is loaded, attached to a scratch cgroup below the v2 hierarchy
 * (/sys/fs/cgroup on a v2 host, the unified mount on a hybrid one), and a
 * forked child moved into that cgroup opens and makes device nodes. Needs
 * root (CAP_BPF/CAP_SYS_ADMIN) and a v2 hierarchy; skips otherwise.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/runtime/devfilter.h"
#include "engine/util/err.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static struct devfilter_rule
rule(const char *s, bool allow)
{
	struct devfilter_rule r = {.allow = allow};

	cr_assert_eq(runtime_device_rule_parse(s, &r.r), 0, "%s", s);
	return r;
}

Test(devfilter, rule_parse_gives_numbers_and_access)
{
	struct runtime_device_rule r;

	cr_assert_eq(runtime_device_rule_parse("c 1:3 rwm", &r), 0);
	cr_expect_eq(r.type, 'c');
	cr_expect_eq(r.major, 1);
	cr_expect_eq(r.minor, 3);
	cr_expect_eq(r.access, RUNTIME_DEV_READ | RUNTIME_DEV_WRITE | RUNTIME_DEV_MKNOD);
	cr_assert_eq(runtime_device_rule_parse("b *:7 w", &r), 0);
	cr_expect_eq(r.major, -1);
	cr_expect_eq(r.minor, 7);
	cr_expect_eq(r.access, RUNTIME_DEV_WRITE);
	cr_assert_eq(runtime_device_rule_parse("a 4294967295:* m", &r), 0);
	cr_expect_eq(r.major, 4294967295LL);
	cr_expect_eq(runtime_device_rule_parse("c 4294967296:1 r", &r), -EINVAL);
	cr_expect_eq(runtime_device_rule_parse("c 1:3 rwx", &r), -EINVAL);
}

Test(devfilter, program_shape_follows_the_rules)
{
	struct devfilter_rule rules[3];
	struct bpf_insn *p = NULL;
	size_t n = 0;

	/* prologue 6; type, major, minor tests, return 1; default deny 2 */
	rules[0] = rule("c 1:3 rwm", true);
	devfilter_build(rules, 1, &p, &n);
	cr_expect_eq(n, 6 + 5 + 2);
	cr_expect_eq(p[6].code, BPF_JMP32 | BPF_JNE | BPF_K);
	cr_expect_eq(p[6].off, 4, "a failed test skips the rest of its block");
	cr_expect_eq(p[n - 1].code, BPF_JMP | BPF_EXIT);
	free(p);
	/* an access subset adds a 3-instruction test */
	rules[0] = rule("c *:* m", true);
	devfilter_build(rules, 1, &p, &n);
	cr_expect_eq(n, 6 + 6 + 2);
	free(p);
	/* a match-all rule ends the program: the rules before it are unreachable */
	rules[0] = rule("c 1:3 rwm", true);
	rules[1] = rule("a *:* rwm", true);
	devfilter_build(rules, 2, &p, &n);
	cr_expect_eq(n, 6 + 2);
	cr_expect_eq(p[6].imm, 1);
	free(p);
}

/* The v2 hierarchy to test in, or NULL (then the tests skip). */
static const char *
v2_root(void)
{
	struct statfs sfs;

	if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup";
	if (statfs("/sys/fs/cgroup/unified", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup/unified";
	return NULL;
}

struct scratch {
	char cg[256], tmp[64];
	int cgfd;
};

static void
scratch_open(struct scratch *s, const struct devfilter_rule *rules, size_t n)
{
	const char *root = v2_root();
	struct bpf_insn *p = NULL;
	char log[1024];
	size_t n_insns;
	int prog;

	if (geteuid() != 0 || !root)
		cr_skip_test("needs root and a cgroup v2 hierarchy");
	snprintf(s->cg, sizeof(s->cg), "%s/berth-unit-devfilter-%d", root, (int)getpid());
	cr_assert_eq(mkdir(s->cg, 0755), 0, "mkdir %s: %s", s->cg, strerror(errno));
	s->cgfd = open(s->cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(s->cgfd, 0);
	devfilter_build(rules, n, &p, &n_insns);
	prog = devfilter_load(p, n_insns, log, sizeof(log));
	free(p);
	if (prog == -EPERM) {
		rmdir(s->cg);
		cr_skip_test("bpf(BPF_PROG_LOAD) not permitted here");
	}
	cr_assert_geq(prog, 0, "load: %s: %s", strerror(-prog), log);
	cr_assert_eq(devfilter_attach(s->cgfd, prog), 0);
	cr_expect_eq(devfilter_count(s->cgfd), 1);
	/* the attachment holds the program, not our fd */
	close(prog);
	snprintf(s->tmp, sizeof(s->tmp), "/tmp/berth-unit-devfilter-%d", (int)getpid());
	cr_assert_eq(mkdir(s->tmp, 0700), 0);
}

static void
scratch_close(struct scratch *s)
{
	char cmd[128];

	close(s->cgfd);
	/* the child is reaped, but it leaves the cgroup asynchronously */
	int r = -1, i;
	for (i = 0; i < 100 && (r = rmdir(s->cg)) < 0 && errno == EBUSY; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	cr_expect_eq(r, 0, "rmdir %s: %s (%d tries)", s->cg, strerror(errno), i);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->tmp);
	cr_expect_eq(system(cmd), 0);
}

enum op { OP_OPEN_RW, OP_OPEN_RO, OP_OPEN_WO, OP_MKNOD };

struct probe {
	enum op op;
	const char *path; /* relative: below the scratch tmp dir */
	char type;
	unsigned major, minor;
	int expect; /* 0 or an errno */
};

/* Runs each probe in a child moved into the scratch cgroup; returns its errnos. */
static void
run_probes(struct scratch *s, const struct probe *pr, size_t n, int *ret)
{
	char procs[300];
	int pfd[2];
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", s->cg);
	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(2);
		close(fd);
		for (size_t i = 0; i < n; i++) {
			char path[256];
			int res = 0;
			snprintf(path, sizeof(path), "%s/%s", s->tmp, pr[i].path);
			if (pr[i].op == OP_MKNOD) {
				mode_t m = (pr[i].type == 'b' ? S_IFBLK : S_IFCHR) | 0600;
				if (mknod(path, m, makedev(pr[i].major, pr[i].minor)) < 0)
					res = errno;
			} else {
				int fl = pr[i].op == OP_OPEN_RW	  ? O_RDWR
					 : pr[i].op == OP_OPEN_RO ? O_RDONLY
								  : O_WRONLY;
				fd = open(pr[i].path[0] == '/' ? pr[i].path : path, fl | O_CLOEXEC);
				if (fd < 0)
					res = errno;
				else
					close(fd);
			}
			if (write(pfd[1], &res, sizeof(res)) != sizeof(res))
				_exit(3);
		}
		_exit(0);
	}
	close(pfd[1]);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(read(pfd[0], &ret[i], sizeof(int)), sizeof(int));
	close(pfd[0]);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
}

/* Device nodes made outside the cgroup, for the child to open. */
static void
make_node(struct scratch *s, const char *name, char type, unsigned major, unsigned minor)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", s->tmp, name);
	cr_assert_eq(mknod(path, (type == 'b' ? S_IFBLK : S_IFCHR) | 0600, makedev(major, minor)),
		     0, "mknod %s: %s", path, strerror(errno));
}

static void
expect_probes(const struct probe *pr, size_t n, const int *got)
{
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(got[i], pr[i].expect, "probe %zu (%s): got %s, want %s", i, pr[i].path,
			     strerror(got[i]), strerror(pr[i].expect));
}

Test(devfilter, allows_listed_devices_and_refuses_the_rest)
{
	struct devfilter_rule rules[] = {rule("c 1:3 rwm", true), rule("c 1:5 r", true)};
	const struct probe pr[] = {
		{OP_OPEN_RW, "/dev/null", 0, 0, 0, 0}, {OP_MKNOD, "null", 'c', 1, 3, 0},
		{OP_OPEN_RW, "null", 0, 0, 0, 0},      {OP_MKNOD, "mem", 'c', 1, 1, EPERM},
		{OP_MKNOD, "loop", 'b', 7, 0, EPERM},  {OP_OPEN_RO, "mem0", 0, 0, 0, EPERM},
		{OP_OPEN_RO, "loop0", 0, 0, 0, EPERM}, {OP_OPEN_RO, "zero0", 0, 0, 0, 0},
		{OP_OPEN_WO, "zero0", 0, 0, 0, EPERM}, {OP_MKNOD, "zero", 'c', 1, 5, EPERM},
	};
	int got[sizeof(pr) / sizeof(pr[0])];
	struct scratch s;

	scratch_open(&s, rules, 2);
	make_node(&s, "mem0", 'c', 1, 1);
	make_node(&s, "loop0", 'b', 7, 0);
	make_node(&s, "zero0", 'c', 1, 5);
	run_probes(&s, pr, sizeof(pr) / sizeof(pr[0]), got);
	scratch_close(&s);
	expect_probes(pr, sizeof(pr) / sizeof(pr[0]), got);
}

Test(devfilter, last_matching_rule_wins)
{
	/* allow all char devices, then take /dev/null's write away, and
	 * refuse block devices explicitly */
	struct devfilter_rule rules[] = {rule("c *:* rwm", true), rule("c 1:3 w", false),
					 rule("b *:* rwm", false)};
	const struct probe pr[] = {
		{OP_OPEN_RO, "/dev/null", 0, 0, 0, 0},
		{OP_OPEN_WO, "/dev/null", 0, 0, 0, EPERM},
		{OP_MKNOD, "mem", 'c', 1, 1, 0},
		{OP_MKNOD, "loop", 'b', 7, 0, EPERM},
	};
	int got[sizeof(pr) / sizeof(pr[0])];
	struct scratch s;

	scratch_open(&s, rules, 3);
	run_probes(&s, pr, sizeof(pr) / sizeof(pr[0]), got);
	scratch_close(&s);
	expect_probes(pr, sizeof(pr) / sizeof(pr[0]), got);
}

Test(devfilter, apply_replaces_the_previous_filter)
{
	const char *const strict[] = {"c 1:3 rwm", NULL};
	const char *const wide[] = {"c 1:3 rwm", "b 7:* rwm", NULL};
	const struct probe pr[] = {{OP_MKNOD, "loop", 'b', 7, 0, 0}};
	struct devfilter_rule none[] = {rule("c 1:3 rwm", true)};
	struct err e = ERR_INIT;
	struct scratch s;
	int got[1], fd;

	scratch_open(&s, none, 1);
	fd = devfilter_apply(s.cgfd, strict, &e);
	cr_assert_geq(fd, 0, "%s", e.msg);
	close(fd);
	fd = devfilter_apply(s.cgfd, wide, &e);
	cr_assert_geq(fd, 0, "%s", e.msg);
	cr_expect_eq(devfilter_count(s.cgfd), 1, "exclusive attach: one program");
	close(fd);
	run_probes(&s, pr, 1, got);
	scratch_close(&s);
	expect_probes(pr, 1, got);
}
