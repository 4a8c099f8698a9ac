/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berthd's side of the extraction helper (helper.h): spawn, one request,
 * one reply, reap. posix_spawn from a threaded daemon is safe (no code of
 * ours runs in the child before exec); every fd of berthd is close-on-exec,
 * so the helper gets exactly the fds listed in helper.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/archive/helper.h"
#include "engine/archive/whiteout.h"
#include "engine/util/cleanup.h"
#include "engine/util/thread.h"
#include "engine/util/trace.h"
#include "engine/util/xalloc.h"

static const char *configured_path;

void
helper_set_path(const char *path)
{
	configured_path = path;
}

const char *
helper_path(void)
{
	const char *env;

	if (configured_path)
		return configured_path;
	env = getenv("BERTH_UNTAR");
	return env && *env ? env : NULL;
}

void
helper_request_init(struct helper_request *req, enum helper_op op, const struct untar_opts *o)
{
	memset(req, 0, sizeof(*req));
	req->magic = HELPER_REQUEST_MAGIC;
	req->size = sizeof(*req);
	req->op = (uint32_t)op;
	if (o)
		req->opts = *o;
}

int
helper_request_decode(const void *buf, size_t n, struct helper_request *ret)
{
	struct helper_request req;

	if (n != sizeof(req))
		return -EPROTO;
	memcpy(&req, buf, sizeof(req));
	if (req.magic != HELPER_REQUEST_MAGIC || req.size != sizeof(req) ||
	    (req.op != HELPER_OP_UNTAR && req.op != HELPER_OP_SNIFF &&
	     req.op != HELPER_OP_DECOMPRESS && req.op != HELPER_OP_CANONICAL))
		return -EPROTO;
	if (req.opts.whiteout != UNTAR_WHITEOUT_NONE &&
	    req.opts.whiteout != UNTAR_WHITEOUT_OVERLAY &&
	    req.opts.whiteout != UNTAR_WHITEOUT_APPLY)
		return -EPROTO;
	*ret = req;
	return 0;
}

static bool
is_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

void
helper_opaque_init(struct helper_opaque *m, const char *dir, const char *entry)
{
	memset(m, 0, sizeof(*m));
	m->magic = HELPER_OPAQUE_MAGIC;
	m->size = sizeof(*m);
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	snprintf(m->entry, sizeof(m->entry), "%s", entry ? entry : dir);
}

int
helper_opaque_decode(const void *buf, size_t n, struct helper_opaque *ret)
{
	if (n != sizeof(*ret))
		return -EPROTO;
	memcpy(ret, buf, sizeof(*ret));
	if (ret->magic != HELPER_OPAQUE_MAGIC || ret->size != sizeof(*ret) ||
	    !is_terminated(ret->dir, sizeof(ret->dir)) ||
	    !is_terminated(ret->entry, sizeof(ret->entry)) || ret->dir[0] == '/')
		return -EPROTO;
	for (const char *p = ret->dir; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EPROTO;
		p += len;
		p += *p == '/';
	}
	return 0;
}

void
helper_reply_init(struct helper_reply *rep, int code, const struct untar_result *res,
		  const struct err *e)
{
	memset(rep, 0, sizeof(*rep));
	rep->magic = HELPER_REPLY_MAGIC;
	rep->size = sizeof(*rep);
	rep->code = code < 0 ? code : 0;
	if (code >= 0 && res)
		rep->res = *res;
	if (code < 0)
		snprintf(rep->msg, sizeof(rep->msg), "%s",
			 e && e->msg[0] ? e->msg : "archive helper failed");
}

int
helper_reply_decode(const void *buf, size_t n, struct untar_result *ret, struct err *e)
{
	struct helper_reply rep;

	if (n != sizeof(rep))
		return err_set(e, -EIO, "archive helper: malformed reply");
	memcpy(&rep, buf, sizeof(rep));
	if (rep.magic != HELPER_REPLY_MAGIC || rep.size != sizeof(rep) || rep.code > 0 ||
	    rep.code < -4095 || !is_terminated(rep.msg, sizeof(rep.msg)) ||
	    !is_terminated(rep.res.diff_id, sizeof(rep.res.diff_id)) ||
	    !is_terminated(rep.res.raw_digest, sizeof(rep.res.raw_digest)))
		return err_set(e, -EIO, "archive helper: malformed reply");
	if (rep.code < 0)
		return err_set(e, rep.code, "%s", rep.msg[0] ? rep.msg : "archive helper failed");
	if (ret)
		*ret = rep.res;
	return 0;
}

/* One spawned helper: its pid and berthd's end of its channel. */
struct helper_proc {
	pid_t pid;
	int chan;
	const char *path;
};

/*
 * The spare: a helper spawned ahead of the next job, already past its
 * dynamic loading and confinement and blocked on its channel, so a job
 * does not wait for an exec. Taken by one job at a time (helper_lock); the
 * job spawns the next spare when its own helper is done.
 */
static pthread_mutex_t helper_lock = PTHREAD_MUTEX_INITIALIZER;
static struct helper_proc spare = {0, -1, NULL};

static int
spawn_mode(const char *path, const char *mode, struct helper_proc *ret)
{
	char *const argv[] = {(char *)"berth-untar", (char *)mode, NULL};
	char *const envp[] = {NULL};
	_cleanup_close_ int mine = -1, theirs = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	mine = sv[0];
	theirs = sv[1];
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, theirs, HELPER_CHANNEL_FD);
	/* nothing else, even an fd some library opened without O_CLOEXEC */
	posix_spawn_file_actions_addclosefrom_np(&fa, HELPER_CHANNEL_FD + 1);
	/* berthd blocks signals in all threads; the helper starts clean */
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawn(&ret->pid, path, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (r != 0)
		return -r;
	ret->chan = TAKE_FD(mine);
	ret->path = path;
	return 0;
}

static int
spawn(const char *path, struct helper_proc *ret)
{
	return spawn_mode(path, "untar", ret);
}

static int
reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return st;
}

/* Ends a helper that got no job: it exits when its channel closes. */
static void
discard(struct helper_proc *h)
{
	h->chan = safe_close(h->chan);
	if (h->pid > 0)
		(void)reap(h->pid);
	h->pid = 0;
}

/* The spare if it runs @path, else a new helper. */
static int
take_helper(const char *path, struct helper_proc *ret)
{
	struct helper_proc old = {0, -1, NULL};

	pthread_mutex_lock(&helper_lock);
	if (spare.pid > 0 && strcmp(spare.path, path) == 0) {
		*ret = spare;
		spare = (struct helper_proc){0, -1, NULL};
		pthread_mutex_unlock(&helper_lock);
		return 0;
	}
	old = spare;
	spare = (struct helper_proc){0, -1, NULL};
	pthread_mutex_unlock(&helper_lock);
	discard(&old);
	return spawn(path, ret);
}

/* Spawns the next spare unless another job already did. */
static void
refill_spare(const char *path)
{
	struct helper_proc h = {0, -1, NULL};
	bool keep = false;

	pthread_mutex_lock(&helper_lock);
	keep = spare.pid <= 0;
	pthread_mutex_unlock(&helper_lock);
	if (!keep || spawn(path, &h) < 0)
		return;
	pthread_mutex_lock(&helper_lock);
	keep = spare.pid <= 0;
	if (keep)
		spare = h;
	pthread_mutex_unlock(&helper_lock);
	if (!keep)
		discard(&h);
}

static void *
refill_main(void *path)
{
	refill_spare(path);
	return NULL;
}

/*
 * refill_spare on a thread of its own: posix_spawn holds its caller until
 * the child's exec (vfork), which the job's caller (a build waiting to read
 * its context, a pull with its next layer) need not wait for. @path lives
 * as long as berthd (helper_set_path's or the environment's).
 */
static void
refill_spare_async(const char *path)
{
	if (thread_spawn_detached(refill_main, (void *)path, 0) < 0)
		refill_spare(path);
}

/* The request, with the input and destination fds attached (SCM_RIGHTS). */
static int
send_request(int chan, const struct helper_request *req, int in_fd, int dest_dirfd)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)req, .iov_len = sizeof(*req)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fds[2] = {in_fd, dest_dirfd};
	ssize_t n;

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	do
		n = sendmsg(chan, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*req) ? 0 : -EIO;
}

/*
 * Sets trusted.overlay.opaque on @m->dir beneath @dest_dirfd, resolved in
 * that root without following any symlink. A directory the archive removed
 * or replaced since is skipped, as its xattr would have gone with it.
 */
static int
apply_opaque(int dest_dirfd, const struct helper_opaque *m, struct err *e)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -1;
	int r;

	fd = (int)syscall(SYS_openat2, dest_dirfd, m->dir[0] ? m->dir : ".", &how, sizeof(how));
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
		return 0;
	if (fd < 0)
		return err_errno(e, -errno, "archive entry '%s': cannot open its directory",
				 m->entry);
	r = whiteout_mark_opaque(fd);
	if (r < 0)
		return err_errno(e, r, "archive entry '%s': cannot mark directory opaque",
				 m->entry);
	return 0;
}

static int run_job(const char *path, enum helper_op op, int in_fd, int dest_dirfd,
		   const struct untar_opts *o, struct untar_result *ret, struct err *e);

int
helper_untar(const char *path, int in_fd, int dest_dirfd, const struct untar_opts *o,
	     struct untar_result *ret, struct err *e)
{
	return run_job(path, HELPER_OP_UNTAR, in_fd, dest_dirfd, o, ret, e);
}

int
helper_job(const char *path, enum helper_op op, int in_fd, int out_fd, struct untar_result *ret,
	   struct err *e)
{
	_cleanup_close_ int devnull = -1;
	struct untar_result res;
	int r;

	/* SNIFF writes nothing: /dev/null fills the second fd's place */
	if (out_fd < 0) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (devnull < 0)
			return err_errno(e, -errno, "cannot open /dev/null");
		out_fd = devnull;
	}
	r = run_job(path, op, in_fd, out_fd, NULL, &res, e);
	if (r >= 0 && ret)
		*ret = res;
	return r;
}

static int
run_job(const char *path, enum helper_op op, int in_fd, int dest_dirfd, const struct untar_opts *o,
	struct untar_result *ret, struct err *e)
{
	struct helper_proc h = {0, -1, NULL};
	struct helper_request req;
	union {
		struct helper_reply rep;
		struct helper_opaque opq;
	} *msg = NULL;
	struct helper_opaque opq;
	struct err opq_err = ERR_INIT;
	int r, st;
	ssize_t n;

	r = take_helper(path, &h);
	if (r < 0)
		return err_errno(e, r, "cannot start the archive helper '%s'", path);
	trace_point("helper.taken", NULL);
	helper_request_init(&req, op, o);
	r = send_request(h.chan, &req, in_fd, dest_dirfd);
	if (r < 0) {
		/* a spare that died while it waited: once more with a new one */
		discard(&h);
		r = spawn(path, &h);
		if (r < 0)
			return err_errno(e, r, "cannot start the archive helper '%s'", path);
		r = send_request(h.chan, &req, in_fd, dest_dirfd);
	}
	n = r < 0 ? -1 : (ssize_t)sizeof(req);
	msg = xmalloc(sizeof(*msg));
	while (n == (ssize_t)sizeof(req) || n == (ssize_t)sizeof(msg->opq)) {
		do
			n = recv(h.chan, msg, sizeof(*msg), 0);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(msg->opq))
			break;
		/* the first failure is kept; the helper's reply still decides */
		if (helper_opaque_decode(msg, (size_t)n, &opq) < 0)
			n = -1;
		else if (opq_err.code == 0)
			(void)apply_opaque(dest_dirfd, &opq, &opq_err);
	}
	/* a helper that stopped answering (or never read the request) ends here */
	if (n != (ssize_t)sizeof(msg->rep))
		kill(h.pid, SIGKILL);
	h.chan = safe_close(h.chan);
	trace_point("helper.replied", NULL);
	/* reaped before the caller uses the tree: no helper process outlives
	 * its job holding the destination */
	st = reap(h.pid);
	trace_point("helper.reaped", NULL);
	/* the next job's helper starts now, while the caller finishes this
	 * job (sync, metadata) and fetches the next archive, not during the
	 * extraction it would compete with for the CPU */
	refill_spare_async(path);
	if (n == (ssize_t)sizeof(msg->rep)) {
		r = helper_reply_decode(&msg->rep, (size_t)n, ret, e);
		if (r == 0 && opq_err.code < 0)
			r = err_set(e, opq_err.code, "%s", opq_err.msg);
		free(msg);
		return r;
	}
	free(msg);
	if (st >= 0 && WIFSIGNALED(st))
		return err_set(e, -EIO, "archive helper killed by signal %d", WTERMSIG(st));
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		return err_set(e, -EIO, "archive helper exited with status %d", WEXITSTATUS(st));
	return err_set(e, -EIO, "archive helper exited without a reply");
}

/* ---- the read helper ---------------------------------------------------- */

void
helper_read_request_init(struct helper_read_request *req, enum helper_op op,
			 const struct tarout_src *src, size_t n_extra)
{
	memset(req, 0, sizeof(*req));
	req->magic = HELPER_READ_MAGIC;
	req->size = sizeof(*req);
	req->op = (uint32_t)op;
	req->n_extra = (uint32_t)n_extra;
	req->cross_mounts = src->cross_mounts;
	snprintf(req->rel, sizeof(req->rel), "%s", src->rel);
	snprintf(req->clean, sizeof(req->clean), "%s", src->clean);
	snprintf(req->mount_target, sizeof(req->mount_target), "%s", src->mount_target);
	req->unmap = src->unmap;
}

int
helper_read_request_decode(const void *buf, size_t n, struct helper_read_request *ret)
{
	if (n != sizeof(*ret))
		return -EPROTO;
	memcpy(ret, buf, sizeof(*ret));
	if (ret->magic != HELPER_READ_MAGIC || ret->size != sizeof(*ret) ||
	    (ret->op != HELPER_OP_STAT && ret->op != HELPER_OP_TREE &&
	     ret->op != HELPER_OP_EXPORT) ||
	    ret->n_extra > HELPER_MAX_EXTRA || ret->cross_mounts > 1 ||
	    !is_terminated(ret->rel, sizeof(ret->rel)) ||
	    !is_terminated(ret->clean, sizeof(ret->clean)) ||
	    !is_terminated(ret->mount_target, sizeof(ret->mount_target)) ||
	    ret->unmap.uid.n > IDMAP_MAX_RANGES || ret->unmap.gid.n > IDMAP_MAX_RANGES)
		return -EPROTO;
	return 0;
}

int
helper_extra_decode(const void *buf, size_t n, struct helper_extra *ret)
{
	if (n != sizeof(*ret))
		return -EPROTO;
	memcpy(ret, buf, sizeof(*ret));
	if (ret->magic != HELPER_EXTRA_MAGIC || ret->size != sizeof(*ret) || ret->has_fd > 1 ||
	    !is_terminated(ret->target, sizeof(ret->target)) ||
	    !is_terminated(ret->name, sizeof(ret->name)) || strchr(ret->name, '/'))
		return -EPROTO;
	return 0;
}

void
helper_read_reply_init(struct helper_read_reply *rep, int code, const struct tarout_stat *st,
		       const struct err *e)
{
	memset(rep, 0, sizeof(*rep));
	rep->magic = HELPER_REPLY_MAGIC;
	rep->size = sizeof(*rep);
	rep->code = code < 0 ? code : 0;
	if (st)
		rep->st = *st;
	if (code < 0)
		snprintf(rep->msg, sizeof(rep->msg), "%s",
			 e && e->msg[0] ? e->msg : "read helper failed");
}

int
helper_read_reply_decode(const void *buf, size_t n, struct tarout_stat *ret, struct err *e)
{
	struct helper_read_reply rep;

	if (n != sizeof(rep))
		return err_set(e, -EIO, "read helper: malformed reply");
	memcpy(&rep, buf, sizeof(rep));
	if (rep.magic != HELPER_REPLY_MAGIC || rep.size != sizeof(rep) || rep.code > 0 ||
	    rep.code < -4095 || !is_terminated(rep.msg, sizeof(rep.msg)) ||
	    !is_terminated(rep.st.name, sizeof(rep.st.name)) ||
	    !is_terminated(rep.st.link_target, sizeof(rep.st.link_target)) || rep.st.resolved > 1)
		return err_set(e, -EIO, "read helper: malformed reply");
	if (ret)
		*ret = rep.st;
	if (rep.code < 0)
		return err_set(e, rep.code, "%s", rep.msg[0] ? rep.msg : "read helper failed");
	return 0;
}

/* @len bytes at @buf with @nfds fds (0..2) attached. */
static int
send_with_fds(int chan, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(u.buf, 0, sizeof(u.buf));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(chan, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/*
 * One message from the helper into @buf; a directory fd it attached (a
 * query) in *@ret_fd, every other fd closed. Returns the size, 0 at EOF.
 */
static ssize_t
recv_from_helper(int chan, void *buf, size_t size, int *ret_fd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n;

	*ret_fd = -1;
	do
		n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t nfds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*ret_fd < 0 && nfds == 1)
				*ret_fd = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		*ret_fd = safe_close(*ret_fd);
		return -EPROTO;
	}
	return n;
}

/* "Is this directory opaque?": only for a directory the helper holds. */
static int
answer_query(int chan, int dirfd)
{
	struct helper_answer a = {.magic = HELPER_ANSWER_MAGIC, .size = sizeof(a)};
	struct stat st;

	if (dirfd >= 0 && fstat(dirfd, &st) == 0 && S_ISDIR(st.st_mode))
		a.opaque = whiteout_is_opaque(dirfd);
	return send_with_fds(chan, &a, sizeof(a), NULL, 0);
}

/* The request and its extra messages: mounts (TREE) or layers (EXPORT). */
static int
send_read_job(int chan, enum helper_op op, const struct tarout_src *src, const int *layer_fds,
	      size_t n_layers, int out_fd)
{
	size_t n_extra = op == HELPER_OP_EXPORT ? n_layers
			 : op == HELPER_OP_TREE ? src->n_mounts
						: 0;
	_cleanup_free_ struct helper_read_request *req = xmalloc(sizeof(*req));
	_cleanup_free_ struct helper_extra *x = xmalloc(sizeof(*x));
	int fds[2] = {out_fd, src->rootfd};
	int r;

	if (n_extra > HELPER_MAX_EXTRA)
		return -E2BIG;
	helper_read_request_init(req, op, src, n_extra);
	r = send_with_fds(chan, req, sizeof(*req), fds, op == HELPER_OP_EXPORT ? 1 : 2);
	for (size_t i = 0; r >= 0 && i < n_extra; i++) {
		int fd = op == HELPER_OP_EXPORT ? layer_fds[i] : src->mounts[i].dirfd;

		memset(x, 0, sizeof(*x));
		x->magic = HELPER_EXTRA_MAGIC;
		x->size = sizeof(*x);
		x->has_fd = fd >= 0;
		if (op == HELPER_OP_TREE) {
			snprintf(x->target, sizeof(x->target), "%s", src->mounts[i].target);
			snprintf(x->name, sizeof(x->name), "%s", src->mounts[i].name);
		} else {
			strcpy(x->name, ".");
		}
		r = send_with_fds(chan, x, sizeof(*x), &fd, fd >= 0 ? 1 : 0);
	}
	return r;
}

int
helper_read(const char *path, enum helper_op op, const struct tarout_src *src, const int *layer_fds,
	    size_t n_layers, tarout_write_fn write, void *ud, struct tarout_stat *ret,
	    struct err *e)
{
	struct helper_proc h = {0, -1, NULL};
	_cleanup_close_ int out_r = -1, out_w = -1;
	_cleanup_free_ struct helper_read_reply *rep = xmalloc(sizeof(*rep));
	_cleanup_free_ char *buf = xmalloc(65536);
	bool replied = false, eof = false;
	int p[2], r, st, write_error = 0;

	memset(ret, 0, sizeof(*ret));
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_errno(e, -errno, "read helper: pipe");
	out_r = p[0];
	out_w = p[1];
	r = spawn_mode(path, "read", &h);
	if (r < 0)
		return err_errno(e, r, "cannot start the read helper '%s'", path);
	r = send_read_job(h.chan, op, src, layer_fds, n_layers, out_w);
	out_w = safe_close(out_w);
	/* the tar as it comes, queries answered meanwhile, then the reply */
	while (r >= 0 && !(replied && eof)) {
		struct pollfd pf[2] = {{.fd = eof ? -1 : out_r, .events = POLLIN},
				       {.fd = replied ? -1 : h.chan, .events = POLLIN}};
		int qfd = -1;
		ssize_t n;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (pf[0].revents) {
			n = read(out_r, buf, 65536);
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				r = -errno;
				break;
			}
			if (n == 0)
				eof = true;
			if (n > 0 && write && (write_error = write(ud, buf, (size_t)n)) < 0) {
				r = write_error;
				break;
			}
			write_error = 0;
		}
		if (!replied && pf[1].revents) {
			n = recv_from_helper(h.chan, rep, sizeof(*rep), &qfd);
			if (n == (ssize_t)sizeof(struct helper_query) && op == HELPER_OP_EXPORT) {
				r = answer_query(h.chan, qfd);
				safe_close(qfd);
				continue;
			}
			safe_close(qfd);
			if (n != (ssize_t)sizeof(*rep)) {
				r = -EIO;
				break;
			}
			replied = true;
		}
	}
	if (!replied || !eof)
		kill(h.pid, SIGKILL);
	h.chan = safe_close(h.chan);
	st = reap(h.pid);
	if (write_error < 0)
		return write_error; /* the writer's own result, as in-process */
	if (replied)
		return helper_read_reply_decode(rep, sizeof(*rep), ret, e);
	if (st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		return err_set(e, -EIO, "read helper killed by signal %d", WTERMSIG(st));
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		return err_set(e, -EIO, "read helper exited with status %d", WEXITSTATUS(st));
	return err_set(e, r < 0 ? r : -EIO, "read helper exited without a reply");
}
