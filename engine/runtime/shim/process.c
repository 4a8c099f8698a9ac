/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container child, part 2, shared by containers and exec sessions: the
 * terminal (a PTY from the container's own devpts, master sent to the shim),
 * user and groups from the container's /etc/passwd and /etc/group,
 * capability sets, no_new_privs, seccomp, working directory, executable
 * lookup with dockerd/runc's error wording (which `docker run` turns into
 * exit codes 126/127), and the optional minimal init (--init) that stays
 * PID 1, reaps zombies and forwards signals to the real process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/runtime/shim/shim.h"
#include "engine/runtime/seccomp_profile.h"
#include "engine/runtime/syscalls.h"
#include "engine/runtime/user.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

void
shim_child_fail(struct shim_child *c, int code, const char *fmt, ...)
{
	char msg[1024];
	int n;
	va_list ap;

	/* the shim may have stopped listening (late failure of a held start) */
	signal(SIGPIPE, SIG_IGN);
	n = snprintf(msg, sizeof(msg), "%d ", code < 0 && code > -4096 ? -code : EIO);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	(void)fs_write_all(c->err_fd, msg, strlen(msg));
	_exit(code == -ENOENT ? 127 : code == -EACCES ? 126 : 1);
}

int
shim_send_fd(int sock, int fd)
{
	char dummy = 'F';
	struct iovec iov = {&dummy, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int
shim_recv_fd(int sock)
{
	char dummy;
	struct iovec iov = {&dummy, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Opens a PTY in the container's devpts, hands the master to the shim, makes the slave our tty. */
static void
setup_terminal(struct shim_child *c)
{
	const struct runtime_spec *s = c->spec;
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0, slave;
	struct winsize ws = {.ws_row = s->console_height, .ws_col = s->console_width};

	if (master < 0)
		shim_child_fail(c, -errno, "open /dev/ptmx: %m");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		shim_child_fail(c, -errno, "unlock pty: %m");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		shim_child_fail(c, -errno, "open pty slave: %m");
	if (ws.ws_row && ws.ws_col)
		(void)ioctl(master, TIOCSWINSZ, &ws);
	if (shim_send_fd(c->tty_sock, master) < 0)
		shim_child_fail(c, -errno, "send pty master: %m");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		shim_child_fail(c, -errno, "set controlling tty: %m");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			shim_child_fail(c, -errno, "dup pty: %m");
	if (slave > 2)
		close(slave);
}

/* Reads a container file for user lookup: regular files only, bounded, never blocks. */
static char *
read_etc(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	_cleanup_buf_ struct buf b = BUF_INIT;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	if (buf_read_fd(&b, fd, LIMIT_PASSWD_BYTES) < 0)
		return NULL;
	return b.data ? buf_detach(&b, NULL) : xstrdup("");
}

static const char *
env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* strerror spelled as Go prints syscall errors (lower case), which docker run matches on. */
static const char *
go_strerror(int errnum)
{
	static char b[128];

	snprintf(b, sizeof(b), "%s", strerror(errnum));
	if (b[0] >= 'A' && b[0] <= 'Z')
		b[0] = (char)(b[0] + 32);
	return b;
}

/*
 * Finds the executable as Go's exec.LookPath does, with runc's wording:
 * the messages contain what `docker run` maps to 127 / 126.
 */
static char *
find_executable(struct shim_child *c)
{
	const char *name = c->spec->args[0];
	const char *path = env_get(c->spec->env, "PATH");
	_cleanup_free_ char *dirs = NULL;
	char *save = NULL;
	struct stat st;

	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			shim_child_fail(c, -errno, "exec: \"%s\": stat %s: %s", name, name,
					go_strerror(errno));
		if (S_ISDIR(st.st_mode))
			shim_child_fail(c, -EACCES, "exec: \"%s\": is a directory", name);
		if (access(name, X_OK) < 0)
			shim_child_fail(c, -EACCES, "exec: \"%s\": permission denied", name);
		return xstrdup(name);
	}
	dirs = xstrdup(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", *d ? d : ".", name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	shim_child_fail(c, -ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

static bool
spec_has_cap(const struct runtime_spec *s, int cap)
{
	for (size_t j = 0; s->caps && s->caps[j]; j++)
		if (runtime_cap_from_name(s->caps[j]) == cap)
			return true;
	return false;
}

/* Bounding set: needs CAP_SETPCAP, so this runs before the uid change. */
static void
drop_bounding(struct shim_child *c)
{
	int last = (int)cap_max_bits() - 1;

	for (int i = 0; i <= last; i++)
		if (!spec_has_cap(c->spec, i) && prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			shim_child_fail(c, -errno, "drop capability %s: %m", runtime_cap_name(i));
}

/*
 * Effective and permitted sets after the uid change (KEEPCAPS kept them).
 * A capability this host withholds from us (CAP_SYS_RESOURCE here, platform
 * notes §9) cannot be granted: --privileged gets what the bounding set has.
 */
static void
set_caps(struct shim_child *c)
{
	int last = (int)cap_max_bits() - 1;
	cap_t cp = cap_init();

	for (int i = 0; i <= last; i++) {
		cap_value_t v = i;
		if (!spec_has_cap(c->spec, i) || prctl(PR_CAPBSET_READ, i, 0, 0, 0) != 1)
			continue;
		cap_set_flag(cp, CAP_EFFECTIVE, 1, &v, CAP_SET);
		cap_set_flag(cp, CAP_PERMITTED, 1, &v, CAP_SET);
	}
	if (cap_set_proc(cp) < 0)
		shim_child_fail(c, -errno, "set capabilities: %m");
	cap_free(cp);
}

static void
set_user(struct shim_child *c, struct runtime_user *u)
{
	_cleanup_free_ char *passwd = read_etc("/etc/passwd");
	_cleanup_free_ char *group = read_etc("/etc/group");
	struct err e = ERR_INIT;

	if (runtime_user_resolve(c->spec->user, c->spec->additional_groups, passwd, group, u,
				 &e) < 0)
		shim_child_fail(c, e.code, "%s", e.msg);
}

/* The environment with HOME added from passwd when the spec has none (dockerd does this). */
static char **
build_env(char *const *env, const char *home)
{
	size_t n = 0;
	char **out;

	while (env && env[n])
		n++;
	out = xcalloc(n + 2, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out[i] = env[i];
	if (!env_get(env, "HOME"))
		out[n] = xasprintf("HOME=%s", home);
	return out;
}

/* Minimal PID 1 for --init: reap everything, forward signals, exit like the child. */
static void __attribute__((noreturn))
init_loop(pid_t child, const sigset_t *all)
{
	for (;;) {
		siginfo_t si;
		int st;
		pid_t p;

		if (sigwaitinfo(all, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			(void)kill(child, si.si_signo);
			continue;
		}
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p != child)
				continue;
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		}
	}
}

/*
 * --ulimit (and the daemon's default-ulimits), before the user change as
 * runc does. Raising a hard limit needs CAP_SYS_RESOURCE, which this host
 * withholds (platform notes §9): the error says so in runc's words.
 */
static void
set_rlimits(struct shim_child *c)
{
	const struct runtime_spec *s = c->spec;

	for (size_t i = 0; i < s->n_rlimits; i++) {
		const struct runtime_rlimit *l = &s->rlimits[i];
		struct rlimit rl = {
			.rlim_cur = l->soft < 0 ? RLIM_INFINITY : (rlim_t)l->soft,
			.rlim_max = l->hard < 0 ? RLIM_INFINITY : (rlim_t)l->hard,
		};
		if (setrlimit(l->resource, &rl) < 0)
			shim_child_fail(c, -errno, "error setting rlimit type %d: %s", l->resource,
					go_strerror(errno));
	}
}

/* --oom-score-adj; lowering it below the daemon's needs CAP_SYS_RESOURCE. */
static void
set_oom_score_adj(struct shim_child *c)
{
	char b[16];
	int fd;

	if (!c->spec->oom_score_adj_set)
		return;
	snprintf(b, sizeof(b), "%d", c->spec->oom_score_adj);
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, b, strlen(b)) < 0)
		shim_child_fail(c, -errno, "write /proc/self/oom_score_adj: %s",
				go_strerror(errno));
	close(fd);
}

int
shim_seccomp_build(const struct runtime_spec *s, scmp_filter_ctx *ret, struct err *e)
{
	struct seccomp_profile p;
	int r;

	*ret = NULL;
	if (s->seccomp == RUNTIME_SECCOMP_DEFAULT)
		return syscalls_default_filter(s->caps, ret, e);
	if (s->seccomp != RUNTIME_SECCOMP_PROFILE)
		return 0;
	r = seccomp_profile_parse(s->seccomp_profile, strlen(s->seccomp_profile), s->caps, &p, e);
	if (r == 0)
		r = seccomp_profile_filter(&p, ret, e);
	seccomp_profile_release(&p);
	return r;
}

/* The filter asked for: Docker's default, a client's profile, or none. */
static scmp_filter_ctx
build_filter(struct shim_child *c)
{
	scmp_filter_ctx ctx = NULL;
	struct err e = ERR_INIT;

	if (shim_seccomp_build(c->spec, &ctx, &e) < 0)
		shim_child_fail(c, e.code, "%s", e.msg);
	return ctx;
}

/* Capabilities, no_new_privs, seccomp and the uid/gid switch, in the only order that works. */
static void
drop_privileges(struct shim_child *c, const struct runtime_user *u)
{
	const struct runtime_spec *s = c->spec;
	/* an exec forked by the container's shim may bring the program compiled already */
	scmp_filter_ctx ctx = c->bpf ? NULL : build_filter(c);
	int r;

	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		shim_child_fail(c, -errno, "no_new_privs: %m");
	/* Loaded while we still hold CAP_SYS_ADMIN (needed without no_new_privs); every
	 * syscall from here to exec is in the allowlist. */
	if (c->bpf) {
		/* as seccomp_load() does with berth's attributes: no flags */
		struct sock_fprog prog = {.len = (unsigned short)c->bpf_len,
					  .filter = (struct sock_filter *)c->bpf};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			shim_child_fail(c, -errno, "load seccomp profile: %s", strerror(errno));
	} else if (ctx) {
		r = seccomp_load(ctx);
		seccomp_release(ctx);
		if (r < 0)
			shim_child_fail(c, r, "load seccomp profile: %s", strerror(-r));
	}
	drop_bounding(c);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		shim_child_fail(c, -errno, "keepcaps: %m");
	if (setgroups(u->n_groups, u->groups) < 0)
		shim_child_fail(c, -errno, "setgroups: %m");
	if (setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0)
		shim_child_fail(c, -errno, "set user %u:%u: %m", (unsigned)u->uid, (unsigned)u->gid);
	set_caps(c);
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

void
shim_exec_process(struct shim_child *c)
{
	const struct runtime_spec *s = c->spec;
	struct runtime_user u = {0};
	_cleanup_free_ char *exe = NULL;
	sigset_t all, none;
	char **env;
	pid_t child;

	if (setsid() < 0)
		shim_child_fail(c, -errno, "setsid: %m");
	if (s->terminal)
		setup_terminal(c);
	set_user(c, &u);
	if (!s->join_pid && fs_mkdir_p(s->cwd, 0755) < 0)
		shim_child_fail(c, -errno, "create working directory '%s': %m", s->cwd);
	set_rlimits(c);
	set_oom_score_adj(c);
	drop_privileges(c, &u);
	if (chdir(s->cwd) < 0)
		shim_child_fail(c, -errno, "chdir to cwd (\"%s\") set in config.json failed: %m",
				s->cwd);
	exe = find_executable(c);
	env = build_env(s->env, u.home ? u.home : "/");
	/* Cleared by the uid change above, so set last: the process dies with its shim. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sigfillset(&all);
	sigemptyset(&none);
	/*
	 * An exec waits for its cgroup placement only here: the shim's writes to
	 * the container's cgroup.procs files (each a cgroup migration, which waits
	 * for RCU grace periods: 1-20 ms in all) run while we set up. Nothing of
	 * the container's runs before it: the program is exec'd after.
	 */
	if (s->join_pid) {
		char b;
		if (read(c->sync_fd, &b, 1) != 1)
			_exit(1); /* shim gone or start aborted */
	}
	if (c->go_fd >= 0) {
		char b;
		/* "0 ready": everything up to exec succeeded; the shim releases us after attach */
		if (fs_write_all(c->err_fd, "0 ready", 7) < 0 || read(c->go_fd, &b, 1) != 1)
			_exit(1);
		close(c->go_fd);
	}
	if (s->init) {
		sigprocmask(SIG_BLOCK, &all, NULL);
		child = fork();
		if (child < 0)
			shim_child_fail(c, -errno, "fork init child: %m");
		if (child > 0) {
			/* PID 1 never execs: drop every fd the shim gave us (the stdin pipe's
			 * write end among them, or the container would never see stdin EOF) */
			(void)syscall(SYS_close_range, 3, ~0U, 0);
			init_loop(child, &all);
		}
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	trace_point("child.exec", strrchr(c->bundle, '/') + 1);
	execve(exe, s->args, env);
	shim_child_fail(c, -errno, "exec: \"%s\": %s", s->args[0], go_strerror(errno));
}
