/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/util/buf.h"
#include "engine/util/frame.h"

/* Collects encoded bytes. */
static int
sink(void *ud, const void *p, size_t n)
{
	buf_append(ud, p, n);
	return 0;
}

/* Collects decoded frames as "<stream>:<payload>|". */
static int
collect(void *ud, enum frame_stream stream, const char *payload, size_t len)
{
	struct buf *out = ud;

	buf_printf(out, "%d:", (int)stream);
	buf_append(out, payload, len);
	buf_putc(out, '|');
	return 0;
}

Test(frame, header_is_stream_padding_and_big_endian_size)
{
	unsigned char h[FRAME_HEADER_SIZE];

	frame_header_encode(h, FRAME_STDERR, 0x01020304);
	cr_expect_eq(h[0], 2);
	cr_expect_eq(h[1] | h[2] | h[3], 0);
	cr_expect_eq(h[4], 1);
	cr_expect_eq(h[5], 2);
	cr_expect_eq(h[6], 3);
	cr_expect_eq(h[7], 4);
}

Test(frame, write_cuts_records_at_the_payload_max)
{
	static char big[2 * FRAME_PAYLOAD_MAX + 10];
	_cleanup_buf_ struct buf out = BUF_INIT;
	const unsigned char *p;

	memset(big, 'a', sizeof(big));
	cr_assert_eq(frame_write(sink, &out, FRAME_STDOUT, big, sizeof(big)), 0);
	cr_assert_eq(out.len, sizeof(big) + 3 * FRAME_HEADER_SIZE);
	p = (const unsigned char *)out.data;
	cr_expect_eq(p[0], 1);
	cr_expect_eq(p[6], FRAME_PAYLOAD_MAX >> 8);
	p += FRAME_HEADER_SIZE + FRAME_PAYLOAD_MAX;
	p += FRAME_HEADER_SIZE + FRAME_PAYLOAD_MAX;
	cr_expect_eq(p[7], 10);
	out.len = 0;
	cr_expect_eq(frame_write(sink, &out, FRAME_STDOUT, big, 0), 0);
	cr_expect_eq(out.len, 0);
}

static int
failing_sink(void *ud, const void *p, size_t n)
{
	(void)ud, (void)p, (void)n;
	return -EPIPE;
}

Test(frame, write_stops_at_the_first_sink_error)
{
	cr_expect_eq(frame_write(failing_sink, NULL, FRAME_STDOUT, "x", 1), -EPIPE);
}

/* Three frames (one empty), encoded with frame_write. */
static void
sample(struct buf *enc)
{
	unsigned char h[FRAME_HEADER_SIZE];

	cr_assert_eq(frame_write(sink, enc, FRAME_STDOUT, "hello", 5), 0);
	frame_header_encode(h, FRAME_STDERR, 0); /* an empty frame: frame_write skips those */
	buf_append(enc, h, sizeof(h));
	cr_assert_eq(frame_write(sink, enc, FRAME_STDERR, "oops\n", 5), 0);
}

Test(frame, round_trip_in_one_piece)
{
	_cleanup_buf_ struct buf enc = BUF_INIT, dec = BUF_INIT;
	struct frame_decoder d;

	sample(&enc);
	frame_decoder_init(&d, FRAME_PAYLOAD_MAX);
	cr_expect_eq(frame_decoder_feed(&d, enc.data, enc.len, collect, &dec), 0);
	cr_expect_str_eq(dec.data, "1:hello|2:|2:oops\n|");
	cr_expect(frame_decoder_is_idle(&d));
	frame_decoder_release(&d);
}

Test(frame, input_split_at_every_byte_boundary)
{
	_cleanup_buf_ struct buf enc = BUF_INIT;

	sample(&enc);
	for (size_t i = 0; i <= enc.len; i++) {
		for (size_t j = i; j <= enc.len; j++) {
			_cleanup_buf_ struct buf dec = BUF_INIT;
			struct frame_decoder d;
			frame_decoder_init(&d, FRAME_PAYLOAD_MAX);
			cr_assert_eq(frame_decoder_feed(&d, enc.data, i, collect, &dec), 0);
			cr_assert_eq(frame_decoder_feed(&d, enc.data + i, j - i, collect, &dec), 0);
			cr_assert_eq(frame_decoder_feed(&d, enc.data + j, enc.len - j, collect, &dec),
				     0);
			cr_assert_str_eq(dec.data ? dec.data : "", "1:hello|2:|2:oops\n|",
					 "split at %zu and %zu", i, j);
			cr_expect(frame_decoder_is_idle(&d));
			frame_decoder_release(&d);
		}
	}
}

Test(frame, byte_by_byte_large_frame)
{
	static char big[FRAME_PAYLOAD_MAX];
	_cleanup_buf_ struct buf enc = BUF_INIT, dec = BUF_INIT;
	struct frame_decoder d;

	memset(big, 'z', sizeof(big));
	cr_assert_eq(frame_write(sink, &enc, FRAME_STDOUT, big, sizeof(big)), 0);
	frame_decoder_init(&d, FRAME_PAYLOAD_MAX);
	for (size_t i = 0; i < enc.len; i++) {
		cr_assert_eq(frame_decoder_feed(&d, enc.data + i, 1, collect, &dec), 0);
		cr_assert_eq(dec.len == 0, i + 1 < enc.len);
	}
	cr_expect_eq(dec.len, 2 + sizeof(big) + 1);
	frame_decoder_release(&d);
}

Test(frame, partial_frame_is_not_idle)
{
	_cleanup_buf_ struct buf dec = BUF_INIT;
	struct frame_decoder d;

	frame_decoder_init(&d, 16);
	cr_expect_eq(frame_decoder_feed(&d, "\x01\0\0\0\0\0\0\x03" "ab", 10, collect, &dec), 0);
	cr_expect_not(frame_decoder_is_idle(&d));
	cr_expect_eq(dec.len, 0);
	frame_decoder_release(&d);
}

Test(frame, oversize_payload_is_refused_and_sticky)
{
	_cleanup_buf_ struct buf dec = BUF_INIT;
	struct frame_decoder d;

	frame_decoder_init(&d, 4);
	cr_expect_eq(frame_decoder_feed(&d, "\x01\0\0\0\0\0\0\x04" "abcd", 12, collect, &dec), 0);
	cr_expect_eq(frame_decoder_feed(&d, "\x01\0\0\0\0\0\0\x05", 8, collect, &dec), -EMSGSIZE);
	cr_expect_eq(frame_decoder_feed(&d, "\x01\0\0\0\0\0\0\x01" "x", 9, collect, &dec),
		     -EMSGSIZE);
	cr_expect_str_eq(dec.data, "1:abcd|");
	cr_expect_not(frame_decoder_is_idle(&d));
	frame_decoder_release(&d);
}

Test(frame, oversize_detected_across_a_split_header)
{
	struct frame_decoder d;

	frame_decoder_init(&d, 4);
	cr_expect_eq(frame_decoder_feed(&d, "\x01\0\0", 3, collect, NULL), 0);
	cr_expect_eq(frame_decoder_feed(&d, "\0\xff\xff\xff\xff", 5, collect, NULL), -EMSGSIZE);
	frame_decoder_release(&d);
}

Test(frame, garbage_headers_are_refused)
{
	static const char *const bad[] = {
		"\x04\0\0\0\0\0\0\0",	/* unknown stream */
		"\x01\x01\0\0\0\0\0\0",	/* padding not zero */
		"\x01\0\0\x01\0\0\0\0",
		"hello, world",		/* raw TTY output given to the decoder */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame_decoder d;
		frame_decoder_init(&d, FRAME_PAYLOAD_MAX);
		cr_expect_eq(frame_decoder_feed(&d, bad[i], 8, collect, NULL), -EBADMSG, "case %zu",
			     i);
		frame_decoder_release(&d);
	}
}

static int
stop_after_first(void *ud, enum frame_stream stream, const char *payload, size_t len)
{
	int *calls = ud;

	(void)stream, (void)payload, (void)len;
	return ++*calls == 1 ? -ECANCELED : 0;
}

Test(frame, callback_error_stops_the_decoder)
{
	_cleanup_buf_ struct buf enc = BUF_INIT;
	struct frame_decoder d;
	int calls = 0;

	sample(&enc);
	frame_decoder_init(&d, FRAME_PAYLOAD_MAX);
	cr_expect_eq(frame_decoder_feed(&d, enc.data, enc.len, stop_after_first, &calls),
		     -ECANCELED);
	cr_expect_eq(calls, 1);
	cr_expect_eq(frame_decoder_feed(&d, enc.data, enc.len, stop_after_first, &calls),
		     -ECANCELED);
	cr_expect_eq(calls, 1);
	frame_decoder_release(&d);
}
