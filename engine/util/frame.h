/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's multiplexed stream frame (docker-api-protocol.md §7.3): the one
 * record format that berth-shim writes on its attach sockets (proto.h) and
 * that berthd sends for attach, exec and logs without a TTY, and that the
 * builder's RUN reads back. Every frame is
 *
 *     byte 0      stream: 0 stdin, 1 stdout, 2 stderr (3 systemerr in dockerd)
 *     bytes 1-3   zero
 *     bytes 4-7   payload size, big-endian unsigned 32 bits
 *     ...         the payload, exactly that many bytes
 *
 * With a TTY there are no frames: the bytes go raw. This module is the only
 * encoder and the only decoder of the header; it knows nothing of sockets or
 * HTTP (writers hand it a callback).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/util/buf.h"

#define FRAME_HEADER_SIZE 8
/*
 * Largest payload berth writes in one frame: the shim reads the process's
 * output in chunks of this size, and frame_write cuts longer records, as
 * dockerd's stdcopy writer keeps frames below 32 KiB.
 */
#define FRAME_PAYLOAD_MAX (32u * 1024)

enum frame_stream {
	FRAME_STDIN = 0,
	FRAME_STDOUT = 1,
	FRAME_STDERR = 2,
	FRAME_SYSTEMERR = 3,
};

/* Fills @hdr for a frame of @len payload bytes on @stream (len must fit 32 bits). */
void frame_header_encode(unsigned char hdr[FRAME_HEADER_SIZE], enum frame_stream stream,
			 size_t len);

/* Sink for encoded bytes: 0 or a negative errno (which stops the writer). */
typedef int (*frame_write_fn)(void *ud, const void *p, size_t n);

/*
 * Writes @n bytes of @stream through @fn as frames of at most
 * FRAME_PAYLOAD_MAX payload bytes each (header and payload in separate
 * calls). n == 0 writes nothing. 0, or @fn's negative result.
 */
int frame_write(frame_write_fn fn, void *ud, enum frame_stream stream, const void *p, size_t n);

/* One whole decoded frame; 0 to go on, negative to stop (returned as is). */
typedef int (*frame_fn)(void *ud, enum frame_stream stream, const char *payload, size_t len);

/*
 * Incremental decoder: input may be cut anywhere (mid-header, mid-payload)
 * across calls; frames are delivered whole, in order. A partial frame is
 * buffered, up to FRAME_HEADER_SIZE + @max_payload bytes.
 */
struct frame_decoder {
	struct buf partial;	/* the start of a frame not complete yet */
	size_t max_payload;
	int error;		/* sticky: once set, every feed returns it */
};

#define FRAME_DECODER_INIT(max) {BUF_INIT, (max), 0}

/* Prepares @d to accept payloads of up to @max_payload bytes. */
void frame_decoder_init(struct frame_decoder *d, size_t max_payload);
/* Frees what @d buffers; @d may be re-initialised afterwards. */
void frame_decoder_release(struct frame_decoder *d);
#define _cleanup_frame_decoder_ __attribute__((cleanup(frame_decoder_release)))

/*
 * Feeds @n bytes, calling @fn for each frame completed by them. Returns 0,
 * @fn's negative result (the frames after it in this input are dropped, and
 * the decoder is not usable afterwards), -EBADMSG for a header with an
 * unknown stream or non-zero padding, -EMSGSIZE for a payload over the
 * maximum. Errors are sticky.
 */
int frame_decoder_feed(struct frame_decoder *d, const void *p, size_t n, frame_fn fn, void *ud);

/* Whether @d sits between frames (nothing partial buffered, no error). */
bool frame_decoder_is_idle(const struct frame_decoder *d);
