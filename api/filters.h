/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's `filters` query parameter: a JSON object mapping a key to its
 * values, sent either as {"key":{"value":true}} (current clients) or
 * {"key":["value"]} (old ones). Parsed once, validated against the keys an
 * endpoint knows (unknown → 400 "invalid filter '<key>'").
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/util/err.h"

struct filters;

/* Parses @text (NULL or "" gives an empty set): 0 with *@ret (free it with
 * filters_free), or -EINVAL with @e and *@ret untouched. */
int filters_parse(const char *text, struct filters **ret, struct err *e);
void filters_free(struct filters *f);

/* -EINVAL "invalid filter '<key>'" unless every key is in @allowed (NULL-terminated). */
int filters_check_keys(const struct filters *f, const char *const *allowed, struct err *e);

/* True when @key has at least one value (a key whose values were all
 * false, {"k":{"v":false}}, has none). */
bool filters_has(const struct filters *f, const char *key);
/* Number of values for @key, and the i-th one. */
size_t filters_count(const struct filters *f, const char *key);
const char *filters_value(const struct filters *f, const char *key, size_t i);

/* True when @key is absent or one of its values equals @value. */
bool filters_match_exact(const struct filters *f, const char *key, const char *value);

/*
 * A boolean filter (dangling=true): 0 with *ret set (absent → @dflt),
 * -EINVAL for a non-boolean value or both true and false.
 */
int filters_get_bool(const struct filters *f, const char *key, bool dflt, bool *ret,
		     struct err *e);

/*
 * label=k / label=k=v against a JSON object of labels (NULL = none): true
 * when every label filter is satisfied (Docker ANDs label filters). @key is
 * usually "label"; "label!" negates each.
 */
bool filters_match_labels(const struct filters *f, const char *key, json_t *labels);

/*
 * The prune routes' "until" (moby's getUntilFromPruneFilters): a Go
 * duration before now ("10m", "1h30m"), Unix seconds with optional
 * fraction, or an RFC 3339 time. 0 in *@ret_ns when absent; -EINVAL with
 * dockerd's message for two values or one that does not parse.
 */
int filters_get_until(const struct filters *f, int64_t *ret_ns, struct err *e);

static inline void
filters_freep(struct filters **f)
{
	filters_free(*f);
}
#define _cleanup_filters_ __attribute__((cleanup(filters_freep)))
