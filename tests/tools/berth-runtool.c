/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-runtool: the engine/runtime API from the command line, for the
 * integration tests (tests/integration/1001-runtime-shim.sh) and for
 * measuring start latency. Not installed.
 *
 *   berth-runtool run BUNDLE [options] -- ARGS...   start; --io relays stdio and waits
 *   berth-runtool exec BUNDLE EXECID [options] -- ARGS...
 *   berth-runtool state|wait|cleanup|pause|unpause|stats|top BUNDLE
 *   berth-runtool kill BUNDLE SIG | resize BUNDLE H W | attach BUNDLE FLAGS
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/frame.h"
#include "engine/util/fs.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

static void
strv_push(char ***v, const char *s)
{
	size_t n = 0;

	while (*v && (*v)[n])
		n++;
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

static int64_t
num(const char *s)
{
	int64_t v;

	if (parse_int64(s, INT64_MIN, INT64_MAX, &v) < 0) {
		fprintf(stderr, "bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* Copies stdin to the socket and the socket's output to stdout/stderr until it ends. */
static int
write_frame(void *ud, enum frame_stream stream, const char *p, size_t n)
{
	(void)ud;
	(void)fs_write_all(stream == FRAME_STDERR ? 2 : 1, p, n);
	return 0;
}

static void
relay(int fd, bool tty, bool send_stdin)
{
	_cleanup_frame_decoder_ struct frame_decoder d = FRAME_DECODER_INIT(FRAME_PAYLOAD_MAX);
	unsigned char b[65536];
	bool in_open = send_stdin;

	for (;;) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}};
		ssize_t n;
		if (poll(p, 2, -1) < 0)
			return;
		if (p[1].revents) {
			char in[4096];
			n = read(0, in, sizeof(in));
			if (n <= 0) {
				shutdown(fd, SHUT_WR);
				in_open = false;
			} else {
				(void)fs_write_all(fd, in, (size_t)n);
			}
		}
		if (!p[0].revents)
			continue;
		n = read(fd, b, sizeof(b));
		if (n <= 0)
			return;
		if (tty)
			(void)fs_write_all(1, b, (size_t)n);
		else if (frame_decoder_feed(&d, b, (size_t)n, write_frame, NULL) < 0)
			return;
	}
}

static const struct option run_opts[] = {
	{"id", 1, 0, 'I'},
	{"layer", 1, 0, 'l'},
	{"upper", 1, 0, 'u'},
	{"work", 1, 0, 'w'},
	{"rootfs", 1, 0, 'r'},
	{"log", 1, 0, 'L'},
	{"tty", 0, 0, 't'},
	{"stdin", 0, 0, 'i'},
	{"user", 1, 0, 'U'},
	{"cap-add", 1, 0, 'a'},
	{"cap-drop", 1, 0, 'd'},
	{"privileged", 0, 0, 'P'},
	{"memory", 1, 0, 'm'},
	{"pids", 1, 0, 'p'},
	{"cpus", 1, 0, 'c'},
	{"hostname", 1, 0, 'h'},
	{"init", 0, 0, 'n'},
	{"read-only", 0, 0, 'R'},
	{"net", 1, 0, 'N'},
	{"env", 1, 0, 'e'},
	{"workdir", 1, 0, 'W'},
	{"bind", 1, 0, 'b'},
	{"tmpfs", 1, 0, 'T'},
	{"console", 1, 0, 'C'},
	{"io", 0, 0, 'o'},
	{"wait", 0, 0, 'x'},
	{"group-add", 1, 0, 'g'},
	{"no-new-privs", 0, 0, 'z'},
	{"time", 0, 0, 'Z'},
	{"disposable", 0, 0, 'D'},
	{0, 0, 0, 0},
};

struct run_flags {
	bool io, wait, timing;
	char **add, **drop;
};

static void
parse_run(int argc, char **argv, struct runtime_spec *s, struct run_flags *f)
{
	static const char *const ro[] = {"ro", "rbind", NULL};
	static const char *const rw[] = {"rbind", NULL};
	static const char *const tmp[] = {"nosuid", "nodev", "noexec", NULL};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+", run_opts, NULL)) != -1) {
		switch (c) {
		case 'I': free(s->hostname); free(s->cgroup_path);
			  s->hostname = xstrndup(optarg, 12);
			  s->cgroup_path = xasprintf("berth-test/%s", optarg); break;
		case 'l': strv_push(&s->lowerdirs, optarg); break;
		case 'u': s->upperdir = xstrdup(optarg); break;
		case 'w': s->workdir = xstrdup(optarg); break;
		case 'r': s->rootfs = xstrdup(optarg); break;
		case 'L': s->log_path = xstrdup(optarg); break;
		case 't': s->terminal = true; break;
		case 'i': s->open_stdin = s->stdin_once = true; break;
		case 'U': free(s->user); s->user = xstrdup(optarg); break;
		case 'a': strv_push(&f->add, optarg); break;
		case 'd': strv_push(&f->drop, optarg); break;
		case 'P': s->privileged = true; s->seccomp = RUNTIME_SECCOMP_UNCONFINED; break;
		case 'm': s->res.memory = num(optarg); s->res.memory_swap = s->res.memory; break;
		case 'p': s->res.pids_limit = num(optarg); break;
		case 'c': s->res.cpu_quota = num(optarg) * 1000; s->res.cpu_period = 100000; break;
		case 'h': free(s->hostname); s->hostname = xstrdup(optarg); break;
		case 'n': s->init = true; break;
		case 'R': s->readonly_root = true; break;
		case 'D': s->disposable_root = true; break;
		case 'N': s->netns = strcmp(optarg, "none") == 0 ? RUNTIME_NETNS_NONE
				   : strcmp(optarg, "host") == 0 ? RUNTIME_NETNS_HOST : RUNTIME_NETNS_PATH;
			  if (s->netns == RUNTIME_NETNS_PATH) s->netns_path = xstrdup(optarg);
			  break;
		case 'e': strv_push(&s->env, optarg); break;
		case 'W': free(s->cwd); s->cwd = xstrdup(optarg); break;
		case 'g': strv_push(&s->additional_groups, optarg); break;
		case 'b': {
			_cleanup_free_ char *spec = xstrdup(optarg);
			char *dst = strchr(spec, ':'), *mode;
			if (!dst) exit(2);
			*dst++ = '\0';
			mode = strchr(dst, ':');
			if (mode) *mode++ = '\0';
			runtime_spec_add_mount(s, dst, "bind", spec, mode && !strcmp(mode, "ro") ? ro : rw);
			break;
		}
		case 'T': runtime_spec_add_mount(s, optarg, "tmpfs", "tmpfs", tmp); break;
		case 'C': {
			unsigned h = 0, w = 0;
			if (sscanf(optarg, "%ux%u", &h, &w) != 2) exit(2);
			s->console_height = (unsigned short)h;
			s->console_width = (unsigned short)w;
			break;
		}
		case 'o': f->io = true; break;
		case 'x': f->wait = true; break;
		case 'z': s->no_new_privs = true; break;
		case 'Z': f->timing = true; break;
		default: exit(2);
		}
	}
	for (int i = optind; i < argc; i++)
		strv_push(&s->args, argv[i]);
}

static int
finish_run(const char *bundle, const struct runtime_spec *s, struct run_flags *f, pid_t pid,
	   int64_t t0)
{
	struct err e = ERR_INIT;
	struct runtime_exit ex;

	if (f->io) {
		char flags[8] = "oe";
		_cleanup_close_ int fd = -1;
		if (s->open_stdin)
			strcat(flags, "ic");
		fd = runtime_attach(bundle, flags, &e);
		if (fd < 0 || runtime_release(bundle, &e) < 0) {
			fprintf(stderr, "error: %s\n", e.msg);
			return 125;
		}
		relay(fd, s->terminal, s->open_stdin);
	} else {
		printf("pid %d\n", (int)pid);
		fflush(stdout);
	}
	if (!f->io && !f->wait)
		return 0;
	if (runtime_wait(bundle, -1, &ex, &e) < 0) {
		fprintf(stderr, "error: %s\n", e.msg);
		return 125;
	}
	if (f->timing)
		fprintf(stderr, "start-to-exit %.1f ms\n", (double)(time_mono_ns() - t0) / 1e6);
	if (!f->io)
		printf("exit %d oom %d\n", ex.exit_code, ex.oom_killed);
	return ex.exit_code;
}

static int
cmd_run(int argc, char **argv, bool exec)
{
	const char *bundle = argv[1];
	struct runtime_spec s;
	struct run_flags f = {0};
	struct err e = ERR_INIT;
	int64_t t0 = time_mono_ns();
	pid_t pid;
	int r;

	runtime_spec_init_default(&s, "0000000000000000000000000000000000000000000000000000000000000000");
	free(s.cgroup_path);
	s.cgroup_path = NULL;
	parse_run(argc - (exec ? 2 : 1), argv + (exec ? 2 : 1), &s, &f);
	if (runtime_spec_set_caps(&s, f.add, f.drop, s.privileged, &e) < 0) {
		fprintf(stderr, "error: %s\n", e.msg);
		return 125;
	}
	if (exec)
		r = runtime_exec_start(bundle, argv[2], &s, f.io ? RUNTIME_START_HELD : 0, NULL,
				       &pid, NULL, &e);
	else
		r = runtime_start(bundle, &s, f.io ? RUNTIME_START_HELD : 0, &pid, &e);
	if (r < 0) {
		fprintf(stderr, "error: %s\n", e.msg);
		runtime_spec_release(&s);
		return r == -ENOENT ? 127 : r == -EACCES ? 126 : 125;
	}
	{
		_cleanup_free_ char *eb = exec ? xasprintf("%s/exec/%s", bundle, argv[2]) : NULL;
		r = finish_run(eb ? eb : bundle, &s, &f, pid, t0);
	}
	runtime_spec_release(&s);
	strv_free(f.add);
	strv_free(f.drop);
	return r;
}

static int
cmd_simple(const char *cmd, int argc, char **argv)
{
	const char *bundle = argv[1];
	struct err e = ERR_INIT;
	int r = 0;

	if (strcmp(cmd, "state") == 0) {
		struct runtime_state st;
		if ((r = runtime_get_state(bundle, &st, &e)) == 0) {
			if (st.status == RUNTIME_RUNNING)
				printf("running %d%s\n", (int)st.pid, st.paused ? " paused" : "");
			else if (st.status == RUNTIME_EXITED)
				printf("exited %d oom %d\n", st.exit.exit_code, st.exit.oom_killed);
			else
				printf("created\n");
		}
	} else if (strcmp(cmd, "wait") == 0) {
		struct runtime_exit ex;
		int t = argc > 2 ? (int)num(argv[2]) : -1;
		if ((r = runtime_wait(bundle, t, &ex, &e)) == 0)
			printf("exit %d oom %d\n", ex.exit_code, ex.oom_killed);
	} else if (strcmp(cmd, "kill") == 0 && argc > 2) {
		r = runtime_kill(bundle, (int)num(argv[2]), &e);
	} else if (strcmp(cmd, "resize") == 0 && argc > 3) {
		r = runtime_resize(bundle, (unsigned)num(argv[2]), (unsigned)num(argv[3]), &e);
	} else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "unpause") == 0) {
		r = runtime_pause(bundle, cmd[0] == 'p', &e);
	} else if (strcmp(cmd, "cleanup") == 0) {
		r = runtime_cleanup(bundle, &e);
	} else if (strcmp(cmd, "attach") == 0 && argc > 2) {
		_cleanup_close_ int fd = runtime_attach(bundle, argv[2], &e);
		r = fd;
		if (fd >= 0) {
			printf("attached\n");
			fflush(stdout);
			relay(fd, argc > 3 && strcmp(argv[3], "tty") == 0, strchr(argv[2], 'i'));
			r = 0;
		}
	} else if (strcmp(cmd, "top") == 0) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if ((r = runtime_top(bundle, &pids, &n, &e)) == 0)
			for (size_t i = 0; i < n; i++)
				printf("%d\n", (int)pids[i]);
	} else if (strcmp(cmd, "stats") == 0) {
		struct cgroup_stats st;
		if ((r = runtime_stats(bundle, &st, &e)) == 0) {
			printf("cpu %llu mem %llu limit %llu pids %llu/%llu cpus %u system %llu\n",
			       (unsigned long long)st.cpu_total, (unsigned long long)st.mem_usage,
			       (unsigned long long)st.mem_limit, (unsigned long long)st.pids_current,
			       (unsigned long long)st.pids_limit, st.online_cpus,
			       (unsigned long long)st.system_cpu);
			cgroup_stats_release(&st);
		}
	} else {
		fprintf(stderr, "unknown command '%s'\n", cmd);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "error: %s\n", e.msg);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *shim = getenv("BERTH_SHIM");

	if (argc < 3) {
		fprintf(stderr, "usage: berth-runtool CMD BUNDLE ...\n");
		return 2;
	}
	if (shim)
		runtime_set_shim_path(shim);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "exec") == 0 && argc > 3)
		return cmd_run(argc - 1, argv + 1, true);
	return cmd_simple(argv[1], argc - 1, argv + 1);
}
