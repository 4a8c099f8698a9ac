/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/registry/registry_creds.h"
#include "engine/util/xalloc.h"

static struct registry_creds *
user(const char *name)
{
	struct registry_creds *c = xcalloc(1, sizeof(*c));
	c->username = xstrdup(name);
	return c;
}

Test(registry_creds, select_like_resolve_auth_config)
{
	struct registry_creds_set s = {0};
	const struct registry_creds *c = NULL;
	struct err e = ERR_INIT;

	registry_creds_set_add(&s, "http://legacy.example/v1/", user("legacy"), NULL);
	registry_creds_set_add(&s, "legacy.example", user("exact"), NULL);
	registry_creds_set_add(&s, "bad.example", NULL, "invalid X-Registry-Config: x");
	registry_creds_set_add(&s, "https://index.docker.io/v1/", user("hub"), NULL);
	cr_expect_eq(registry_creds_select(&s, "legacy.example", &c, &e), 0);
	cr_expect_str_eq(c->username, "exact");
	cr_expect_eq(registry_creds_select(&s, "docker.io", &c, &e), 0);
	cr_expect_str_eq(c->username, "hub");
	cr_expect_eq(registry_creds_select(&s, "bad.example", &c, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "invalid X-Registry-Config: x");
	cr_expect_eq(registry_creds_select(&s, "none.example", &c, &e), 0);
	cr_expect_null(c);
	registry_creds_set_release(&s);
	cr_expect_eq(s.n, 0);
	registry_creds_set_release(&s);
}

Test(registry_creds, dup_and_has_secret)
{
	struct registry_creds *a = user("u"), *d;
	struct registry_creds only_server = { .serveraddress = (char *)"r" };

	d = registry_creds_dup(a);
	cr_expect_neq(d->username, a->username);
	cr_expect_str_eq(d->username, "u");
	cr_expect(registry_creds_has_secret(d));
	cr_expect_not(registry_creds_has_secret(&only_server));
	cr_expect_not(registry_creds_has_secret(NULL));
	cr_expect_null(registry_creds_dup(NULL));
	registry_creds_free(a);
	registry_creds_free(d);
	registry_creds_free(NULL);
}
