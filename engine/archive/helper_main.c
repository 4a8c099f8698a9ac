/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-untar: the extraction helper (helper.h). berthd runs it as
 * `berth-untar untar` with the fds helper.h lists; it confines itself
 * (sandbox.h), reads one request, unpacks fd 0 below fd 4 and answers.
 *
 * `berth-untar --self-test DIR` (for tests/integration/9002, never reached
 * through the API): confines itself exactly as for a job with DIR as the
 * destination, then tries what the confinement must refuse and prints one
 * line per attempt, "refused <what>: <error>" or "ALLOWED <what>", plus the
 * capability sets; exits 0 only when every attempt was refused and the
 * permitted work (a file, a device node, a chown in DIR) succeeded.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include "engine/archive/helper.h"
#include "engine/archive/sandbox.h"
#include "engine/archive/tarout.h"
#include "engine/archive/untar.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/fs.h"

static int
send_reply(int code, const struct untar_result *res, const struct err *e)
{
	struct helper_reply rep;
	ssize_t n;

	helper_reply_init(&rep, code, res, e);
	do
		n = send(HELPER_CHANNEL_FD, &rep, sizeof(rep), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(rep) ? 0 : 1;
}

/* Each opaque directory goes to berthd, which may set trusted.* xattrs. */
static int
send_opaque(void *ud, const char *dir, const char *entry, struct err *e)
{
	struct helper_opaque *m = ud;
	ssize_t n;

	helper_opaque_init(m, dir, entry);
	do
		n = send(HELPER_CHANNEL_FD, m, sizeof(*m), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*m))
		return err_errno(e, n < 0 ? -errno : -EIO, "archive entry '%s': cannot report it",
				 entry);
	return 0;
}

/* The request and its two fds (input, destination), moved to fds 0 and 4. */
static int
recv_request(struct helper_request *ret)
{
	char buf[sizeof(*ret) + 1];
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	int fds[2];
	ssize_t n;

	do
		n = recvmsg(HELPER_CHANNEL_FD, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		_exit(0); /* berthd closed the channel: a spare never used */
	if (n < 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(fds)))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	if (dup2(fds[0], HELPER_IN_FD) < 0 || dup2(fds[1], HELPER_DIR_FD) < 0)
		return -errno;
	if (fds[0] != HELPER_IN_FD && fds[0] != HELPER_DIR_FD)
		close(fds[0]);
	if (fds[1] != HELPER_IN_FD && fds[1] != HELPER_DIR_FD)
		close(fds[1]);
	return helper_request_decode(buf, (size_t)n, ret);
}

static int
run_untar(void)
{
	struct helper_request req;
	struct untar_result res;
	struct err e = ERR_INIT;
	static struct helper_opaque opq;
	struct untar_hooks hooks = {.mark_opaque = send_opaque, .ud = &opq};
	int r;

	/* only stdio and the channel, whatever the parent leaked */
	(void)syscall(SYS_close_range, HELPER_CHANNEL_FD + 1, ~0U, 0);
	/* confined first: spawned ahead of its job, the helper waits in here */
	r = sandbox_enter(&e);
	if (r < 0)
		return send_reply(r, NULL, &e);
	/* OpenSSL's first digest loads its provider and configuration: done
	 * here, while the spare waits, not once the job has arrived */
	char warm[DIGEST_HEX_LEN + 1];
	sha256_hex("", 0, warm);
	r = recv_request(&req);
	if (r < 0) {
		err_set(&e, -EPROTO, "archive helper: malformed request");
		return send_reply(-EPROTO, NULL, &e);
	}
	switch (req.op) {
	case HELPER_OP_SNIFF: r = untar_sniff_local(HELPER_IN_FD, &res, &e); break;
	case HELPER_OP_DECOMPRESS:
		r = untar_decompress_local(HELPER_IN_FD, HELPER_DIR_FD, &res, &e);
		break;
	case HELPER_OP_CANONICAL:
		r = untar_canonical_local(HELPER_IN_FD, HELPER_DIR_FD, &res, &e);
		break;
	default:
		r = untar_extract_hooked(HELPER_IN_FD, HELPER_DIR_FD, &req.opts, &hooks, &res, &e);
		break;
	}
	return send_reply(r, &res, &e);
}

/* ---- the read helper ------------------------------------------------- */

/* fd 1 is the pipe berthd reads the tar from. */
static int
write_out(void *ud, const void *p, size_t n)
{
	(void)ud;
	return fs_write_all(HELPER_OUT_FD, p, n);
}

/* "Is @dirfd opaque?", answered by berthd (trusted.* needs CAP_SYS_ADMIN). */
static bool
ask_opaque(void *ud, int dirfd)
{
	struct helper_query q = {.magic = HELPER_QUERY_MAGIC, .size = sizeof(q)};
	struct helper_answer a;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = &q, .iov_len = sizeof(q)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	(void)ud;
	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &dirfd, sizeof(int));
	do
		n = sendmsg(HELPER_CHANNEL_FD, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(q))
		_exit(3); /* berthd is gone: nothing to answer to */
	do
		n = recv(HELPER_CHANNEL_FD, &a, sizeof(a), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(a) || a.magic != HELPER_ANSWER_MAGIC || a.size != sizeof(a))
		_exit(3);
	return a.opaque != 0;
}

/* One message and the fds it carries (up to @max, -1 for none), or -EPROTO. */
static int
recv_fds(void *buf, size_t size, int *fds, size_t max, size_t *ret_n)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	ssize_t n;

	*ret_n = 0;
	do
		n = recvmsg(HELPER_CHANNEL_FD, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		_exit(0);
	if (n < 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(sizeof(int)))
			return -EPROTO;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (k > max)
			return -EPROTO;
		memcpy(fds, CMSG_DATA(cm), k * sizeof(int));
		*ret_n = k;
	}
	return (int)n;
}

static int
send_read_reply(int code, const struct tarout_stat *st, const struct err *e)
{
	static struct helper_read_reply rep;
	ssize_t n;

	helper_read_reply_init(&rep, code, st, e);
	do
		n = send(HELPER_CHANNEL_FD, &rep, sizeof(rep), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(rep) ? 0 : 1;
}

static int
run_read(void)
{
	static struct helper_read_request req, raw;
	static struct helper_extra x, xraw;
	static struct tarout_src src;
	static struct tarout_stat st;
	struct tarout_mount *mounts = NULL;
	int *layers = NULL;
	struct err e = ERR_INIT;
	int fds[2], r;
	size_t k;

	(void)syscall(SYS_close_range, HELPER_CHANNEL_FD + 1, ~0U, 0);
	/* berthd reads the pipe; if it stops, write fails with EPIPE */
	signal(SIGPIPE, SIG_IGN);
	r = sandbox_enter_read(&e);
	if (r < 0)
		return send_read_reply(r, NULL, &e);
	r = recv_fds(&raw, sizeof(raw), fds, 2, &k);
	if (r < 0 || helper_read_request_decode(&raw, (size_t)r, &req) < 0 ||
	    k != (req.op == HELPER_OP_EXPORT ? 1u : 2u) || dup2(fds[0], HELPER_OUT_FD) < 0 ||
	    (k == 2 && dup2(fds[1], HELPER_DIR_FD) < 0)) {
		err_set(&e, -EPROTO, "read helper: malformed request");
		return send_read_reply(-EPROTO, NULL, &e);
	}
	for (size_t i = 0; i < k; i++)
		if (fds[i] != HELPER_OUT_FD && fds[i] != HELPER_DIR_FD)
			close(fds[i]);
	mounts = calloc(req.n_extra + 1, sizeof(*mounts));
	layers = calloc(req.n_extra + 1, sizeof(*layers));
	if (!mounts || !layers) {
		err_set(&e, -ENOMEM, "read helper: out of memory");
		return send_read_reply(-ENOMEM, NULL, &e);
	}
	for (uint32_t i = 0; i < req.n_extra; i++) {
		int fd = -1;

		r = recv_fds(&xraw, sizeof(xraw), &fd, 1, &k);
		if (r < 0 || helper_extra_decode(&xraw, (size_t)r, &x) < 0 || k != x.has_fd) {
			err_set(&e, -EPROTO, "read helper: malformed request");
			return send_read_reply(-EPROTO, NULL, &e);
		}
		layers[i] = k ? fd : -1;
		memcpy(mounts[i].target, x.target, sizeof(x.target));
		memcpy(mounts[i].name, x.name, sizeof(x.name));
		mounts[i].dirfd = layers[i];
	}
	src.rootfd = HELPER_DIR_FD;
	memcpy(src.rel, req.rel, sizeof(src.rel));
	memcpy(src.clean, req.clean, sizeof(src.clean));
	memcpy(src.mount_target, req.mount_target, sizeof(src.mount_target));
	src.cross_mounts = req.cross_mounts;
	src.mounts = mounts;
	src.n_mounts = req.op == HELPER_OP_TREE ? req.n_extra : 0;
	src.unmap = req.unmap;
	if (req.op == HELPER_OP_STAT)
		r = tarout_stat_local(&src, &st, &e);
	else if (req.op == HELPER_OP_TREE)
		r = tarout_tree_local(&src, write_out, NULL, &st, &e);
	else
		r = tarout_export_local(layers, req.n_extra, &req.unmap, ask_opaque, NULL,
					write_out, NULL, &e);
	/* the tar is complete before the reply: berthd sees EOF, then this */
	close(HELPER_OUT_FD);
	return send_read_reply(r, &st, &e);
}

/* ---- --self-test ------------------------------------------------------ */

static int failures;

static void
expect_refused(const char *what, long r)
{
	if (r < 0) {
		printf("refused %s: %s\n", what, strerror(errno));
	} else {
		printf("ALLOWED %s\n", what);
		failures++;
	}
}

static void
expect_allowed(const char *what, long r)
{
	if (r < 0) {
		printf("FAILED %s: %s\n", what, strerror(errno));
		failures++;
	} else {
		printf("allowed %s\n", what);
	}
}

static unsigned long long
cap_mask(cap_flag_t which)
{
	cap_t caps = cap_get_proc();
	unsigned long long m = 0;

	for (cap_value_t c = 0; caps && c < 64; c++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (cap_get_flag(caps, c, which, &v) == 0 && v == CAP_SET)
			m |= 1ull << c;
	}
	cap_free(caps);
	return m;
}

static unsigned long long
bounding_mask(void)
{
	unsigned long long m = 0;

	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			m |= 1ull << c;
	return m;
}

static int
self_test(const char *dir)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	struct err e = ERR_INIT;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long r;

	if (dfd < 0) {
		fprintf(stderr, "berth-untar: cannot open '%s': %s\n", dir, strerror(errno));
		return 2;
	}
	if (sandbox_enter(&e) < 0) {
		fprintf(stderr, "berth-untar: %s\n", e.msg);
		return 2;
	}
	printf("caps effective=%016llx permitted=%016llx bounding=%016llx expected=%016llx\n",
	       cap_mask(CAP_EFFECTIVE), cap_mask(CAP_PERMITTED), bounding_mask(),
	       (unsigned long long)SANDBOX_CAPS_MASK);
	if (cap_mask(CAP_EFFECTIVE) != SANDBOX_CAPS_MASK || bounding_mask() != SANDBOX_CAPS_MASK)
		failures++;
	printf("no_new_privs=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		failures++;

	/* what the helper is for: files, owners and device nodes in the target */
	r = openat(dfd, "selftest-file", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	expect_allowed("create a file in the target", r);
	if (r >= 0)
		close((int)r);
	expect_allowed("chown in the target (CAP_CHOWN)",
		       fchownat(dfd, "selftest-file", 1234, 1234, AT_SYMLINK_NOFOLLOW));
	expect_allowed("mknod in the target (CAP_MKNOD)",
		       mknodat(dfd, "selftest-null", S_IFCHR | 0600, makedev(1, 3)));

	/* what it must not do */
	expect_refused("mount (CAP_SYS_ADMIN, seccomp)", mount("tmpfs", "/", "tmpfs", 0, NULL));
	expect_refused("unshare (seccomp)", unshare(CLONE_NEWUSER));
	expect_refused("setns (seccomp)", setns(0, 0));
	expect_refused("ptrace (seccomp)", ptrace(PTRACE_ATTACH, 1, NULL, NULL));
	r = fork();
	if (r == 0)
		_exit(0);
	expect_refused("fork (seccomp)", r);
	expect_refused("execve (seccomp)", execve("/bin/sh", (char *[]){"sh", NULL}, NULL));
	expect_refused("a TCP socket (seccomp)", socket(AF_INET, SOCK_STREAM, 0));
	expect_refused("an IPv6 socket (seccomp)", socket(AF_INET6, SOCK_DGRAM, 0));
	expect_refused("a netlink socket (seccomp)", socket(AF_NETLINK, SOCK_RAW, 0));
	expect_refused("a unix socket (seccomp: abstract sockets are per network namespace)",
		       socket(AF_UNIX, SOCK_DGRAM, 0));
	expect_refused("connect (seccomp)", connect(HELPER_CHANNEL_FD, NULL, 0));
	expect_refused("bpf (seccomp)", syscall(SYS_bpf, 0, NULL, 0));
	expect_refused("io_uring_setup (seccomp)", syscall(SYS_io_uring_setup, 1, NULL));
	expect_refused("open /etc/passwd (empty root)", open("/etc/passwd", O_RDONLY | O_CLOEXEC));
	expect_refused("open /proc/1/root (empty root)", open("/proc/1/root", O_PATH | O_CLOEXEC));
	r = syscall(SYS_openat2, dfd, "../../../../../../etc/passwd", &how, sizeof(how));
	expect_refused("open ../../etc/passwd beneath the target (RESOLVE_IN_ROOT)", r);
	if (r >= 0)
		close((int)r);
	expect_refused("write to the root (read-only)",
		       open("/escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	expect_refused("swapoff (CAP_SYS_ADMIN, seccomp)", swapoff("/nonexistent"));
	expect_refused("raise a priority (CAP_SYS_NICE)", setpriority(PRIO_PROCESS, 0, -20));
	expect_refused("setuid to another user, then back (CAP_SETUID)", setresuid(-1, 1, -1));
	expect_refused("raise the fd limit (CAP_SYS_RESOURCE)",
		       setrlimit(RLIMIT_NOFILE, &(struct rlimit){1 << 20, 1 << 20}));
	printf("%s\n", failures ? "FAIL" : "PASS");
	fflush(stdout);
	return failures ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "untar") == 0)
		_exit(run_untar());
	if (argc == 2 && strcmp(argv[1], "read") == 0)
		_exit(run_read());
	if (argc == 3 && strcmp(argv[1], "--self-test") == 0)
		_exit(self_test(argv[2]));
	fprintf(stderr, "usage: berth-untar untar (started by berthd, see "
			"engine/archive/helper.h)\n"
			"       berth-untar --self-test DIR\n");
	return 2;
}
