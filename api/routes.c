/* SPDX-License-Identifier: Apache-2.0 */
/* The list of route tables, one per resource group. */
#include "config.h"

#include "api/router.h"
#include "api/build.h"
#include "api/commit.h"
#include "api/attach.h"
#include "api/exec.h"
#include "api/containers.h"
#include "api/distribution.h"
#include "api/events.h"
#include "api/images.h"
#include "api/networks.h"
#include "api/swarm.h"
#include "api/system.h"
#include "api/volumes.h"
#include "api/websocket.h"

const struct api_route *const api_route_tables[] = {
	api_system_routes,
	api_containers_routes,
	api_containers_resources_routes,
	api_containers_io_routes,
	api_containers_archive_routes,
	api_attach_routes,
	api_exec_routes,
	api_websocket_routes,
	api_events_routes,
	api_images_routes,
	api_volumes_routes,
	api_networks_routes,
	api_build_routes,
	api_swarm_routes,
	api_commit_routes,
	api_distribution_routes,
	NULL,
};
