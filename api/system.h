/* SPDX-License-Identifier: Apache-2.0 */
/* System routes: /_ping, /version, /info. */
#pragma once

#include "api/router.h"

extern const struct api_route api_system_routes[];
