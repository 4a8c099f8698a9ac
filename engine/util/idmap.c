/* SPDX-License-Identifier: Apache-2.0 */
/* User-namespace id mappings; see idmap.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/idmap.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define IDMAP_OVERFLOW 65534u

bool
idmap_is_set(const struct idmap *m)
{
	return m && m->uid.n > 0 && m->gid.n > 0;
}

uint32_t
idmap_to_host(const struct idmap_side *side, uint32_t id)
{
	if (side->n == 0)
		return id;
	for (size_t i = 0; i < side->n; i++) {
		const struct idmap_range *r = &side->r[i];
		if (id >= r->container && id - r->container < r->size)
			return r->host + (id - r->container);
	}
	return IDMAP_OVERFLOW;
}

uint32_t
idmap_to_container(const struct idmap_side *side, uint32_t id)
{
	if (side->n == 0)
		return id;
	for (size_t i = 0; i < side->n; i++) {
		const struct idmap_range *r = &side->r[i];
		if (id >= r->host && id - r->host < r->size)
			return r->container + (id - r->host);
	}
	return IDMAP_OVERFLOW;
}

uint32_t
idmap_to_container_or_keep(const struct idmap_side *side, uint32_t id)
{
	for (size_t i = 0; i < side->n; i++) {
		const struct idmap_range *r = &side->r[i];
		if (id >= r->host && id - r->host < r->size)
			return r->container + (id - r->host);
	}
	return id;
}

/* One "name:start:count" line; 1 when it belongs to @name / @id, 0 when not, -EINVAL. */
static int
parse_line(char *line, const char *name, uint32_t id, uint64_t *start, uint64_t *count)
{
	char *c1 = strchr(line, ':'), *c2;
	uint64_t v;

	if (!c1 || !(c2 = strchr(c1 + 1, ':')))
		return 0; /* not a range line: shadow-utils ignores it too */
	*c1 = *c2 = '\0';
	if (strcmp(line, name) != 0 && !(parse_uint64(line, UINT32_MAX, &v) == 0 && v == id))
		return 0;
	if (parse_uint64(c1 + 1, UINT32_MAX, start) < 0 ||
	    parse_uint64(c2 + 1, UINT32_MAX, count) < 0 || *count == 0 ||
	    *start + *count > (uint64_t)UINT32_MAX + 1)
		return -EINVAL;
	return 1;
}

int
idmap_parse_subid(const char *text, const char *name, uint32_t id, struct idmap_side *ret)
{
	_cleanup_free_ char *copy = xstrdup(text);
	uint64_t next = 0;
	char *save = NULL;
	int added = 0;

	for (size_t i = 0; i < ret->n; i++)
		next = (uint64_t)ret->r[i].container + ret->r[i].size;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		uint64_t start, count;
		int r = parse_line(l, name, id, &start, &count);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (ret->n == IDMAP_MAX_RANGES)
			return -E2BIG;
		if (next + count > (uint64_t)UINT32_MAX + 1)
			return -EINVAL;
		ret->r[ret->n++] = (struct idmap_range){(uint32_t)next, (uint32_t)start,
							(uint32_t)count};
		next += count;
		added++;
	}
	return added;
}

char *
idmap_format(const struct idmap_side *side)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < side->n; i++)
		buf_printf(&b, "%u %u %u\n", side->r[i].container, side->r[i].host,
			   side->r[i].size);
	return b.data ? buf_detach(&b, NULL) : xstrdup("");
}
