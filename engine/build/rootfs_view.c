/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layered lookups without a mount; see rootfs_view.h. Per layer, a path is
 * examined component by component (fstatat with AT_SYMLINK_NOFOLLOW on a
 * prefix whose parents were seen to be directories in that same layer), so
 * no symlink inside a layer is ever followed by the kernel.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/archive/whiteout.h"
#include "engine/build/rootfs_view.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

#define MAX_LINKS 40

struct rootfs_view {
	int *fds;	/* topmost first */
	size_t n;
};

int
rootfs_view_open(char *const *lowerdirs, struct rootfs_view **ret, struct err *e)
{
	struct rootfs_view *v = xcalloc(1, sizeof(*v));
	size_t n = strv_len(lowerdirs);

	v->fds = xcalloc(n + 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		v->fds[i] = open(lowerdirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (v->fds[i] < 0) {
			int r = -errno;
			v->n = i;
			rootfs_view_free(v);
			return err_errno(e, r, "cannot open layer '%s'", lowerdirs[i]);
		}
	}
	v->n = n;
	*ret = v;
	return 0;
}

void
rootfs_view_free(struct rootfs_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++)
		safe_close(v->fds[i]);
	free(v->fds);
	free(v);
}

static bool
is_opaque(int layerfd, const char *rel)
{
	_cleanup_close_ int fd = openat(layerfd, rel, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);

	return fd >= 0 && whiteout_is_opaque(fd);
}

/* Joins components [0, k) with '/' into @out (relative to a layer root). */
static void
join(char **comps, size_t k, struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < k; i++) {
		if (i)
			buf_putc(out, '/');
		buf_puts(out, comps[i]);
	}
}

/*
 * Looks up @comps (all but the last known to be directories in the merged
 * view) without following anything: 0 with @ret_st and the layer index, or
 * -ENOENT.
 */
static int
lookup(const struct rootfs_view *v, char **comps, size_t k, struct stat *ret_st, size_t *ret_layer)
{
	_cleanup_buf_ struct buf rel = BUF_INIT;

	for (size_t i = 0; i < v->n; i++) {
		bool stop = false, absent = false;
		struct stat st;
		for (size_t j = 1; j <= k && !absent; j++) {
			join(comps, j, &rel);
			if (fstatat(v->fds[i], rel.data, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				absent = true;
				break;
			}
			if (whiteout_is_overlay(&st))
				return -ENOENT;
			if (j == k) {
				*ret_st = st;
				*ret_layer = i;
				return 0;
			}
			if (!S_ISDIR(st.st_mode))
				return -ENOENT; /* a non-directory hides everything below */
			if (is_opaque(v->fds[i], rel.data))
				stop = true;
		}
		if (stop)
			return -ENOENT;
	}
	return -ENOENT;
}

static char **
split_path(const char *p)
{
	_cleanup_free_ char *copy = xstrdup(p);
	char **v = xcalloc(1, sizeof(char *));
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		strv_append(&v, c);
	return v;
}

/* Prepends the components of @target to the queue @todo (from index @at). */
static char **
splice_comps(char **target_comps, char **todo, size_t at)
{
	char **out = xcalloc(1, sizeof(char *));

	for (size_t i = 0; target_comps[i]; i++)
		strv_append(&out, target_comps[i]);
	for (size_t i = at; todo[i]; i++)
		strv_append(&out, todo[i]);
	return out;
}

static char *
to_path(char **comps, size_t n)
{
	_cleanup_buf_ struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		buf_putc(&b, '/');
		buf_puts(&b, comps[i]);
	}
	return b.len ? buf_detach(&b, NULL) : xstrdup("/");
}

int
rootfs_view_resolve(const struct rootfs_view *v, const char *path, bool follow_last,
		    char **ret_path, struct stat *ret_st, struct err *e)
{
	_cleanup_strv_ char **todo = split_path(path);
	char **done = xcalloc(strv_len(todo) + 1, sizeof(char *));
	size_t nd = 0, links = 0, i = 0;
	struct stat st = {0};
	bool missing = false;
	int r = 0;

	while (todo[i]) {
		const char *c = todo[i];
		bool last = todo[i + 1] == NULL;
		if (strcmp(c, ".") == 0 || (strcmp(c, "..") == 0 && nd == 0)) {
			i++;
			continue;
		}
		if (strcmp(c, "..") == 0) {
			free(done[--nd]);
			done[nd] = NULL;
			i++;
			continue;
		}
		done = xrealloc(done, (nd + 2) * sizeof(char *));
		done[nd++] = xstrdup(c);
		done[nd] = NULL;
		size_t layer;
		memset(&st, 0, sizeof(st));
		if (missing || lookup(v, done, nd, &st, &layer) < 0) {
			missing = true;
			memset(&st, 0, sizeof(st));
			i++;
			continue;
		}
		if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
			_cleanup_buf_ struct buf rel = BUF_INIT;
			char target[4096];
			if (++links > MAX_LINKS) {
				r = err_set(e, -ELOOP, "too many levels of symbolic links in '%s'", path);
				break;
			}
			join(done, nd, &rel);
			ssize_t n = readlinkat(v->fds[layer], rel.data, target, sizeof(target) - 1);
			if (n < 0) {
				r = err_errno(e, -errno, "cannot read link '%s'", rel.data);
				break;
			}
			target[n] = '\0';
			free(done[--nd]);
			done[nd] = NULL;
			if (target[0] == '/')
				while (nd)
					free(done[--nd]), done[nd] = NULL;
			_cleanup_strv_ char **tc = split_path(target);
			char **next = splice_comps(tc, todo, i + 1);
			strv_free(todo);
			todo = next;
			i = 0;
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			r = err_set(e, -ENOTDIR, "'%s': not a directory", path);
			break;
		}
		i++;
	}
	if (r == 0) {
		*ret_path = to_path(done, nd);
		if (nd == 0 && !missing) {
			memset(&st, 0, sizeof(st));
			st.st_mode = S_IFDIR | 0755;
		}
		*ret_st = st;
	}
	strv_free(done);
	return r;
}

int
rootfs_view_read(const struct rootfs_view *v, const char *path, size_t limit, char **ret,
		 size_t *ret_len, struct err *e)
{
	_cleanup_free_ char *real = NULL;
	_cleanup_strv_ char **comps = NULL;
	struct stat st;
	size_t layer;
	int r = rootfs_view_resolve(v, path, true, &real, &st, e);

	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode))
		return -ENOENT;
	if ((uint64_t)st.st_size > limit)
		return -E2BIG;
	comps = split_path(real);
	if (lookup(v, comps, strv_len(comps), &st, &layer) < 0)
		return -ENOENT;
	_cleanup_close_ int fd = openat(v->fds[layer], real + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_buf_ struct buf b = BUF_INIT;
	if (fd < 0 || buf_read_fd(&b, fd, limit) < 0)
		return -ENOENT;
	*ret_len = b.len;
	*ret = buf_detach(&b, NULL);
	return 0;
}
