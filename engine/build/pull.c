/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base images of a build: local resolution and pulls during FROM and
 * COPY --from, with the credentials the client sent for the registry.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build/builder_internal.h"
#include "engine/build/pull.h"
#include "engine/image/image.h"
#include "engine/reference.h"
#include "engine/registry/registry_creds.h"
#include "engine/store/store.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"

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
	const struct registry_creds *auth = NULL;
	_cleanup_free_ char *canon = NULL;
	int r = reference_parse(name, &ref, b->e);

	if (r < 0)
		return r;
	reference_default_tag(&ref);
	canon = reference_canonical(&ref);
	r = registry_creds_select(b->o->registry_creds, ref.domain, &auth, b->e);
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
