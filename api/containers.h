/* SPDX-License-Identifier: Apache-2.0 */
/* Container routes: create, list, inspect and the lifecycle. */
#pragma once

#include "api/router.h"

extern const struct api_route api_containers_routes[];
