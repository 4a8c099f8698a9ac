/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berthd side of the runtime: spawning shims and speaking proto.h to them.
 * No global state beyond the shim path set at startup.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/runtime/proto.h"
#include "engine/runtime/runtime.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/nsjob.h"
#include "engine/util/parse.h"
#include "engine/util/deadline.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

#ifndef BERTH_LIBEXECDIR
#define BERTH_LIBEXECDIR "/usr/local/libexec/berth"
#endif

/* A shim that neither starts the process nor fails within this is broken. */
#define START_TIMEOUT_MS (120 * 1000)
/* Control replies come from a poll loop; this only guards against a wedged shim. */
#define REQUEST_TIMEOUT_MS (10 * 1000)

static const char *shim_path;

void
runtime_set_shim_path(const char *path)
{
	shim_path = path;
}

static const char *
get_shim_path(void)
{
	const char *env = getenv("BERTH_SHIM");

	if (shim_path)
		return shim_path;
	return env && *env ? env : BERTH_LIBEXECDIR "/berth-shim";
}

char *
runtime_bundle_path(const char *exec_root, const char *id)
{
	return xasprintf("%s/containers/%s", exec_root, id);
}

int
runtime_count_shims(const char *exec_root)
{
	_cleanup_free_ char *prefix = xasprintf("%s/containers/", exec_root);
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[64], args[4096];
		ssize_t len;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, args, sizeof(args) - 1);
		close(fd);
		if (len <= 0)
			continue;
		args[len] = '\0';
		/* argv is "berth-shim" BUNDLE [--held] (spawn_shim) */
		size_t a0 = strlen(args);
		if (strcmp(args, "berth-shim") == 0 && (ssize_t)a0 + 1 < len &&
		    strncmp(args + a0 + 1, prefix, strlen(prefix)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Reads one line (up to @size-1 bytes) within @timeout_ms: length, 0 at EOF, or -errno. */
static int
read_line(int fd, char *line, size_t size, int timeout_ms)
{
	size_t len = 0;
	struct deadline deadline = deadline_in_ms(timeout_ms);	/* < 0: none */
	bool sock = true;

	while (len < size - 1) {
		struct pollfd p = {fd, POLLIN, 0};
		int left = deadline_remaining_ms(deadline);
		ssize_t n;
		if (left == 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return -ETIMEDOUT;
		/* a socket: the line whole, leaving what follows it (an attach
		 * stream) unread; the report pipe: a byte at a time */
		n = sock ? recv(fd, line + len, size - 1 - len, MSG_PEEK) : -1;
		if (n > 0) {
			char *nl = memchr(line + len, '\n', (size_t)n);
			n = recv(fd, line + len, nl ? (size_t)(nl - (line + len)) + 1 : (size_t)n,
				 0);
		} else if (!sock || (n < 0 && errno == ENOTSOCK)) {
			sock = false;
			n = read(fd, line + len, 1);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (line[len - 1] == '\n') {
			len--;
			break;
		}
	}
	line[len] = '\0';
	return (int)len;
}

/* Parses "error <errno> <message>" into @e. */
static int
reply_error(const char *line, const char *what, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(line + 6);
	char *sp = strchr(copy, ' ');
	int64_t code = EIO;

	if (sp)
		*sp = '\0';
	if (parse_int64(copy, 1, 4095, &code) < 0)
		code = EIO;
	return err_set(e, (int)-code, "%s%s%s", what, *what ? ": " : "", sp ? sp + 1 : "");
}

static int
spawn_shim(const char *bundle, bool held, int report_w, pid_t *ret)
{
	char *const argv[] = {(char *)"berth-shim", (char *)bundle, held ? (char *)"--held" : NULL,
			      NULL};
	/* the one test knob the shim reads (security.md, "User namespaces"),
	 * and BERTH_TRACE (docs/performance.md) */
	const char *knob = getenv("BERTH_TEST_NO_IDMAPPED_LAYERS");
	char *envp[4] = {(char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			 NULL, NULL, NULL};
	size_t n_env = 1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int r;

	if (knob && strcmp(knob, "1") == 0)
		envp[n_env++] = (char *)"BERTH_TEST_NO_IDMAPPED_LAYERS=1";
	if (trace_env())
		envp[n_env++] = (char *)trace_env();

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, report_w, RUNTIME_REPORT_FD);
	/* Whatever a library opened without O_CLOEXEC (libcurl's wake-up
	 * socketpair) stays out of the shim and the container. */
	posix_spawn_file_actions_addclosefrom_np(&fa, RUNTIME_REPORT_FD + 1);
	/* berthd blocks signals in all threads; the shim must start clean */
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawn(ret, get_shim_path(), &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -r;
}

/* A shim's one-line start report ("ok <pid>" / "error <errno> <message>"), read as @r. */
static int
parse_report(const char *line, int r, const char *bundle, pid_t *ret_pid, struct err *e)
{
	int64_t pid;

	if (r < 0)
		return err_errno(e, r, "shim for '%s' did not report", bundle);
	if (r == 0)
		return err_set(e, -EIO, "shim for '%s' exited without a report", bundle);
	if (strncmp(line, "error ", 6) == 0)
		return reply_error(line, "", e);
	if (strncmp(line, "ok ", 3) != 0 || parse_int64(line + 3, 1, INT32_MAX, &pid) < 0)
		return err_set(e, -EIO, "shim for '%s': bad report", bundle);
	*ret_pid = (pid_t)pid;
	return 0;
}

/* Spawns a shim for the bundle whose config.json is written and waits for its report. */
static int
start_spawned(const char *bundle, enum runtime_start_flags flags, pid_t *ret_pid, struct err *e)
{
	_cleanup_close_ int rfd = -1, wfd = -1;
	char line[1200];
	int p[2], r, st;
	pid_t stage0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_errno(e, -errno, "pipe");
	rfd = p[0];
	wfd = p[1];
	if ((r = spawn_shim(bundle, flags & RUNTIME_START_HELD, wfd, &stage0)) < 0)
		return err_errno(e, r, "start shim '%s'", get_shim_path());
	wfd = safe_close(wfd);
	trace_point("runtime.shim_spawned", strrchr(bundle, '/') + 1);
	/* the first shim process only forks and exits */
	while (waitpid(stage0, &st, 0) < 0 && errno == EINTR)
		;
	r = read_line(rfd, line, sizeof(line), START_TIMEOUT_MS);
	return parse_report(line, r, bundle, ret_pid, e);
}

int
runtime_start(const char *bundle, const struct runtime_spec *spec, enum runtime_start_flags flags,
	      pid_t *ret_pid, struct err *e)
{
	int r;

	if ((r = fs_mkdir_p(bundle, 0700)) < 0)
		return err_errno(e, r, "create bundle '%s'", bundle);
	if ((r = runtime_spec_save(bundle, spec, e)) < 0)
		return r;
	return start_spawned(bundle, flags, ret_pid, e);
}

/* Connects to <bundle>/control.sock (via /proc/self/fd: bundle paths may exceed sun_path). */
static int
ctl_connect(const char *bundle)
{
	_cleanup_close_ int dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (dfd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" RUNTIME_SOCK_NAME, dfd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return errno == ECONNREFUSED || errno == ENOENT ? -ESRCH : -errno;
	return TAKE_FD(fd);
}

/* One request, one reply line. -ESRCH when no shim listens. */
static int
ctl_request(const char *bundle, const char *req, char *reply, size_t size, int timeout_ms)
{
	_cleanup_close_ int fd = ctl_connect(bundle);
	int r;

	if (fd < 0)
		return fd;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return errno == EPIPE || errno == ECONNRESET ? -ESRCH : -errno; /* requests are far below a socket buffer */
	r = read_line(fd, reply, size, timeout_ms);
	/* the shim finished between connect and reply (a connection still in its
	 * backlog is reset when it closes the listener) */
	if (r == 0 || r == -ECONNRESET)
		return -ESRCH;
	return r < 0 ? r : 0;
}

static int
read_exit(const char *bundle, struct runtime_exit *ret)
{
	_cleanup_free_ char *path = xasprintf("%s/" RUNTIME_EXIT_FILE, bundle);
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_json_ json_t *j = NULL;
	json_int_t code = 0, started = 0, finished = 0;
	int oom = 0, r;

	if ((r = fs_read_file(path, 64 * 1024, &b)) < 0)
		return r;
	j = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
	if (!j || json_unpack(j, "{s:I,s:b,s?I,s?I}", "exit_code", &code, "oom_killed", &oom,
			      "started_at", &started, "finished_at", &finished) < 0)
		return -EBADMSG;
	*ret = (struct runtime_exit){(int)code, oom != 0, (int64_t)started, (int64_t)finished};
	return 0;
}

/* The cgroup path from the bundle's config.json, malloc'ed, or NULL. */
static char *
bundle_cgroup(const char *bundle)
{
	struct runtime_spec spec;
	struct err e = ERR_INIT;
	char *cg = NULL;

	if (runtime_spec_load(bundle, &spec, &e) == 0 && spec.cgroup_path && *spec.cgroup_path &&
	    !spec.join_pid)
		cg = xstrdup(spec.cgroup_path);
	runtime_spec_release(&spec);
	return cg;
}

int
runtime_get_state(const char *bundle, struct runtime_state *ret, struct err *e)
{
	_cleanup_free_ char *shim = xasprintf("%s/" RUNTIME_SHIM_FILE, bundle);
	char line[128];
	int64_t pid;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = ctl_request(bundle, "state\n", line, sizeof(line), REQUEST_TIMEOUT_MS);
	if (r == 0 && strncmp(line, "running ", 8) == 0 &&
	    parse_int64(line + 8, 1, INT32_MAX, &pid) == 0) {
		_cleanup_free_ char *cg = bundle_cgroup(bundle);
		ret->status = RUNTIME_RUNNING;
		ret->pid = (pid_t)pid;
		ret->paused = cg && cgroup_is_frozen(cg);
		return 0;
	}
	if (r < 0 && r != -ESRCH && r != -ENOENT)
		return err_errno(e, r, "query shim of '%s'", bundle);
	r = read_exit(bundle, &ret->exit);
	if (r == 0) {
		ret->status = RUNTIME_EXITED;
		return 0;
	}
	if (r != -ENOENT)
		return err_errno(e, r, "read exit status of '%s'", bundle);
	if (fs_exists(shim)) {
		/* started, but the shim vanished without recording an exit (killed) */
		ret->status = RUNTIME_EXITED;
		ret->exit.exit_code = 128 + SIGKILL;
		ret->exit.shim_lost = true;
		return 0;
	}
	ret->status = RUNTIME_CREATED;
	return 0;
}

static int
simple_request(const char *bundle, const char *req, const char *what, struct err *e)
{
	char line[1200];
	int r = ctl_request(bundle, req, line, sizeof(line), REQUEST_TIMEOUT_MS);

	if (r == -ESRCH)
		return err_set(e, -ESRCH, "%s: container is not running", what);
	if (r < 0)
		return err_errno(e, r, "%s", what);
	if (strncmp(line, "error ", 6) == 0)
		return reply_error(line, what, e);
	return 0;
}

int
runtime_kill(const char *bundle, int sig, struct err *e)
{
	char req[32];

	if (sig < 1 || sig > 64)
		return err_set(e, -EINVAL, "invalid signal %d", sig);
	snprintf(req, sizeof(req), "kill %d\n", sig);
	return simple_request(bundle, req, "kill", e);
}

int
runtime_release(const char *bundle, struct err *e)
{
	return simple_request(bundle, "start\n", "start", e);
}

int
runtime_resize(const char *bundle, unsigned height, unsigned width, struct err *e)
{
	char req[64];

	if (height > UINT16_MAX || width > UINT16_MAX)
		return err_set(e, -EINVAL, "invalid size %ux%u", height, width);
	snprintf(req, sizeof(req), "resize %u %u\n", height, width);
	return simple_request(bundle, req, "resize", e);
}

int
runtime_wait(const char *bundle, int timeout_ms, struct runtime_exit *ret, struct err *e)
{
	char line[128];
	int r = ctl_request(bundle, "wait\n", line, sizeof(line), timeout_ms);

	if (r == -ETIMEDOUT)
		return err_set(e, -ETIMEDOUT, "timed out waiting for '%s'", bundle);
	/* ECONNRESET: the shim finished with our request unread (it resets the
	 * connection on close); exit.json is already there, as with ESRCH */
	if (r < 0 && r != -ESRCH && r != -ECONNRESET)
		return err_errno(e, r, "wait for '%s'", bundle);
	/* answered, or the shim already finished: exit.json holds the result */
	r = read_exit(bundle, ret);
	if (r == -ENOENT)
		return err_set(e, -ESRCH, "'%s' was not started", bundle);
	if (r < 0)
		return err_errno(e, r, "read exit status of '%s'", bundle);
	return 0;
}

int
runtime_attach(const char *bundle, const char *flags, struct err *e)
{
	_cleanup_close_ int fd = ctl_connect(bundle);
	char req[64], line[128];
	int r;

	if (strlen(flags) > 8 || strspn(flags, "ioec") != strlen(flags))
		return err_set(e, -EINVAL, "invalid attach flags '%s'", flags);
	if (fd < 0)
		return err_errno(e, fd, "attach: container is not running");
	snprintf(req, sizeof(req), "attach %s\n", *flags ? flags : "-");
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return err_errno(e, -errno, "attach");
	r = read_line(fd, line, sizeof(line), REQUEST_TIMEOUT_MS);
	if (r <= 0 || strcmp(line, "ok") != 0)
		return err_set(e, r < 0 ? r : -ESRCH, "attach: container is not running");
	return TAKE_FD(fd);
}

int
runtime_pause(const char *bundle, bool pause, struct err *e)
{
	_cleanup_free_ char *cg = bundle_cgroup(bundle);

	if (!cg)
		return err_set(e, -ENOENT, "no cgroup for '%s'", bundle);
	return cgroup_freeze(cg, pause, e);
}

int
runtime_stats(const char *bundle, struct cgroup_stats *ret, struct err *e)
{
	_cleanup_free_ char *cg = bundle_cgroup(bundle);

	if (!cg)
		return err_set(e, -ENOENT, "no cgroup for '%s'", bundle);
	return cgroup_stats_read(cg, ret, e);
}

int
runtime_top(const char *bundle, pid_t **ret, size_t *ret_n, struct err *e)
{
	_cleanup_free_ char *cg = bundle_cgroup(bundle);
	int r;

	if (!cg)
		return err_set(e, -ENOENT, "no cgroup for '%s'", bundle);
	r = cgroup_pids(cg, ret, ret_n);
	return r < 0 ? err_errno(e, r, "list processes of '%s'", bundle) : 0;
}

/*
 * Asks the container's running shim, connected on @fd, to fork the exec's
 * shim (proto.h, "exec"). -EOPNOTSUPP, with @e untouched, when that shim
 * cannot: it predates the request (a shim started by an older berthd
 * survives the daemon's restarts) or declines it.
 */
/* The container's pid from <bundle>/shim.json, or 0. */
static int
shim_file_pid(const char *bundle)
{
	_cleanup_free_ char *path = xasprintf("%s/" RUNTIME_SHIM_FILE, bundle);
	_cleanup_json_ json_t *j = json_load_file(path, 0, NULL);
	json_int_t pid = 0;

	if (!j || json_unpack(j, "{s:I}", "pid", &pid) < 0 || pid <= 0 || pid > INT32_MAX)
		return 0;
	return (int)pid;
}

static int
exec_from_shim(int fd, const char *bundle, const char *exec_id, enum runtime_start_flags flags,
	       const char *attach, pid_t *ret_pid, struct err *e)
{
	char req[96], line[1200];
	int r;

	if (attach)
		snprintf(req, sizeof(req), "exec %s attach=%s\n", exec_id, attach);
	else
		snprintf(req, sizeof(req), "exec %s%s\n", exec_id,
			 flags & RUNTIME_START_HELD ? " held" : "");
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return errno == EPIPE || errno == ECONNRESET
			       ? err_set(e, -ESRCH, "container is not running")
			       : err_errno(e, -errno, "exec request");
	trace_point("runtime.exec_requested", exec_id);
	r = read_line(fd, line, sizeof(line), START_TIMEOUT_MS);
	/* the shim finished between connect and reply */
	if (r == 0 || r == -ECONNRESET)
		return err_set(e, -ESRCH, "container is not running");
	if (r > 0 && (strncmp(line, "error 95 ", 9) == 0 || strcmp(line, "error 22 unknown "
									 "request") == 0))
		return -EOPNOTSUPP;
	/* a shim that knows "exec" but not its attach= (kept from an older berthd) */
	if (r > 0 && attach && strncmp(line, "error 22 invalid exec request", 29) == 0)
		return -EPROTO;
	return parse_report(line, r, bundle, ret_pid, e);
}

int
runtime_exec_start(const char *container_bundle, const char *exec_id, struct runtime_spec *spec,
		   enum runtime_start_flags flags, const char *attach, pid_t *ret_pid,
		   int *ret_attach_fd, struct err *e)
{
	_cleanup_free_ char *bundle = NULL;
	_cleanup_free_ char *cg = NULL;
	_cleanup_close_ int fd = -1;
	char line[128];
	int64_t pid;
	int r;

	if (!str_is_hex(exec_id, 64))
		return err_set(e, -EINVAL, "invalid exec id '%s'", exec_id);
	fd = ctl_connect(container_bundle);
	if (fd == -ESRCH || fd == -ENOENT)
		return err_set(e, -ESRCH, "container is not running");
	if (fd < 0)
		return err_errno(e, fd, "query shim of '%s'", container_bundle);
	bundle = xasprintf("%s/exec/%s", container_bundle, exec_id);
	if ((r = fs_mkdir_p(bundle, 0700)) < 0)
		return err_errno(e, r, "create bundle '%s'", bundle);
	/* The container's shim fills in its pid and cgroup: neither is asked for
	 * here. config.json names an exec by its join_pid, which shim.json gives
	 * without a request (the pid of the shim's process for its whole life). */
	spec->join_pid = shim_file_pid(container_bundle);
	spec->cgroup_path = mfree(spec->cgroup_path);
	if ((r = runtime_spec_save(bundle, spec, e)) < 0)
		return r;
	if (ret_attach_fd)
		*ret_attach_fd = -1;
	if (!ret_attach_fd || !(flags & RUNTIME_START_HELD))
		attach = NULL;
	r = spec->join_pid ? exec_from_shim(fd, bundle, exec_id, flags, attach, ret_pid, e)
			   : -EOPNOTSUPP;
	if (r == -EPROTO) {
		/* it answered and closed: ask again the older way (the caller attaches) */
		safe_close(fd);
		attach = NULL;
		fd = ctl_connect(container_bundle);
		r = fd < 0 ? err_set(e, -ESRCH, "container is not running")
			   : exec_from_shim(fd, bundle, exec_id, flags, NULL, ret_pid, e);
	}
	if (r == 0 && attach) {
		/* the request's connection is the attach stream now; the shim released the process */
		*ret_attach_fd = TAKE_FD(fd);
		return 0;
	}
	if (r == -ESRCH)
		(void)fs_rm_rf(bundle);
	if (r != -EOPNOTSUPP)
		return r;
	fd = safe_close(fd);
	/* a spawned exec shim: only the running pid (runtime_get_state would
	 * also read the cgroup's freezer; a paused container never gets this far) */
	r = ctl_request(container_bundle, "state\n", line, sizeof(line), REQUEST_TIMEOUT_MS);
	if (r < 0 && r != -ESRCH && r != -ENOENT)
		return err_errno(e, r, "query shim of '%s'", container_bundle);
	if (r < 0 || strncmp(line, "running ", 8) != 0 ||
	    parse_int64(line + 8, 1, INT32_MAX, &pid) < 0) {
		(void)fs_rm_rf(bundle);
		return err_set(e, -ESRCH, "container is not running");
	}
	cg = bundle_cgroup(container_bundle);
	spec->join_pid = (int)pid;
	spec->cgroup_path = cg ? xstrdup(cg) : NULL;
	return runtime_start(bundle, spec, flags, ret_pid, e);
}

int
runtime_exec_cleanup(const char *bundle, struct err *e)
{
	int r;

	/* an exec has no cgroup, /dev/shm or netns of its own, and its shim
	 * removed its socket before it reported the exit */
	if ((r = fs_rm_rf(bundle)) < 0)
		return err_errno(e, r, "remove '%s'", bundle);
	return 0;
}

int
runtime_cleanup(const char *bundle, struct err *e)
{
	_cleanup_free_ char *cg = bundle_cgroup(bundle);
	_cleanup_free_ char *sock = xasprintf("%s/" RUNTIME_SOCK_NAME, bundle);
	int r;

	/* Cleaned already (the exit monitor did, and now a removal asks again):
	 * no cgroup is named, no shm can be mounted in a directory that is gone. */
	if (!cg && !fs_exists(bundle))
		return 0;
	if (cg)
		(void)cgroup_kill(cg, SIGKILL);
	/* the shim removes its socket after recording the exit; give it 5 s */
	for (int i = 0; i < 500 && fs_exists(sock); i++) {
		_cleanup_close_ int fd = ctl_connect(bundle);
		if (fd < 0)
			break; /* stale socket of a dead shim */
		fd = safe_close(fd);
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	if (cg && (r = cgroup_remove(cg)) < 0)
		return err_errno(e, r, "remove cgroup '%s'", cg);
	{
		/* a shareable /dev/shm its shim could not unmount (it was killed) */
		_cleanup_free_ char *shm = xasprintf("%s/" RUNTIME_SHM_DIR, bundle);
		struct stat sb, ss;
		/* Only a mount point needs the helper child (the shim unmounts it
		 * unless it was killed): a tmpfs there has a device of its own. */
		bool mounted = stat(shm, &ss) == 0 ? stat(bundle, &sb) < 0 || ss.st_dev != sb.st_dev
						   : errno != ENOENT;
		if (mounted)
			(void)nsjob_umount(shm, MNT_DETACH);
	}
	if ((r = fs_rm_rf(bundle)) < 0)
		return err_errno(e, r, "remove '%s'", bundle);
	return 0;
}
