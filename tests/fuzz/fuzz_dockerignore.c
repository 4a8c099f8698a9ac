/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .dockerignore patterns and COPY wildcards (engine/build/match.c): the
 * input's first line is a path, the rest a .dockerignore; every pattern is
 * also tried as a Go filepath.Match pattern against the path.
 */
#include "config.h"

#include "engine/build/match.h"
#include "engine/util/cleanup.h"
#include "tests/fuzz/fuzz.h"

FUZZ_TARGET(dockerignore)
{
	_cleanup_free_ char *s = fuzz_str(data, size);
	char *nl = strchr(s, '\n');
	const char *path = s, *text = nl ? nl + 1 : "";
	struct ignore ig = {0};
	struct err e = ERR_INIT;

	if (nl)
		*nl = '\0';
	(void)match_has_meta(path);
	if (ignore_parse(text, strlen(text), &ig, &e) < 0)
		return 0;
	(void)ignore_matches(&ig, path);
	for (size_t i = 0; i < ig.n; i++)
		(void)match_glob(ig.v[i].pattern, path);
	ignore_release(&ig);
	return 0;
}
