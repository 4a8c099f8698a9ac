/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /system/df (system_df.c) and the shared-size calculator that it and
 * GET /images/json (images.c) use for SharedSize and LayersSize.
 */
#pragma once

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

/* operationId: SystemDataUsage */
void api_system_df(struct api_request *r);
