/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry credentials and their per-registry selection; see
 * registry_creds.h. Decoding the Docker wire forms is api/authconfig.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/registry/registry_creds.h"
#include "engine/registry/registry_endpoint.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

void
registry_creds_secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
registry_creds_free(struct registry_creds *c)
{
	if (!c)
		return;
	registry_creds_secret_free(c->username);
	registry_creds_secret_free(c->password);
	registry_creds_secret_free(c->serveraddress);
	registry_creds_secret_free(c->identitytoken);
	registry_creds_secret_free(c->registrytoken);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct registry_creds *
registry_creds_dup(const struct registry_creds *c)
{
	struct registry_creds *d;

	if (!c)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->username = dup_or_null(c->username);
	d->password = dup_or_null(c->password);
	d->serveraddress = dup_or_null(c->serveraddress);
	d->identitytoken = dup_or_null(c->identitytoken);
	d->registrytoken = dup_or_null(c->registrytoken);
	return d;
}

bool
registry_creds_has_secret(const struct registry_creds *c)
{
	return c && (c->username || c->password || c->identitytoken || c->registrytoken);
}

void
registry_creds_set_add(struct registry_creds_set *s, const char *server,
		       struct registry_creds *creds, const char *error)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = (struct registry_creds_entry){
		.server = xstrdup(server ? server : ""),
		.creds = creds,
		.error = dup_or_null(error),
	};
}

void
registry_creds_set_release(struct registry_creds_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].server);
		registry_creds_free(s->v[i].creds);
		free(s->v[i].error);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* "https://host:5000/v2/" → "host:5000" (registry.ConvertToHostname). */
static char *
key_hostname(const char *key)
{
	if (!str_startswith(key, "http://", &key))
		(void)str_startswith(key, "https://", &key);
	return xstrndup(key, strcspn(key, "/"));
}

static int
use(const struct registry_creds_entry *x, const struct registry_creds **ret, struct err *e)
{
	if (x->error)
		return err_set(e, -EINVAL, "%s", x->error);
	*ret = x->creds;
	return 0;
}

int
registry_creds_select(const struct registry_creds_set *s, const char *domain,
		      const struct registry_creds **ret, struct err *e)
{
	bool hub = strcmp(domain, REGISTRY_DOCKER_HUB) == 0;
	const char *key = hub ? REGISTRY_DOCKER_HUB_INDEX : domain;

	*ret = NULL;
	if (!s)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].server, key) == 0)
			return use(&s->v[i], ret, e);
	if (hub)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		_cleanup_free_ char *host = key_hostname(s->v[i].server);
		if (strcmp(host, domain) == 0)
			return use(&s->v[i], ret, e);
	}
	return 0;
}
