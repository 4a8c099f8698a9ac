/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed getters for members of JSON objects: the one implementation of
 * "read key K as type T" for request bodies (api/jsonx.h words their
 * errors the way Docker clients expect), berth's own state and spec files
 * and image configs. A member that is absent or null is "unset"; an @obj
 * that is not an object has no members. Getters that replace *ret free or
 * release its old value only on success.
 *
 * Returns, unless said otherwise: 1 when the member is set (and *ret
 * written), 0 when unset (*ret untouched), -EINVAL when the member has the
 * wrong type, -EDOM when it is a container holding an element of the wrong
 * type. No error messages here: callers name the field in their own words.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The member @key of @obj, or NULL when unset or @obj is not an object. */
json_t *jsonget(json_t *obj, const char *key);

/* The member as a borrowed string, or NULL when unset or not a string. */
const char *jsonget_cstr(json_t *obj, const char *key);

/* The kind of @v as Go's decoder names it: "object", "array", "string",
 * "number", "bool" or "null" (also for NULL). */
const char *jsonget_kind(const json_t *v);

/* A string, copied into *ret. */
int jsonget_str(json_t *obj, const char *key, char **ret);

/* A boolean. */
int jsonget_bool(json_t *obj, const char *key, bool *ret);

/* An integer; a real with an integral value (1.0) counts, as JSON numbers
 * carry no integer type. -ERANGE for a real out of int64's range. */
int jsonget_int64(json_t *obj, const char *key, int64_t *ret);

/* An array of strings as a new strv; with @allow_string a lone string is a
 * one-element list (Docker's strslice). */
int jsonget_strv(json_t *obj, const char *key, bool allow_string, char ***ret);

/* The keys of an object (ExposedPorts, Volumes) as a new strv. */
int jsonget_keys(json_t *obj, const char *key, char ***ret);

/* An object whose values are all strings (labels), deep-copied into *ret. */
int jsonget_strmap(json_t *obj, const char *key, json_t **ret);

/* Any object, as a new reference in *ret. */
int jsonget_obj(json_t *obj, const char *key, json_t **ret);

/*
 * A JSON string for @s (NULL gives ""); bytes that are not UTF-8 (a
 * client's bytes echoed back) become '?', so the value is never dropped.
 */
json_t *jsonget_text(const char *s);
