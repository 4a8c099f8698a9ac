/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tars read out of a container (tarout.h): the `docker cp` walker, the
 * `docker export` merged walk, and the choice between the read helper
 * (helper.h) and the calling process.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/archive/helper.h"
#include "engine/archive/merge.h"
#include "engine/archive/tarout.h"
#include "engine/archive/whiteout.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/xalloc.h"

/* Symlink hops followed to compute a link target (the kernel's MAXSYMLINKS). */
#define TAROUT_MAX_LINK_HOPS 40

int
tarout_clean_path(const char *path, char *buf, size_t size)
{
	size_t len = strlen(path), out = 0;
	const char *p = path;
	bool dot = false, slash = false;

	if (len == 0)
		return -EINVAL;
	if (size < 3)
		return -ENAMETOOLONG;
	dot = (len >= 2 && strcmp(path + len - 2, "/.") == 0) || strcmp(path, ".") == 0;
	slash = path[len - 1] == '/';
	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* back to the slash before the last component; above the root stays there */
			while (out > 0 && buf[--out] != '/')
				;
			p += n;
			continue;
		}
		if (out + 1 + n + 3 > size)
			return -ENAMETOOLONG;
		buf[out++] = '/';
		memcpy(buf + out, p, n);
		out += n;
		p += n;
	}
	if (out == 0)
		buf[out++] = '/';
	if (dot)
		out += (size_t)snprintf(buf + out, size - out, "%s", out == 1 ? "." : "/.");
	else if (slash && out > 1)
		buf[out++] = '/';
	buf[out] = '\0';
	return 0;
}

/*
 * A mount target cleaned into @t without a trailing "/" or "/.": returns
 * its length, 0 for an unusable one (too long, or "/").
 */
static size_t
clean_target(const char *target, char t[static PATH_MAX])
{
	size_t n;

	if (tarout_clean_path(target, t, PATH_MAX) < 0)
		return 0;
	n = strlen(t);
	while (n > 1 && (t[n - 1] == '/' || (t[n - 1] == '.' && t[n - 2] == '/')))
		n -= t[n - 1] == '/' ? 1 : 2;
	t[n] = '\0';
	return n > 1 ? n : 0;
}

/* Length of @target as a prefix of @clean, by whole components; 0 if it is not one. */
size_t
tarout_mount_prefix_len(const char *target, const char *clean)
{
	char t[PATH_MAX];
	size_t n = clean_target(target, t);

	if (n == 0 || strncmp(clean, t, n) != 0 || (clean[n] != '\0' && clean[n] != '/'))
		return 0;
	return n;
}

/* ---- resolving ------------------------------------------------------ */

/* A resolved path: the entry is @name below @dirfd ("." for the dir itself). */
struct cp_entry {
	int dirfd;
	char name[NAME_MAX + 1];
	struct stat st;
};

static void
cp_entry_release(struct cp_entry *ent)
{
	ent->dirfd = safe_close(ent->dirfd);
}

/*
 * Resolves the cleaned @path beneath @rootfd. The last component is
 * followed only for "dir/" and "dir/." forms (which must be directories).
 */
static int
resolve(int rootfd, const char *path, struct cp_entry *ret)
{
	size_t len = strlen(path);
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash;
	int r;

	ret->dirfd = -1;
	if (strcmp(path, "/") == 0 || path[len - 1] == '/' || path[len - 1] == '.') {
		/* only "/", "x/" and "x/." end like this after tarout_clean_path */
		ret->dirfd = fs_open_beneath(rootfd, path, O_PATH | O_DIRECTORY, 0);
		strcpy(ret->name, ".");
	} else {
		slash = strrchr(dir, '/');
		if (strlen(slash + 1) > NAME_MAX)
			return -ENAMETOOLONG;
		strcpy(ret->name, slash + 1);
		slash[1] = '\0';
		ret->dirfd = fs_open_beneath(rootfd, dir, O_PATH | O_DIRECTORY, 0);
	}
	if (ret->dirfd < 0)
		return ret->dirfd;
	if (fstatat(ret->dirfd, ret->name, &ret->st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		cp_entry_release(ret);
		return r;
	}
	return 0;
}

/*
 * The absolute path a symlink at @path finally points to, following at
 * most TAROUT_MAX_LINK_HOPS links lexically, as the CLI's `cp -L` expects.
 */
static void
link_target(int rootfd, const char *path, char *buf, size_t size)
{
	char cur[PATH_MAX], target[PATH_MAX], joined[2 * PATH_MAX + 2];

	snprintf(cur, sizeof(cur), "%s", path);
	for (int hop = 0; hop < TAROUT_MAX_LINK_HOPS; hop++) {
		struct cp_entry ent;
		ssize_t n;

		if (resolve(rootfd, cur, &ent) < 0)
			break; /* dangling: report the last path reached */
		if (!S_ISLNK(ent.st.st_mode)) {
			cp_entry_release(&ent);
			break;
		}
		n = readlinkat(ent.dirfd, ent.name, target, sizeof(target) - 1);
		cp_entry_release(&ent);
		if (n <= 0)
			break;
		target[n] = '\0';
		if (target[0] == '/')
			snprintf(joined, sizeof(joined), "%s", target);
		else
			snprintf(joined, sizeof(joined), "%.*s/%s", (int)(strrchr(cur, '/') - cur),
				 cur, target);
		if (tarout_clean_path(joined, cur, sizeof(cur)) < 0)
			break;
		/* a trailing "/" from the link text is not part of the name */
		if (strlen(cur) > 1 && cur[strlen(cur) - 1] == '/')
			cur[strlen(cur) - 1] = '\0';
	}
	snprintf(buf, size, "%s", cur);
}

/* The basename dockerd reports: "b" for "/a/b" and "/a/b/", "." for "/a/.", "/" for "/". */
static void
base_name(const char *clean, char *buf, size_t size)
{
	size_t len = strlen(clean);
	const char *start;

	if (len > 1 && clean[len - 1] == '/')
		len--;
	start = clean + len;
	while (start > clean && start[-1] != '/')
		start--;
	if (start == clean + len)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(clean + len - start), start);
}

/* ---- reading: the tar walker ----------------------------------------- */

struct walk {
	struct archive *a;
	tarout_write_fn write;
	void *ud;
	int write_error;
	struct err *e;
	/* Crossing into binds and volumes of a stopped container (NULL when
	 * the root already shows them): the container path of the top entry
	 * and the length of its name in the archive. */
	const struct tarout_mount *mounts;
	size_t n_mounts;
	bool cross_mounts;
	/* --userns-remap: the container's host ids go out as its own ids */
	const struct idmap *unmap;
	char top[PATH_MAX];
	size_t top_len;
	bool xattrs; /* archive extended attributes too (copy-up) */
};

static la_ssize_t
walk_write_cb(struct archive *a, void *p, const void *data, size_t n)
{
	struct walk *w = p;
	int r = w->write(w->ud, data, n);

	(void)a;
	if (r < 0) {
		w->write_error = r;
		return -1;
	}
	return (la_ssize_t)n;
}

/* Copies @fd to the current entry of @a: 0, -errno when reading fails, 1
 * when the archive refuses the data (the caller words that error). */
static int
copy_data(struct archive *a, int fd)
{
	char b[65536];
	ssize_t n;

	while ((n = read(fd, b, sizeof(b))) > 0)
		if (archive_write_data(a, b, (size_t)n) < 0)
			return 1;
	return n < 0 ? -errno : 0;
}

static int
walk_fail(struct walk *w)
{
	if (w->write_error)
		return w->write_error;
	return err_set(w->e, -EIO, "cannot write the archive: %s", archive_error_string(w->a));
}

static int
walk_data(struct walk *w, int dirfd, const char *name, const char *path)
{
	/* O_NONBLOCK: the entry was a regular file at stat time; if it was
	 * swapped for a FIFO since, opening must not hang */
	_cleanup_close_ int fd = openat(dirfd, name,
					O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int r;

	if (fd < 0)
		return err_errno(w->e, -errno, "cannot open '%s'", path);
	r = copy_data(w->a, fd);
	if (r == 1)
		return walk_fail(w);
	if (r < 0)
		return err_errno(w->e, r, "cannot read '%s'", path);
	return 0;
}

/*
 * Adds the extended attributes of @name below @dirfd (not a symlink) to
 * @ae. Read through /proc/self/fd so that no path outside the tree is
 * named; attributes that vanish meanwhile are skipped.
 */
static int
walk_xattrs(struct walk *w, struct archive_entry *ae, int dirfd, const char *name, const char *path)
{
	_cleanup_free_ char *list = xmalloc(XATTR_LIST_MAX), *value = xmalloc(XATTR_SIZE_MAX);
	char p[64 + NAME_MAX];
	ssize_t n, vn;

	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dirfd, name);
	n = llistxattr(p, list, XATTR_LIST_MAX);
	if (n < 0)
		return errno == ENOTSUP
			       ? 0
			       : err_errno(w->e, -errno, "cannot list xattrs of '%s'", path);
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1) {
		vn = lgetxattr(p, list + off, value, XATTR_SIZE_MAX);
		if (vn < 0)
			continue;
		archive_entry_xattr_add_entry(ae, list + off, value, (size_t)vn);
	}
	return 0;
}

static int walk_dir(struct walk *w, int dirfd, const char *name, const char *prefix,
		    unsigned depth);
static int walk_child(struct walk *w, int dirfd, const char *name, const char *path,
		      const struct stat *st, unsigned depth);

/* Archives @name below @dirfd as @path (and, for a directory, what it holds). */
static int
walk_entry(struct walk *w, int dirfd, const char *name, const char *path, const struct stat *st,
	   unsigned depth)
{
	struct archive_entry *ae;
	char target[PATH_MAX];
	int r = 0;

	if (S_ISSOCK(st->st_mode))
		return 0; /* like tar and dockerd: sockets cannot be archived */
	if (strlen(path) > LIMIT_ARCHIVE_PATH_LEN)
		return err_set(w->e, -E2BIG, "path longer than %u bytes", LIMIT_ARCHIVE_PATH_LEN);
	ae = archive_entry_new();
	archive_entry_copy_stat(ae, st);
	if (w->unmap) {
		archive_entry_set_uid(ae, idmap_to_container_or_keep(&w->unmap->uid, st->st_uid));
		archive_entry_set_gid(ae, idmap_to_container_or_keep(&w->unmap->gid, st->st_gid));
	}
	archive_entry_set_pathname(ae, path);
	archive_entry_unset_atime(ae);
	archive_entry_unset_ctime(ae);
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			archive_entry_free(ae);
			return err_errno(w->e, -errno, "cannot read link '%s'", path);
		}
		target[n] = '\0';
		archive_entry_set_symlink(ae, target);
	}
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(ae, 0);
	if (w->xattrs && !S_ISLNK(st->st_mode) && (r = walk_xattrs(w, ae, dirfd, name, path)) < 0) {
		archive_entry_free(ae);
		return r;
	}
	if (archive_write_header(w->a, ae) < ARCHIVE_WARN)
		r = walk_fail(w);
	else if (S_ISREG(st->st_mode) && st->st_size > 0)
		r = walk_data(w, dirfd, name, path);
	archive_entry_free(ae);
	if (r >= 0 && S_ISDIR(st->st_mode))
		r = walk_dir(w, dirfd, name, path, depth + 1);
	return r;
}

/*
 * Archives a directory entry, or what is mounted there: a stopped
 * container's bind or volume whose target is exactly this path replaces
 * the (empty) mount point of its layer, as dockerd's mounted view would.
 */
static int
walk_child(struct walk *w, int dirfd, const char *name, const char *path, const struct stat *st,
	   unsigned depth)
{
	char cpath[PATH_MAX + NAME_MAX];
	struct stat src_st;

	if (!w->cross_mounts)
		return walk_entry(w, dirfd, name, path, st, depth);
	snprintf(cpath, sizeof(cpath), "%s%s", w->top, path + w->top_len);
	for (size_t i = 0; i < w->n_mounts; i++) {
		const struct tarout_mount *m = &w->mounts[i];
		size_t n;

		n = tarout_mount_prefix_len(m->target, cpath);
		if (n == 0 || cpath[n] != '\0')
			continue;
		if (m->dirfd < 0 || fstatat(m->dirfd, m->name, &src_st, AT_SYMLINK_NOFOLLOW) < 0)
			break; /* a vanished source: show the mount point itself */
		return walk_entry(w, m->dirfd, m->name, path, &src_st, depth);
	}
	return walk_entry(w, dirfd, name, path, st, depth);
}

/*
 * A stopped container that never ran has no mount points in its layer for
 * targets the image lacks: archive the binds and volumes whose target is
 * directly below the directory @dirfd (archived as @prefix) but absent from
 * it, as the mounted view of dockerd would show them.
 */
static int
walk_unseen_mounts(struct walk *w, int dirfd, const char *prefix, unsigned depth)
{
	char cdir[PATH_MAX + NAME_MAX], t[PATH_MAX];
	struct stat st;
	int r = 0;

	snprintf(cdir, sizeof(cdir), "%s%s", w->top, prefix + w->top_len);
	for (size_t i = 0; r >= 0 && i < w->n_mounts; i++) {
		const struct tarout_mount *m = &w->mounts[i];
		_cleanup_free_ char *path = NULL;
		char *slash;

		if (clean_target(m->target, t) == 0)
			continue;
		slash = strrchr(t, '/');
		*slash = '\0';
		if (strcmp(t, cdir) != 0 ||
		    fstatat(dirfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
			continue;
		if (m->dirfd < 0 || fstatat(m->dirfd, m->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path = xasprintf("%s/%s", prefix, slash + 1);
		r = walk_entry(w, m->dirfd, m->name, path, &st, depth);
	}
	return r;
}

static int
walk_dir(struct walk *w, int parentfd, const char *name, const char *prefix, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, r = 0;

	if (depth > LIMIT_ARCHIVE_DEPTH)
		return err_set(w->e, -E2BIG, "tree deeper than %u levels at '%s'",
			       LIMIT_ARCHIVE_DEPTH, prefix);
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno(w->e, -errno, "cannot open '%s'", prefix);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_errno(w->e, -errno, "cannot list '%s'", prefix);
	}
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* removed while we walk a running container */
			return err_errno(w->e, -errno, "cannot stat '%s/%s'", prefix, de->d_name);
		}
		path = xasprintf("%s/%s", prefix, de->d_name);
		r = walk_child(w, dirfd(d), de->d_name, path, &st, depth);
	}
	if (r >= 0 && w->cross_mounts)
		r = walk_unseen_mounts(w, dirfd(d), prefix, depth);
	return r;
}

/* ---- export --------------------------------------------------------- */

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct export_ctx {
	struct archive *a;
	tarout_write_fn write;
	void *ud;
	int write_error;
	struct hardlink *links;
	size_t n_links, cap_links;
	const struct idmap *unmap; /* --userns-remap: the container's files go out with its ids */
	struct err *e;
};

static la_ssize_t
export_write_cb(struct archive *a, void *p, const void *data, size_t n)
{
	struct export_ctx *x = p;
	int r = x->write(x->ud, data, n);

	(void)a;
	if (r < 0) {
		x->write_error = r;
		return -1;
	}
	return (la_ssize_t)n;
}

/* The first path seen for a multiply-linked inode, or NULL (and records it). */
static const char *
hardlink_target(struct export_ctx *x, const struct stat *st, const char *path)
{
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return NULL;
	for (size_t i = 0; i < x->n_links; i++)
		if (x->links[i].dev == st->st_dev && x->links[i].ino == st->st_ino)
			return x->links[i].path;
	if (x->n_links == x->cap_links) {
		x->cap_links = x->cap_links ? x->cap_links * 2 : 16;
		x->links = xrealloc(x->links, x->cap_links * sizeof(*x->links));
	}
	x->links[x->n_links++] = (struct hardlink){st->st_dev, st->st_ino, xstrdup(path)};
	return NULL;
}

static int
export_fail(struct export_ctx *x)
{
	if (x->write_error)
		return x->write_error;
	return err_set(x->e, -EIO, "cannot write the archive: %s", archive_error_string(x->a));
}

static int
export_data(struct export_ctx *x, int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0)
		return err_errno(x->e, -errno, "cannot open '%s' for export", name);
	r = copy_data(x->a, fd);
	if (r == 1)
		return export_fail(x);
	if (r < 0)
		return err_errno(x->e, r, "cannot read '%s' for export", name);
	return 0;
}

static int
export_entry(struct export_ctx *x, int dirfd, const char *name, const char *path,
	     const struct stat *st)
{
	struct archive_entry *ae = archive_entry_new();
	const char *link = hardlink_target(x, st, path);
	char target[PATH_MAX];
	int r = 0;

	archive_entry_copy_stat(ae, st);
	if (x->unmap) {
		archive_entry_set_uid(ae, idmap_to_container_or_keep(&x->unmap->uid, st->st_uid));
		archive_entry_set_gid(ae, idmap_to_container_or_keep(&x->unmap->gid, st->st_gid));
	}
	archive_entry_set_pathname(ae, path);
	archive_entry_set_atime(ae, 0, 0);
	archive_entry_set_ctime(ae, 0, 0);
	if (link) {
		archive_entry_set_hardlink(ae, link);
		archive_entry_set_size(ae, 0);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			archive_entry_free(ae);
			return err_errno(x->e, -errno, "cannot read link '%s'", path);
		}
		target[n] = '\0';
		archive_entry_set_symlink(ae, target);
	} else if (!S_ISREG(st->st_mode)) {
		archive_entry_set_size(ae, 0);
	}
	if (archive_write_header(x->a, ae) < ARCHIVE_WARN)
		r = export_fail(x);
	else if (!link && S_ISREG(st->st_mode) && st->st_size > 0)
		r = export_data(x, dirfd, name);
	archive_entry_free(ae);
	return r;
}

static int
export_dir(struct export_ctx *x, const struct merge_level *l, const char *prefix, unsigned depth)
{
	struct merge_name *v = NULL;
	size_t n = 0;
	int r;

	if (depth > LIMIT_ARCHIVE_DEPTH)
		return err_set(x->e, -E2BIG, "tree deeper than %u levels at '%s'",
			       LIMIT_ARCHIVE_DEPTH, prefix);
	r = merge_list(l, &v, &n);
	if (r < 0)
		return err_errno(x->e, r, "cannot list '/%s'", prefix);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *path = xasprintf("%s%s", prefix, v[i].name);
		int fd = l->fds[v[i].layer];
		struct stat st;

		if (strlen(path) > LIMIT_ARCHIVE_PATH_LEN) {
			r = err_set(x->e, -E2BIG, "path longer than %u bytes",
				    LIMIT_ARCHIVE_PATH_LEN);
			break;
		}
		if (fstatat(fd, v[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* removed while we walk a running container */
			r = err_errno(x->e, -errno, "cannot stat '/%s'", path);
			break;
		}
		if (whiteout_is_overlay(&st) || S_ISSOCK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode)) {
			struct merge_level child = {0};
			_cleanup_free_ char *dpath = xasprintf("%s/", path);
			r = export_entry(x, fd, v[i].name, dpath, &st);
			if (r >= 0 && (r = merge_descend(l, v[i].name, v[i].layer, &child)) < 0)
				r = err_errno(x->e, r, "cannot open '/%s'", path);
			if (r >= 0)
				r = export_dir(x, &child, dpath, depth + 1);
			merge_level_release(&child);
		} else {
			r = export_entry(x, fd, v[i].name, path, &st);
		}
	}
	merge_names_free(v, n);
	return r;
}

/* ---- the three jobs, in this process ---------------------------------- */

static void
fill_stat(const struct tarout_src *src, const struct cp_entry *ent, struct tarout_stat *ret)
{
	char target[PATH_MAX];

	memset(ret, 0, sizeof(*ret));
	ret->resolved = 1;
	base_name(src->clean, ret->name, sizeof(ret->name));
	ret->mode = ent->st.st_mode;
	ret->uid = ent->st.st_uid;
	ret->gid = ent->st.st_gid;
	ret->size = ent->st.st_size;
	ret->mtime_ns = (int64_t)ent->st.st_mtim.tv_sec * 1000000000 + ent->st.st_mtim.tv_nsec;
	if (!S_ISLNK(ent->st.st_mode))
		return;
	link_target(src->rootfd, src->rel, target, sizeof(target));
	/* Inside a directory mount links resolve beneath its source: report
	 * them at the mount's place in the container. */
	if (src->mount_target[0] && strcmp(src->rel, src->clean) != 0)
		snprintf(ret->link_target, sizeof(ret->link_target), "%s%s", src->mount_target,
			 strcmp(target, "/") == 0 ? "" : target);
	else
		snprintf(ret->link_target, sizeof(ret->link_target), "%s", target);
}

int
tarout_stat_local(const struct tarout_src *src, struct tarout_stat *ret, struct err *e)
{
	struct cp_entry ent;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = resolve(src->rootfd, src->rel, &ent);
	if (r < 0)
		return err_errno(e, r, "cannot resolve '%s'", src->clean);
	fill_stat(src, &ent, ret);
	cp_entry_release(&ent);
	return 0;
}

int
tarout_tree_local(const struct tarout_src *src, tarout_write_fn write, void *ud,
		  struct tarout_stat *ret, struct err *e)
{
	struct walk w = {.write = write,
			 .ud = ud,
			 .e = e,
			 .mounts = src->mounts,
			 .n_mounts = src->n_mounts,
			 .cross_mounts = src->cross_mounts,
			 .unmap = idmap_is_set(&src->unmap) ? &src->unmap : NULL,
			 .xattrs = (src->flags & TAROUT_XATTRS) != 0};
	char base[NAME_MAX + 1];
	struct cp_entry ent;
	size_t n;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = resolve(src->rootfd, src->rel, &ent);
	if (r < 0)
		return err_errno(e, r, "cannot resolve '%s'", src->clean);
	fill_stat(src, &ent, ret);
	base_name(src->clean, base, sizeof(base));
	if (strcmp(base, "/") == 0)
		strcpy(base, ".");
	if (w.cross_mounts) {
		/* the directory's container path, without a trailing "/" or "/." */
		snprintf(w.top, sizeof(w.top), "%s", src->clean);
		n = strlen(w.top);
		while (n > 1 &&
		       (w.top[n - 1] == '/' || (w.top[n - 1] == '.' && w.top[n - 2] == '/')))
			w.top[n -= w.top[n - 1] == '/' ? 1 : 2] = '\0';
		if (strcmp(w.top, "/") == 0)
			w.top[0] = '\0';
		w.top_len = strlen(base);
	}
	w.a = archive_write_new();
	archive_write_set_format_pax_restricted(w.a);
	if (archive_write_open(w.a, &w, NULL, walk_write_cb, NULL) != ARCHIVE_OK) {
		r = walk_fail(&w);
	} else {
		r = walk_entry(&w, ent.dirfd, ent.name, base, &ent.st, 0);
		if (archive_write_close(w.a) != ARCHIVE_OK && r >= 0)
			r = walk_fail(&w);
	}
	archive_write_free(w.a);
	cp_entry_release(&ent);
	return r < 0 ? r : 0;
}

int
tarout_export_local(const int *layer_fds, size_t n, const struct idmap *unmap,
		    tarout_opaque_fn opaque, void *opaque_ud, tarout_write_fn write, void *ud,
		    struct err *e)
{
	struct export_ctx x = {.write = write,
			       .ud = ud,
			       .e = e,
			       .unmap = idmap_is_set(unmap) ? unmap : NULL};
	struct merge_level root = {.n = n, .opaque = opaque, .ud = opaque_ud};
	int r = 0;

	root.fds = xmalloc((n ? n : 1) * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		root.fds[i] = layer_fds[i] < 0 ? -1 : fcntl(layer_fds[i], F_DUPFD_CLOEXEC, 3);
		if (layer_fds[i] >= 0 && root.fds[i] < 0 && r == 0)
			r = err_errno(e, -errno, "cannot use layer directory %zu", i);
	}
	if (r < 0) {
		merge_level_release(&root);
		return r;
	}
	x.a = archive_write_new();
	archive_write_set_format_pax_restricted(x.a);
	archive_write_set_bytes_per_block(x.a, 10240);
	if (archive_write_open(x.a, &x, NULL, export_write_cb, NULL) != ARCHIVE_OK) {
		r = export_fail(&x);
	} else {
		r = export_dir(&x, &root, "", 0);
		if (archive_write_close(x.a) != ARCHIVE_OK && r >= 0)
			r = export_fail(&x);
	}
	archive_write_free(x.a);
	merge_level_release(&root);
	for (size_t i = 0; i < x.n_links; i++)
		free(x.links[i].path);
	free(x.links);
	return r < 0 ? r : 0;
}

/* ---- in the read helper when one is configured -------------------------- */

int
tarout_stat(const struct tarout_src *src, struct tarout_stat *ret, struct err *e)
{
	const char *helper = helper_path();

	if (helper)
		return helper_read(helper, HELPER_OP_STAT, src, NULL, 0, NULL, NULL, ret, e);
	return tarout_stat_local(src, ret, e);
}

int
tarout_tree(const struct tarout_src *src, tarout_write_fn write, void *ud, struct tarout_stat *ret,
	    struct err *e)
{
	const char *helper = helper_path();

	if (helper && !(src->flags & TAROUT_XATTRS))
		return helper_read(helper, HELPER_OP_TREE, src, NULL, 0, write, ud, ret, e);
	return tarout_tree_local(src, write, ud, ret, e);
}

int
tarout_export(const int *layer_fds, size_t n, const struct idmap *unmap, tarout_write_fn write,
	      void *ud, struct err *e)
{
	const char *helper = helper_path();
	struct tarout_src src = {.rootfd = -1};
	struct tarout_stat st;

	if (!helper)
		return tarout_export_local(layer_fds, n, unmap, NULL, NULL, write, ud, e);
	if (idmap_is_set(unmap))
		src.unmap = *unmap;
	return helper_read(helper, HELPER_OP_EXPORT, &src, layer_fds, n, write, ud, &st, e);
}
