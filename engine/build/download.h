/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP(S) downloads for the builder: ADD <url> and remote build contexts. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/util/err.h"

struct download_result {
	long status;		/* the final HTTP status */
	char *content_type;	/* NULL when the server sent none; caller frees */
	int64_t filetime;	/* Last-Modified as Unix seconds, -1 when unknown */
	uint64_t size;		/* bytes written to the fd */
	bool too_big;		/* stopped at @limit */
};

/*
 * GETs @url into @fd (http and https only, also across redirects; a stalled
 * transfer fails after a minute), writing at most @limit bytes. Returns 0
 * with @ret filled whatever the HTTP status (callers word their own
 * errors), or -EIO with curl's reason in @e when the transfer failed
 * (including when it stopped at @limit: check ret->too_big first).
 */
int build_download(const char *url, int fd, uint64_t limit, struct download_result *ret,
		   struct err *e);
