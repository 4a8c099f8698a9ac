/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's root file system read without mounting it: the container
 * layer (overlay upperdir) over the image's layers (lowerdirs, topmost
 * first), merged the way overlayfs does (0:0 character devices are
 * whiteouts, trusted.overlay.opaque=y directories hide what is below).
 * Serves `docker export` (a tar of the merged tree, volumes and runtime
 * mounts excluded, as dockerd's export of the rw layer), `docker diff`
 * (the container layer compared with the image) and the SizeRw figures.
 *
 * Everything is read through directory fds opened with O_NOFOLLOW one
 * component at a time, so a container's symlinks are never followed out of
 * its layers, and nothing needs privileges or a mount namespace — which is
 * why this can run on berthd's threads. Thread-safe: no shared state.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"

/* Writes @n bytes of the tar stream: 0, or negative to stop (e.g. -EPIPE). */
typedef int (*rootfs_write_fn)(void *ud, const void *p, size_t n);

/*
 * Writes a tar (PAX) of the merged tree of @upper over @lowers (topmost
 * first, NULL-terminated; may be empty) through @write. Entry names are
 * relative ("bin/sh"), hard links within the tree are kept, whiteouts
 * never appear. Returns 0, the writer's negative result, -E2BIG for a
 * tree deeper than LIMIT_ARCHIVE_DEPTH or a path longer than
 * LIMIT_ARCHIVE_PATH_LEN, or -errno with @e.
 */
int rootfs_export(const char *upper, char *const *lowers, rootfs_write_fn write, void *ud,
		  struct err *e);

/*
 * rootfs_export of a remapped container (--userns-remap): owners inside
 * @unmap's host ranges (what the container wrote) go out as the container
 * ids they stand for; the image's own ids are kept. @unmap NULL: as above.
 */
struct idmap;
int rootfs_export_unmapped(const char *upper, char *const *lowers, const struct idmap *unmap,
			   rootfs_write_fn write, void *ud, struct err *e);

enum rootfs_change_kind { ROOTFS_MODIFIED = 0, ROOTFS_ADDED = 1, ROOTFS_DELETED = 2 };

struct rootfs_change {
	char *path;		/* absolute, "/etc/passwd" */
	enum rootfs_change_kind kind;
};

/*
 * The differences of @upper against @lowers, sorted by path, as `docker
 * diff` lists them: added, deleted (whiteouts) and modified entries; a
 * directory is modified when something below it changed. Mount points the
 * runtime creates (/proc, /sys, /dev, /etc/hosts, /etc/hostname,
 * /etc/resolv.conf...) are left out, as they live in dockerd's init layer.
 * The caller frees the result with rootfs_changes_free.
 */
int rootfs_changes(const char *upper, char *const *lowers, struct rootfs_change **ret,
		   size_t *ret_n, struct err *e);
void rootfs_changes_free(struct rootfs_change *v, size_t n);

/* Whether @path (absolute) is one of the runtime's mount points left out of diffs. */
bool rootfs_is_runtime_path(const char *path);
