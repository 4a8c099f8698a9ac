/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Namespace and mount work off berthd's threads. berthd is threaded, and a
 * thread that unshares or joins a namespace, or a daemon that mounts from
 * whichever thread a request runs on, mixes privileged state changes into
 * the request threads (ARCHITECTURE.md "Processes"). Each job here runs in
 * a short-lived child made with clone(CLONE_VM | CLONE_VFORK), as
 * posix_spawn makes its child: the calling thread waits until the child
 * exits, the child runs only raw system calls on a stack of its own (no
 * allocation, no locks, async-signal-safe), and hands back what it made
 * (sockets) over SCM_RIGHTS. No berthd thread ever changes namespace, and
 * this file is the only one in berthd that calls setns, unshare, mount or
 * umount (tests/unit/ns-calls.sh); the shim, a process of its own, does
 * the container's.
 *
 * All functions are thread-safe and return 0 (or as documented) or -errno.
 */
#pragma once

#include <stddef.h>
#include <sys/socket.h>

/*
 * Pins the namespace open as @nsfd (a network namespace another process
 * made, e.g. a remapped container inside its own user namespace) by
 * bind-mounting it on @path, an existing file. -errno of mount.
 */
int nsjob_netns_pin(int nsfd, const char *path);

/* umount2(@path, @flags) in a helper child. -EINVAL when not a mount point. */
int nsjob_umount(const char *path, int flags);

/* A socket to make inside a network namespace. */
struct nsjob_sock {
	int domain, type, protocol;  /* as socket(2); SOCK_CLOEXEC is added */
	const struct sockaddr *addr; /* bind here when not NULL */
	socklen_t addr_len;
	int backlog; /* > 0: SO_REUSEADDR, bind, then listen(backlog) */
};

/* At most this many sockets per call. */
#define NSJOB_MAX_SOCKS 4

/*
 * Creates a network namespace and pins it by bind-mounting it on @path, an
 * existing file. The namespace lives as long as the mount (or a process in
 * it). The same child then makes the @n sockets of @socks (n may be 0)
 * inside the new namespace and stores their fds in @ret_fds, as
 * nsjob_netns_sockets does: one child instead of two when the caller
 * configures the namespace next. -errno of unshare, mount or socket; the
 * mount may then exist (the caller unmounts the path on failure).
 */
int nsjob_netns_create(const char *path, const struct nsjob_sock *socks, size_t n, int *ret_fds);

/*
 * Makes the @n sockets of @socks inside the network namespace open as
 * @nsfd (a socket keeps the namespace it was made in, whoever uses it) and
 * stores their fds, close-on-exec, in @ret_fds. On failure nothing stays
 * open. -E2BIG past NSJOB_MAX_SOCKS.
 */
int nsjob_netns_sockets(int nsfd, const struct nsjob_sock *socks, size_t n, int *ret_fds);
