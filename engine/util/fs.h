/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File-system helpers for the daemon's own trees (data root, exec root).
 * Paths given here are trusted (built by berth); anything below a rootfs,
 * layer or volume goes through fs_open_beneath, which resolves inside a root
 * fd and never escapes it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/util/buf.h"

/* mkdir -p with @mode for created components: 0 or -errno. */
int fs_mkdir_p(const char *path, mode_t mode);

/*
 * Writes @len bytes to @path atomically: a temp file in the same directory,
 * fsync, rename over @path, fsync of the directory. A crash leaves either
 * the old or the new file. 0 or -errno.
 */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Replaces @path with @len bytes through a temp file and rename, without
 * fsync: readers never see a half-written file, but a crash may lose the
 * update. For derived files that are regenerated anyway (a container's
 * hosts, hostname, resolv.conf). 0 or -errno.
 */
int fs_write_replace(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Removes the temporary files fs_write_atomic and fs_write_replace leave
 * when the process dies between creating and renaming them
 * ("<name>.tmp.<pid>.<6 chars>") from @dir and, @depth levels down, from
 * its subdirectories (never through a symlink or a mount point). For
 * start-up, on metadata directories only: content (layer diffs, volume
 * data, container layers) must stay out of reach of @depth. Returns how
 * many it removed; a missing @dir is 0.
 */
int fs_remove_write_leftovers(const char *dir, unsigned depth);

/* Reads a whole file up to @limit bytes: 0, -ENOENT, -E2BIG or -errno. */
int fs_read_file(const char *path, size_t limit, struct buf *ret);

/* fsync of the directory that holds @path. */
int fs_fsync_parent(const char *path);

/*
 * fsyncs the @n (at most 4) fds at the same time: @fds[1..] each on a
 * short-lived thread, @fds[0] on the caller's (in the caller's if a thread
 * cannot start). Every fsync has returned when this does. Concurrent
 * fsyncs on one journalling file system join the same journal commit, so
 * the wait is about one fsync's instead of the sum. 0 or the first
 * -errno.
 */
int fs_fsync_concurrently(const int *fds, size_t n);

/*
 * Creates @dir/@name, which must not exist, with @len bytes and @mode, in a
 * directory @dir that the caller has just made, and makes durable the
 * file's contents, its name in @dir and @dir's name in its parent: three
 * fsyncs (file, @dir, @dir's parent) run concurrently (fs_fsync_concurrently),
 * all three done before this returns 0. No temp file and no rename: a
 * crash before the return may leave @name empty or cut short, so this is
 * for a file whose directory is thrown away when the file does not parse
 * (a container's config.json at create). 0 or -errno (-EEXIST: @name
 * exists); on failure @name may exist.
 */
int fs_write_new_durable(const char *dir, const char *name, const void *data, size_t len,
			 mode_t mode);

/*
 * Removes @path and everything below it without following symlinks and
 * without crossing into other mounts (a mount point below is an -EBUSY
 * failure, never a walk into the mounted tree). Missing is not an error.
 */
int fs_rm_rf(const char *path);

/* Same, below an open directory fd. */
int fs_rm_rf_at(int dirfd, const char *name);

/* Sum of the sizes of regular files and symlinks below @path (like du -b). */
int fs_tree_size(const char *path, uint64_t *ret_size);

/*
 * Opens @path resolved beneath @rootfd as if @rootfd were "/": symlinks,
 * including absolute ones and "..", can never leave the root
 * (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). O_CLOEXEC is always added.
 */
int fs_open_beneath(int rootfd, const char *path, int flags, mode_t mode);

/* True when @path exists (lstat). */
bool fs_exists(const char *path);

/* Creates a unique temporary directory "<dir>/<prefix>XXXXXX"; caller frees. */
int fs_mkdtemp_in(const char *dir, const char *prefix, char **ret_path);

/* Writes all of @len bytes, retrying on EINTR and short writes. */
int fs_write_all(int fd, const void *data, size_t len);

/* Reads exactly @len bytes unless EOF: returns bytes read or -errno. */
ssize_t fs_read_full(int fd, void *data, size_t len);

/*
 * Marks every descriptor from @from upwards close-on-exec: for those a
 * process inherits from its parent, and after library calls that open one
 * without the flag (libnftables' netlink socket). Harmless to a descriptor
 * that has it already; berthd never keeps one open for a child to inherit
 * (spawns dup2 what the child gets). 0, or -errno when neither
 * close_range(CLOSE_RANGE_CLOEXEC) nor a walk of /proc/self/fd works.
 */
int fs_cloexec_from(int from);
