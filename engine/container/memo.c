/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-container memos of derived text, kept valid by generations (memo.h).
 * What the text is, and which tag makes it stale, is the caller's business.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/memo.h"
#include "engine/container/container_internal.h"
#include "engine/util/xalloc.h"

struct container_memo {
	uint64_t gen;
	char *tag;
	char *text;
	size_t len;
};

void
container_changed_locked(struct container *c)
{
	c->gen++;
}

void
containers_links_changed(struct containers *cs)
{
	atomic_fetch_add(&cs->links_gen, 1);
}

static uint64_t
gen_locked(struct containers *cs, struct container *c)
{
	return c->gen + atomic_load(&cs->links_gen);
}

uint64_t
container_memo_gen(struct containers *cs, struct container *c)
{
	uint64_t g;

	pthread_mutex_lock(&c->mu);
	g = gen_locked(cs, c);
	pthread_mutex_unlock(&c->mu);
	return g;
}

bool
container_memo_get(struct containers *cs, struct container *c, unsigned slot, const char *tag,
		   struct buf *out)
{
	const struct container_memo *m;
	bool hit;

	if (slot >= CONTAINER_MEMO_SLOTS)
		return false;
	pthread_mutex_lock(&c->mu);
	m = c->memo ? &c->memo[slot] : NULL;
	hit = m && m->text && m->gen == gen_locked(cs, c) && strcmp(m->tag, tag) == 0;
	if (hit)
		buf_append(out, m->text, m->len);
	pthread_mutex_unlock(&c->mu);
	return hit;
}

void
container_memo_put(struct container *c, unsigned slot, uint64_t gen, const char *tag,
		   const char *text, size_t len)
{
	struct container_memo *m;

	if (slot >= CONTAINER_MEMO_SLOTS)
		return;
	pthread_mutex_lock(&c->mu);
	if (!c->memo)
		c->memo = xcalloc(CONTAINER_MEMO_SLOTS, sizeof(*c->memo));
	m = &c->memo[slot];
	/* Two lists racing: the one that saw the later generation wins. */
	if (!m->text || m->gen <= gen) {
		free(m->tag);
		free(m->text);
		m->gen = gen;
		m->tag = xstrdup(tag);
		m->text = xmalloc(len);
		memcpy(m->text, text, len);
		m->len = len;
	}
	pthread_mutex_unlock(&c->mu);
}

void
container_memo_release(struct container *c)
{
	for (size_t i = 0; c->memo && i < CONTAINER_MEMO_SLOTS; i++) {
		free(c->memo[i].tag);
		free(c->memo[i].text);
	}
	free(c->memo);
	c->memo = NULL;
}
