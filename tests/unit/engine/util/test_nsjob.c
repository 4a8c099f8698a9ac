/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helper children for namespace work (root only; skips otherwise): a
 * namespace made and pinned, sockets made inside it and handed back, the
 * pin unmounted, errors passed back, and the calling process never changing
 * namespace nor keeping a stray fd.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "engine/util/nsjob.h"

#define NSFS_MAGIC_ 0x6e736673

static char pin[64];

static void
setup(void)
{
	int fd;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	snprintf(pin, sizeof(pin), "/tmp/berth-unit-nsjob-%d", (int)getpid());
	fd = open(pin, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void
teardown(void)
{
	if (!pin[0])
		return;
	(void)umount2(pin, MNT_DETACH);
	(void)unlink(pin);
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static ino_t
ns_ino(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
	return st.st_ino;
}

static void *
other_thread(void *arg)
{
	*(ino_t *)arg = ns_ino("/proc/thread-self/ns/net");
	return NULL;
}

Test(nsjob, makes_pins_enters_and_unmounts_a_namespace, .init = setup, .fini = teardown)
{
	ino_t host = ns_ino("/proc/thread-self/ns/net"), seen = 0;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(5353),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	const struct nsjob_sock req[2] = {
		{AF_INET, SOCK_DGRAM, 0, (struct sockaddr *)&a, sizeof(a), 0},
		{AF_INET, SOCK_STREAM, 0, (struct sockaddr *)&a, sizeof(a), 8},
	};
	int before = count_fds(), nsfd, fds[2], sk_ns;
	struct statfs sfs;
	pthread_t t;

	cr_assert_eq(nsjob_netns_create(pin, NULL, 0, NULL), 0);
	cr_assert_eq(statfs(pin, &sfs), 0);
	cr_expect_eq(sfs.f_type, NSFS_MAGIC_, "the file is a pinned namespace");
	cr_expect_neq(ns_ino(pin), host, "a new namespace");
	cr_expect_eq(ns_ino("/proc/thread-self/ns/net"), host, "this thread stayed");
	cr_assert_eq(pthread_create(&t, NULL, other_thread, &seen), 0);
	pthread_join(t, NULL);
	cr_expect_eq(seen, host, "other threads stayed");

	nsfd = open(pin, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(nsfd, 0);
	cr_assert_eq(nsjob_netns_sockets(nsfd, req, 2, fds), 0);
	/* the sockets live in the new namespace (lo is down there, yet bound) */
	sk_ns = ioctl(fds[0], SIOCGSKNS);
	cr_assert_geq(sk_ns, 0);
	struct stat st;
	cr_assert_eq(fstat(sk_ns, &st), 0);
	cr_expect_eq(st.st_ino, ns_ino(pin));
	close(sk_ns);
	cr_expect(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	cr_expect(fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
	int type = 0;
	socklen_t len = sizeof(type);
	cr_assert_eq(getsockopt(fds[1], SOL_SOCKET, SO_ACCEPTCONN, &type, &len), 0);
	cr_expect_eq(type, 1, "the TCP socket listens");
	close(fds[0]);
	close(fds[1]);

	/* an error comes back as the child's errno, and nothing stays open */
	cr_expect_eq(nsjob_netns_sockets(nsfd,
					 (struct nsjob_sock[]){{AF_INET, SOCK_DGRAM, 0, NULL, 0, 0},
							       {-1, SOCK_DGRAM, 0, NULL, 0, 0}},
					 2, fds),
		     -EAFNOSUPPORT);
	close(nsfd);
	cr_expect_eq(nsjob_netns_sockets(0, req, 1, fds), -EINVAL, "stdin is not a namespace");
	cr_expect_eq(nsjob_netns_sockets(-1, req, 5, fds), -E2BIG);

	cr_expect_eq(nsjob_umount(pin, MNT_DETACH | UMOUNT_NOFOLLOW), 0);
	cr_assert_eq(statfs(pin, &sfs), 0);
	cr_expect_neq(sfs.f_type, NSFS_MAGIC_, "unpinned");
	cr_expect_eq(nsjob_umount(pin, MNT_DETACH | UMOUNT_NOFOLLOW), -EINVAL, "not a mount");
	cr_expect_eq(count_fds(), before, "no fd left behind");
}

Test(nsjob, makes_a_namespace_and_a_socket_inside_in_one_child, .init = setup, .fini = teardown)
{
	const struct nsjob_sock nl = {AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */, NULL, 0, 0};
	int before = count_fds(), fd = -1, sk_ns;
	struct stat st;

	cr_assert_eq(nsjob_netns_create(pin, &nl, 1, &fd), 0);
	cr_assert_geq(fd, 0);
	cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* the socket lives in the namespace pinned at @pin, not in ours */
	sk_ns = ioctl(fd, SIOCGSKNS);
	cr_assert_geq(sk_ns, 0);
	cr_assert_eq(fstat(sk_ns, &st), 0);
	cr_expect_eq(st.st_ino, ns_ino(pin));
	cr_expect_neq(st.st_ino, ns_ino("/proc/thread-self/ns/net"));
	close(sk_ns);
	close(fd);
	cr_expect_eq(nsjob_netns_create(pin, &nl, 5, &fd), -E2BIG);
	cr_expect_eq(nsjob_umount(pin, MNT_DETACH | UMOUNT_NOFOLLOW), 0);
	cr_expect_eq(count_fds(), before, "no fd left behind");
}
