/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The 8-byte multiplexed frame (see frame.h): header encoding, chunked
 * writing and an incremental decoder. Where the bytes go or come from
 * (sockets, HTTP streams, pipes) is the caller's business.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>

#include "engine/util/frame.h"

void
frame_header_encode(unsigned char hdr[FRAME_HEADER_SIZE], enum frame_stream stream, size_t len)
{
	assert(len <= UINT32_MAX);
	hdr[0] = (unsigned char)stream;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[4] = (unsigned char)(len >> 24);
	hdr[5] = (unsigned char)(len >> 16);
	hdr[6] = (unsigned char)(len >> 8);
	hdr[7] = (unsigned char)len;
}

int
frame_write(frame_write_fn fn, void *ud, enum frame_stream stream, const void *p, size_t n)
{
	const char *s = p;
	unsigned char hdr[FRAME_HEADER_SIZE];
	int r;

	while (n > 0) {
		size_t chunk = n > FRAME_PAYLOAD_MAX ? FRAME_PAYLOAD_MAX : n;
		frame_header_encode(hdr, stream, chunk);
		if ((r = fn(ud, hdr, sizeof(hdr))) < 0 || (r = fn(ud, s, chunk)) < 0)
			return r;
		s += chunk;
		n -= chunk;
	}
	return 0;
}

void
frame_decoder_init(struct frame_decoder *d, size_t max_payload)
{
	*d = (struct frame_decoder){.partial = BUF_INIT, .max_payload = max_payload};
}

void
frame_decoder_release(struct frame_decoder *d)
{
	buf_release(&d->partial);
}

/* Checks a complete header; its payload size, or a negative errno. */
static int64_t
header_check(const struct frame_decoder *d, const unsigned char *h)
{
	size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];

	/* anything else means we lost the frame boundaries: nothing after can be trusted */
	if (h[0] > FRAME_SYSTEMERR || h[1] || h[2] || h[3])
		return -EBADMSG;
	if (len > d->max_payload)
		return -EMSGSIZE;
	return (int64_t)len;
}

/*
 * Completes the buffered partial frame from the input. Returns the payload
 * size once the frame is whole, -EAGAIN when the input ran out first, or a
 * header error.
 */
static int64_t
complete_partial(struct frame_decoder *d, const unsigned char **in, size_t *n)
{
	size_t take;
	int64_t len;

	if (d->partial.len < FRAME_HEADER_SIZE) {
		take = FRAME_HEADER_SIZE - d->partial.len;
		take = take < *n ? take : *n;
		buf_append(&d->partial, *in, take);
		*in += take;
		*n -= take;
		if (d->partial.len < FRAME_HEADER_SIZE)
			return -EAGAIN;
	}
	len = header_check(d, (const unsigned char *)d->partial.data);
	if (len < 0)
		return len;
	take = FRAME_HEADER_SIZE + (size_t)len - d->partial.len;
	take = take < *n ? take : *n;
	buf_append(&d->partial, *in, take);
	*in += take;
	*n -= take;
	return d->partial.len == FRAME_HEADER_SIZE + (size_t)len ? len : -EAGAIN;
}

int
frame_decoder_feed(struct frame_decoder *d, const void *p, size_t n, frame_fn fn, void *ud)
{
	const unsigned char *in = p;
	int64_t len;
	int r;

	if (d->error)
		return d->error;
	if (d->partial.len > 0) {
		len = complete_partial(d, &in, &n);
		if (len == -EAGAIN)
			return 0;
		if (len < 0)
			return d->error = (int)len;
		r = fn(ud, (enum frame_stream)d->partial.data[0], d->partial.data + FRAME_HEADER_SIZE,
		       (size_t)len);
		buf_reset(&d->partial);
		if (r < 0)
			return d->error = r;
	}
	/* whole frames straight from the input, without copying */
	while (n >= FRAME_HEADER_SIZE) {
		len = header_check(d, in);
		if (len < 0)
			return d->error = (int)len;
		if (n - FRAME_HEADER_SIZE < (size_t)len)
			break;
		r = fn(ud, (enum frame_stream)in[0], (const char *)in + FRAME_HEADER_SIZE, (size_t)len);
		if (r < 0)
			return d->error = r;
		in += FRAME_HEADER_SIZE + (size_t)len;
		n -= FRAME_HEADER_SIZE + (size_t)len;
	}
	if (n > 0)
		buf_append(&d->partial, in, n);
	return 0;
}

bool
frame_decoder_is_idle(const struct frame_decoder *d)
{
	return d->partial.len == 0 && d->error == 0;
}
