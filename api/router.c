/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Route matching. Paths are short and the table small, so a linear scan with
 * a segment matcher is both simplest and fast enough (microseconds).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/router.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define MAX_SEGS 64

struct segs {
	const char *s[MAX_SEGS];
	size_t len[MAX_SEGS];
	size_t n;
};

static int
split(const char *p, struct segs *out)
{
	out->n = 0;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		if (out->n == MAX_SEGS)
			return -E2BIG;
		out->s[out->n] = start;
		out->len[out->n] = (size_t)(p - start);
		out->n++;
	}
	return 0;
}

static bool
is_param(const char *s, size_t n, bool *greedy)
{
	if (n < 3 || s[0] != '{' || s[n - 1] != '}')
		return false;
	*greedy = s[n - 2] == '*';
	return true;
}

/* Recursive segment matcher; greedy parameters try the longest span first. */
static bool
match_from(const struct segs *pat, size_t pi, const struct segs *path, size_t si,
	   size_t starts[], size_t ends[], size_t *np)
{
	bool greedy;

	if (pi == pat->n)
		return si == path->n;
	if (is_param(pat->s[pi], pat->len[pi], &greedy)) {
		size_t k = *np;
		if (si >= path->n || k >= API_MAX_PARAMS)
			return false;
		size_t max_end = greedy ? path->n : si + 1;
		for (size_t end = max_end; end > si; end--) {
			starts[k] = si;
			ends[k] = end;
			*np = k + 1;
			if (match_from(pat, pi + 1, path, end, starts, ends, np))
				return true;
		}
		*np = k;
		return false;
	}
	if (si >= path->n || pat->len[pi] != path->len[si] ||
	    memcmp(pat->s[pi], path->s[si], path->len[si]) != 0)
		return false;
	return match_from(pat, pi + 1, path, si + 1, starts, ends, np);
}

bool
router_pattern_match(const char *pattern, const char *path, char *params[API_MAX_PARAMS])
{
	struct segs ps, pat;
	size_t starts[API_MAX_PARAMS], ends[API_MAX_PARAMS], np = 0;

	if (split(path, &ps) < 0 || split(pattern, &pat) < 0)
		return false;
	if (!match_from(&pat, 0, &ps, 0, starts, ends, &np))
		return false;
	for (size_t i = 0; i < np; i++) {
		const char *a = ps.s[starts[i]];
		const char *b = ps.s[ends[i] - 1] + ps.len[ends[i] - 1];
		params[i] = xstrndup(a, (size_t)(b - a));
	}
	return true;
}

const struct api_route *
router_match(const char *method, const char *path, char *params[API_MAX_PARAMS])
{
	for (size_t t = 0; api_route_tables[t]; t++)
		for (const struct api_route *rt = api_route_tables[t]; rt->method; rt++)
			if (strcmp(rt->method, method) == 0 &&
			    router_pattern_match(rt->pattern, path, params))
				return rt;
	return NULL;
}

int
router_split_version(const char *path, int *ret_major, int *ret_minor, const char **ret_rest)
{
	const char *p = path, *dot, *end;
	char tmp[16];
	int64_t maj, min;

	if (strncmp(p, "/v", 2) != 0 || !isdigit((unsigned char)p[2])) {
		*ret_rest = path;
		return 0;
	}
	p += 2;
	end = strchr(p, '/');
	if (!end)
		end = p + strlen(p);
	dot = memchr(p, '.', (size_t)(end - p));
	/* moby's pattern is /v{version:[0-9.]+}; anything else is not a prefix. */
	for (const char *q = p; q < end; q++)
		if (!isdigit((unsigned char)*q) && *q != '.') {
			*ret_rest = path;
			return 0;
		}
	if (!dot || (size_t)(dot - p) >= sizeof(tmp) || (size_t)(end - dot - 1) >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, p, (size_t)(dot - p));
	tmp[dot - p] = '\0';
	if (parse_int64(tmp, 0, 1000, &maj) < 0)
		return -EINVAL;
	memcpy(tmp, dot + 1, (size_t)(end - dot - 1));
	tmp[end - dot - 1] = '\0';
	if (parse_int64(tmp, 0, 1000, &min) < 0)
		return -EINVAL;
	*ret_major = (int)maj;
	*ret_minor = (int)min;
	*ret_rest = *end ? end : "/";
	return 1;
}
