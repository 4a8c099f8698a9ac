/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP(S) downloads for the builder; see download.h. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>

#include "engine/build/download.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

struct sink {
	int fd;
	uint64_t limit;
	struct download_result *res;
};

static size_t
sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (s->res->size + n > s->limit) {
		s->res->too_big = true;
		return 0;
	}
	if (fs_write_all(s->fd, p, n) < 0)
		return 0;
	s->res->size += n;
	return n;
}

int
build_download(const char *url, int fd, uint64_t limit, struct download_result *ret,
	       struct err *e)
{
	struct download_result res = { .filetime = -1 };
	struct sink s = { fd, limit, &res };
	_cleanup_curl_ CURL *c = curl_easy_init();
	CURLcode cr;
	char *ct = NULL;
	long filetime = -1;

	*ret = res;
	if (!c)
		return err_set(e, -ENOMEM, "cannot start a download");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.status);
	curl_easy_getinfo(c, CURLINFO_FILETIME, &filetime);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	res.filetime = filetime;
	res.content_type = ct ? xstrdup(ct) : NULL;
	*ret = res;
	if (cr != CURLE_OK)
		return err_set(e, -EIO, "%s", curl_easy_strerror(cr));
	return 0;
}
