/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local image store under the data root: content-addressed blobs,
 * extracted layers keyed by chain ID, image configs with local metadata, and
 * the reference table. Layout (ARCHITECTURE.md "On disk"):
 *
 *   blobs/sha256/<hex>            blobs: manifests, configs, compressed layers
 *   layers/<chain-hex>/diff/      extracted layer, overlay whiteouts
 *   layers/<chain-hex>/meta.json  {chain_id, diff_id, parent, size, sources[]}
 *   layers/.tmp-*, .del-*         layers being created / removed (crash leftovers)
 *   images/<id-hex>.json          image config, bytes exactly as received
 *   images/meta/<id-hex>.json     {parent, last_tag_time}
 *   refs.json                     {"refs": {"<canonical name:tag|name@digest>": "sha256:<id>"}}
 *   tmp/blob-*                    blobs being written
 *
 * Every metadata file is written atomically (fs_write_atomic). A layer is
 * trusted only once its meta.json exists: it is written inside the temp dir
 * after the diff is synced, and the dir is then renamed into place.
 * store_open removes what a crash can leave: temp files and dirs, layer dirs
 * without a valid meta.json, references to missing images; then it collects
 * the layers and blobs no image uses (store_gc.h).
 *
 * Threads: every function is thread-safe. Layer unpacking and blob writes run
 * without locks, so many downloads proceed in parallel. See store_internal.h
 * for the lock order.
 *
 * This header gathers the module's API: store_blob.h (blobs),
 * store_layer.h (layers), store_image.h (images, references, lookup),
 * store_delete.h (dockerd's image delete), store_gc.h (blob pins and the
 * collection of unused layers and blobs), store_memo.h (the generation of
 * what it lists, and callers' memos of derived text).
 */
#pragma once

#include "engine/util/err.h"

struct store;

/*
 * Opens the store under @data_root (creating its directories), cleans up
 * crash leftovers and loads the layer, image and reference indexes.
 * Returns 0 and *@ret, or -errno with a message.
 */
int store_open(const char *data_root, struct store **ret, struct err *e);

/* Frees the in-memory store; nothing on disk changes. NULL is fine. Callers
 * must have stopped using it (no concurrent calls). */
void store_close(struct store *s);

/* Number of images in the store (for /info). */
unsigned store_count_images(struct store *s);

#include "engine/store/store_blob.h"
#include "engine/store/store_delete.h"
#include "engine/store/store_gc.h"
#include "engine/store/store_image.h"
#include "engine/store/store_layer.h"
#include "engine/store/store_memo.h"
