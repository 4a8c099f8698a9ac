/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tag listing (GET /v2/<name>/tags/list), what `docker pull -a` walks.
 */
#pragma once

#include "engine/registry/registry.h"
#include "engine/util/err.h"

/*
 * Lists the tags of @r's repository in the registry's order, following
 * no pagination (one reply, bounded by LIMIT_TAGS_LIST_BODY and
 * LIMIT_TAGS_LIST entries). Tags that are not valid tag names (hostile
 * replies) make the whole reply invalid. *ret_tags is a NULL-terminated
 * strv, the caller's. Errors: registry errors in dockerd's pull wording
 * (unknown repository: -ENOENT "repository X not found: name unknown:
 * ..."), -EBADMSG for a malformed reply, -E2BIG past the limits.
 */
int registry_tags_list(struct registry_repo *r, char ***ret_tags, struct err *e);
