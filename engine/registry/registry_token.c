/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry tokens, see registry_token.h: the per-client token cache (keyed
 * by realm, service, scope and a hash of the credentials, bounded, wiped on
 * free) and the token request to the realm of a Bearer challenge, as
 * distribution's token spec and its OAuth2 variant describe it. The HTTP
 * transport is registry_http.c's; the challenge parsing is registry_auth.c's.
 * Basic credentials are never sent over plain HTTP to a realm that is not
 * itself an insecure registry.
 */
#include "config.h"

#include <jansson.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "engine/registry/registry_error.h"
#include "engine/registry/registry_http.h"
#include "engine/registry/registry_token.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/lazycurl.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

#define TOKENS_MAX 256

struct registry_token_entry {
	struct registry_token_entry *next;
	char *key;
	char *token;
	int64_t expires_mono_ns;
};

/* ---- token cache ---------------------------------------------------------- */

static void
entry_free(struct registry_token_entry *t)
{
	registry_creds_secret_free(t->token);
	free(t->key);
	free(t);
}

void
registry_token_cache_clear(struct registry_client *c)
{
	pthread_mutex_lock(&c->lock);
	while (c->tokens) {
		struct registry_token_entry *t = c->tokens;
		c->tokens = t->next;
		entry_free(t);
	}
	c->n_tokens = 0;
	pthread_mutex_unlock(&c->lock);
}

char *
registry_token_cache_get(struct registry_client *c, const char *key)
{
	int64_t now = time_mono_ns();
	char *tok = NULL;

	pthread_mutex_lock(&c->lock);
	for (struct registry_token_entry *t = c->tokens; t; t = t->next)
		if (strcmp(t->key, key) == 0 && t->expires_mono_ns > now) {
			tok = xstrdup(t->token);
			break;
		}
	pthread_mutex_unlock(&c->lock);
	return tok;
}

void
registry_token_cache_put(struct registry_client *c, const char *key, const char *token,
			 int64_t expires_in)
{
	struct registry_token_entry *t = xcalloc(1, sizeof(*t)), **pp;
	int64_t now = time_mono_ns();

	t->key = xstrdup(key);
	t->token = xstrdup(token);
	/* Renew 10 s early so a token does not expire in flight. */
	t->expires_mono_ns = now + (expires_in - 10) * 1000000000LL;
	pthread_mutex_lock(&c->lock);
	/* Drop the same key and anything expired; cap the size (oldest last). */
	for (pp = &c->tokens; *pp;) {
		struct registry_token_entry *old = *pp;
		if (strcmp(old->key, key) == 0 || old->expires_mono_ns <= now ||
		    (c->n_tokens >= TOKENS_MAX && !old->next)) {
			*pp = old->next;
			entry_free(old);
			c->n_tokens--;
		} else {
			pp = &old->next;
		}
	}
	t->next = c->tokens;
	c->tokens = t;
	c->n_tokens++;
	pthread_mutex_unlock(&c->lock);
}

/* ---- tokens from the auth server ----------------------------------------- */

static void
append_param(struct buf *b, const char *key, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_printf(b, "%s%s=", b->len ? "&" : "", key);
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			buf_putc(b, (char)*p);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		}
	}
}

/* "host[:port]" of an http(s) URL into @out; false when not http(s). */
static bool
url_host(const char *url, char *out, size_t size, bool *ret_https)
{
	const char *rest;
	size_t n;

	*ret_https = str_startswith(url, "https://", &rest);
	if (!*ret_https && !str_startswith(url, "http://", &rest))
		return false;
	n = strcspn(rest, "/?#");
	if (n == 0 || n >= size || memchr(rest, '@', n))
		return false;
	memcpy(out, rest, n);
	out[n] = '\0';
	return true;
}

/* Form or query of a token request; scopes are '\n'-separated. */
static void
token_params(struct buf *q, const struct registry_challenge *ch, const struct registry_creds *auth,
	     const char *scope, bool offline, bool refresh)
{
	_cleanup_free_ char *scopes = scope ? xstrdup(scope) : NULL;
	char *save = NULL;

	if (refresh) {
		append_param(q, "grant_type", "refresh_token");
		append_param(q, "refresh_token", auth->identitytoken);
		append_param(q, "client_id", "berth");
	}
	if (ch->service)
		append_param(q, "service", ch->service);
	for (char *s = scopes ? strtok_r(scopes, "\n", &save) : NULL; s; s = strtok_r(NULL, "\n", &save))
		append_param(q, "scope", s);
	if (!refresh && auth && auth->username)
		append_param(q, "account", auth->username);
	if (!refresh && offline) {
		append_param(q, "offline_token", "true");
		append_param(q, "client_id", "berth");
	}
}

/* The token server's refusal in dockerd's words ("unauthorized: ..."). */
static int
token_refused(const struct registry_http_resp *resp, struct err *e)
{
	_cleanup_json_ json_t *root = NULL;
	struct registry_error re;
	const char *details;
	char text[512];

	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	details = json_string_value(json_object_get(root, "details"));
	if (details && resp->status == 401) {
		registry_error_parse(401, NULL, 0, &re);
		snprintf(re.message, sizeof(re.message), "%s", details);
		for (char *p = re.message; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
	} else {
		registry_error_parse((int)resp->status, resp->body.data, resp->body.len, &re);
	}
	registry_error_format(&re, text, sizeof(text));
	if (resp->status == 401 || resp->status == 403)
		return err_set(e, -EKEYREJECTED, "%s", text);
	return err_set(e, -EIO, "token request failed: %s", text);
}

int
registry_token_fetch(struct registry_client *c, const struct registry_challenge *ch,
			  const struct registry_creds *auth, const char *scope, bool offline,
			  struct registry_token *ret, struct err *e)
{
	_cleanup_buf_ struct buf q = BUF_INIT;
	_cleanup_free_ char *url = NULL;
	struct registry_http_resp resp = {0};
	struct registry_http_req req = {.method = "GET"};
	bool refresh = auth && auth->identitytoken, https, insecure;
	char host[300];
	int r;

	if (!ch->realm || !url_host(ch->realm, host, sizeof(host), &https))
		return err_set(e, -EPROTO, "registry sent an unusable token realm");
	insecure = registry_endpoint_is_insecure(host, (const char *const *)c->insecure);
	/* Credentials never travel in clear text to a host nobody declared insecure. */
	if (!https && !insecure && registry_creds_has_secret(auth))
		return err_set(e, -EPERM, "refusing to send credentials over plain HTTP to '%s'", host);
	token_params(&q, ch, auth, scope, offline, refresh);
	req.tls_verify = !insecure;
	if (refresh) {
		static const char *const form[] = {
			"Content-Type: application/x-www-form-urlencoded", NULL};
		req.method = "POST";
		req.url = ch->realm;
		req.headers = form;
		req.upload = q.data;
		req.upload_len = q.len;
	} else {
		url = xasprintf("%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?",
				q.data ? q.data : "");
		req.url = url;
		if (auth && auth->username) {
			req.basic_user = auth->username;
			req.basic_pass = auth->password;
		}
	}
	r = registry_http_perform(c, &req, &resp);
	if (q.data)
		explicit_bzero(q.data, q.len); /* may hold the refresh token */
	if (r < 0) {
		r = registry_http_transport_err(r, &resp, "token request", e);
	} else if (resp.status != 200) {
		r = token_refused(&resp, e);
	} else if (registry_auth_parse_token(resp.body.data, resp.body.len, ret) < 0) {
		r = err_set(e, -EPROTO, "token server sent an invalid reply");
	}
	registry_http_resp_release(&resp);
	return r;
}
