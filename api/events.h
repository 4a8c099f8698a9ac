/* SPDX-License-Identifier: Apache-2.0 */
/* GET /events: the event stream. */
#pragma once

#include "api/router.h"

extern const struct api_route api_events_routes[];
