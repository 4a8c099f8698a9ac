/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tars read out of a container, in the read helper (docs/security.md,
 * "Read helper"): `docker export` (the merged tree of a container's layers)
 * and `docker cp` out (GET and HEAD /containers/{id}/archive). berthd opens
 * the roots (a running container's /proc/<pid>/root, the detached overlay
 * of a stopped one, a bind or volume source, the layer directories) and
 * passes their fds; the helper resolves the client's path beneath them
 * with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), walks with
 * O_NOFOLLOW below directory fds and writes the tar to a pipe berthd
 * streams on unchanged. Without a helper configured (unit tests) the same
 * code runs in the calling process.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/util/err.h"
#include "engine/util/idmap.h"

/* Writes @n bytes of the tar stream: 0, or negative to stop (e.g. -EPIPE). */
typedef int (*tarout_write_fn)(void *ud, const void *p, size_t n);

/* What HEAD /archive reports about a path (fixed layout: crosses to berthd). */
struct tarout_stat {
	uint32_t resolved; /* 1 once the path was found (errors after it are walk errors) */
	uint32_t mode;	   /* st_mode of the entry itself (not followed) */
	uint32_t uid, gid;
	int64_t size;
	int64_t mtime_ns;
	char name[NAME_MAX + 1];    /* basename of the requested path ("." for "/dir/.") */
	char link_target[PATH_MAX]; /* for a symlink: the absolute path it finally
					 * resolves to inside the container, else "" */
};

/* A stopped container's bind or volume, crossed into by the walk. */
struct tarout_mount {
	char target[PATH_MAX];	 /* as the container spec has it */
	char name[NAME_MAX + 1]; /* the source is @name below @dirfd ("." for a directory) */
	int dirfd;		 /* -1: the source vanished (the mount point shows) */
};

enum tarout_flags {
	TAROUT_XATTRS = 1 << 0, /* archive extended attributes too (copy-up; in-process only) */
};

/* Where a `docker cp` read happens. */
struct tarout_src {
	int rootfd;		     /* the path is resolved beneath this fd */
	char rel[PATH_MAX];	     /* the cleaned path beneath @rootfd */
	char clean[PATH_MAX];	     /* the client's cleaned path in the container */
	char mount_target[PATH_MAX]; /* @rootfd is this mount's source; "" for the root */
	bool cross_mounts;	     /* a stopped container: walk into @mounts */
	const struct tarout_mount *mounts;
	size_t n_mounts;
	struct idmap unmap; /* --userns-remap: host ids go out as container ids */
	unsigned flags;	    /* enum tarout_flags */
};

/*
 * Lexically cleans @path as if it were absolute (Go's filepath.Clean of
 * "/"+path) into @buf of @size bytes, keeping a trailing "/." or "/" of the
 * input as dockerd's PreserveTrailingDotOrSeparator does. Returns 0,
 * -EINVAL for an empty path, -ENAMETOOLONG.
 */
int tarout_clean_path(const char *path, char *buf, size_t size);

/* Length of mount target @target as a prefix of @clean, by whole components; 0 if not one. */
size_t tarout_mount_prefix_len(const char *target, const char *clean);

/*
 * Stats @src->rel (the last component is not followed unless the path
 * ends in "/" or "/."). Returns 0 and fills @ret, or the resolution's
 * -errno (ret->resolved 0; the caller words the message).
 */
int tarout_stat(const struct tarout_src *src, struct tarout_stat *ret, struct err *e);

/*
 * Writes a tar of @src->rel through @write: its top entry is the basename
 * of the path ("." for "/"); a directory brings everything below it;
 * symlinks are archived as links and never followed below the top.
 * Fills @ret as tarout_stat (the top entry). Returns 0, a resolution
 * -errno (ret->resolved 0), the writer's negative result, -E2BIG for a
 * tree deeper than LIMIT_ARCHIVE_DEPTH, or -errno with @e.
 */
int tarout_tree(const struct tarout_src *src, tarout_write_fn write, void *ud,
		struct tarout_stat *ret, struct err *e);

/*
 * `docker export`: a tar (PAX) of the merged tree of @layer_fds (n
 * directory fds, topmost first; -1 for an absent container layer),
 * whiteouts left out, hard links within the tree kept, owners inside
 * @unmap's host ranges given back as container ids (@unmap NULL: as is).
 * The fds stay the caller's. Returns 0, the writer's negative result,
 * -E2BIG, or -errno with @e.
 */
int tarout_export(const int *layer_fds, size_t n, const struct idmap *unmap, tarout_write_fn write,
		  void *ud, struct err *e);

/* The same three in the calling process (the helper itself, unit tests). */
int tarout_stat_local(const struct tarout_src *src, struct tarout_stat *ret, struct err *e);
int tarout_tree_local(const struct tarout_src *src, tarout_write_fn write, void *ud,
		      struct tarout_stat *ret, struct err *e);
/* @opaque (may be NULL: the xattr read in-process) answers for opaque directories. */
typedef bool (*tarout_opaque_fn)(void *ud, int dirfd);
int tarout_export_local(const int *layer_fds, size_t n, const struct idmap *unmap,
			tarout_opaque_fn opaque, void *opaque_ud, tarout_write_fn write, void *ud,
			struct err *e);
