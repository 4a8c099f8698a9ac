/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's AuthConfig wire forms → registry_creds; see authconfig.h. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/authconfig.h"
#include "api/jsonx.h"
#include "api/request.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/limits.h"
#include "engine/util/xalloc.h"

static void
wipe_free(unsigned char *p, size_t n)
{
	if (p) {
		explicit_bzero(p, n);
		free(p);
	}
}

/* No byte below 0x20 nor DEL: the value may end up in an HTTP header. */
static bool
header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Takes @key from @obj as a fresh string; absent, null or "" → NULL. */
static int
take_field(json_t *obj, const char *key, const char *what, char **ret, struct err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		if (!what)
			return jx_str(obj, key, key, ret, e);
		return err_set(e, -EINVAL, "invalid %s: field '%s' must be a string", what, key);
	}
	if (!header_safe(json_string_value(v)))
		return err_set(e, -EINVAL, "invalid %s: field '%s' contains control characters",
			       what ? what : "AuthConfig", key);
	if (json_string_length(v) > 0)
		*ret = xstrdup(json_string_value(v));
	return 0;
}

/* `auth` is base64("user:pass"); split it when username/password are unset. */
static int
split_basic(struct registry_creds *c, const char *auth, const char *what, struct err *e)
{
	unsigned char *raw = NULL;
	size_t n = 0;
	char *colon;

	if (!auth || c->username || c->password)
		return 0;
	if (base64_decode(auth, &raw, &n) < 0)
		return err_set(e, -EINVAL, "invalid %s: field 'auth' is not base64", what);
	colon = memchr(raw, ':', n);
	if (!colon || memchr(raw, '\0', n)) {
		wipe_free(raw, n);
		return err_set(e, -EINVAL, "invalid %s: field 'auth' is not user:password", what);
	}
	c->username = xstrndup((char *)raw, (size_t)(colon - (char *)raw));
	c->password = xstrndup(colon + 1, n - (size_t)(colon + 1 - (char *)raw));
	wipe_free(raw, n);
	if (!*c->username)
		c->username = (registry_creds_secret_free(c->username), NULL);
	return 0;
}

/* Wipes jansson's copies of the secrets before the tree is freed. */
static void
wipe_strings(json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
		if (json_is_string(v))
			explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

int
authconfig_from_json(json_t *obj, const char *what, struct registry_creds **ret, struct err *e)
{
	struct registry_creds *c = xcalloc(1, sizeof(*c));
	char *auth = NULL, *email = NULL;
	struct {
		const char *key;
		char **dst;
	} f[] = {
		{ "username", &c->username }, { "password", &c->password }, { "auth", &auth },
		{ "email", &email }, { "serveraddress", &c->serveraddress },
		{ "identitytoken", &c->identitytoken }, { "registrytoken", &c->registrytoken },
	};
	int r = 0;

	*ret = NULL;
	for (size_t i = 0; r == 0 && i < sizeof(f) / sizeof(f[0]); i++)
		r = take_field(obj, f[i].key, what, f[i].dst, e);
	if (r == 0)
		r = split_basic(c, auth, what ? what : "AuthConfig", e);
	registry_creds_secret_free(auth);
	registry_creds_secret_free(email);
	wipe_strings(obj);
	if (r < 0 || (!registry_creds_has_secret(c) && !c->serveraddress)) {
		registry_creds_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int
authconfig_decode(const char *header, struct registry_creds **ret, struct err *e)
{
	_cleanup_json_ json_t *root = NULL;
	unsigned char *raw = NULL;
	size_t n = 0;

	*ret = NULL;
	if (!header || !*header)
		return 0;
	if (strlen(header) > LIMIT_REGISTRY_AUTH)
		return err_set(e, -E2BIG, "invalid X-Registry-Auth: longer than %u bytes",
			       LIMIT_REGISTRY_AUTH);
	if (base64_decode(header, &raw, &n) < 0)
		return err_set(e, -EINVAL, "invalid X-Registry-Auth: not base64url");
	root = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
	wipe_free(raw, n);
	/* jansson's error text may quote the input, so it is not put into the message. */
	if (!json_is_object(root))
		return err_set(e, -EINVAL, "invalid X-Registry-Auth: not a JSON object");
	return authconfig_from_json(root, "X-Registry-Auth", ret, e);
}

struct registry_creds *
authconfig_of_request(struct api_request *r)
{
	struct registry_creds *c = NULL;
	struct err e = ERR_INIT;

	if (authconfig_decode(api_header(r, "X-Registry-Auth"), &c, &e) < 0)
		return NULL;
	return c;
}

void
authconfig_decode_config(const char *header, struct registry_creds_set *ret)
{
	_cleanup_json_ json_t *root = NULL;
	unsigned char *raw = NULL;
	size_t n = 0;
	const char *server;
	json_t *v;

	if (!header || !*header || base64_decode(header, &raw, &n) < 0)
		return;
	root = json_loadb((const char *)raw, n, 0, NULL);
	wipe_free(raw, n);
	if (!json_is_object(root))
		return;
	json_object_foreach(root, server, v) {
		struct registry_creds *c = NULL;
		struct err e = ERR_INIT;
		if (!json_is_object(v))
			registry_creds_set_add(ret, server, NULL,
					       "invalid X-Registry-Config: an entry is not an object");
		else if (authconfig_from_json(v, "X-Registry-Config", &c, &e) < 0)
			registry_creds_set_add(ret, server, NULL, e.msg);
		else
			registry_creds_set_add(ret, server, c, NULL);
	}
}
