/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry credentials as the engine uses them: a plain struct the registry
 * client, image pull/push and the builder's base-image pulls consume. The
 * Docker wire forms they arrive in (X-Registry-Auth, X-Registry-Config, the
 * /auth body: base64url JSON AuthConfig with its `auth` field) are decoded
 * once, by the api (api/authconfig.h); nothing in the engine parses them.
 *
 * Secrets: every string is wiped before it is freed; none of them is ever
 * logged or put into an error message.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/util/err.h"

/* One set of credentials; each field NULL when absent (never ""). */
struct registry_creds {
	char *username;
	char *password;
	char *serveraddress;	/* the registry the client meant them for, as it wrote it */
	char *identitytoken;	/* OAuth refresh token from an earlier login */
	char *registrytoken;	/* bearer token to send as is */
};

/* Deep copy (NULL gives NULL). */
struct registry_creds *registry_creds_dup(const struct registry_creds *c);

/* Wipes every secret, then frees; NULL is fine. */
void registry_creds_free(struct registry_creds *c);

/* True when @c carries something to authenticate with. */
bool registry_creds_has_secret(const struct registry_creds *c);

/* explicit_bzero + free for a NUL-terminated secret; NULL is fine. */
void registry_creds_secret_free(char *s);

/*
 * Credentials for several registries (a build's X-Registry-Config), keyed
 * by the server address the client used ("https://index.docker.io/v1/",
 * "localhost:5000", "https://reg.example:5000/v2/").
 */
struct registry_creds_entry {
	char *server;
	struct registry_creds *creds;	/* NULL: anonymous */
	char *error;	/* non-NULL: the client's entry was malformed; using it fails with this */
};

struct registry_creds_set {
	struct registry_creds_entry *v;
	size_t n;
};

/* Appends an entry, taking @creds and copying @server and @error (either may be NULL). */
void registry_creds_set_add(struct registry_creds_set *s, const char *server,
			    struct registry_creds *creds, const char *error);

/* Wipes and frees the entries; the struct itself is the caller's. NULL is fine. */
void registry_creds_set_release(struct registry_creds_set *s);

/*
 * Picks the credentials for registry @domain (a reference's domain,
 * "docker.io" for Docker Hub) out of @s the way dockerd's ResolveAuthConfig
 * does: the exact key first ("https://index.docker.io/v1/" for Docker Hub,
 * else the host[:port]), then, except for Docker Hub, any key whose hostname
 * (scheme and path stripped) equals @domain. *@ret (borrowed from @s) is
 * NULL (anonymous) when nothing matches or @s is NULL. -EINVAL with the
 * entry's message when the matching entry was malformed.
 */
int registry_creds_select(const struct registry_creds_set *s, const char *domain,
			  const struct registry_creds **ret, struct err *e);
