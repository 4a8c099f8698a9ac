/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blobs: verified, resumable downloads streamed to the caller, and the push
 * primitives (exists, cross-repository mount, upload session). The caller
 * owns where bytes come from and go to (files in the store's temp dir,
 * memory for configs); this module owns the protocol, retries and digests.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/registry/registry.h"
#include "engine/util/digest.h"
#include "engine/util/err.h"

/*
 * Where a download goes. Contract:
 *  - write() receives the blob's bytes in order, exactly once each, unless
 *    reset() is called first. It returns 0 or a negative errno (which stops
 *    the download with that code, without retries).
 *  - reset() means "forget everything written so far" (truncate to 0): it is
 *    called before a retry when the server does not honour Range, and the
 *    bytes then start again from offset 0. Return 0 or a negative errno.
 *  - When registry_blob_fetch fails (including a digest mismatch) the bytes
 *    written are garbage and the caller discards them.
 *  - progress() (optional) sees bytes so far and the expected total.
 *  - cancelled() (optional) is polled during transfers and backoff sleeps;
 *    true stops the download with -ECANCELED.
 *  - retrying() (optional) is told before each backoff ("Retrying in N
 *    seconds" in the pull stream), with the error that caused it.
 * Callbacks run on the calling thread.
 */
struct registry_blob_sink {
	int (*write)(void *ctx, const void *p, size_t n);
	int (*reset)(void *ctx);
	void (*progress)(void *ctx, int64_t done, int64_t total);
	bool (*cancelled)(void *ctx);
	void (*retrying)(void *ctx, unsigned attempt, unsigned delay_s, const struct err *why);
	/*
	 * Optional. A sink that hashes every byte written to it (starting
	 * over at each reset) returns here the sha256 hex of what it holds;
	 * the fetch then verifies with it instead of hashing the stream a
	 * second time (the blob store's writer: one pass over each layer's
	 * bytes, not two). Called once per complete attempt; no write
	 * follows it without a reset. 0 or a negative errno.
	 */
	int (*digest)(void *ctx, char hex[DIGEST_HEX_LEN + 1]);
	void *ctx;
};

/*
 * Downloads blob @digest of @size bytes (the descriptor's; -1 when unknown,
 * then bounded by LIMIT_UPLOAD_BYTES) from the endpoint that served the
 * manifest, following redirects without forwarding credentials to other
 * hosts. sha256 is computed while streaming and compared at the end:
 * -EBADMSG "filesystem layer verification failed for digest ..." on a
 * mismatch, or when the server sends more than @size bytes. Transient
 * failures (5xx, 429, dropped connections, stalls) are retried with
 * exponential backoff, resuming with Range when the server supports it.
 * Other errors: -ENOENT (blob unknown / denied, dockerd wording),
 * -ECANCELED, the sink's own codes, -EHOSTUNREACH and friends.
 */
int registry_blob_fetch(struct registry_repo *r, const char *digest, int64_t size,
			const struct registry_blob_sink *sink, struct err *e);

/*
 * Convenience for small blobs (image configs): fetches @digest into memory,
 * at most @limit bytes (e.g. LIMIT_CONFIG_BYTES), verified. *ret (NUL-
 * terminated, *ret_len bytes) is the caller's.
 */
int registry_blob_fetch_buf(struct registry_repo *r, const char *digest, int64_t size,
			    size_t limit, char **ret, size_t *ret_len, struct err *e);

/*
 * HEAD /v2/<repo>/blobs/<digest>: 1 when the registry has it (size in
 * *ret_size when not NULL), 0 when not, negative on errors.
 */
int registry_blob_exists(struct registry_repo *r, const char *digest, int64_t *ret_size,
			 struct err *e);

/*
 * Cross-repository mount of @digest from repository path @from on the same
 * registry: 1 when mounted (201), 0 when the registry declined (202; the
 * caller then uploads), negative on errors.
 */
int registry_blob_mount(struct registry_repo *r, const char *digest, const char *from,
			struct err *e);

/*
 * Where an upload's bytes come from: read() when set (returns bytes, 0 at
 * the end, or a negative errno), else @fd (read from its current offset;
 * it stays the caller's). progress/cancelled as for downloads.
 */
struct registry_blob_source {
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	int fd;
	void (*progress)(void *ctx, int64_t done, int64_t total);
	bool (*cancelled)(void *ctx);
	void *ctx;
};

/*
 * Uploads a blob: POST an upload session (202 + Location, relative or
 * absolute; the latest one is always used), one streamed PATCH of all the
 * bytes, then PUT <location>?digest= (201). The bytes are hashed on the way
 * and must match @digest (and @size when >= 0), else -EBADMSG and the
 * session is not committed. Not retried (a source cannot rewind); the
 * caller may call again with a fresh source. Works for config blobs too.
 */
int registry_blob_push(struct registry_repo *r, const char *digest, int64_t size,
		       const struct registry_blob_source *src, struct err *e);
