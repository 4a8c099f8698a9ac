/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker cp`: stat, read (as a tar) and write (from a tar) paths inside a
 * container's file system (docker-api-protocol.md §6.7). The module is named
 * cp, not archive, because `archive_` is libarchive's prefix.
 *
 * The container's file system is reached through one root fd: for a running
 * (or paused) container /proc/<pid>/root, which sees its volumes and binds;
 * for any other state a detached overlay mount (fsopen/fsmount, never
 * attached to a mount point, gone when the fd closes) of its layer over its
 * image — read-only for stat and read, with the container's upper and work
 * directories for write. Every client path is resolved beneath that fd with
 * openat2(RESOLVE_IN_ROOT), and trees are walked with O_NOFOLLOW, so a
 * symlink in the container can never lead outside it. Writing uses
 * untar_extract and its rules (no absolute names, no "..", no device
 * nodes, no following of symlinks from the archive or the tree).
 *
 * Left to others: the wire format of the stat (Go FileMode bits, base64
 * JSON header) is api/'s business. A stopped container's binds and volumes
 * are not mounted, so a path is resolved beneath the source of the mount
 * whose target is its longest prefix (dockerd's rule), and a tree read
 * across a mount point shows the mount's content. Not handled for a stopped
 * container: an archive written above a mount point does not reach into it
 * (its entries land in the container layer under the mount point).
 * Thread-safe: no shared state; the container is only read.
 */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/container/container.h"
#include "engine/util/err.h"

struct containers;

/* What HEAD /archive reports about a path. */
struct cp_stat {
	char name[NAME_MAX + 1];	/* basename of the requested path ("." for "/dir/.") */
	mode_t mode;			/* st_mode of the entry itself (not followed) */
	int64_t size;
	int64_t mtime_ns;
	char link_target[PATH_MAX];	/* for a symlink: the absolute path it finally
					 * resolves to inside the container, else "" */
};

/* Writes @n bytes of the tar stream: 0, or negative to stop (e.g. -EPIPE). */
typedef int (*cp_write_fn)(void *ud, const void *p, size_t n);

/*
 * Stats @path (absolute or relative to "/", cleaned lexically; the last
 * component is not followed unless the path ends in "/" or "/.").
 * Returns 0 and fills @ret; -ENOENT with "Could not find the file <path> in
 * container <ref>" (dockerd's message), -EINVAL for an empty or overlong
 * path, other -errno with @e.
 */
int cp_stat(struct containers *cs, struct container *c, const char *ref, const char *path,
	    struct cp_stat *ret, struct err *e);

/*
 * Writes a tar of @path through @write: its top entry is the basename of
 * @path (a directory brings everything below it as "<base>/..."); symlinks
 * are archived as links and never followed below the top. Same errors as
 * cp_stat, plus the writer's negative result, -E2BIG for a tree deeper than
 * LIMIT_ARCHIVE_DEPTH, -EIO for archive failures.
 */
int cp_get(struct containers *cs, struct container *c, const char *ref, const char *path,
	   cp_write_fn write, void *ud, struct err *e);

struct cp_put_opts {
	/* Refuse to replace an existing directory with a non-directory or the
	 * reverse (-EINVAL "cannot overwrite ..."); needs a seekable @tar_fd. */
	bool no_overwrite_dir_non_dir;
	/* Keep the archive's owners; otherwise everything is owned by root. */
	bool copy_uid_gid;
};

/*
 * Extracts the tar read from @tar_fd (plain or compressed; stays the
 * caller's) into the existing directory @path (symlinks in @path are
 * followed inside the container). @o may be NULL (defaults: false).
 * Returns 0; -ENOENT as cp_stat; -EINVAL "extraction point is not a
 * directory", "container rootfs is marked read-only", "mounted volume is
 * marked read-only", or for a refused archive (untar_extract's message);
 * -E2BIG past an archive limit; other -errno with @e. A failed extraction
 * may leave part of the archive in place, as dockerd does.
 */
int cp_put(struct containers *cs, struct container *c, const char *ref, const char *path,
	   int tar_fd, const struct cp_put_opts *o, struct err *e);

/*
 * Copy-up (dockerd's populateVolumes at create): when @c's image has a
 * directory at @target (symlinks followed inside the image) and the
 * volume directory @dest_dirfd (the caller's) is empty, copies that
 * directory's content into it, keeping owners, modes, extended
 * attributes, times, symlinks and device nodes, and gives the volume's
 * root the directory's owner and mode. Does nothing for an absent or
 * non-directory @target or a non-empty volume. Returns 0 or -errno with
 * @e (-E2BIG past an archive limit).
 */
int cp_copy_up(struct containers *cs, struct container *c, const char *target, int dest_dirfd,
	       struct err *e);

/*
 * Lexically cleans @path as if it were absolute (Go's filepath.Clean of
 * "/"+path) into @buf of @size bytes, keeping a trailing "/." or "/" of the
 * input as dockerd's PreserveTrailingDotOrSeparator does. Returns 0,
 * -EINVAL for an empty path or one holding a NUL-free but overlong result
 * (-ENAMETOOLONG).
 */
int cp_clean_path(const char *path, char *buf, size_t size);
