/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns-remap in the shim: what must happen in the host's user namespace
 * before the container child is cloned into its own one (which then has no
 * privilege over anything the host owns).
 *
 * - The root file system is built here: each image layer becomes an
 *   idmapped mount (mount_setattr MOUNT_ATTR_IDMAP with a user namespace
 *   holding the container's maps, so a file owned by 0 in the layer shows
 *   as owned by the remapped root), the overlay is created over them with
 *   the container layer as upper dir, and the child attaches the detached
 *   result to its own mount namespace. The overlay's creator is the shim,
 *   so overlayfs keeps its trusted.* xattrs working.
 * - Bind-mount sources (volumes below the 0700 data root, the container's
 *   hosts/hostname/resolv.conf) are opened here as detached trees
 *   (open_tree), because the remapped root could not walk to them.
 * - A network namespace of its own is made by the child's clone, inside
 *   its user namespace; berthd plumbs it while the child is held. Another
 *   container's (--network container:) is entered by the shim around the
 *   clone, so the child starts in it.
 * - The uid_map and gid_map are written by the shim for the child.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/runtime/shim/shim.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/idmap.h"
#include "engine/util/xalloc.h"

static int
write_map(pid_t pid, const char *file, const struct idmap_side *side)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_free_ char *text = idmap_format(side);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -errno;
	return 0;
}

int
shim_userns_write_maps(pid_t pid, const struct idmap *m)
{
	int r = write_map(pid, "uid_map", &m->uid);

	return r < 0 ? r : write_map(pid, "gid_map", &m->gid);
}

/*
 * A user namespace with @m's maps, as an fd, for MOUNT_ATTR_IDMAP: a forked
 * child unshares one, the maps are written, the namespace is opened and the
 * child exits.
 */
static int
userns_fd(const struct idmap *m)
{
	int go[2] = {-1, -1}, ready[2] = {-1, -1};
	pid_t pid;
	int r = 0, fd = -1;
	char b;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], "U", 1) != 1)
			_exit(1);
		(void)!read(go[0], &b, 1); /* until the parent has the namespace */
		_exit(0);
	}
	ready[1] = safe_close(ready[1]);
	if (read(ready[0], &b, 1) != 1)
		r = -EPERM; /* the child could not unshare */
	if (r == 0)
		r = shim_userns_write_maps(pid, m);
	if (r == 0) {
		_cleanup_free_ char *path = xasprintf("/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		r = fd < 0 ? -errno : 0;
	}
	go[1] = safe_close(go[1]);
	(void)waitpid(pid, NULL, 0);
out:
	safe_close(go[0]);
	safe_close(go[1]);
	safe_close(ready[0]);
	safe_close(ready[1]);
	return r < 0 ? r : fd;
}

/* A detached copy of the tree at @path whose ids are shifted through @userns_fd. */
static int
idmapped_tree(const char *path, int userns_fd, bool recursive)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (__u64)userns_fd};
	_cleanup_close_ int fd = open_tree(AT_FDCWD, path,
					   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						   (recursive ? AT_RECURSIVE : 0));

	if (fd < 0)
		return -errno;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof(attr)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* The overlay over idmapped @lfds (open until it is created: closing a detached tree dissolves it). */
static int
make_overlay(const struct runtime_spec *s, const int *lfds, char *msg, size_t size)
{
	_cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	int mfd;

	if (fsfd < 0)
		return snprintf(msg, size, "overlay: fsopen: %s", strerror(errno)), -errno;
	for (size_t i = 0; s->lowerdirs[i]; i++)
		if (fsconfig(fsfd, FSCONFIG_SET_FD, "lowerdir+", NULL, lfds[i]) < 0)
			return snprintf(msg, size, "overlay: layer '%s': %s", s->lowerdirs[i],
					strerror(errno)),
			       -errno;
	if (s->upperdir && (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", s->upperdir, 0) < 0 ||
			    fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", s->workdir, 0) < 0))
		return snprintf(msg, size, "overlay: upper '%s': %s", s->upperdir, strerror(errno)),
		       -errno;
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int r = -errno;
		char why[256] = "";
		ssize_t n = read(fsfd, why, sizeof(why) - 1); /* the kernel's reason, if any */
		why[n > 0 ? n : 0] = '\0';
		return snprintf(msg, size, "overlay: mount: %s %s", strerror(-r), why), r;
	}
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return snprintf(msg, size, "overlay: fsmount: %s", strerror(errno)), -errno;
	return mfd;
}

/*
 * The file system of @diff cannot idmap (or the test knob says so): its
 * shifted copy (shiftcopy.c), made on first use, as a detached tree.
 */
static int
shifted_tree(const struct runtime_spec *s, const char *diff, char *msg, size_t size)
{
	_cleanup_free_ char *copy = NULL;
	char why[512] = "";
	int r = shim_userns_shifted_layer(diff, &s->userns, &copy, why, sizeof(why));

	if (r < 0)
		return snprintf(msg, size, "shifted copy of layer '%s': %s", diff, why), r;
	r = open_tree(AT_FDCWD, copy, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (r < 0)
		return snprintf(msg, size, "layer '%s': %s", copy, strerror(errno)), -errno;
	return r;
}

int
shim_userns_mount_root(const struct runtime_spec *s, char *msg, size_t size)
{
	/* test knob (documented in security.md): behave as on a file system
	 * without idmapped mounts, so the shifted copies are used */
	const char *knob = getenv("BERTH_TEST_NO_IDMAPPED_LAYERS");
	bool no_idmap = knob && strcmp(knob, "1") == 0;
	_cleanup_close_ int userns = userns_fd(&s->userns);
	size_t n = 0;
	int *lfds, mfd = -1;

	if (userns < 0)
		return snprintf(msg, size, "user namespace for the layers: %s", strerror(-userns)),
		       userns;
	if (!s->lowerdirs || !s->lowerdirs[0]) {
		mfd = idmapped_tree(s->rootfs, userns, true);
		if (mfd < 0)
			snprintf(msg, size, "idmapped root '%s': %s", s->rootfs, strerror(-mfd));
		return mfd;
	}
	while (s->lowerdirs[n])
		n++;
	msg[0] = '\0';
	lfds = xcalloc(n, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		lfds[i] = no_idmap ? -EINVAL : idmapped_tree(s->lowerdirs[i], userns, false);
		if (lfds[i] == -EINVAL || lfds[i] == -ENOTSUP || lfds[i] == -EOPNOTSUPP ||
		    lfds[i] == -EPERM)
			lfds[i] = shifted_tree(s, s->lowerdirs[i], msg, size);
		if (lfds[i] < 0 && !msg[0]) {
			mfd = lfds[i];
			snprintf(msg, size, "idmapped layer '%s': %s", s->lowerdirs[i],
				 strerror(-mfd));
		}
		if (lfds[i] < 0) {
			mfd = lfds[i];
			n = i;
			break;
		}
	}
	if (mfd == -1)
		mfd = make_overlay(s, lfds, msg, size);
	shim_userns_close_binds(lfds, n);
	return mfd;
}

int *
shim_userns_open_binds(const struct runtime_spec *s, char *msg, size_t size)
{
	int *fds = xcalloc(s->n_mounts + 1, sizeof(int));

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct runtime_mount *m = &s->mounts[i];
		bool bind = strcmp(m->type, "bind") == 0, rec = false;

		fds[i] = -1;
		for (size_t j = 0; m->options && m->options[j]; j++) {
			bind |= strcmp(m->options[j], "bind") == 0 ||
				strcmp(m->options[j], "rbind") == 0;
			rec |= strcmp(m->options[j], "rbind") == 0;
		}
		if (!bind || strcmp(m->type, "cgroup") == 0)
			continue;
		fds[i] = open_tree(AT_FDCWD, m->source,
				   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
		if (fds[i] < 0) {
			int r = errno;
			snprintf(msg, size, "mount '%s' on '%s': %s", m->source, m->destination,
				 strerror(r));
			shim_userns_close_binds(fds, i);
			errno = r;
			return NULL;
		}
	}
	return fds;
}

void
shim_userns_close_binds(int *fds, size_t n)
{
	if (!fds)
		return;
	for (size_t i = 0; i < n; i++)
		safe_close(fds[i]);
	free(fds);
}

/* Writes /proc/sys/@key (dots) = @val in our current network namespace. */
static int
write_sysctl(const char *key, const char *val)
{
	_cleanup_free_ char *path = xasprintf("/proc/sys/%s", key);
	_cleanup_close_ int fd = -1;

	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		return -errno;
	return 0;
}

int
shim_userns_net_sysctls(const struct runtime_spec *s, char *msg, size_t size)
{
	bool ping = false;

	for (size_t i = 0; s->sysctl && s->sysctl[i]; i++) {
		_cleanup_free_ char *kv = xstrdup(s->sysctl[i]);
		char *val = strchr(kv, '=');
		int r;
		if (!val || strncmp(kv, "net.", 4) != 0)
			continue;
		*val++ = '\0';
		ping |= strcmp(kv, "net.ipv4.ping_group_range") == 0;
		if ((r = write_sysctl(kv, val)) < 0)
			return snprintf(msg, size, "write sysctl '%s': %s", s->sysctl[i],
					strerror(-r)),
			       r;
	}
	/* dockerd's default, so ping works without CAP_NET_RAW over the host-owned netns */
	if (!ping)
		(void)write_sysctl("net.ipv4.ping_group_range", "0 2147483647");
	return 0;
}

int
shim_ns_enter(const char *path, int type, int *ret_saved)
{
	static const struct {
		int type;
		const char *name;
	} names[] = {{CLONE_NEWNET, "net"},
		     {CLONE_NEWIPC, "ipc"},
		     {CLONE_NEWUTS, "uts"},
		     {CLONE_NEWCGROUP, "cgroup"}};
	_cleanup_close_ int fd = -1, saved = -1;
	const char *name = NULL;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			name = names[i].name;
	if (!name)
		return -EINVAL;
	{
		_cleanup_free_ char *self = xasprintf("/proc/self/ns/%s", name);
		saved = open(self, O_RDONLY | O_CLOEXEC);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (saved < 0 || fd < 0 || setns(fd, type) < 0)
		return -errno;
	*ret_saved = TAKE_FD(saved);
	return 0;
}

void
shim_ns_leave(int *saved, int type)
{
	if (*saved >= 0 && setns(*saved, type) < 0)
		abort(); /* the shim cannot go on in the container's namespace */
	*saved = safe_close(*saved);
}

int
shim_userns_become_root(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -errno;
	return 0;
}
