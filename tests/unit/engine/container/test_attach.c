/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container/attach.h"
#include "engine/util/buf.h"
#include "engine/util/fs.h"

Test(attach, detach_keys_default_and_custom)
{
	struct attach_detach d;
	struct err e = ERR_INIT;

	cr_assert_eq(attach_detach_parse(NULL, &d, &e), 0);
	cr_expect_eq(d.n, 2);
	cr_expect_eq(d.keys[0], 16);
	cr_expect_eq(d.keys[1], 17);
	cr_assert_eq(attach_detach_parse("ctrl-a,x,ctrl-@,ctrl-[,ctrl-_,CTRL-Z", &d, &e), 0, "%s", e.msg);
	cr_expect_eq(d.n, 6);
	cr_expect_eq(d.keys[0], 1);
	cr_expect_eq(d.keys[1], 'x');
	cr_expect_eq(d.keys[2], 0);
	cr_expect_eq(d.keys[3], 27);
	cr_expect_eq(d.keys[4], 31);
	cr_expect_eq(d.keys[5], 26);
}

Test(attach, detach_keys_refused)
{
	static const char *const bad[] = {"ctrl-", "ctrl-1", "bogus", "a,,b", ",", "ctrl-aa",
					  "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", NULL};
	struct attach_detach d;

	for (size_t i = 0; bad[i]; i++) {
		struct err e = ERR_INIT;
		cr_expect_eq(attach_detach_parse(bad[i], &d, &e), -EINVAL, "%s", bad[i]);
		cr_expect(strstr(e.msg, "Invalid detach keys") != NULL, "%s", e.msg);
	}
}

static size_t
feed(struct attach_detach *d, const char *in, char *out, bool *det)
{
	size_t n = attach_detach_feed(d, (const unsigned char *)in, strlen(in),
				      (unsigned char *)out, det);
	out[n] = '\0';
	return n;
}

Test(attach, detach_feed_holds_back_and_detects)
{
	struct attach_detach d;
	struct err e = ERR_INIT;
	char out[64];
	bool det;

	cr_assert_eq(attach_detach_parse(NULL, &d, &e), 0);
	feed(&d, "ab\x10", out, &det);
	cr_expect_str_eq(out, "ab"); /* ctrl-p held back */
	cr_expect(!det);
	feed(&d, "c", out, &det);
	cr_expect_str_eq(out, "\x10" "c"); /* not the sequence: released */
	feed(&d, "\x10\x10", out, &det);
	cr_expect_str_eq(out, "\x10"); /* the second may still start it */
	feed(&d, "\x11" "after", out, &det);
	cr_expect(det);
	cr_expect_str_eq(out, "");
	d.n = 0; /* off: everything passes */
	feed(&d, "\x10\x11", out, &det);
	cr_expect(!det);
	cr_expect_str_eq(out, "\x10\x11");
}

struct collected {
	struct buf b;
	int calls, stop_at;
};

static int
collect(void *ud, int stream, const char *data, size_t len)
{
	struct collected *c = ud;

	buf_printf(&c->b, "%d:", stream);
	buf_append(&c->b, data, len);
	c->calls++;
	return c->calls == c->stop_at ? -EPIPE : 0;
}

Test(attach, replays_the_json_log)
{
	char path[] = "/tmp/berth-test-attach-XXXXXX";
	int fd = mkstemp(path);
	const char *log =
		"{\"log\":\"out1\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-01T00:00:00Z\"}\n"
		"not json\n"
		"{\"log\":\"err1\\n\",\"stream\":\"stderr\",\"time\":\"2024-01-01T00:00:00Z\"}\n"
		"{\"log\":7,\"stream\":\"stdout\"}\n"
		"{\"log\":\"nul\\u0000x\",\"stream\":\"stdout\"}\n"
		"{\"log\":\"more\",\"stream\":\"stdout\"}\n";
	struct container c = {.log_path = path};
	struct collected col = {BUF_INIT, 0, 0};
	struct err e = ERR_INIT;

	cr_assert_geq(fd, 0);
	cr_assert_eq(fs_write_all(fd, log, strlen(log)), 0);
	close(fd);
	cr_expect_eq(attach_replay_log(&c, true, false, collect, &col, &e), 0);
	/* stdout only, the malformed lines skipped, a NUL kept */
	cr_expect_eq(col.calls, 3);
	cr_expect_eq(col.b.len, strlen("1:out1\n1:nul") + 2 + strlen("1:more"));
	cr_expect(memcmp(col.b.data, "1:out1\n1:nul\0x1:more", col.b.len) == 0);
	buf_reset(&col.b);
	col.calls = 0;
	col.stop_at = 2; /* the callback's error stops the replay */
	cr_expect_eq(attach_replay_log(&c, true, true, collect, &col, &e), -EPIPE);
	cr_expect_eq(col.calls, 2);
	cr_expect(strncmp(col.b.data, "1:out1\n2:err1\n", col.b.len) == 0);
	c.log_path = (char *)"/nonexistent/log";
	cr_expect_eq(attach_replay_log(&c, true, true, collect, &col, &e), 0);
	buf_release(&col.b);
	unlink(path);
}
