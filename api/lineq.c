/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounded line queue with a drop policy for intermediate progress; see
 * lineq.h. Lines are few (hundreds at most under the soft cap), so the
 * replacement search is a plain walk.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/lineq.h"
#include "engine/util/xalloc.h"

struct lineq_item {
	struct lineq_item *next;
	char *key;
	bool droppable;
	size_t len;
	char *data;
};

static void
item_free(struct lineq_item *it)
{
	free(it->key);
	free(it->data);
	free(it);
}

void
lineq_init(struct lineq *q, size_t soft_cap, size_t hard_cap)
{
	*q = (struct lineq){ .soft_cap = soft_cap, .hard_cap = hard_cap };
}

void
lineq_release(struct lineq *q)
{
	struct lineq_item *it = q->head;

	while (it) {
		struct lineq_item *next = it->next;
		item_free(it);
		it = next;
	}
	q->head = q->tail = NULL;
	q->bytes = q->head_off = 0;
}

bool
lineq_is_empty(const struct lineq *q)
{
	return q->head == NULL;
}

/* The newest queued line with @key, or NULL. */
static struct lineq_item *
newest_with_key(struct lineq *q, const char *key)
{
	struct lineq_item *found = NULL;

	for (struct lineq_item *it = q->head; it; it = it->next)
		if (it->key && strcmp(it->key, key) == 0)
			found = it;
	return found;
}

static int
replace_or_drop(struct lineq *q, const void *data, size_t len, const char *key)
{
	struct lineq_item *old = key ? newest_with_key(q, key) : NULL;

	q->dropped++;
	/* A line partly sent must finish as it began; an essential one stays. */
	if (!old || !old->droppable || (old == q->head && q->head_off > 0) ||
	    q->bytes - old->len + len > q->hard_cap)
		return LINEQ_DROPPED;
	free(old->data);
	old->data = xmalloc(len ? len : 1);
	memcpy(old->data, data, len);
	q->bytes = q->bytes - old->len + len;
	old->len = len;
	return LINEQ_REPLACED;
}

int
lineq_push(struct lineq *q, const void *data, size_t len, const char *key, bool droppable)
{
	struct lineq_item *it;

	if (droppable && q->bytes + len > q->soft_cap)
		return replace_or_drop(q, data, len, key);
	if (q->bytes + len > q->hard_cap)
		return droppable ? (q->dropped++, LINEQ_DROPPED) : -ENOBUFS;
	it = xcalloc(1, sizeof(*it));
	it->key = key ? xstrdup(key) : NULL;
	it->droppable = droppable;
	it->len = len;
	it->data = xmalloc(len ? len : 1);
	memcpy(it->data, data, len);
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->bytes += len;
	return LINEQ_QUEUED;
}

size_t
lineq_read(struct lineq *q, char *out, size_t max)
{
	size_t n = 0;

	while (q->head && n < max) {
		struct lineq_item *it = q->head;
		size_t chunk = it->len - q->head_off;

		if (chunk > max - n)
			chunk = max - n;
		memcpy(out + n, it->data + q->head_off, chunk);
		n += chunk;
		q->head_off += chunk;
		q->bytes -= chunk;
		if (q->head_off == it->len) {
			q->head = it->next;
			if (!q->head)
				q->tail = NULL;
			q->head_off = 0;
			item_free(it);
		}
	}
	return n;
}
