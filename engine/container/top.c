/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process tables for `docker top`, from /proc (default) or the host's ps.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/container/lifecycle.h"
#include "engine/container/top.h"
#include "engine/container/container_internal.h"
#include "engine/runtime/runtime.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

extern char **environ;

void
top_result_release(struct top_result *t)
{
	strv_free(t->titles);
	for (size_t i = 0; i < t->n_rows; i++)
		strv_free(t->rows[i]);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

static void
add_row(struct top_result *t, char **row)
{
	t->rows = xrealloc(t->rows, (t->n_rows + 1) * sizeof(*t->rows));
	t->rows[t->n_rows++] = row;
}

/* Fields of /proc/<pid>/stat after the comm, which may hold blanks and ')'. */
struct proc_stat {
	char comm[64];
	long ppid, tty;
	unsigned long long utime, stime, start;
};

static int
read_proc_stat(pid_t pid, struct proc_stat *ps)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid);
	_cleanup_buf_ struct buf b = BUF_INIT;
	char *open, *close_, state;
	int r = fs_read_file(path, 8192, &b);

	if (r < 0)
		return r;
	buf_putc(&b, '\0');
	open = strchr(b.data, '(');
	close_ = strrchr(b.data, ')');
	if (!open || !close_ || close_ < open)
		return -EINVAL;
	snprintf(ps->comm, sizeof(ps->comm), "%.*s", (int)(close_ - open - 1), open + 1);
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
	 * cutime cstime priority nice num_threads itrealvalue starttime */
	if (sscanf(close_ + 2, "%c %ld %*d %*d %ld %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
		   &state, &ps->ppid, &ps->tty, &ps->utime, &ps->stime, &ps->start) != 6)
		return -EINVAL;
	return 0;
}

static char *
proc_cmdline(pid_t pid, const char *comm)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cmdline", (int)pid);
	_cleanup_buf_ struct buf b = BUF_INIT;

	if (fs_read_file(path, 64 * 1024, &b) < 0 || b.len == 0)
		return xasprintf("[%s]", comm);
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] == '\0')
			b.data[i] = ' ';
	while (b.len && b.data[b.len - 1] == ' ')
		b.len--;
	buf_putc(&b, '\0');
	return buf_detach(&b, NULL);
}

static char *
proc_user(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/status", (int)pid);
	_cleanup_buf_ struct buf b = BUF_INIT;
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	const char *u;
	unsigned long uid;

	if (fs_read_file(path, 64 * 1024, &b) < 0)
		return xstrdup("?");
	buf_putc(&b, '\0');
	u = strstr(b.data, "\nUid:");
	if (!u || sscanf(u + 5, "%lu", &uid) != 1)
		return xstrdup("?");
	if (getpwuid_r((uid_t)uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		return xstrdup(res->pw_name);
	return xasprintf("%lu", uid);
}

static char *
tty_name(long tty)
{
	unsigned major = (unsigned)((tty >> 8) & 0xfff);
	unsigned minor = (unsigned)((tty & 0xff) | ((tty >> 12) & 0xfff00));

	if (tty == 0)
		return xstrdup("?");
	if (major >= 136 && major <= 143)
		return xasprintf("pts/%u", minor + (major - 136) * 256);
	if (major == 4)
		return xasprintf("tty%u", minor);
	return xstrdup("?");
}

/* One `ps -ef` row: UID PID PPID C STIME TTY TIME CMD. */
static int
ef_row(pid_t pid, double uptime, long hz, int64_t boot_s, char ***ret)
{
	struct proc_stat ps = {0};
	char **row = NULL, cell[64];
	unsigned long long cpu;
	double age;
	time_t start;
	struct tm tm;
	int r = read_proc_stat(pid, &ps);

	if (r < 0)
		return r;
	cpu = (ps.utime + ps.stime) / (unsigned long long)hz;
	age = uptime - (double)ps.start / (double)hz;
	row = xcalloc(9, sizeof(char *));
	row[0] = proc_user(pid);
	row[1] = xasprintf("%d", (int)pid);
	row[2] = xasprintf("%ld", ps.ppid);
	row[3] = xasprintf("%d", age > 0 ? (int)((double)(ps.utime + ps.stime) / (double)hz * 100.0 / age) : 0);
	start = (time_t)(boot_s + (int64_t)(ps.start / (unsigned long long)hz));
	localtime_r(&start, &tm);
	strftime(cell, sizeof(cell), time(NULL) - start < 86400 ? "%H:%M" : "%b%d", &tm);
	row[4] = xstrdup(cell);
	row[5] = tty_name(ps.tty);
	row[6] = xasprintf("%02llu:%02llu:%02llu", cpu / 3600, cpu / 60 % 60, cpu % 60);
	row[7] = proc_cmdline(pid, ps.comm);
	*ret = row;
	return 0;
}

static int
top_from_proc(const pid_t *pids, size_t n, struct top_result *ret)
{
	static const char *const titles[] = { "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD", NULL };
	_cleanup_buf_ struct buf up = BUF_INIT;
	double uptime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	int64_t boot_s;

	if (fs_read_file("/proc/uptime", 4096, &up) == 0) {
		buf_putc(&up, '\0');
		uptime = strtod(up.data, NULL);
	}
	if (hz <= 0)
		hz = 100;
	boot_s = time_now_ns() / 1000000000LL - (int64_t)uptime;
	ret->titles = strv_dup((char **)titles);
	for (size_t i = 0; i < n && ret->n_rows < LIMIT_TOP_PROCESSES; i++) {
		char **row = NULL;
		if (ef_row(pids[i], uptime, hz, boot_s, &row) == 0)
			add_row(ret, row); /* a process that just ended is skipped */
	}
	return 0;
}

/* Splits @line on blanks into at most @n cells, the last keeping the rest. */
static char **
split_cells(const char *line, size_t n)
{
	char **cells = NULL;
	const char *p = line;

	for (size_t i = 0; i < n; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t len = i + 1 == n ? strlen(p) : strcspn(p, " \t");
		char *cell = xasprintf("%.*s", (int)len, p);
		strv_append(&cells, cell);
		free(cell);
		p += len;
	}
	return cells;
}

int
top_parse_ps(const char *out, const pid_t *pids, size_t n_pids, struct top_result *ret,
	     struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(out);
	char *save = NULL, *line = strtok_r(copy, "\n", &save);
	ssize_t pid_col = -1;
	size_t n_titles;

	memset(ret, 0, sizeof(*ret));
	if (!line)
		return err_set(e, -EINVAL, "Couldn't find PID field in ps output");
	ret->titles = split_cells(line, SIZE_MAX);
	n_titles = strv_len(ret->titles);
	for (size_t i = 0; i < n_titles; i++)
		if (strcmp(ret->titles[i], "PID") == 0)
			pid_col = (ssize_t)i;
	if (pid_col < 0) {
		top_result_release(ret);
		return err_set(e, -EINVAL, "Couldn't find PID field in ps output");
	}
	while ((line = strtok_r(NULL, "\n", &save)) && ret->n_rows < LIMIT_TOP_PROCESSES) {
		char **row = split_cells(line, n_titles);
		int64_t pid;
		bool mine = false;
		if (strv_len(row) != n_titles || parse_int64(row[pid_col], 1, INT32_MAX, &pid) < 0) {
			strv_free(row);
			continue;
		}
		for (size_t i = 0; i < n_pids && !mine; i++)
			mine = pids[i] == (pid_t)pid;
		if (mine)
			add_row(ret, row);
		else
			strv_free(row);
	}
	return 0;
}

/* Runs ps with @args (split on blanks); its stdout, bounded, in @out. */
static int
run_ps(const char *args, struct buf *out, struct err *e)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *copy = xstrdup(args);
	posix_spawn_file_actions_t fa;
	char *save = NULL;
	int pipefd[2], status = 0, r;
	pid_t pid;

	strv_append(&argv, "ps");
	for (char *a = strtok_r(copy, " \t", &save); a; a = strtok_r(NULL, " \t", &save)) {
		if (strv_len(argv) > 64)
			return err_set(e, -EINVAL, "too many ps arguments");
		strv_append(&argv, a);
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_errno(e, -errno, "cannot run ps");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return err_errno(e, -r, "cannot run ps");
	}
	r = buf_read_fd(out, pipefd[0], LIMIT_TOP_OUTPUT);
	close(pipefd[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return err_errno(e, r, "cannot read the output of ps");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, -EINVAL, "ps: exit status %d with arguments '%s'",
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), args);
	buf_putc(out, '\0');
	return 0;
}

int
top_list(struct containers *cs, struct container *c, const char *ps_args,
	 struct top_result *ret, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_buf_ struct buf out = BUF_INIT;
	size_t n = 0;
	bool running;
	int r;

	pthread_mutex_lock(&c->mu);
	running = c->state.status == CONTAINER_RUNNING || c->state.status == CONTAINER_PAUSED;
	pthread_mutex_unlock(&c->mu);
	if (!running)
		return err_set(e, -EBUSY, "container %s is not running", c->id);
	r = runtime_top(bundle, &pids, &n, e);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	if (!ps_args || !*ps_args || strcmp(ps_args, "-ef") == 0)
		return top_from_proc(pids, n, ret);
	r = run_ps(ps_args, &out, e);
	if (r < 0)
		return r;
	return top_parse_ps(out.data, pids, n, ret, e);
}
