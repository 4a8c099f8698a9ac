/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COPY and ADD without a container: the sources (from the build context,
 * another stage's file system, or a downloaded URL) are resolved, hashed
 * for the cache, and written straight into a layer tar whose paths sit
 * below the destination, with dockerd's directory rules:
 *   - a directory source copies its contents, not the directory itself;
 *   - a file goes to DEST/<name> when DEST ends in '/' or is an existing
 *     directory of the image, else to DEST;
 *   - several sources need a DEST ending in '/';
 *   - missing parents of DEST are created 0755 (owned by --chown), existing
 *     ones are written with the image's own metadata so the layer leaves
 *     them as they were;
 *   - ADD unpacks local tar archives (plain, gzip, bzip2, xz) into DEST.
 *
 * Sources are hostile: they are opened beneath the source root with
 * fs_open_beneath (symlinks, absolute ones included, cannot leave it), a
 * directory walk never follows symlinks (they are copied as symlinks), and
 * archive entries with absolute names or ".." are refused.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "engine/util/err.h"

struct rootfs_view;

struct copy_opts {
	const char *cmd;		/* "COPY" or "ADD", for messages */
	int src_rootfd;			/* the directory sources are relative to */
	char *const *srcs;		/* expanded source words (wildcards allowed) */
	const char *dest;		/* absolute; a trailing '/' means a directory */
	bool unpack;			/* ADD: unpack local archives */
	bool chown;			/* use uid/gid, else 0:0 */
	uid_t uid;
	gid_t gid;
	int chmod;			/* permission bits, or -1 to keep */
	const struct rootfs_view *view;	/* the image the layer goes on */
};

struct copy_plan;

/*
 * Resolves and checks the sources. -ENOENT "file not found in build
 * context or excluded by .dockerignore: stat x: file does not exist",
 * -EINVAL "no source files were specified" or the several-sources rule.
 */
int copy_plan_new(const struct copy_opts *o, struct copy_plan **ret, struct err *e);
void copy_plan_free(struct copy_plan *p);

/* The cache marker: "file:<sha256>", "dir:<sha256>" or "multi:<sha256>",
 * a hash of names, modes, link targets and contents (never mtimes).
 * Caller frees. */
int copy_plan_hash(struct copy_plan *p, char **ret, struct err *e);

/* Writes the layer tar to @out_fd. */
int copy_plan_write(struct copy_plan *p, int out_fd, struct err *e);

/*
 * WORKDIR: a layer tar holding the missing directories of @dir (0755,
 * owned by @uid:@gid). *@ret_empty is set when @dir exists already (nothing
 * is written then).
 */
int copy_write_mkdir(const struct rootfs_view *v, const char *dir, uid_t uid, gid_t gid,
		     int out_fd, bool *ret_empty, struct err *e);

/*
 * Downloads @url (http/https) into directory @dir_fd, at most
 * LIMIT_BUILD_DOWNLOAD bytes, as file @name (0600, mtime from
 * Last-Modified when sent). -EIO with curl's or the server's reason.
 */
int copy_fetch_url(const char *url, int dir_fd, const char *name, struct err *e);

/* The file name ADD uses for @url: its last path segment, or NULL. Caller frees. */
char *copy_url_basename(const char *url);
