/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time in nanoseconds since the epoch, and the two spellings Docker uses:
 * RFC 3339 with nanoseconds ("2026-11-29T17:05:19.123456789Z", trailing zeros
 * trimmed as Go does) and Go's zero time "0001-01-01T00:00:00Z" for "never".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIME_ZERO_STR "0001-01-01T00:00:00Z"
#define TIME_STR_MAX 40

int64_t time_now_ns(void);
int64_t time_mono_ns(void);

/* Go's time.RFC3339Nano (trims trailing zeros); 0 gives TIME_ZERO_STR. */
void time_format_rfc3339nano(int64_t ns, char out[TIME_STR_MAX]);

/* Fixed 9-digit fraction, as `docker logs -t` prints. */
void time_format_rfc3339nano_fixed(int64_t ns, char out[TIME_STR_MAX]);

/*
 * Parses RFC 3339 ("Z" or "+hh:mm", optional fraction) or Go's zero time
 * (→ 0): 0, -EINVAL, or -ERANGE for a time whose nanoseconds since 1970
 * do not fit int64 (before 1678 or after 2262).
 */
int time_parse_rfc3339(const char *s, int64_t *ret_ns);

/*
 * Parses Docker's since/until values: Unix seconds with optional
 * ".nanoseconds", or RFC 3339: 0, -EINVAL, or -ERANGE as above (Unix
 * seconds out of that range are -EINVAL).
 */
int time_parse_timestamp(const char *s, int64_t *ret_ns);
