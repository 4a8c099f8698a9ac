/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "api/router.h"

static void
free_params(char *p[API_MAX_PARAMS])
{
	for (int i = 0; i < API_MAX_PARAMS; i++) {
		free(p[i]);
		p[i] = NULL;
	}
}

Test(router, greedy_name_keeps_suffix)
{
	char *p[API_MAX_PARAMS] = {0};

	cr_assert(router_pattern_match("/images/{name*}/json",
				       "/images/127.0.0.1:5000/a/b:1/json", p));
	cr_expect_str_eq(p[0], "127.0.0.1:5000/a/b:1");
	free_params(p);
	cr_assert(router_pattern_match("/images/{name*}/json", "/images/json/json", p));
	cr_expect_str_eq(p[0], "json");
	free_params(p);
	cr_expect_not(router_pattern_match("/images/{name*}/json", "/images/json", p));
	cr_assert(router_pattern_match("/images/{name*}", "/images/alpine@sha256:ab", p));
	cr_expect_str_eq(p[0], "alpine@sha256:ab");
	free_params(p);
}

Test(router, single_segment_param)
{
	char *p[API_MAX_PARAMS] = {0};

	cr_assert(router_pattern_match("/containers/{id}/start", "/containers/abc/start", p));
	cr_expect_str_eq(p[0], "abc");
	free_params(p);
	cr_expect_not(router_pattern_match("/containers/{id}/start", "/containers/a/b/start", p));
}

Test(router, version_prefix)
{
	int maj = 0, min = 0;
	const char *rest = NULL;

	cr_expect_eq(router_split_version("/v1.41/containers/json", &maj, &min, &rest), 1);
	cr_expect_eq(maj, 1);
	cr_expect_eq(min, 41);
	cr_expect_str_eq(rest, "/containers/json");
	cr_expect_eq(router_split_version("/_ping", &maj, &min, &rest), 0);
	cr_expect_str_eq(rest, "/_ping");
	cr_expect_eq(router_split_version("/v1/x", &maj, &min, &rest), -EINVAL);
	cr_expect_eq(router_split_version("/volumes", &maj, &min, &rest), 0);
}

Test(router, real_table_has_ping)
{
	char *p[API_MAX_PARAMS] = {0};

	cr_expect_not_null(router_match("HEAD", "/_ping", p));
	cr_expect_not_null(router_match("GET", "/_ping", p));
	cr_expect_null(router_match("DELETE", "/_ping", p));
	cr_expect_null(router_match("GET", "/nope", p));
}
