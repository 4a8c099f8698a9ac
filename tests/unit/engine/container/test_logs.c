/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/container/logconf.h"
#include "engine/container/logs.h"
#include "engine/runtime/logfile.h"
#include "engine/util/cleanup.h"
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
collect(void *ud, enum logs_stream s, int64_t ts, json_t *attrs, const char *p, size_t n)
{
	(void)ts;
	(void)attrs;
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

static void
write_file(const char *path, const char *text)
{
	cr_assert_eq(fs_write_atomic(path, text, strlen(text), 0600), 0);
}

static char *
entry(const char *word)
{
	return xasprintf("{\"log\":\"%s\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:"
			 "01Z\"}\n",
			 word);
}

/* Three rotated files (the oldest compressed), then the live one: read in order, tail across them. */
Test(logs, rotated_files_in_order)
{
	struct logs_opts o = {.want_stdout = true, .tail = -1};
	_cleanup_free_ char *p3 = logfile_rotated_path(ctr.log_path, 3, false);
	_cleanup_free_ char *p2 = logfile_rotated_path(ctr.log_path, 2, false);
	_cleanup_free_ char *p1 = logfile_rotated_path(ctr.log_path, 1, false);
	_cleanup_free_ char *a = entry("a"), *b = entry("b"), *c = entry("c"), *d = entry("d");
	_cleanup_free_ char *ab = xasprintf("%s%s", a, b);
	char *s;

	write_file(p3, ab);
	cr_assert_eq(logfile_compress(p3), 0);
	cr_expect(!fs_exists(p3));
	write_file(p2, c);
	cr_assert_eq(logfile_compress(p2), 0);
	write_file(p1, c);
	write_log(d);
	s = run(&o);
	cr_expect_str_eq(s, "o:a\no:b\no:c\no:c\no:d\n");
	free(s);
	o.tail = 3;
	s = run(&o);
	cr_expect_str_eq(s, "o:c\no:c\no:d\n");
	free(s);
	o.tail = 4;
	s = run(&o);
	cr_expect_str_eq(s, "o:b\no:c\no:c\no:d\n");
	free(s);
	o.tail = 1;
	s = run(&o);
	cr_expect_str_eq(s, "o:d\n");
	free(s);
}

Test(logs, rotate_shifts_and_none_cannot_read)
{
	struct logs_opts o = {.want_stdout = true, .tail = -1};
	_cleanup_free_ char *a = entry("a"), *b = entry("b"), *c = entry("c");
	_cleanup_free_ char *p1 = logfile_rotated_path(ctr.log_path, 1, false);
	struct err e = ERR_INIT;
	struct buf out = BUF_INIT;
	char *s;

	write_log(a);
	cr_assert_eq(logfile_rotate(ctr.log_path, 3, false), 0);
	write_log(b);
	cr_assert_eq(logfile_rotate(ctr.log_path, 3, false), 0);
	write_log(c);
	cr_assert_eq(logfile_rotate(ctr.log_path, 3, false), 0); /* a falls off: 3 files in all */
	write_log(a);
	s = run(&o);
	cr_expect_str_eq(s, "o:b\no:c\no:a\n");
	free(s);
	cr_assert_eq(logfile_rotate(ctr.log_path, 1, false),
		     0); /* max-file 1: the file starts over */
	cr_expect(!fs_exists(ctr.log_path));
	ctr.spec.log_driver = (char *)"none";
	cr_expect_eq(logs_read(&ctr, &o, collect, &out, &e), -ENOTSUP);
	cr_expect_str_eq(e.msg, "configured logging driver does not support reading");
	ctr.spec.log_driver = NULL;
	buf_release(&out);
	(void)p1;
}

Test(logs, logconf_rules)
{
	struct err e = ERR_INIT;
	struct logconf lc;
	_cleanup_json_ json_t *defs = json_pack("{s:s}", "max-size", "10k");
	json_t *opts = NULL;
	char *drv = NULL;
	int64_t n;

	cr_expect_eq(logconf_parse_human_size("10k", &n), 0);
	cr_expect_eq(n, 10000);
	cr_expect_eq(logconf_parse_human_size("1.5MB", &n), 0);
	cr_expect_eq(n, 1500000);
	cr_expect_eq(logconf_parse_human_size("2 g", &n), 0);
	cr_expect_eq(n, 2000000000);
	cr_expect_lt(logconf_parse_human_size("k10", &n), 0);
	/* an empty request takes the daemon's driver and options */
	cr_assert_eq(logconf_merge("json-file", defs, &drv, &opts, &e), 0, "%s", e.msg);
	cr_expect_str_eq(drv, "json-file");
	cr_expect_str_eq(json_string_value(json_object_get(opts, "max-size")), "10k");
	cr_assert_eq(logconf_parse(drv, opts, &lc, &e), 0);
	cr_expect(lc.keep && lc.max_size == 10000 && lc.max_files == 1 && !lc.compress);
	free(drv);
	json_decref(opts);
	/* another driver gets none of them */
	drv = strdup("none");
	opts = NULL;
	cr_assert_eq(logconf_merge("json-file", defs, &drv, &opts, &e), 0);
	cr_expect_eq(json_object_size(opts), 0);
	cr_assert_eq(logconf_parse(drv, opts, &lc, &e), 0);
	cr_expect(!lc.keep);
	free(drv);
	json_decref(opts);
	cr_expect_eq(logconf_validate("syslog", NULL, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "logger: no log driver named 'syslog' is registered");
	opts = json_pack("{s:s}", "foo", "1");
	cr_expect_eq(logconf_validate("json-file", opts, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "unknown log opt 'foo' for json-file log driver");
	json_decref(opts);
	opts = json_pack("{s:s,s:s}", "max-file", "3", "compress", "true");
	cr_expect_eq(logconf_validate("json-file", opts, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "compress cannot be true when max-file is less than 2 or max-size "
				"is not set");
	json_decref(opts);
	opts = json_pack("{s:s}", "max-file", "0");
	cr_expect_eq(logconf_validate("json-file", opts, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "max-file cannot be less than 1");
	json_decref(opts);
	cr_assert_eq(logconf_parse("local", NULL, &lc, &e), 0);
	cr_expect(lc.max_size == 20 * 1024 * 1024 && lc.max_files == 5 && lc.compress);
}
