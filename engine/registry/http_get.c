/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP(S) GET into a file; see http_get.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/registry/http_get.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

struct sink {
	CURL *curl;
	const struct http_get_opts *o;
	struct http_get_result *res;
};

static size_t
sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;
	int r;

	if (s->res->size + n > s->o->limit) {
		s->res->too_big = true;
		return 0;
	}
	r = fs_write_all(s->o->fd, p, n);
	if (r < 0) {
		s->res->write_err = r;
		return 0;
	}
	s->res->size += n;
	if (s->o->progress) {
		curl_off_t len = -1;

		/* The final reply's Content-Length (-1 for chunked replies). */
		if (curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) != CURLE_OK)
			len = -1;
		s->o->progress(s->o->progress_ctx, s->res->size, (int64_t)len);
	}
	return n;
}

/* libcurl makes its sockets without SOCK_CLOEXEC: one made while a shim
 * or helper is being spawned would leak into it. */
static curl_socket_t
open_cloexec(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)ctx;
	(void)purpose;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

void
http_get_restrict_protocols(CURL *c)
{
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_cloexec);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

CURL *
http_curl_easy(void)
{
	CURL *h;

	/* Loads libcurl (and runs curl_global_init) unless it is loaded. */
	if (lazylib_hold(LAZYLIB_CURL) < 0)
		return NULL;
	h = curl_easy_init();
	if (!h)
		lazylib_release(LAZYLIB_CURL);
	return h;
}

void
http_curl_why(char *buf, size_t size)
{
	if (lazylib_is_loaded(LAZYLIB_CURL))
		snprintf(buf, size, "out of memory");
	else
		lazylib_error(LAZYLIB_CURL, buf, size);
}

int
http_get_url(const struct http_get_opts *o, struct http_get_result *ret, struct err *e)
{
	_cleanup_curl_ CURL *c = http_curl_easy();
	struct sink s = { .curl = c, .o = o, .res = ret };
	curl_off_t len = -1;
	long filetime = -1;
	char *ct = NULL;
	CURLcode cr;

	*ret = (struct http_get_result){ .filetime = -1, .content_length = -1 };
	if (!c) {
		char why[256];

		http_curl_why(why, sizeof(why));
		return err_set(e, lazylib_is_loaded(LAZYLIB_CURL) ? -ENOMEM : -ELIBACC,
			       "cannot start a download: %s", why);
	}
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	http_get_restrict_protocols(c);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit > 0 ? o->low_speed_limit : 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	if (o->refuse_long)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->limit);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ret->detail);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	curl_easy_getinfo(c, CURLINFO_FILETIME, &filetime);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK)
		ret->content_length = (int64_t)len;
	ret->filetime = filetime;
	if (cr == CURLE_FILESIZE_EXCEEDED)
		ret->too_big = true;
	ret->content_type = ct ? xstrdup(ct) : NULL;
	if (!ret->detail[0] && cr != CURLE_OK)
		snprintf(ret->detail, sizeof(ret->detail), "%s", curl_easy_strerror(cr));
	if (cr != CURLE_OK)
		return err_set(e, -EIO, "%s", curl_easy_strerror(cr));
	return 0;
}
