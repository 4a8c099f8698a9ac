/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /distribution/{name}/json (moby's distribution router): what the
 * registry holds for a reference, without pulling it. The tag is resolved
 * to the manifest's descriptor (HEAD, GET as fallback), the manifest is
 * fetched by digest, and the platforms are an index's entries or, for an
 * image manifest, the os/architecture of its config blob.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "engine/registry/manifest.h"
#include "engine/util/digest.h"
#include "engine/util/err.h"

struct images;
struct registry_creds;

struct image_dist_platform {
	struct manifest_platform p; /* strings NULL when absent */
	char **os_features;	    /* NULL-terminated or NULL */
};

struct image_dist_info {
	char *media_type;
	char digest[DIGEST_STR_LEN + 1];
	int64_t size;
	struct image_dist_platform *platforms;
	size_t n_platforms;
};

/*
 * Looks @name up on its registry with @auth (NULL: anonymous). -EINVAL for
 * an invalid reference ("invalid reference format..."), -EIO "no manifest
 * found for full image ID" for an image ID, the registry client's errors
 * (dockerd's wording) otherwise.
 */
int image_distribution_inspect(struct images *im, const char *name,
			       const struct registry_creds *auth, struct image_dist_info *ret,
			       struct err *e);
void image_dist_info_release(struct image_dist_info *i);
