/* SPDX-License-Identifier: Apache-2.0 */
/* Content-addressed blobs; see store_blob.h. No store lock is needed: a blob
 * appears atomically by rename and identical content is interchangeable. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/store/store_internal.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

struct store_blob_writer {
	struct store *s;
	char *tmp_path;
	int fd;
	struct sha256_ctx *hash; /* NULL once sealed */
	char hex[HEX_SZ];	 /* the digest, once sealed */
	uint64_t size, limit;
	bool committed;
	bool pin; /* pin the blob as it appears (store_blob_ingest_pinned) */
};

int
store_blob_writer_new(struct store *s, uint64_t limit, struct store_blob_writer **ret,
		      struct err *e)
{
	struct store_blob_writer *w = xcalloc(1, sizeof(*w));

	w->s = s;
	w->limit = limit ? limit : LIMIT_ARCHIVE_BYTES;
	w->tmp_path = xasprintf("%s/blob-XXXXXX", s->tmp_dir);
	w->fd = mkostemp(w->tmp_path, O_CLOEXEC);
	if (w->fd < 0) {
		int r = -errno;
		free(w->tmp_path);
		free(w);
		return err_errno(e, r, "cannot create a temporary blob in '%s'", s->tmp_dir);
	}
	w->hash = sha256_new();
	*ret = w;
	return 0;
}

int
store_blob_writer_write(struct store_blob_writer *w, const void *p, size_t n, struct err *e)
{
	int r;

	if (!w->hash)
		return err_set(e, -EINVAL, "blob already sealed");
	if (n > w->limit || w->size > w->limit - n)
		return err_set(e, -E2BIG, "blob larger than %llu bytes",
			       (unsigned long long)w->limit);
	r = fs_write_all(w->fd, p, n);
	if (r < 0)
		return err_errno(e, r, "cannot write blob");
	sha256_update(w->hash, p, n);
	w->size += n;
	return 0;
}

uint64_t
store_blob_writer_size(const struct store_blob_writer *w)
{
	return w->size;
}

void
store_blob_writer_seal(struct store_blob_writer *w, char ret_hex[DIGEST_HEX_LEN + 1])
{
	if (w->hash)
		sha256_final_hex(TAKE_PTR(w->hash), w->hex);
	memcpy(ret_hex, w->hex, HEX_SZ);
}

int
store_blob_writer_commit(struct store_blob_writer *w, const char *expected,
			 char ret_digest[DIGEST_STR_LEN + 1], struct err *e)
{
	_cleanup_free_ char *final = NULL;
	char hex[HEX_SZ];

	if (expected && !digest_is_valid(expected))
		return err_set(e, -EINVAL, "invalid digest '%s'", expected);
	store_blob_writer_seal(w, hex);
	if (expected && strcmp(expected + 7, hex) != 0)
		return err_set(e, -EINVAL, "digest mismatch: expected %s, got sha256:%s", expected,
			       hex);
	if (fsync(w->fd) < 0)
		return err_errno(e, -errno, "cannot sync blob");
	final = xasprintf("%s/%s", w->s->blobs_dir, hex);
	if (ret_digest)
		snprintf(ret_digest, DIGEST_STR_LEN + 1, "sha256:%s", hex);
	/* Pinned in the same step as it appears, so no collection sees it unpinned. */
	if (w->pin)
		pthread_mutex_lock(&w->s->lock);
	if (rename(w->tmp_path, final) < 0) {
		int r = -errno;
		if (w->pin)
			pthread_mutex_unlock(&w->s->lock);
		return err_errno(e, r, "cannot store blob sha256:%s", hex);
	}
	if (w->pin) {
		char digest[DIGEST_STR_LEN + 1];
		snprintf(digest, sizeof(digest), "sha256:%s", hex);
		store_blob_pin_locked(w->s, digest);
		pthread_mutex_unlock(&w->s->lock);
	}
	w->committed = true;
	(void)fs_fsync_parent(final);
	return 0;
}

void
store_blob_writer_free(struct store_blob_writer *w)
{
	if (!w)
		return;
	safe_close(w->fd);
	if (!w->committed)
		(void)unlink(w->tmp_path);
	sha256_free(w->hash);
	free(w->tmp_path);
	free(w);
}

static int
ingest(struct store *s, int fd, const char *expected, uint64_t limit, bool pin,
       char ret_digest[DIGEST_STR_LEN + 1], struct err *e)
{
	struct store_blob_writer *w = NULL;
	_cleanup_free_ char *buf = xmalloc(128 * 1024);
	ssize_t n;
	int r;

	r = store_blob_writer_new(s, limit, &w, e);
	if (r < 0)
		return r;
	w->pin = pin;
	while ((n = read(fd, buf, 128 * 1024)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_errno(e, -errno, "cannot read blob input");
			break;
		}
		r = store_blob_writer_write(w, buf, (size_t)n, e);
		if (r < 0)
			break;
	}
	if (r == 0)
		r = store_blob_writer_commit(w, expected, ret_digest, e);
	store_blob_writer_free(w);
	return r;
}

int
store_blob_ingest(struct store *s, int fd, const char *expected, uint64_t limit,
		  char ret_digest[DIGEST_STR_LEN + 1], struct err *e)
{
	return ingest(s, fd, expected, limit, false, ret_digest, e);
}

int
store_blob_ingest_pinned(struct store *s, int fd, uint64_t limit,
			 char ret_digest[DIGEST_STR_LEN + 1], struct err *e)
{
	return ingest(s, fd, NULL, limit, true, ret_digest, e);
}

static char *
blob_path(struct store *s, const char *digest)
{
	if (!digest_is_valid(digest))
		return NULL;
	return xasprintf("%s/%s", s->blobs_dir, digest + 7);
}

bool
store_blob_exists(struct store *s, const char *digest)
{
	_cleanup_free_ char *p = blob_path(s, digest);
	return p && fs_exists(p);
}

int
store_blob_open(struct store *s, const char *digest, struct err *e)
{
	_cleanup_free_ char *p = blob_path(s, digest);
	int fd;

	if (!p)
		return err_set(e, -EINVAL, "invalid digest '%s'", digest);
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? err_set(e, -ENOENT, "blob %s not found", digest)
				       : err_errno(e, -errno, "cannot open blob %s", digest);
	return fd;
}

int
store_blob_read(struct store *s, const char *digest, size_t limit, struct buf *ret,
		struct err *e)
{
	_cleanup_close_ int fd = store_blob_open(s, digest, e);
	int r;

	if (fd < 0)
		return fd;
	r = buf_read_fd(ret, fd, limit);
	if (r < 0)
		return err_errno(e, r, "cannot read blob %s", digest);
	return 0;
}

int
store_blob_delete(struct store *s, const char *digest, struct err *e)
{
	_cleanup_free_ char *p = blob_path(s, digest);

	if (!p)
		return err_set(e, -EINVAL, "invalid digest '%s'", digest);
	if (unlink(p) < 0 && errno != ENOENT)
		return err_errno(e, -errno, "cannot remove blob %s", digest);
	return 0;
}
