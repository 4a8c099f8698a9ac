/* SPDX-License-Identifier: Apache-2.0 */
/* Attach and resize routes, and helpers exec start shares with them. */
#pragma once

#include <stdbool.h>

#include "api/request.h"
#include "api/router.h"

extern const struct api_route api_attach_routes[];

/*
 * The Content-Type of an attach or exec stream: raw for a TTY and for API
 * versions below 1.42, multiplexed otherwise.
 */
const char *api_attach_content_type(struct api_request *r, bool tty);

/*
 * Reads the h and w query parameters of a resize: 0, or -EINVAL after
 * replying 400 `invalid resize height "x"` as dockerd does.
 */
int api_attach_resize_args(struct api_request *r, unsigned *ret_h, unsigned *ret_w);
