/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's memos of derived text, kept valid by its generation
 * (store_memo.h). What the text is, and what its key holds, is the caller's
 * business.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/store/store_internal.h"
#include "engine/store/store_memo.h"
#include "engine/util/xalloc.h"

static void
memo_clear(struct store_memo *m)
{
	free(m->key);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

uint64_t
store_gen(struct store *s)
{
	return atomic_load(&s->gen);
}

bool
store_memo_get(struct store *s, const char *key, struct buf *out)
{
	bool hit = false;

	pthread_mutex_lock(&s->memo_lock);
	for (size_t i = 0; i < STORE_MEMO_SLOTS; i++) {
		struct store_memo *m = &s->memos[i];
		if (!m->key || strcmp(m->key, key) != 0)
			continue;
		if (m->gen != atomic_load(&s->gen)) {
			memo_clear(m); /* stale for good: generations only grow */
			break;
		}
		buf_append(out, m->text, m->len);
		m->used = ++s->memo_tick;
		hit = true;
		break;
	}
	pthread_mutex_unlock(&s->memo_lock);
	return hit;
}

void
store_memo_put(struct store *s, const char *key, uint64_t gen, const char *text, size_t len)
{
	struct store_memo *m = NULL;

	if (len > STORE_MEMO_MAX_BYTES)
		return;
	pthread_mutex_lock(&s->memo_lock);
	if (gen != atomic_load(&s->gen))
		goto out; /* the store changed while the caller listed */
	for (size_t i = 0; i < STORE_MEMO_SLOTS && !m; i++)
		if (s->memos[i].key && strcmp(s->memos[i].key, key) == 0)
			m = &s->memos[i];
	/* Two lists racing: the one that saw the later generation wins. */
	if (m && m->gen > gen)
		goto out;
	for (size_t i = 0; i < STORE_MEMO_SLOTS && !m; i++)
		if (!s->memos[i].key)
			m = &s->memos[i];
	if (!m) /* every slot in use: the least recently used one goes */
		for (size_t i = 0; i < STORE_MEMO_SLOTS; i++)
			if (!m || s->memos[i].used < m->used)
				m = &s->memos[i];
	memo_clear(m);
	m->key = xstrdup(key);
	m->text = xmalloc(len ? len : 1);
	memcpy(m->text, text, len);
	m->len = len;
	m->gen = gen;
	m->used = ++s->memo_tick;
out:
	pthread_mutex_unlock(&s->memo_lock);
}

void
store_memo_release_all(struct store *s)
{
	for (size_t i = 0; i < STORE_MEMO_SLOTS; i++)
		memo_clear(&s->memos[i]);
}
