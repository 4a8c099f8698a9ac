/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helper children for namespace and mount work; see nsjob.h.
 *
 * Why clone(CLONE_VM | CLONE_VFORK) and not fork(): fork copies the page
 * tables of a large, threaded berthd (slow, and only async-signal-safe code
 * may follow); a vfork-style child shares the memory, costs a few tens of
 * microseconds, and the calling thread is suspended until the child is gone,
 * so the job's inputs stay valid. Rules for the child side (child_main and
 * what it calls): raw syscall() only (no malloc, no stdio, no locks: another
 * thread may hold them), no signal handler runs (all are blocked around the
 * clone), its own stack, exit through SYS_exit. It has its own copy of the fd
 * table (no CLONE_FILES): what it opens reaches berthd only through
 * SCM_RIGHTS, and what berthd opens meanwhile never leaks into a namespace.
 * Sanitizers stay out of the child (their runtime expects known threads).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/util/cleanup.h"
#include "engine/util/nsjob.h"

#define NO_SAN __attribute__((no_sanitize("address", "undefined")))
/* The child calls a handful of syscalls: this is plenty. */
#define STACK_SIZE (64 * 1024)

enum job_kind { JOB_NETNS_CREATE, JOB_BIND, JOB_UMOUNT, JOB_SOCKETS };

struct job {
	enum job_kind kind;
	const char *path;
	const char *src; /* JOB_BIND */
	int flags;
	int nsfd;
	const struct nsjob_sock *socks;
	size_t n;
	int sock; /* the child's end of the result socketpair */
};

/* The result message: the code, then the fds as SCM_RIGHTS. */
union cmsg_fds {
	char buf[CMSG_SPACE(sizeof(int) * NSJOB_MAX_SOCKS)];
	struct cmsghdr align;
};

/* The sockets of @j in the child's current network namespace. */
static NO_SAN int
child_sockets(const struct job *j, int *fds, size_t *n)
{
	const int one = 1;

	for (*n = 0; *n < j->n; (*n)++) {
		const struct nsjob_sock *s = &j->socks[*n];
		long fd = syscall(SYS_socket, s->domain, s->type | SOCK_CLOEXEC, s->protocol);
		if (fd < 0)
			return -errno;
		fds[*n] = (int)fd;
		if (s->backlog > 0 &&
		    syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
			return -errno;
		if (s->addr && syscall(SYS_bind, fd, s->addr, s->addr_len) < 0)
			return -errno;
		if (s->backlog > 0 && syscall(SYS_listen, fd, s->backlog) < 0)
			return -errno;
	}
	return 0;
}

static NO_SAN int
child_main(void *arg)
{
	const struct job *j = arg;
	int code = 0, fds[NSJOB_MAX_SOCKS];
	size_t n = 0;
	/* zeroed: the kernel ignores the cmsg padding, but it is sent (and
	 * memcheck reports uninitialised bytes in sendmsg otherwise) */
	union cmsg_fds u = {.buf = {0}};
	struct iovec iov = {&code, sizeof(code)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	switch (j->kind) {
	case JOB_NETNS_CREATE:
		/* the namespace is the child's; the bind mount outlives it */
		if (syscall(SYS_unshare, CLONE_NEWNET) < 0 ||
		    syscall(SYS_mount, "/proc/thread-self/ns/net", j->path, "none", MS_BIND, NULL) <
			    0)
			code = -errno;
		else
			code = child_sockets(j, fds, &n);
		break;
	case JOB_BIND:
		if (syscall(SYS_mount, j->src, j->path, "none", MS_BIND, NULL) < 0)
			code = -errno;
		break;
	case JOB_UMOUNT:
		if (syscall(SYS_umount2, j->path, j->flags) < 0)
			code = -errno;
		break;
	case JOB_SOCKETS:
		if (syscall(SYS_setns, j->nsfd, CLONE_NEWNET) < 0)
			code = -errno;
		else
			code = child_sockets(j, fds, &n);
		break;
	}
	if (code == 0 && n > 0) {
		struct cmsghdr *c;
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		for (size_t i = 0; i < n; i++)
			((int *)(void *)CMSG_DATA(c))[i] = fds[i];
	}
	/* a failed send leaves berthd an empty read: -EPROTO there */
	(void)syscall(SYS_sendmsg, j->sock, &m, MSG_NOSIGNAL);
	/* the fds die with this child's fd table */
	syscall(SYS_exit, 0);
	return 0;
}

static int
receive(int sock, int *ret_fds, size_t n)
{
	int code = -EPROTO;
	union cmsg_fds u;
	struct iovec iov = {&code, sizeof(code)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	size_t got = 0;
	ssize_t len;

	len = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (len < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if (len != sizeof(code) || code < 0 || got != n || (m.msg_flags & MSG_CTRUNC)) {
		for (size_t i = 0; i < got; i++)
			close(((int *)(void *)CMSG_DATA(c))[i]);
		return len != sizeof(code) || code >= 0 ? -EPROTO : code;
	}
	if (n > 0)
		memcpy(ret_fds, CMSG_DATA(c), n * sizeof(int));
	return 0;
}

static int
run(struct job *j, int *ret_fds, size_t n_fds)
{
	_cleanup_close_ int s0 = -1, s1 = -1;
	sigset_t all, old;
	void *stack;
	int sp[2], saved;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	s0 = sp[0];
	s1 = sp[1];
	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	j->sock = s1;
	/* no handler may run in the child, on the child's stack, in our memory */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone(child_main, (char *)stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, j);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* CLONE_VFORK: the child has released our memory when clone returns */
	munmap(stack, STACK_SIZE);
	if (pid < 0)
		return -saved;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	s1 = safe_close(s1);
	return receive(s0, ret_fds, n_fds);
}

int
nsjob_netns_create(const char *path, const struct nsjob_sock *socks, size_t n, int *ret_fds)
{
	struct job j = {.kind = JOB_NETNS_CREATE, .path = path, .nsfd = -1, .socks = socks, .n = n};

	if (n > NSJOB_MAX_SOCKS)
		return -E2BIG;
	return run(&j, ret_fds, n);
}

int
nsjob_netns_pin(int nsfd, const char *path)
{
	/* the child has a copy of our fd table: @nsfd is open there too */
	char src[32];
	struct job j = {.kind = JOB_BIND, .path = path, .src = src, .nsfd = -1};

	snprintf(src, sizeof(src), "/proc/self/fd/%d", nsfd);
	return run(&j, NULL, 0);
}

int
nsjob_umount(const char *path, int flags)
{
	struct job j = {.kind = JOB_UMOUNT, .path = path, .flags = flags, .nsfd = -1};

	return run(&j, NULL, 0);
}

int
nsjob_netns_sockets(int nsfd, const struct nsjob_sock *socks, size_t n, int *ret_fds)
{
	struct job j = {.kind = JOB_SOCKETS, .nsfd = nsfd, .socks = socks, .n = n};

	if (n > NSJOB_MAX_SOCKS)
		return -E2BIG;
	return run(&j, ret_fds, n);
}
