/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach/exec/logs stream frame decoder (engine/util/frame.c), as the
 * shim's output reaches berthd and the builder's RUN: the input fed whole
 * and fed in pieces (cut where its own bytes say) must give the same frames
 * and the same verdict, and the frames re-encoded by frame_write must decode
 * to themselves.
 */
#include "config.h"

#include <stdio.h>

#include "engine/util/buf.h"
#include "engine/util/frame.h"
#include "tests/fuzz/fuzz.h"

/* Frames seen, flattened: stream byte, 4-byte length, payload. */
static int
collect(void *ud, enum frame_stream stream, const char *p, size_t n)
{
	unsigned char h[5] = {(unsigned char)stream, (unsigned char)(n >> 24),
			      (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};

	buf_append(ud, h, sizeof(h));
	buf_append(ud, p, n);
	return 0;
}

static int
feed_pieces(const uint8_t *data, size_t size, size_t max, struct buf *out)
{
	struct frame_decoder d = FRAME_DECODER_INIT(max);
	int r = 0;

	for (size_t off = 0, i = 0; off < size && r == 0; i++) {
		size_t cut = 1 + data[i % size] % 13;
		cut = cut < size - off ? cut : size - off;
		r = frame_decoder_feed(&d, data + off, cut, collect, out);
		off += cut;
	}
	frame_decoder_release(&d);
	return r;
}

static int
reencode(void *ud, const void *p, size_t n)
{
	buf_append(ud, p, n);
	return 0;
}

FUZZ_TARGET(frame)
{
	size_t max = size && data[0] & 1 ? 64 : FRAME_PAYLOAD_MAX;
	struct frame_decoder d = FRAME_DECODER_INIT(max);
	struct buf whole = BUF_INIT, pieces = BUF_INIT, enc = BUF_INIT, again = BUF_INIT;
	struct buf expect = BUF_INIT; /* the non-empty frames: frame_write skips empty ones */
	int r1, r2;

	r1 = frame_decoder_feed(&d, data, size, collect, &whole);
	frame_decoder_release(&d);
	r2 = feed_pieces(data, size, max, &pieces);
	if (r1 != r2 || whole.len != pieces.len ||
	    (whole.len && memcmp(whole.data, pieces.data, whole.len))) {
		fprintf(stderr, "frame decoder: whole %d/%zu vs pieces %d/%zu\n", r1, whole.len, r2,
			pieces.len);
		abort();
	}
	/* re-encode what came out: it decodes to the same frames */
	for (size_t off = 0; off + 5 <= whole.len;) {
		const unsigned char *h = (const unsigned char *)whole.data + off;
		size_t n = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
		(void)frame_write(reencode, &enc, (enum frame_stream)h[0], h + 5, n);
		if (n)
			buf_append(&expect, h, 5 + n);
		off += 5 + n;
	}
	d = (struct frame_decoder)FRAME_DECODER_INIT(max);
	if (frame_decoder_feed(&d, enc.data, enc.len, collect, &again) < 0 ||
	    again.len != expect.len || (again.len && memcmp(again.data, expect.data, again.len)))
		abort();
	frame_decoder_release(&d);
	buf_release(&whole);
	buf_release(&pieces);
	buf_release(&enc);
	buf_release(&again);
	buf_release(&expect);
	return 0;
}
