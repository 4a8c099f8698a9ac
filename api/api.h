/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Docker Engine API as libmicrohttpd callbacks. server/ creates the MHD
 * daemon and hands these two functions to it with a struct api_ctx as the
 * closure; api/ decodes each request, routes it and replies.
 */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>

struct engine;

/* The API version we advertise and the oldest we accept (docker-api-protocol.md §2.2). */
#define API_VERSION_MAJOR 1
#define API_VERSION_MINOR 44
#define API_VERSION_STR "1.44"
#define API_MIN_VERSION_MAJOR 1
#define API_MIN_VERSION_MINOR 24
#define API_MIN_VERSION_STR "1.24"

struct api_ctx {
	struct engine *engine;
	const char *tmp_dir;	/* where uploads are spooled (inside the data root) */
	bool log_requests;	/* one info line per request */
	/* Told when a connection is upgraded (hijack, WebSocket); may be NULL. */
	void (*conn_upgraded)(struct MHD_Connection *conn);
	/* Browsers: the origin allowed to make state-changing requests and
	 * WebSocket upgrades besides the listener's own ("*": any; NULL: none). */
	const char *cors_origin;
	/* A read-only listener: only GET and HEAD, no upgrades (403 otherwise). */
	bool read_only;
};

enum MHD_Result api_access_handler(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version,
				   const char *upload_data, size_t *upload_data_size,
				   void **req_cls);

void api_request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			   enum MHD_RequestTerminationCode toe);

/*
 * MHD_OPTION_URI_LOG_CALLBACK: sees each request's target as sent, before
 * libmicrohttpd decodes it, and marks a request whose target holds a
 * control byte; the access handler then answers it 400 and closes (the
 * later requests of a kept-alive connection, which the front door does not
 * see). What it returns becomes *req_cls: test it with api_request_is_new.
 */
void *api_uri_logged(void *cls, const char *uri, struct MHD_Connection *conn);

/* True when @req_cls is what the access handler gets on a request's first call. */
bool api_request_is_new(const void *req_cls);

/* Writes "METHOD PATTERN" for every route, one per line (openapi check). */
void api_dump_routes(FILE *f);
