/* SPDX-License-Identifier: Apache-2.0 */
/* POST /build: the classic builder (docker-api-protocol.md §5). */
#pragma once

#include "api/router.h"

extern const struct api_route api_build_routes[];
