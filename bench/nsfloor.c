// SPDX-License-Identifier: Apache-2.0
/*
 * nsfloor: the kernel's own cost of what a container start needs, without
 * any daemon: an overlay root, a veth pair with one end moved into a new
 * network namespace, and a process cloned into new mount, PID, network, UTS
 * and IPC namespaces that pivots into the overlay and execs /bin/true; then
 * wait, delete the veth, unmount. This is the floor bench/compare prints
 * beside `docker run --rm busybox true`.
 *
 *   nsfloor LOWERDIR WORKDIR N      prints the N times in milliseconds, sorted
 *
 * LOWERDIR holds /bin/true (a static busybox); WORKDIR is scratch space on
 * a filesystem overlay accepts as upper. Built by bench/compare with cc;
 * not part of berthd. Needs root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char merged[4096];
static int gate[2];

static void
die(const char *what)
{
	fprintf(stderr, "nsfloor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
child(void *arg)
{
	char c;
	(void)arg;
	if (read(gate[0], &c, 1) != 1)
		_exit(120);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(121);
	if (chdir(merged) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		_exit(122);
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		_exit(123);
	char *argv[] = {"true", NULL};
	execv("/bin/true", argv);
	_exit(124);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
one(const char *lower, const char *work, struct nl_sock *nl, int i)
{
	char upper[4096], wk[4096], opts[16384], host[16], peer[16];
	static char stack[256 * 1024];
	double t0 = now_ms();

	snprintf(upper, sizeof(upper), "%s/u%d", work, i);
	snprintf(wk, sizeof(wk), "%s/w%d", work, i);
	snprintf(merged, sizeof(merged), "%s/m%d", work, i);
	if (mkdir(upper, 0755) < 0 || mkdir(wk, 0755) < 0 || mkdir(merged, 0755) < 0)
		die("mkdir");
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, wk);
	if (mount("overlay", merged, "overlay", 0, opts) < 0)
		die("mount overlay");
	if (pipe2(gate, O_CLOEXEC) < 0)
		die("pipe");
	pid_t pid = clone(child, stack + sizeof(stack),
			  CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
				  SIGCHLD,
			  NULL);
	if (pid < 0)
		die("clone");
	snprintf(host, sizeof(host), "nsf%d", getpid() % 100000);
	snprintf(peer, sizeof(peer), "nsp%d", getpid() % 100000);
	struct rtnl_link *veth = rtnl_link_veth_alloc();
	if (!veth)
		die("rtnl_link_veth_alloc");
	rtnl_link_set_name(veth, host);
	struct rtnl_link *p = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(p, peer);
	rtnl_link_set_ns_pid(p, pid);
	rtnl_link_put(p);
	int err = rtnl_link_add(nl, veth, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0) {
		fprintf(stderr, "nsfloor: veth: %s\n", nl_geterror(err));
		exit(1);
	}
	if (write(gate[1], "x", 1) != 1)
		die("write");
	close(gate[0]);
	close(gate[1]);
	int st;
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "nsfloor: child status %d\n", st);
		exit(1);
	}
	rtnl_link_set_ns_pid(veth, 0);
	rtnl_link_delete(nl, veth); /* gone already with the namespace on most kernels */
	rtnl_link_put(veth);
	if (umount2(merged, MNT_DETACH) < 0)
		die("umount");
	double t = now_ms() - t0;
	/* scratch removal is outside the timing: a daemon does it after wait */
	char cmd[16384];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s'", upper, wk, merged);
	if (system(cmd) != 0)
		die("rm");
	return t;
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: nsfloor LOWERDIR WORKDIR N\n");
		return 2;
	}
	int n = atoi(argv[3]);
	if (n < 1)
		n = 1;
	struct nl_sock *nl = nl_socket_alloc();
	if (!nl || nl_connect(nl, NETLINK_ROUTE) < 0)
		die("netlink");
	double *t = calloc((size_t)n + 1, sizeof(*t));
	if (!t)
		die("calloc");
	one(argv[1], argv[2], nl, n); /* warm-up */
	for (int i = 0; i < n; i++)
		t[i] = one(argv[1], argv[2], nl, i);
	qsort(t, (size_t)n, sizeof(*t), cmp);
	for (int i = 0; i < n; i++)
		printf("%.3f\n", t[i]);
	nl_socket_free(nl);
	free(t);
	return 0;
}
