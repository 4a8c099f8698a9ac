/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed JSON readers for request bodies; see jsonx.h. The type checks are
 * engine/util/jsonget's; this file only words the errors as Go's decoder
 * does, which is what Docker clients show.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "api/jsonx.h"
#include "engine/util/jsonget.h"

static int
bad(struct err *e, json_t *obj, const char *key, const char *path, const char *want)
{
	return err_set(e, -EINVAL, "json: cannot unmarshal %s into field %s of type %s",
		       jsonget_kind(jsonget(obj, key)), path, want);
}

/* 0 for jsonget's 0/1, else the wire error. */
static int
check(int r, struct err *e, json_t *obj, const char *key, const char *path, const char *want)
{
	return r < 0 ? bad(e, obj, key, path, want) : 0;
}

int
jx_str(json_t *obj, const char *key, const char *path, char **ret, struct err *e)
{
	return check(jsonget_str(obj, key, ret), e, obj, key, path, "string");
}

int
jx_bool(json_t *obj, const char *key, const char *path, bool *ret, struct err *e)
{
	return check(jsonget_bool(obj, key, ret), e, obj, key, path, "bool");
}

int
jx_int64(json_t *obj, const char *key, const char *path, int64_t *ret, struct err *e)
{
	return check(jsonget_int64(obj, key, ret), e, obj, key, path, "int64");
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
	int r = jsonget_strv(obj, key, allow_string, ret);

	if (r == -EDOM)
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal a non-string into field %s of type []string",
			       path);
	return check(r, e, obj, key, path, "[]string");
}

int
jx_keys(json_t *obj, const char *key, const char *path, char ***ret, struct err *e)
{
	return check(jsonget_keys(obj, key, ret), e, obj, key, path, "map[string]struct{}");
}

int
jx_strmap(json_t *obj, const char *key, const char *path, json_t **ret, struct err *e)
{
	int r = jsonget_strmap(obj, key, ret);
	json_t *v = jsonget(obj, key), *x = NULL;
	const char *k;

	if (r != -EDOM)
		return check(r, e, obj, key, path, "map[string]string");
	/* Name the kind of the first value that is not a string. */
	json_object_foreach(v, k, x)
		if (!json_is_string(x))
			break;
	return err_set(e, -EINVAL, "json: cannot unmarshal %s into field %s of type string",
		       jsonget_kind(x), path);
}

int
jx_obj(json_t *obj, const char *key, const char *path, json_t **ret, struct err *e)
{
	return check(jsonget_obj(obj, key, ret), e, obj, key, path, "object");
}

size_t
jx_depth(json_t *j, size_t stop)
{
	size_t max = 0, i;
	const char *k;
	json_t *v;

	if (json_is_object(j)) {
		json_object_foreach(j, k, v) {
			if (max > stop)
				break;
			size_t d = jx_depth(v, stop);
			if (d > max)
				max = d;
		}
		return max + 1;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			if (max > stop)
				break;
			size_t d = jx_depth(v, stop);
			if (d > max)
				max = d;
		}
		return max + 1;
	}
	return 0;
}
