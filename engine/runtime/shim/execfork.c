/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exec sessions started by the container's running shim (proto.h, "exec"):
 * instead of berthd spawning a new berth-shim per exec (exec of the binary,
 * dynamic loading, detach), the container's shim forks one. The child is an
 * exec shim like any other from then on (main.c's shim_run: its own bundle
 * <bundle>/exec/<id>, control socket, exit.json), with the container's pid
 * and cgroup taken from this shim's memory rather than from berthd; it
 * reports "ok <pid>" or "error ..." on the requesting connection, as a
 * spawned shim does on its report pipe. It keeps nothing of this shim's
 * state: every fd but that connection (and the trace file) is closed, so
 * the container's stdin, output pipes, log and control socket stay here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/runtime/proto.h"
#include "engine/runtime/shim/shim.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/trace.h"
#include "engine/util/xalloc.h"

/*
 * The container's seccomp filter as a BPF program, compiled with libseccomp
 * at the first exec and kept (327 instructions, 2.6 KiB, for Docker's
 * default profile): an exec asking for the same filter loads it as it is
 * instead of compiling it again in its child (≈ 5 M instructions).
 */
static struct {
	bool tried;
	struct sock_filter *prog;
	size_t len;
} bpf;

static void
compile_filter(const struct runtime_spec *s)
{
	scmp_filter_ctx ctx = NULL;
	struct err e = ERR_INIT;
	_cleanup_close_ int fd = -1;
	off_t size;

	bpf.tried = true;
	if (shim_seccomp_build(s, &ctx, &e) < 0) {
		log_warn("seccomp filter for execs: %s", e.msg);
		return;
	}
	if (!ctx)
		return; /* unconfined */
	fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd >= 0 && seccomp_export_bpf(ctx, fd) == 0 && (size = lseek(fd, 0, SEEK_END)) > 0 &&
	    size % (off_t)sizeof(struct sock_filter) == 0 &&
	    size / (off_t)sizeof(struct sock_filter) <= BPF_MAXINSNS) {
		struct sock_filter *p = xmalloc((size_t)size);
		if (pread(fd, p, (size_t)size, 0) == size) {
			bpf.prog = p;
			bpf.len = (size_t)size / sizeof(struct sock_filter);
		} else {
			free(p);
		}
	}
	seccomp_release(ctx);
	malloc_trim(0); /* libseccomp's working memory goes back: the shim stays small */
}

static bool
strv_same(char *const *a, char *const *b)
{
	size_t i = 0;

	for (; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return (!a || !a[i]) && (!b || !b[i]);
}

bool
shim_seccomp_same(const struct runtime_spec *exec, const struct runtime_spec *container)
{
	if (exec->seccomp != container->seccomp || !strv_same(exec->caps, container->caps))
		return false;
	return exec->seccomp != RUNTIME_SECCOMP_PROFILE ||
	       (exec->seccomp_profile && container->seccomp_profile &&
		strcmp(exec->seccomp_profile, container->seccomp_profile) == 0);
}

static void __attribute__((noreturn)) exec_child(const struct shim_monitor_args *a, int client_fd,
						 char *bundle, bool held, const char *attach)
{
	struct shim_exec_from from = {.join_pid = a->pid,
				      .cgroup_path = a->spec->cgroup_path,
				      .container = a->spec,
				      .bpf = bpf.prog,
				      .bpf_len = bpf.len,
				      .attach = attach};
	int fd = RUNTIME_REPORT_FD, fl;

	if (client_fd != fd && dup3(client_fd, fd, O_CLOEXEC) < 0)
		_exit(1);
	/* the container's stdin, output, log, control socket and clients stay with its shim */
	(void)syscall(SYS_close_range, RUNTIME_REPORT_FD + 1, ~0U, 0);
	log_set_fd(STDERR_FILENO); /* /dev/null until shim_run opens the exec's shim.log */
	trace_reopen();
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || setsid() < 0) {
		char b[128];
		int n = snprintf(b, sizeof(b), "error %d shim: %s\n", errno, strerror(errno));
		(void)!write(fd, b, (size_t)n);
		_exit(1);
	}
	_exit(shim_run(bundle, held || attach, fd, &from));
}

int
shim_exec_fork(const struct shim_monitor_args *a, int client_fd, const char *arg, char *msg,
	       size_t size)
{
	_cleanup_free_ char *bundle = NULL;
	_cleanup_free_ char *id = xstrndup(arg, 64);
	const char *flags = arg + strlen(id);
	const char *attach = strncmp(flags, " attach=", 8) == 0 ? flags + 8 : NULL;
	pid_t pid;

	if (!str_is_hex(id, 64) || (*flags && strcmp(flags, " held") != 0 && !attach) ||
	    (attach && (strlen(attach) > 4 || attach[strspn(attach, "ioec")])))
		return snprintf(msg, size, "invalid exec request '%s'", arg), -EINVAL;
	/* an exec shim serves one process; and a shim that joined another
	 * container's PID namespace (--pid container:) would fork into it */
	if (a->spec->join_pid || a->spec->pidns.mode == RUNTIME_NS_JOIN)
		return snprintf(msg, size, "exec from this shim not supported"), -EOPNOTSUPP;
	bundle = xasprintf("%s/exec/%s", a->bundle, id);
	if (!bpf.tried)
		compile_filter(a->spec);
	pid = fork();
	if (pid < 0)
		return snprintf(msg, size, "fork exec shim: %s", strerror(errno)), -errno;
	if (pid == 0)
		exec_child(a, client_fd, bundle, *flags != '\0', attach);
	trace_point("shim.exec_forked", id);
	return 0;
}
