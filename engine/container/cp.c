/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker cp below one root fd (see cp.h): opening that root (the running
 * container's /proc/<pid>/root or a detached overlay mount), resolving
 * client paths beneath it, the tar walker for reads and the checks around
 * untar_extract for writes (the archive itself is read only by the
 * extraction helper, noOverwriteDirNonDir included).
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/archive/untar.h"
#include "engine/container/cp.h"
#include "engine/container/container_internal.h"
#include "engine/store/store_image.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

/* Symlink hops followed to compute a link target (the kernel's MAXSYMLINKS). */
#define CP_MAX_LINK_HOPS 40

int
cp_clean_path(const char *path, char *buf, size_t size)
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

/* ---- the root ------------------------------------------------------- */

/* Adds @dir as the next (lower) "lowerdir+" of the overlay being built. */
static int
overlay_add_lower(int fsfd, const char *dir)
{
	_cleanup_close_ int d = -1;

	/* fsconfig strings are capped at 256 bytes; longer paths go in as an fd */
	if (strlen(dir) < 255)
		return fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0 ? -errno : 0;
	d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return -errno;
	return fsconfig(fsfd, FSCONFIG_SET_FD, "lowerdir+", NULL, d) < 0 ? -errno : 0;
}

/*
 * A detached overlay of @c's layer over its image: read-only with the
 * container layer as the topmost lower (nothing is written, so this cannot
 * disturb a start racing with us), or with upper and work dirs for @write.
 * Without image layers the container layer itself is the root.
 */
static int
open_overlay(struct containers *cs, struct container *c, bool write, struct err *e)
{
	_cleanup_free_ char *upper = xasprintf("%s/rw/upper", c->dir);
	_cleanup_free_ char *work = xasprintf("%s/rw/work", c->dir);
	_cleanup_strv_ char **lowers = NULL;
	_cleanup_close_ int fsfd = -1;
	int r, mfd;

	r = store_image_lowerdirs(cs->store, c->image_id, &lowers, e);
	if (r < 0)
		return r;
	if (!lowers[0]) {
		r = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return r < 0 ? err_errno(e, -errno, "cannot open '%s'", upper) : r;
	}
	fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return err_errno(e, -errno, "overlay: fsopen");
	if (!write && fs_exists(upper) && (r = overlay_add_lower(fsfd, upper)) < 0)
		return err_errno(e, r, "overlay: layer '%s'", upper);
	for (size_t i = 0; lowers[i]; i++)
		if ((r = overlay_add_lower(fsfd, lowers[i])) < 0)
			return err_errno(e, r, "overlay: layer '%s'", lowers[i]);
	if (write && (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
		      fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
		return err_errno(e, -errno, "overlay: upper '%s'", upper);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_errno(e, -errno, "overlay: mount of container '%s'", c->id);
	/* Never attached anywhere: the mount lives exactly as long as the fd. */
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC |
			      (write ? 0 : MOUNT_ATTR_RDONLY));
	if (mfd < 0)
		return err_errno(e, -errno, "overlay: fsmount of container '%s'", c->id);
	return mfd;
}

/*
 * Where a cleaned client path is resolved: the entry is @rel beneath @fd.
 * For a stopped container, a path inside one of its binds or volumes is
 * resolved beneath that mount's source (dockerd mounts them for docker cp);
 * @mount names it, NULL for the container's own root.
 */
struct cp_root {
	int fd;
	const struct mount_spec *mount;
	bool running;
	char rel[PATH_MAX];
};

static void
cp_root_release(struct cp_root *root)
{
	root->fd = safe_close(root->fd);
}

/*
 * A mount target cleaned into @t without a trailing "/" or "/.": returns
 * its length, 0 for an unusable one (too long, or "/").
 */
static size_t
clean_target(const char *target, char t[static PATH_MAX])
{
	size_t n;

	if (cp_clean_path(target, t, PATH_MAX) < 0)
		return 0;
	n = strlen(t);
	while (n > 1 && (t[n - 1] == '/' || (t[n - 1] == '.' && t[n - 2] == '/')))
		n -= t[n - 1] == '/' ? 1 : 2;
	t[n] = '\0';
	return n > 1 ? n : 0;
}

/* Length of @target as a prefix of @clean, by whole components; 0 if it is not one. */
static size_t
mount_prefix_len(const char *target, const char *clean)
{
	char t[PATH_MAX];
	size_t n = clean_target(target, t);

	if (n == 0 || strncmp(clean, t, n) != 0 || (clean[n] != '\0' && clean[n] != '/'))
		return 0;
	return n;
}

/*
 * The bind or volume of @s holding @clean: the one whose target is the
 * longest prefix of it (dockerd's rule); NULL when none does. tmpfs mounts
 * hold nothing while the container is stopped.
 */
static const struct mount_spec *
mount_for_path(const struct container_spec *s, const char *clean, size_t *ret_len)
{
	const struct mount_spec *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount_spec *m = &s->mounts[i];
		size_t n;

		if (m->type == MOUNT_TMPFS || !m->source)
			continue;
		n = mount_prefix_len(m->target, clean);
		if (n > best_len) {
			best = m;
			best_len = n;
		}
	}
	*ret_len = best_len;
	return best;
}

/*
 * Opens what @m mounts as a parent directory fd and a name below it, so
 * that fstatat(*ret_dirfd, ret_name, AT_SYMLINK_NOFOLLOW) is the source
 * itself: a directory is its own parent ("."), a file bind gives its
 * directory and basename. The host path is the administrator's and is
 * followed as the bind mount would follow it.
 */
static int
open_mount_source(struct containers *cs, const struct mount_spec *m, int *ret_dirfd,
		  char ret_name[static NAME_MAX + 1])
{
	_cleanup_free_ char *src = m->type == MOUNT_VOLUME
					   ? volume_data_path(cs->volumes, m->source)
					   : xstrdup(m->source);
	char *slash;
	int fd;

	fd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		strcpy(ret_name, ".");
		*ret_dirfd = fd;
		return 0;
	}
	if (errno != ENOTDIR)
		return -errno;
	slash = strrchr(src, '/');
	if (!slash || strlen(slash + 1) > NAME_MAX || !slash[1])
		return -EINVAL;
	strcpy(ret_name, slash + 1);
	slash[slash == src ? 1 : 0] = '\0';
	fd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_dirfd = fd;
	return 0;
}

/*
 * Opens the root @clean is resolved beneath (see the file header and
 * struct cp_root): a live container's /proc/<pid>/root already sees its
 * mounts; otherwise the detached overlay, or the source of the bind or
 * volume holding the path.
 */
static int
open_root(struct containers *cs, struct container *c, const char *clean, bool write,
	  struct cp_root *ret, struct err *e)
{
	struct container_state st;
	const struct mount_spec *m;
	char name[NAME_MAX + 1], p[64];
	size_t n;
	int pid, r;

	container_get_state(c, &st);
	ret->running = (st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED) &&
		       st.pid > 0;
	pid = st.pid;
	container_state_release(&st);
	ret->mount = NULL;
	snprintf(ret->rel, sizeof(ret->rel), "%s", clean);
	if (ret->running) {
		snprintf(p, sizeof(p), "/proc/%d/root", pid);
		ret->fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ret->fd < 0)
			return err_errno(e, -errno, "cannot open the root of container '%s'",
					 c->id);
		return 0;
	}
	m = mount_for_path(&c->spec, clean, &n);
	if (!m) {
		ret->fd = open_overlay(cs, c, write, e);
		return ret->fd < 0 ? ret->fd : 0;
	}
	r = open_mount_source(cs, m, &ret->fd, name);
	if (r < 0)
		return err_errno(e, r, "cannot open the source of mount '%s'", m->target);
	ret->mount = m;
	/* a file bind: its name below its directory; a directory: the rest of the path */
	if (strcmp(name, ".") != 0)
		snprintf(ret->rel, sizeof(ret->rel), "/%s%s", name, clean + n);
	else
		snprintf(ret->rel, sizeof(ret->rel), "%s", clean[n] ? clean + n : "/");
	return 0;
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

static int
not_found(const char *ref, const char *path, struct err *e)
{
	return err_set(e, -ENOENT, "Could not find the file %s in container %s", path, ref);
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
		/* only "/", "x/" and "x/." end like this after cp_clean_path */
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
 * most CP_MAX_LINK_HOPS links lexically, as the CLI's `cp -L` expects.
 */
static void
link_target(int rootfd, const char *path, char *buf, size_t size)
{
	char cur[PATH_MAX], target[PATH_MAX], joined[2 * PATH_MAX + 2];

	snprintf(cur, sizeof(cur), "%s", path);
	for (int hop = 0; hop < CP_MAX_LINK_HOPS; hop++) {
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
			snprintf(joined, sizeof(joined), "%.*s/%s",
				 (int)(strrchr(cur, '/') - cur), cur, target);
		if (cp_clean_path(joined, cur, sizeof(cur)) < 0)
			break;
		/* a trailing "/" from the link text is not part of the name */
		if (strlen(cur) > 1 && cur[strlen(cur) - 1] == '/')
			cur[strlen(cur) - 1] = '\0';
	}
	snprintf(buf, size, "%s", cur);
}

/* Opens the root and resolves @path for reading; fills *ret_root too. */
static int
lookup(struct containers *cs, struct container *c, const char *ref, const char *path, char *clean,
       size_t clean_size, struct cp_root *ret_root, struct cp_entry *ret, struct err *e)
{
	int r;

	r = cp_clean_path(path, clean, clean_size);
	if (r < 0)
		return err_set(e, -EINVAL, "invalid path '%s'", path);
	r = open_root(cs, c, clean, false, ret_root, e);
	if (r < 0)
		return r;
	r = resolve(ret_root->fd, ret_root->rel, ret);
	if (r < 0) {
		cp_root_release(ret_root);
		if (r == -ENOENT)
			return not_found(ref, path, e);
		if (r == -ENOTDIR)
			return err_set(e, -EINVAL, "%s: not a directory", path);
		return err_errno(e, r, "cannot resolve '%s' in container %s", path, ref);
	}
	return 0;
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

static void
fill_stat(const struct cp_root *root, const char *clean, const struct cp_entry *ent,
	  struct cp_stat *ret)
{
	char target[PATH_MAX];

	memset(ret, 0, sizeof(*ret));
	base_name(clean, ret->name, sizeof(ret->name));
	ret->mode = ent->st.st_mode;
	ret->size = ent->st.st_size;
	ret->mtime_ns = (int64_t)ent->st.st_mtim.tv_sec * 1000000000 + ent->st.st_mtim.tv_nsec;
	if (!S_ISLNK(ent->st.st_mode))
		return;
	link_target(root->fd, root->rel, target, sizeof(target));
	/* Inside a directory mount links resolve beneath its source: report
	 * them at the mount's place in the container. */
	if (root->mount && strcmp(root->rel, clean) != 0)
		snprintf(ret->link_target, sizeof(ret->link_target), "%s%s", root->mount->target,
			 strcmp(target, "/") == 0 ? "" : target);
	else
		snprintf(ret->link_target, sizeof(ret->link_target), "%s", target);
}

int
cp_stat(struct containers *cs, struct container *c, const char *ref, const char *path,
	struct cp_stat *ret, struct err *e)
{
	char clean[PATH_MAX];
	struct cp_entry ent;
	struct cp_root root = {.fd = -1};
	int r;

	r = lookup(cs, c, ref, path, clean, sizeof(clean), &root, &ent, e);
	if (r < 0)
		return r;
	fill_stat(&root, clean, &ent, ret);
	cp_entry_release(&ent);
	cp_root_release(&root);
	return 0;
}

/* ---- reading: the tar walker ----------------------------------------- */

struct walk {
	struct archive *a;
	cp_write_fn write;
	void *ud;
	int write_error;
	struct err *e;
	/* Crossing into binds and volumes of a stopped container (NULL when
	 * the root already shows them): the container path of the top entry
	 * and the length of its name in the archive. */
	struct containers *cs;
	const struct container_spec *spec;
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
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char b[65536];
	ssize_t n;

	if (fd < 0)
		return err_errno(w->e, -errno, "cannot open '%s'", path);
	while ((n = read(fd, b, sizeof(b))) > 0)
		if (archive_write_data(w->a, b, (size_t)n) < 0)
			return walk_fail(w);
	if (n < 0)
		return err_errno(w->e, -errno, "cannot read '%s'", path);
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
	_cleanup_close_ int srcfd = -1;
	char cpath[PATH_MAX + NAME_MAX], src_name[NAME_MAX + 1];
	struct stat src_st;

	if (!w->spec)
		return walk_entry(w, dirfd, name, path, st, depth);
	snprintf(cpath, sizeof(cpath), "%s%s", w->top, path + w->top_len);
	for (size_t i = 0; i < w->spec->n_mounts; i++) {
		const struct mount_spec *m = &w->spec->mounts[i];
		size_t n;

		if (m->type == MOUNT_TMPFS || !m->source)
			continue;
		n = mount_prefix_len(m->target, cpath);
		if (n == 0 || cpath[n] != '\0')
			continue;
		if (open_mount_source(w->cs, m, &srcfd, src_name) < 0 ||
		    fstatat(srcfd, src_name, &src_st, AT_SYMLINK_NOFOLLOW) < 0)
			break; /* a vanished source: show the mount point itself */
		return walk_entry(w, srcfd, src_name, path, &src_st, depth);
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
	char cdir[PATH_MAX + NAME_MAX], t[PATH_MAX], src_name[NAME_MAX + 1];
	struct stat st;
	int r = 0;

	snprintf(cdir, sizeof(cdir), "%s%s", w->top, prefix + w->top_len);
	for (size_t i = 0; r >= 0 && i < w->spec->n_mounts; i++) {
		const struct mount_spec *m = &w->spec->mounts[i];
		_cleanup_close_ int srcfd = -1;
		_cleanup_free_ char *path = NULL;
		char *slash;

		if (m->type == MOUNT_TMPFS || !m->source || clean_target(m->target, t) == 0)
			continue;
		slash = strrchr(t, '/');
		*slash = '\0';
		if (strcmp(t, cdir) != 0 ||
		    fstatat(dirfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
			continue;
		if (open_mount_source(w->cs, m, &srcfd, src_name) < 0 ||
		    fstatat(srcfd, src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path = xasprintf("%s/%s", prefix, slash + 1);
		r = walk_entry(w, srcfd, src_name, path, &st, depth);
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
	if (r >= 0 && w->spec)
		r = walk_unseen_mounts(w, dirfd(d), prefix, depth);
	return r;
}

int
cp_get(struct containers *cs, struct container *c, const char *ref, const char *path,
       cp_write_fn write, void *ud, struct err *e)
{
	struct walk w = {.write = write, .ud = ud, .e = e, .cs = cs};
	char clean[PATH_MAX], base[NAME_MAX + 1];
	struct cp_root root = {.fd = -1};
	struct cp_entry ent;
	size_t n;
	int r;

	r = lookup(cs, c, ref, path, clean, sizeof(clean), &root, &ent, e);
	if (r < 0)
		return r;
	base_name(clean, base, sizeof(base));
	if (strcmp(base, "/") == 0)
		strcpy(base, ".");
	if (!root.running) {
		/* the directory's container path, without a trailing "/" or "/." */
		w.spec = &c->spec;
		snprintf(w.top, sizeof(w.top), "%s", clean);
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
	cp_root_release(&root);
	return r < 0 ? r : 0;
}

/* ---- writing --------------------------------------------------------- */

/* dockerd's read-only refusals: the root file system or a volume. */
static int
check_writable(const struct cp_root *root, int dirfd, bool readonly_rootfs, struct err *e)
{
	struct statvfs vfs;
	struct stat root_st, dir_st;
	bool on_root;

	if (fstat(root->fd, &root_st) < 0 || fstat(dirfd, &dir_st) < 0 || fstatvfs(dirfd, &vfs) < 0)
		return err_errno(e, -errno, "cannot stat the extraction point");
	if (root->mount && root->mount->readonly)
		return err_set(e, -EINVAL, "mounted volume is marked read-only");
	on_root = !root->mount && root_st.st_dev == dir_st.st_dev;
	if (on_root && readonly_rootfs)
		return err_set(e, -EINVAL, "container rootfs is marked read-only");
	if (vfs.f_flag & ST_RDONLY)
		return err_set(e, -EINVAL, on_root ? "container rootfs is marked read-only"
						   : "mounted volume is marked read-only");
	return 0;
}

int
cp_put(struct containers *cs, struct container *c, const char *ref, const char *path, int tar_fd,
       const struct cp_put_opts *o, struct err *e)
{
	struct untar_opts uo = { .whiteout = UNTAR_WHITEOUT_NONE };
	struct cp_put_opts dflt = {0};
	char clean[PATH_MAX];
	_cleanup_close_ int dirfd = -1;
	_cleanup_(cp_root_release) struct cp_root root = {.fd = -1};
	int r;

	if (!o)
		o = &dflt;
	if (cp_clean_path(path, clean, sizeof(clean)) < 0)
		return err_set(e, -EINVAL, "invalid path '%s'", path);
	r = open_root(cs, c, clean, true, &root, e);
	if (r < 0)
		return r;
	/* The extraction point's own symlinks are followed, inside the root. */
	dirfd = fs_open_beneath(root.fd, root.rel, O_RDONLY | O_DIRECTORY, 0);
	if (dirfd == -ENOENT)
		return not_found(ref, path, e);
	if (dirfd == -ENOTDIR)
		return err_set(e, -EINVAL, "extraction point is not a directory");
	if (dirfd < 0)
		return err_errno(e, dirfd, "cannot open '%s' in container %s", path, ref);
	r = check_writable(&root, dirfd, c->spec.readonly_rootfs, e);
	if (r < 0)
		return r;
	/* checked by the extraction helper, which reads the headers first */
	if (o->no_overwrite_dir_non_dir)
		uo.flags |= UNTAR_NO_OVERWRITE_DIR_NON_DIR;
	/* Without copyUIDGID dockerd chowns to the container's root: we are root. */
	if (!o->copy_uid_gid)
		uo.flags |= UNTAR_NO_CHOWN;
	r = untar_extract(tar_fd, dirfd, &uo, NULL, e);
	if (r == -EROFS)
		return err_set(e, -EINVAL, "container rootfs is marked read-only");
	/* dockerd's noOverwriteDirNonDir refusal comes as is, nothing written yet */
	if (r < 0 && o->no_overwrite_dir_non_dir && strncmp(e->msg, "cannot overwrite ", 17) == 0)
		return r;
	return r < 0 ? err_prefix(e, "extract into '%s'", path) : 0;
}

/* ---- copy-up --------------------------------------------------------- */

static int
fd_write(void *ud, const void *p, size_t n)
{
	return fs_write_all(*(int *)ud, p, n);
}

/* True when the directory @dirfd holds no entry but "." and "..". */
static int
dir_is_empty(int dirfd)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return 0;
	return 1;
}

int
cp_copy_up(struct containers *cs, struct container *c, const char *target, int dest_dirfd,
	   struct err *e)
{
	struct walk w = {.write = fd_write, .e = e};
	struct untar_opts uo = {.whiteout = UNTAR_WHITEOUT_NONE, .flags = UNTAR_ALLOW_DEVICES};
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int rootfd = -1, tmp = -1;
	char clean[PATH_MAX];
	struct cp_entry ent;
	int r;

	if (cp_clean_path(target, clean, sizeof(clean)) < 0 || strlen(clean) + 3 > sizeof(clean))
		return err_set(e, -EINVAL, "invalid mount path '%s'", target);
	r = dir_is_empty(dest_dirfd);
	if (r <= 0)
		return r < 0 ? err_errno(e, r, "cannot list the volume at '%s'", target) : 0;
	rootfd = open_overlay(cs, c, false, e);
	if (rootfd < 0)
		return rootfd;
	/* "<target>/.": the directory itself, its symlinks followed inside the
	 * image as dockerd's GetResourcePath does; nothing there, nothing to copy */
	strcat(clean, strcmp(clean, "/") ? "/." : ".");
	r = resolve(rootfd, clean, &ent);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return err_errno(e, r, "cannot open '%s' in the image", target);
	/* The tree goes through a tar on disk (dockerd's CopyWithTar): the
	 * extraction keeps owners, modes, xattrs and times and never follows a
	 * symlink of the image into the host. */
	dir = xstrdup(c->dir);
	tmp = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tmp < 0) {
		cp_entry_release(&ent);
		return err_errno(e, -errno, "cannot create a temporary file in '%s'", dir);
	}
	w.ud = &tmp;
	w.a = archive_write_new();
	archive_write_set_format_pax_restricted(w.a);
	if (archive_write_open(w.a, &w, NULL, walk_write_cb, NULL) != ARCHIVE_OK) {
		r = walk_fail(&w);
	} else {
		w.xattrs = true;
		r = walk_entry(&w, ent.dirfd, ent.name, ".", &ent.st, 0);
		if (archive_write_close(w.a) != ARCHIVE_OK && r >= 0)
			r = walk_fail(&w);
	}
	archive_write_free(w.a);
	cp_entry_release(&ent);
	if (r < 0)
		return err_prefix(e, "copy the image's '%s' into its volume", target);
	if (lseek(tmp, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind the copy of '%s'", target);
	r = untar_extract(tmp, dest_dirfd, &uo, NULL, e);
	if (r < 0)
		return err_prefix(e, "copy the image's '%s' into its volume", target);
	/* The archive's root entry names the destination itself, which the
	 * extraction leaves alone: give it the directory's owner and mode
	 * (dockerd's copyOwnership), owner first as chown clears set-id bits. */
	if (fchown(dest_dirfd, ent.st.st_uid, ent.st.st_gid) < 0 ||
	    fchmod(dest_dirfd, ent.st.st_mode & 07777) < 0)
		return err_errno(e, -errno, "cannot set the owner and mode of the volume at '%s'",
				 target);
	return 0;
}
