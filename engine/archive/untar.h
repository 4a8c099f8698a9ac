/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Safe tar extraction (libarchive parses; every file-system operation is
 * ours, relative to open directory fds). One pass over the input computes
 * the sha256 of the raw input (the compressed blob digest) and of the
 * uncompressed tar stream (the layer's diff ID) while unpacking.
 *
 * Security rules (STYLE.md §8): absolute names and ".." components are
 * refused; each entry is created relative to its parent directory's fd,
 * reached by an O_NOFOLLOW walk from the destination, so a symlink from the
 * archive (or already in the tree) is never followed; hard-link targets are
 * resolved the same way and so stay inside; device nodes only with
 * UNTAR_ALLOW_DEVICES; owner/mode/xattrs/times are applied after contents
 * (directory times at the very end); set-id bits survive only as root;
 * overlay xattrs (trusted.overlay.*) from an archive are dropped so a layer
 * cannot forge overlayfs metadata. Entry count, path depth and unpacked
 * bytes are bounded (engine/util/limits.h).
 *
 * Where it runs: untar_extract parses and unpacks in berth-untar, a helper
 * process spawned per archive and confined before it reads a byte
 * (helper.h, sandbox.h); untar_extract_local is the extraction itself, what
 * the helper runs. Not handled here: cleaning up after a failure (the
 * destination is left as is for the caller to delete).
 */
#pragma once

#include <stdint.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"
#include "engine/util/idmap.h"

/* What to do with OCI whiteout entries (.wh.<name>, .wh..wh..opq). */
enum untar_whiteout {
	/* Extract them as ordinary files (docker cp, build contexts). */
	UNTAR_WHITEOUT_NONE = 0,
	/*
	 * Store the layer for overlayfs: .wh.<name> becomes a 0:0 character
	 * device <name>, .wh..wh..opq the xattr trusted.overlay.opaque=y on
	 * its directory (dockerd's overlay2 layout). Needs CAP_MKNOD.
	 */
	UNTAR_WHITEOUT_OVERLAY,
	/*
	 * Apply onto an already populated tree (flattening): .wh.<name>
	 * deletes <name>; .wh..wh..opq deletes everything in its directory
	 * that this archive did not create.
	 */
	UNTAR_WHITEOUT_APPLY,
};

enum untar_flags {
	UNTAR_ALLOW_DEVICES = 1 << 0, /* create block/char device nodes */
	UNTAR_NO_CHOWN = 1 << 1,      /* leave entries owned by the caller */
	/*
	 * dockerd's NoOverwriteDirNonDir: before extracting anything, refuse
	 * the archive (-EINVAL "cannot overwrite directory \"x\" with
	 * non-directory", or the reverse) if an entry would replace an
	 * existing directory with a non-directory or the reverse. Reads the
	 * headers in a first pass, so @in_fd must be seekable.
	 */
	UNTAR_NO_OVERWRITE_DIR_NON_DIR = 1 << 2,
	/* every entry owned by container id 0, i.e. idmap's host root (docker cp
	 * into a remapped container without copyUIDGID) */
	UNTAR_CHOWN_ROOT = 1 << 3,
	/* raw_digest left "": the caller verified the input already (a pulled
	 * layer's blob), so its bytes are not hashed a second time */
	UNTAR_NO_RAW_DIGEST = 1 << 4,
};

/*
 * Every extraction parameter lives here (the one place a new one, e.g. an
 * owner shift, is added). Plain data only, no pointers: the struct crosses
 * to the extraction helper as bytes (helper.h).
 */
struct untar_opts {
	enum untar_whiteout whiteout;
	unsigned flags;			/* enum untar_flags */
	uint64_t max_entries;		/* 0: LIMIT_ARCHIVE_ENTRIES */
	uint64_t max_bytes;		/* 0: LIMIT_ARCHIVE_BYTES */
	unsigned max_depth;		/* 0: LIMIT_ARCHIVE_DEPTH */
	/* --userns-remap: the archive's owners are container ids, chowned to the
	 * host ids they map to (docker cp into a remapped container); no range
	 * (uid.n == 0): as is. Held inline: this struct crosses to the helper. */
	struct idmap idmap;
};

struct untar_result {
	char diff_id[DIGEST_STR_LEN + 1];	/* sha256 of the uncompressed tar */
	/* sha256 of every input byte ("" with UNTAR_NO_RAW_DIGEST) */
	char raw_digest[DIGEST_STR_LEN + 1];
	uint64_t raw_size;			/* input bytes */
	uint64_t tar_size;			/* uncompressed tar bytes */
	uint64_t unpacked_size;	/* regular file sizes + symlink lengths (du -b) */
	uint64_t entries;
};

/*
 * Reads a tar stream from @in_fd (plain, gzip, bzip2, xz or zstd, detected
 * by magic) to its end and unpacks it below @dest_dirfd, in the extraction
 * helper (helper.h) when one is configured. @o may be NULL
 * (defaults: no whiteout handling, no devices, default limits). Both fds stay
 * the caller's; @in_fd may be a pipe. Safe to run concurrently for different
 * destinations.
 *
 * Returns 0 and fills @ret (may be NULL); -EINVAL for a refused or malformed
 * archive (message names the entry), -E2BIG when a limit is hit, -EPERM when
 * an operation needs privileges we lack, other -errno for I/O failures. On
 * failure the destination may hold part of the archive.
 */
int untar_extract(int in_fd, int dest_dirfd, const struct untar_opts *o,
		  struct untar_result *ret, struct err *e);

/* untar_extract in the calling process: berth-untar itself, unit tests. */
int untar_extract_local(int in_fd, int dest_dirfd, const struct untar_opts *o,
			struct untar_result *ret, struct err *e);

/*
 * UNTAR_WHITEOUT_OVERLAY needs trusted.overlay.opaque, which only
 * CAP_SYS_ADMIN may set: the helper, which lacks it, hands each opaque
 * directory (@dir relative to the destination, "" for itself; @entry the
 * archive entry, for messages) to this hook instead, and berthd sets the
 * xattr (helper.c). Returns 0 or a negative errno with @e set.
 */
struct untar_hooks {
	int (*mark_opaque)(void *ud, const char *dir, const char *entry, struct err *e);
	void *ud;
};

/* untar_extract_local with @hooks (may be NULL: the xattr is set in-process). */
int untar_extract_hooked(int in_fd, int dest_dirfd, const struct untar_opts *o,
			 const struct untar_hooks *hooks, struct untar_result *ret, struct err *e);

/*
 * Client and registry bytes that are not unpacked are parsed in the
 * helper too (docs/security.md, "Extraction helper"):
 *
 * untar_sniff: whether @fd (a file, read from its current offset) is a tar,
 * plain or gzip/bzip2/xz/zstd-compressed (ADD of a local file). Returns 0
 * and *@ret, or -errno when the helper fails.
 *
 * untar_decompress: @in_fd decompressed (or copied when plain) to @out_fd;
 * ret->diff_id is the sha256 of the output, ret->tar_size its size.
 * -EINVAL for a stream it cannot read, -E2BIG past LIMIT_ARCHIVE_BYTES.
 *
 * untar_canonical: the tar at @in_fd (compressed or not) rewritten to
 * @out_fd as a plain PAX tar of its regular files, directories, symlinks
 * and hard links, every name (and link name) checked first: -EINVAL
 * "archive entry '<name>': absolute path refused" or "... '..' refused
 * (breakout)", -E2BIG past LIMIT_ARCHIVE_ENTRIES, -EINVAL with
 * libarchive's message for a malformed archive. ret->entries counts them.
 */
int untar_sniff(int fd, bool *ret, struct err *e);
int untar_decompress(int in_fd, int out_fd, struct untar_result *ret, struct err *e);
int untar_canonical(int in_fd, int out_fd, struct untar_result *ret, struct err *e);

/* The same in the calling process (the helper itself, unit tests). */
int untar_sniff_local(int fd, struct untar_result *ret, struct err *e);
int untar_decompress_local(int in_fd, int out_fd, struct untar_result *ret, struct err *e);
int untar_canonical_local(int in_fd, int out_fd, struct untar_result *ret, struct err *e);
