/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /images routes (images.c: list, inspect, history, tag, delete, prune,
 * and the route table, which also serves /auth and /system/df;
 * images_search.c: search, /auth; images_pull.c: create (pull, import),
 * push; images_transfer.c: save, load) and what they share: the
 * progress-event encoder that renders engine progress as dockerd's JSON
 * lines, and the summary and delete encoders.
 */
#pragma once

#include <jansson.h>

#include "api/router.h"
#include "api/stream.h"
#include "engine/store/store.h"

struct image_progress;

extern const struct api_route api_images_routes[];

/*
 * image_progress_fn for a stream: writes @p as one dockerd JSON line
 * ({"status","progressDetail","progress","id"}, {"aux"}, {"stream"}) to the
 * api_stream @ctx. A client that went away is ignored (the job goes on).
 */
void api_images_progress(void *ctx, const struct image_progress *p);

/* dockerd's progress bar for @current of @total bytes ("[===>   ] 1.2MB/3.4MB"). */
void api_images_progress_bar(int64_t current, int64_t total, char *buf, size_t size);

/* Handlers defined in images_pull.c and images_transfer.c. */
void api_images_create(struct api_request *r);
void api_images_push(struct api_request *r);
void api_images_save(struct api_request *r);
void api_images_save_one(struct api_request *r);
void api_images_load(struct api_request *r);

/* Handlers defined in images_search.c. */
void api_images_search(struct api_request *r);
void api_images_auth_login(struct api_request *r);

/* One /images/json element with @tags as RepoTags (API-version quirks applied). */
json_t *api_images_summary_json(struct api_request *r, const struct store_image_summary *s,
				char **tags, int64_t shared, int containers);

/* [{"Untagged": ...}, {"Deleted": ...}] of a delete report. */
json_t *api_images_delete_items(const struct store_delete_report *rep);
