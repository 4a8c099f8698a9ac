/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/registry/registry_auth.h"

Test(registry_auth, challenge_bearer)
{
	struct registry_challenge c = {0};

	cr_assert_eq(registry_auth_parse_challenge(
			     "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
			     "scope=\"repository:library/alpine:pull,push\",error=\"insufficient_scope\"", &c), 0);
	cr_expect_eq(c.scheme, REGISTRY_SCHEME_BEARER);
	cr_expect_str_eq(c.realm, "https://auth.docker.io/token");
	cr_expect_str_eq(c.service, "registry.docker.io");
	cr_expect_str_eq(c.scope, "repository:library/alpine:pull,push");
	cr_expect_str_eq(c.error, "insufficient_scope");
	registry_auth_challenge_release(&c);
}

Test(registry_auth, challenge_basic_escapes_and_multiple)
{
	struct registry_challenge c = {0};

	cr_assert_eq(registry_auth_parse_challenge("Basic realm=\"a \\\"q\\\" b\"", &c), 0);
	cr_expect_eq(c.scheme, REGISTRY_SCHEME_BASIC);
	cr_expect_str_eq(c.realm, "a \"q\" b");
	registry_auth_challenge_release(&c);
	/* Bearer preferred even when listed second; unknown schemes skipped. */
	cr_assert_eq(registry_auth_parse_challenge(
			     "Basic realm=\"r\", Negotiate, Bearer realm=\"https://t/x\" , service=s", &c), 0);
	cr_expect_eq(c.scheme, REGISTRY_SCHEME_BEARER);
	cr_expect_str_eq(c.realm, "https://t/x");
	cr_expect_str_eq(c.service, "s");
	registry_auth_challenge_release(&c);
}

Test(registry_auth, challenge_invalid)
{
	struct registry_challenge c = {0};

	cr_expect_lt(registry_auth_parse_challenge("", &c), 0);
	cr_expect_lt(registry_auth_parse_challenge("Negotiate abc", &c), 0);
	cr_expect_lt(registry_auth_parse_challenge("Bearer service=\"x\"", &c), 0); /* no realm */
	cr_expect_lt(registry_auth_parse_challenge("Bearer realm=\"unterminated", &c), 0);
	cr_expect_lt(registry_auth_parse_challenge("Bearer realm=\"a\" junk junk=", &c), 0);
}

Test(registry_auth, token_reply)
{
	struct registry_token t = {0};
	const char *a = "{\"token\":\"T1\",\"access_token\":\"T2\",\"expires_in\":300,\"refresh_token\":\"R\"}";
	const char *b = "{\"access_token\":\"T2\",\"expires_in\":5}";

	cr_assert_eq(registry_auth_parse_token(a, strlen(a), &t), 0);
	cr_expect_str_eq(t.token, "T1");
	cr_expect_str_eq(t.refresh_token, "R");
	cr_expect_eq(t.expires_in, 300);
	registry_auth_token_release(&t);
	cr_assert_eq(registry_auth_parse_token(b, strlen(b), &t), 0);
	cr_expect_str_eq(t.token, "T2");
	cr_expect_eq(t.expires_in, 60);
	registry_auth_token_release(&t);
	cr_expect_lt(registry_auth_parse_token("{}", 2, &t), 0);
	cr_expect_lt(registry_auth_parse_token("{\"token\":\"a\\nb\"}", 16, &t), 0);
}
