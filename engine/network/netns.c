/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespace files; see netns.h. Every namespace switch happens in a
 * thread created for it and discarded afterwards, because a thread that
 * changed namespace would otherwise carry it into unrelated work (libmicrohttpd
 * reuses nothing of ours, but a pool could): berthd's own threads stay in the
 * host namespace for their whole life.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "engine/network/netns.h"
#include "engine/util/cleanup.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

struct ns_job {
	const char *path;	/* namespace file */
	int nsfd;		/* for socket jobs: the namespace to join */
	int domain, type, protocol;
	int result;		/* 0, an fd, or -errno */
};

/* Runs in its own thread: unshare, pin, exit (the thread's netns dies with it). */
static void *
create_thread(void *arg)
{
	struct ns_job *job = arg;

	if (unshare(CLONE_NEWNET) < 0) {
		job->result = -errno;
		return NULL;
	}
	/* ("none": the type of a bind mount is ignored, but NULL trips memcheck) */
	if (mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND, NULL) < 0) {
		job->result = -errno;
		return NULL;
	}
	job->result = 0;
	return NULL;
}

static void *
socket_thread(void *arg)
{
	struct ns_job *job = arg;
	int fd;

	if (setns(job->nsfd, CLONE_NEWNET) < 0) {
		job->result = -errno;
		return NULL;
	}
	fd = socket(job->domain, job->type | SOCK_CLOEXEC, job->protocol);
	job->result = fd < 0 ? -errno : fd;
	return NULL;
}

static int
run_job(void *(*fn)(void *), struct ns_job *job)
{
	pthread_t t;
	int r;

	job->result = -EIO;
	r = pthread_create(&t, NULL, fn, job);
	if (r != 0)
		return -r;
	r = pthread_join(t, NULL);
	if (r != 0)
		return -r;
	return job->result;
}

int
netns_create(const char *path)
{
	struct ns_job job = {.path = path, .nsfd = -1};
	int fd, r;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		return -errno;
	safe_close(fd);
	r = run_job(create_thread, &job);
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
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
netns_socket(const char *path, int domain, int type, int protocol)
{
	struct ns_job job = {.path = path, .domain = domain, .type = type, .protocol = protocol};
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);

	if (nsfd < 0)
		return -errno;
	/* Refuse anything that is not a namespace file: setns would fail anyway,
	 * but this keeps the error precise. */
	if (!netns_is_pinned(path))
		return -EINVAL;
	job.nsfd = nsfd;
	return run_job(socket_thread, &job);
}
