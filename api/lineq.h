/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A byte-bounded queue of whole lines for progress streams, whose producer
 * must never wait for the client (a pull's download feeds other pulls too).
 * Lines are either droppable (intermediate progress such as "Downloading"
 * with a byte count: a later one supersedes it) or essential (status lines,
 * errors, the final "Digest:"/"Status:" lines: never dropped).
 *
 * Policy, when a line is pushed:
 *   - essential: queued unless the queue would pass @hard_cap bytes, which
 *     means the client stopped reading altogether (-ENOBUFS);
 *   - droppable, queue under @soft_cap: queued;
 *   - droppable, queue at or over @soft_cap: replaces the newest queued line
 *     with the same key if that line is droppable and not yet partly sent
 *     (the client then sees the latest figure for that layer), otherwise it
 *     is dropped.
 * Not thread-safe: the owner locks around every call.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct lineq_item;

struct lineq {
	struct lineq_item *head, *tail;
	size_t bytes;		/* queued and not yet read */
	size_t head_off;	/* bytes of @head already read */
	size_t soft_cap, hard_cap;
	size_t dropped;		/* droppable lines dropped or replaced so far */
};

enum lineq_push_result {
	LINEQ_QUEUED = 0,
	LINEQ_REPLACED = 1,
	LINEQ_DROPPED = 2,
};

/* Initialises an empty queue with the given caps (soft_cap <= hard_cap). */
void lineq_init(struct lineq *q, size_t soft_cap, size_t hard_cap);

/* Frees every queued line; the queue is empty and usable afterwards. */
void lineq_release(struct lineq *q);

/*
 * Offers the @len bytes at @data (copied) as one line with @key (may be
 * NULL: such droppable lines are never replaced, only dropped). Returns a
 * lineq_push_result, or -ENOBUFS when an essential line does not fit under
 * the hard cap (the line is not queued).
 */
int lineq_push(struct lineq *q, const void *data, size_t len, const char *key, bool droppable);

/* Copies up to @max queued bytes in order into @out; returns the count. */
size_t lineq_read(struct lineq *q, char *out, size_t max);

/* True when nothing is queued. */
bool lineq_is_empty(const struct lineq *q);
