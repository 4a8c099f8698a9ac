/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the store_*.c files; not for other modules.
 *
 * Lock order: del_lock, then lock. `lock` guards every in-memory table below
 * and the metadata files that mirror them (refs.json, images/..., layer
 * meta.json), so memory and disk change in the same order; it is held only
 * for table updates and small atomic file writes, never while unpacking,
 * hashing or copying blobs. `del_lock` serialises image deletions, which
 * call the caller's container-usage callback without holding `lock`.
 * `memo_lock` guards only the memos and is taken alone (store_memo.c).
 */
#pragma once

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/reference.h"
#include "engine/store/store.h"
#include "engine/store/store_memo.h"
#include "engine/util/digest.h"

#define HEX_SZ (DIGEST_HEX_LEN + 1)

struct store_img {
	char id[HEX_SZ];	/* sha256 hex of the config bytes */
	char parent[HEX_SZ];	/* "" when none */
	char **chain;		/* chain ID hex per layer, bottom first */
	size_t n_layers;
	int64_t created_ns;
	int64_t last_tag_ns;
	bool meta_dirty;	/* its metadata file is behind (store_meta_write_behind) */
	json_t *labels;		/* config.Labels, or NULL */
};

struct store_ref {
	struct reference ref;	/* has a tag or a digest, not both */
	char id[HEX_SZ];
};

struct store_lay {
	char chain[HEX_SZ];
	char diff[HEX_SZ];
	char parent[HEX_SZ];	/* "" for a base layer */
	uint64_t size;
	unsigned holds;		/* in-flight users (pulls) not yet in an image */
	json_t *sources;	/* [{"digest": ..., "repository": ...}] */
};

/* A caller's memo (store_memo.h). */
struct store_memo {
	char *key; /* NULL: free slot */
	char *text;
	size_t len;
	uint64_t gen;  /* the store's generation it was derived under */
	uint64_t used; /* memo_tick of its last use (LRU) */
};

/* A blob in-flight work keeps (store_gc.h); counted. */
struct store_pin {
	char hex[HEX_SZ];
	unsigned count;
};

struct store {
	char *root, *tmp_dir, *blobs_dir, *layers_dir, *images_dir, *meta_dir, *refs_path;
	pthread_mutex_t del_lock;
	pthread_mutex_t lock;
	/* A thread is writing dirty image metadata; meta_done is signalled
	 * (under `lock`) when it ends. */
	bool meta_flushing;
	pthread_cond_t meta_done;
	struct store_img **images;
	size_t n_images, cap_images;
	struct store_ref *refs;
	size_t n_refs, cap_refs;
	struct store_lay **layers;
	size_t n_layers, cap_layers;
	struct store_pin *pins;
	size_t n_pins, cap_pins;
	/* Bumped under `lock` with every change of the tables above or of image
	 * metadata (store_changed_locked); read without it (store_memo.h). */
	_Atomic uint64_t gen;
	pthread_mutex_t memo_lock; /* the memos; never held with `lock` */
	struct store_memo memos[STORE_MEMO_SLOTS];
	uint64_t memo_tick;
};

/* Records a change of what the store lists; call under s->lock, in the
 * critical section of the change (store_memo.h). */
static inline void
store_changed_locked(struct store *s)
{
	atomic_fetch_add(&s->gen, 1);
}

/* Frees every memo (store_close). */
void store_memo_release_all(struct store *s);

/* Lookups under s->lock; NULL when absent. */
struct store_img *store_find_image(struct store *s, const char *hex);
struct store_lay *store_find_layer(struct store *s, const char *hex);

/* chain = diff (base) or sha256(parent_chain_digest + " " + diff_digest); hex in/out. */
void store_chain_id(const char *parent_hex, const char *diff_hex, char ret[HEX_SZ]);

/* Loads one image (config + meta) into the index; used by open and commit. */
int store_image_load(struct store *s, const char *hex, const void *config, size_t len,
		     struct store_img **ret, struct err *e);
void store_img_free(struct store_img *img);
void store_lay_free(struct store_lay *l);

/*
 * Under s->lock: marks @img's metadata for writing by a background thread
 * instead of now; returns true when the caller must start that thread with
 * store_meta_flush_start() once it has released the lock.
 */
bool store_meta_write_behind(struct store *s, struct store_img *img);
/* Starts the writer (without s->lock); writes at once if no thread can run. */
void store_meta_flush_start(struct store *s);
/* Waits for the writer to finish (without s->lock; store_close). */
void store_meta_flush_wait(struct store *s);

/* Rewrites refs.json from the table (under s->lock). */
int store_refs_save(struct store *s, struct err *e);
/* Loads refs.json, dropping references to missing images (at open). */
int store_refs_load(struct store *s, struct err *e);
/* Loads every layers/<chain>/meta.json, removing invalid layer dirs. */
int store_layers_load(struct store *s, struct err *e);

/* True when some image other than @except (may be NULL) uses layer @chain,
 * or a hold is active. Under s->lock. */
bool store_layer_in_use(struct store *s, const char *chain, const struct store_img *except);
/* Unlinks layer @chain from the table and renames its dir aside; returns the
 * renamed path for the caller to rm -rf after unlocking (or NULL). */
char *store_layer_detach(struct store *s, const char *chain);

/* store_blob_pin with s->lock held. */
void store_blob_pin_locked(struct store *s, const char *digest);

/* Appends to a growable pointer array. */
void store_array_push(void ***arr, size_t *n, size_t *cap, void *item);
