/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker search`: the registry v1 search API (Docker Hub's index, or
 * /v1/search on another registry). Returns the results unfiltered; the
 * is-official/stars filters and the limit check are the API layer's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/registry/registry.h"
#include "engine/util/err.h"

struct registry_search_result {
	char *name;
	char *description;	/* "" when absent */
	int64_t star_count;
	bool is_official;
	bool is_automated;
};

/*
 * Searches for @term ("busybox", "library/busybox", "myreg:5000/app").
 * When the first component names a registry (has '.' or ':' or is
 * "localhost") that registry is asked (https; http too only when it is
 * insecure) after a /v1/_ping, else Docker Hub's index. @limit in [1, 100].
 * Errors: -EIO "Unexpected status code N" for a non-200 reply (dockerd's
 * wording), -EHOSTUNREACH and friends for transport failures ("Get
 * \"<url>\": ..."), -EINVAL for a bad term/limit or a malformed reply.
 * *ret (an array of *ret_n) is the caller's: registry_search_results_free.
 */
int registry_search(struct registry_client *c, const char *term, unsigned limit,
		    struct registry_search_result **ret, size_t *ret_n, struct err *e);

void registry_search_results_free(struct registry_search_result *res, size_t n);
