/* SPDX-License-Identifier: Apache-2.0 */
/* GET /distribution/{name}/json. */
#pragma once

#include "api/router.h"

extern const struct api_route api_distribution_routes[];
