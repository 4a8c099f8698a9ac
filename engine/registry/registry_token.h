/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to engine/registry: the token cache of a registry client and the
 * token request to an auth server (distribution's token authentication).
 * registry_http_do asks here before a request and after a 401; login
 * (registry.c) asks for a refresh token directly.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/registry/registry_auth.h"
#include "engine/registry/registry_http.h"
#include "engine/util/err.h"

/* A copy of the live cached token for @key (caller frees), or NULL. */
char *registry_token_cache_get(struct registry_client *c, const char *key);

/*
 * Caches @token for @key, valid for @expires_in seconds (renewed 10 s early);
 * replaces an entry of the same key, drops expired ones and keeps at most
 * TOKENS_MAX entries. Takes the client lock.
 */
void registry_token_cache_put(struct registry_client *c, const char *key, const char *token,
			      int64_t expires_in);

/* Frees every cached token (wiped); the client lock must not be held. */
void registry_token_cache_clear(struct registry_client *c);

/*
 * Fetches a token for challenge @ch with @auth (may be NULL) for @scope
 * (may be NULL: login). Stores a refresh token in *ret_refresh when asked
 * (may be NULL). -EKEYREJECTED when the server refused the credentials.
 */
int registry_token_fetch(struct registry_client *c, const struct registry_challenge *ch,
			 const struct registry_creds *auth, const char *scope, bool offline,
			 struct registry_token *ret, struct err *e);
