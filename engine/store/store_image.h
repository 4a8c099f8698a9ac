/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images and references: commit a config whose layers are stored, resolve a
 * user-supplied name (tag, digest, full ID, unique ID prefix) the way dockerd
 * does, tag and untag, list and inspect, and the layer paths to mount.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/reference.h"
#include "engine/util/buf.h"
#include "engine/util/digest.h"
#include "engine/util/err.h"

struct store;

struct store_commit_opts {
	const char *parent_id;	/* "sha256:<hex>" of the build parent, or NULL */
};

/*
 * Stores the image config @config (@len bytes, kept byte for byte; the
 * image ID is its sha256). Every layer named by rootfs.diff_ids must be in
 * the layer store. Idempotent (an existing image without a parent gains
 * @o->parent_id). 0 and "sha256:<id>" in @ret_id (may be
 * NULL); -EINVAL for an invalid config, -ENOENT for a missing layer.
 */
int store_image_commit(struct store *s, const void *config, size_t len,
		       const struct store_commit_opts *o, char ret_id[DIGEST_STR_LEN + 1],
		       struct err *e);

/*
 * Resolves @name: "sha256:<hex>" or 64 hex, a reference (default tag
 * latest, or @digest), else a unique ID prefix. 0 and "sha256:<id>";
 * -ENOENT "No such image: <familiar ref>"; -EINVAL for an invalid
 * reference or "multiple IDs found with provided prefix: <p>".
 */
int store_image_resolve(struct store *s, const char *name, char ret_id[DIGEST_STR_LEN + 1],
			struct err *e);

struct store_image_summary {
	char id[DIGEST_STR_LEN + 1];		/* "sha256:<hex>" */
	char parent[DIGEST_STR_LEN + 1];	/* "" when none */
	char **repo_tags;	/* familiar "name:tag", NULL-terminated (maybe empty) */
	char **repo_digests;	/* familiar "name@sha256:..." */
	int64_t created_ns;
	int64_t last_tag_ns;	/* 0 when never tagged locally */
	uint64_t size;		/* sum of the image's layer sizes */
	bool has_children;	/* another image names this one as parent */
	json_t *labels;		/* config Labels (a reference), or NULL */
};

void store_image_summary_release(struct store_image_summary *sum);
void store_image_summaries_free(struct store_image_summary *v, size_t n);

/* Every image, newest first. Caller frees with store_image_summaries_free. */
int store_image_list(struct store *s, struct store_image_summary **ret, size_t *ret_n,
		     struct err *e);

/* Summary and config bytes (may be NULL) of image @name (any form resolve takes). */
int store_image_get(struct store *s, const char *name, struct store_image_summary *ret,
		    struct buf *ret_config, struct err *e);

/*
 * Points @ref at image @name. @ref must carry a tag (the "latest" default is
 * the caller's choice) or a digest; moving an existing tag is allowed;
 * "sha256" as a name is refused. Records the tag time.
 */
int store_image_tag(struct store *s, const char *name, const struct reference *ref,
		    struct err *e);

/* Removes reference @ref (tag or digest): -ENOENT when absent. */
int store_image_untag(struct store *s, const struct reference *ref, struct err *e);

/*
 * Overlay lower directories of image @id ("sha256:<hex>"), top layer first,
 * as a NULL-terminated vector the caller frees (strv_free). An image
 * without layers yields an empty vector.
 */
int store_image_lowerdirs(struct store *s, const char *id, char ***ret, struct err *e);
