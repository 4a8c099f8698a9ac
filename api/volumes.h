/* SPDX-License-Identifier: Apache-2.0 */
/* Volume routes: list, create, inspect, remove, prune. */
#pragma once

#include "api/router.h"

extern const struct api_route api_volumes_routes[];
