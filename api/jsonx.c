/* SPDX-License-Identifier: Apache-2.0 */
/* Typed JSON readers for request bodies; see jsonx.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "api/jsonx.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static const char *
kind(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER:
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "null";
	}
}

static int
bad(struct err *e, json_t *v, const char *path, const char *want)
{
	return err_set(e, -EINVAL, "json: cannot unmarshal %s into field %s of type %s", kind(v),
		       path, want);
}

static json_t *
get(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return v && !json_is_null(v) ? v : NULL;
}

int
jx_str(json_t *obj, const char *key, const char *path, char **ret, struct err *e)
{
	json_t *v = get(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad(e, v, path, "string");
	free(*ret);
	*ret = xstrdup(json_string_value(v));
	return 0;
}

int
jx_bool(json_t *obj, const char *key, const char *path, bool *ret, struct err *e)
{
	json_t *v = get(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(e, v, path, "bool");
	*ret = json_is_true(v);
	return 0;
}

int
jx_int64(json_t *obj, const char *key, const char *path, int64_t *ret, struct err *e)
{
	json_t *v = get(obj, key);

	if (!v)
		return 0;
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != (double)(int64_t)d)
			return bad(e, v, path, "int64");
		*ret = (int64_t)d;
		return 0;
	}
	if (!json_is_integer(v))
		return bad(e, v, path, "int64");
	*ret = json_integer_value(v);
	return 0;
}

int
jx_int(json_t *obj, const char *key, const char *path, int *ret, struct err *e)
{
	int64_t v = *ret;
	int r = jx_int64(obj, key, path, &v, e);

	if (r < 0)
		return r;
	if (v < INT32_MIN || v > INT32_MAX)
		return err_set(e, -EINVAL, "json: value %lld overflows field %s of type int",
			       (long long)v, path);
	*ret = (int)v;
	return 0;
}

int
jx_strv(json_t *obj, const char *key, const char *path, bool allow_string, char ***ret,
	struct err *e)
{
	json_t *v = get(obj, key);
	char **out = NULL;

	if (!v)
		return 0;
	if (json_is_string(v) && allow_string) {
		strv_append(&out, json_string_value(v));
	} else if (json_is_array(v)) {
		if (strv_from_json(v, &out) < 0)
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal a non-string into field %s of type []string",
				       path);
	} else {
		return bad(e, v, path, "[]string");
	}
	strv_free(*ret);
	*ret = out;
	return 0;
}

int
jx_keys(json_t *obj, const char *key, const char *path, char ***ret, struct err *e)
{
	json_t *v = get(obj, key), *x;
	const char *k;
	char **out = NULL;

	if (!v)
		return 0;
	if (!json_is_object(v))
		return bad(e, v, path, "map[string]struct{}");
	json_object_foreach(v, k, x)
		strv_append(&out, k);
	strv_free(*ret);
	*ret = out;
	return 0;
}

int
jx_strmap(json_t *obj, const char *key, const char *path, json_t **ret, struct err *e)
{
	json_t *v = get(obj, key), *x;
	const char *k;

	if (!v)
		return 0;
	if (!json_is_object(v))
		return bad(e, v, path, "map[string]string");
	json_object_foreach(v, k, x)
		if (!json_is_string(x))
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal %s into field %s of type string", kind(x),
				       path);
	json_decref(*ret);
	*ret = json_deep_copy(v);
	return 0;
}

int
jx_obj(json_t *obj, const char *key, const char *path, json_t **ret, struct err *e)
{
	json_t *v = get(obj, key);

	if (!v)
		return 0;
	if (!json_is_object(v))
		return bad(e, v, path, "object");
	json_decref(*ret);
	*ret = json_incref(v);
	return 0;
}
