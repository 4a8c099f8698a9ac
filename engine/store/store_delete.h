/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image removal with dockerd's algorithm (daemon/images/image_delete.go):
 * untag versus delete, force, conflicts (dependent children, containers),
 * removal of the layers no other image uses, and pruning of untagged
 * parents. Containers are not the store's business: the caller answers
 * "does a container use this image?" through a callback.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/util/err.h"

struct store;

/*
 * Container-usage callback: true when a container (only running ones when
 * @running_only) uses image @image_id ("sha256:<hex>"), with its ID written
 * to @ret_container_id. Called with no store lock held (but deletions are
 * serialised): it may take container locks, and must not delete images.
 */
typedef bool (*store_usage_fn)(void *ctx, const char *image_id, bool running_only,
			       char ret_container_id[65]);

struct store_delete_opts {
	bool force;
	bool noprune;
	store_usage_fn usage;	/* NULL: no containers */
	void *usage_ctx;
};

enum store_delete_kind { STORE_UNTAGGED, STORE_DELETED };

struct store_delete_item {
	enum store_delete_kind kind;
	char *what;	/* familiar reference, image ID or layer chain ID */
};

struct store_delete_report {
	struct store_delete_item *items;
	size_t n, cap;
	uint64_t reclaimed; /* bytes of the layers removed (image_remove/prune: and blobs) */
};

void store_delete_report_release(struct store_delete_report *r);

/*
 * Removes @name (a reference or an ID / ID prefix) like `docker rmi`.
 * Appends what happened to @report (caller-initialised with {0}), also when
 * failing part-way. 409-class conflicts are -EBUSY with dockerd's wording
 * ("conflict: unable to delete <12hex> (cannot be forced) - image has
 * dependent child images", ...); -ENOENT for a missing image.
 */
int store_delete_image(struct store *s, const char *name, const struct store_delete_opts *o,
		       struct store_delete_report *report, struct err *e);
