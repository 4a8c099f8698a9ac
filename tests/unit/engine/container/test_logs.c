/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/container/logs.h"
#include "engine/util/buf.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

static char dir[] = "/tmp/berth-test-logs-XXXXXX";
static struct container ctr;

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	memset(&ctr, 0, sizeof(ctr));
	pthread_mutex_init(&ctr.mu, NULL);
	snprintf(ctr.id, sizeof(ctr.id), "%064d", 0);
	ctr.log_path = xasprintf("%s/log.json", dir);
	ctr.state.status = CONTAINER_EXITED;
}

static void
teardown(void)
{
	free(ctr.log_path);
	fs_rm_rf(dir);
}

TestSuite(logs, .init = setup, .fini = teardown);

static void
write_log(const char *text)
{
	cr_assert_eq(fs_write_atomic(ctr.log_path, text, strlen(text), 0600), 0);
}

static const char sample[] =
	"{\"log\":\"one\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:01Z\"}\n"
	"{\"log\":\"two\\n\",\"stream\":\"stderr\",\"time\":\"2026-01-01T00:00:02Z\"}\n"
	"not json at all\n"
	"{\"log\":\"three\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:03Z\"}\n";

static int
collect(void *ud, enum logs_stream s, int64_t ts, const char *p, size_t n)
{
	(void)ts;
	buf_printf(ud, "%c:%.*s", s == LOGS_STDOUT ? 'o' : 'e', (int)n, p);
	return 0;
}

static char *
run(const struct logs_opts *o)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;

	cr_assert_eq(logs_read(&ctr, o, collect, &b, &e), 0, "%s", e.msg);
	buf_putc(&b, '\0');
	return b.data;
}

Test(logs, streams_and_malformed_lines)
{
	struct logs_opts o = { .want_stdout = true, .want_stderr = true, .tail = -1 };
	char *s;

	write_log(sample);
	s = run(&o);
	cr_expect_str_eq(s, "o:one\ne:two\no:three\n");
	free(s);
	o.want_stderr = false;
	s = run(&o);
	cr_expect_str_eq(s, "o:one\no:three\n");
	free(s);
}

Test(logs, tail_since_until)
{
	struct logs_opts o = { .want_stdout = true, .want_stderr = true, .tail = 2 };
	char *s;

	write_log(sample);
	s = run(&o);
	cr_expect_str_eq(s, "o:three\n"); /* the malformed line counts as a line */
	free(s);
	o.tail = 0;
	s = run(&o);
	cr_expect_str_eq(s, "");
	free(s);
	o.tail = -1;
	o.since_ns = 1767225602LL * 1000000000LL;
	o.until_ns = 1767225602LL * 1000000000LL;
	s = run(&o);
	cr_expect_str_eq(s, "e:two\n");
	free(s);
}

Test(logs, missing_file_is_empty_and_tail_offsets)
{
	struct logs_opts o = { .want_stdout = true, .tail = -1 };
	char *s = run(&o);
	int fd;

	cr_expect_str_eq(s, "");
	free(s);
	write_log("a\nb\nc");
	fd = open(ctr.log_path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_expect_eq(logs_tail_offset(fd, 1), 4);
	cr_expect_eq(logs_tail_offset(fd, 2), 2);
	cr_expect_eq(logs_tail_offset(fd, 10), 0);
	close(fd);
}

Test(logs, oversized_line_is_skipped)
{
	struct logs_opts o = { .want_stdout = true, .tail = -1 };
	struct buf b = BUF_INIT;
	char *s;

	buf_puts(&b, "{\"log\":\"");
	for (int i = 0; i < 200000; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:01Z\"}\n");
	buf_puts(&b, "{\"log\":\"ok\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:01Z\"}\n");
	buf_putc(&b, '\0');
	write_log(b.data);
	buf_release(&b);
	s = run(&o);
	cr_expect_str_eq(s, "o:ok\n");
	free(s);
}
