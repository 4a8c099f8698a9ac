/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/relay.h"

/* c[0]: the client's end, c[1]: ours; s[0]: the shim's end, s[1]: ours */
static int c[2], s[2];
static void setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
}
static void teardown(void)
{
	close(c[0]), close(c[1]), close(s[0]), close(s[1]);
}
TestSuite(relay, .init = setup, .fini = teardown);

static ssize_t
drain(int fd, char *buf, size_t cap)
{
	ssize_t n, len = 0;

	while ((n = read(fd, buf + len, cap - (size_t)len)) > 0)
		len += n;
	return len;
}

Test(relay, early_stdin_and_stdin_once)
{
	struct relay rl;
	char b[256];

	relay_init(&rl, c[1], "early-", 6);
	rl.shim = s[1];
	rl.want_stdin = true;
	rl.close_stdin = true;
	cr_assert_eq(write(c[0], "more", 4), 4);
	shutdown(c[0], SHUT_WR);
	for (int i = 0; i < 3; i++) /* data first, then the EOF */
		cr_assert(!relay_early_poll(&rl), "StdinOnce: EOF does not end the attach");
	cr_expect(rl.pending_eof);
	cr_assert_eq(write(s[0], "output", 6), 6);
	shutdown(s[0], SHUT_WR);
	cr_expect_eq(relay_run(&rl), RELAY_OUTPUT_END);
	cr_expect_eq(drain(s[0], b, sizeof(b)), 10); /* stdin, then the EOF we passed on */
	cr_expect(memcmp(b, "early-more", 10) == 0);
	shutdown(c[1], SHUT_WR);
	cr_expect_eq(drain(c[0], b, sizeof(b)), 6);
	relay_release(&rl);
}

Test(relay, stdin_eof_ends_an_attach_without_stdin_once)
{
	struct relay rl;

	relay_init(&rl, c[1], NULL, 0);
	rl.shim = s[1];
	rl.want_stdin = true;
	shutdown(c[0], SHUT_WR);
	cr_expect(relay_early_poll(&rl));
	cr_expect_eq(relay_run(&rl), RELAY_STDIN_END);
	relay_release(&rl);
}

Test(relay, detach_keys_end_a_tty_attach)
{
	struct relay rl;
	char b[64];

	relay_init(&rl, c[1], NULL, 0);
	rl.shim = s[1];
	rl.tty = true;
	rl.want_stdin = true;
	cr_assert_eq(attach_detach_parse(NULL, &rl.detach, NULL), 0);
	cr_assert_eq(write(c[0], "ls\n\x10\x11rest", 10), 10);
	cr_expect_eq(relay_run(&rl), RELAY_DETACHED);
	shutdown(s[1], SHUT_WR);
	cr_expect_eq(drain(s[0], b, sizeof(b)), 3);
	relay_release(&rl);
}

Test(relay, vanished_client_is_noticed_without_stdin)
{
	struct relay rl;

	relay_init(&rl, c[1], NULL, 0);
	rl.shim = s[1];
	close(c[0]);
	c[0] = -1;
	cr_expect(relay_early_poll(&rl));
	cr_expect_eq(relay_run(&rl), RELAY_CLIENT_GONE);
	relay_release(&rl);
}

Test(relay, records_are_framed_below_32k)
{
	static char big[70000];
	unsigned char hdr[8];

	memset(big, 'a', sizeof(big));
	cr_assert_eq(relay_write_record(c[1], false, 2, big, 40000), 0);
	cr_assert_eq(read(c[0], hdr, 8), 8);
	cr_expect_eq(hdr[0], 2);
	cr_expect_eq((hdr[4] << 24 | hdr[5] << 16 | hdr[6] << 8 | hdr[7]), 32768);
}

/* Exec start frames by the start body's Tty: raw TTY output becomes stdout frames. */
Test(relay, frames_raw_output_for_a_client_without_tty)
{
	static const unsigned char want[] = {1, 0, 0, 0, 0, 0, 0, 4, 'o', 'u', 't', '\n'};
	struct relay rl;
	char b[256];

	relay_init(&rl, c[1], NULL, 0);
	relay_set_form(&rl, true, false);
	rl.shim = s[1];
	cr_assert_eq(write(s[0], "out\n", 4), 4);
	shutdown(s[0], SHUT_WR);
	cr_expect_eq(relay_run(&rl), RELAY_OUTPUT_END);
	shutdown(c[1], SHUT_WR);
	cr_assert_eq(drain(c[0], b, sizeof(b)), (ssize_t)sizeof(want));
	cr_expect(memcmp(b, want, sizeof(want)) == 0);
	relay_release(&rl);
}

/* ... and a client asking for a TTY gets a plain exec's frames unwrapped, even cut mid-header. */
Test(relay, unframes_for_a_tty_client)
{
	static const unsigned char in[] = {1, 0, 0, 0, 0, 0, 0, 3, 'o', 'u', 't',
					   2, 0, 0, 0, 0, 0, 0, 3, 'e', 'r', 'r'};
	struct relay rl;
	char b[256];

	relay_init(&rl, c[1], NULL, 0);
	relay_set_form(&rl, false, true);
	rl.shim = s[1];
	cr_assert_eq(write(s[0], in, 13), 13);
	cr_assert_eq(write(s[0], in + 13, sizeof(in) - 13), (ssize_t)(sizeof(in) - 13));
	shutdown(s[0], SHUT_WR);
	cr_expect_eq(relay_run(&rl), RELAY_OUTPUT_END);
	shutdown(c[1], SHUT_WR);
	cr_assert_eq(drain(c[0], b, sizeof(b)), 6);
	cr_expect(memcmp(b, "outerr", 6) == 0);
	relay_release(&rl);
}

/* The form follows the two sides' Tty. */
Test(relay, form_follows_both_sides)
{
	struct relay_out o;

	relay_out_init(&o, true, true, NULL, NULL);
	cr_expect_eq(o.form, RELAY_AS_IS);
	relay_out_release(&o);
	relay_out_init(&o, false, false, NULL, NULL);
	cr_expect_eq(o.form, RELAY_AS_IS);
	relay_out_release(&o);
	relay_out_init(&o, true, false, NULL, NULL);
	cr_expect_eq(o.form, RELAY_FRAME);
	relay_out_release(&o);
	relay_out_init(&o, false, true, NULL, NULL);
	cr_expect_eq(o.form, RELAY_UNFRAME);
	relay_out_release(&o);
}
