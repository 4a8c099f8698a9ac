/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Swarm mode and plugin routes, answered as a dockerd that is not part of a
 * swarm and has no plugins installed: /swarm, /nodes, /services, /tasks,
 * /secrets and /configs are 503 with dockerd's message; GET /plugins is an
 * empty list and the plugin routes that name a plugin are 404.
 */
#pragma once

#include "api/router.h"

extern const struct api_route api_swarm_routes[];
