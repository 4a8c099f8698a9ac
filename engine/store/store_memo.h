/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's generation and its memos: a few texts a caller derived from
 * what the store lists (api keeps the encoded bodies of /images/json here),
 * so that a listing of a store that has not changed copies bytes instead of
 * summarising every image and encoding the result again. The store never
 * looks inside a memo; it only decides when one is stale.
 *
 * The generation counts changes: it is bumped, under the store's lock and in
 * the same critical section as the change, by everything that alters the
 * image, reference or layer tables or an image's metadata (commit, a build
 * parent, tag and its tag time, untag, delete, prune, a layer published,
 * given a source or removed, the collector's sweep). A memo is stored with
 * the generation read BEFORE the listing it was derived from, so a change
 * racing the listing leaves a memo that is already stale; it is valid while
 * the generation is still the same. Never by time: a caller whose text
 * depends on the clock must not memoise it.
 *
 * Memos are keyed by a string the caller makes of everything that changes
 * its text besides the store (API version, query); at most STORE_MEMO_SLOTS
 * are kept, the least recently used one is replaced, and a text longer than
 * STORE_MEMO_MAX_BYTES is not kept. Thread-safe (a lock of their own,
 * never held with the store's).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/buf.h"

struct store;

enum { STORE_MEMO_SLOTS = 4 };
#define STORE_MEMO_MAX_BYTES (4u << 20)

/* The generation to store a memo under: read it BEFORE listing. */
uint64_t store_gen(struct store *s);

/* Appends the memo of @key to @out and returns true when it is still valid;
 * false (@out untouched) when there is none or it is stale. */
bool store_memo_get(struct store *s, const char *key, struct buf *out);

/* Keeps @text (@len bytes, copied) as the memo of @key under @gen, unless
 * @gen is already stale or the slot holds a memo of a later generation. */
void store_memo_put(struct store *s, const char *key, uint64_t gen, const char *text, size_t len);
