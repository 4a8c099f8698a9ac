/* SPDX-License-Identifier: Apache-2.0 */
/* Checked parsers; see parse.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "engine/util/parse.h"

int
parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	char *end = NULL;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || !end || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret = (int64_t)v;
	return 0;
}

int
parse_uint64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end = NULL;
	unsigned long long v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || !end || *end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

bool
parse_docker_bool(const char *s, bool dflt)
{
	char tmp[16];
	size_t n;

	if (!s)
		return dflt;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= sizeof(tmp))
		return true;
	for (size_t i = 0; i < n; i++)
		tmp[i] = (char)tolower((unsigned char)s[i]);
	tmp[n] = '\0';
	return !(n == 0 || strcmp(tmp, "0") == 0 || strcmp(tmp, "no") == 0 ||
		 strcmp(tmp, "false") == 0 || strcmp(tmp, "none") == 0);
}

int
parse_strict_bool(const char *s, bool *ret)
{
	if (!s)
		return -EINVAL;
	if (strcasecmp(s, "1") == 0 || strcasecmp(s, "true") == 0) {
		*ret = true;
		return 0;
	}
	if (strcasecmp(s, "0") == 0 || strcasecmp(s, "false") == 0) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

int
parse_size(const char *s, int64_t *ret)
{
	char *end = NULL;
	double v;
	int64_t mul = 1;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -EINVAL;
	if (*end) {
		switch (tolower((unsigned char)*end)) {
		case 'b': mul = 1; break;
		case 'k': mul = 1024; break;
		case 'm': mul = 1024 * 1024; break;
		case 'g': mul = 1024LL * 1024 * 1024; break;
		case 't': mul = 1024LL * 1024 * 1024 * 1024; break;
		default: return -EINVAL;
		}
		end++;
		if (*end == 'b' || *end == 'B')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (v < 0 || v * (double)mul > 9.0e18)
		return -ERANGE;
	*ret = (int64_t)(v * (double)mul);
	return 0;
}

bool
str_startswith(const char *s, const char *prefix, const char **ret_rest)
{
	size_t n = strlen(prefix);

	if (!s || strncmp(s, prefix, n) != 0)
		return false;
	if (ret_rest)
		*ret_rest = s + n;
	return true;
}

bool
str_endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

bool
str_is_hex(const char *s, size_t n)
{
	size_t i;

	if (!s || !*s)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return n == 0 || i == n;
}

int
parse_go_duration(const char *s, int64_t *ret)
{
	int64_t total = 0;

	if (!*s)
		return -EINVAL;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		int64_t unit;
		if (end == s || v < 0)
			return -EINVAL;
		if (strncmp(end, "ms", 2) == 0) {
			unit = 1000000LL;
			end += 2;
		} else if (*end == 'h') {
			unit = 3600LL * 1000000000LL;
			end++;
		} else if (*end == 'm') {
			unit = 60LL * 1000000000LL;
			end++;
		} else if (*end == 's') {
			unit = 1000000000LL;
			end++;
		} else
			return -EINVAL;
		/* Go's ParseDuration: more than int64 nanoseconds is out of range
		 * (and a double past it cannot be converted without UB) */
		double ns = v * (double)unit;
		if (!(ns < 0x1p63) || total > INT64_MAX - (int64_t)ns)
			return -ERANGE;
		total += (int64_t)ns;
		s = end;
	}
	*ret = total;
	return 0;
}
