/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /system/df (docker-api-protocol.md §8.3) and the shared-size
 * calculator it and /images/json use: df gathers the store, container and
 * volume views into dockerd's shape.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/container_json.h"
#include "api/filters.h"
#include "api/images.h"
#include "api/system_df.h"
#include "api/jsonx.h"
#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/image/image.h"
#include "engine/registry/registry.h"
#include "engine/registry/registry_search.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

/* ---- shared size ------------------------------------------------------- */

struct shared_layer {
	char chain[DIGEST_STR_LEN + 1];
	uint64_t size;
	unsigned users;
};

struct shared_image {
	char id[DIGEST_STR_LEN + 1];
	size_t *layers;		/* indexes into sh->layers */
	size_t n;
};

struct api_shared {
	struct shared_layer *layers;
	size_t n_layers;
	struct shared_image *images;
	size_t n_images;
};

static size_t
shared_layer_index(struct api_shared *sh, struct engine *eng, const char *chain)
{
	struct store_layer_info li;

	for (size_t i = 0; i < sh->n_layers; i++)
		if (strcmp(sh->layers[i].chain, chain) == 0)
			return i;
	sh->layers = xrealloc(sh->layers, (sh->n_layers + 1) * sizeof(*sh->layers));
	memset(&sh->layers[sh->n_layers], 0, sizeof(*sh->layers));
	snprintf(sh->layers[sh->n_layers].chain, DIGEST_STR_LEN + 1, "%s", chain);
	if (store_layer_get(eng->store, chain, false, &li, NULL) == 0)
		sh->layers[sh->n_layers].size = li.size;
	return sh->n_layers++;
}

struct api_shared *
api_shared_new(struct engine *eng, const struct store_image_summary *list, size_t n)
{
	struct api_shared *sh = xcalloc(1, sizeof(*sh));

	sh->images = xcalloc(n ? n : 1, sizeof(*sh->images));
	for (size_t i = 0; i < n; i++) {
		_cleanup_buf_ struct buf cfg = BUF_INIT;
		_cleanup_strv_ char **chains = NULL;
		struct shared_image *img = &sh->images[sh->n_images++];
		size_t k = 0;

		snprintf(img->id, sizeof(img->id), "%s", list[i].id);
		if (store_image_get(eng->store, list[i].id, NULL, &cfg, NULL) < 0 ||
		    image_config_chain(cfg.data, cfg.len, NULL, &chains, NULL) < 0)
			continue;
		while (chains[k])
			k++;
		img->layers = xcalloc(k ? k : 1, sizeof(size_t));
		for (size_t j = 0; j < k; j++) {
			img->layers[img->n++] = shared_layer_index(sh, eng, chains[j]);
			sh->layers[img->layers[j]].users++;
		}
	}
	return sh;
}

int64_t
api_shared_size(const struct api_shared *sh, const char *id)
{
	int64_t total = 0;

	for (size_t i = 0; sh && i < sh->n_images; i++) {
		if (strcmp(sh->images[i].id, id) != 0)
			continue;
		for (size_t k = 0; k < sh->images[i].n; k++) {
			const struct shared_layer *l = &sh->layers[sh->images[i].layers[k]];
			if (l->users > 1)
				total += (int64_t)l->size;
		}
		return total;
	}
	return -1;
}

int64_t
api_shared_layers_size(const struct api_shared *sh)
{
	int64_t total = 0;

	for (size_t i = 0; sh && i < sh->n_layers; i++)
		total += (int64_t)sh->layers[i].size;
	return total;
}

void
api_shared_free(struct api_shared *sh)
{
	if (!sh)
		return;
	for (size_t i = 0; i < sh->n_images; i++)
		free(sh->images[i].layers);
	free(sh->images);
	free(sh->layers);
	free(sh);
}

/* ---- /system/df -------------------------------------------------------- */

struct df_types {
	bool containers, images, volumes, cache;
};

static void
df_type(const char *v, void *ud)
{
	struct df_types *t = ud;

	if (strcmp(v, "container") == 0)
		t->containers = true;
	else if (strcmp(v, "image") == 0)
		t->images = true;
	else if (strcmp(v, "volume") == 0)
		t->volumes = true;
	else if (strcmp(v, "build-cache") == 0)
		t->cache = true;
}

static void
df_images(struct api_request *r, json_t *o)
{
	struct engine *eng = r->ctx->engine;
	struct store_image_summary *list = NULL;
	struct api_shared *sh;
	size_t n = 0;
	json_t *arr = json_array();

	if (store_image_list(eng->store, &list, &n, NULL) < 0)
		n = 0;
	sh = api_shared_new(eng, list, n);
	for (size_t i = 0; i < n; i++) {
		int users = image_containers_using(eng->images, list[i].id);
		json_array_append_new(arr, api_images_summary_json(r, &list[i], list[i].repo_tags,
								   api_shared_size(sh, list[i].id),
								   users));
	}
	/* What the images really take: unpacked layers plus the compressed
	 * blobs kept for save and push, so a prune's SpaceReclaimed adds up. */
	json_object_set_new(o, "LayersSize",
			    json_integer(api_shared_layers_size(sh) +
					 (int64_t)store_blobs_size(eng->store)));
	json_object_set_new(o, "Images", arr);
	api_shared_free(sh);
	store_image_summaries_free(list, n);
}

static json_t *
df_volumes(struct engine *eng)
{
	struct volume_info *v = NULL;
	size_t n = 0;
	json_t *arr = json_array();

	if (volume_list(eng->volumes, &v, &n, NULL) < 0)
		return arr;
	for (size_t i = 0; i < n; i++) {
		json_t *users = volume_users(eng->volumes, v[i].name);
		json_array_append_new(
			arr, json_pack("{s:o,s:s,s:O,s:o,s:o,s:O,s:s,s:{s:I,s:I}}", "Name",
				       api_json_string(v[i].name), "Driver", "local", "Labels",
				       v[i].labels, "Mountpoint", api_json_string(v[i].mountpoint),
				       "CreatedAt", json_string(""), "Options", v[i].options,
				       "Scope", "local", "UsageData", "Size",
				       (json_int_t)volume_size(&v[i]), "RefCount",
				       (json_int_t)json_array_size(users)));
		json_decref(users);
		volume_info_release(&v[i]);
	}
	free(v);
	return arr;
}

/* operationId: SystemDataUsage */
void
api_system_df(struct api_request *r)
{
	struct engine *eng = r->ctx->engine;
	struct df_types t = {0};
	json_t *o = json_object();

	if (api_query_each(r, "type", df_type, &t) == 0)
		t = (struct df_types){ true, true, true, true };
	if (t.images)
		df_images(r, o);
	if (t.containers) {
		size_t n = 0;
		struct container **list = containers_list(eng->containers, &n);
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			_cleanup_container_snap_ struct container_snap *s = NULL;
			struct err e = ERR_INIT;
			if (container_snapshot(eng->containers, list[i], CONTAINER_SNAP_SIZES, &s,
					       &e) < 0)
				continue;
			json_t *doc = container_json_summary(s);
			/* The same shape as GET /containers/json for the version asked. */
			if (api_version_lt(r, 1, 44))
				container_json_networks_v141(doc, s);
			json_array_append_new(arr, doc);
		}
		containers_list_free(list, n);
		json_object_set_new(o, "Containers", arr);
	}
	if (t.volumes)
		json_object_set_new(o, "Volumes", df_volumes(eng));
	/* The classic builder's cache is its images' parent chain (counted in
	 * Images), so there are no BuildKit cache records and nothing to add. */
	if (t.cache)
		json_object_set_new(o, "BuildCache", json_array());
	/* dockerd sums BuildCache into BuilderSize before API 1.42 and omits it after. */
	if (t.cache && api_version_lt(r, 1, 42))
		json_object_set_new(o, "BuilderSize", json_integer(0));
	api_reply_json(r, 200, o);
}
