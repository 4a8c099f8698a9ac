/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layers keyed by chain ID (chain0 = diff0, chainN = sha256(chainN-1 + " " +
 * diffN)), stored extracted for overlayfs. Creation unpacks into
 * layers/.tmp-*, syncs, writes meta.json and renames the dir into place, so
 * concurrent creators of the same chain ID end with one layer and no error.
 *
 * Holds: a pull that finds or creates a layer takes a hold on it, so a
 * concurrent image delete cannot remove the layer before the pull commits
 * the image that uses it; the pull releases its holds after the commit.
 */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"

struct store;

struct store_layer_opts {
	const char *parent_chain;	/* "sha256:<hex>" or NULL for a base layer */
	const char *expected_diff_id;	/* checked when not NULL */
	const char *source_digest;	/* compressed digest it came as, or NULL */
	const char *source_repo;	/* canonical repository of source_digest */
};

struct store_layer_info {
	char chain_id[DIGEST_STR_LEN + 1];
	char diff_id[DIGEST_STR_LEN + 1];
	char parent[DIGEST_STR_LEN + 1];	/* "" for a base layer */
	uint64_t size;				/* unpacked bytes */
};

/* Fills @ret with "sha256:<chain>" for @parent_chain (NULL: base) + @diff_id. */
void store_layer_chain_id(const char *parent_chain, const char *diff_id,
			  char ret[DIGEST_STR_LEN + 1]);

/*
 * Unpacks the (possibly compressed) layer tar read from @in_fd (to EOF) on
 * top of @o->parent_chain and stores it. Returns 0 with @ret filled and a
 * hold taken on the layer (also when it already existed); -ENOENT when the
 * parent layer is missing; -EINVAL for a refused archive or a diff ID
 * mismatch (nothing is stored). Runs without the store lock: call it from
 * many threads for different layers.
 */
int store_layer_create(struct store *s, int in_fd, const struct store_layer_opts *o,
		       struct store_layer_info *ret, struct err *e);

/*
 * store_layer_create in two halves, so that the layers of one image can be
 * unpacked concurrently and out of order (a pull unpacks each layer as soon
 * as its download is in) and still appear strictly in order, each on top
 * of its parent.
 *
 * store_layer_prepare unpacks @in_fd into a private temp directory of the
 * layer store and syncs it to disk; nothing is visible and
 * @o->parent_chain need not exist yet. Checks @o->expected_diff_id
 * (-EINVAL, nothing kept). *@ret belongs to the caller, who passes it to
 * store_layer_commit or frees it (the directory goes with it; one an
 * interrupted run leaves is removed at the next start, as any .tmp-*).
 *
 * store_layer_commit checks the parent (-ENOENT), writes the layer's
 * metadata and moves it into place, as store_layer_create; @o must name the
 * same layer as at prepare. Consumes @p, also on failure.
 */
struct store_layer_pending;
int store_layer_prepare(struct store *s, int in_fd, const struct store_layer_opts *o,
			struct store_layer_pending **ret, struct err *e);
int store_layer_commit(struct store *s, struct store_layer_pending *p,
		       const struct store_layer_opts *o, struct store_layer_info *ret,
		       struct err *e);
void store_layer_pending_free(struct store_layer_pending *p);

/*
 * Looks up layer @chain_id; with @hold, takes a hold on it. 0 and @ret (may
 * be NULL), or -ENOENT.
 */
int store_layer_get(struct store *s, const char *chain_id, bool hold,
		    struct store_layer_info *ret, struct err *e);

/* Drops a hold taken by store_layer_create or store_layer_get. */
void store_layer_release(struct store *s, const char *chain_id);

/*
 * Records that layer @chain_id is known as compressed blob @digest in
 * @repo (for push: "Layer already exists", cross-repository mounts).
 */
int store_layer_add_source(struct store *s, const char *chain_id, const char *digest,
			   const char *repo, struct err *e);

/*
 * The compressed blobs layer @chain_id is known as: a new JSON array of
 * {"digest", "repository"} objects in *@ret (caller decrefs), or -ENOENT.
 */
int store_layer_sources(struct store *s, const char *chain_id, json_t **ret, struct err *e);

/* Path of the layer's diff directory; caller frees. -ENOENT when absent. */
int store_layer_diff_path(struct store *s, const char *chain_id, char **ret, struct err *e);
