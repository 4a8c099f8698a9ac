/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The other jobs of the extraction helper on client and registry bytes
 * (untar.h): telling whether a file is a tar (ADD), rewriting one into a
 * plain tar of checked entries (ADD), and decompressing a stored layer
 * blob (save, push). Each runs in berth-untar when one is configured
 * (helper.c), else in the calling process (unit tests).
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/helper.h"
#include "engine/archive/untar.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/xalloc.h"

#define IO_BUF (128u * 1024)

/* dockerd's compressions (gzip, bzip2, xz, zstd) over tar, or over anything (@raw). */
static struct archive *
reader_new(bool raw)
{
	struct archive *a = archive_read_new();

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	if (raw) {
		archive_read_support_format_raw(a);
	} else {
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
	}
	return a;
}

int
untar_sniff_local(int fd, struct untar_result *ret, struct err *e)
{
	_cleanup_archive_ struct archive *a = reader_new(false);
	struct archive_entry *ent;

	(void)e;
	memset(ret, 0, sizeof(*ret));
	if (archive_read_open_fd(a, fd, 64 * 1024) == ARCHIVE_OK &&
	    archive_read_next_header(a, &ent) == ARCHIVE_OK)
		ret->entries = 1;
	return 0;
}

int
untar_decompress_local(int in_fd, int out_fd, struct untar_result *ret, struct err *e)
{
	_cleanup_archive_ struct archive *a = reader_new(true);
	_cleanup_free_ char *buf = xmalloc(IO_BUF);
	struct sha256_ctx *sha = NULL;
	struct archive_entry *ent;
	char hex[DIGEST_HEX_LEN + 1];
	uint64_t total = 0;
	la_ssize_t n;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (archive_read_open_fd(a, in_fd, IO_BUF) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK)
		return err_set(e, -EINVAL, "cannot decompress: %s", archive_error_string(a));
	sha = sha256_new();
	while ((n = archive_read_data(a, buf, IO_BUF)) > 0) {
		sha256_update(sha, buf, (size_t)n);
		total += (uint64_t)n;
		if (total > LIMIT_ARCHIVE_BYTES) {
			r = err_set(e, -E2BIG, "decompressed stream larger than %llu bytes",
				    (unsigned long long)LIMIT_ARCHIVE_BYTES);
			break;
		}
		r = fs_write_all(out_fd, buf, (size_t)n);
		if (r < 0) {
			r = err_errno(e, r, "cannot write the decompressed stream");
			break;
		}
	}
	if (r == 0 && n < 0)
		r = err_set(e, -EINVAL, "cannot decompress: %s", archive_error_string(a));
	sha256_final_hex(sha, hex); /* frees sha */
	snprintf(ret->diff_id, sizeof(ret->diff_id), "sha256:%s", hex);
	ret->tar_size = total;
	return r;
}

/* The builder's rules for an entry name: relative, no "..". */
static int
check_name(const char *name, struct err *e)
{
	if (name[0] == '/')
		return err_set(e, -EINVAL, "archive entry '%s': absolute path refused", name);
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return err_set(e, -EINVAL, "archive entry '%s': '..' refused (breakout)",
				       name);
		p += len;
		p += *p == '/';
	}
	return 0;
}

static la_ssize_t
canon_write(struct archive *a, void *ud, const void *p, size_t n)
{
	(void)a;
	return fs_write_all(*(int *)ud, p, n) < 0 ? -1 : (la_ssize_t)n;
}

int
untar_canonical_local(int in_fd, int out_fd, struct untar_result *ret, struct err *e)
{
	_cleanup_archive_ struct archive *a = reader_new(false);
	struct archive *w = archive_write_new();
	_cleanup_free_ char *buf = xmalloc(IO_BUF);
	struct archive_entry *ent;
	uint64_t count = 0;
	int r = 0, ar = ARCHIVE_OK;

	memset(ret, 0, sizeof(*ret));
	archive_write_set_format_pax_restricted(w);
	if (archive_write_open(w, &out_fd, NULL, canon_write, NULL) != ARCHIVE_OK) {
		archive_write_free(w);
		return err_set(e, -EIO, "cannot write the archive");
	}
	if (archive_read_open_fd(a, in_fd, 64 * 1024) != ARCHIVE_OK)
		r = err_set(e, -EINVAL, "%s", archive_error_string(a));
	while (r == 0 && (ar = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent), *hl = archive_entry_hardlink(ent);
		mode_t type = archive_entry_filetype(ent);
		la_ssize_t n = 0;

		if (++count > LIMIT_ARCHIVE_ENTRIES) {
			r = err_set(e, -E2BIG, "too many entries");
			break;
		}
		if ((r = check_name(name ? name : "", e)) < 0 ||
		    (hl && (r = check_name(hl, e)) < 0))
			break;
		if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
			continue;
		if (archive_write_header(w, ent) < ARCHIVE_WARN) {
			r = err_set(e, -EIO, "cannot write the archive: %s",
				    archive_error_string(w));
			break;
		}
		while (type == AE_IFREG && !hl && (n = archive_read_data(a, buf, IO_BUF)) > 0)
			if (archive_write_data(w, buf, (size_t)n) < 0)
				r = err_set(e, -EIO, "cannot write the archive: %s",
					    archive_error_string(w));
		if (r == 0 && type == AE_IFREG && !hl && n < 0)
			r = err_set(e, -EINVAL, "%s", archive_error_string(a));
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = err_set(e, -EINVAL, "%s", archive_error_string(a));
	if (archive_write_close(w) != ARCHIVE_OK && r == 0)
		r = err_set(e, -EIO, "cannot write the archive: %s", archive_error_string(w));
	archive_write_free(w);
	ret->entries = count;
	return r;
}

int
untar_sniff(int fd, bool *ret, struct err *e)
{
	const char *helper = helper_path();
	struct untar_result res;
	int r;

	r = helper ? helper_job(helper, HELPER_OP_SNIFF, fd, -1, &res, e)
		   : untar_sniff_local(fd, &res, e);
	if (r >= 0)
		*ret = res.entries > 0;
	return r;
}

int
untar_decompress(int in_fd, int out_fd, struct untar_result *ret, struct err *e)
{
	const char *helper = helper_path();

	if (helper)
		return helper_job(helper, HELPER_OP_DECOMPRESS, in_fd, out_fd, ret, e);
	return untar_decompress_local(in_fd, out_fd, ret, e);
}

int
untar_canonical(int in_fd, int out_fd, struct untar_result *ret, struct err *e)
{
	const char *helper = helper_path();

	if (helper)
		return helper_job(helper, HELPER_OP_CANONICAL, in_fd, out_fd, ret, e);
	return untar_canonical_local(in_fd, out_fd, ret, e);
}
