/* SPDX-License-Identifier: Apache-2.0 */
/*
 * First-bytes check of a new connection; see reqline.h.
 */
#include "config.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/reqline.h"
#include "engine/util/xalloc.h"

/* Longer than any method in use (the longest registered is 17 bytes). */
#define METHOD_MAX 32

/* RFC 9110 §5.6.2 tchar. */
static bool
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Go's url parser refuses control bytes; bytes >= 0x80 it takes as they are. */
static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

bool
reqline_is_garbage(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, start;

	while (i < n && (s[i] == '\r' || s[i] == '\n'))
		i++;
	/* method */
	start = i;
	while (i < n && is_tchar(s[i]))
		i++;
	if (i - start > METHOD_MAX)
		return true;
	if (i == n)
		return false;
	if (s[i] != ' ' || i == start)
		return true;
	i++;
	/* request target, then the version: no control byte until the line ends */
	for (; i < n; i++) {
		if (s[i] == '\n')
			return false;
		if (s[i] == '\r')
			return i + 1 < n && s[i + 1] != '\n';
		if (is_ctl(s[i]))
			return true;
	}
	return false;
}

bool
reqline_split_is_garbage(const char *method, const char *raw_target)
{
	size_t n = 0;

	if (method) {
		for (; method[n]; n++)
			if (!is_tchar((unsigned char)method[n]))
				return true;
		if (n == 0 || n > METHOD_MAX)
			return true;
	}
	for (const char *p = raw_target; p && *p; p++)
		if (is_ctl((unsigned char)*p))
			return true;
	return false;
}

bool
reqline_head_is_complete(const char *p, size_t n)
{
	const char *end = p + n, *nl;

	/* Empty lines before the request line (RFC 9112 §2.2) end nothing. */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	for (; (nl = memchr(p, '\n', (size_t)(end - p))) != NULL; p = nl + 1) {
		if (end - nl > 1 && nl[1] == '\n')
			return true;
		if (end - nl > 2 && nl[1] == '\r' && nl[2] == '\n')
			return true;
	}
	return false;
}

static char *bad_reply;
static size_t bad_reply_len;
static pthread_once_t bad_reply_once = PTHREAD_ONCE_INIT;

static void
build_bad_reply(void)
{
	json_t *body = json_pack("{s:s}", "message", "bad request: malformed HTTP request line");
	char *text = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	if (!text)
		abort();
	bad_reply = xasprintf("HTTP/1.1 400 Bad Request\r\n"
			      "Content-Type: application/json\r\n"
			      "Content-Length: %zu\r\n"
			      "Connection: close\r\n"
			      "\r\n"
			      "%s\n",
			      strlen(text) + 1, text);
	bad_reply_len = strlen(bad_reply);
	free(text);
}

const char *
reqline_bad_reply(size_t *ret_len)
{
	pthread_once(&bad_reply_once, build_bad_reply);
	*ret_len = bad_reply_len;
	return bad_reply;
}
