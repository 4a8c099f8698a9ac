/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The berthd side of container isolation: start a container or exec
 * session under its own berth-shim, and talk to running shims through
 * their bundle directory (proto.h). No state is kept in berthd's memory:
 * everything is read back from the bundle (config.json, shim.json,
 * exit.json, control.sock), which is how a restarted berthd finds its
 * running containers, and those that exited while it was down.
 *
 * A bundle is a directory the caller chooses, normally
 * runtime_bundle_path(exec_root, id). Every function is thread-safe (no
 * shared state; the shim serialises requests) and blocks at most for the
 * stated time. berthd must never fork-and-continue: the shim is started
 * with posix_spawn.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/runtime/cgroup.h"
#include "engine/runtime/runtime_spec.h"
#include "engine/util/err.h"

/*
 * Uses @path as the shim binary from now on (default: $BERTH_SHIM, else
 * BERTH_LIBEXECDIR/berth-shim). Call at startup, before any thread starts.
 */
void runtime_set_shim_path(const char *path);

/* "<exec_root>/containers/<id>", malloc'ed. */
char *runtime_bundle_path(const char *exec_root, const char *id);

/* How many berth-shim processes serve bundles under @exec_root (a /proc scan). */
int runtime_count_shims(const char *exec_root);

struct runtime_exit {
	int exit_code;		/* 128 + signal when killed by a signal */
	bool oom_killed;
	int64_t started_at;	/* ns since the epoch */
	int64_t finished_at;
	/* The shim died without recording an exit (it was killed): its
	 * PDEATHSIG killed the container's init, as a lost containerd-shim's
	 * clean-up does for dockerd, so exit_code is 137 (128 + SIGKILL). */
	bool shim_lost;
};

enum runtime_status {
	RUNTIME_CREATED = 0,	/* bundle without a started process */
	RUNTIME_RUNNING,
	RUNTIME_EXITED,
};

struct runtime_state {
	enum runtime_status status;
	pid_t pid;		/* host pid of the process while running */
	bool paused;		/* running with its cgroup frozen */
	struct runtime_exit exit; /* valid when EXITED */
};

/*
 * Writes @spec to <bundle>/config.json (creating @bundle), starts the shim
 * and waits until the process runs or failed to start. On success
 * *@ret_pid is its host pid. A start failure is returned with the shim's
 * message, worded like runc's (`exec: "x": executable file not found in
 * $PATH`, `stat /x: no such file or directory`, `permission denied`) so
 * the API layer can map docker run's 127/126; the code is the child's
 * negative errno (-ENOENT, -EACCES, ...).
 */
enum runtime_start_flags {
	/* stop just before exec until runtime_release(): attach first, miss no output */
	RUNTIME_START_HELD = 1 << 0,
};
int runtime_start(const char *bundle, const struct runtime_spec *spec,
		  enum runtime_start_flags flags, pid_t *ret_pid, struct err *e);

/* Lets a process started with RUNTIME_START_HELD exec. No-op when not held. */
int runtime_release(const char *bundle, struct err *e);

/*
 * Starts an exec session in the running container of @container_bundle:
 * @spec supplies the process part (args, env, cwd, user, caps, terminal,
 * stdin, no_new_privs, seccomp); namespaces and cgroup are the container's.
 * The session's bundle is <container_bundle>/exec/<exec_id> (64 hex) and
 * speaks the same protocol, so runtime_attach/resize/kill/wait/get_state
 * work on it. -ESRCH when the container is not running.
 * @attach (flags as runtime_attach's, with RUNTIME_START_HELD), or NULL:
 * where the container's shim can, the request that starts the exec also
 * attaches to it and releases it, and *@ret_attach_fd gets the stream;
 * -1 there otherwise, and the caller attaches and releases as usual.
 */
int runtime_exec_start(const char *container_bundle, const char *exec_id, struct runtime_spec *spec,
		       enum runtime_start_flags flags, const char *attach, pid_t *ret_pid,
		       int *ret_attach_fd, struct err *e);

/* Current state, from the shim when it answers, else from exit.json. */
int runtime_get_state(const char *bundle, struct runtime_state *ret, struct err *e);

/* Sends @sig to the process. -ESRCH when it is not running. */
int runtime_kill(const char *bundle, int sig, struct err *e);

/*
 * Waits up to @timeout_ms (-1: forever) for the process to exit: a "wait"
 * request held open by the shim, answered after exit.json is written; a
 * restarted berthd therefore waits the same way. Fills @ret from
 * exit.json. -ETIMEDOUT, or -ESRCH when the process was never started.
 */
int runtime_wait(const char *bundle, int timeout_ms, struct runtime_exit *ret, struct err *e);

/* Resizes the process's TTY (the process gets SIGWINCH). -ENOTTY without one. */
int runtime_resize(const char *bundle, unsigned height, unsigned width, struct err *e);

/*
 * Connects to the shim as an attach client. @flags: any of "i" (stdin),
 * "o" (stdout), "e" (stderr), "c" (closing our write side closes the
 * container's stdin). Returns a connected socket the caller owns: output
 * arrives in Docker's wire form (raw with a TTY, 8-byte frames without),
 * bytes written go to stdin, shutdown(SHUT_WR) ends stdin. -ESRCH when not running.
 */
int runtime_attach(const char *bundle, const char *flags, struct err *e);

/* Freezes (@pause) or thaws every process of the container (cgroup freezer). */
int runtime_pause(const char *bundle, bool pause, struct err *e);

/* cgroup counters of the container; release with cgroup_stats_release. */
int runtime_stats(const char *bundle, struct cgroup_stats *ret, struct err *e);

/* Host pids of every process in the container (malloc'ed array). */
int runtime_top(const char *bundle, pid_t **ret, size_t *ret_n, struct err *e);

/*
 * Removes everything a container left: kills what still runs (SIGKILL to
 * its cgroup), waits up to 5 s for its shim to finish, removes the cgroup
 * and the bundle directory. Idempotent; also used at daemon start-up for
 * bundles of containers that are gone.
 */
int runtime_cleanup(const char *bundle, struct err *e);

/*
 * Removes the bundle of an exec whose exit runtime_wait() reported (the
 * shim is done with it); anything else goes through runtime_cleanup().
 */
int runtime_exec_cleanup(const char *bundle, struct err *e);
