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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/runtime/proto.h"
#include "engine/runtime/shim/shim.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/trace.h"
#include "engine/util/xalloc.h"

static void __attribute__((noreturn))
exec_child(const struct shim_monitor_args *a, int client_fd, char *bundle, bool held)
{
	struct shim_exec_from from = {.join_pid = a->pid, .cgroup_path = a->spec->cgroup_path};
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
	_exit(shim_run(bundle, held, fd, &from));
}

int
shim_exec_fork(const struct shim_monitor_args *a, int client_fd, const char *arg, char *msg,
	       size_t size)
{
	_cleanup_free_ char *bundle = NULL;
	_cleanup_free_ char *id = xstrndup(arg, 64);
	const char *flags = arg + strlen(id);
	pid_t pid;

	if (!str_is_hex(id, 64) || (*flags && strcmp(flags, " held") != 0))
		return snprintf(msg, size, "invalid exec request '%s'", arg), -EINVAL;
	/* an exec shim serves one process; and a shim that joined another
	 * container's PID namespace (--pid container:) would fork into it */
	if (a->spec->join_pid || a->spec->pidns.mode == RUNTIME_NS_JOIN)
		return snprintf(msg, size, "exec from this shim not supported"), -EOPNOTSUPP;
	bundle = xasprintf("%s/exec/%s", a->bundle, id);
	pid = fork();
	if (pid < 0)
		return snprintf(msg, size, "fork exec shim: %s", strerror(errno)), -errno;
	if (pid == 0)
		exec_child(a, client_fd, bundle, *flags != '\0');
	trace_point("shim.exec_forked", id);
	return 0;
}
