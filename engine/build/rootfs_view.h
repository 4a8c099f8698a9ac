/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A read-only view of an image's file system made of its stored layer
 * directories (overlay form: 0:0 character devices are whiteouts,
 * trusted.overlay.opaque=y marks opaque directories), looked up without
 * mounting anything: what COPY/ADD/WORKDIR need to know about the
 * destination (does it exist, is it a directory, what are its parents'
 * owners and modes, where do symlinks on the way lead).
 *
 * Resolution is confined to the view: ".." stops at "/", absolute symlink
 * targets restart at the view's root, and every per-layer lookup is an
 * fstatat/readlinkat relative to the layer fd whose intermediate
 * components were checked to be real directories first.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "engine/util/err.h"

struct rootfs_view;

/* Opens the layer directories @lowerdirs (topmost first, NULL-terminated;
 * an empty vector is the empty file system of FROM scratch). */
int rootfs_view_open(char *const *lowerdirs, struct rootfs_view **ret, struct err *e);
void rootfs_view_free(struct rootfs_view *v);

/*
 * Resolves absolute @path in the view, following symlinks in every
 * component but the last (and in the last too with @follow_last).
 * Returns 0 with *@ret_path (caller frees) = the resolved, cleaned
 * absolute path, and *@ret_st filled when it exists (st_mode == 0 when it
 * does not, or when a parent is missing: the caller then creates the
 * missing directories along *@ret_path). -ELOOP after 40 links, -ENOTDIR
 * when a component is a file.
 */
int rootfs_view_resolve(const struct rootfs_view *v, const char *path, bool follow_last,
			char **ret_path, struct stat *ret_st, struct err *e);

/* Reads the regular file @path (resolved) of at most @limit bytes:
 * 0, -ENOENT, -E2BIG. */
int rootfs_view_read(const struct rootfs_view *v, const char *path, size_t limit, char **ret,
		     size_t *ret_len, struct err *e);
