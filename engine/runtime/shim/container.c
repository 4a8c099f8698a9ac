/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container child, part 1: runs as PID 1 of fresh mount, PID, UTS, IPC
 * (and network) namespaces, cloned by the shim. Joins the given network
 * namespace, creates its cgroup namespace once the shim placed it in the
 * container's cgroup, mounts the overlay root (fsopen/fsconfig "lowerdir+",
 * so 100+ layers work; platform-notes §2), the spec's mounts, /dev nodes,
 * pivots into the root and applies masked and read-only paths. Every mount
 * target inside the root is resolved beneath the root fd and mounted through
 * /proc/self/fd, so a hostile image's symlinks cannot redirect a mount onto
 * the host. Credentials and exec are in process.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/runtime/cgroup.h"
#include "engine/runtime/proto.h"
#include "engine/runtime/shim/shim.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

struct mount_opt {
	const char *name;
	unsigned long set, clear;
};

static const struct mount_opt mount_opts[] = {
	{"ro", MS_RDONLY, 0},	     {"rw", 0, MS_RDONLY},	   {"nosuid", MS_NOSUID, 0},
	{"suid", 0, MS_NOSUID},	     {"nodev", MS_NODEV, 0},	   {"dev", 0, MS_NODEV},
	{"noexec", MS_NOEXEC, 0},    {"exec", 0, MS_NOEXEC},	   {"relatime", MS_RELATIME, 0},
	{"noatime", MS_NOATIME, 0},  {"strictatime", MS_STRICTATIME, 0},
	{"bind", MS_BIND, 0},	     {"rbind", MS_BIND | MS_REC, 0}, {"private", 0, 0},
	{"rprivate", 0, 0},	     {"sync", MS_SYNCHRONOUS, 0},  {NULL, 0, 0},
};

/* Splits OCI options into mount flags and the fs-specific data string. */
static void
parse_options(char *const *opts, unsigned long *flags, char **data)
{
	struct buf d = BUF_INIT;

	*flags = 0;
	for (size_t i = 0; opts && opts[i]; i++) {
		const struct mount_opt *o = mount_opts;
		while (o->name && strcmp(o->name, opts[i]) != 0)
			o++;
		if (o->name) {
			*flags = (*flags & ~o->clear) | o->set;
			continue;
		}
		if (d.len)
			buf_putc(&d, ',');
		buf_puts(&d, opts[i]);
	}
	*data = d.data; /* NULL when empty */
}

/*
 * Opens @path beneath @rootfd as O_PATH, creating missing directories (and the
 * last component as a file when @file). Symlinks resolve inside the root.
 */
static int
open_target(int rootfd, const char *path, bool file)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t len = strlen(p);
	int fd;

	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	fd = fs_open_beneath(rootfd, p, O_PATH, 0);
	if (fd >= 0 || fd != -ENOENT)
		return fd;
	for (char *s = p + 1; *s; s++) {
		int r;
		if (*s != '/')
			continue;
		*s = '\0';
		r = fs_open_beneath(rootfd, p, O_PATH | O_DIRECTORY, 0);
		if (r == -ENOENT) {
			_cleanup_close_ int parent = -1;
			char *slash = strrchr(p, '/');
			*slash = '\0';
			parent = fs_open_beneath(rootfd, *p ? p : "/", O_PATH | O_DIRECTORY, 0);
			*slash = '/';
			if (parent < 0)
				return parent;
			if (mkdirat(parent, slash + 1, 0755) < 0 && errno != EEXIST)
				return -errno;
		} else if (r < 0) {
			return r;
		} else {
			close(r);
		}
		*s = '/';
	}
	if (file) {
		fd = fs_open_beneath(rootfd, p, O_CREAT | O_RDONLY | O_NOFOLLOW, 0644);
		if (fd >= 0) {
			close(fd);
			return fs_open_beneath(rootfd, p, O_PATH, 0);
		}
		return fd;
	}
	{
		_cleanup_close_ int parent = -1;
		char *slash = strrchr(p, '/');
		*slash = '\0';
		parent = fs_open_beneath(rootfd, *p ? p : "/", O_PATH | O_DIRECTORY, 0);
		*slash = '/';
		if (parent < 0)
			return parent;
		if (mkdirat(parent, slash + 1, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	return fs_open_beneath(rootfd, p, O_PATH | O_DIRECTORY, 0);
}

static void
fd_path(int fd, char out[64])
{
	snprintf(out, 64, "/proc/self/fd/%d", fd);
}

/*
 * @name in @dirfd, the root of a tmpfs this child has just mounted (nothing
 * in it comes from the image), made and opened O_PATH: no walk beneath the
 * root needed. With @make unset, opened again (the mount now on it).
 */
static int
tmpfs_subdir(int dirfd, const char *name, bool make)
{
	int fd;

	if (make && mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Remounts a bind mount with @flags, keeping the locked flags it already has. */
static int
remount_bind(const char *target, unsigned long flags)
{
	struct statvfs sv;
	unsigned long keep = 0;

	if (statvfs(target, &sv) == 0)
		keep = sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_RELATIME);
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags | keep, NULL) < 0)
		return -errno;
	return 0;
}

/*
 * cgroup v1 inside the container: a read-only tmpfs holding each controller
 * (dockerd's layout). With MS_RDONLY in @flags (every container but a
 * privileged one) each controller is bind-remounted read-only too, so root in
 * the container cannot raise its own limits or make child cgroups: writes
 * fail with EROFS.
 */
static int
mount_cgroup_v1(int rootfd, const char *dest, unsigned long flags)
{
	const unsigned long mflags = flags & ~MS_RDONLY;

	static const char *const ctrls[] = {"memory", "cpu", "cpuacct", "cpuset", "pids",
					    "freezer", "devices", "blkio", NULL};
	_cleanup_close_ int fd = open_target(rootfd, dest, false);
	char p[64];

	if (fd < 0)
		return fd;
	fd_path(fd, p);
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return -errno;
	close(fd);
	fd = open_target(rootfd, dest, false);
	if (fd < 0)
		return fd;
	for (size_t i = 0; ctrls[i]; i++) {
		_cleanup_free_ char *host = xasprintf("/sys/fs/cgroup/%s", ctrls[i]);
		_cleanup_close_ int sfd = -1;
		char sp[64];
		if (!fs_exists(host))
			continue;
		sfd = tmpfs_subdir(fd, ctrls[i], true);
		if (sfd < 0)
			return sfd;
		fd_path(sfd, sp);
		/* Inside our cgroup namespace this shows the container's own cgroup as "/". */
		if (mount("cgroup", sp, "cgroup", mflags, ctrls[i]) < 0 && errno != EBUSY)
			return -errno;
		if (flags & MS_RDONLY) {
			/* remount through a fresh fd: the old one names the covered inode */
			_cleanup_close_ int nfd = tmpfs_subdir(fd, ctrls[i], false);
			if (nfd < 0)
				return nfd;
			fd_path(nfd, sp);
			int r = remount_bind(sp, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
			if (r < 0)
				return r;
		}
	}
	fd_path(fd, p);
	if (mount(NULL, p, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755") < 0)
		return -errno;
	return 0;
}

/*
 * --cgroupns host (dockerd's default on cgroup v1): without a cgroup
 * namespace a fresh cgroup mount would show the host's whole tree, so each
 * hierarchy's directory of the container's own cgroup is bound instead, as
 * runc does; read-only unless @flags lack MS_RDONLY (privileged).
 */
static int
mount_cgroup_own(int rootfd, const char *dest, unsigned long flags, const char *cg_path)
{
	static const char *const ctrls[] = {"memory",  "cpu",	  "cpuacct", "cpuset", "pids",
					    "freezer", "devices", "blkio",   NULL};
	const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	_cleanup_close_ int fd = -1;
	char p[64];

	if (cgroup_version() == 2) {
		_cleanup_free_ char *host = xasprintf("/sys/fs/cgroup/%s", cg_path);
		fd = open_target(rootfd, dest, false);
		if (fd < 0)
			return fd;
		fd_path(fd, p);
		if (mount(host, p, NULL, MS_BIND, NULL) < 0)
			return -errno;
		safe_close(fd);
		fd = open_target(rootfd, dest, false);
		if (fd < 0)
			return fd;
		fd_path(fd, p);
		return (flags & MS_RDONLY) ? remount_bind(p, ro) : 0;
	}
	fd = open_target(rootfd, dest, false);
	if (fd < 0)
		return fd;
	fd_path(fd, p);
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return -errno;
	/* the tmpfs's root, through a fresh fd: the old one names the covered inode */
	safe_close(fd);
	fd = open_target(rootfd, dest, false);
	if (fd < 0)
		return fd;
	for (size_t i = 0; ctrls[i]; i++) {
		_cleanup_free_ char *host = xasprintf("/sys/fs/cgroup/%s/%s", ctrls[i], cg_path);
		_cleanup_close_ int sfd = -1;
		char sp[64];
		if (!fs_exists(host))
			continue;
		sfd = tmpfs_subdir(fd, ctrls[i], true);
		if (sfd < 0)
			return sfd;
		fd_path(sfd, sp);
		if (mount(host, sp, NULL, MS_BIND, NULL) < 0)
			return -errno;
		if (flags & MS_RDONLY) {
			/* remount through a fresh fd: the old one names the covered inode */
			_cleanup_close_ int nfd = tmpfs_subdir(fd, ctrls[i], false);
			int r;
			if (nfd < 0)
				return nfd;
			fd_path(nfd, sp);
			if ((r = remount_bind(sp, ro)) < 0)
				return r;
		}
	}
	fd_path(fd, p);
	if (mount(NULL, p, NULL, MS_REMOUNT | ro, "mode=755") < 0)
		return -errno;
	return 0;
}

static int
mount_one(const struct runtime_spec *s, int rootfd, const struct runtime_mount *m, int src_fd)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = -1;
	unsigned long flags;
	bool bind, file = false;
	struct stat st;
	char p[64];

	parse_options(m->options, &flags, &data);
	bind = strcmp(m->type, "bind") == 0 || (flags & MS_BIND);
	if (strcmp(m->type, "cgroup") == 0) {
		if (s->cgroupns.mode != RUNTIME_NS_NEW && s->cgroup_path && *s->cgroup_path)
			return mount_cgroup_own(rootfd, m->destination, flags, s->cgroup_path);
		if (cgroup_version() == 1)
			return mount_cgroup_v1(rootfd, m->destination, flags);
		m = &(struct runtime_mount){m->destination, "cgroup2", "cgroup", m->options};
	}
	if (bind) {
		if ((src_fd >= 0 ? fstat(src_fd, &st) : stat(m->source, &st)) < 0)
			return -errno;
		file = !S_ISDIR(st.st_mode);
	}
	fd = open_target(rootfd, m->destination, file);
	if (fd < 0)
		return fd;
	fd_path(fd, p);
	if (bind) {
		/* --userns-remap: the shim opened the source (userns.c) */
		if (src_fd >= 0 ? move_mount(src_fd, "", fd, "",
					     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
				: mount(m->source, p, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
			return -errno;
		if (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) {
			/* remount through a fresh fd: the old one names the covered inode */
			_cleanup_close_ int nfd = open_target(rootfd, m->destination, file);
			if (nfd < 0)
				return nfd;
			fd_path(nfd, p);
			return remount_bind(p, flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
		}
		return 0;
	}
	if (mount(m->source, p, m->type, flags, data) == 0)
		return 0;
	/* sysfs cannot be mounted while sharing the host's network namespace: bind it (runc). */
	if (strcmp(m->type, "sysfs") == 0 && (errno == EPERM || errno == EBUSY)) {
		_cleanup_close_ int nfd = -1;
		if (mount("/sys", p, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -errno;
		/* remount through a fresh fd: the old one names the covered inode */
		nfd = open_target(rootfd, m->destination, false);
		if (nfd < 0)
			return nfd;
		fd_path(nfd, p);
		return remount_bind(p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	}
	return -errno;
}

/* The standard nodes; bind-mounted from the host where mknod is refused (userns). */
static void
setup_dev(struct shim_child *c, int rootfd)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8},
		     {"urandom", 1, 9}, {"tty", 5, 0}};
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}, {"/proc/kcore", "core"}};
	_cleanup_close_ int dev = fs_open_beneath(rootfd, "/dev", O_PATH | O_DIRECTORY, 0);

	if (dev < 0)
		return;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (mknodat(dev, nodes[i].name, S_IFCHR | 0666,
			    makedev(nodes[i].maj, nodes[i].min)) == 0) {
			if (fchmodat(dev, nodes[i].name, 0666, 0) < 0) /* umask */
				shim_child_fail(c, -errno, "chmod /dev/%s: %m", nodes[i].name);
			continue;
		}
		if (errno == EEXIST)
			continue;
		{
			_cleanup_free_ char *dst = xasprintf("/dev/%s", nodes[i].name);
			_cleanup_free_ char *src = xasprintf("/dev/%s", nodes[i].name);
			_cleanup_close_ int fd = open_target(rootfd, dst, true);
			char p[64];
			if (fd < 0)
				continue;
			fd_path(fd, p);
			(void)mount(src, p, NULL, MS_BIND, NULL);
		}
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			shim_child_fail(c, -errno, "symlink /dev/%s: %m", links[i][1]);
}

/*
 * --device: the nodes, created with the host node's numbers and mode at
 * their path in the container (after /dev is set up, so they land on its
 * tmpfs); an existing entry at that path is replaced, as runc does.
 */
static void
make_devices(struct shim_child *c, int rootfd)
{
	for (size_t i = 0; i < c->spec->n_devices; i++) {
		const struct runtime_device *d = &c->spec->devices[i];
		_cleanup_free_ char *dir = xstrdup(d->path);
		_cleanup_close_ int dfd = -1;
		char *slash = strrchr(dir, '/'), *base = slash + 1;
		mode_t type = d->type == 'b' ? S_IFBLK : S_IFCHR;

		*slash = '\0';
		dfd = open_target(rootfd, *dir ? dir : "/", false);
		if (dfd < 0) {
			errno = -dfd;
			shim_child_fail(c, dfd, "device '%s': %m", d->path);
		}
		if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
			shim_child_fail(c, -errno, "device '%s': %m", d->path);
		if (mknodat(dfd, base, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0 ||
		    fchmodat(dfd, base, d->mode & 07777, 0) < 0) /* umask */
			shim_child_fail(c, -errno, "mknod device '%s': %m", d->path);
	}
}

/*
 * --sysctl: written below the container's own /proc/sys, so net.* lands in
 * its network namespace and kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*
 * in its IPC namespace (the names were checked at create and by the spec
 * parser: dotted words only). Done before /proc/sys is made read-only.
 */
static void
write_sysctls(struct shim_child *c)
{
	for (size_t i = 0; c->spec->sysctl && c->spec->sysctl[i]; i++) {
		_cleanup_free_ char *kv = xstrdup(c->spec->sysctl[i]);
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -1;
		char *val = strchr(kv, '=');

		if (!val)
			continue;
		/* remapped: the shim writes net.* from the host's user namespace */
		if (idmap_is_set(&c->spec->userns) && strncmp(kv, "net.", 4) == 0)
			continue;
		*val++ = '\0';
		for (char *p = kv; *p; p++)
			if (*p == '.')
				*p = '/';
		path = xasprintf("/proc/sys/%s", kv);
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || write(fd, val, strlen(val)) < 0)
			shim_child_fail(c, -errno, "write sysctl '%s': %m", c->spec->sysctl[i]);
	}
}

int
shim_overlay_mount(const struct runtime_spec *s, char *msg, size_t size)
{
	_cleanup_close_ int fsfd = -1;
	int mfd;

	fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return snprintf(msg, size, "overlay: fsopen: %s", strerror(errno)), -errno;
	for (size_t i = 0; s->lowerdirs[i]; i++) {
		/* strings are capped at 256 bytes; longer paths go in as an fd */
		if (strlen(s->lowerdirs[i]) < 255) {
			if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", s->lowerdirs[i], 0) == 0)
				continue;
		} else {
			_cleanup_close_ int d = open(s->lowerdirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (d >= 0 && fsconfig(fsfd, FSCONFIG_SET_FD, "lowerdir+", NULL, d) == 0)
				continue;
		}
		return snprintf(msg, size, "overlay: layer '%s': %s", s->lowerdirs[i],
				strerror(errno)),
		       -errno;
	}
	if (s->upperdir &&
	    (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", s->upperdir, 0) < 0 ||
	     fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", s->workdir, 0) < 0))
		return snprintf(msg, size, "overlay: upper '%s': %s", s->upperdir, strerror(errno)),
		       -errno;
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int err = errno;
		char why[256] = "";
		ssize_t n = read(fsfd, why, sizeof(why) - 1); /* the kernel's reason, if any */
		why[n > 0 ? n : 0] = '\0';
		return snprintf(msg, size, "overlay: mount: %s %s", strerror(err), why), -err;
	}
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return snprintf(msg, size, "overlay: attach: %s", strerror(errno)), -errno;
	return mfd;
}

/* Mounts the overlay (or binds the plain root) on <bundle>/rootfs. */
static int
mount_root(struct shim_child *c, const char *target)
{
	const struct runtime_spec *s = c->spec;
	_cleanup_close_ int mfd = -1;
	char msg[512];

	if (!s->lowerdirs || !s->lowerdirs[0]) {
		if (mount(s->rootfs, target, NULL, MS_BIND | MS_REC, NULL) < 0)
			shim_child_fail(c, -errno, "bind root '%s': %m", s->rootfs);
		return 0;
	}
	mfd = shim_overlay_mount(s, msg, sizeof(msg));
	if (mfd < 0)
		shim_child_fail(c, mfd, "%s", msg);
	if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		shim_child_fail(c, -errno, "overlay: attach: %m");
	return 0;
}

static void
mask_paths(struct shim_child *c)
{
	for (size_t i = 0; c->spec->masked_paths && c->spec->masked_paths[i]; i++) {
		const char *p = c->spec->masked_paths[i];
		struct stat st;
		if (lstat(p, &st) < 0)
			continue; /* missing is fine: nothing to hide */
		if (S_ISDIR(st.st_mode))
			(void)mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL);
		else
			(void)mount("/dev/null", p, NULL, MS_BIND, NULL);
	}
	for (size_t i = 0; c->spec->readonly_paths && c->spec->readonly_paths[i]; i++) {
		const char *p = c->spec->readonly_paths[i];
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
			continue;
		if (remount_bind(p, MS_RDONLY | MS_REC) < 0)
			shim_child_fail(c, -errno, "make '%s' read-only: %m", p);
	}
}

int
shim_setup_rootfs(struct shim_child *c)
{
	const struct runtime_spec *s = c->spec;
	_cleanup_free_ char *target = xasprintf("%s/" RUNTIME_ROOTFS_DIR, c->bundle);
	_cleanup_close_ int rootfd = -1;
	bool dev_tmpfs = false;
	int r;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		shim_child_fail(c, -errno, "make / private: %m");
	if (c->root_mfd >= 0 && c->root_held) {
		/* the shim built the overlay and keeps it (shim_overlay_mount) */
		if (move_mount(c->root_mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			shim_child_fail(c, -errno, "overlay: attach: %m");
		rootfd = open(target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else if (c->root_mfd >= 0) {
		/* remapped: the shim built the root; our cwd is <bundle>/rootfs */
		if (move_mount(c->root_mfd, "", AT_FDCWD, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			shim_child_fail(c, -errno, "attach root: %m");
		rootfd = TAKE_FD(c->root_mfd);
	} else {
		mount_root(c, target);
		rootfd = open(target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (rootfd < 0)
		shim_child_fail(c, -errno, "open root: %m");
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct runtime_mount *m = &s->mounts[i];
		r = mount_one(s, rootfd, m, c->bind_fds ? c->bind_fds[i] : -1);
		if (r < 0) {
			errno = -r;
			shim_child_fail(c, r, "mount '%s' on '%s': %m", m->source, m->destination);
		}
		dev_tmpfs |= strcmp(m->destination, "/dev") == 0 && strcmp(m->type, "tmpfs") == 0;
	}
	if (dev_tmpfs)
		setup_dev(c, rootfd);
	make_devices(c, rootfd);
	if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		shim_child_fail(c, -errno, "pivot_root: %m");
	/* the old root is stacked under the new one; detach it */
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		shim_child_fail(c, -errno, "detach old root: %m");
	write_sysctls(c);
	mask_paths(c);
	if (s->readonly_root && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		shim_child_fail(c, -errno, "make root read-only: %m");
	if (s->utsns.mode != RUNTIME_NS_NEW)
		return 0; /* --uts host: the host's names stay */
	if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		shim_child_fail(c, -errno, "sethostname: %m");
	if (s->domainname && *s->domainname &&
	    setdomainname(s->domainname, strlen(s->domainname)) < 0)
		shim_child_fail(c, -errno, "setdomainname: %m");
	return 0;
}

/* Joins @ns when it names another container's namespace (--ipc container:<id>). */
static void
join_ns(struct shim_child *c, const struct runtime_ns *ns, int type, const char *what)
{
	_cleanup_close_ int fd = -1;

	if (ns->mode != RUNTIME_NS_JOIN)
		return;
	fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, type) < 0)
		shim_child_fail(c, -errno, "join %s namespace '%s': %m", what, ns->path);
}

/*
 * exec into a remapped container: whether its user namespace is another
 * than ours, asked before any setns (the container's /proc has no host pids).
 */
static bool
other_userns(struct shim_child *c)
{
	struct stat self, target;
	_cleanup_free_ char *p = xasprintf("/proc/%d/ns/user", c->spec->join_pid);

	if (stat("/proc/self/ns/user", &self) < 0 || stat(p, &target) < 0)
		shim_child_fail(c, -errno, "user namespace of %d: %m", c->spec->join_pid);
	return self.st_ino != target.st_ino || self.st_dev != target.st_dev;
}

/* Its user namespace is joined last (the others are the host's to join), then we are its root. */
static void
join_userns(struct shim_child *c)
{
	if (setns(c->join_pidfd, CLONE_NEWUSER) < 0 || shim_userns_become_root() < 0)
		shim_child_fail(c, -errno, "join user namespace: %m");
}

/*
 * A PID namespace unshared inside a joined user namespace (--ipc
 * container:<c> under the remap: dockerd joins <c>'s user namespace too)
 * holds only our children: fork its pid 1, hand its pid to the shim and
 * go. The shim reaps us, adopts it (child subreaper) and sends one more
 * sync byte, so its parent-death signal, set later, points at the shim.
 */
static void
fork_into_pidns(struct shim_child *c)
{
	pid_t pid = fork();
	char b;

	if (pid < 0)
		shim_child_fail(c, -errno, "fork into the PID namespace: %m");
	if (pid > 0)
		_exit(fs_write_all(c->fork_pid_fd, &pid, sizeof(pid)) < 0 ? 1 : 0);
	c->fork_pid_fd = safe_close(c->fork_pid_fd);
	if (read(c->sync_fd, &b, 1) != 1)
		_exit(1); /* shim gone or start aborted */
}

void
shim_child_main(struct shim_child *c)
{
	const struct runtime_spec *s = c->spec;
	sigset_t none;
	char b;

	if (c->self_cgroup) {
		struct err e = ERR_INIT;
		if (cgroup_enter_v1(s->cgroup_path, &e) < 0)
			shim_child_fail(c, e.code, "%s", e.msg);
	}
	/* the shim blocks and ignores signals for itself; the container starts clean */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	for (int i = 0; i < 3; i++)
		if (c->stdio[i] >= 0 && dup2(c->stdio[i], i) < 0)
			shim_child_fail(c, -errno, "stdio: %m");
	/* placed in the cgroup first (by ourselves above, or by the shim, which
	 * writes cgroup.procs for a remapped child), so the cgroup namespace roots
	 * there; an exec joins the container's cgroup namespace and waits just
	 * before exec instead (shim_exec_process), its set-up overlapping the
	 * shim's cgroup writes when the shim makes them */
	if (c->join_pidfd < 0 && read(c->sync_fd, &b, 1) != 1)
		_exit(1); /* shim gone or start aborted */
	if (c->join_pidfd >= 0) {
		bool userns = other_userns(c);
		if (setns(c->join_pidfd, CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET |
						  CLONE_NEWCGROUP) < 0)
			shim_child_fail(c, -errno, "join container namespaces: %m");
		if (userns)
			join_userns(c);
		shim_exec_process(c);
	}
	if (c->root_mfd >= 0 && !c->root_held) {
		/* remapped: the shim wrote our maps and started us in the joined namespaces */
		if (c->join_userns_fd >= 0 && setns(c->join_userns_fd, CLONE_NEWUSER) < 0)
			shim_child_fail(c, -errno, "join user namespace: %m");
		if (shim_userns_become_root() < 0)
			shim_child_fail(c, -errno, "become root in the user namespace: %m");
		if (c->join_userns_fd >= 0 && unshare((int)c->unshare_flags) < 0)
			shim_child_fail(c, -errno, "namespaces in the joined user namespace: %m");
		if (c->fork_pid_fd >= 0)
			fork_into_pidns(c);
	} else {
		if (s->netns == RUNTIME_NETNS_PATH) {
			_cleanup_close_ int nfd = open(s->netns_path, O_RDONLY | O_CLOEXEC);
			if (nfd < 0 || setns(nfd, CLONE_NEWNET) < 0)
				shim_child_fail(c, -errno, "join network namespace '%s': %m",
						s->netns_path);
		}
		join_ns(c, &s->ipcns, CLONE_NEWIPC, "IPC");
		join_ns(c, &s->utsns, CLONE_NEWUTS, "UTS");
		join_ns(c, &s->cgroupns, CLONE_NEWCGROUP, "cgroup");
	}
	if (s->cgroupns.mode == RUNTIME_NS_NEW && unshare(CLONE_NEWCGROUP) < 0)
		shim_child_fail(c, -errno, "cgroup namespace: %m");
	shim_setup_rootfs(c);
	shim_exec_process(c);
}
