/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memos: a container keeps, per slot, one opaque text that a caller derived
 * from it (api keeps the encoded list entry of each API version there), so
 * that a listing of containers that have not changed copies bytes instead
 * of taking a snapshot and encoding it again. The engine never looks inside
 * a memo; it only decides when one is stale.
 *
 * Staleness is a generation: container_changed_locked() bumps the
 * container's own after every change of what a snapshot shows (state,
 * name, endpoints, spec: every save bumps it, see container.c), and
 * containers_links_changed() bumps the service-wide one when a legacy link
 * appears or goes (a link adds "/linker/alias" to its target's names). A
 * memo stored under generation G is valid while the sum of both is still G
 * (both only grow, so the sum changes whenever either does) and while the
 * caller's tag, a string it computes fresh each time from what changes
 * without an event (the "Up 5 minutes" of the status), is the same.
 *
 * Locking: memos live under c->mu; callers take no lock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/buf.h"

struct container;
struct containers;

enum { CONTAINER_MEMO_SLOTS = 2 };

/* Records a change of c; call with c->mu held, after the change. */
void container_changed_locked(struct container *c);

/* Records that a legacy link was added or removed, or that a container with
 * links was renamed or removed: the names of its targets changed. */
void containers_links_changed(struct containers *cs);

/* The generation to store a memo under: read it BEFORE taking the snapshot
 * the memo is derived from, so a change in between makes the memo stale. */
uint64_t container_memo_gen(struct containers *cs, struct container *c);

/* Appends the memo in slot to out and returns true when it is still valid
 * for tag; false (out untouched) when there is none or it is stale. */
bool container_memo_get(struct containers *cs, struct container *c, unsigned slot, const char *tag,
			struct buf *out);

/* Stores text (len bytes, copied) and tag as slot's memo under gen, unless
 * a memo of a later generation is already there. */
void container_memo_put(struct container *c, unsigned slot, uint64_t gen, const char *tag,
			const char *text, size_t len);

/* Frees c's memos (container_unref). */
void container_memo_release(struct container *c);
