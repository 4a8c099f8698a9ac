/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base images of a build (FROM, COPY --from=<image>): resolved against the
 * local images, pulled through the image service when missing or when the
 * build asks for pull=1, with the credentials the client sent in
 * X-Registry-Config (decoded by the api into a registry_creds_set). Pull progress goes to build_output.pull_progress as
 * the ordinary pull events, so the API renders them inline as dockerd does.
 */
#pragma once

#include <stdbool.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"

struct builder;
/*
 * Resolves image @name for a build into @ret_id ("sha256:<hex>"): a local
 * image unless @force, else (or when it is missing) a pull of @name with
 * the default tag, on @platform (NULL: the build's platform or the host's).
 * A full image ID is never pulled. Errors carry dockerd's wording (the
 * pull's "manifest for x not found: ...", "invalid reference format").
 */
int build_base_image(struct builder *b, const char *name, const char *platform, bool force,
		     char ret_id[DIGEST_STR_LEN + 1]);
