/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plain HTTP(S) GET of a URL into a file, for downloads that are not
 * registry traffic: `ADD <url>`, remote build contexts, `docker import
 * <url>`. The one place that configures libcurl for them: http and https
 * only (also across redirects), at most 10 redirects, no signals, 30 s to
 * connect, a transfer below @low_speed_limit bytes/s for 60 s is dead.
 * Registry requests go through registry_http.h instead (auth, retries).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"
#include "engine/util/lazycurl.h"

/*
 * A new libcurl easy handle (NULL when libcurl cannot be loaded or out of
 * memory: http_curl_why() says which). libcurl itself is loaded
 * (engine/util/lazylib.h) and its global set-up runs here, on the first
 * transfer rather than at start-up, and again after the idle daemon
 * unloaded it; the handle holds the library until curl_easy_cleanup(). Every
 * easy handle of berthd comes from here.
 */
CURL *http_curl_easy(void);

/* Why http_curl_easy() returned NULL, into @buf. */
void http_curl_why(char *buf, size_t size);

struct http_get_opts {
	const char *url;
	int fd;			/* written from its current offset */
	uint64_t limit;		/* bytes written at most */
	long low_speed_limit;	/* bytes/s; 0 means 1 */
	bool refuse_long;	/* fail at once when Content-Length passes @limit */
	/* Called after each write with the bytes written so far and the
	 * final reply's Content-Length (-1 when unknown); may be NULL. */
	void (*progress)(void *ctx, uint64_t done, int64_t total);
	void *progress_ctx;
};

struct http_get_result {
	long status;		/* the final HTTP status */
	char *content_type;	/* NULL when the server sent none; caller frees */
	int64_t filetime;	/* Last-Modified as Unix seconds, -1 when unknown */
	int64_t content_length;	/* -1 when unknown */
	uint64_t size;		/* bytes written to the fd */
	bool too_big;		/* stopped at @limit */
	int write_err;		/* -errno when writing the fd failed */
	char detail[CURL_ERROR_SIZE];	/* curl's detailed reason on failure */
};

/*
 * Restricts @c to http and https, for the first request and every redirect
 * (CURLOPT_PROTOCOLS_STR from curl 7.85, the bitmask before). Every curl
 * handle in berth gets it: file://, gopher:// and the like are never asked
 * for by a client and only serve to reach what it should not. Its sockets
 * are made close-on-exec.
 */
void http_get_restrict_protocols(CURL *c);

/*
 * GETs @o->url into @o->fd. Returns 0 with @ret filled whatever the HTTP
 * status (callers word their own errors), or -EIO with curl's short reason
 * in @e when the transfer failed; @ret is filled then too (check too_big
 * and write_err first). -ENOMEM when curl cannot start.
 */
int http_get_url(const struct http_get_opts *o, struct http_get_result *ret, struct err *e);
