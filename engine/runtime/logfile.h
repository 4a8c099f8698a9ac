/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The on-disk layout of a container's json-file log with rotation, as
 * dockerd's json-file driver keeps it: the live file <path> and, newest
 * first, <path>.1, <path>.2 ... <path>.<max-file - 1>, each gzip-compressed
 * as <path>.N.gz when `compress` is on. The shim rotates and compresses
 * (it owns the writer); berthd reads the set back for `docker logs`. The
 * entry format inside the files is the shim's and the reader's business.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* "<path>.<n>" or "<path>.<n>.gz": a new string the caller frees. */
char *logfile_rotated_path(const char *path, int n, bool gz);

/*
 * dockerd's rotate(): removes the oldest kept file, shifts <path>.N-1 to
 * <path>.N down to .1, then renames <path> to <path>.1. With @max_files < 2
 * there is nothing to keep and <path> is removed, so the writer starts an
 * empty file (a reader that has the old one open still reads it to its end).
 * @gz: the shifted files are the compressed ones. 0 or -errno.
 */
int logfile_rotate(const char *path, int max_files, bool gz);

/*
 * Compresses @src into @src.gz (written under a temporary name, then
 * renamed) and removes @src. 0 or -errno; @src is kept on failure.
 */
int logfile_compress(const char *src);

/*
 * The rotated files of the log at @path that exist now, oldest first (so
 * reading them in order and then <path> gives every kept entry in order):
 * a NULL-terminated vector the caller frees with strv_free. A file counts
 * in plain or compressed form (the plain one exists between a rotation and
 * the end of its compression). Looks up to LIMIT_LOG_FILES files.
 */
char **logfile_list_rotated(const char *path);
