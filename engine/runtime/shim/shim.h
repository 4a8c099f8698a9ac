/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-shim internals shared by its source files: the container child
 * (container.c: namespaces, root file system, mounts, devices; process.c:
 * credentials, capabilities, seccomp, exec, --init) and the monitor loop
 * (monitor.c: log, control socket, exit). Not used outside the shim.
 */
#pragma once

#include <stdbool.h>
#include <seccomp.h>
#include <sys/types.h>

struct sock_filter;

#include "engine/runtime/runtime_spec.h"

/* What the shim hands the child it clones. */
struct shim_child {
	const struct runtime_spec *spec;
	const char *bundle;
	int sync_fd;		/* child reads one byte: cgroup placement done */
	/* the child joins spec->cgroup_path's v1 cgroups itself, first thing
	 * (cgroup_enter_v1); it was cloned into the v2 one (CLONE_INTO_CGROUP) */
	bool self_cgroup;
	int err_fd;		/* child writes "<errno> <message>" on failure; CLOEXEC */
	int tty_sock;		/* child sends the PTY master here (terminal only) */
	int stdio[3];		/* non-terminal: dup2'd onto 0, 1, 2 (-1: keep) */
	int join_pidfd;		/* exec: pidfd of the container process to join */
	int go_fd;		/* held start: wait for a byte here before exec; -1 not held */
	/* --userns-remap (userns.c): the overlay built by the shim, detached, to
	 * attach on the cwd (<bundle>/rootfs); -1 otherwise */
	int root_mfd;
	/* root_mfd is the overlay the shim keeps (disposable root, not remapped):
	 * attach it on <bundle>/rootfs */
	bool root_held;
	int *bind_fds; /* per spec mount: its source as a detached tree, or -1; NULL */
	/* remapped and --pid container:<c>: <c>'s user namespace, joined by the child,
	 * which then unshares unshare_flags (dockerd shares the user namespace too) */
	int join_userns_fd;
	unsigned long unshare_flags;
	/* with CLONE_NEWPID in unshare_flags: the child forks the container's
	 * pid 1 into the new PID namespace and writes its pid (a pid_t) here */
	int fork_pid_fd;
	/* exec from the container's shim: its seccomp program, compiled once, when the
	 * exec asks for the same filter; NULL: compile with libseccomp */
	const struct sock_filter *bpf;
	size_t bpf_len; /* instructions */
};

/* Runs in the cloned child: never returns (execs or _exits after reporting). */
void shim_child_main(struct shim_child *c) __attribute__((noreturn));

/*
 * Builds the container's overlay (spec lowerdirs, upperdir, workdir) as a
 * detached mount (fsopen/fsmount) and returns its fd, close-on-exec, or
 * -errno with @msg filled (container.c). Whoever holds the fd keeps the
 * overlay's superblock alive after every mount of it is gone: its last
 * close unmounts it, and that is when the kernel syncs the upper file
 * system.
 */
int shim_overlay_mount(const struct runtime_spec *s, char *msg, size_t size);

/* Sets up the root file system and mounts, then pivots into it (container.c). */
int shim_setup_rootfs(struct shim_child *c);

/*
 * Final process set-up common to containers and exec sessions (process.c):
 * terminal, user, capabilities, no_new_privs, seccomp, cwd, exec.
 * Returns only on failure, with the message already reported on err_fd.
 */
void shim_exec_process(struct shim_child *c) __attribute__((noreturn));

/* Reports a failure on @c->err_fd and _exits (127/126/1 like runc's callers expect). */
void shim_child_fail(struct shim_child *c, int code, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/*
 * --userns-remap, in the shim before the clone (userns.c). All return a
 * negative errno with @msg filled on failure.
 */
/* Writes /proc/@pid/uid_map and gid_map from @m. */
int shim_userns_write_maps(pid_t pid, const struct idmap *m);
/* The overlay (or bound rootfs) over idmapped layers, detached: a mount fd. */
int shim_userns_mount_root(const struct runtime_spec *s, char *msg, size_t size);
/*
 * Where layer @diff cannot be idmapped: its copy with owners shifted by @m
 * (shiftcopy.c), made once per mapping beside it; the path goes to *@ret.
 */
int shim_userns_shifted_layer(const char *diff, const struct idmap *m, char **ret, char *msg,
			      size_t size);
/* Opens each bind mount's source as a detached tree; NULL with errno on failure. */
int *shim_userns_open_binds(const struct runtime_spec *s, char *msg, size_t size);
void shim_userns_close_binds(int *fds, size_t n);
/* Enters the namespace at @path (CLONE_NEW* @type), keeping ours in *@ret_saved. */
int shim_ns_enter(const char *path, int type, int *ret_saved);
/* Back into the namespace shim_ns_enter saved; closes it. */
void shim_ns_leave(int *saved, int type);
/*
 * In the container's network namespace (entered by the shim): the spec's
 * net.* sysctls, which the remapped root could not write, and dockerd's
 * default net.ipv4.ping_group_range "0 2147483647".
 */
int shim_userns_net_sysctls(const struct runtime_spec *s, char *msg, size_t size);
/* In the child, once the maps are written: uid, gid 0 of the namespace, no groups. */
int shim_userns_become_root(void);

/* Sends / receives one fd over a unix socket (SCM_RIGHTS). */
int shim_send_fd(int sock, int fd);
int shim_recv_fd(int sock);

struct shim_monitor_args {
	const struct runtime_spec *spec;
	const char *bundle;
	pid_t pid;		/* the container's (or exec's) process */
	int out_fd, err_fd;	/* output pipes, or the PTY master as out_fd; -1 none */
	int in_fd;		/* stdin pipe write end, or the PTY master; -1 none */
	int listen_fd;		/* control socket */
	int sig_fd;		/* signalfd: SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	int go_fd;		/* held start: write a byte to let the process exec; -1 */
	int64_t started_ns;
	/* an exec whose request asked to attach (proto.h "exec <id> attach="): the
	 * requesting connection, an attach client with these flags from the start,
	 * after which the process is released; -1 / NULL otherwise */
	int attach_fd;
	const char *attach_flags;
};

/* Runs until the process exited and its output drained; returns the shim's exit status. */
int shim_monitor_run(struct shim_monitor_args *a);

/* What a container's shim hands the exec shim it forks (execfork.c). */
struct shim_exec_from {
	pid_t join_pid;		 /* the container's process */
	const char *cgroup_path; /* the container's cgroup, or NULL */
	const struct runtime_spec *container;
	/* the container's seccomp filter as BPF (compiled at its first exec), or NULL */
	const struct sock_filter *bpf;
	size_t bpf_len;
	const char *attach; /* "exec <id> attach=<flags>": the flags; NULL */
};

/* Whether @exec asks for the seccomp filter @container has (mode, profile, capabilities). */
bool shim_seccomp_same(const struct runtime_spec *exec, const struct runtime_spec *container);

/* The filter @s asks for (process.c): *@ret NULL when unconfined. */
int shim_seccomp_build(const struct runtime_spec *s, scmp_filter_ctx *ret, struct err *e);

/*
 * Everything after the detach (main.c): loads <@bundle>/config.json,
 * starts the process, reports "ok <pid>" or "error ..." on @report_fd,
 * monitors it until it exited. @from: an exec forked by the container's
 * shim, whose join_pid and cgroup_path override the spec's; NULL otherwise.
 * Returns the shim's exit status.
 */
int shim_run(const char *bundle, bool held, int report_fd, const struct shim_exec_from *from);

/*
 * The "exec <id> [held]" request (execfork.c): forks an exec shim for
 * <bundle>/exec/<id> from this container's shim, handing it @client_fd to
 * report on. 0 when forked (the child answers the client), else a negative
 * errno with @msg; -EOPNOTSUPP for a container this path cannot serve
 * (berthd then spawns a berth-shim for the exec, as before).
 */
int shim_exec_fork(const struct shim_monitor_args *a, int client_fd, const char *arg, char *msg,
		   size_t size);

/*
 * Gives back the freed heap, the stack below the caller and the mapped pages
 * of the program's read-only segments (trim.c). The monitor loop calls it
 * when idle; nothing below the caller's frame may be in use.
 */
void shim_release_memory(void);
