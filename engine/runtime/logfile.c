/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rotated json-file logs on disk (logfile.h): naming, dockerd's rotation
 * order and gzip compression of a rotated file (zlib, as dockerd's
 * compressFile writes it: a plain gzip member any tool reads). Who rotates
 * when, and what an entry looks like, is left to the shim.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/runtime/logfile.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

char *
logfile_rotated_path(const char *path, int n, bool gz)
{
	return xasprintf("%s.%d%s", path, n, gz ? ".gz" : "");
}

int
logfile_rotate(const char *path, int max_files, bool gz)
{
	_cleanup_free_ char *last = NULL;

	if (max_files < 2)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	last = logfile_rotated_path(path, max_files - 1, gz);
	if (unlink(last) < 0 && errno != ENOENT)
		return -errno;
	for (int i = max_files - 1; i > 1; i--) {
		_cleanup_free_ char *to = logfile_rotated_path(path, i, gz);
		_cleanup_free_ char *from = logfile_rotated_path(path, i - 1, gz);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	_cleanup_free_ char *first = logfile_rotated_path(path, 1, false);
	if (rename(path, first) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
logfile_compress(const char *src)
{
	_cleanup_free_ char *dst = xasprintf("%s.gz", src);
	_cleanup_free_ char *tmp = xasprintf("%s.gz.tmp", src);
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char b[65536];
	gzFile gz;
	int fd, r = 0;

	if (in < 0)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -errno;
	gz = gzdopen(fd, "wb");
	if (!gz) {
		close(fd);
		(void)unlink(tmp);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(in, b, sizeof(b));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		if (gzwrite(gz, b, (unsigned)n) != (int)n) {
			r = -EIO;
			break;
		}
	}
	if (gzclose(gz) != Z_OK && r == 0)
		r = -EIO; /* e.g. ENOSPC on the final flush */
	if (r == 0 && rename(tmp, dst) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	return unlink(src) < 0 && errno != ENOENT ? -errno : 0;
}

char **
logfile_list_rotated(const char *path)
{
	char **newest_first = NULL, **out = NULL;
	size_t n = 0;

	for (int i = 1; i <= LIMIT_LOG_FILES; i++) {
		_cleanup_free_ char *gz = logfile_rotated_path(path, i, true);
		_cleanup_free_ char *plain = logfile_rotated_path(path, i, false);
		/* Mid-compression both exist and the plain one is complete. */
		if (fs_exists(plain))
			strv_append(&newest_first, plain);
		else if (fs_exists(gz))
			strv_append(&newest_first, gz);
		else
			break;
		n++;
	}
	for (size_t i = n; i-- > 0;)
		strv_append(&out, newest_first[i]);
	strv_free(newest_first);
	return out;
}
