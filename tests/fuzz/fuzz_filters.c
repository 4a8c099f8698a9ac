/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `filters` query parameter (api/filters.c): parse, then every accessor
 * the handlers use on it (keys check, values, bools, labels, until).
 */
#include "config.h"

#include <jansson.h>

#include "api/filters.h"
#include "engine/util/cleanup.h"
#include "tests/fuzz/fuzz.h"

FUZZ_TARGET(filters)
{
	static const char *const keys[] = {"label", "dangling", "until", "name", "status", NULL};
	_cleanup_free_ char *s = fuzz_str(data, size);
	_cleanup_json_ json_t *labels = json_pack("{s:s,s:s}", "a", "1", "com.x", "");
	struct filters *f = NULL;
	struct err e = ERR_INIT;
	int64_t until;
	bool b;

	fuzz_quiet();
	if (filters_parse(s, &f, &e) < 0)
		return 0;
	(void)filters_check_keys(f, keys, &e);
	for (size_t k = 0; keys[k]; k++) {
		size_t n = filters_count(f, keys[k]);
		for (size_t i = 0; i < n; i++)
			(void)filters_match_exact(f, keys[k], filters_value(f, keys[k], i));
		(void)filters_has(f, keys[k]);
	}
	(void)filters_get_bool(f, "dangling", false, &b, &e);
	(void)filters_match_labels(f, "label", labels);
	(void)filters_get_until(f, &until, &e);
	filters_free(f);
	return 0;
}
