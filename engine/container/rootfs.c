/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's layers without mounting them: `docker diff` walks them here
 * (merge.h), `docker export` opens them here and hands the fds to the read
 * helper (tarout.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/merge.h"
#include "engine/archive/tarout.h"
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

/* ---- export: the merged walk runs in the read helper (tarout.h) ---- */

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
	struct merge_level root = {0};
	int r;

	r = merge_open_root(upper, lowers, &root, e);
	if (r < 0)
		return r;
	r = tarout_export(root.fds, root.n, unmap, write, ud, e);
	merge_level_release(&root);
	return r;
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
in_lower(const struct merge_level *l, const char *name)
{
	for (size_t i = 1; i < l->n; i++) {
		struct stat st;
		if (l->fds[i] < 0 || fstatat(l->fds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		return !whiteout_is_overlay(&st);
	}
	return false;
}

static int changes_dir(struct changes_ctx *x, const struct merge_level *l, const char *prefix,
		       bool all_added, unsigned depth);

static int
changes_entry(struct changes_ctx *x, const struct merge_level *l, const char *name,
	      const char *path, bool all_added, unsigned depth)
{
	bool existed = !all_added && in_lower(l, name);
	struct merge_level child = {0};
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
	r = merge_descend(l, name, 0, &child);
	if (r < 0) {
		merge_level_release(&child);
		return err_errno(x->e, r, "cannot open '%s'", path);
	}
	/* Only the upper side is walked: the child level keeps the lower
	 * directories for lookups, an opaque upper directory has none. */
	r = changes_dir(x, &child, path, !existed || child.fds[0] < 0 || whiteout_is_opaque(child.fds[0]),
			depth + 1);
	merge_level_release(&child);
	if (r >= 0 && existed && x->n > before)
		add_change(x, path, ROOTFS_MODIFIED);
	return r;
}

static int
changes_dir(struct changes_ctx *x, const struct merge_level *l, const char *prefix, bool all_added,
	    unsigned depth)
{
	struct merge_name *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (depth > LIMIT_ARCHIVE_DEPTH)
		return err_set(x->e, -E2BIG, "tree deeper than %u levels at '%s'",
			       LIMIT_ARCHIVE_DEPTH, prefix);
	if (l->fds[0] < 0)
		return 0;
	r = merge_read_names(l->fds[0], 0, &v, &n, &cap);
	if (r < 0)
		return err_errno(x->e, r, "cannot list '%s'", prefix);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", prefix, v[i].name);
		if (rootfs_is_runtime_path(path))
			continue;
		r = changes_entry(x, l, v[i].name, path, all_added, depth);
	}
	merge_names_free(v, n);
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
	struct merge_level root = {0};
	int r;

	r = merge_open_root(upper, lowers, &root, e);
	if (r < 0)
		return r;
	r = changes_dir(&x, &root, "", false, 0);
	merge_level_release(&root);
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
