/* SPDX-License-Identifier: Apache-2.0 */
/* Container routes: create, list, inspect and the lifecycle (containers.c),
 * top/stats/update/changes/prune (containers_resources.c), logs/export
 * (containers_io.c), docker cp (containers_archive.c). */
#pragma once

#include "api/router.h"
#include "engine/container/container.h"

extern const struct api_route api_containers_routes[];
extern const struct api_route api_containers_resources_routes[];
extern const struct api_route api_containers_io_routes[];
extern const struct api_route api_containers_archive_routes[];

/* Looks the {id} path parameter up (a reference); replies 404/400 itself and returns NULL. */
struct container *api_containers_lookup(struct api_request *r);
