/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "api/jsonx.h"
#include "api/reqline.h"
#include "engine/util/limits.h"

static bool
garbage(const char *s)
{
	return reqline_is_garbage(s, strlen(s));
}

Test(reqline, real_requests_pass)
{
	cr_assert_not(garbage("GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"));
	cr_assert_not(garbage("HEAD /_ping HTTP/1.1\n"));
	cr_assert_not(garbage("POST /v1.44/containers/create?name=a HTTP/1.1\r\n"));
	cr_assert_not(garbage("\r\nGET / HTTP/1.1\r\n"), "leading empty lines are allowed");
	/* bytes >= 0x80 in the target: Go takes them, so does MHD */
	cr_assert_not(garbage("GET /containers/\xc3\xa9/json HTTP/1.1\r\n"));
	/* HTTP/2's preface is a token line too: MHD answers it (505) */
	cr_assert_not(garbage("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
}

Test(reqline, partial_prefixes_pass)
{
	/* Only the bytes seen so far are judged: a valid start goes to MHD. */
	cr_assert_not(garbage("G"));
	cr_assert_not(garbage("GET"));
	cr_assert_not(garbage("GET /_pi"));
	cr_assert_not(garbage("GET /_ping HTTP/1.1\r"));
}

Test(reqline, garbage_is_refused)
{
	cr_assert(reqline_is_garbage("\0\1\2\3garbage\r\n", 12), "NUL first (MHD skips it as an "
								 "empty line)");
	cr_assert(garbage("\x16\x03\x01\x02"), "a TLS ClientHello on a plain listener");
	cr_assert(garbage(" GET / HTTP/1.1\r\n"), "empty method");
	cr_assert(garbage("GE\x01T / HTTP/1.1\r\n"));
	cr_assert(garbage("GET /_p\x01ng HTTP/1.1\r\n"), "control byte in the target");
	cr_assert(garbage("GET /\x7f HTTP/1.1\r\n"), "DEL in the target");
	cr_assert(garbage("GET / HTTP/1.1\rX"), "a bare CR");
	cr_assert(garbage("GET\t/ HTTP/1.1\r\n"), "a tab after the method");
	cr_assert(garbage("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "a method longer than any");
}

Test(reqline, bad_reply_is_a_docker_error)
{
	size_t len = 0;
	const char *r = reqline_bad_reply(&len);

	cr_assert_eq(len, strlen(r));
	cr_assert(strncmp(r, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
	cr_assert(strstr(r, "Connection: close\r\n"));
	cr_assert(strstr(r, "\r\n\r\n{\"message\":"));
}

static size_t
depth_of(const char *text)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	size_t d;

	cr_assert(j, "parses: %s", text);
	d = jx_depth(j, LIMIT_JSON_DEPTH);
	json_decref(j);
	return d;
}

Test(json_depth, counts_levels)
{
	cr_assert_eq(depth_of("1"), 0);
	cr_assert_eq(depth_of("{}"), 1);
	cr_assert_eq(depth_of("{\"a\":[1,{\"b\":[]}]}"), 4);
	cr_assert_eq(depth_of("[[],[[[]]],[]]"), 4);
}

Test(json_depth, deep_documents_exceed_the_limit)
{
	char buf[2 * 200 + 1];

	for (size_t n = LIMIT_JSON_DEPTH; n <= LIMIT_JSON_DEPTH + 1; n++) {
		memset(buf, '[', n);
		memset(buf + n, ']', n);
		buf[2 * n] = '\0';
		if (n == LIMIT_JSON_DEPTH)
			cr_assert_eq(depth_of(buf), LIMIT_JSON_DEPTH, "exactly the limit is fine");
		else
			cr_assert_gt(depth_of(buf), LIMIT_JSON_DEPTH);
	}
	memset(buf, '[', 200);
	memset(buf + 200, ']', 200);
	buf[400] = '\0';
	cr_assert_gt(depth_of(buf), LIMIT_JSON_DEPTH);
}

Test(reqline, split_requests_are_judged_as_the_first)
{
	cr_expect_not(reqline_split_is_garbage("GET", "/_ping"));
	cr_expect_not(reqline_split_is_garbage("M-SEARCH", NULL));
	cr_expect_not(reqline_split_is_garbage(NULL, "/x?q=%00%01"), "escapes are not bytes");
	cr_expect_not(reqline_split_is_garbage(NULL, "/caf\xc3\xa9"), "bytes >= 0x80 pass, as in "
								      "Go");
	cr_expect(reqline_split_is_garbage("\x01\x02", "/"));
	cr_expect(reqline_split_is_garbage("", "/"));
	cr_expect(reqline_split_is_garbage("GE T", "/"));
	cr_expect(reqline_split_is_garbage("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH", "/"), "past 32 "
										       "bytes");
	cr_expect(reqline_split_is_garbage(NULL, "/_p\x01ng"));
	cr_expect(reqline_split_is_garbage("GET", "/x\x7f"));
}

Test(reqline, a_head_is_complete_at_its_empty_line)
{
	static const char *const complete[] = {
		"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\n\n", /* bare LFs */
		"POST / HTTP/1.1\r\n\r\n{}",   /* a body may follow */
		"\r\nGET / HTTP/1.1\r\n\r\n",
	};
	static const char *const partial[] = {
		"GET /_ping HTTP/1.1\r\nHost: x\r\n\r",
		"GET /_ping HTTP/1.1\r\nHost: x\r\n",
		"\r\n\r\nGET / HTTP/1.1\r\n", /* leading empty lines end nothing */
		"\n",
		"",
	};

	for (size_t i = 0; i < sizeof(complete) / sizeof(*complete); i++)
		cr_expect(reqline_head_is_complete(complete[i], strlen(complete[i])), "%zu", i);
	for (size_t i = 0; i < sizeof(partial) / sizeof(*partial); i++)
		cr_expect_not(reqline_head_is_complete(partial[i], strlen(partial[i])), "%zu", i);
}
