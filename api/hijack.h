/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hijacked connections (HTTP/1.1 upgrade, "101 UPGRADED"): after the 101
 * headers the socket is a raw, bidirectional byte stream, as attach and exec
 * start use it (docker-api-protocol.md §7). The relay function runs on its
 * own thread with a blocking socket; when it returns the connection is
 * closed. Daemon shutdown shuts every hijacked socket down so relays end.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "api/request.h"

/*
 * Runs the relay: @fd is the client's socket (blocking, owned by the
 * adapter: do not close it; shutdown(SHUT_WR) is allowed), @extra holds
 * bytes the client sent after its request head (first stdin bytes).
 */
typedef void (*api_hijack_fn)(int fd, const char *extra, size_t extra_len, void *arg);

/* True when the request asked for an upgrade ("Upgrade: tcp" or websocket). */
bool api_wants_upgrade(struct api_request *r, const char *protocol);

/*
 * Replies 101 with "Upgrade: @protocol", @content_type (may be NULL) and the
 * extra headers queued with api_reply_header, then runs @fn on a new thread.
 * @arg is freed with @free_arg after @fn returns (or if it never runs).
 */
void api_reply_hijack(struct api_request *r, const char *protocol, const char *content_type,
		      api_hijack_fn fn, void *arg, void (*free_arg)(void *));

/*
 * Whether the client of hijacked socket *(int *)@fdp hung up or its socket
 * failed (a half-close is not gone). Never blocks; a cancel callback for
 * the engine's waits.
 */
bool api_hijack_client_gone(void *fdp);

/* Shuts every hijacked socket down (daemon shutdown) and waits up to @ms for relays to end. */
void api_hijacks_shutdown(int ms);
