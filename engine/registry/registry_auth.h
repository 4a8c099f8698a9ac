/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry credentials and the pieces of the auth handshake that are pure
 * parsing: the X-Registry-Auth header (base64url JSON AuthConfig), the
 * WWW-Authenticate challenge of a 401, and the token server's reply. The
 * HTTP side (token requests, the cache) is in registry.c.
 *
 * Secrets: every string in struct registry_auth is wiped before it is freed;
 * none of them is ever logged or put into an error message.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"

/* Docker's AuthConfig; each field NULL when absent or empty. */
struct registry_auth {
	char *username;
	char *password;
	char *auth;		/* base64("user:pass"), decoded into username/password */
	char *email;
	char *serveraddress;
	char *identitytoken;	/* OAuth refresh token from an earlier login */
	char *registrytoken;	/* bearer token to send as is */
};

/*
 * Decodes an X-Registry-Auth value. NULL, "" and "e30=" ("{}") yield
 * *ret = NULL (anonymous) and 0. `auth` is split into username/password
 * when those are empty. -EINVAL (bad base64, not a JSON object, a field
 * that is not a string) or -E2BIG (> LIMIT_REGISTRY_AUTH); dockerd ignores
 * invalid values for pull, so callers may choose to go on anonymously.
 * The decoded buffer is wiped. Free *ret with registry_auth_free.
 */
int registry_auth_decode(const char *header, struct registry_auth **ret, struct err *e);

/* Deep copy (NULL gives NULL). */
struct registry_auth *registry_auth_dup(const struct registry_auth *a);

/* Wipes every secret, then frees; NULL is fine. */
void registry_auth_free(struct registry_auth *a);

/* True when @a carries something to authenticate with. */
bool registry_auth_has_credentials(const struct registry_auth *a);

enum registry_scheme { REGISTRY_SCHEME_NONE = 0, REGISTRY_SCHEME_BASIC, REGISTRY_SCHEME_BEARER };

/* One parsed challenge; strings NULL when the parameter was absent. */
struct registry_challenge {
	enum registry_scheme scheme;
	char *realm;
	char *service;
	char *scope;
	char *error;	/* e.g. "insufficient_scope", "invalid_token" */
};

/*
 * Parses a WWW-Authenticate value (RFC 7235: one or more challenges, quoted
 * strings with backslash escapes). The first Bearer challenge wins, else
 * the first Basic one. -EINVAL when neither is present or the syntax is
 * broken; -E2BIG for an oversized value. Release with
 * registry_auth_challenge_release.
 */
int registry_auth_parse_challenge(const char *header, struct registry_challenge *ret);

void registry_auth_challenge_release(struct registry_challenge *c);

/* A token server's reply. */
struct registry_token {
	char *token;		/* `token`, else `access_token`; never NULL on success */
	char *refresh_token;	/* only when the server issued one (login) */
	int64_t expires_in;	/* seconds, at least 60 as the distribution spec says */
};

/*
 * Parses a token reply body: -EINVAL when it is not JSON, has no token, or
 * the token contains characters that cannot go into a header (CR/LF...).
 */
int registry_auth_parse_token(const void *body, size_t len, struct registry_token *ret);

/* Wipes and frees the strings of @t. */
void registry_auth_token_release(struct registry_token *t);

/* explicit_bzero + free for a NUL-terminated secret; NULL is fine. */
void registry_auth_secret_free(char *s);
