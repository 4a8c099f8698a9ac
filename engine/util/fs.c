/* SPDX-License-Identifier: Apache-2.0 */
/* File-system helpers; see fs.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

int
fs_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t len = strlen(p);

	if (len == 0)
		return -EINVAL;
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return -errno;
			*s = c;
			if (c == '\0')
				break;
		}
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int
fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t
fs_read_full(int fd, void *data, size_t len)
{
	char *p = data;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
fs_fsync_parent(const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int fd = -1;
	char *slash = strrchr(dir, '/');

	if (!slash)
		return 0;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

struct fsync_job {
	int fd;
	int r;
};

static void *
fsync_job_run(void *arg)
{
	struct fsync_job *j = arg;

	j->r = fsync(j->fd) < 0 ? -errno : 0;
	return NULL;
}

int
fs_fsync_concurrently(const int *fds, size_t n)
{
	struct fsync_job jobs[4];
	pthread_t tids[4];
	bool started[4] = {false};
	pthread_attr_t attr;
	int r = 0;

	if (n == 0 || n > 4)
		return -EINVAL;
	/* fsync needs little stack; glibc keeps freed stacks of a size for reuse */
	if (pthread_attr_init(&attr) != 0)
		return -ENOMEM;
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	for (size_t i = 1; i < n; i++) {
		jobs[i] = (struct fsync_job){fds[i], 0};
		started[i] = pthread_create(&tids[i], &attr, fsync_job_run, &jobs[i]) == 0;
	}
	pthread_attr_destroy(&attr);
	jobs[0] = (struct fsync_job){fds[0], 0};
	fsync_job_run(&jobs[0]);
	for (size_t i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		else
			fsync_job_run(&jobs[i]); /* out of threads: in turn, as before */
	}
	for (size_t i = 0; i < n && r == 0; i++)
		r = jobs[i].r;
	return r;
}

int
fs_write_new_durable(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *parent = xstrdup(dir);
	_cleanup_close_ int dfd = -1, pfd = -1, fd = -1;
	char *slash = strrchr(parent, '/');
	int r;

	if (!slash || slash == parent)
		return -EINVAL;
	*slash = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	r = fs_write_all(fd, data, len);
	/* the umask may have taken bits of @mode */
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r < 0)
		return r;
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	/*
	 * All writes are made before any fsync starts, so once the three have
	 * returned the name, what it names and the directory's own name are on
	 * disk whatever order the file system wrote them in (no rename whose
	 * ordering against the data would matter).
	 */
	return fs_fsync_concurrently((const int[]){fd, dfd, pfd}, 3);
}

static int
write_via_temp(const char *path, const void *data, size_t len, mode_t mode, bool durable)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d.XXXXXX", path, (int)getpid());
	_cleanup_close_ int fd = -1;
	int r;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fs_write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return durable ? fs_fsync_parent(path) : 0;
}

/* True for the names write_via_temp makes: "<name>.tmp.<digits>.<6 chars>". */
static bool
is_write_temp(const char *name)
{
	const char *p = strstr(name, ".tmp.");
	size_t digits;

	if (!p || p == name)
		return false;
	p += 5;
	digits = strspn(p, "0123456789");
	return digits > 0 && p[digits] == '.' && strlen(p + digits + 1) == 6;
}

static int
remove_leftovers_at(int dfd, dev_t dev, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int n = 0;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode) && is_write_temp(de->d_name)) {
			n += unlinkat(dfd, de->d_name, 0) == 0;
		} else if (S_ISDIR(st.st_mode) && depth > 0 && st.st_dev == dev) {
			_cleanup_close_ int cfd = openat(dfd, de->d_name,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								 O_CLOEXEC);
			if (cfd >= 0)
				n += remove_leftovers_at(cfd, dev, depth - 1);
		}
	}
	return n;
}

int
fs_remove_write_leftovers(const char *dir, unsigned depth)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	return remove_leftovers_at(fd, st.st_dev, depth);
}

int
fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_via_temp(path, data, len, mode, true);
}

int
fs_write_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_via_temp(path, data, len, mode, false);
}

int
fs_read_file(const char *path, size_t limit, struct buf *ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return buf_read_fd(ret, fd, limit);
}

bool
fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int
fs_mkdtemp_in(const char *dir, const char *prefix, char **ret_path)
{
	char *p = xasprintf("%s/%sXXXXXX", dir, prefix);

	if (!mkdtemp(p)) {
		int r = -errno;
		free(p);
		return r;
	}
	*ret_path = p;
	return 0;
}

static int
rm_rf_children(int dfd, dev_t dev)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r = 0;
	/* A new open description: a dup would share (and move) the caller's
	 * directory read position. */
	int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dup_fd < 0)
		return -errno;
	d = fdopendir(dup_fd);
	if (!d) {
		safe_close(dup_fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && r == 0)
				r = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int cfd = -1;
			if (st.st_dev != dev) {
				/* A mount point: never descend into someone else's tree. */
				if (r == 0)
					r = -EBUSY;
				continue;
			}
			cfd = openat(dfd, de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				if (errno != ENOENT && r == 0)
					r = -errno;
				continue;
			}
			int k = rm_rf_children(cfd, dev);
			if (k < 0 && r == 0)
				r = k;
			if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
				r = -errno;
		} else if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT && r == 0) {
			r = -errno;
		}
	}
	return r;
}

int
fs_rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	{
		_cleanup_close_ int fd =
			openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? 0 : -errno;
		r = rm_rf_children(fd, st.st_dev);
	}
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

int
fs_rm_rf(const char *path)
{
	return fs_rm_rf_at(AT_FDCWD, path);
}

static int
tree_size(int dfd, uint64_t *acc)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd2 = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd2 < 0)
		return -errno;
	d = fdopendir(fd2);
	if (!d) {
		safe_close(fd2);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			*acc += (uint64_t)st.st_size;
		else if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int cfd = openat(dfd, de->d_name,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd >= 0)
				(void)tree_size(cfd, acc);
		}
	}
	return 0;
}

int
fs_tree_size(const char *path, uint64_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	uint64_t acc = 0;
	int r;

	if (fd < 0)
		return -errno;
	r = tree_size(fd, &acc);
	if (r < 0)
		return r;
	*ret_size = acc;
	return 0;
}

int
fs_open_beneath(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	return fd;
}

int
fs_cloexec_from(int from)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* Kernels before 5.11: one fcntl per open descriptor. */
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int64_t fd;
		int flags;
		if (parse_int64(de->d_name, 0, INT_MAX, &fd) < 0 || fd < from || fd == dirfd(d))
			continue;
		flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			(void)fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
	}
	return 0;
}
