/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Glob matching for the builder; see match.h. Both matchers work on the
 * strings given: nothing here touches the file system.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build/match.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

bool
match_has_meta(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* One class "[...]" at *@pp against @c: 1 match, 0 none, -EINVAL bad. */
static int
match_class(const char **pp, char c)
{
	const char *p = *pp + 1;
	bool neg = false, matched = false, first = true;

	if (*p == '^' || *p == '!') {
		neg = true;
		p++;
	}
	for (;;) {
		if (*p == '\0')
			return -EINVAL;
		if (*p == ']' && !first)
			break;
		first = false;
		char lo = *p, hi;
		if (lo == '\\') {
			if (!*++p)
				return -EINVAL;
			lo = *p;
		}
		p++;
		hi = lo;
		if (*p == '-' && p[1] != ']') {
			p++;
			hi = *p;
			if (hi == '\\') {
				if (!*++p)
					return -EINVAL;
				hi = *p;
			}
			if (!hi)
				return -EINVAL;
			p++;
		}
		if ((unsigned char)lo <= (unsigned char)c && (unsigned char)c <= (unsigned char)hi)
			matched = true;
	}
	*pp = p + 1;
	return matched != neg;
}

/* Checks that the rest of a pattern is well-formed (Go reports ErrBadPattern
 * even when the name already failed to match). */
static int
check_syntax(const char *p)
{
	for (; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				return -EINVAL;
		} else if (*p == '[') {
			const char *q = p;
			if (match_class(&q, 'a') < 0)
				return -EINVAL;
			p = q - 1;
		}
	}
	return 0;
}

/*
 * Go's scanChunk: skips the stars at *@pp (*@star tells whether there were
 * any), leaves *@pp at the chunk after them and returns its length, up to
 * the next star outside a class.
 */
static size_t
scan_chunk(const char **pp, bool *star)
{
	const char *p = *pp;
	size_t i;

	*star = false;
	for (; *p == '*'; p++)
		*star = true;
	for (i = 0; p[i] && p[i] != '*'; i++) {
		if (p[i] == '\\' && p[i + 1]) {
			i++;
		} else if (p[i] == '[') {
			/* a class ends as match_class reads it: a ']' right after
			 * '[' (or '[^', '[!') is literal, so "[]*]" holds a star */
			size_t j = i + 1 + (p[i + 1] == '^' || p[i + 1] == '!');
			for (j += p[j] == ']'; p[j] && p[j] != ']'; j++)
				j += p[j] == '\\' && p[j + 1];
			i = p[j] ? j : j - 1;
		}
	}
	*pp = p;
	return i;
}

/*
 * Go's matchChunk: the star-free chunk @c against the start of @s. 1 with
 * *@rest after the matched part, 0 for no match, -EINVAL for a malformed
 * chunk (checked to its end even after a mismatch, as Go does).
 */
static int
match_chunk(const char *c, const char *s, const char **rest)
{
	bool failed = false;

	while (*c) {
		failed = failed || !*s;
		switch (*c) {
		case '[': {
			int r = match_class(&c, failed ? 'a' : *s);
			if (r < 0)
				return r;
			if (!failed) {
				failed = r == 0 || *s == '/'; /* a class never matches '/' */
				s++;
			}
			break;
		}
		case '?':
			if (!failed) {
				failed = *s == '/';
				s++;
			}
			c++;
			break;
		case '\\':
			if (!*++c)
				return -EINVAL;
			/* fall through */
		default:
			if (!failed) {
				failed = *c != *s;
				s++;
			}
			c++;
		}
	}
	if (failed)
		return 0;
	*rest = s;
	return 1;
}

/*
 * Go's filepath.Match, chunk by chunk: each star-free chunk after a star is
 * matched at the leftmost position that works, never revisited. That is
 * O(pattern × name); the backtracking recursion it replaces was exponential
 * in the number of stars ("*?*?*?...x" against a long name: minutes of CPU
 * per COPY source or .dockerignore line; found by tests/fuzz).
 */
static int
glob(const char *p, const char *n)
{
	while (*p) {
		const char *rest = NULL;
		bool star;
		size_t len = scan_chunk(&p, &star);
		_cleanup_free_ char *c = xstrndup(p, len);
		int r;

		p += len;
		if (star && len == 0)
			return strchr(n, '/') ? 0 : 1;
		r = match_chunk(c, n, &rest);
		if (r < 0)
			return r;
		/* the last chunk must use up the name */
		if (r == 1 && (!*rest || *p)) {
			n = rest;
			continue;
		}
		for (size_t i = 0; star && n[i] && n[i] != '/'; i++) {
			r = match_chunk(c, n + i + 1, &rest);
			if (r < 0)
				return r;
			if (r == 1 && (!*rest || *p)) {
				n = rest;
				break;
			}
		}
		if (r == 1 && (!*rest || *p))
			continue;
		return check_syntax(p) < 0 ? -EINVAL : 0;
	}
	return *n == '\0';
}

int
match_glob(const char *pattern, const char *name)
{
	return glob(pattern, name);
}

/* ---- .dockerignore ---------------------------------------------------- */

/* filepath.Clean of a relative, '/'-separated path; "" becomes ".". */
static char *
clean_path(const char *in)
{
	_cleanup_strv_ char **parts = NULL;
	_cleanup_free_ char *copy = xstrdup(in);
	char *save = NULL;
	size_t n = 0, len = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0 && n > 0 && strcmp(parts[n - 1], "..") != 0) {
			free(parts[--n]);
			parts[n] = NULL;
			continue;
		}
		strv_append(&parts, c);
		n++;
	}
	for (size_t i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	char *out = xcalloc(1, len + 2);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	if (!*out)
		strcpy(out, ".");
	return out;
}

int
ignore_parse(const char *text, size_t len, struct ignore *ret, struct err *e)
{
	_cleanup_free_ char *copy = xstrndup(text, len);
	struct ignore ig = {0};
	char *rest = copy, *line;

	if (len >= 3 && memcmp(copy, "\xef\xbb\xbf", 3) == 0)
		rest += 3;
	while ((line = strsep(&rest, "\n")) != NULL) {
		size_t l = strlen(line);
		while (l && (line[l - 1] == ' ' || line[l - 1] == '\t' || line[l - 1] == '\r'))
			line[--l] = '\0';
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		bool neg = *line == '!';
		if (neg)
			line += 1 + strspn(line + 1, " \t");
		_cleanup_free_ char *c = clean_path(line);
		char *p = c;
		while (*p == '/')
			p++;
		if (!*p)
			continue;
		if (match_glob(p, "") < 0) {
			ignore_release(&ig);
			return err_set(e, -EINVAL, "syntax error in .dockerignore pattern '%s'", line);
		}
		ig.v = xrealloc(ig.v, (ig.n + 1) * sizeof(*ig.v));
		ig.v[ig.n++] = (struct ignore_pattern){ xstrdup(p), neg };
	}
	*ret = ig;
	return 0;
}

void
ignore_release(struct ignore *ig)
{
	for (size_t i = 0; ig && i < ig->n; i++)
		free(ig->v[i].pattern);
	if (ig)
		free(ig->v);
}

/* Component-wise match with "**" = any number of components. */
static bool
match_parts(char **pat, char **path)
{
	if (!*pat)
		return !*path;
	if (strcmp(*pat, "**") == 0) {
		for (char **p = path;; p++) {
			if (match_parts(pat + 1, p))
				return true;
			if (!*p)
				return false;
		}
	}
	if (!*path || match_glob(*pat, *path) != 1)
		return false;
	return match_parts(pat + 1, path + 1);
}

static bool
pattern_matches(const char *pattern, const char *path)
{
	_cleanup_strv_ char **pat = strv_split(pattern, "/");
	_cleanup_strv_ char **parts = strv_split(path, "/");
	size_t np = strv_len(parts);

	/* The path itself, or one of its parent directories (a pattern that
	 * names a directory excludes what is inside). */
	for (size_t k = np; k > 0; k--) {
		char *saved = parts[k];
		parts[k] = NULL;
		bool m = match_parts(pat, parts);
		parts[k] = saved;
		if (m)
			return true;
	}
	return false;
}

bool
ignore_matches(const struct ignore *ig, const char *path)
{
	_cleanup_free_ char *c = clean_path(path);
	bool excluded = false;

	for (size_t i = 0; ig && i < ig->n; i++)
		if (pattern_matches(ig->v[i].pattern, c))
			excluded = !ig->v[i].negate;
	return excluded;
}
