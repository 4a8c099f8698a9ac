/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exec instances (`docker exec`): created against a running container,
 * started once (detached, or attached through the shim's attach socket with
 * the process held until the client is connected), watched by a monitor
 * thread that records the exit code before anyone is told the stream ended,
 * and kept in a registry (struct execs, one per engine) for inspect, resize
 * and the container's ExecIDs until the container is removed.
 *
 * The process joins every namespace and the cgroup of the container
 * (runtime_exec_start); it gets the container's environment with the exec's
 * Env on top, its user and working directory unless the exec names others,
 * and all capabilities when Privileged.
 *
 * Locking: the registry's mutex guards its list; each exec's ex->mu guards
 * its state. Order: registry, then one exec; never a container lock together
 * with either. No lock is held across runtime calls.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/container/attach.h"
#include "engine/container/container.h"
#include "engine/util/err.h"

struct containers;

/* What `POST /containers/{id}/exec` asked for, in the engine's terms. */
struct exec_config {
	char **cmd;		/* argv, at least one element */
	char **env;		/* "K=V" laid over the container's, may be NULL */
	char *user;		/* NULL/"": the container's */
	char *working_dir;	/* NULL/"": the container's; else absolute */
	bool tty, privileged;
	bool attach_stdin, attach_stdout, attach_stderr;
	char *detach_keys;	/* as given; NULL: the default */
	unsigned console_height, console_width;
};

void exec_config_release(struct exec_config *cfg);

enum exec_status { EXEC_CREATED = 0, EXEC_STARTING, EXEC_RUNNING, EXEC_EXITED };

struct exec {
	atomic_int refs;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* broadcast on every status change */
	char id[65];
	struct container *c;	/* a reference */
	struct exec_config cfg;	/* read-only after create */
	struct attach_detach detach; /* parsed cfg.detach_keys */
	enum exec_status status;
	pid_t pid;
	int exit_code;		/* valid when EXEC_EXITED */
	int64_t created_ns;
};

struct execs;

/* The registry: execs_new never fails; execs_free drops every exec. */
struct execs *execs_new(void);
void execs_free(struct execs *xs);

struct exec *exec_ref(struct exec *ex);
struct exec *exec_unref(struct exec *ex);
static inline void
exec_unrefp(struct exec **ex)
{
	exec_unref(*ex);
}
#define _cleanup_exec_ __attribute__((cleanup(exec_unrefp)))

/*
 * Creates an exec for @c from @cfg (moved in; *cfg is zeroed). Errors:
 * -EINVAL "No exec command specified", bad detach keys or a relative
 * working directory; -EBUSY (409) when @c is not running ("container <id>
 * is not running"), paused or restarting, worded as dockerd. Publishes
 * exec_create. Returns a reference.
 */
int exec_create(struct containers *cs, struct container *c, struct exec_config *cfg,
		struct exec **ret, struct err *e);

/* Looks an exec up by full ID or unique prefix: a reference, or NULL with
 * -ENOENT "No such exec instance: <id>". */
struct exec *execs_get(struct execs *xs, const char *id, struct err *e);

/*
 * Claims @ex for starting (CREATED → STARTING), so a second start fails
 * before anything is sent: -EBUSY "exec command <id> is already running",
 * or -EBUSY "container <id> is not running" when its container stopped.
 */
int exec_claim(struct exec *ex, struct err *e);

/*
 * The start's ConsoleSize, which replaces the one given at create (moby,
 * API 1.42+); applied by exec_start when the exec has a TTY. Only the
 * claimer calls it, between exec_claim and exec_start.
 */
void exec_set_console_size(struct exec *ex, unsigned height, unsigned width);

/*
 * Starts a claimed exec. With @attach_flags 0 it runs detached; otherwise
 * the process is held before exec until an attach socket with those flags
 * (attach.h) is connected, which is returned through @ret_fd (caller owns).
 * On failure the exec is EXITED with code 126 (dockerd's) and the message
 * names the cause in runc's words. Starts the monitor; publishes exec_start.
 */
int exec_start(struct containers *cs, struct exec *ex, unsigned attach_flags, int *ret_fd,
	       struct err *e);

/*
 * Waits up to @timeout_ms (-1: forever) until @ex exited; 0 with the code, or
 * -ETIMEDOUT.
 */
int exec_wait(struct exec *ex, int64_t timeout_ms, int *ret_code);

/*
 * Resizes the exec's TTY. Waits up to 10 s for a start in progress (the CLI
 * resizes right after its start request). -EBUSY when not running, -ENOTTY
 * without a TTY (reported like dockerd, as an error).
 */
int exec_resize(struct containers *cs, struct exec *ex, unsigned height, unsigned width,
		struct err *e);

/* Sends @sig to a running exec's process: 0, -ESRCH when it is not running. */
int exec_kill(struct containers *cs, struct exec *ex, int sig, struct err *e);

/* Forgets @ex (a health probe once its result is recorded, as moby unregisters it). */
void execs_forget(struct execs *xs, struct exec *ex);

/* IDs of the execs of container @id, oldest first (NULL when none); strv_free it. */
char **execs_ids_of(struct execs *xs, const char *container_id);

/* Forgets every exec of container @id (its removal). */
void execs_forget_container(struct execs *xs, const char *container_id);

/* Copies status, pid and exit code under the lock. */
void exec_get_state(struct exec *ex, enum exec_status *ret_status, pid_t *ret_pid,
		    int *ret_exit_code);
