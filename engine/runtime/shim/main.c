/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-shim: one per running container (or exec session). Started by
 * berthd as `berth-shim <bundle>` with a report pipe on fd 3 (proto.h). It
 * detaches from berthd (fork + setsid, so berthd's death never reaches it
 * and berthd only reaps the short-lived first process), becomes a child
 * subreaper, creates the cgroup, clones the container child (container.c,
 * process.c) and reports "ok <pid>" only after the exec succeeded, else the
 * child's error text. It then stays as the process's parent (monitor.c)
 * until the process exited, and removes the cgroup. The container's process
 * carries PDEATHSIG=SIGKILL towards the shim: if the shim dies, the
 * container dies with it; berthd's restarts never touch either.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <linux/sched.h> /* after sched.h: struct clone_args, CLONE_INTO_CGROUP */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/runtime/cgroup.h"
#include "engine/runtime/proto.h"
#include "engine/runtime/shim/shim.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

struct shim {
	const char *bundle;
	struct runtime_spec spec;
	int report_fd;
	int sig_fd;
	int listen_fd;
	pid_t pid;
	int out_fd, err_fd, in_fd;
	int go_fd;		/* held start: write end of the go pipe */
	bool held;
	bool cgroup_made;
	int devfilter_fd; /* the cgroup v2 device filter, held for the cgroup's life */
	/* a disposable root's overlay, held until the exit is reported (root_held) */
	int root_fd;
	const struct shim_exec_from *from; /* exec forked by the container's shim, or NULL */
};

static void
report(struct shim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
report(struct shim *s, const char *fmt, ...)
{
	char b[1200];
	va_list ap;
	int n;

	if (s->report_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(b) - 2)
		n = (int)sizeof(b) - 2;
	/* the message must stay one line */
	for (int i = 0; i < n; i++)
		if (b[i] == '\n')
			b[i] = ' ';
	b[n++] = '\n';
	(void)fs_write_all(s->report_fd, b, (size_t)n);
	s->report_fd = safe_close(s->report_fd);
}

/* Binds the control socket through /proc/self/fd so that long bundle paths still fit sun_path. */
static int
listen_socket(const char *bundle)
{
	_cleanup_close_ int dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (dfd < 0)
		return -errno;
	(void)unlinkat(dfd, RUNTIME_SOCK_NAME, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" RUNTIME_SOCK_NAME, dfd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
		return -errno;
	if (fchmodat(dfd, RUNTIME_SOCK_NAME, 0600, 0) < 0)
		return -errno;
	return TAKE_FD(fd);
}

static int
setup_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static void
write_state(struct shim *s, int64_t started)
{
	_cleanup_free_ char *path = xasprintf("%s/" RUNTIME_SHIM_FILE, s->bundle);
	_cleanup_free_ char *text = xasprintf("{\"shim_pid\":%d,\"pid\":%d,\"started_at\":%lld}",
					      (int)getpid(), (int)s->pid, (long long)started);

	/* exec root: per-boot state, atomic by rename, no fsync (see runtime_spec_save) */
	if (fs_write_replace(path, text, strlen(text), 0644) < 0)
		log_warn("write '%s': %s, ignoring", path, strerror(errno));
}

/* Reads the child's error text; empty means the exec went through. */
static void
read_child_error(int fd, char *msg, size_t size)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, msg + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == size - 1 || (len >= 7 && strncmp(msg, "0 ready", 7) == 0))
			break;
	}
	msg[len] = '\0';
}

/* Pipes (or the PTY socket) for the child's stdio; parent ends go to @s. */
static int
make_stdio(struct shim *s, struct shim_child *c, int tty_pair[2])
{
	int p[2];

	if (s->spec.terminal)
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tty_pair) < 0 ? -errno : 0;
	if (s->spec.open_stdin) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		c->stdio[0] = p[0];
		s->in_fd = p[1];
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	s->out_fd = p[0];
	c->stdio[1] = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	s->err_fd = p[0];
	c->stdio[2] = p[1];
	return 0;
}

/* Joins the target's PID namespace (affects our children only) for an exec session. */
static int
join_pidns(struct shim *s, int *ret_pidfd)
{
	_cleanup_free_ char *p = xasprintf("/proc/%d/ns/pid", s->spec.join_pid);
	_cleanup_close_ int nsfd = open(p, O_RDONLY | O_CLOEXEC);
	int pidfd;

	if (nsfd < 0 || setns(nsfd, CLONE_NEWPID) < 0)
		return -errno;
	pidfd = (int)syscall(SYS_pidfd_open, s->spec.join_pid, 0);
	if (pidfd < 0)
		return -errno;
	*ret_pidfd = pidfd;
	return 0;
}

static unsigned long
clone_flags(const struct runtime_spec *spec)
{
	unsigned long f = CLONE_NEWNS;

	if (spec->join_pid)
		return 0; /* exec: plain fork, namespaces are joined */
	/* host and joined namespaces are not cloned (--pid/--uts/--ipc host|container:) */
	if (spec->pidns.mode == RUNTIME_NS_NEW)
		f |= CLONE_NEWPID;
	if (spec->utsns.mode == RUNTIME_NS_NEW)
		f |= CLONE_NEWUTS;
	if (spec->ipcns.mode == RUNTIME_NS_NEW)
		f |= CLONE_NEWIPC;
	if (spec->netns == RUNTIME_NETNS_NONE)
		f |= CLONE_NEWNET;
	return f;
}

/*
 * --pid container:<id>: a PID namespace is entered by the children of the
 * process that called setns, so the shim joins it before cloning the child.
 */
static int
enter_pidns(const struct runtime_spec *spec)
{
	_cleanup_close_ int fd = -1;

	if (spec->join_pid || spec->pidns.mode != RUNTIME_NS_JOIN)
		return 0;
	fd = open(spec->pidns.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWPID) < 0)
		return -errno;
	return 0;
}

/*
 * --ipc shareable: /dev/shm is a tmpfs on the host, in the bundle, so a
 * --ipc container:<this> can bind the same one (dockerd's ShmPath).
 */
static int
mount_shm(const struct runtime_spec *spec)
{
	_cleanup_free_ char *opts = NULL;

	if (!spec->shm_path)
		return 0;
	opts = xasprintf("mode=1777,size=%lld", (long long)spec->shm_size);
	if (mkdir(spec->shm_path, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mount("shm", spec->shm_path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return -errno;
	return 0;
}

static void
umount_shm(const struct runtime_spec *spec)
{
	if (spec->shm_path && umount2(spec->shm_path, MNT_DETACH) == 0)
		(void)rmdir(spec->shm_path);
}

/* The namespaces a remapped child must start in, entered by the shim around the clone. */
struct ns_saved {
	int net, ipc, uts, cgroup;
};

static int
enter_for_userns(const struct runtime_spec *spec, struct ns_saved *sv, char *msg, size_t size)
{
	const struct {
		bool join;
		const char *path;
		int type;
		int *saved;
	} v[] = {
		{spec->netns == RUNTIME_NETNS_PATH, spec->netns_path, CLONE_NEWNET, &sv->net},
		{spec->ipcns.mode == RUNTIME_NS_JOIN, spec->ipcns.path, CLONE_NEWIPC, &sv->ipc},
		{spec->utsns.mode == RUNTIME_NS_JOIN, spec->utsns.path, CLONE_NEWUTS, &sv->uts},
		{spec->cgroupns.mode == RUNTIME_NS_JOIN, spec->cgroupns.path, CLONE_NEWCGROUP,
		 &sv->cgroup},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int r;
		if (!v[i].join)
			continue;
		if ((r = shim_ns_enter(v[i].path, v[i].type, v[i].saved)) < 0)
			return snprintf(msg, size, "join namespace '%s': %s", v[i].path,
					strerror(-r)),
			       r;
	}
	if (sv->net >= 0)
		return shim_userns_net_sysctls(spec, msg, size);
	return 0;
}

static void
leave_for_userns(struct ns_saved *sv)
{
	shim_ns_leave(&sv->net, CLONE_NEWNET);
	shim_ns_leave(&sv->ipc, CLONE_NEWIPC);
	shim_ns_leave(&sv->uts, CLONE_NEWUTS);
	shim_ns_leave(&sv->cgroup, CLONE_NEWCGROUP);
}

/*
 * --userns-remap: the root file system and bind sources are opened here,
 * the child starts in the namespaces it joins and with <bundle>/rootfs as
 * its working directory (the remapped root cannot walk the 0700 exec root).
 */
static int
prepare_userns(struct shim *s, struct shim_child *c, struct ns_saved *sv, char *msg, size_t size)
{
	_cleanup_free_ char *root = xasprintf("%s/" RUNTIME_ROOTFS_DIR, s->bundle);

	c->root_mfd = shim_userns_mount_root(&s->spec, msg, size);
	if (c->root_mfd < 0)
		return c->root_mfd;
	c->bind_fds = shim_userns_open_binds(&s->spec, msg, size);
	if (!c->bind_fds)
		return -errno;
	if (chdir(root) < 0)
		return snprintf(msg, size, "chdir '%s': %s", root, strerror(errno)), -errno;
	return enter_for_userns(&s->spec, sv, msg, size);
}

/*
 * A remapped child made its network namespace inside its user namespace
 * (RUNTIME_NETNS_NONE); it waits, held, before exec. Its net.* sysctls are
 * written from here, in the host's user namespace (the remapped root cannot
 * give every gid to ping_group_range), after checking that the child's
 * namespace is not ours: a host sysctl must never be touched.
 */
static int
child_net_sysctls(struct shim *s, char *msg, size_t size)
{
	_cleanup_free_ char *p = xasprintf("/proc/%d/ns/net", (int)s->pid);
	struct stat self, child;
	int saved = -1, r;

	if (stat("/proc/self/ns/net", &self) < 0 || stat(p, &child) < 0)
		return snprintf(msg, size, "network namespace of %d: %s", (int)s->pid,
				strerror(errno)),
		       -errno;
	if (self.st_ino == child.st_ino && self.st_dev == child.st_dev)
		return snprintf(msg, size, "the container has no network namespace of its own"),
		       -EINVAL;
	if ((r = shim_ns_enter(p, CLONE_NEWNET, &saved)) < 0)
		return snprintf(msg, size, "join namespace '%s': %s", p, strerror(-r)), r;
	r = shim_userns_net_sysctls(&s->spec, msg, size);
	shim_ns_leave(&saved, CLONE_NEWNET);
	return r;
}

/*
 * The user namespace that owns the namespace file at @path (NS_GET_USERNS),
 * open; -ENOENT when it is ours (a donor that is not remapped).
 */
static int
owner_userns(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC), uns = -1;
	struct stat self, owner;

	if (fd < 0 || (uns = ioctl(fd, NS_GET_USERNS)) < 0)
		return -errno;
	if (stat("/proc/self/ns/user", &self) < 0 || fstat(uns, &owner) < 0)
		return -errno;
	if (self.st_ino == owner.st_ino && self.st_dev == owner.st_dev)
		return -ENOENT;
	return TAKE_FD(uns);
}

/*
 * The child forked the container's pid 1 into a PID namespace of the joined
 * user namespace (fork_into_pidns): reap the child, make pid 1 ours (we are
 * the subreaper it was reparented to) and let it go on. A child that failed
 * before the fork sent no pid: its message follows on the error pipe.
 */
static int
adopt_pid1(struct shim *s, int pid_fd, int sync_fd, char *msg, size_t size)
{
	pid_t pid1 = 0;
	ssize_t n;

	while ((n = read(pid_fd, &pid1, sizeof(pid1))) < 0 && errno == EINTR)
		;
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(pid1) || pid1 <= 0) {
		s->pid = 0;
		return 0; /* read_child_error reports why */
	}
	s->pid = pid1;
	if (write(sync_fd, "G", 1) != 1)
		return snprintf(msg, size, "sync: %s", strerror(errno)), -errno;
	return 0;
}

/*
 * Clones the child, into the v2 cgroup @cgroup_fd (CLONE_INTO_CGROUP) unless
 * it is -1. -1 with errno as clone's; ENOSYS or EINVAL from a kernel without
 * clone3 or that flag (5.7).
 */
static pid_t
clone_child(unsigned long flags, int cgroup_fd)
{
	struct clone_args a = {.flags = flags | CLONE_INTO_CGROUP,
			       .exit_signal = SIGCHLD,
			       .cgroup = (uint64_t)cgroup_fd};

	if (cgroup_fd < 0)
		return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

/* Clones the child and waits until it exec'd or failed. 0, or the child's errno with @msg. */
static int
spawn(struct shim *s, char *msg, size_t msg_size)
{
	struct shim_child c = {.spec = &s->spec,
			       .bundle = s->bundle,
			       .stdio = {-1, -1, -1},
			       .tty_sock = -1,
			       .join_pidfd = -1,
			       .root_mfd = -1,
			       .join_userns_fd = -1,
			       .fork_pid_fd = -1};
	int sync[2] = {-1, -1}, errp[2] = {-1, -1}, tty[2] = {-1, -1}, go[2] = {-1, -1};
	_cleanup_close_ int fork_pid_rd = -1, cgroup_fd = -1;
	struct ns_saved sv = {-1, -1, -1, -1};
	bool remap = idmap_is_set(&s->spec.userns) && !s->spec.join_pid;
	/* dockerd: sharing a PID, IPC or network namespace shares its user namespace */
	const char *donor = s->spec.pidns.mode == RUNTIME_NS_JOIN   ? s->spec.pidns.path
			    : s->spec.ipcns.mode == RUNTIME_NS_JOIN ? s->spec.ipcns.path
			    : s->spec.netns == RUNTIME_NETNS_PATH   ? s->spec.netns_path
								    : NULL;
	bool join_user = false, died = false;
	unsigned long flags = clone_flags(&s->spec) | (remap ? CLONE_NEWUSER : 0);
	/* its own network namespace, in its user namespace: berthd plumbs it, then lets it go */
	bool own_net = remap && s->spec.netns == RUNTIME_NETNS_NONE;
	int r, code = 0;

	if (own_net)
		s->held = true;
	if (s->from && s->from->bpf && shim_seccomp_same(&s->spec, s->from->container)) {
		c.bpf = s->from->bpf;
		c.bpf_len = s->from->bpf_len;
	}

	if (remap && donor) {
		c.join_userns_fd = owner_userns(donor);
		if (c.join_userns_fd < 0 && c.join_userns_fd != -ENOENT)
			return snprintf(msg, msg_size, "join user namespace of '%s': %s", donor,
					strerror(-c.join_userns_fd)),
			       c.join_userns_fd;
		join_user = c.join_userns_fd >= 0;
	}
	if (join_user) {
		int fp[2];
		c.unshare_flags = clone_flags(&s->spec);
		flags = 0;
		if (c.unshare_flags & CLONE_NEWPID) {
			if (pipe2(fp, O_CLOEXEC) < 0)
				return snprintf(msg, msg_size, "pipe: %s", strerror(errno)), -EIO;
			fork_pid_rd = fp[0];
			c.fork_pid_fd = fp[1];
		}
	}

	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		return snprintf(msg, msg_size, "pipe: %s", strerror(errno)), -EIO;
	if (s->held && pipe2(go, O_CLOEXEC) < 0)
		return snprintf(msg, msg_size, "pipe: %s", strerror(errno)), -EIO;
	if ((r = make_stdio(s, &c, tty)) < 0)
		return snprintf(msg, msg_size, "stdio: %s", strerror(-r)), r;
	/* no migration of a thread group, which waits for RCU (cgroup.h): the child
	 * is cloned into the v2 cgroup and joins the v1 ones itself; a remapped
	 * child, root of its own user namespace, cannot write them: we do */
	c.self_cgroup = s->spec.cgroup_path && *s->spec.cgroup_path && !remap && !join_user;
	if (c.self_cgroup && (cgroup_fd = cgroup_open_v2(s->spec.cgroup_path)) < 0 &&
	    cgroup_fd != -ENOENT)
		return snprintf(msg, msg_size, "open cgroup '%s': %s", s->spec.cgroup_path,
				strerror(-cgroup_fd)),
		       cgroup_fd;
	if (s->spec.join_pid && (r = join_pidns(s, &c.join_pidfd)) < 0)
		return snprintf(msg, msg_size, "join container %d: %s", s->spec.join_pid,
				strerror(-r)), r;
	if ((r = enter_pidns(&s->spec)) < 0)
		return snprintf(msg, msg_size, "join PID namespace '%s': %s", s->spec.pidns.path,
				strerror(-r)),
		       r;
	c.sync_fd = sync[0];
	c.err_fd = errp[1];
	c.tty_sock = tty[1];
	c.go_fd = go[0];
	if (remap && (r = prepare_userns(s, &c, &sv, msg, msg_size)) < 0) {
		leave_for_userns(&sv);
		return r;
	}
	/* A container removed at its exit (AutoRemove) gains nothing from the
	 * sync of the upper file system that the overlay's unmount does: build
	 * the overlay here and keep it, so the container's exit does not unmount
	 * it (and sync) before we can report the exit; we close it after. */
	if (!remap && !s->spec.join_pid && s->spec.disposable_root && s->spec.lowerdirs &&
	    s->spec.lowerdirs[0]) {
		c.root_mfd = shim_overlay_mount(&s->spec, msg, msg_size);
		if (c.root_mfd < 0)
			return c.root_mfd;
		c.root_held = true;
		s->root_fd = c.root_mfd;
	}
	s->pid = clone_child(flags, cgroup_fd);
	if (s->pid < 0 && cgroup_fd >= 0 && (errno == ENOSYS || errno == EINVAL)) {
		c.self_cgroup = false; /* placed below, by cgroup.procs */
		s->pid = clone_child(flags, -1);
	}
	if (remap && s->pid != 0) {
		int err = errno;
		leave_for_userns(&sv);
		(void)!chdir("/");
		safe_close(c.root_mfd);
		safe_close(c.join_userns_fd);
		shim_userns_close_binds(c.bind_fds, s->spec.n_mounts);
		errno = err;
	}
	if (s->pid < 0)
		return snprintf(msg, msg_size, "clone: %s", strerror(errno)), -errno;
	if (s->pid > 0)
		trace_point("shim.cloned", strrchr(s->bundle, '/') + 1);
	if (s->pid == 0) {
		close(sync[1]);
		close(errp[0]);
		safe_close(tty[0]);
		safe_close(go[1]);
		shim_child_main(&c);
	}
	safe_close(go[0]);
	safe_close(c.fork_pid_fd);
	s->go_fd = go[1];
	close(sync[0]);
	close(errp[1]);
	safe_close(tty[1]);
	safe_close(c.join_pidfd);
	for (int i = 0; i < 3; i++)
		safe_close(c.stdio[i]);
	if (remap && !join_user && (r = shim_userns_write_maps(s->pid, &s->spec.userns)) < 0) {
		snprintf(msg, msg_size, "write uid_map/gid_map: %s", strerror(-r));
		code = r;
	}
	if (code == 0 && !c.self_cgroup && s->spec.cgroup_path && *s->spec.cgroup_path) {
		struct err e = ERR_INIT;
		if (cgroup_attach(s->spec.cgroup_path, s->pid, &e) < 0) {
			snprintf(msg, msg_size, "%s", e.msg);
			code = e.code;
		}
	}
	if (code == 0 && write(sync[1], "G", 1) != 1)
		code = -errno;
	/* an exec's child sets up while we place it: one that failed meanwhile has said why */
	if (s->spec.join_pid && (code == -ESRCH || code == -EPIPE)) {
		code = 0;
		died = true;
	}
	if (code == 0 && fork_pid_rd >= 0)
		code = adopt_pid1(s, fork_pid_rd, sync[1], msg, msg_size);
	close(sync[1]);
	if (code == 0) {
		read_child_error(errp[0], msg, msg_size);
		if (strcmp(msg, "0 ready") == 0)
			msg[0] = '\0';
		if (msg[0]) {
			char *sp = strchr(msg, ' ');
			int64_t v = EIO;
			code = -EIO;
			if (sp) {
				*sp = '\0';
				if (parse_int64(msg, 1, 4095, &v) == 0)
					code = (int)-v;
				memmove(msg, sp + 1, strlen(sp + 1) + 1);
			}
		}
		if (code == 0 && s->pid <= 0)
			code = -EIO,
			snprintf(msg, msg_size, "the container's pid 1 was not forked");
		if (code == 0 && died)
			code = -EIO,
			snprintf(msg, msg_size, "the exec's process ended in its set-up");
	}
	close(errp[0]);
	if (code == 0 && own_net)
		code = child_net_sysctls(s, msg, msg_size);
	trace_point("shim.child_ready", strrchr(s->bundle, '/') + 1);
	if (code == 0 && s->spec.terminal) {
		s->out_fd = shim_recv_fd(tty[0]);
		if (s->out_fd < 0)
			code = s->out_fd, snprintf(msg, msg_size, "receive pty: %s", strerror(-code));
		else
			s->in_fd = s->out_fd;
	}
	safe_close(tty[0]);
	if (code < 0 && s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	return code;
}

/*
 * Sanitizer builds: LeakSanitizer's exit-time scan stops the world with a
 * ptrace helper that never finishes in a process that joined another PID
 * namespace (an exec shim), which would leave its child unreaped and the
 * container's PID 1 stuck in zap_pid_ns_processes. The shim's allocations
 * die with it; leak checking stays on everywhere else.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* Detach from berthd: the first process exits at once (berthd reaps it), the second leads a new session. */
static int
detach(void)
{
	pid_t pid = fork();
	_cleanup_close_ int null = -1;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	for (int i = 0; i < 3; i++)
		if (dup2(null, i) < 0)
			return -errno;
	return 0;
}

static void
open_own_log(const char *bundle)
{
	_cleanup_free_ char *p = xasprintf("%s/" RUNTIME_SHIM_LOG, bundle);
	int fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0)
		log_set_fd(fd); /* kept for the shim's lifetime */
}

static void
remove_stale(const char *bundle)
{
	static const char *const names[] = {RUNTIME_EXIT_FILE, RUNTIME_SHIM_FILE, NULL};

	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", bundle, names[i]);
		(void)unlink(p);
	}
}

static int
start(struct shim *s)
{
	struct err e = ERR_INIT;
	char msg[1024] = "";
	int r;

	if ((r = runtime_spec_load(s->bundle, &s->spec, &e)) < 0)
		return report(s, "error %d %s", -r, e.msg), r;
	if (s->from) {
		/* the container's shim knows its process and cgroup: berthd asked neither */
		s->spec.join_pid = s->from->join_pid;
		free(s->spec.cgroup_path);
		s->spec.cgroup_path = s->from->cgroup_path ? xstrdup(s->from->cgroup_path) : NULL;
	}
	remove_stale(s->bundle);
	if (!s->spec.join_pid) {
		_cleanup_free_ char *root = xasprintf("%s/" RUNTIME_ROOTFS_DIR, s->bundle);
		if (mkdir(root, 0700) < 0 && errno != EEXIST)
			return report(s, "error %d create '%s': %s", errno, root, strerror(errno)), -errno;
		if (s->spec.cgroup_path && *s->spec.cgroup_path) {
			if ((r = cgroup_create(s->spec.cgroup_path, &s->spec.res,
					       s->spec.privileged, &s->devfilter_fd, &e)) < 0)
				return report(s, "error %d %s", -r, e.msg), r;
			s->cgroup_made = true;
		}
	}
	if (!s->spec.join_pid && (r = mount_shm(&s->spec)) < 0)
		return report(s, "error %d mount shm on '%s': %s", -r, s->spec.shm_path,
			      strerror(-r)),
		       r;
	if ((s->listen_fd = listen_socket(s->bundle)) < 0)
		return report(s, "error %d control socket: %s", -s->listen_fd,
			      strerror(-s->listen_fd)), s->listen_fd;
	r = spawn(s, msg, sizeof(msg));
	if (r < 0) {
		_cleanup_free_ char *sock = xasprintf("%s/" RUNTIME_SOCK_NAME, s->bundle);
		(void)unlink(sock);
		return report(s, "error %d %s", -r, msg), r;
	}
	return 0;
}

int
shim_run(const char *bundle, bool held, int report_fd, const struct shim_exec_from *from)
{
	struct shim s = {.bundle = bundle,
			 .held = held,
			 .report_fd = report_fd,
			 .listen_fd = -1,
			 .out_fd = -1,
			 .err_fd = -1,
			 .in_fd = -1,
			 .go_fd = -1,
			 .devfilter_fd = -1,
			 .root_fd = -1,
			 .from = from};
	struct shim_monitor_args m;
	int64_t started;
	int attach_fd = -1;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 || (s.sig_fd = setup_signals()) < 0) {
		report(&s, "error %d shim: %s", errno, strerror(errno));
		return 1;
	}
	trace_point("shim.detached", strrchr(s.bundle, '/') + 1);
	open_own_log(s.bundle);
	if (start(&s) < 0) {
		safe_close(s.root_fd);
		if (!s.spec.join_pid)
			umount_shm(&s.spec);
		if (s.cgroup_made)
			(void)cgroup_remove(s.spec.cgroup_path);
		runtime_spec_release(&s.spec);
		return 1;
	}
	started = time_now_ns();
	write_state(&s, started);
	/* the report's connection stays, as the attach stream the exec request asked for */
	if (s.from && s.from->attach &&
	    (attach_fd = fcntl(s.report_fd, F_DUPFD_CLOEXEC, RUNTIME_REPORT_FD + 1)) < 0) {
		_cleanup_free_ char *sock = xasprintf("%s/" RUNTIME_SOCK_NAME, s.bundle);
		report(&s, "error %d attach: %s", errno, strerror(errno));
		(void)unlink(sock);
		kill(s.pid, SIGKILL);
		waitpid(s.pid, NULL, 0);
		runtime_spec_release(&s.spec);
		return 1;
	}
	report(&s, "ok %d", (int)s.pid);
	trace_point("shim.reported", strrchr(s.bundle, '/') + 1);
	m = (struct shim_monitor_args){.spec = &s.spec,
				       .bundle = s.bundle,
				       .pid = s.pid,
				       .out_fd = s.out_fd,
				       .err_fd = s.err_fd,
				       .in_fd = s.in_fd,
				       .listen_fd = s.listen_fd,
				       .sig_fd = s.sig_fd,
				       .go_fd = s.go_fd,
				       .started_ns = started,
				       .attach_fd = attach_fd,
				       .attach_flags = s.from ? s.from->attach : NULL};
	(void)shim_monitor_run(&m);
	/* the exit is reported: now the overlay's unmount and its sync */
	s.root_fd = safe_close(s.root_fd);
	if (!s.spec.join_pid)
		umount_shm(&s.spec);
	trace_point("shim.finished", strrchr(s.bundle, '/') + 1);
	if (s.cgroup_made && cgroup_remove(s.spec.cgroup_path) < 0)
		log_warn("remove cgroup '%s': still busy, leaving it to berthd", s.spec.cgroup_path);
	safe_close(s.devfilter_fd);
	trace_point("shim.cgroup_removed", strrchr(s.bundle, '/') + 1);
	runtime_spec_release(&s.spec);
	return 0;
}

int
main(int argc, char **argv)
{
	struct shim s = {.report_fd = RUNTIME_REPORT_FD};
	int r;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--held") != 0) ||
	    fcntl(RUNTIME_REPORT_FD, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "usage: berth-shim BUNDLE [--held] (started by berthd with a "
				"report "
				"pipe on fd 3)\n");
		return 2;
	}
	(void)syscall(SYS_close_range, RUNTIME_REPORT_FD + 1, ~0U, 0);
	if ((r = detach()) < 0) {
		report(&s, "error %d shim: %s", -r, strerror(-r));
		return 1;
	}
	return shim_run(argv[1], argc == 3, RUNTIME_REPORT_FD, NULL);
}
