/* SPDX-License-Identifier: Apache-2.0 */
/* Docker filter sets; see filters.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/filters.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* A filter set is just the normalised JSON: key -> array of strings. */
struct filters {
	json_t *map;
};

int
filters_parse(const char *text, struct filters **ret, struct err *e)
{
	_cleanup_filters_ struct filters *f = xcalloc(1, sizeof(*f));
	json_error_t jerr;
	json_t *root, *v;
	const char *key;

	/* *ret only on success (it was also set on failure, leaving the
	 * caller to free it: found by tests/fuzz/fuzz_filters) */
	f->map = json_object();
	if (!text || !*text) {
		*ret = TAKE_PTR(f);
		return 0;
	}
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return err_set(e, -EINVAL, "invalid filter: %s", root ? "not an object" : jerr.text);
	}
	json_object_foreach(root, key, v) {
		json_t *vals = json_array(), *item;
		const char *val;
		size_t i;

		if (json_is_object(v)) {
			json_object_foreach(v, val, item)
				if (json_is_true(item))
					json_array_append_new(vals, json_string(val));
		} else if (json_is_array(v)) {
			json_array_foreach(v, i, item) {
				if (!json_is_string(item)) {
					int r = err_set(e, -EINVAL,
							"invalid filter '%s': values must be strings", key);
					json_decref(vals);
					json_decref(root);
					return r;
				}
				json_array_append(vals, item);
			}
		} else {
			/* @key lives in @root: format the message before freeing it. */
			int r = err_set(e, -EINVAL, "invalid filter '%s'", key);
			json_decref(vals);
			json_decref(root);
			return r;
		}
		json_object_set_new(f->map, key, vals);
	}
	json_decref(root);
	*ret = TAKE_PTR(f);
	return 0;
}

void
filters_free(struct filters *f)
{
	if (!f)
		return;
	json_decref(f->map);
	free(f);
}

int
filters_check_keys(const struct filters *f, const char *const *allowed, struct err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(f->map, key, v) {
		bool known = false;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0)
				known = true;
		if (!known)
			return err_set(e, -EINVAL, "invalid filter '%s'", key);
	}
	return 0;
}

bool
filters_has(const struct filters *f, const char *key)
{
	/* with a value: {"until":{"10m":false}} keeps the key and no value,
	 * and callers read value 0 of a key they have (a NULL: berthd crashed
	 * on it; found by tests/fuzz/fuzz_filters) */
	return json_array_size(json_object_get(f->map, key)) > 0;
}

size_t
filters_count(const struct filters *f, const char *key)
{
	return json_array_size(json_object_get(f->map, key));
}

const char *
filters_value(const struct filters *f, const char *key, size_t i)
{
	return json_string_value(json_array_get(json_object_get(f->map, key), i));
}

bool
filters_match_exact(const struct filters *f, const char *key, const char *value)
{
	size_t n = filters_count(f, key);

	if (!filters_has(f, key))
		return true;
	for (size_t i = 0; i < n; i++)
		if (value && strcmp(filters_value(f, key, i), value) == 0)
			return true;
	return false;
}

int
filters_get_bool(const struct filters *f, const char *key, bool dflt, bool *ret, struct err *e)
{
	size_t n = filters_count(f, key);
	bool seen_true = false, seen_false = false;

	for (size_t i = 0; i < n; i++) {
		bool b;
		const char *v = filters_value(f, key, i);
		if (parse_strict_bool(v, &b) < 0)
			return err_set(e, -EINVAL,
				       "invalid filter '%s=%s': must be a boolean value (true or false)",
				       key, v);
		if (b)
			seen_true = true;
		else
			seen_false = true;
	}
	if (seen_true && seen_false)
		return err_set(e, -EINVAL, "invalid filter '%s': both true and false given", key);
	*ret = n == 0 ? dflt : seen_true;
	return 0;
}

bool
filters_match_labels(const struct filters *f, const char *key, json_t *labels)
{
	bool negate = str_endswith(key, "!");
	size_t n = filters_count(f, key);

	for (size_t i = 0; i < n; i++) {
		const char *want = filters_value(f, key, i);
		const char *eq = strchr(want, '=');
		_cleanup_free_ char *k = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
		json_t *have = labels ? json_object_get(labels, k) : NULL;
		bool match = have && (!eq || (json_is_string(have) &&
					      strcmp(json_string_value(have), eq + 1) == 0));
		if (match == negate)
			return false;
	}
	return true;
}

int
filters_get_until(const struct filters *f, int64_t *ret_ns, struct err *e)
{
	const char *u;
	int64_t d;

	*ret_ns = 0;
	if (!filters_has(f, "until"))
		return 0;
	if (filters_count(f, "until") > 1)
		return err_set(e, -EINVAL, "more than one until filter specified");
	u = filters_value(f, "until", 0);
	/* timetypes.GetTimestamp: a duration first, except "0" (a timestamp) */
	if (strcmp(u, "0") != 0 && parse_go_duration(u, &d) == 0) {
		*ret_ns = time_now_ns() - d;
		return 0;
	}
	if (time_parse_timestamp(u, ret_ns) < 0)
		return err_set(e, -EINVAL, "failed to parse value as time or duration: \"%s\"", u);
	return 0;
}
