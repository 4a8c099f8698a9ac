/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Auth handshake parsing; see registry_auth.h. Values here come from
 * registries (challenges, token replies) and are treated as hostile: sizes
 * are bounded, JSON is type-checked, and anything that will be sent back in
 * a header is refused if it holds control characters (header injection).
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "engine/registry/registry_auth.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/xalloc.h"

/* No byte below 0x20 nor DEL: the value may end up in an HTTP header. */
static bool
header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* ---- WWW-Authenticate --------------------------------------------------- */

void
registry_auth_challenge_release(struct registry_challenge *c)
{
	if (!c)
		return;
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool
is_tchar(char ch)
{
	/* RFC 7230 tchar */
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Reads a token or quoted-string at *pp into @out (size @size). */
static int
read_value(const char **pp, char *out, size_t size)
{
	const char *p = *pp;
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 >= size)
				return -E2BIG;
			out[n++] = *p;
		}
		if (*p != '"')
			return -EINVAL;
		p++;
	} else {
		/* token68 may end with '='; plain tokens stop at ',' or space */
		for (; *p && *p != ',' && *p != ' ' && *p != '\t'; p++) {
			if (n + 1 >= size)
				return -E2BIG;
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	*pp = p;
	return 0;
}

static void
set_param(struct registry_challenge *c, const char *key, size_t klen, const char *val)
{
	static const char *const names[] = {"realm", "service", "scope", "error"};
	char **dst[] = {&c->realm, &c->service, &c->scope, &c->error};

	for (size_t i = 0; i < 4; i++)
		if (strlen(names[i]) == klen && strncasecmp(key, names[i], klen) == 0 && !*dst[i])
			*dst[i] = xstrdup(val);
}

/*
 * Parses one challenge starting at *pp (scheme then params) into @c when
 * @keep, and leaves *pp at the next challenge's scheme or the end.
 */
static int
parse_one(const char **pp, struct registry_challenge *c, bool keep)
{
	_cleanup_free_ char *val = xmalloc(LIMIT_REGISTRY_HEADER);
	const char *p = skip_ws(*pp), *key;
	size_t klen;
	int r;

	for (;;) {
		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		key = p;
		while (is_tchar(*p))
			p++;
		klen = (size_t)(p - key);
		if (klen == 0)
			break;
		const char *after = skip_ws(p);
		if (*after != '=') {
			/* A bare token is the next challenge's scheme. */
			p = key;
			break;
		}
		p = skip_ws(after + 1);
		r = read_value(&p, val, LIMIT_REGISTRY_HEADER);
		if (r < 0)
			return r;
		if (keep)
			set_param(c, key, klen, val);
		p = skip_ws(p);
		if (*p && *p != ',')
			return -EINVAL;
	}
	*pp = p;
	return 0;
}

int
registry_auth_parse_challenge(const char *header, struct registry_challenge *ret)
{
	struct registry_challenge best = {0}, cur = {0};
	const char *p = header;
	int r;

	if (!header)
		return -EINVAL;
	if (strlen(header) >= LIMIT_REGISTRY_HEADER)
		return -E2BIG;
	while (*(p = skip_ws(p))) {
		const char *scheme = p;
		size_t slen;
		enum registry_scheme s = REGISTRY_SCHEME_NONE;

		while (is_tchar(*p))
			p++;
		slen = (size_t)(p - scheme);
		if (slen == 0) {
			registry_auth_challenge_release(&best);
			return -EINVAL;
		}
		if (slen == 6 && strncasecmp(scheme, "bearer", 6) == 0)
			s = REGISTRY_SCHEME_BEARER;
		else if (slen == 5 && strncasecmp(scheme, "basic", 5) == 0)
			s = REGISTRY_SCHEME_BASIC;
		/* Keep the first Bearer, else the first Basic. */
		bool keep = s != REGISTRY_SCHEME_NONE &&
			    (best.scheme == REGISTRY_SCHEME_NONE ||
			     (best.scheme == REGISTRY_SCHEME_BASIC && s == REGISTRY_SCHEME_BEARER));
		cur = (struct registry_challenge){.scheme = s};
		r = parse_one(&p, &cur, keep);
		if (r < 0) {
			registry_auth_challenge_release(&cur);
			registry_auth_challenge_release(&best);
			return r;
		}
		if (keep) {
			registry_auth_challenge_release(&best);
			best = cur;
		}
	}
	if (best.scheme == REGISTRY_SCHEME_NONE)
		return -EINVAL;
	if (best.scheme == REGISTRY_SCHEME_BEARER && (!best.realm || !header_safe(best.realm))) {
		registry_auth_challenge_release(&best);
		return -EINVAL;
	}
	*ret = best;
	return 0;
}

/* ---- token replies ------------------------------------------------------ */

void
registry_auth_token_release(struct registry_token *t)
{
	if (!t)
		return;
	registry_creds_secret_free(t->token);
	registry_creds_secret_free(t->refresh_token);
	memset(t, 0, sizeof(*t));
}

int
registry_auth_parse_token(const void *body, size_t len, struct registry_token *ret)
{
	_cleanup_json_ json_t *root = NULL;
	const char *tok, *refresh;
	json_t *exp;
	int64_t expires = 60;

	if (len > LIMIT_REGISTRY_SMALL_BODY)
		return -E2BIG;
	root = json_loadb(body, len, 0, NULL);
	if (!json_is_object(root))
		return -EINVAL;
	tok = json_string_value(json_object_get(root, "token"));
	if (!tok || !*tok)
		tok = json_string_value(json_object_get(root, "access_token"));
	if (!tok || !*tok || !header_safe(tok))
		return -EINVAL;
	refresh = json_string_value(json_object_get(root, "refresh_token"));
	if (refresh && (!*refresh || !header_safe(refresh)))
		refresh = NULL;
	exp = json_object_get(root, "expires_in");
	if (json_is_integer(exp) && json_integer_value(exp) > 60)
		expires = json_integer_value(exp) > 86400 * 365 ? 86400 * 365 : json_integer_value(exp);
	*ret = (struct registry_token){.token = xstrdup(tok),
				       .refresh_token = refresh ? xstrdup(refresh) : NULL,
				       .expires_in = expires};
	explicit_bzero((char *)tok, strlen(tok));
	if (refresh)
		explicit_bzero((char *)refresh, strlen(refresh));
	return 0;
}
