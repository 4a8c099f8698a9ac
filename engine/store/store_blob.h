/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Content-addressed blobs (blobs/sha256/<hex>). A blob is written to a temp
 * file under <data-root>/tmp while it is hashed, checked against the
 * expected digest, fsynced and renamed into place: a mismatch or a failure
 * stores nothing. Blobs no layer is known by are collected (store_gc.h):
 * work in flight pins the blobs it is about to use. Writers are independent, so downloads run in parallel.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "engine/util/buf.h"
#include "engine/util/digest.h"
#include "engine/util/err.h"

struct store;
struct store_blob_writer;

/*
 * Starts a blob of at most @limit bytes (0: LIMIT_ARCHIVE_BYTES). The
 * writer is used by one thread at a time; push model for libcurl callbacks.
 */
int store_blob_writer_new(struct store *s, uint64_t limit, struct store_blob_writer **ret,
			  struct err *e);

/* Appends @n bytes: -E2BIG past the limit, -errno on write failure. */
int store_blob_writer_write(struct store_blob_writer *w, const void *p, size_t n, struct err *e);

/* Bytes written so far. */
uint64_t store_blob_writer_size(const struct store_blob_writer *w);

/*
 * Ends the digest of what was written (sha256 hex into @ret_hex): later
 * writes fail with -EINVAL, commit uses it. For a caller that verifies the
 * content before committing it (the registry client) without hashing the
 * bytes a second time. May be called again; commit seals when not sealed.
 */
void store_blob_writer_seal(struct store_blob_writer *w, char ret_hex[DIGEST_HEX_LEN + 1]);

/*
 * Verifies the content against @expected ("sha256:<hex>", or NULL to accept
 * any) and moves it into place (an existing identical blob is kept).
 * -EINVAL "digest mismatch: expected X, got Y" stores nothing. Writes the
 * digest to @ret_digest (may be NULL). The writer stays to be freed.
 */
int store_blob_writer_commit(struct store_blob_writer *w, const char *expected,
			     char ret_digest[DIGEST_STR_LEN + 1], struct err *e);

/* Frees @w, discarding its temp file unless committed. NULL is fine. */
void store_blob_writer_free(struct store_blob_writer *w);

/* Reads @fd to EOF into a blob (writer + commit in one call). */
int store_blob_ingest(struct store *s, int fd, const char *expected, uint64_t limit,
		      char ret_digest[DIGEST_STR_LEN + 1], struct err *e);

/*
 * store_blob_ingest of content whose digest is not known in advance, pinned
 * (store_gc.h) from the moment it appears: the caller unpins @ret_digest
 * once something else (a layer's sources) keeps it.
 */
int store_blob_ingest_pinned(struct store *s, int fd, uint64_t limit,
			     char ret_digest[DIGEST_STR_LEN + 1], struct err *e);

/* True when blob @digest ("sha256:<hex>") is stored. */
bool store_blob_exists(struct store *s, const char *digest);

/* Opens blob @digest read-only: fd, or -ENOENT / -EINVAL (bad digest). */
int store_blob_open(struct store *s, const char *digest, struct err *e);

/* Reads a small blob (manifest, config) of at most @limit bytes into @ret. */
int store_blob_read(struct store *s, const char *digest, size_t limit, struct buf *ret,
		    struct err *e);

/* Removes blob @digest; missing is not an error. */
int store_blob_delete(struct store *s, const char *digest, struct err *e);
