/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of the registry auth handshake that are pure parsing: the
 * WWW-Authenticate challenge of a 401 and the token server's reply. The
 * HTTP side (token requests, the cache) is in registry_http.c; the
 * credentials themselves are registry_creds.h's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/registry/registry_creds.h"
#include "engine/util/err.h"

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
