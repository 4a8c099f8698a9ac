/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path patterns of the build: Go's filepath.Match (COPY/ADD wildcards) and
 * .dockerignore rules (moby's patternmatcher: "**", "!" exceptions, last
 * match wins, a pattern matching a directory covers everything below it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/util/err.h"

/*
 * Go filepath.Match: '*' (no '/'), '?', '[...]' classes with '^' or '!'
 * negation and ranges, '\\' escapes. 1 on a match, 0 on none, -EINVAL for a
 * malformed pattern ("syntax error in pattern").
 */
int match_glob(const char *pattern, const char *name);

/* True when @p contains any of * ? [ (a wildcard source in COPY). */
bool match_has_meta(const char *p);

struct ignore_pattern {
	char *pattern;		/* cleaned, no leading '/' */
	bool negate;		/* "!" exception */
};

struct ignore {
	struct ignore_pattern *v;
	size_t n;
};

/* Parses .dockerignore text (comments, blank lines, BOM, "!" lines). */
int ignore_parse(const char *text, size_t len, struct ignore *ret, struct err *e);
void ignore_release(struct ignore *ig);

/* True when @path (relative to the context root, '/'-separated) is excluded. */
bool ignore_matches(const struct ignore *ig, const char *path);
