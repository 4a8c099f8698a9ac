/* SPDX-License-Identifier: Apache-2.0 */
/* Time helpers; see timeutil.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/util/parse.h"
#include "engine/util/timeutil.h"

/* Seconds from 1970 whose nanoseconds (plus a fraction) still fit int64:
 * the years 1678 to 2262, as Go's UnixNano. */
#define TIME_MAX_SEC (INT64_MAX / 1000000000LL - 1)

int64_t
time_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t
time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
format(int64_t ns, char out[TIME_STR_MAX], bool trim)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	long frac = (long)(ns % 1000000000LL);
	struct tm tm;
	size_t n;

	if (ns == 0 && trim) {
		snprintf(out, TIME_STR_MAX, "%s", TIME_ZERO_STR);
		return;
	}
	gmtime_r(&sec, &tm);
	n = strftime(out, TIME_STR_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	if (trim) {
		char digits[16];
		int len;
		if (frac == 0) {
			snprintf(out + n, TIME_STR_MAX - n, "Z");
			return;
		}
		len = snprintf(digits, sizeof(digits), "%09ld", frac);
		while (len > 0 && digits[len - 1] == '0')
			digits[--len] = '\0';
		snprintf(out + n, TIME_STR_MAX - n, ".%sZ", digits);
	} else {
		snprintf(out + n, TIME_STR_MAX - n, ".%09ldZ", frac);
	}
}

void
time_format_rfc3339nano(int64_t ns, char out[TIME_STR_MAX])
{
	format(ns, out, true);
}

void
time_format_rfc3339nano_fixed(int64_t ns, char out[TIME_STR_MAX])
{
	format(ns, out, false);
}

int
time_parse_rfc3339(const char *s, int64_t *ret_ns)
{
	struct tm tm = {0};
	const char *p;
	int64_t frac = 0, offset = 0;
	time_t sec;

	if (!s)
		return -EINVAL;
	if (strcmp(s, TIME_ZERO_STR) == 0) {
		*ret_ns = 0;
		return 0;
	}
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		int digits = 0;
		p++;
		while (isdigit((unsigned char)*p)) {
			if (digits < 9) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
			p++;
		}
		while (digits++ < 9)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		/* exactly "+hh:mm": p += 6 below must not step over the end */
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
		    !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]))
			return -EINVAL;
		int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = (p[4] - '0') * 10 + (p[5] - '0');
		offset = (int64_t)(hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	sec = timegm(&tm);
	/* Nanoseconds since 1970 fit int64 from 1678 to 2262; outside, the
	 * product overflowed (found by tests/fuzz/fuzz_filters, UBSan). */
	if ((int64_t)sec - offset < -TIME_MAX_SEC || (int64_t)sec - offset > TIME_MAX_SEC)
		return -ERANGE;
	*ret_ns = ((int64_t)sec - offset) * 1000000000LL + frac;
	return 0;
}

int
time_parse_timestamp(const char *s, int64_t *ret_ns)
{
	const char *dot;
	int64_t sec = 0, nsec = 0;
	char secbuf[32];

	if (!s || !*s)
		return -EINVAL;
	if (strchr(s, 'T'))
		return time_parse_rfc3339(s, ret_ns);
	dot = strchr(s, '.');
	if (dot) {
		size_t n = (size_t)(dot - s);
		if (n >= sizeof(secbuf))
			return -EINVAL;
		memcpy(secbuf, s, n);
		secbuf[n] = '\0';
		if (parse_int64(secbuf, -TIME_MAX_SEC, TIME_MAX_SEC, &sec) < 0)
			return -EINVAL;
		char nbuf[10] = "000000000";
		size_t k = strlen(dot + 1);
		if (k == 0 || k > 9 || !str_is_hex(dot + 1, 0))
			return -EINVAL;
		memcpy(nbuf, dot + 1, k);
		if (parse_int64(nbuf, 0, 999999999, &nsec) < 0)
			return -EINVAL;
	} else if (parse_int64(s, -TIME_MAX_SEC, TIME_MAX_SEC, &sec) < 0) {
		return -EINVAL;
	}
	*ret_ns = sec * 1000000000LL + nsec;
	return 0;
}
