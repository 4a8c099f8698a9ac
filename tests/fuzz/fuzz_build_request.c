/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The query and headers of POST /build (api/build.c's decoder, through
 * api_build_decode on a request without a connection): buildargs, labels,
 * cachefrom and ulimits JSON, the integers, remote=, and X-Registry-Config.
 * The input is a query string ("t=a&buildargs=%7B...": split at '&', then
 * percent-decoded as libmicrohttpd does), optionally followed by a newline
 * and the X-Registry-Config value.
 */
#include "config.h"

#include "api/build.h"
#include "api/request.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "tests/fuzz/fuzz.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* In place: %XX and '+' (libmicrohttpd's MHD_http_unescape plus form '+'). */
static void
unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*w++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else {
			*w++ = *s == '+' ? ' ' : *s;
		}
	}
	*w = '\0';
}

FUZZ_TARGET(build_request)
{
	_cleanup_free_ char *s = fuzz_str(data, size);
	_cleanup_strv_ char **query = NULL, **headers = NULL;
	char *nl = strchr(s, '\n'), *save = NULL;

	fuzz_quiet();
	if (nl) {
		*nl = '\0';
		headers = xcalloc(2, sizeof(char *));
		headers[0] = xasprintf("X-Registry-Config=%s", nl + 1);
	}
	/* key and value are unescaped apart: "%3D" in a key is no separator */
	for (char *kv = strtok_r(s, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq = '\0';
		unescape(kv);
		if (eq)
			unescape(eq + 1);
		_cleanup_free_ char *item = eq ? xasprintf("%s=%s", kv, eq + 1) : xstrdup(kv);
		strv_append(&query, item);
	}
	struct api_request r = {.body_fd = -1,
				.ver_major = 1,
				.ver_minor = 44,
				.no_conn_query = query,
				.no_conn_headers = headers};
	(void)api_build_decode(&r);
	return 0;
}
