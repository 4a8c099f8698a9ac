/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Merged walks over overlay layers, without mounting them: for the
 * directory being visited a walk keeps one fd per layer that contributes
 * to it (-1 where the layer has nothing visible there); descending opens
 * the child in each contributing layer with O_NOFOLLOW, stopping at the
 * first layer where the name is a whiteout, a non-directory or an opaque
 * directory (overlayfs's rules). Shared by `docker diff` (rootfs.c, in
 * berthd) and `docker export` (tarout.c, in the read helper).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/util/err.h"

/*
 * Whether the directory @dirfd is opaque (trusted.overlay.opaque=y). The
 * read helper cannot read trusted.* xattrs (no CAP_SYS_ADMIN) and asks
 * berthd instead (helper.h); NULL: whiteout_is_opaque in-process.
 */
typedef bool (*merge_opaque_fn)(void *ud, int dirfd);

/* The layers contributing to one directory: fds[0] is the topmost. */
struct merge_level {
	int *fds;
	size_t n;
	merge_opaque_fn opaque; /* inherited by merge_descend */
	void *ud;
};

void merge_level_release(struct merge_level *l);

/* One name of a merged listing and the topmost layer that has it. */
struct merge_name {
	char *name;
	size_t layer;
};

/* Appends the names of directory @fd (a fresh open description, not a dup). */
int merge_read_names(int fd, size_t layer, struct merge_name **v, size_t *n, size_t *cap);
void merge_names_free(struct merge_name *v, size_t n);

/*
 * The merged listing of a directory: each name once, with the topmost layer
 * that has it, sorted by name. Whiteouts are still included (the caller
 * checks the entry's type).
 */
int merge_list(const struct merge_level *l, struct merge_name **ret, size_t *ret_n);

/*
 * The child level for directory @name whose topmost entry is in layer
 * @top: that layer's directory, then lower directories of the same name
 * until a whiteout, a non-directory or an opaque directory ends the merge.
 */
int merge_descend(const struct merge_level *l, const char *name, size_t top,
		  struct merge_level *ret);

/* Whether the directory @fd of @l's walk is opaque (its hook, else the xattr). */
bool merge_is_opaque(const struct merge_level *l, int fd);

/* The root level of @upper (may be absent) over @lowers (topmost first). */
int merge_open_root(const char *upper, char *const *lowers, struct merge_level *ret, struct err *e);
