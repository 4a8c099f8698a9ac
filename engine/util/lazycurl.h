/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Include this instead of <curl/curl.h>: libcurl's functions keep their
 * names but call through lazylib's table (engine/util/lazylib.h), so berthd
 * loads libcurl on its first transfer. The one way in is http_curl_easy()
 * (engine/registry/http_get.h), which holds the library for the handle it
 * returns; curl_easy_cleanup() releases it, so every other call must come
 * while a handle is alive (then libcurl may be unloaded when idle). libcurl's
 * compile-time option type checks (typecheck-gcc.h) do not apply through
 * the table.
 */
#pragma once
#define BERTH_LAZYCURL_H 1

#include <curl/curl.h>

#include "engine/util/lazylib.h"

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init(...) (lazylib_curl_fns.curl_global_init(__VA_ARGS__))
#define curl_easy_init() (lazylib_curl_fns.curl_easy_init())
#define curl_easy_setopt(...) (lazylib_curl_fns.curl_easy_setopt(__VA_ARGS__))
#define curl_easy_perform(...) (lazylib_curl_fns.curl_easy_perform(__VA_ARGS__))
#define curl_easy_getinfo(...) (lazylib_curl_fns.curl_easy_getinfo(__VA_ARGS__))
#define curl_easy_cleanup(...) lazycurl_easy_cleanup(__VA_ARGS__)
#define curl_easy_strerror(...) (lazylib_curl_fns.curl_easy_strerror(__VA_ARGS__))
#define curl_slist_append(...) (lazylib_curl_fns.curl_slist_append(__VA_ARGS__))
#define curl_slist_free_all(...) (lazylib_curl_fns.curl_slist_free_all(__VA_ARGS__))

/* curl_easy_cleanup, then the release of the hold http_curl_easy() took. */
static inline void
lazycurl_easy_cleanup(CURL *h)
{
	(lazylib_curl_fns.curl_easy_cleanup)(h); /* the table's, not the macro */
	lazylib_release(LAZYLIB_CURL);
}

#include "engine/util/cleanup.h"
