/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Merged walks over overlay layers. A walk keeps, for the directory being
 * visited, one fd per layer that contributes to it (-1 where the layer has
 * nothing visible there); descending opens the child in each contributing
 * layer with O_NOFOLLOW, stopping at the first layer where the name is a
 * whiteout, a non-directory, or an opaque directory (overlayfs's rules).
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/whiteout.h"
#include "engine/container/rootfs.h"
#include "engine/util/cleanup.h"
#include "engine/util/idmap.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

/* dockerd's init layer: mount points the runtime adds to every container. */
static const char *const runtime_paths[] = {
	"/dev", "/proc", "/sys", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
	"/etc/mtab", "/.dockerenv", NULL,
};

bool
rootfs_is_runtime_path(const char *path)
{
	for (size_t i = 0; runtime_paths[i]; i++) {
		size_t n = strlen(runtime_paths[i]);
		if (strncmp(path, runtime_paths[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/* The layers contributing to one directory: fds[0] is the topmost. */
struct level {
	int *fds;
	size_t n;
};

static void
level_release(struct level *l)
{
	for (size_t i = 0; l->fds && i < l->n; i++)
		if (l->fds[i] >= 0)
			close(l->fds[i]);
	free(l->fds);
	l->fds = NULL;
}

struct name_ent {
	char *name;
	size_t layer;
};

static int
cmp_name_ent(const void *a, const void *b)
{
	const struct name_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->layer < y->layer ? -1 : x->layer > y->layer;
}

/* Appends the names of directory @fd (a fresh open description, not a dup). */
static int
read_names(int fd, size_t layer, struct name_ent **v, size_t *n, size_t *cap)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xrealloc(*v, *cap * sizeof(**v));
		}
		(*v)[(*n)++] = (struct name_ent){ xstrdup(de->d_name), layer };
	}
	return 0;
}

static void
names_free(struct name_ent *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/*
 * The merged listing of a directory: each name once, with the topmost layer
 * that has it, sorted by name. Whiteouts are still included (the caller
 * checks the entry's type).
 */
static int
list_merged(const struct level *l, struct name_ent **ret, size_t *ret_n)
{
	struct name_ent *v = NULL;
	size_t n = 0, cap = 0, out = 0;
	int r;

	for (size_t i = 0; i < l->n; i++) {
		if (l->fds[i] < 0)
			continue;
		r = read_names(l->fds[i], i, &v, &n, &cap);
		if (r < 0) {
			names_free(v, n);
			return r;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_name_ent);
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && strcmp(v[out - 1].name, v[i].name) == 0) {
			free(v[i].name);
			continue;
		}
		v[out++] = v[i];
	}
	*ret = v;
	*ret_n = out;
	return 0;
}

/*
 * The child level for directory @name whose topmost entry is in layer
 * @top: that layer's directory, then lower directories of the same name
 * until a whiteout, a non-directory or an opaque directory ends the merge.
 */
static int
level_descend(const struct level *l, const char *name, size_t top, struct level *ret)
{
	ret->n = l->n;
	ret->fds = xmalloc(l->n * sizeof(int));
	for (size_t i = 0; i < l->n; i++)
		ret->fds[i] = -1;
	for (size_t i = top; i < l->n; i++) {
		struct stat st;
		int fd;

		if (l->fds[i] < 0)
			continue;
		if (fstatat(l->fds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		if (!S_ISDIR(st.st_mode))
			break; /* a whiteout or a file hides everything below */
		fd = openat(l->fds[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret->fds[i] = fd;
		if (whiteout_is_opaque(fd))
			break;
	}
	return 0;
}

static int
level_open_root(const char *upper, char *const *lowers, struct level *ret, struct err *e)
{
	size_t n = 1 + strv_len((char **)lowers);

	ret->n = n;
	ret->fds = xmalloc(n * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		const char *p = i == 0 ? upper : lowers[i - 1];
		ret->fds[i] = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ret->fds[i] < 0 && !(i == 0 && errno == ENOENT)) {
			int r = -errno;
			level_release(ret);
			return err_errno(e, r, "cannot open layer directory '%s'", p);
		}
	}
	return 0;
}

/* ---- export --------------------------------------------------------- */

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct export_ctx {
	struct archive *a;
	rootfs_write_fn write;
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
	x->links[x->n_links++] = (struct hardlink){ st->st_dev, st->st_ino, xstrdup(path) };
	return NULL;
}

static int
archive_fail(struct export_ctx *x)
{
	if (x->write_error)
		return x->write_error;
	return err_set(x->e, -EIO, "cannot write the archive: %s", archive_error_string(x->a));
}

static int
export_data(struct export_ctx *x, int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char b[65536];
	ssize_t n;

	if (fd < 0)
		return err_errno(x->e, -errno, "cannot open '%s' for export", name);
	while ((n = read(fd, b, sizeof(b))) > 0)
		if (archive_write_data(x->a, b, (size_t)n) < 0)
			return archive_fail(x);
	if (n < 0)
		return err_errno(x->e, -errno, "cannot read '%s' for export", name);
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
		r = archive_fail(x);
	else if (!link && S_ISREG(st->st_mode) && st->st_size > 0)
		r = export_data(x, dirfd, name);
	archive_entry_free(ae);
	return r;
}

static int
export_dir(struct export_ctx *x, const struct level *l, const char *prefix, unsigned depth)
{
	struct name_ent *v = NULL;
	size_t n = 0;
	int r;

	if (depth > LIMIT_ARCHIVE_DEPTH)
		return err_set(x->e, -E2BIG, "tree deeper than %u levels at '%s'",
			       LIMIT_ARCHIVE_DEPTH, prefix);
	r = list_merged(l, &v, &n);
	if (r < 0)
		return err_errno(x->e, r, "cannot list '/%s'", prefix);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *path = xasprintf("%s%s", prefix, v[i].name);
		int fd = l->fds[v[i].layer];
		struct stat st;

		if (strlen(path) > LIMIT_ARCHIVE_PATH_LEN) {
			r = err_set(x->e, -E2BIG, "path longer than %u bytes", LIMIT_ARCHIVE_PATH_LEN);
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
			struct level child = {0};
			_cleanup_free_ char *dpath = xasprintf("%s/", path);
			r = export_entry(x, fd, v[i].name, dpath, &st);
			if (r >= 0 && (r = level_descend(l, v[i].name, v[i].layer, &child)) < 0)
				r = err_errno(x->e, r, "cannot open '/%s'", path);
			if (r >= 0)
				r = export_dir(x, &child, dpath, depth + 1);
			level_release(&child);
		} else {
			r = export_entry(x, fd, v[i].name, path, &st);
		}
	}
	names_free(v, n);
	return r;
}

int
rootfs_export(const char *upper, char *const *lowers, rootfs_write_fn write, void *ud,
	      struct err *e)
{
	return rootfs_export_unmapped(upper, lowers, NULL, write, ud, e);
}

int
rootfs_export_unmapped(const char *upper, char *const *lowers, const struct idmap *unmap,
		       rootfs_write_fn write, void *ud, struct err *e)
{
	struct export_ctx x = {.write = write,
			       .ud = ud,
			       .e = e,
			       .unmap = idmap_is_set(unmap) ? unmap : NULL};
	struct level root = {0};
	int r;

	r = level_open_root(upper, lowers, &root, e);
	if (r < 0)
		return r;
	x.a = archive_write_new();
	archive_write_set_format_pax_restricted(x.a);
	archive_write_set_bytes_per_block(x.a, 10240);
	if (archive_write_open(x.a, &x, NULL, export_write_cb, NULL) != ARCHIVE_OK) {
		r = archive_fail(&x);
	} else {
		r = export_dir(&x, &root, "", 0);
		if (archive_write_close(x.a) != ARCHIVE_OK && r >= 0)
			r = archive_fail(&x);
	}
	archive_write_free(x.a);
	level_release(&root);
	for (size_t i = 0; i < x.n_links; i++)
		free(x.links[i].path);
	free(x.links);
	return r < 0 ? r : 0;
}

/* ---- changes -------------------------------------------------------- */

struct changes_ctx {
	struct rootfs_change *v;
	size_t n, cap;
	struct err *e;
};

static void
add_change(struct changes_ctx *x, const char *path, enum rootfs_change_kind kind)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 32;
		x->v = xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	x->v[x->n++] = (struct rootfs_change){ xstrdup(path), kind };
}

/* Whether @name is visible in a lower layer of @l (below the upper, index 0). */
static bool
in_lower(const struct level *l, const char *name)
{
	for (size_t i = 1; i < l->n; i++) {
		struct stat st;
		if (l->fds[i] < 0 || fstatat(l->fds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		return !whiteout_is_overlay(&st);
	}
	return false;
}

static int changes_dir(struct changes_ctx *x, const struct level *l, const char *prefix,
		       bool all_added, unsigned depth);

static int
changes_entry(struct changes_ctx *x, const struct level *l, const char *name, const char *path,
	      bool all_added, unsigned depth)
{
	bool existed = !all_added && in_lower(l, name);
	struct level child = {0};
	struct stat st;
	size_t before;
	int r;

	if (fstatat(l->fds[0], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_errno(x->e, -errno, "cannot stat '%s'", path);
	if (whiteout_is_overlay(&st)) {
		add_change(x, path, ROOTFS_DELETED);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		add_change(x, path, existed ? ROOTFS_MODIFIED : ROOTFS_ADDED);
		return 0;
	}
	if (!existed)
		add_change(x, path, ROOTFS_ADDED);
	before = x->n;
	r = level_descend(l, name, 0, &child);
	if (r < 0) {
		level_release(&child);
		return err_errno(x->e, r, "cannot open '%s'", path);
	}
	/* Only the upper side is walked: the child level keeps the lower
	 * directories for lookups, an opaque upper directory has none. */
	r = changes_dir(x, &child, path, !existed || child.fds[0] < 0 || whiteout_is_opaque(child.fds[0]),
			depth + 1);
	level_release(&child);
	if (r >= 0 && existed && x->n > before)
		add_change(x, path, ROOTFS_MODIFIED);
	return r;
}

static int
changes_dir(struct changes_ctx *x, const struct level *l, const char *prefix, bool all_added,
	    unsigned depth)
{
	struct name_ent *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (depth > LIMIT_ARCHIVE_DEPTH)
		return err_set(x->e, -E2BIG, "tree deeper than %u levels at '%s'",
			       LIMIT_ARCHIVE_DEPTH, prefix);
	if (l->fds[0] < 0)
		return 0;
	r = read_names(l->fds[0], 0, &v, &n, &cap);
	if (r < 0)
		return err_errno(x->e, r, "cannot list '%s'", prefix);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", prefix, v[i].name);
		if (rootfs_is_runtime_path(path))
			continue;
		r = changes_entry(x, l, v[i].name, path, all_added, depth);
	}
	names_free(v, n);
	return r;
}

static int
cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct rootfs_change *)a)->path,
		      ((const struct rootfs_change *)b)->path);
}

int
rootfs_changes(const char *upper, char *const *lowers, struct rootfs_change **ret,
	       size_t *ret_n, struct err *e)
{
	struct changes_ctx x = { .e = e };
	struct level root = {0};
	int r;

	r = level_open_root(upper, lowers, &root, e);
	if (r < 0)
		return r;
	r = changes_dir(&x, &root, "", false, 0);
	level_release(&root);
	if (r < 0) {
		rootfs_changes_free(x.v, x.n);
		return r;
	}
	if (x.n)
		qsort(x.v, x.n, sizeof(*x.v), cmp_change);
	*ret = x.v;
	*ret_n = x.n;
	return 0;
}

void
rootfs_changes_free(struct rootfs_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}
