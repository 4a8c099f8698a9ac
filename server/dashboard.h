/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in dashboard (--dashboard): static files served under
 * /dashboard/ on the API listeners, from one directory opened at start.
 * Only GET and HEAD; no directory listing; a path is resolved beneath the
 * directory, so "..", encoded or not, and symlinks cannot leave it. The
 * page itself talks to the public API; nothing here knows the API.
 */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>

#include "engine/util/err.h"

struct dashboard;

/*
 * Opens @dir (it must hold index.html). -ENOENT/-ENOTDIR/-EACCES with @e
 * naming the directory. The handle is read-only afterwards and may be used
 * by any connection thread.
 */
int dashboard_open(const char *dir, struct dashboard **ret, struct err *e);

/* Closes the directory; accepts NULL. */
void dashboard_free(struct dashboard *d);

/* True when @url ("/dashboard" or below it) is the dashboard's. */
bool dashboard_owns(const char *url);

/*
 * Answers one request for @url (dashboard_owns(url) true) on @conn: the file,
 * 301 from /dashboard to /dashboard/, 404 for anything that is not a
 * regular file beneath the directory, 405 for methods other than GET/HEAD.
 */
enum MHD_Result dashboard_serve(struct dashboard *d, struct MHD_Connection *conn, const char *url,
				const char *method);
