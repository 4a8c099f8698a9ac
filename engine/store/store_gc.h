/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Space that comes back: mark-and-sweep of the layers no image uses and of
 * the blobs no layer is known by, and the pins that keep in-flight work
 * (a pull between download and unpack, an import, a load) out of reach.
 *
 * What is live: every layer of every image and their parents, every layer
 * with a hold (store_layer.h), the blobs those layers name as their sources
 * (kept for save and push), and every pinned blob. Everything else under
 * layers/ and blobs/sha256/ is garbage: a removed image's blobs, the layers
 * of a pull that failed half-way, leftovers of older versions. The sweep
 * runs under the store lock, so a pin or hold taken before it is honoured
 * and one taken after it finds either the old object or none; removal is
 * idempotent, and an interrupted sweep is finished by the next one.
 */
#pragma once

#include <stdint.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"

struct store;

/*
 * Pins blob @digest ("sha256:<hex>"; it need not exist yet) against
 * collection until the matching store_blob_unpin. Pins are counted, so
 * concurrent users of one blob each pin it. Invalid digests are ignored.
 */
void store_blob_pin(struct store *s, const char *digest);
void store_blob_unpin(struct store *s, const char *digest);

struct store_gc_report {
	unsigned layers, blobs; /* how many were removed */
	uint64_t layer_bytes;	/* unpacked size of the removed layers */
	uint64_t blob_bytes;	/* size of the removed blobs */
};

/*
 * One mark-and-sweep. Adds what it removed to @ret (may be NULL; the
 * caller initialises it). Failures to remove one object are logged and
 * skipped (it is tried again next time); returns 0, or -errno when the
 * blob directory cannot be read. Thread-safe; may run while pulls, builds
 * and deletions are in progress.
 */
int store_gc(struct store *s, struct store_gc_report *ret, struct err *e);

/* Bytes in blobs/sha256 (what `docker system df` adds to the layers). */
uint64_t store_blobs_size(struct store *s);
