/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base images of a build: local resolution, pulls during FROM and
 * COPY --from, and the X-Registry-Config credential lookup.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build/builder_internal.h"
#include "engine/build/pull.h"
#include "engine/image/image.h"
#include "engine/reference.h"
#include "engine/registry/registry_auth.h"
#include "engine/store/store.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"

/* Docker Hub's key in credential maps (registry.IndexServer). */
#define HUB_AUTH_KEY "https://index.docker.io/v1/"

/* "https://host:5000/v2/" → "host:5000" (registry.ConvertToHostname). */
static char *
key_hostname(const char *key)
{
	if (strncmp(key, "http://", 7) == 0)
		key += 7;
	else if (strncmp(key, "https://", 8) == 0)
		key += 8;
	return xstrndup(key, strcspn(key, "/"));
}

/* One AuthConfig object → registry_auth, through the X-Registry-Auth decoder. */
static int
auth_from_json(const json_t *obj, struct registry_auth **ret, struct err *e)
{
	char *text, *b64;
	int r;

	if (!json_is_object(obj))
		return err_set(e, -EINVAL, "invalid X-Registry-Config: an entry is not an object");
	text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		return err_set(e, -ENOMEM, "cannot encode credentials");
	b64 = base64_encode(text, strlen(text));
	registry_auth_secret_free(text);
	r = registry_auth_decode(b64, ret, e);
	registry_auth_secret_free(b64);
	return r;
}

int
build_auth_select(const json_t *config, const char *domain, struct registry_auth **ret,
		  struct err *e)
{
	bool hub = strcmp(domain, "docker.io") == 0;
	const char *key = hub ? HUB_AUTH_KEY : domain;
	const char *k;
	json_t *v;

	*ret = NULL;
	if (!json_is_object(config))
		return 0;
	v = json_object_get(config, key);
	if (v)
		return auth_from_json(v, ret, e);
	if (hub)
		return 0;
	json_object_foreach((json_t *)config, k, v) {
		_cleanup_free_ char *host = key_hostname(k);
		if (strcmp(host, domain) == 0)
			return auth_from_json(v, ret, e);
	}
	return 0;
}

static void
pull_progress(void *ctx, const struct image_progress *p)
{
	struct builder *b = ctx;

	if (!b->quiet && b->out->pull_progress)
		b->out->pull_progress(b->out->ud, p);
}

static int
pull(struct builder *b, const char *name, const char *platform, char ret_id[DIGEST_STR_LEN + 1])
{
	struct reference ref = REFERENCE_INIT;
	struct registry_auth *auth = NULL;
	_cleanup_free_ char *canon = NULL;
	int r = reference_parse(name, &ref, b->e);

	if (r < 0)
		return r;
	reference_default_tag(&ref);
	canon = reference_canonical(&ref);
	r = build_auth_select(b->o->registry_config, ref.domain, &auth, b->e);
	reference_release(&ref);
	if (r < 0)
		return r;
	struct image_pull_opts po = {
		.ref = canon,
		.platform = platform && *platform ? platform : b->o->platform,
		.auth = auth,
		.progress = pull_progress,
		.progress_ctx = b,
	};
	r = image_pull(b->bs->images, &po, b->e);
	registry_auth_free(auth);
	if (r < 0)
		return r;
	return store_image_resolve(b->bs->store, canon, ret_id, b->e);
}

int
build_base_image(struct builder *b, const char *name, const char *platform, bool force,
		 char ret_id[DIGEST_STR_LEN + 1])
{
	int r;

	if (!force || reference_is_full_id(name, NULL)) {
		r = store_image_resolve(b->bs->store, name, ret_id, b->e);
		if (r != -ENOENT || reference_is_full_id(name, NULL))
			return r;
		err_clear(b->e);
	}
	return pull(b, name, platform, ret_id);
}
