/* SPDX-License-Identifier: Apache-2.0 */
/* The WebSocket attach route (GET /containers/{id}/attach/ws). */
#pragma once

#include "api/router.h"

extern const struct api_route api_websocket_routes[];
