/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/registry/registry_auth.h"
#include "engine/util/digest.h"

static char *
b64url(const char *s)
{
	char *b = base64_encode(s, strlen(s));
	for (char *p = b; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return b;
}

Test(registry_auth, decode_anonymous)
{
	struct registry_auth *a = (void *)1;
	struct err e = ERR_INIT;

	cr_expect_eq(registry_auth_decode("e30=", &a, &e), 0);
	cr_expect_null(a);
	cr_expect_eq(registry_auth_decode(NULL, &a, &e), 0);
	cr_expect_null(a);
}

Test(registry_auth, decode_fields_and_auth_split)
{
	char *h = b64url("{\"auth\":\"dXNlcjpwYTpzcw==\",\"serveraddress\":\"localhost:5000\",\"unknown\":1}");
	struct registry_auth *a = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(registry_auth_decode(h, &a, &e), 0, "%s", e.msg);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->username, "user");
	cr_expect_str_eq(a->password, "pa:ss");
	cr_expect_str_eq(a->serveraddress, "localhost:5000");
	cr_expect(registry_auth_has_credentials(a));
	registry_auth_free(a);
	free(h);
}

Test(registry_auth, decode_rejects_bad_values_without_echoing_secrets)
{
	static const char *bad_json[] = {"[1]", "{\"username\":5}", "{\"password\":\"a\\r\\nX: y\"}",
					 "{\"auth\":\"!!!\"}", "{\"auth\":\"bm9jb2xvbg==\"}", "not json"};
	struct registry_auth *a = NULL;
	struct err e = ERR_INIT;

	cr_expect_eq(registry_auth_decode("%%%", &a, &e), -EINVAL);
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		char *h = b64url(bad_json[i]);
		err_clear(&e);
		cr_expect_eq(registry_auth_decode(h, &a, &e), -EINVAL, "case %zu", i);
		cr_expect_null(a);
		cr_expect_null(strstr(e.msg, "X: y"));
		free(h);
	}
}

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
