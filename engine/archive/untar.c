/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar extraction; see untar.h for the rules. Two libarchive readers are
 * stacked so one pass yields both digests: the outer one ("raw" format plus
 * the decompression filters) reads @in_fd through a callback that hashes the
 * compressed bytes; the inner one (tar only, no filters) reads the outer's
 * decompressed data through a callback that hashes the tar bytes.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/archive/helper.h"
#include "engine/archive/untar.h"
#include "engine/archive/whiteout.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define IO_BUF (128u * 1024)

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct untar_ctx {
	struct untar_opts o;
	const struct untar_hooks *hooks;
	int in_fd, root_fd;
	bool is_root;
	struct archive *outer, *inner;
	struct sha256_ctx *raw_hash, *tar_hash;
	uint64_t raw_size, tar_size, unpacked, entries;
	int io_error;		/* -errno of a failed read(2) on in_fd */
	unsigned char *raw_buf, *tar_buf;
	/* The last parent directory walked to, reused by consecutive entries. */
	char *cache_path;
	int cache_fd;
	/* UNTAR_WHITEOUT_APPLY: paths this archive created (tsearch tree). */
	void *created;
	struct dir_time *dir_times;
	size_t n_dir_times, cap_dir_times;
	const char *entry;	/* current entry name, for messages */
};

static ssize_t
outer_read(struct archive *a, void *data, const void **ret_buf)
{
	struct untar_ctx *c = data;
	ssize_t n;

	do
		n = read(c->in_fd, c->raw_buf, IO_BUF);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		c->io_error = -errno;
		archive_set_error(a, errno, "read failed");
		return -1;
	}
	if (c->raw_hash)
		sha256_update(c->raw_hash, c->raw_buf, (size_t)n);
	c->raw_size += (uint64_t)n;
	*ret_buf = c->raw_buf;
	return n;
}

static ssize_t
inner_read(struct archive *a, void *data, const void **ret_buf)
{
	struct untar_ctx *c = data;
	la_ssize_t n = archive_read_data(c->outer, c->tar_buf, IO_BUF);

	if (n < 0) {
		archive_set_error(a, archive_errno(c->outer), "%s",
				  archive_error_string(c->outer));
		return -1;
	}
	sha256_update(c->tar_hash, c->tar_buf, (size_t)n);
	c->tar_size += (uint64_t)n;
	*ret_buf = c->tar_buf;
	return n;
}

static int
ar_fail(struct untar_ctx *c, struct archive *a, struct err *e)
{
	if (c->io_error)
		return err_errno(e, c->io_error, "cannot read archive");
	return err_set(e, -EINVAL, "invalid archive: %s",
		       archive_error_string(a) ? archive_error_string(a) : "unknown error");
}

static int
open_readers(struct untar_ctx *c, struct err *e)
{
	struct archive_entry *ent;
	int r;

	c->outer = archive_read_new();
	c->inner = archive_read_new();
	if (!c->outer || !c->inner)
		return err_set(e, -ENOMEM, "out of memory");
	/* Only in-process decoders: support_filter_all would also accept
	 * formats that libarchive decodes by running external programs. */
	archive_read_support_filter_gzip(c->outer);
	archive_read_support_filter_bzip2(c->outer);
	archive_read_support_filter_xz(c->outer);
	archive_read_support_filter_zstd(c->outer);
	archive_read_support_format_raw(c->outer);
	if (archive_read_open(c->outer, c, NULL, outer_read, NULL) != ARCHIVE_OK)
		return ar_fail(c, c->outer, e);
	r = archive_read_next_header(c->outer, &ent);
	if (r != ARCHIVE_OK)
		return r == ARCHIVE_EOF ? err_set(e, -EINVAL, "invalid archive: empty input")
					: ar_fail(c, c->outer, e);
	archive_read_support_format_tar(c->inner);
	if (archive_read_open(c->inner, c, NULL, inner_read, NULL) != ARCHIVE_OK)
		return ar_fail(c, c->inner, e);
	return 0;
}

/*
 * Normalises an entry or link name: drops "." and empty components, refuses
 * absolute names, ".." components, over-long components and too deep paths.
 * Returns the clean relative path ("" for the root) in @ret.
 */
static int
clean_path(struct untar_ctx *c, const char *name, char **ret, struct err *e)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0, depth = 0;

	if (!name || !*name)
		return err_set(e, -EINVAL, "archive entry with an empty name");
	if (strlen(name) > LIMIT_ARCHIVE_PATH_LEN)
		return err_set(e, -EINVAL, "archive entry '%.64s...': name too long", name);
	if (name[0] == '/')
		return err_set(e, -EINVAL, "archive entry '%s': absolute names are not allowed",
			       name);
	out = xmalloc(strlen(name) + 1);
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return err_set(e, -EINVAL,
				       "archive entry '%s': '..' components are not allowed", name);
		if (n > 255)
			return err_set(e, -EINVAL, "archive entry '%s': component too long", name);
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (++depth > c->o.max_depth)
				return err_set(e, -E2BIG,
					       "archive entry '%.64s...': deeper than %u levels",
					       name, c->o.max_depth);
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	out[len] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

static int
strcmp_node(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
note_created(struct untar_ctx *c, const char *path)
{
	char *copy;
	void *node;

	if (c->o.whiteout != UNTAR_WHITEOUT_APPLY)
		return;
	copy = xstrdup(path);
	node = tsearch(copy, &c->created, strcmp_node);
	if (!node)
		abort();
	if (*(char **)node != copy)
		free(copy);
}

/*
 * Opens the directory @comp (one component) below @dirfd, resolved with
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS: a symlink
 * is refused (ELOOP), and nothing can lead above @dirfd even if the tree
 * changes meanwhile (a running container's). Sets errno like openat.
 */
static int
open_in_root(int dirfd, const char *comp)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};

	return (int)syscall(SYS_openat2, dirfd, comp, &how, sizeof(how));
}

/*
 * Opens directory @dir ("" = the root) by walking one component at a time
 * with O_NOFOLLOW, so a symlink anywhere on the way is an error instead of
 * a way out. With @create, missing directories are made (0755, as dockerd).
 * Returns a new fd.
 */
static int
walk_dir(struct untar_ctx *c, const char *dir, bool create, struct err *e)
{
	_cleanup_close_ int fd = fcntl(c->root_fd, F_DUPFD_CLOEXEC, 3);
	_cleanup_free_ char *copy = xstrdup(dir);
	char *save = NULL;

	if (fd < 0)
		return err_errno(e, -errno, "cannot duplicate directory fd");
	for (char *comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		int nfd = open_in_root(fd, comp);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
				return err_errno(e, -errno, "archive entry '%s': cannot create '%s'",
						 c->entry, comp);
			if (c->o.whiteout == UNTAR_WHITEOUT_APPLY) {
				_cleanup_free_ char *made =
					xstrndup(dir, (size_t)(comp - copy) + strlen(comp));
				note_created(c, made);
			}
			nfd = open_in_root(fd, comp);
		}
		if (nfd < 0 && (errno == ELOOP || errno == ENOTDIR))
			return err_set(e, -EINVAL,
				       "archive entry '%s': '%s' is a symlink or not a directory",
				       c->entry, comp);
		if (nfd < 0)
			return err_errno(e, -errno, "archive entry '%s': cannot open '%s'", c->entry,
					 comp);
		safe_close(fd);
		fd = nfd;
	}
	return TAKE_FD(fd);
}

/* The parent directory fd of the current entry, cached across entries. */
static int
parent_fd(struct untar_ctx *c, const char *dir, struct err *e)
{
	int fd;

	if (c->cache_path && strcmp(c->cache_path, dir) == 0)
		return c->cache_fd;
	fd = walk_dir(c, dir, true, e);
	if (fd < 0)
		return fd;
	c->cache_fd = safe_close(c->cache_fd);
	free(c->cache_path);
	c->cache_path = xstrdup(dir);
	c->cache_fd = fd;
	return fd;
}

/* Makes room for @leaf: keeps an existing directory when @want_dir, else
 * removes whatever is there (without following symlinks). */
static int
clear_leaf(struct untar_ctx *c, int pfd, const char *leaf, bool want_dir, struct err *e)
{
	struct stat st;
	int r;

	if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_errno(e, -errno, "archive entry '%s'", c->entry);
	if (want_dir && S_ISDIR(st.st_mode))
		return 1;
	r = fs_rm_rf_at(pfd, leaf);
	if (r < 0)
		return err_errno(e, r, "archive entry '%s': cannot replace existing file", c->entry);
	return 0;
}

static int
apply_xattrs(struct untar_ctx *c, int fd, struct archive_entry *ent, struct err *e)
{
	const char *name;
	const void *value;
	size_t size;
	unsigned n = 0;

	archive_entry_xattr_reset(ent);
	while (archive_entry_xattr_next(ent, &name, &value, &size) == ARCHIVE_OK) {
		if (++n > LIMIT_ARCHIVE_XATTRS || size > LIMIT_ARCHIVE_XATTR_VALUE)
			return err_set(e, -E2BIG, "archive entry '%s': too many or too large xattrs",
				       c->entry);
		/* Overlay metadata is ours to write (whiteouts); never the layer's. */
		if (whiteout_is_overlay_xattr(name))
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0)
			log_debug("archive entry '%s': cannot set xattr '%s': %s, ignoring",
				  c->entry, name, strerror(errno));
	}
	return 0;
}

static void
defer_dir_time(struct untar_ctx *c, const char *path, const struct timespec ts[2])
{
	if (c->n_dir_times == c->cap_dir_times) {
		c->cap_dir_times = c->cap_dir_times ? 2 * c->cap_dir_times : 64;
		c->dir_times = xrealloc(c->dir_times, c->cap_dir_times * sizeof(*c->dir_times));
	}
	c->dir_times[c->n_dir_times].path = xstrdup(path);
	memcpy(c->dir_times[c->n_dir_times].ts, ts, sizeof(struct timespec[2]));
	c->n_dir_times++;
}

/*
 * Owner, mode, xattrs, then times, in that order: chown clears set-id bits
 * and file capabilities, so it must come first. @fd is the open entry for
 * regular files and directories, -1 for the rest (never a symlink's target).
 */
static int
apply_meta(struct untar_ctx *c, int pfd, const char *leaf, const char *path, int fd,
	   struct archive_entry *ent, struct err *e)
{
	mode_t type = archive_entry_filetype(ent);
	mode_t perm = archive_entry_perm(ent) & 07777;
	struct timespec ts[2] = {
		{archive_entry_atime(ent), archive_entry_atime_nsec(ent)},
		{archive_entry_mtime(ent), archive_entry_mtime_nsec(ent)},
	};
	int r;

	if (!archive_entry_atime_is_set(ent))
		ts[0] = ts[1];
	if (c->is_root && !(c->o.flags & UNTAR_NO_CHOWN)) {
		uid_t uid = (uid_t)archive_entry_uid(ent);
		gid_t gid = (gid_t)archive_entry_gid(ent);
		if (c->o.flags & UNTAR_CHOWN_ROOT)
			uid = 0, gid = 0;
		if (idmap_is_set(&c->o.idmap)) {
			uid = idmap_to_host(&c->o.idmap.uid, uid);
			gid = idmap_to_host(&c->o.idmap.gid, gid);
		}
		r = fd >= 0 ? fchown(fd, uid, gid) : fchownat(pfd, leaf, uid, gid, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			return err_errno(e, -errno, "archive entry '%s': cannot change owner", c->entry);
	}
	if (type != AE_IFLNK) {
		if (!c->is_root)
			perm &= 0777; /* set-id bits only when we could set the owner too */
		r = fd >= 0 ? fchmod(fd, perm) : fchmodat(pfd, leaf, perm, 0);
		if (r < 0)
			return err_errno(e, -errno, "archive entry '%s': cannot change mode", c->entry);
	}
	if (fd >= 0) {
		r = apply_xattrs(c, fd, ent, e);
		if (r < 0)
			return r;
	}
	if (type == AE_IFDIR) {
		defer_dir_time(c, path, ts);
		return 0;
	}
	if (utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno(e, -errno, "archive entry '%s': cannot set times", c->entry);
	return 0;
}

static int
charge_bytes(struct untar_ctx *c, uint64_t n, struct err *e)
{
	if (n > c->o.max_bytes || c->unpacked > c->o.max_bytes - n)
		return err_set(e, -E2BIG, "archive entry '%s': archive unpacks to more than %llu bytes",
			       c->entry, (unsigned long long)c->o.max_bytes);
	c->unpacked += n;
	return 0;
}

static int
write_data(struct untar_ctx *c, int fd, int64_t size, struct err *e)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	for (;;) {
		r = archive_read_data_block(c->inner, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return ar_fail(c, c->inner, e);
		if (off < 0 || (uint64_t)off + len > (uint64_t)size)
			return err_set(e, -EINVAL, "archive entry '%s': data beyond its size",
				       c->entry);
		for (size_t done = 0; done < len;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
					   off + (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return err_errno(e, -errno, "archive entry '%s': write failed",
						 c->entry);
			done += (size_t)n;
		}
	}
	/* Sparse files may end in a hole. */
	if (ftruncate(fd, size) < 0)
		return err_errno(e, -errno, "archive entry '%s': cannot set size", c->entry);
	return 0;
}

static int
make_regular(struct untar_ctx *c, int pfd, const char *leaf, const char *path,
	     struct archive_entry *ent, struct err *e)
{
	_cleanup_close_ int fd = -1;
	int64_t size = archive_entry_size(ent);
	int r;

	if (size < 0)
		return err_set(e, -EINVAL, "archive entry '%s': invalid size", c->entry);
	r = charge_bytes(c, (uint64_t)size, e);
	if (r < 0)
		return r;
	fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_errno(e, -errno, "archive entry '%s': cannot create", c->entry);
	r = write_data(c, fd, size, e);
	if (r < 0)
		return r;
	return apply_meta(c, pfd, leaf, path, fd, ent, e);
}

static int
make_dir(struct untar_ctx *c, int pfd, const char *leaf, const char *path,
	 struct archive_entry *ent, struct err *e)
{
	_cleanup_close_ int fd = -1;

	if (mkdirat(pfd, leaf, 0700) < 0 && errno != EEXIST)
		return err_errno(e, -errno, "archive entry '%s': cannot create directory", c->entry);
	fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno(e, -errno, "archive entry '%s': cannot open directory", c->entry);
	return apply_meta(c, pfd, leaf, path, fd, ent, e);
}

static int
make_hardlink(struct untar_ctx *c, int pfd, const char *leaf, const char *target,
	      struct err *e)
{
	_cleanup_free_ char *clean = NULL;
	_cleanup_close_ int tfd = -1;
	char *slash;
	int r;

	r = clean_path(c, target, &clean, e);
	if (r < 0)
		return err_prefix(e, "hard link '%s'", c->entry);
	if (!*clean)
		return err_set(e, -EINVAL, "archive entry '%s': hard link to the root", c->entry);
	slash = strrchr(clean, '/');
	if (slash)
		*slash = '\0';
	/* The target's directory is reached without following symlinks, and
	 * linkat without AT_SYMLINK_FOLLOW links a symlink itself, never what
	 * it points to: the target is inside the tree by construction. */
	tfd = walk_dir(c, slash ? clean : "", false, e);
	if (tfd < 0)
		return err_prefix(e, "hard link target '%s'", target);
	if (linkat(tfd, slash ? slash + 1 : clean, pfd, leaf, 0) < 0)
		return err_errno(e, -errno, "archive entry '%s': cannot link to '%s'", c->entry,
				 target);
	return 0;
}

static int
make_special(struct untar_ctx *c, int pfd, const char *leaf, const char *path,
	     struct archive_entry *ent, struct err *e)
{
	mode_t type = archive_entry_filetype(ent);
	const char *target;
	int r;

	switch (type) {
	case AE_IFLNK:
		target = archive_entry_symlink(ent);
		if (!target || !*target || strlen(target) > LIMIT_ARCHIVE_PATH_LEN)
			return err_set(e, -EINVAL, "archive entry '%s': invalid symlink target",
				       c->entry);
		r = charge_bytes(c, strlen(target), e);
		if (r < 0)
			return r;
		if (symlinkat(target, pfd, leaf) < 0)
			return err_errno(e, -errno, "archive entry '%s': cannot create symlink",
					 c->entry);
		break;
	case AE_IFCHR:
	case AE_IFBLK:
		if (!(c->o.flags & UNTAR_ALLOW_DEVICES))
			return err_set(e, -EINVAL, "archive entry '%s': device nodes are not allowed",
				       c->entry);
		/* fall through */
	case AE_IFIFO:
		if (mknodat(pfd, leaf, type | 0600,
			    makedev(archive_entry_rdevmajor(ent), archive_entry_rdevminor(ent))) < 0)
			return err_errno(e, -errno, "archive entry '%s': cannot create node",
					 c->entry);
		break;
	default:
		return err_set(e, -EINVAL, "archive entry '%s': unsupported file type 0%o",
			       c->entry, (unsigned)type);
	}
	return apply_meta(c, pfd, leaf, path, -1, ent, e);
}

/* APPLY mode: empties @pfd of everything this archive did not create. */
static int
apply_opaque(struct untar_ctx *c, int pfd, const char *dir, struct err *e)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	/* Not a dup: that would share the directory offset with @pfd. */
	int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		safe_close(dfd);
		return err_errno(e, -errno, "archive entry '%s': cannot read directory", c->entry);
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = *dir ? xasprintf("%s/%s", dir, de->d_name) : xstrdup(de->d_name);
		if (tfind(p, &c->created, strcmp_node))
			continue;
		int r = fs_rm_rf_at(pfd, de->d_name);
		if (r < 0)
			return err_errno(e, r, "archive entry '%s': cannot remove '%s'", c->entry, p);
	}
	return 0;
}

/* Returns 1 when the entry was a whiteout and is fully handled. */
static int
handle_whiteout(struct untar_ctx *c, int pfd, const char *dir, const char *leaf,
		struct err *e)
{
	const char *name = NULL;
	int r;

	if (c->o.whiteout == UNTAR_WHITEOUT_NONE)
		return 0;
	switch (whiteout_classify(leaf, &name)) {
	case WHITEOUT_NONE:
		return 0;
	case WHITEOUT_OPAQUE_DIR:
		if (c->o.whiteout == UNTAR_WHITEOUT_APPLY)
			r = apply_opaque(c, pfd, dir, e);
		else if (c->hooks && c->hooks->mark_opaque)
			r = c->hooks->mark_opaque(c->hooks->ud, dir, c->entry, e);
		else if ((r = whiteout_mark_opaque(pfd)) < 0)
			r = err_errno(e, r, "archive entry '%s': cannot mark directory opaque",
				      c->entry);
		return r < 0 ? r : 1;
	case WHITEOUT_META:
		return 1; /* aufs bookkeeping (.wh..wh.plnk, ...): nothing to apply */
	case WHITEOUT_INVALID:
		return err_set(e, -EINVAL, "archive entry '%s': invalid whiteout", c->entry);
	case WHITEOUT_FILE:
		break;
	}
	r = fs_rm_rf_at(pfd, name);
	if (r < 0)
		return err_errno(e, r, "archive entry '%s': cannot remove whited-out file", c->entry);
	if (c->o.whiteout == UNTAR_WHITEOUT_OVERLAY && (r = whiteout_make_overlay(pfd, name)) < 0)
		return err_errno(e, r, "archive entry '%s': cannot create whiteout", c->entry);
	return 1;
}

static int
handle_entry(struct untar_ctx *c, struct archive_entry *ent, struct err *e)
{
	_cleanup_free_ char *path = NULL;
	const char *leaf, *link = archive_entry_hardlink(ent);
	mode_t type = archive_entry_filetype(ent);
	char *slash;
	int pfd, r;

	c->entry = archive_entry_pathname(ent);
	if (++c->entries > c->o.max_entries)
		return err_set(e, -E2BIG, "archive has more than %llu entries",
			       (unsigned long long)c->o.max_entries);
	r = clean_path(c, c->entry, &path, e);
	if (r < 0)
		return r;
	if (!*path) {
		if (type == AE_IFDIR && !link)
			return 0; /* "./": the destination itself; dockerd skips it too */
		return err_set(e, -EINVAL, "archive entry '%s': cannot replace the root", c->entry);
	}
	slash = strrchr(path, '/');
	if (slash)
		*slash = '\0';
	leaf = slash ? slash + 1 : path;
	pfd = parent_fd(c, slash ? path : "", e);
	if (pfd < 0)
		return pfd;
	r = handle_whiteout(c, pfd, slash ? path : "", leaf, e);
	if (r != 0)
		return r < 0 ? r : 0;
	r = clear_leaf(c, pfd, leaf, type == AE_IFDIR && !link, e);
	if (r < 0)
		return r;
	if (slash)
		*slash = '/';
	note_created(c, path);
	if (slash)
		*slash = '\0';
	if (link)
		r = make_hardlink(c, pfd, leaf, link, e);
	else if (type == AE_IFREG)
		r = make_regular(c, pfd, leaf, path, ent, e);
	else if (type == AE_IFDIR)
		r = make_dir(c, pfd, leaf, path, ent, e);
	else
		r = make_special(c, pfd, leaf, path, ent, e);
	return r;
}

/* Directory times go last: creating children changes a directory's mtime. */
static void
apply_dir_times(struct untar_ctx *c)
{
	for (size_t i = 0; i < c->n_dir_times; i++) {
		struct err ignored = ERR_INIT;
		_cleanup_close_ int fd = walk_dir(c, c->dir_times[i].path, false, &ignored);
		if (fd >= 0 && futimens(fd, c->dir_times[i].ts) < 0)
			log_debug("cannot set times of '%s': %s, ignoring", c->dir_times[i].path,
				  strerror(errno));
	}
}

/* Hashes whatever follows the tar end marker and the compressed stream, so
 * the digests cover every byte (registries hash the whole blob). */
static int
drain(struct untar_ctx *c, struct err *e)
{
	const void *buf;
	ssize_t n;

	while ((n = inner_read(c->inner, c, &buf)) > 0)
		;
	if (n < 0)
		return ar_fail(c, c->outer, e);
	while ((n = outer_read(c->outer, c, &buf)) > 0)
		;
	return n < 0 ? ar_fail(c, c->outer, e) : 0;
}

static void
ctx_release(struct untar_ctx *c)
{
	if (c->inner)
		archive_read_free(c->inner);
	if (c->outer)
		archive_read_free(c->outer);
	sha256_free(c->raw_hash);
	sha256_free(c->tar_hash);
	free(c->raw_buf);
	free(c->tar_buf);
	free(c->cache_path);
	safe_close(c->cache_fd);
	tdestroy(c->created, free);
	for (size_t i = 0; i < c->n_dir_times; i++)
		free(c->dir_times[i].path);
	free(c->dir_times);
}

/*
 * UNTAR_NO_OVERWRITE_DIR_NON_DIR: a first pass over the headers, then back
 * to the start of @c->in_fd. Existing entries are looked up beneath the
 * destination (RESOLVE_IN_ROOT), so the look stays inside it.
 */
static int
check_no_overwrite(struct untar_ctx *c, struct err *e)
{
	_cleanup_archive_ struct archive *a = archive_read_new();
	struct archive_entry *ae;
	off_t start = lseek(c->in_fd, 0, SEEK_CUR);
	int r = 0, ar;

	if (start < 0)
		return err_errno(e, -errno, "cannot rewind the archive");
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_fd(a, c->in_fd, 65536) != ARCHIVE_OK)
		return err_set(e, -EINVAL, "invalid archive: %s", archive_error_string(a));
	while (r == 0 && (ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		bool is_dir = archive_entry_filetype(ae) == AE_IFDIR;
		_cleanup_close_ int fd = -1;
		struct stat st;

		if (!name || !*name)
			continue; /* the extraction refuses it with a precise message */
		fd = fs_open_beneath(c->root_fd, name, O_PATH | O_NOFOLLOW, 0);
		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && !is_dir)
			r = err_set(e, -EINVAL,
				    "cannot overwrite directory \"%s\" with non-directory", name);
		else if (!S_ISDIR(st.st_mode) && is_dir)
			r = err_set(e, -EINVAL,
				    "cannot overwrite non-directory \"%s\" with directory", name);
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = err_set(e, -EINVAL, "invalid archive: %s", archive_error_string(a));
	if (r == 0 && lseek(c->in_fd, start, SEEK_SET) < 0)
		r = err_errno(e, -errno, "cannot rewind the archive");
	return r;
}

static int
run(struct untar_ctx *c, struct untar_result *ret, struct err *e)
{
	struct archive_entry *ent;
	char hex[DIGEST_HEX_LEN + 1];
	int r;

	if ((c->o.flags & UNTAR_NO_OVERWRITE_DIR_NON_DIR) && (r = check_no_overwrite(c, e)) < 0)
		return r;
	r = open_readers(c, e);
	if (r < 0)
		return r;
	for (;;) {
		r = archive_read_next_header(c->inner, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return ar_fail(c, c->inner, e);
		r = handle_entry(c, ent, e);
		if (r < 0)
			return r;
	}
	r = drain(c, e);
	if (r < 0)
		return r;
	apply_dir_times(c);
	if (!ret)
		return 0;
	*ret = (struct untar_result){.raw_size = c->raw_size, .tar_size = c->tar_size,
				     .unpacked_size = c->unpacked, .entries = c->entries};
	sha256_final_hex(TAKE_PTR(c->tar_hash), hex);
	snprintf(ret->diff_id, sizeof(ret->diff_id), "sha256:%s", hex);
	if (c->raw_hash) {
		sha256_final_hex(TAKE_PTR(c->raw_hash), hex);
		snprintf(ret->raw_digest, sizeof(ret->raw_digest), "sha256:%s", hex);
	}
	return 0;
}

int
untar_extract_local(int in_fd, int dest_dirfd, const struct untar_opts *o, struct untar_result *ret,
		    struct err *e)
{
	return untar_extract_hooked(in_fd, dest_dirfd, o, NULL, ret, e);
}

int
untar_extract_hooked(int in_fd, int dest_dirfd, const struct untar_opts *o,
		     const struct untar_hooks *hooks, struct untar_result *ret, struct err *e)
{
	struct untar_ctx c = {
		.hooks = hooks,
		.in_fd = in_fd,
		.root_fd = dest_dirfd,
		.cache_fd = -1,
		.is_root = geteuid() == 0,
	};
	int r;

	if (o)
		c.o = *o;
	if (!c.o.max_entries)
		c.o.max_entries = LIMIT_ARCHIVE_ENTRIES;
	if (!c.o.max_bytes)
		c.o.max_bytes = LIMIT_ARCHIVE_BYTES;
	if (!c.o.max_depth)
		c.o.max_depth = LIMIT_ARCHIVE_DEPTH;
	c.raw_hash = c.o.flags & UNTAR_NO_RAW_DIGEST ? NULL : sha256_new();
	c.tar_hash = sha256_new();
	c.raw_buf = xmalloc(IO_BUF);
	c.tar_buf = xmalloc(IO_BUF);
	r = run(&c, ret, e);
	ctx_release(&c);
	return r;
}

int
untar_extract(int in_fd, int dest_dirfd, const struct untar_opts *o, struct untar_result *ret,
	      struct err *e)
{
	const char *helper = helper_path();

	if (helper)
		return helper_untar(helper, in_fd, dest_dirfd, o, ret, e);
	return untar_extract_local(in_fd, dest_dirfd, o, ret, e);
}
