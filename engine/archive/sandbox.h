/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The confinement berth-untar puts itself in before it reads a byte of an
 * archive (docs/security.md, "Extraction helper"). Runs only in that
 * single-threaded helper process, never in berthd.
 *
 *  - new mount, network and IPC namespaces; the mount namespace's root is
 *    an empty read-only tmpfs (the old root is detached), so the only way
 *    to a file is the destination (or source) directory fd berthd passed;
 *  - rlimits: no core dumps, bounded fds, CPU time and file size;
 *  - capabilities, bounding set included, cut to exactly CAP_CHOWN,
 *    CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_MKNOD and CAP_SETFCAP (libcap);
 *  - PR_SET_NO_NEW_PRIVS and a seccomp filter (libseccomp) that refuses
 *    mount and namespace calls, ptrace, bpf, module and kexec calls,
 *    io_uring, process creation, execve, and creating, binding or
 *    connecting any socket (the channel to berthd is inherited).
 */
#pragma once

#include <stdint.h>

#include "engine/util/err.h"

/* The capabilities the helper keeps, as a CapEff/CapBnd mask of /proc/PID/status. */
#define SANDBOX_CAPS_MASK ((1ull << 0) | (1ull << 1) | (1ull << 3) | (1ull << 27) | (1ull << 31))

/* The read helper's: CAP_DAC_READ_SEARCH alone. */
#define SANDBOX_READ_CAPS_MASK (1ull << 2)

/*
 * Confines the calling process as described above. Needs to run as root
 * with CAP_SYS_ADMIN and CAP_SETPCAP, single-threaded. fds opened before
 * the call stay usable. Returns 0, or a negative errno with @e set (the
 * process is then partly confined and must exit).
 */
int sandbox_enter(struct err *e);

/*
 * The read helper's confinement (docs/security.md, "Read helper"): the
 * same namespaces, empty root and limits (more fds: an export holds one
 * per layer and level), no supplementary groups and file-system ids
 * 65534, only CAP_DAC_READ_SEARCH (read and search anything; no write
 * through owner or override), and the seccomp filter plus EROFS for every
 * call that changes a file system, open/openat for writing, writes to fds
 * other than 1 and 2, and shared mappings.
 */
int sandbox_enter_read(struct err *e);
