// SPDX-License-Identifier: Apache-2.0
/*
 * fsyncfloor: the disk's own cost of making a new container record durable,
 * without any daemon: a new directory with a 2 KB file in it, in four ways,
 * interleaved iteration by iteration so that the machine's noise falls on
 * all of them alike:
 *
 *   A  temp file, fsync, rename, fsync of the directory (fs_write_atomic)
 *   B  the file in place (O_EXCL), fsync of the file, then of the directory
 *   C  in place, the file and the directory fsynced at the same time
 *   F  as C, plus the parent directory: three at once (fs_write_new_durable)
 *
 *   fsyncfloor DIR N     prints min / p25 / median / p75 / max in µs per way
 *
 * DIR must be on the file system under test (a data root's). Build:
 * cc -O2 -pthread bench/fsyncfloor.c -o fsyncfloor. Not part of berthd.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char data[2000];

static long long
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static void *
fsync_fd(void *arg)
{
	(void)fsync((int)(long)arg);
	return NULL;
}

static long long
one(const char *root, int i, char way)
{
	char dir[4096], tmp[4200], fin[4200];
	pthread_t t[2];
	int fd, dfd, pfd = -1, n = 0;
	long long t0;

	snprintf(dir, sizeof(dir), "%s/%c%d", root, way, i);
	snprintf(tmp, sizeof(tmp), "%s/config.json.tmp", dir);
	snprintf(fin, sizeof(fin), "%s/config.json", dir);
	t0 = now_us();
	if (mkdir(dir, 0710) < 0)
		return -1;
	fd = open(way == 'A' ? tmp : fin, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data))
		return -1;
	if (way == 'A' || way == 'B') {
		(void)fsync(fd);
		if (way == 'A' && rename(tmp, fin) < 0)
			return -1;
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		(void)fsync(dfd);
	} else {
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pthread_create(&t[n], NULL, fsync_fd, (void *)(long)dfd) == 0)
			n++;
		if (way == 'F') {
			pfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (pthread_create(&t[n], NULL, fsync_fd, (void *)(long)pfd) == 0)
				n++;
		}
		(void)fsync(fd);
		while (n > 0)
			pthread_join(t[--n], NULL);
	}
	t0 = now_us() - t0;
	close(fd);
	close(dfd);
	if (pfd >= 0)
		close(pfd);
	return t0;
}

static int
cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const char ways[] = "ABCF";
	long long *r[4];
	int n;

	if (argc != 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: fsyncfloor DIR N\n");
		return 2;
	}
	memset(data, 'x', sizeof(data));
	for (int k = 0; k < 4; k++)
		r[k] = calloc((size_t)n, sizeof(long long));
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 4; k++) {
			int w = (k + i) % 4;
			if ((r[w][i] = one(argv[1], i, ways[w])) < 0) {
				perror(argv[1]);
				return 1;
			}
		}
	for (int k = 0; k < 4; k++) {
		qsort(r[k], (size_t)n, sizeof(long long), cmp);
		printf("%c min %lld p25 %lld median %lld p75 %lld max %lld\n", ways[k], r[k][0],
		       r[k][n / 4], r[k][n / 2], r[k][3 * n / 4], r[k][n - 1]);
	}
	return 0;
}
