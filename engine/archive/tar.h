/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar creation from a directory tree (docker save, push, export, commit):
 * deterministic (entries sorted by name, mtimes in whole seconds, no user or
 * group names, no atime/ctime), optionally gzip-compressed without a gzip
 * timestamp, with overlayfs whiteouts turned back into OCI ".wh." entries.
 * The tree is walked with O_NOFOLLOW below an open directory fd, so a
 * container's symlinks are archived as symlinks, never followed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"

enum tar_flags {
	TAR_GZIP = 1 << 0,		/* gzip the output */
	/* 0:0 character devices become .wh.<name>, directories with
	 * trusted.overlay.opaque=y get a .wh..wh..opq entry. */
	TAR_OVERLAY_WHITEOUTS = 1 << 1,
};

struct tar_result {
	char tar_digest[DIGEST_STR_LEN + 1];	/* sha256 of the uncompressed tar */
	char out_digest[DIGEST_STR_LEN + 1];	/* sha256 of the bytes written */
	uint64_t tar_size, out_size;
	uint64_t entries; /* headers written (whiteout markers included) */
};

/* Whether to leave out @path (relative, "etc/hosts", no trailing slash) and,
 * for a directory, everything below it. */
typedef bool (*tar_skip_fn)(void *ud, const char *path, const struct stat *st);

/*
 * Writes a tar of everything below @src_dirfd (not the directory itself) to
 * @out_fd (any fd, e.g. a file, pipe or socket; both stay the caller's).
 * Sockets are skipped. Returns 0 and fills @ret (may be NULL); -E2BIG when
 * the tree is deeper than LIMIT_ARCHIVE_DEPTH; -errno on I/O failures.
 */
int tar_create(int src_dirfd, int out_fd, unsigned flags, struct tar_result *ret, struct err *e);

/* tar_create leaving out the entries @skip (may be NULL) names. */
int tar_create_filtered(int src_dirfd, int out_fd, unsigned flags, tar_skip_fn skip, void *ud,
			struct tar_result *ret, struct err *e);

/*
 * tar_create_filtered of a tree a remapped container wrote (--userns-remap):
 * owners inside @unmap's host ranges go into the tar as the container ids
 * they stand for (the container layer's root 100000 becomes 0); others are
 * kept. @unmap NULL or unset: as tar_create_filtered.
 */
struct idmap;
int tar_create_unmapped(int src_dirfd, int out_fd, unsigned flags, tar_skip_fn skip, void *ud,
			const struct idmap *unmap, struct tar_result *ret, struct err *e);
