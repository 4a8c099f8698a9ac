/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stored layers back to bytes, for save and push. The store keeps layers
 * extracted; their exact tar (whose sha256 is the diff ID the image config
 * names) comes from the compressed blob kept at pull/load/import time, or,
 * for layers without one, from re-creating the tar of the diff directory
 * (deterministic, so a layer berth itself created comes out identical).
 * Whatever the route, the result is checked against the diff ID: a save or
 * push never hands out bytes that would not verify.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/tar.h"
#include "engine/archive/untar.h"
#include "engine/image/image_internal.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/xalloc.h"

#define IO_BUF (128u * 1024)

static int
tmpfile_in(struct images *im, struct err *e)
{
	int fd = open(im->tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_errno(e, -errno, "cannot create a temporary file in '%s'", im->tmp_dir);
	return fd;
}

/*
 * Decompresses (gzip, zstd, ... or plain) @in_fd into @out_fd, hashing the
 * output: in the extraction helper, as the blob is a registry's or a
 * client's bytes (untar_decompress).
 */
static int
decompress(int in_fd, int out_fd, char ret_digest[DIGEST_STR_LEN + 1], uint64_t *ret_size)
{
	struct untar_result res;
	struct err e = ERR_INIT;
	int r = untar_decompress(in_fd, out_fd, &res, &e);

	if (r < 0)
		return r;
	snprintf(ret_digest, DIGEST_STR_LEN + 1, "%s", res.diff_id);
	*ret_size = res.tar_size;
	return 0;
}

/* Tries each stored source blob of the layer; returns an fd or -ENOENT. */
static int
tar_from_sources(struct images *im, const char *chain_id, const char *diff_id,
		 uint64_t *ret_size, struct err *e)
{
	_cleanup_json_ json_t *sources = NULL;
	size_t i;
	json_t *v;

	if (store_layer_sources(im->store, chain_id, &sources, e) < 0)
		return e->code;
	json_array_foreach(sources, i, v) {
		const char *d = json_string_value(json_object_get(v, "digest"));
		_cleanup_close_ int in = -1, out = -1;
		char got[DIGEST_STR_LEN + 1];
		uint64_t size = 0;

		if (!d || !store_blob_exists(im->store, d))
			continue;
		in = store_blob_open(im->store, d, NULL);
		out = tmpfile_in(im, e);
		if (in < 0 || out < 0)
			continue;
		if (decompress(in, out, got, &size) < 0 || strcmp(got, diff_id) != 0)
			continue;
		if (lseek(out, 0, SEEK_SET) < 0)
			continue;
		*ret_size = size;
		return TAKE_FD(out);
	}
	return -ENOENT;
}

int
image_layer_tar(struct images *im, const char *chain_id, const char *diff_id,
		uint64_t *ret_size, struct err *e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int dfd = -1, out = -1;
	struct tar_result res;
	int r;

	r = tar_from_sources(im, chain_id, diff_id, ret_size, e);
	if (r != -ENOENT)
		return r;
	err_clear(e);
	r = store_layer_diff_path(im->store, chain_id, &path, e);
	if (r < 0)
		return r;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(e, -errno, "cannot open layer '%s'", path);
	out = tmpfile_in(im, e);
	if (out < 0)
		return out;
	r = tar_create(dfd, out, TAR_OVERLAY_WHITEOUTS, &res, e);
	if (r < 0)
		return r;
	if (strcmp(res.tar_digest, diff_id) != 0)
		return err_set(e, -EIO,
			       "cannot reproduce layer %s: its content hashes to %s, not to the "
			       "diff ID in the image config",
			       diff_id, res.tar_digest);
	if (lseek(out, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind layer tar");
	*ret_size = res.tar_size;
	return TAKE_FD(out);
}

/* ---- gzip -------------------------------------------------------------- */

struct gz_out {
	int fd;
	struct sha256_ctx *sha;
	uint64_t size;
};

static la_ssize_t
gz_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	struct gz_out *g = ctx;
	int r = fs_write_all(g->fd, p, n);

	if (r < 0) {
		archive_set_error(a, -r, "write failed");
		return -1;
	}
	sha256_update(g->sha, p, n);
	g->size += n;
	return (la_ssize_t)n;
}

/* gzip (no timestamp, reproducible) of @in_fd into @out_fd. */
static int
gzip_fd(int in_fd, int out_fd, char ret_digest[DIGEST_STR_LEN + 1], uint64_t *ret_size)
{
	_cleanup_archive_ struct archive *a = archive_write_new();
	_cleanup_free_ char *buf = xmalloc(IO_BUF);
	struct gz_out g = { .fd = out_fd, .sha = sha256_new() };
	struct archive_entry *ent = archive_entry_new();
	char hex[DIGEST_HEX_LEN + 1];
	ssize_t n;
	int r = 0;

	archive_write_add_filter_gzip(a);
	(void)archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	archive_write_set_format_raw(a);
	archive_write_set_bytes_in_last_block(a, 1);
	archive_entry_set_filetype(ent, AE_IFREG);
	if (archive_write_open(a, &g, NULL, gz_write, NULL) != ARCHIVE_OK ||
	    archive_write_header(a, ent) != ARCHIVE_OK)
		r = -EIO;
	while (r == 0 && (n = read(in_fd, buf, IO_BUF)) != 0) {
		if (n < 0) {
			r = errno == EINTR ? 0 : -errno;
			continue;
		}
		if (archive_write_data(a, buf, (size_t)n) != n)
			r = -EIO;
	}
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = -EIO;
	archive_entry_free(ent);
	sha256_final_hex(g.sha, hex); /* frees g.sha */
	snprintf(ret_digest, DIGEST_STR_LEN + 1, "sha256:%s", hex);
	*ret_size = g.size;
	return r;
}

static bool
blob_is_gzip(struct images *im, const char *digest, uint64_t *ret_size)
{
	_cleanup_close_ int fd = store_blob_open(im->store, digest, NULL);
	unsigned char magic[2];
	struct stat st;

	if (fd < 0 || fs_read_full(fd, magic, 2) != 2 || fstat(fd, &st) < 0)
		return false;
	*ret_size = (uint64_t)st.st_size;
	return magic[0] == 0x1f && magic[1] == 0x8b;
}

int
image_layer_gzip_blob(struct images *im, const char *chain_id, const char *diff_id,
		      const char *repo, char ret_digest[DIGEST_STR_LEN + 1], uint64_t *ret_size,
		      struct err *e)
{
	_cleanup_json_ json_t *sources = NULL;
	_cleanup_close_ int tar = -1, gz = -1;
	char digest[DIGEST_STR_LEN + 1];
	uint64_t size = 0;
	size_t i;
	json_t *v;
	int r;

	r = store_layer_sources(im->store, chain_id, &sources, e);
	if (r < 0)
		return r;
	json_array_foreach(sources, i, v) {
		const char *d = json_string_value(json_object_get(v, "digest"));
		if (d && digest_is_valid(d) && blob_is_gzip(im, d, &size)) {
			snprintf(ret_digest, DIGEST_STR_LEN + 1, "%s", d);
			*ret_size = size;
			return 0;
		}
	}
	tar = image_layer_tar(im, chain_id, diff_id, &size, e);
	if (tar < 0)
		return tar;
	gz = tmpfile_in(im, e);
	if (gz < 0)
		return gz;
	r = gzip_fd(tar, gz, digest, &size);
	if (r < 0)
		return err_errno(e, r, "cannot compress layer %s", diff_id);
	if (lseek(gz, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind compressed layer");
	r = store_blob_ingest_pinned(im->store, gz, 0, digest, e);
	if (r < 0)
		return r;
	r = store_layer_add_source(im->store, chain_id, digest, repo ? repo : "", e);
	store_blob_unpin(im->store, digest);
	if (r < 0)
		return r;
	snprintf(ret_digest, DIGEST_STR_LEN + 1, "%s", digest);
	*ret_size = size;
	return 0;
}
