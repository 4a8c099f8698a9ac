/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the engine/image files; not for other modules: the
 * service state behind struct images, the in-flight download table and the
 * helpers that turn a stored layer back into bytes (exact tar, gzip blob).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/image/image.h"
#include "engine/util/digest.h"
#include "engine/util/slots.h"

/* One blob download that other pulls may join instead of fetching it again. */
struct image_inflight {
	char digest[DIGEST_STR_LEN + 1];
	unsigned refs;
	bool done;
	int result;
	struct err err;
	struct image_inflight *next;
};

struct images {
	struct store *store;		/* borrowed from engine.c, outlives the service */
	struct registry_client *registry; /* borrowed */
	struct events *events;		/* borrowed */
	char *tmp_dir;			/* spooled downloads and archives; owned copy */
	images_users_fn users;		/* container usage; NULL: no containers */
	void *users_ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* broadcast when a download finishes */
	struct image_inflight *inflight;
	bool pruning;
	struct slots downloads; /* layer fetches in progress, daemon-wide */
	struct slots uploads;	/* layer pushes in progress, daemon-wide */
};

/*
 * Joins or starts the download of @digest. Returns 1 when the caller owns
 * it (must fetch, then call images_inflight_end), 0 when another job does
 * (call images_inflight_wait). Either way release with images_inflight_put.
 */
int images_inflight_begin(struct images *im, const char *digest, struct image_inflight **ret);
/* Waits for the owner to finish; returns its result with its error in @e. */
int images_inflight_wait(struct images *im, struct image_inflight *f, struct err *e);
/* The owner's outcome; wakes the waiters. */
void images_inflight_end(struct images *im, struct image_inflight *f, int result,
			 const struct err *why);
void images_inflight_put(struct images *im, struct image_inflight *f);

/*
 * Writes the exact uncompressed tar of layer @chain_id (whose diff ID is
 * @diff_id) to a new unnamed temp file: decompressed from a stored source
 * blob when there is one, else re-created from the diff directory. The
 * bytes must hash to @diff_id (-EIO "cannot reproduce layer ..." if not).
 * Returns the fd (offset 0) and the size in @ret_size.
 */
int image_layer_tar(struct images *im, const char *chain_id, const char *diff_id,
		    uint64_t *ret_size, struct err *e);

/*
 * A gzip blob for layer @chain_id in the blob store: one recorded as a
 * source of the layer when stored and gzip-compressed, else made by
 * compressing the exact tar (and recorded as a source in @repo). Writes its
 * digest and size.
 */
int image_layer_gzip_blob(struct images *im, const char *chain_id, const char *diff_id,
			  const char *repo, char ret_digest[DIGEST_STR_LEN + 1],
			  uint64_t *ret_size, struct err *e);

/* Host platform normalised as Go's (amd64, arm64...). */
const char *image_host_arch(void);

/* Emits a progress event when @fn is set. */
void image_emit(image_progress_fn fn, void *ctx, enum image_progress_kind kind, const char *id,
		const char *status, int64_t current, int64_t total);
