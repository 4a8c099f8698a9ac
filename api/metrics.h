/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prometheus metrics (dockerd's --metrics-addr): every API request is
 * counted by method, route pattern and status, with a latency histogram per
 * method and route; pulls and builds in flight and their durations; and, at
 * scrape time, containers by state, images, shims, and berthd's own fds,
 * threads, memory and CPU. Served as the text exposition format 0.0.4 by
 * its own small HTTP server (api_metrics_access) on the metrics address.
 */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/util/buf.h"

struct api_request;
struct engine;

/* Called by the router when a matched route's handler is about to run. */
void api_metrics_request_start(struct api_request *r);
/* Called once per request when it completes (any status, any route). */
void api_metrics_request_done(struct api_request *r, double seconds);

/* Appends the whole exposition (text format 0.0.4) to @out. */
void api_metrics_render(struct engine *eng, struct buf *out);

/* The metrics listener's MHD access handler; @cls is the struct engine. */
enum MHD_Result api_metrics_access(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version, const char *upload_data,
				   size_t *upload_data_size, void **req_cls);
