/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AuthConfig decoders (X-Registry-Auth, X-Registry-Config, the /auth
 * body) and, through them, the per-registry credential selection a build
 * uses (dockerd's ResolveAuthConfig).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/authconfig.h"
#include "engine/util/digest.h"
#include "engine/util/limits.h"
#include "engine/util/xalloc.h"

/* URL-safe base64 without padding, as the docker CLI sends it. */
static char *
b64url(const char *s)
{
	char *b = base64_encode(s, strlen(s));
	for (char *p = b; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return b;
}

Test(authconfig, decode_anonymous)
{
	struct registry_creds *a = (void *)1;
	struct err e = ERR_INIT;

	cr_expect_eq(authconfig_decode("e30=", &a, &e), 0);
	cr_expect_null(a);
	cr_expect_eq(authconfig_decode("e30", &a, &e), 0);
	cr_expect_null(a);
	cr_expect_eq(authconfig_decode(NULL, &a, &e), 0);
	cr_expect_null(a);
	cr_expect_eq(authconfig_decode("", &a, &e), 0);
	cr_expect_null(a);
}

Test(authconfig, decode_fields_and_auth_split)
{
	char *h = b64url("{\"auth\":\"dXNlcjpwYTpzcw==\",\"serveraddress\":\"localhost:5000\",\"unknown\":1}");
	struct registry_creds *a = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(authconfig_decode(h, &a, &e), 0, "%s", e.msg);
	cr_assert_not_null(a);
	cr_expect_str_eq(a->username, "user");
	cr_expect_str_eq(a->password, "pa:ss");
	cr_expect_str_eq(a->serveraddress, "localhost:5000");
	cr_expect(registry_creds_has_secret(a));
	registry_creds_free(a);
	free(h);
}

/* Padded standard base64 and unpadded URL-safe base64 decode alike. */
Test(authconfig, decode_std_and_urlsafe_padding)
{
	/* 16 bytes of JSON whose base64 needs padding and uses '+' / '/'. */
	const char *json = "{\"username\":\"~?~\",\"password\":\"p\"}";
	char *std = base64_encode(json, strlen(json));
	char *url = b64url(json);
	struct registry_creds *a = NULL, *b = NULL;
	struct err e = ERR_INIT;

	cr_assert(strpbrk(std, "+/") != NULL, "test data must exercise the alphabets: %s", std);
	for (char *p = url + strlen(url); p > url && p[-1] == '='; p--)
		p[-1] = '\0';
	cr_assert_eq(authconfig_decode(std, &a, &e), 0, "%s", e.msg);
	cr_assert_eq(authconfig_decode(url, &b, &e), 0, "%s", e.msg);
	cr_expect_str_eq(a->username, "~?~");
	cr_expect_str_eq(b->username, "~?~");
	cr_expect_str_eq(b->password, "p");
	cr_expect_null(b->serveraddress);
	registry_creds_free(a);
	registry_creds_free(b);
	free(std);
	free(url);
}

/* Explicit username/password win over `auth`; an empty user from `auth` is unset. */
Test(authconfig, auth_only_fills_unset_fields)
{
	char *h = b64url("{\"username\":\"u\",\"password\":\"p\",\"auth\":\"eDp5\"}");
	char *h2 = b64url("{\"auth\":\"OnB3\"}"); /* ":pw" */
	struct registry_creds *a = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(authconfig_decode(h, &a, &e), 0, "%s", e.msg);
	cr_expect_str_eq(a->username, "u");
	cr_expect_str_eq(a->password, "p");
	registry_creds_free(a);
	cr_assert_eq(authconfig_decode(h2, &a, &e), 0, "%s", e.msg);
	cr_expect_null(a->username);
	cr_expect_str_eq(a->password, "pw");
	registry_creds_free(a);
	free(h);
	free(h2);
}

Test(authconfig, decode_rejects_bad_values_without_echoing_secrets)
{
	static const char *bad_json[] = {"[1]", "{\"username\":5}", "{\"password\":\"a\\r\\nX: y\"}",
					 "{\"auth\":\"!!!\"}", "{\"auth\":\"bm9jb2xvbg==\"}", "not json",
					 "{\"email\":[]}", "{\"a\":1,\"a\":2}"};
	struct registry_creds *a = NULL;
	struct err e = ERR_INIT;

	cr_expect_eq(authconfig_decode("%%%", &a, &e), -EINVAL);
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		char *h = b64url(bad_json[i]);
		err_clear(&e);
		cr_expect_eq(authconfig_decode(h, &a, &e), -EINVAL, "case %zu", i);
		cr_expect_null(a);
		cr_expect_null(strstr(e.msg, "X: y"));
		free(h);
	}
}

Test(authconfig, decode_refuses_oversized_header)
{
	char *h = xmalloc(LIMIT_REGISTRY_AUTH + 2);
	struct registry_creds *a = NULL;
	struct err e = ERR_INIT;

	memset(h, 'A', LIMIT_REGISTRY_AUTH + 1);
	h[LIMIT_REGISTRY_AUTH + 1] = '\0';
	cr_expect_eq(authconfig_decode(h, &a, &e), -E2BIG);
	cr_expect_null(a);
	free(h);
}

/* The /auth body: wrong types read like other body fields; `auth` is split too. */
Test(authconfig, body_object)
{
	json_t *ok = json_pack("{s:s,s:s}", "auth", "dXNlcjpwdw==", "serveraddress", "r:5000");
	json_t *bad = json_pack("{s:i}", "username", 5);
	struct registry_creds *a = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(authconfig_from_json(ok, NULL, &a, &e), 0, "%s", e.msg);
	cr_expect_str_eq(a->username, "user");
	cr_expect_str_eq(a->password, "pw");
	cr_expect_str_eq(a->serveraddress, "r:5000");
	registry_creds_free(a);
	cr_expect_eq(authconfig_from_json(bad, NULL, &a, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "json: cannot unmarshal number into field username of type string");
	json_decref(ok);
	json_decref(bad);
}

static const struct registry_creds *
pick(const struct registry_creds_set *s, const char *domain, int want)
{
	const struct registry_creds *a = (void *)1;
	struct err e = ERR_INIT;

	cr_assert_eq(registry_creds_select(s, domain, &a, &e), want, "%s: %s", domain, e.msg);
	return a;
}

static void
config_of(const char *json, struct registry_creds_set *ret)
{
	char *h = json ? b64url(json) : NULL;

	authconfig_decode_config(h, ret);
	free(h);
}

Test(authconfig, config_select)
{
	const char *cfg = "{\"https://index.docker.io/v1/\":{\"username\":\"hub\",\"password\":\"h\"},"
			  "\"https://reg.example:5000/v2/\":{\"username\":\"legacy\",\"password\":\"l\"},"
			  "\"127.0.0.1:5000\":{\"username\":\"exact\",\"password\":\"x\"}}";
	struct registry_creds_set s = {0};

	config_of(cfg, &s);
	cr_assert_eq(s.n, 3);
	cr_expect_str_eq(pick(&s, "docker.io", 0)->username, "hub");
	cr_expect_str_eq(pick(&s, "127.0.0.1:5000", 0)->username, "exact");
	cr_expect_str_eq(pick(&s, "reg.example:5000", 0)->username, "legacy");
	cr_expect_null(pick(&s, "other.example", 0));
	cr_expect_null(pick(NULL, "docker.io", 0));
	registry_creds_set_release(&s);

	config_of("[]", &s);
	cr_expect_null(pick(&s, "docker.io", 0));
	registry_creds_set_release(&s);
	/* Docker Hub matches its exact key only. */
	config_of("{\"docker.io\":{\"username\":\"u\"}}", &s);
	cr_expect_null(pick(&s, "docker.io", 0));
	registry_creds_set_release(&s);
	/* A malformed entry fails only the pull that needs it. */
	config_of("{\"h\":\"notanobject\",\"g\":{\"username\":5},\"ok\":{\"username\":\"o\"}}", &s);
	cr_expect_null(pick(&s, "h", -EINVAL));
	cr_expect_null(pick(&s, "g", -EINVAL));
	cr_expect_str_eq(pick(&s, "ok", 0)->username, "o");
	registry_creds_set_release(&s);
}

Test(authconfig, config_undecodable_is_empty)
{
	struct registry_creds_set s = {0};

	authconfig_decode_config("!!not-base64!!", &s);
	cr_expect_eq(s.n, 0);
	authconfig_decode_config(NULL, &s);
	cr_expect_eq(s.n, 0);
	config_of("not json", &s);
	cr_expect_eq(s.n, 0);
	registry_creds_set_release(&s);
}
