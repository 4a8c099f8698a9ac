/* SPDX-License-Identifier: Apache-2.0 */
/* NULL-terminated string vectors; see strv.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

char **
strv_dup(char *const *v)
{
	size_t n = strv_len(v);
	char **out;

	if (!v)
		return NULL;
	out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

char **
strv_copy_nonnull(char *const *v)
{
	char **out = strv_dup(v);
	return out ? out : xcalloc(1, sizeof(char *));
}

size_t
strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void
strv_append(char ***v, const char *s)
{
	size_t n = strv_len(*v);
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

json_t *
strv_to_json(char *const *v)
{
	json_t *a;

	if (!v)
		return json_null();
	a = json_array();
	for (size_t i = 0; v[i]; i++) {
		json_t *s = json_string(v[i]);
		json_array_append_new(a, s ? s : json_string(""));
	}
	return a;
}

int
strv_from_json(json_t *j, char ***ret)
{
	size_t i;
	json_t *item;
	char **out;

	*ret = NULL;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_array(j))
		return -EINVAL;
	json_array_foreach(j, i, item)
		if (!json_is_string(item))
			return -EINVAL;
	out = xcalloc(json_array_size(j) + 1, sizeof(char *));
	json_array_foreach(j, i, item)
		out[i] = xstrdup(json_string_value(item));
	*ret = out;
	return 0;
}

char **
strv_split(const char *s, const char *seps)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char **v = xcalloc(1, sizeof(char *));
	char *save = NULL;

	for (char *c = strtok_r(copy, seps, &save); c; c = strtok_r(NULL, seps, &save))
		strv_append(&v, c);
	return v;
}

bool
strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}
