/* SPDX-License-Identifier: Apache-2.0 */
/* Idmapped mounts for --userns-remap; see idmapped.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/runtime/idmapped.h"
#include "engine/util/cleanup.h"
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
idmapped_write_maps(pid_t pid, const struct idmap *m)
{
	int r = write_map(pid, "uid_map", &m->uid);

	return r < 0 ? r : write_map(pid, "gid_map", &m->gid);
}

int
idmapped_userns_fd(const struct idmap *m)
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
		r = idmapped_write_maps(pid, m);
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

int
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
