/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed readers for Docker request bodies. Each reads one key from a JSON
 * object, accepts absence and null as "unset", and on a wrong type fails
 * with -EINVAL and a message naming the field ("json: cannot unmarshal
 * number into field Config.Env of type []string"), as clients expect a 400
 * that says which field is wrong.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/util/err.h"

int jx_str(json_t *obj, const char *key, const char *path, char **ret, struct err *e);
int jx_bool(json_t *obj, const char *key, const char *path, bool *ret, struct err *e);
int jx_int64(json_t *obj, const char *key, const char *path, int64_t *ret, struct err *e);
int jx_int(json_t *obj, const char *key, const char *path, int *ret, struct err *e);
/* An array of strings; with @allow_string a lone string is one element (Docker's strslice). */
int jx_strv(json_t *obj, const char *key, const char *path, bool allow_string, char ***ret,
	    struct err *e);
/* The keys of an object (ExposedPorts, Volumes). */
int jx_keys(json_t *obj, const char *key, const char *path, char ***ret, struct err *e);
/* An object whose values are all strings (Labels); a new reference or NULL. */
int jx_strmap(json_t *obj, const char *key, const char *path, json_t **ret, struct err *e);
/* Any object (opaque), as a new reference or NULL. */
int jx_obj(json_t *obj, const char *key, const char *path, json_t **ret, struct err *e);

/*
 * Nesting depth of @j (a scalar is 0, [] and {} are 1). Once a branch is
 * found deeper than @stop its siblings are skipped, so the answer is exact
 * up to @stop and only "more than @stop" past it. jansson's parser stops
 * at 2048 levels, so the walk is bounded. Request bodies deeper than
 * LIMIT_JSON_DEPTH are refused with 400.
 */
size_t jx_depth(json_t *j, size_t stop);
