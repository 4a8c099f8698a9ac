/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image handlers and helpers shared inside api/: search, /auth and
 * /system/df (images_misc.c), and the summary/delete encoders and the
 * shared-size calculator images.c and /system/df both use.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/request.h"
#include "engine/store/store.h"

struct engine;
struct api_shared;

/* Counts, per layer, how many images use it, for SharedSize. */
struct api_shared *api_shared_new(struct engine *eng, const struct store_image_summary *list,
				  size_t n);
/* Bytes of image @id's layers that another image uses too. */
int64_t api_shared_size(const struct api_shared *sh, const char *id);
/* Bytes of all distinct layers (LayersSize). */
int64_t api_shared_layers_size(const struct api_shared *sh);
void api_shared_free(struct api_shared *sh);

/* One /images/json element with @tags as RepoTags (API-version quirks applied). */
json_t *api_images_summary_json(struct api_request *r, const struct store_image_summary *s,
				char **tags, int64_t shared, int containers);

/* [{"Untagged": ...}, {"Deleted": ...}] of a delete report. */
json_t *api_images_delete_items(const struct store_delete_report *rep);

void api_images_search(struct api_request *r);
void api_images_auth_login(struct api_request *r);
void api_system_df(struct api_request *r);
