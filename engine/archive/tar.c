/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar creation; see tar.h. With TAR_GZIP two libarchive writers are stacked
 * so one pass yields both digests: the tar writer's output callback hashes
 * the tar bytes and feeds them to a "raw" format writer with the gzip
 * filter, whose callback hashes and writes the compressed bytes.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/archive/tar.h"
#include "engine/archive/whiteout.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/idmap.h"
#include "engine/util/limits.h"
#include "engine/util/xalloc.h"

#define IO_BUF (128u * 1024)

struct tar_ctx {
	unsigned flags;
	int out_fd;
	struct archive *tw, *gw;	/* tar writer, gzip writer (or NULL) */
	struct archive_entry_linkresolver *links;
	struct sha256_ctx *tar_hash, *out_hash;
	uint64_t tar_size, out_size, entries;
	tar_skip_fn skip;
	void *skip_ud;
	const struct idmap *unmap; /* host ids in the tree → container ids in the tar */
	int io_error;
	char *buf;
};

static int
write_out(struct tar_ctx *c, const void *p, size_t n)
{
	int r = fs_write_all(c->out_fd, p, n);

	if (r < 0) {
		c->io_error = r;
		return r;
	}
	sha256_update(c->out_hash, p, n);
	c->out_size += n;
	return 0;
}

static la_ssize_t
gz_write(struct archive *a, void *data, const void *p, size_t n)
{
	struct tar_ctx *c = data;

	if (write_out(c, p, n) < 0) {
		archive_set_error(a, -c->io_error, "write failed");
		return -1;
	}
	return (la_ssize_t)n;
}

static la_ssize_t
tar_write(struct archive *a, void *data, const void *p, size_t n)
{
	struct tar_ctx *c = data;

	sha256_update(c->tar_hash, p, n);
	c->tar_size += n;
	if (c->gw) {
		if (archive_write_data(c->gw, p, n) < 0) {
			archive_set_error(a, EIO, "%s", archive_error_string(c->gw));
			return -1;
		}
	} else if (write_out(c, p, n) < 0) {
		archive_set_error(a, -c->io_error, "write failed");
		return -1;
	}
	return (la_ssize_t)n;
}

static int
ar_fail(struct tar_ctx *c, struct archive *a, struct err *e)
{
	if (c->io_error)
		return err_errno(e, c->io_error, "cannot write archive");
	return err_set(e, -EIO, "cannot write archive: %s",
		       archive_error_string(a) ? archive_error_string(a) : "unknown error");
}

static int
open_writers(struct tar_ctx *c, struct err *e)
{
	struct archive_entry *raw = NULL;

	if (c->flags & TAR_GZIP) {
		c->gw = archive_write_new();
		if (!c->gw)
			return err_set(e, -ENOMEM, "out of memory");
		archive_write_add_filter_gzip(c->gw);
		archive_write_set_format_raw(c->gw);
		/* Reproducible output: no timestamp in the gzip header. */
		(void)archive_write_set_filter_option(c->gw, "gzip", "timestamp", NULL);
		archive_write_set_bytes_per_block(c->gw, 0);
		if (archive_write_open(c->gw, c, NULL, gz_write, NULL) != ARCHIVE_OK)
			return ar_fail(c, c->gw, e);
		raw = archive_entry_new();
		archive_entry_set_filetype(raw, AE_IFREG);
		archive_entry_set_pathname(raw, "layer.tar");
		if (archive_write_header(c->gw, raw) != ARCHIVE_OK) {
			archive_entry_free(raw);
			return ar_fail(c, c->gw, e);
		}
		archive_entry_free(raw);
	}
	c->tw = archive_write_new();
	c->links = archive_entry_linkresolver_new();
	if (!c->tw || !c->links)
		return err_set(e, -ENOMEM, "out of memory");
	archive_write_set_format_pax_restricted(c->tw);
	archive_entry_linkresolver_set_strategy(c->links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	/* No padding to 10 KiB records: the stream ends after the two zero
	 * blocks, like Go's archive/tar that dockerd uses. */
	archive_write_set_bytes_per_block(c->tw, 0);
	if (archive_write_open(c->tw, c, NULL, tar_write, NULL) != ARCHIVE_OK)
		return ar_fail(c, c->tw, e);
	return 0;
}

static struct archive_entry *
entry_from_stat(const char *path, const struct stat *st)
{
	struct archive_entry *ent = archive_entry_new();

	if (!ent)
		abort();
	archive_entry_copy_stat(ent, st);
	archive_entry_set_pathname(ent, path);
	archive_entry_unset_atime(ent);
	archive_entry_unset_ctime(ent);
	archive_entry_unset_birthtime(ent);
	archive_entry_set_mtime(ent, st->st_mtim.tv_sec, 0);
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(ent, 0);
	return ent;
}

static int
write_header(struct tar_ctx *c, struct archive_entry *ent, struct err *e)
{
	if (c->unmap) {
		archive_entry_set_uid(ent,
				      idmap_to_container_or_keep(&c->unmap->uid,
								 (uint32_t)archive_entry_uid(ent)));
		archive_entry_set_gid(ent,
				      idmap_to_container_or_keep(&c->unmap->gid,
								 (uint32_t)archive_entry_gid(ent)));
	}
	if (archive_write_header(c->tw, ent) < ARCHIVE_WARN)
		return ar_fail(c, c->tw, e);
	c->entries++;
	return 0;
}

/* An empty regular file entry: the OCI spelling of a whiteout. */
static int
write_marker(struct tar_ctx *c, const char *path, const struct stat *st, struct err *e)
{
	struct stat mst = *st;
	struct archive_entry *ent;
	int r;

	mst.st_mode = S_IFREG | (st->st_mode & 0777);
	mst.st_size = 0;
	mst.st_nlink = 1;
	ent = entry_from_stat(path, &mst);
	r = write_header(c, ent, e);
	archive_entry_free(ent);
	return r;
}

static int
write_file(struct tar_ctx *c, int dfd, const char *name, struct archive_entry *ent,
	   struct err *e)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct archive_entry *spare = NULL;
	char cap[LIMIT_ARCHIVE_XATTR_VALUE];
	ssize_t n;
	int r;

	if (fd < 0)
		return err_errno(e, -errno, "cannot open '%s'", archive_entry_pathname(ent));
	/* dockerd keeps only file capabilities among the xattrs of a layer. */
	n = fgetxattr(fd, "security.capability", cap, sizeof(cap));
	if (n > 0)
		archive_entry_xattr_add_entry(ent, "security.capability", cap, (size_t)n);
	archive_entry_linkify(c->links, &ent, &spare);
	r = write_header(c, ent, e);
	if (r < 0 || archive_entry_hardlink(ent))
		return r; /* a later name of an already written inode: no data */
	while ((n = read(fd, c->buf, IO_BUF)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(e, -errno, "cannot read '%s'", archive_entry_pathname(ent));
		if (archive_write_data(c->tw, c->buf, (size_t)n) < 0)
			return ar_fail(c, c->tw, e);
	}
	return 0;
}

static int walk(struct tar_ctx *c, int dfd, const char *prefix, unsigned depth, struct err *e);

static int
write_child(struct tar_ctx *c, int dfd, const char *prefix, const char *name, unsigned depth,
	    struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s%s", prefix, name);
	struct archive_entry *ent = NULL;
	struct stat st;
	int r = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno(e, -errno, "cannot stat '%s'", path);
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (c->skip && c->skip(c->skip_ud, path, &st))
		return 0;
	if ((c->flags & TAR_OVERLAY_WHITEOUTS) && whiteout_is_overlay(&st)) {
		_cleanup_free_ char *wh = xasprintf("%s" WHITEOUT_PREFIX "%s", prefix, name);
		return write_marker(c, wh, &st, e);
	}
	if (S_ISDIR(st.st_mode)) {
		_cleanup_free_ char *dpath = xasprintf("%s/", path);
		_cleanup_close_ int cfd =
			openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			return err_errno(e, -errno, "cannot open '%s'", path);
		ent = entry_from_stat(dpath, &st);
		r = write_header(c, ent, e);
		archive_entry_free(ent);
		if (r == 0 && (c->flags & TAR_OVERLAY_WHITEOUTS) && whiteout_is_opaque(cfd)) {
			_cleanup_free_ char *opq = xasprintf("%s" WHITEOUT_OPAQUE, dpath);
			r = write_marker(c, opq, &st, e);
		}
		return r < 0 ? r : walk(c, cfd, dpath, depth + 1, e);
	}
	ent = entry_from_stat(path, &st);
	if (S_ISLNK(st.st_mode)) {
		char target[LIMIT_ARCHIVE_PATH_LEN + 1];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			r = err_errno(e, -errno, "cannot read link '%s'", path);
		else {
			target[n] = '\0';
			archive_entry_set_symlink(ent, target);
			r = write_header(c, ent, e);
		}
	} else if (S_ISREG(st.st_mode)) {
		r = write_file(c, dfd, name, ent, e);
	} else {
		r = write_header(c, ent, e);
	}
	archive_entry_free(ent);
	return r;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the names in @dfd, sorted bytewise for a deterministic order. */
static int
list_dir(int dfd, char ***ret, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strv_ char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	/* A fresh open file description: a dup would share (and consume)
	 * the caller's directory offset. */
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(d = fdopendir(fd))) {
		safe_close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n + 2 > cap) {
			cap = cap ? 2 * cap : 32;
			names = xrealloc(names, cap * sizeof(char *));
		}
		names[n++] = xstrdup(de->d_name);
		names[n] = NULL;
	}
	if (errno)
		return -errno;
	if (n)
		qsort(names, n, sizeof(char *), cmp_names);
	*ret = TAKE_PTR(names);
	*ret_n = n;
	return 0;
}

static int
walk(struct tar_ctx *c, int dfd, const char *prefix, unsigned depth, struct err *e)
{
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;
	int r;

	if (depth > LIMIT_ARCHIVE_DEPTH)
		return err_set(e, -E2BIG, "'%s' is nested deeper than %u levels", prefix,
			       LIMIT_ARCHIVE_DEPTH);
	r = list_dir(dfd, &names, &n);
	if (r < 0)
		return err_errno(e, r, "cannot read directory '%s'", *prefix ? prefix : ".");
	for (size_t i = 0; i < n; i++) {
		r = write_child(c, dfd, prefix, names[i], depth, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
finish(struct tar_ctx *c, struct tar_result *ret, struct err *e)
{
	char hex[DIGEST_HEX_LEN + 1];

	if (archive_write_close(c->tw) != ARCHIVE_OK)
		return ar_fail(c, c->tw, e);
	if (c->gw && archive_write_close(c->gw) != ARCHIVE_OK)
		return ar_fail(c, c->gw, e);
	if (!ret)
		return 0;
	*ret = (struct tar_result){.tar_size = c->tar_size,
				   .out_size = c->out_size,
				   .entries = c->entries};
	sha256_final_hex(TAKE_PTR(c->tar_hash), hex);
	snprintf(ret->tar_digest, sizeof(ret->tar_digest), "sha256:%s", hex);
	sha256_final_hex(TAKE_PTR(c->out_hash), hex);
	snprintf(ret->out_digest, sizeof(ret->out_digest), "sha256:%s", hex);
	return 0;
}

int
tar_create(int src_dirfd, int out_fd, unsigned flags, struct tar_result *ret, struct err *e)
{
	return tar_create_filtered(src_dirfd, out_fd, flags, NULL, NULL, ret, e);
}

int
tar_create_filtered(int src_dirfd, int out_fd, unsigned flags, tar_skip_fn skip, void *ud,
		    struct tar_result *ret, struct err *e)
{
	return tar_create_unmapped(src_dirfd, out_fd, flags, skip, ud, NULL, ret, e);
}

int
tar_create_unmapped(int src_dirfd, int out_fd, unsigned flags, tar_skip_fn skip, void *ud,
		    const struct idmap *unmap, struct tar_result *ret, struct err *e)
{
	struct tar_ctx c = {.flags = flags,
			    .out_fd = out_fd,
			    .skip = skip,
			    .skip_ud = ud,
			    .unmap = idmap_is_set(unmap) ? unmap : NULL};
	int r;

	c.tar_hash = sha256_new();
	c.out_hash = sha256_new();
	c.buf = xmalloc(IO_BUF);
	r = open_writers(&c, e);
	if (r == 0)
		r = walk(&c, src_dirfd, "", 0, e);
	if (r == 0)
		r = finish(&c, ret, e);
	/* After a failure, free must not write a trailer into the output. */
	if (c.tw) {
		if (r < 0)
			archive_write_fail(c.tw);
		archive_write_free(c.tw);
	}
	if (c.gw) {
		if (r < 0)
			archive_write_fail(c.gw);
		archive_write_free(c.gw);
	}
	archive_entry_linkresolver_free(c.links);
	sha256_free(c.tar_hash);
	sha256_free(c.out_hash);
	free(c.buf);
	return r;
}
