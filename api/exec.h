/* SPDX-License-Identifier: Apache-2.0 */
/* Exec routes: create, start, inspect, resize. */
#pragma once

#include "api/router.h"

extern const struct api_route api_exec_routes[];
