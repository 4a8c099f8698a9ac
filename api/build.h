/* SPDX-License-Identifier: Apache-2.0 */
/* POST /build: the classic builder (docker-api-protocol.md §5). */
#pragma once

#include "api/router.h"

extern const struct api_route api_build_routes[];

/*
 * Decodes the query and headers of POST /build @r exactly as the route does
 * (no build starts, the body is not read): 0, or -EINVAL after replying 400
 * with dockerd's message. For unit tests and tests/fuzz, which call it on a
 * request without a connection.
 */
int api_build_decode(struct api_request *r);
