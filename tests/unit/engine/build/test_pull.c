/* SPDX-License-Identifier: Apache-2.0 */
/* X-Registry-Config credential selection (dockerd's ResolveAuthConfig). */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>

#include "engine/build/pull.h"
#include "engine/registry/registry_auth.h"

static struct registry_auth *
pick(const char *config, const char *domain, int want)
{
	json_t *j = config ? json_loads(config, 0, NULL) : NULL;
	struct registry_auth *a = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(build_auth_select(j, domain, &a, &e), want);
	json_decref(j);
	return a;
}

Test(pull, auth_select)
{
	const char *cfg = "{\"https://index.docker.io/v1/\":{\"username\":\"hub\",\"password\":\"h\"},"
			  "\"https://reg.example:5000/v2/\":{\"username\":\"legacy\",\"password\":\"l\"},"
			  "\"127.0.0.1:5000\":{\"username\":\"exact\",\"password\":\"x\"}}";
	struct registry_auth *a;

	a = pick(cfg, "docker.io", 0);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->username, "hub");
	registry_auth_free(a);
	a = pick(cfg, "127.0.0.1:5000", 0);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->username, "exact");
	registry_auth_free(a);
	a = pick(cfg, "reg.example:5000", 0);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->username, "legacy");
	registry_auth_free(a);
	cr_expect_null(pick(cfg, "other.example", 0));
	cr_expect_null(pick(NULL, "docker.io", 0));
	cr_expect_null(pick("[]", "docker.io", 0));
	/* Docker Hub matches its exact key only. */
	cr_expect_null(pick("{\"docker.io\":{\"username\":\"u\"}}", "docker.io", 0));
	cr_expect_null(pick("{\"h\":\"notanobject\"}", "h", -EINVAL));
	cr_expect_null(pick("{\"h\":{\"username\":5}}", "h", -EINVAL));
}
