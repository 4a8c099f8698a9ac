/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespaces as bind-mounted nsfs files, made and entered without
 * any berthd thread changing namespace. A namespace is created by a
 * short-lived helper child (engine/util/nsjob.h) and pinned by bind-mounting
 * its /proc/thread-self/ns/net onto a file; the runtime later joins it by
 * that path. Configuration inside a namespace goes through sockets a helper
 * child made in it and passed back: a socket stays bound to the namespace it
 * was created in, whichever thread uses it later (netlink through libnl's
 * nl_socket_set_fd, see iface.c). Links, addresses and rules are left to
 * iface.c and firewall.c.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/*
 * Creates a new network namespace pinned at @path (an empty file is created;
 * its directory must exist). With @ret_nlfd, the same helper child also
 * makes a NETLINK_ROUTE socket inside the new namespace (unbound,
 * close-on-exec; the caller owns it), sparing netns_socket's second child.
 * -EEXIST when @path already exists, -errno on failure (nothing is left
 * behind). Thread-safe.
 */
int netns_create(const char *path, int *ret_nlfd);

/*
 * Pins the network namespace process @pid is in at @path (created, as by
 * netns_create): how berthd takes over the namespace a remapped container
 * made inside its own user namespace, as libnetwork's sandbox key is a
 * bind mount of /proc/<pid>/ns/net. -EEXIST when @path exists, -ESRCH /
 * -ENOENT when @pid is gone; nothing is left behind on failure.
 */
int netns_pin(const char *path, pid_t pid);

/*
 * Unmounts and unlinks the namespace file at @path. The namespace itself
 * goes away with its last user. Missing is not an error. 0 or -errno.
 */
int netns_destroy(const char *path);

/* True when @path is a mounted nsfs file (a namespace we pinned). */
bool netns_is_pinned(const char *path);

/*
 * Opens a socket(@domain, @type | SOCK_CLOEXEC, @protocol) inside the
 * namespace at @path, made by a helper child that joins it; the calling
 * thread never changes namespace. Returns the fd or -errno.
 */
int netns_socket(const char *path, int domain, int type, int protocol);
