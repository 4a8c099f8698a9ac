/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The front door of plain (not TLS) listeners: berthd accepts each
 * connection itself, waits for the client's first bytes, looks at them
 * without taking them off the socket (MSG_PEEK) and either answers a
 * request line of binary garbage with a 400 and closes (api/reqline.h), or
 * hands the connection to libmicrohttpd with MHD_add_connection (with the
 * client's address, so MHD's per-address limit holds), which reads the
 * request from the first byte. A connection whose first request head is
 * seen whole in those first bytes goes to @d (a small connection memory,
 * zeroed at every request: cheap), any other to @large (memory for the
 * largest heads the limits allow, so they get berthd's JSON 414/431). One thread per listener polls the listening
 * socket and the connections that have not sent anything yet; those are
 * closed after @timeout_s, and past @max_pending the oldest goes first, as
 * the connection guard does for connections inside MHD.
 */
#pragma once

#include <microhttpd.h>
#include <stddef.h>

#include "engine/util/err.h"

struct frontdoor;

/* Accepts on @fd (listening, owned by the caller) for @d and @large (MHD_USE_NO_LISTEN_SOCKET). */
int frontdoor_start(int fd, struct MHD_Daemon *d, struct MHD_Daemon *large, unsigned timeout_s,
		    size_t max_pending, struct frontdoor **ret, struct err *e);

/* Stops accepting and closes the connections not handed over yet; frees. NULL is fine. */
void frontdoor_free(struct frontdoor *f);
