/* SPDX-License-Identifier: Apache-2.0 */
/* The WebSocket attach route (GET /containers/{id}/attach/ws). */
#pragma once

#include <stdbool.h>

#include "api/router.h"
#include "engine/container/attach.h"

extern const struct api_route api_websocket_routes[];

/*
 * The receive side of an attach session alone, for unit tests and
 * tests/fuzz: reads the client's frames from @fd (a connected stream
 * socket) with wslay configured as for an attach, until the input ends,
 * the client breaks the protocol or detaches with @d (copied), and writes
 * each message to @shim as stdin. Replies (pongs, close) go back on @fd as
 * far as they fit. 0, -EIO when @shim failed, -ENOMEM.
 */
int websocket_receive(int fd, int shim, const struct attach_detach *d, bool *ret_detached);
