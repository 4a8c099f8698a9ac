/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RUN containers; see run.h. The output path: a helper thread enters the
 * container's hold (hold.h) before the start, so the start holds the
 * process; it attaches as soon as the process exists and relays the shim's
 * 8-byte-framed stdout/stderr (frame.h) to the caller until the shim closes
 * the socket after the exit.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/tar.h"
#include "engine/build/run.h"
#include "engine/container/hold.h"
#include "engine/container/lifecycle.h"
#include "engine/container/container.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/frame.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

int
build_run_create(struct containers *cs, const struct build_run_opts *o, struct container **ret,
		 struct err *e)
{
	struct container_spec s = {0};
	int r;

	s.image = xstrdup(o->image_id);
	/* dockerd runs RUN with an empty entrypoint: only the command runs. */
	strv_append(&s.entrypoint, "");
	s.cmd = strv_dup(o->argv);
	s.env = o->env ? strv_dup(o->env) : NULL;
	s.labels = json_object();
	s.stop_timeout = -1;
	s.attach_stdout = s.attach_stderr = true;
	s.network_mode = xstrdup(o->network_mode && *o->network_mode &&
					 strcmp(o->network_mode, "default") != 0
				 ? o->network_mode : "bridge");
	s.restart_policy = xstrdup("no");
	s.memory = o->memory;
	s.memory_swap = o->memory_swap;
	s.cpu_shares = o->cpu_shares;
	s.cpu_period = o->cpu_period;
	s.cpu_quota = o->cpu_quota;
	s.shm_size = o->shm_size;
	s.cpuset_cpus = o->cpuset_cpus ? xstrdup(o->cpuset_cpus) : NULL;
	s.cpuset_mems = o->cpuset_mems ? xstrdup(o->cpuset_mems) : NULL;
	s.extra_hosts = strv_dup(o->extra_hosts);
	s.ulimits = o->ulimits && json_array_size(o->ulimits) ? json_deep_copy(o->ulimits) : NULL;
	r = lifecycle_create(cs, NULL, &s, ret, e);
	spec_release(&s);
	return r;
}

struct relay {
	struct containers *cs;
	struct container *c;
	const struct build_run_opts *o;
	uint64_t ticket;	/* our place in the container's hold (hold.h) */
	bool stopped;		/* the receiver asked to stop */
};

/* One frame of the RUN's output, handed on unless the receiver asked to stop. */
static int
relay_frame(void *ud, enum frame_stream stream, const char *p, size_t n)
{
	struct relay *rl = ud;

	if (n > 0 && !rl->stopped && rl->o->output(rl->o->ud, p, n, stream == FRAME_STDERR) != 0)
		rl->stopped = true;
	return 0;
}

/* Drains the shim's framed output until it closes the socket after the exit. */
static void
relay_frames(struct relay *rl, int fd)
{
	_cleanup_frame_decoder_ struct frame_decoder d = FRAME_DECODER_INIT(FRAME_PAYLOAD_MAX);
	_cleanup_free_ char *buf = xmalloc(64 * 1024);
	ssize_t n;
	int r;

	while ((n = read(fd, buf, 64 * 1024)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		r = frame_decoder_feed(&d, buf, (size_t)n, relay_frame, rl);
		if (r < 0) {
			log_warn("build: output of %.12s: %s, dropping the rest", rl->c->id,
				 strerror(-r));
			return;
		}
	}
}

/* The early attacher: connects once the held process exists, then relays. */
static void *
relay_main(void *p)
{
	struct relay *rl = p;
	struct container *c = rl->c;
	_cleanup_free_ char *bundle = lifecycle_bundle(rl->cs, c);
	struct err e = ERR_INIT;
	_cleanup_close_ int fd = -1;

	if (hold_await(&c->hold, rl->ticket, NULL, NULL) < 0)
		return NULL; /* the start failed */
	fd = runtime_attach(bundle, "oe", &e);
	hold_leave(&c->hold);
	if (fd < 0) {
		log_warn("build: cannot attach to %.12s: %s", c->id, e.msg);
		return NULL;
	}
	relay_frames(rl, fd);
	return NULL;
}

static bool
never(void *ud)
{
	(void)ud;
	return false;
}

int
build_run_exec(struct containers *cs, struct container *c, const struct build_run_opts *o,
	       int *ret_exit, struct err *e)
{
	struct relay rl = { cs, c, o, 0, false };
	pthread_t th;
	uint64_t seq;
	int code = 0, r;

	/* registered before the start, so that it holds the process for us */
	rl.ticket = hold_enter(&c->hold);
	if (pthread_create(&th, NULL, relay_main, &rl) != 0) {
		hold_leave(&c->hold);
		return err_set(e, -EAGAIN, "cannot start the output relay");
	}
	seq = container_exit_seq(c);
	r = lifecycle_start(cs, c, e);
	if (r < 0) {
		hold_cancel(&c->hold); /* also where the start gave up before the hold began */
		pthread_join(th, NULL);
		return r;
	}
	r = container_wait(c, WAIT_NEXT_EXIT, seq, o->cancelled ? o->cancelled : never, o->ud,
			   &code);
	if (r == -ECANCELED) {
		/* the client went away: dockerd's cancelled context kills the RUN */
		struct err ignored = ERR_INIT;
		(void)lifecycle_kill(cs, c, "KILL", &ignored);
		(void)container_wait(c, WAIT_NEXT_EXIT, seq, never, NULL, &code);
		pthread_join(th, NULL);
		return err_set(e, -ECANCELED, "context canceled");
	}
	pthread_join(th, NULL);
	*ret_exit = code;
	return 0;
}

/* Mount-point stubs made by the runtime for its bind mounts: left out of
 * the commit when they are empty regular files (a real change to them is
 * impossible, the bind mount hides it). */
static void
drop_stubs(int upper)
{
	static const char *const stubs[] = { "etc/hosts", "etc/hostname", "etc/resolv.conf" };
	struct stat st;

	for (size_t i = 0; i < sizeof(stubs) / sizeof(stubs[0]); i++)
		if (fstatat(upper, stubs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size == 0)
			(void)unlinkat(upper, stubs[i], 0);
	/* The directory itself was only copied up to hold them: drop it when
	 * nothing else changed in it (rmdir fails otherwise). */
	if (fstatat(upper, "etc", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		(void)unlinkat(upper, "etc", AT_REMOVEDIR);
}

static bool
dir_is_empty(int fd)
{
	int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = d >= 0 ? fdopendir(d) : NULL;
	struct dirent *de;
	bool empty = true;

	if (!dir) {
		safe_close(d);
		return false;
	}
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			empty = false;
			break;
		}
	closedir(dir);
	return empty;
}

int
build_run_diff(struct container *c, const char *tmp_dir, int *ret_fd, bool *ret_empty,
	       struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/rw/upper", c->dir);
	_cleanup_close_ int upper = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	int r;

	if (upper < 0)
		return err_errno(e, -errno, "cannot open the container layer of %.12s", c->id);
	drop_stubs(upper);
	if (dir_is_empty(upper)) {
		*ret_fd = -1;
		*ret_empty = true;
		return 0;
	}
	out = open(tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out < 0)
		return err_errno(e, -errno, "cannot create a temporary file in '%s'", tmp_dir);
	r = tar_create(upper, out, TAR_OVERLAY_WHITEOUTS, NULL, e);
	if (r < 0)
		return r;
	if (lseek(out, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind the layer tar");
	*ret_empty = false;
	*ret_fd = TAKE_FD(out);
	return 0;
}
