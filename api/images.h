/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /images routes (images.c: list, inspect, history, tag, delete, prune,
 * search, /auth, /system/df; images_pull.c: create (pull, import), push;
 * images_transfer.c: save, load) and what they share: the progress-event
 * encoder that renders engine progress as dockerd's JSON lines.
 */
#pragma once

#include "api/router.h"
#include "api/stream.h"

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
