/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns-remap where a layer's file system cannot be idmapped: a copy of
 * the layer with every owner shifted into the container's range, as
 * dockerd keeps its images per mapping (/var/lib/docker/100000.100000/).
 * The copy is made once per layer and mapping, beside the layer's diff
 * directory (<layer>/diff.<uid>.<gid>, <uid>/<gid> the host ids of the
 * container's root), so every container with that mapping shares it and it
 * goes with the layer directory when the image is removed or pruned. It is
 * built under a temporary name, synced and renamed: a crash leaves either
 * no copy or a whole one (a half-made temporary goes with the layer too).
 * Two shims copying at once both finish; the first rename wins and the
 * other's copy is removed.
 *
 * What is kept: types, contents, modes (set after the owner, which clears
 * set-id bits), extended attributes (overlayfs' opaque and whiteout marks,
 * file capabilities, set after the owner too), hard links inside the
 * layer, times. Ids outside the container's maps cannot be shifted: the
 * start fails, as dockerd's chown of the layer does.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/runtime/shim/shim.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/idmap.h"
#include "engine/util/xalloc.h"

/* The first path of a file with several links, by source inode. */
struct link_seen {
	dev_t dev;
	ino_t ino;
	char *rel;
};

struct shift {
	const struct idmap *m;
	int dst_root;
	struct link_seen *links;
	size_t n_links;
	char *msg;
	size_t size;
};

/* "/proc/self/fd/<dfd>/<name>": for the l*xattr calls on symlinks and nodes. */
static char *
at_path(int dfd, const char *name)
{
	return xasprintf("/proc/self/fd/%d/%s", dfd, name);
}

/* Copies every extended attribute of @src to @dst (paths, not followed). */
static int
copy_xattrs(const char *src, const char *dst)
{
	char names[8192], value[65536];
	ssize_t n = llistxattr(src, names, sizeof(names));

	if (n < 0)
		return errno == ENOTSUP ? 0 : -errno;
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		ssize_t v = lgetxattr(src, k, value, sizeof(value));
		if (v < 0)
			return -errno;
		if (lsetxattr(dst, k, value, (size_t)v, 0) < 0)
			return -errno;
	}
	return 0;
}

static int
copy_data(int sfd, int dfd)
{
	char buf[65536];

	for (;;) {
		ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -errno;
		break;
	}
	for (;;) { /* the plain way, from where copy_file_range stopped */
		ssize_t n = read(sfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		if (fs_write_all(dfd, buf, (size_t)n) < 0)
			return -errno;
	}
}

/* Owner (shifted), mode, xattrs and times of the new entry @name in @dfd, from @st / @src. */
static int
finish_entry(struct shift *sh, int dfd, const char *name, const struct stat *st, const char *src)
{
	_cleanup_free_ char *dst = at_path(dfd, name);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	uint32_t uid = idmap_to_host(&sh->m->uid, st->st_uid);
	uint32_t gid = idmap_to_host(&sh->m->gid, st->st_gid);
	int r;

	if (uid == 65534 && st->st_uid != 65534)
		return snprintf(sh->msg, sh->size, "uid %u of '%s' is outside the mapping",
				(unsigned)st->st_uid, name),
		       -EINVAL;
	if (gid == 65534 && st->st_gid != 65534)
		return snprintf(sh->msg, sh->size, "gid %u of '%s' is outside the mapping",
				(unsigned)st->st_gid, name),
		       -EINVAL;
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	if ((r = copy_xattrs(src, dst)) < 0)
		return r;
	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int copy_tree(struct shift *sh, int sfd, int dfd, const char *rel);

/* One entry @name of @sfd into @dfd; @rel is its path below the layer. */
static int
copy_entry(struct shift *sh, int sfd, int dfd, const char *name, const char *rel)
{
	_cleanup_free_ char *src = at_path(sfd, name);
	struct stat st;
	int r = 0;

	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && st.st_nlink > 1)
		for (size_t i = 0; i < sh->n_links; i++)
			if (sh->links[i].dev == st.st_dev && sh->links[i].ino == st.st_ino)
				return linkat(sh->dst_root, sh->links[i].rel, dfd, name, 0) < 0
					       ? -errno
					       : 0;
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s2 = -1, d2 = -1;
		if (mkdirat(dfd, name, 0700) < 0)
			return -errno;
		s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d2 = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s2 < 0 || d2 < 0)
			return -errno;
		r = copy_tree(sh, s2, d2, rel);
	} else if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int s2 = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d2 = -1;
		if (s2 < 0)
			return -errno;
		d2 = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d2 < 0)
			return -errno;
		r = copy_data(s2, d2);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			return -errno;
	} else if (mknodat(dfd, name, st.st_mode & S_IFMT, st.st_rdev) < 0) {
		return -errno; /* devices, fifos, sockets; overlayfs whiteouts are 0:0 devices */
	}
	if (r == 0)
		r = finish_entry(sh, dfd, name, &st, src);
	if (r == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1) {
		sh->links = xrealloc(sh->links, (sh->n_links + 1) * sizeof(*sh->links));
		sh->links[sh->n_links++] = (struct link_seen){st.st_dev, st.st_ino, xstrdup(rel)};
	}
	return r;
}

static int
copy_tree(struct shift *sh, int sfd, int dfd, const char *rel)
{
	int dup_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_closedir_ DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;

	if (!d) {
		int r = -errno;
		if (dup_fd >= 0)
			close(dup_fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		int r;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if ((r = copy_entry(sh, sfd, dfd, de->d_name, sub)) < 0) {
			if (!sh->msg[0])
				snprintf(sh->msg, sh->size, "'%s': %s", sub, strerror(-r));
			return r;
		}
	}
	return errno ? -errno : 0;
}

/* Makes the shifted copy of @diff in @tmp (created here). */
static int
make_copy(const char *diff, const char *tmp, const struct idmap *m, char *msg, size_t size)
{
	_cleanup_close_ int sfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dfd = -1, parent = -1;
	struct shift sh = {.m = m, .msg = msg, .size = size};
	_cleanup_free_ char *dir = xstrdup(tmp);
	char *base = strrchr(dir, '/');
	struct stat st;
	int r;

	if (sfd < 0 || fstat(sfd, &st) < 0 || !base)
		return -errno;
	*base++ = '\0';
	parent = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0 || mkdirat(parent, base, 0700) < 0)
		return -errno;
	dfd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	sh.dst_root = dfd;
	r = copy_tree(&sh, sfd, dfd, "");
	if (r == 0)
		r = finish_entry(&sh, parent, base, &st, diff);
	/* everything on disk before the rename publishes it */
	if (r == 0 && syncfs(dfd) < 0)
		r = -errno;
	for (size_t i = 0; i < sh.n_links; i++)
		free(sh.links[i].rel);
	free(sh.links);
	return r;
}

int
shim_userns_shifted_layer(const char *diff, const struct idmap *m, char **ret, char *msg,
			  size_t size)
{
	uint32_t uid = idmap_to_host(&m->uid, 0), gid = idmap_to_host(&m->gid, 0);
	_cleanup_free_ char *final = xasprintf("%s.%u.%u", diff, uid, gid);
	_cleanup_free_ char *tmp = xasprintf("%s.%u.%u.tmp-%d", diff, uid, gid, (int)getpid());
	struct stat st;
	int r;

	if (stat(final, &st) == 0 && S_ISDIR(st.st_mode)) {
		*ret = TAKE_PTR(final);
		return 0;
	}
	(void)fs_rm_rf(tmp); /* a crashed copy of a shim that had our pid */
	msg[0] = '\0';
	r = make_copy(diff, tmp, m, msg, size);
	if (r == 0 && rename(tmp, final) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		r = -errno;
	if (r < 0 && !msg[0])
		snprintf(msg, size, "%s", strerror(-r));
	(void)fs_rm_rf(tmp); /* another shim's copy was published first, or ours failed */
	if (r < 0)
		return r;
	*ret = TAKE_PTR(final);
	return 0;
}
