/* SPDX-License-Identifier: Apache-2.0 */
/* Typed JSON member getters; see jsonget.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

json_t *
jsonget(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return v && !json_is_null(v) ? v : NULL;
}

const char *
jsonget_cstr(json_t *obj, const char *key)
{
	return json_string_value(jsonget(obj, key));
}

const char *
jsonget_kind(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
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

int
jsonget_str(json_t *obj, const char *key, char **ret)
{
	json_t *v = jsonget(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	free(*ret);
	*ret = xstrdup(json_string_value(v));
	return 1;
}

int
jsonget_bool(json_t *obj, const char *key, bool *ret)
{
	json_t *v = jsonget(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return -EINVAL;
	*ret = json_is_true(v);
	return 1;
}

int
jsonget_int64(json_t *obj, const char *key, int64_t *ret)
{
	json_t *v = jsonget(obj, key);

	if (!v)
		return 0;
	if (json_is_real(v)) {
		double d = json_real_value(v);

		/* -2^63 is exact in a double, 2^63 is the first value past the range. */
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
			return -ERANGE;
		if (d != (double)(int64_t)d)
			return -EINVAL;
		*ret = (int64_t)d;
		return 1;
	}
	if (!json_is_integer(v))
		return -EINVAL;
	*ret = json_integer_value(v);
	return 1;
}

int
jsonget_strv(json_t *obj, const char *key, bool allow_string, char ***ret)
{
	json_t *v = jsonget(obj, key);
	char **out = NULL;

	if (!v)
		return 0;
	if (json_is_string(v) && allow_string)
		strv_append(&out, json_string_value(v));
	else if (!json_is_array(v))
		return -EINVAL;
	else if (strv_from_json(v, &out) < 0)
		return -EDOM;
	strv_free(*ret);
	*ret = out;
	return 1;
}

int
jsonget_keys(json_t *obj, const char *key, char ***ret)
{
	json_t *v = jsonget(obj, key), *x;
	const char *k;
	char **out = NULL;

	if (!v)
		return 0;
	if (!json_is_object(v))
		return -EINVAL;
	json_object_foreach(v, k, x)
		strv_append(&out, k);
	strv_free(*ret);
	*ret = out;
	return 1;
}

int
jsonget_strmap(json_t *obj, const char *key, json_t **ret)
{
	json_t *v = jsonget(obj, key), *x;
	const char *k;

	if (!v)
		return 0;
	if (!json_is_object(v))
		return -EINVAL;
	json_object_foreach(v, k, x)
		if (!json_is_string(x))
			return -EDOM;
	json_decref(*ret);
	*ret = json_deep_copy(v);
	return 1;
}

int
jsonget_obj(json_t *obj, const char *key, json_t **ret)
{
	json_t *v = jsonget(obj, key);

	if (!v)
		return 0;
	if (!json_is_object(v))
		return -EINVAL;
	json_decref(*ret);
	*ret = json_incref(v);
	return 1;
}

json_t *
jsonget_text(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *copy;

	if (j)
		return j;
	copy = xstrdup(s);
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j ? j : json_string("");
}
