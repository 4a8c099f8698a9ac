/* SPDX-License-Identifier: Apache-2.0 */
/* POST /commit (docker commit). */
#pragma once

#include "api/router.h"

extern const struct api_route api_commit_routes[];
