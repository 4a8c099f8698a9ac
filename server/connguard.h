/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection guard: keeps idle and slow clients from holding berthd's
 * connection threads. One guard per libmicrohttpd daemon (listener) tracks
 * every connection through MHD's connection notifications and knows which
 * phase each is in:
 *
 *   waiting   accepted, or between two requests of a keep-alive connection,
 *             until libmicrohttpd has the whole request header;
 *   body      the request header is in and the body is still arriving;
 *   serving   a handler runs, a response is being sent (streams included),
 *             or the connection was upgraded (attach, exec, WebSocket).
 *
 * A connection waiting or sending its body is cut (shutdown of its socket)
 * once it has made no progress for the idle time-out, and a header trickled
 * a byte at a time is cut when the time-out has passed since the connection
 * (or its previous request) ended, however much it trickled. When more than
 * @max_waiting connections are waiting at once, the oldest is cut at once,
 * so half-sent requests cannot lock other clients out. A connection that is
 * serving is never cut: a quiet `logs -f`, events or attach lives as long as
 * the client wants.
 */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/util/err.h"

struct connguard;

/* @name names the listener in log lines; @idle_timeout_s > 0. */
int connguard_new(const char *name, unsigned idle_timeout_s, size_t max_waiting,
		  struct connguard **ret, struct err *e);

/* Stops the watchdog; call after the MHD daemon was stopped. NULL is fine. */
void connguard_free(struct connguard *g);

/* MHD_OPTION_NOTIFY_CONNECTION callback; the guard is the closure. */
void connguard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode toe);

/*
 * Around every call of the access handler: @upload_size is
 * *upload_data_size as MHD passed it, @first whether this is the request's
 * first call (its header just arrived).
 */
void connguard_handler_enter(struct MHD_Connection *conn);
void connguard_handler_leave(struct MHD_Connection *conn, bool first, size_t upload_size);

/* The request ended (MHD's completion callback): the connection waits again. */
void connguard_request_done(struct MHD_Connection *conn);

/* The connection was upgraded (hijack, WebSocket): never cut it. */
void connguard_upgraded(struct MHD_Connection *conn);

/* How many connections are tracked, and how many were cut (tests, metrics). */
void connguard_counts(struct connguard *g, size_t *ret_open, size_t *ret_waiting,
		      unsigned long *ret_cut);
