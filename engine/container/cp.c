/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker cp below one root fd (see cp.h): opening that root (the running
 * container's /proc/<pid>/root or a detached overlay mount), resolving
 * client paths beneath it, the tar walker for reads and the checks around
 * untar_extract for writes.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
 * The root fd of @c's file system (see the file header). Sets
 * *ret_running when it is a live container's root, which has its volumes.
 */
static int
open_root(struct containers *cs, struct container *c, bool write, bool *ret_running,
	  struct err *e)
{
	struct container_state st;
	bool live;
	int pid, fd;

	container_get_state(c, &st);
	live = (st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED) && st.pid > 0;
	pid = st.pid;
	container_state_release(&st);
	*ret_running = live;
	if (!live)
		return open_overlay(cs, c, write, e);
	{
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/root", pid);
		fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return err_errno(e, -errno, "cannot open the root of container '%s'", c->id);
	return fd;
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
lookup(struct containers *cs, struct container *c, const char *ref, const char *path,
       char *clean, size_t clean_size, int *ret_root, struct cp_entry *ret, struct err *e)
{
	bool running;
	int rootfd, r;

	r = cp_clean_path(path, clean, clean_size);
	if (r < 0)
		return err_set(e, -EINVAL, "invalid path '%s'", path);
	rootfd = open_root(cs, c, false, &running, e);
	if (rootfd < 0)
		return rootfd;
	r = resolve(rootfd, clean, ret);
	if (r < 0) {
		close(rootfd);
		if (r == -ENOENT)
			return not_found(ref, path, e);
		if (r == -ENOTDIR)
			return err_set(e, -EINVAL, "%s: not a directory", path);
		return err_errno(e, r, "cannot resolve '%s' in container %s", path, ref);
	}
	*ret_root = rootfd;
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
fill_stat(int rootfd, const char *clean, const struct cp_entry *ent, struct cp_stat *ret)
{
	memset(ret, 0, sizeof(*ret));
	base_name(clean, ret->name, sizeof(ret->name));
	ret->mode = ent->st.st_mode;
	ret->size = ent->st.st_size;
	ret->mtime_ns = (int64_t)ent->st.st_mtim.tv_sec * 1000000000 + ent->st.st_mtim.tv_nsec;
	if (S_ISLNK(ent->st.st_mode))
		link_target(rootfd, clean, ret->link_target, sizeof(ret->link_target));
}

int
cp_stat(struct containers *cs, struct container *c, const char *ref, const char *path,
	struct cp_stat *ret, struct err *e)
{
	char clean[PATH_MAX];
	struct cp_entry ent;
	_cleanup_close_ int rootfd = -1;
	int r;

	r = lookup(cs, c, ref, path, clean, sizeof(clean), &rootfd, &ent, e);
	if (r < 0)
		return r;
	fill_stat(rootfd, clean, &ent, ret);
	cp_entry_release(&ent);
	return 0;
}

/* ---- reading: the tar walker ----------------------------------------- */

struct walk {
	struct archive *a;
	cp_write_fn write;
	void *ud;
	int write_error;
	struct err *e;
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

static int walk_dir(struct walk *w, int dirfd, const char *name, const char *prefix,
		    unsigned depth);

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
	if (archive_write_header(w->a, ae) < ARCHIVE_WARN)
		r = walk_fail(w);
	else if (S_ISREG(st->st_mode) && st->st_size > 0)
		r = walk_data(w, dirfd, name, path);
	archive_entry_free(ae);
	if (r >= 0 && S_ISDIR(st->st_mode))
		r = walk_dir(w, dirfd, name, path, depth + 1);
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
		r = walk_entry(w, dirfd(d), de->d_name, path, &st, depth);
	}
	return r;
}

int
cp_get(struct containers *cs, struct container *c, const char *ref, const char *path,
       cp_write_fn write, void *ud, struct err *e)
{
	struct walk w = { .write = write, .ud = ud, .e = e };
	char clean[PATH_MAX], base[NAME_MAX + 1];
	_cleanup_close_ int rootfd = -1;
	struct cp_entry ent;
	int r;

	r = lookup(cs, c, ref, path, clean, sizeof(clean), &rootfd, &ent, e);
	if (r < 0)
		return r;
	base_name(clean, base, sizeof(base));
	if (strcmp(base, "/") == 0)
		strcpy(base, ".");
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

/* ---- writing --------------------------------------------------------- */

/* dockerd's read-only refusals: the root file system or a volume. */
static int
check_writable(int rootfd, int dirfd, bool readonly_rootfs, struct err *e)
{
	struct statvfs vfs;
	struct stat root_st, dir_st;
	bool on_root;

	if (fstat(rootfd, &root_st) < 0 || fstat(dirfd, &dir_st) < 0 || fstatvfs(dirfd, &vfs) < 0)
		return err_errno(e, -errno, "cannot stat the extraction point");
	on_root = root_st.st_dev == dir_st.st_dev;
	if (on_root && readonly_rootfs)
		return err_set(e, -EINVAL, "container rootfs is marked read-only");
	if (vfs.f_flag & ST_RDONLY)
		return err_set(e, -EINVAL, on_root ? "container rootfs is marked read-only"
						   : "mounted volume is marked read-only");
	return 0;
}

/*
 * noOverwriteDirNonDir: reads the archive's headers once and refuses it if
 * an entry would turn an existing directory into a non-directory or the
 * reverse. Rewinds @tar_fd for the extraction.
 */
static int
check_no_overwrite(int tar_fd, int dirfd, struct err *e)
{
	_cleanup_archive_ struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int r = 0, ar;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_fd(a, tar_fd, 65536) != ARCHIVE_OK)
		return err_set(e, -EINVAL, "invalid archive: %s", archive_error_string(a));
	while (r == 0 && (ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		bool is_dir = archive_entry_filetype(ae) == AE_IFDIR;
		_cleanup_close_ int fd = -1;
		struct stat st;

		if (!name || !*name)
			continue; /* untar_extract refuses it with a precise message */
		/* resolving beneath the extraction point keeps this look inside it */
		fd = fs_open_beneath(dirfd, name, O_PATH | O_NOFOLLOW, 0);
		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && !is_dir)
			r = err_set(e, -EINVAL, "cannot overwrite directory \"%s\" with non-directory",
				    name);
		else if (!S_ISDIR(st.st_mode) && is_dir)
			r = err_set(e, -EINVAL, "cannot overwrite non-directory \"%s\" with directory",
				    name);
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = err_set(e, -EINVAL, "invalid archive: %s", archive_error_string(a));
	if (r == 0 && lseek(tar_fd, 0, SEEK_SET) < 0)
		r = err_errno(e, -errno, "cannot rewind the archive");
	return r;
}

int
cp_put(struct containers *cs, struct container *c, const char *ref, const char *path, int tar_fd,
       const struct cp_put_opts *o, struct err *e)
{
	struct untar_opts uo = { .whiteout = UNTAR_WHITEOUT_NONE };
	struct cp_put_opts dflt = {0};
	char clean[PATH_MAX];
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	bool running;
	int r;

	if (!o)
		o = &dflt;
	if (cp_clean_path(path, clean, sizeof(clean)) < 0)
		return err_set(e, -EINVAL, "invalid path '%s'", path);
	rootfd = open_root(cs, c, true, &running, e);
	if (rootfd < 0)
		return rootfd;
	/* The extraction point's own symlinks are followed, inside the root. */
	dirfd = fs_open_beneath(rootfd, clean, O_RDONLY | O_DIRECTORY, 0);
	if (dirfd == -ENOENT)
		return not_found(ref, path, e);
	if (dirfd == -ENOTDIR)
		return err_set(e, -EINVAL, "extraction point is not a directory");
	if (dirfd < 0)
		return err_errno(e, dirfd, "cannot open '%s' in container %s", path, ref);
	r = check_writable(rootfd, dirfd, c->spec.readonly_rootfs, e);
	if (r < 0)
		return r;
	if (o->no_overwrite_dir_non_dir && (r = check_no_overwrite(tar_fd, dirfd, e)) < 0)
		return r;
	/* Without copyUIDGID dockerd chowns to the container's root: we are root. */
	if (!o->copy_uid_gid)
		uo.flags |= UNTAR_NO_CHOWN;
	r = untar_extract(tar_fd, dirfd, &uo, NULL, e);
	if (r == -EROFS)
		return err_set(e, -EINVAL, "container rootfs is marked read-only");
	return r < 0 ? err_prefix(e, "extract into '%s'", path) : 0;
}
