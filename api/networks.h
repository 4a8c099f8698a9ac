/* SPDX-License-Identifier: Apache-2.0 */
/* /networks: dockerd's network API over engine/network. */
#pragma once

#include "api/router.h"

extern const struct api_route api_networks_routes[];
