/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker cp below one root fd (see cp.h): opening that root (the running
 * container's /proc/<pid>/root or a detached overlay mount), resolving
 * client paths beneath it, the tar walker for reads and the checks around
 * untar_extract for writes (the archive itself is read only by the
 * extraction helper, noOverwriteDirNonDir included).
 */
#include "config.h"

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

#include "engine/archive/tarout.h"
#include "engine/archive/untar.h"
#include "engine/container/cp.h"
#include "engine/container/container_internal.h"
#include "engine/container/container_userns.h"
#include "engine/store/store_image.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

int
cp_clean_path(const char *path, char *buf, size_t size)
{
	return tarout_clean_path(path, buf, size);
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
		n = tarout_mount_prefix_len(m->target, clean);
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

/* ---- reading, in the read helper -------------------------------------- */

static int
not_found(const char *ref, const char *path, struct err *e)
{
	return err_set(e, -ENOENT, "Could not find the file %s in container %s", path, ref);
}

/* The mounts a stopped container's walk crosses into, their sources open. */
static struct tarout_mount *
open_mounts(struct containers *cs, const struct container_spec *s, size_t *ret_n)
{
	struct tarout_mount *v = xcalloc(s->n_mounts + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount_spec *m = &s->mounts[i];

		if (m->type == MOUNT_TMPFS || !m->source)
			continue;
		snprintf(v[n].target, sizeof(v[n].target), "%s", m->target);
		if (open_mount_source(cs, m, &v[n].dirfd, v[n].name) < 0)
			v[n].dirfd = -1; /* vanished: the walk shows the mount point */
		n++;
	}
	*ret_n = n;
	return v;
}

static void
close_mounts(struct tarout_mount *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		safe_close(v[i].dirfd);
	free(v);
}

/* The job for @path: its root open (and, stopped, its mounts), or -errno with @e. */
static int
read_src(struct containers *cs, struct container *c, const char *path, bool walk,
	 struct cp_root *root, struct tarout_src *src, struct err *e)
{
	int r;

	memset(src, 0, sizeof(*src));
	src->rootfd = -1;
	r = cp_clean_path(path, src->clean, sizeof(src->clean));
	if (r < 0)
		return err_set(e, -EINVAL, "invalid path '%s'", path);
	r = open_root(cs, c, src->clean, false, root, e);
	if (r < 0)
		return r;
	src->rootfd = root->fd;
	snprintf(src->rel, sizeof(src->rel), "%s", root->rel);
	if (root->mount)
		snprintf(src->mount_target, sizeof(src->mount_target), "%s", root->mount->target);
	if (walk && !root->running) {
		src->cross_mounts = true;
		src->mounts = open_mounts(cs, &c->spec, &src->n_mounts);
	}
	if (container_userns_map(cs, c))
		src->unmap = *container_userns_map(cs, c);
	return 0;
}

/* lookup()'s words for a path the helper could not resolve. */
static int
resolve_error(const char *ref, const char *path, int r, struct err *e)
{
	if (r == -ENOENT)
		return not_found(ref, path, e);
	if (r == -ENOTDIR)
		return err_set(e, -EINVAL, "%s: not a directory", path);
	return r;
}

int
cp_stat(struct containers *cs, struct container *c, const char *ref, const char *path,
	struct cp_stat *ret, struct err *e)
{
	struct cp_root root = {.fd = -1};
	struct tarout_src *src = xmalloc(sizeof(*src));
	struct tarout_stat *st = xmalloc(sizeof(*st));
	int r;

	r = read_src(cs, c, path, false, &root, src, e);
	if (r >= 0) {
		r = tarout_stat(src, st, e);
		if (r < 0 && !st->resolved)
			r = resolve_error(ref, path, r, e);
	}
	if (r >= 0) {
		memset(ret, 0, sizeof(*ret));
		snprintf(ret->name, sizeof(ret->name), "%s", st->name);
		ret->mode = st->mode;
		ret->size = st->size;
		ret->mtime_ns = st->mtime_ns;
		snprintf(ret->link_target, sizeof(ret->link_target), "%s", st->link_target);
	}
	cp_root_release(&root);
	free(src);
	free(st);
	return r < 0 ? r : 0;
}

int
cp_get(struct containers *cs, struct container *c, const char *ref, const char *path,
       cp_write_fn write, void *ud, struct err *e)
{
	struct cp_root root = {.fd = -1};
	struct tarout_src *src = xmalloc(sizeof(*src));
	struct tarout_stat *st = xmalloc(sizeof(*st));
	struct tarout_mount *mounts = NULL;
	int r;

	r = read_src(cs, c, path, true, &root, src, e);
	mounts = (struct tarout_mount *)src->mounts;
	if (r >= 0) {
		r = tarout_tree(src, write, ud, st, e);
		if (r < 0 && !st->resolved)
			r = resolve_error(ref, path, r, e);
	}
	close_mounts(mounts, src->n_mounts);
	cp_root_release(&root);
	free(src);
	free(st);
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
	const struct idmap *m = container_userns_map(cs, c);
	struct untar_opts uo = {.whiteout = UNTAR_WHITEOUT_NONE};
	struct cp_put_opts dflt = {0};
	char clean[PATH_MAX];
	_cleanup_close_ int dirfd = -1;
	_cleanup_(cp_root_release) struct cp_root root = {.fd = -1};
	int r;

	if (m)
		uo.idmap = *m;

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
	/* Without copyUIDGID dockerd chowns to the container's root: we are
	 * root, unless the container's is remapped. */
	if (!o->copy_uid_gid)
		uo.flags |= idmap_is_set(m) ? UNTAR_CHOWN_ROOT : UNTAR_NO_CHOWN;
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
	const struct idmap *m = container_userns_map(cs, c);
	/* the image's ids become the remapped container's host ids */
	struct untar_opts uo = {.whiteout = UNTAR_WHITEOUT_NONE, .flags = UNTAR_ALLOW_DEVICES};
	_cleanup_free_ struct tarout_src *src = xcalloc(1, sizeof(*src));
	_cleanup_free_ struct tarout_stat *st = xmalloc(sizeof(*st));
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int rootfd = -1, tmp = -1;
	int r;

	if (m)
		uo.idmap = *m;

	if (cp_clean_path(target, src->clean, sizeof(src->clean)) < 0 ||
	    strlen(src->clean) + 3 > sizeof(src->clean))
		return err_set(e, -EINVAL, "invalid mount path '%s'", target);
	r = dir_is_empty(dest_dirfd);
	if (r <= 0)
		return r < 0 ? err_errno(e, r, "cannot list the volume at '%s'", target) : 0;
	rootfd = open_overlay(cs, c, false, e);
	if (rootfd < 0)
		return rootfd;
	/* "<target>/.": the directory itself, its symlinks followed inside the
	 * image as dockerd's GetResourcePath does; nothing there, nothing to copy */
	strcat(src->clean, strcmp(src->clean, "/") ? "/." : ".");
	memcpy(src->rel, src->clean, sizeof(src->rel));
	src->rootfd = rootfd;
	/* The image's own tree (berth's layers, read-only overlay) is walked
	 * in-process, extended attributes included; it goes through a tar on
	 * disk (dockerd's CopyWithTar): the extraction keeps owners, modes,
	 * xattrs and times and never follows a symlink of the image into the
	 * host. */
	src->flags = TAROUT_XATTRS;
	dir = xstrdup(c->dir);
	tmp = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tmp < 0)
		return err_errno(e, -errno, "cannot create a temporary file in '%s'", dir);
	r = tarout_tree(src, fd_write, &tmp, st, e);
	if (r < 0 && !st->resolved && (r == -ENOENT || r == -ENOTDIR))
		return 0;
	if (r < 0 && !st->resolved)
		return err_errno(e, r, "cannot open '%s' in the image", target);
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
	if (fchown(dest_dirfd, m ? idmap_to_host(&m->uid, st->uid) : st->uid,
		   m ? idmap_to_host(&m->gid, st->gid) : st->gid) < 0 ||
	    fchmod(dest_dirfd, st->mode & 07777) < 0)
		return err_errno(e, -errno, "cannot set the owner and mode of the volume at '%s'",
				 target);
	return 0;
}
