/* SPDX-License-Identifier: Apache-2.0 */
/* Merged walks over overlay layers; see merge.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/merge.h"
#include "engine/archive/whiteout.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"

bool
merge_is_opaque(const struct merge_level *l, int fd)
{
	return l->opaque ? l->opaque(l->ud, fd) : whiteout_is_opaque(fd);
}

void
merge_level_release(struct merge_level *l)
{
	for (size_t i = 0; l->fds && i < l->n; i++)
		if (l->fds[i] >= 0)
			close(l->fds[i]);
	free(l->fds);
	l->fds = NULL;
}

static int
cmp_merge_name(const void *a, const void *b)
{
	const struct merge_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->layer < y->layer ? -1 : x->layer > y->layer;
}

int
merge_read_names(int fd, size_t layer, struct merge_name **v, size_t *n, size_t *cap)
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
		(*v)[(*n)++] = (struct merge_name){xstrdup(de->d_name), layer};
	}
	return 0;
}

void
merge_names_free(struct merge_name *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int
merge_list(const struct merge_level *l, struct merge_name **ret, size_t *ret_n)
{
	struct merge_name *v = NULL;
	size_t n = 0, cap = 0, out = 0;
	int r;

	for (size_t i = 0; i < l->n; i++) {
		if (l->fds[i] < 0)
			continue;
		r = merge_read_names(l->fds[i], i, &v, &n, &cap);
		if (r < 0) {
			merge_names_free(v, n);
			return r;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_merge_name);
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

int
merge_descend(const struct merge_level *l, const char *name, size_t top, struct merge_level *ret)
{
	ret->n = l->n;
	ret->opaque = l->opaque;
	ret->ud = l->ud;
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
		if (i + 1 < l->n && merge_is_opaque(l, fd))
			break;
	}
	return 0;
}

int
merge_open_root(const char *upper, char *const *lowers, struct merge_level *ret, struct err *e)
{
	size_t n = 1;

	while (lowers && lowers[n - 1])
		n++;

	ret->n = n;
	ret->opaque = NULL;
	ret->ud = NULL;
	ret->fds = xmalloc(n * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		const char *p = i == 0 ? upper : lowers[i - 1];
		ret->fds[i] = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ret->fds[i] < 0 && !(i == 0 && errno == ENOENT)) {
			int r = -errno;
			merge_level_release(ret);
			return err_errno(e, r, "cannot open layer directory '%s'", p);
		}
	}
	return 0;
}
