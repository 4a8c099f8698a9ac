/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The contract between berthd (engine/runtime/runtime.c) and berth-shim.
 *
 * Start: berthd runs `berth-shim <bundle> [--held]` with the write end of a pipe as
 * fd 3. The shim detaches (fork + setsid: berthd reaps only the short-lived
 * first process), sets everything up and writes exactly one line to fd 3:
 *     "ok <pid>\n"                 the process runs; pid in the host namespace
 *     "error <errno> <message>\n"  nothing runs; the shim has cleaned up
 * The bundle holds config.json (runtime_spec.h). The shim adds:
 *     shim.json    {"shim_pid":N,"pid":N,"started_at":ns}  once running
 *     control.sock the socket below, while the shim lives
 *     exit.json    {"exit_code":N,"oom_killed":b,"started_at":ns,
 *                   "finished_at":ns,"pid":N}  written atomically at exit,
 *                   before the socket disappears
 *     shim.log     the shim's own diagnostics
 *
 * Socket (SOCK_STREAM, unix): a client sends one request line of at most
 * LIMIT_SHIM_REQUEST bytes ending in '\n':
 *     "attach <flags>"  flags: any of 'i' (send stdin), 'o' (stdout),
 *                       'e' (stderr), 'c' (this client's EOF closes the
 *                       container's stdin, Docker's StdinOnce), or "-".
 *                       Reply "ok\n", then the connection is a stream:
 *                       shim -> client: output from now on, in Docker's wire
 *                       form: raw bytes for a TTY, otherwise the 8-byte
 *                       frames of engine/util/frame.h (stream 1 stdout,
 *                       2 stderr), one per read of the process's output, so
 *                       never over FRAME_PAYLOAD_MAX bytes of payload;
 *                       client -> shim: raw stdin bytes. The shim closes the
 *                       stream when the process's output ends.
 *     "resize <h> <w>"  TTY size; reply "ok\n"
 *     "kill <signal>"   signal the process; reply "ok\n"
 *     "start"           release a --held process (it waits just before exec,
 *                       after every check that can fail, so that attach
 *                       clients see its first byte); reply "ok\n"
 *                       A remapped container with a network namespace of its
 *                       own (config.json userns set, no network path) is always
 *                       held, --held or not: berthd plumbs the namespace of
 *                       the reported pid, then sends "start"
 *     "state"           reply "running <pid>\n"
 *     "wait"            reply "exited <code> <oom 0|1>\n" once the process
 *                       has exited and exit.json is written
 *     "exec <id> [held]" (a container's shim) start the exec session whose
 *                       config.json berthd wrote in <bundle>/exec/<id>: the
 *                       shim forks an exec shim for that bundle (execfork.c),
 *                       which fills in the container's pid and cgroup
 *                       (join_pid, cgroup_path) and answers on this
 *                       connection with the start report above ("ok <pid>"
 *                       or "error ..."); "held" as --held. "error 95 ..."
 *                       when this shim cannot (berthd then spawns the exec's
 *                       shim itself, as for a shim that predates the request
 *                       and answers "error 22 unknown request")
 *     "exec <id> attach=<flags>" the same, held, and after "ok <pid>" the
 *                       connection is an attach stream with those flags (as
 *                       "attach <flags>", without its "ok"), after which the
 *                       exec shim releases the process: one connection for
 *                       what "exec held", "attach" and "start" did. A shim
 *                       that predates it answers "error 22 invalid exec
 *                       request ..." (berthd asks again without attach=)
 * Errors are "error <errno> <message>\n". Every reply but attach ends the
 * connection.
 */
#pragma once

#define RUNTIME_SOCK_NAME "control.sock"
#define RUNTIME_EXIT_FILE "exit.json"
#define RUNTIME_SHIM_FILE "shim.json"
#define RUNTIME_SHIM_LOG "shim.log"
#define RUNTIME_ROOTFS_DIR "rootfs"
/* A shareable /dev/shm: the tmpfs the shim mounts on the host (IpcMode shareable). */
#define RUNTIME_SHM_DIR "shm"

/* fd on which a freshly spawned shim finds its report pipe */
#define RUNTIME_REPORT_FD 3
