/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The whiteout rules, in one place. Two spellings of "deleted in this
 * layer" exist and berth translates between them:
 *   - OCI layer tarballs: an entry ".wh.<name>" hides <name> in the layers
 *     below, ".wh..wh..opq" makes its directory opaque (hides everything
 *     below it), and other ".wh..wh.*" names are aufs bookkeeping to skip;
 *   - overlayfs (layers on disk, container upper dirs): a 0:0 character
 *     device <name> hides <name>, the xattr trusted.overlay.opaque=y makes
 *     a directory opaque. Other trusted.overlay.* xattrs are overlayfs's own
 *     and never taken from an archive.
 * Extraction (untar), tar creation (layer export, commit, build), the
 * builder's layered view and container diff/export/cp all ask here.
 */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define WHITEOUT_OVERLAY_XATTR_PREFIX "trusted.overlay."
#define WHITEOUT_OPAQUE_XATTR "trusted.overlay.opaque"

enum whiteout_kind {
	WHITEOUT_NONE = 0,	/* an ordinary name */
	WHITEOUT_FILE,		/* ".wh.<name>": <name> is deleted */
	WHITEOUT_OPAQUE_DIR,	/* ".wh..wh..opq": the directory is opaque */
	WHITEOUT_META,		/* another ".wh..wh.*": aufs bookkeeping, skip */
	WHITEOUT_INVALID,	/* ".wh.", ".wh.." or ".wh..." : refuse */
};

/*
 * Classifies the last component @leaf of a tar entry name. For
 * WHITEOUT_FILE, *ret_name (may be NULL) points into @leaf at the hidden
 * name.
 */
enum whiteout_kind whiteout_classify(const char *leaf, const char **ret_name);

/* True for an overlayfs whiteout: a 0:0 character device. */
bool whiteout_is_overlay(const struct stat *st);

/* Creates the overlayfs whiteout @name in @dirfd (which must not hold it): 0 or -errno. */
int whiteout_make_overlay(int dirfd, const char *name);

/* True when directory @fd (also an O_PATH fd) carries trusted.overlay.opaque=y. */
bool whiteout_is_opaque(int fd);

/* Marks directory @fd opaque for overlayfs: 0 or -errno. */
int whiteout_mark_opaque(int fd);

/* True for xattrs overlayfs owns (trusted.overlay.*), which no archive may set. */
bool whiteout_is_overlay_xattr(const char *name);
