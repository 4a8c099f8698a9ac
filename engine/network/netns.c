/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespace files; see netns.h. The unshare, setns, mount and
 * umount happen in helper children (engine/util/nsjob.h): berthd's own
 * threads stay in the host namespace for their whole life and never mount.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "engine/network/netns.h"
#include "engine/util/cleanup.h"
#include "engine/util/nsjob.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int
netns_create(const char *path, int *ret_nlfd)
{
	const struct nsjob_sock nl = {.domain = AF_NETLINK,
				      .type = SOCK_RAW,
				      .protocol = 0 /* NETLINK_ROUTE */};
	int fd, r;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		return -errno;
	safe_close(fd);
	r = nsjob_netns_create(path, &nl, ret_nlfd ? 1 : 0, ret_nlfd);
	if (r < 0) {
		/* the namespace may be pinned already when the socket failed */
		if (netns_is_pinned(path))
			(void)nsjob_umount(path, MNT_DETACH | UMOUNT_NOFOLLOW);
		(void)unlink(path);
	}
	return r;
}

int
netns_pin(const char *path, pid_t pid)
{
	char proc[40];
	_cleanup_close_ int nsfd = -1;
	int fd, r;

	snprintf(proc, sizeof(proc), "/proc/%d/ns/net", (int)pid);
	nsfd = open(proc, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		return -errno;
	safe_close(fd);
	r = nsjob_netns_pin(nsfd, path);
	if (r < 0)
		(void)unlink(path);
	return r;
}

bool
netns_is_pinned(const char *path)
{
	struct statfs sfs;

	if (statfs(path, &sfs) < 0)
		return false;
	return sfs.f_type == NSFS_MAGIC;
}

int
netns_destroy(const char *path)
{
	/* Detach: a runtime may still hold the namespace open; it lives on for it. */
	int r = nsjob_umount(path, MNT_DETACH | UMOUNT_NOFOLLOW);

	if (r < 0 && r != -EINVAL && r != -ENOENT)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
netns_socket(const char *path, int domain, int type, int protocol)
{
	struct nsjob_sock req = {.domain = domain, .type = type, .protocol = protocol};
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	int fd, r;

	if (nsfd < 0)
		return -errno;
	/* Refuse anything that is not a namespace file: setns would fail anyway,
	 * but this keeps the error precise. */
	if (!netns_is_pinned(path))
		return -EINVAL;
	r = nsjob_netns_sockets(nsfd, &req, 1, &fd);
	return r < 0 ? r : fd;
}
