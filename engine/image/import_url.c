/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker import <url>` (POST /images/create?fromSrc=<url>): the root file
 * system tarball is downloaded with libcurl into an unnamed temp file in
 * the data root (bounded by LIMIT_UPLOAD_BYTES, http and https only, also
 * across redirects), then imported like a tarball from stdin. Progress is
 * dockerd's: "Downloading from <url>", then "Importing" byte counts.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "engine/image/image_internal.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* "Importing" lines at most every 100 ms, as dockerd's progress reader. */
#define IMPORT_PROGRESS_INTERVAL_NS (100 * 1000000LL)

struct download {
	CURL *curl;
	int fd;
	uint64_t n;
	int64_t total;			/* Content-Length, -1 unknown */
	int64_t last_emit_ns;
	bool too_big;
	int write_err;
	image_progress_fn progress;
	void *progress_ctx;
};

static void
emit_count(struct download *d)
{
	struct image_progress p = { .kind = IMAGE_PROGRESS_COUNT, .status = "Importing",
				    .current = (int64_t)d->n, .total = d->total };

	if (d->progress)
		d->progress(d->progress_ctx, &p);
}

static size_t
download_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct download *d = ud;
	size_t n = size * nmemb;
	int64_t now = time_mono_ns();
	int r;

	if (d->n + n > LIMIT_UPLOAD_BYTES) {
		d->too_big = true;
		return 0;
	}
	r = fs_write_all(d->fd, p, n);
	if (r < 0) {
		d->write_err = r;
		return 0;
	}
	d->n += n;
	if (now - d->last_emit_ns >= IMPORT_PROGRESS_INTERVAL_NS) {
		curl_off_t len = -1;

		/* The final reply's Content-Length (-1 for chunked replies). */
		if (curl_easy_getinfo(d->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK)
			d->total = len;
		d->last_emit_ns = now;
		emit_count(d);
	}
	return n;
}

/* "http://…" or "https://…"; a bare "host/path" gets http:// as in dockerd. */
static int
normalize_url(const char *src, char **ret, struct err *e)
{
	const char *sep = strstr(src, "://");

	for (const char *c = src; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return err_set(e, -EINVAL, "invalid import source URL");
	if (strlen(src) > 4096)
		return err_set(e, -EINVAL, "import source URL is too long");
	if (!sep) {
		*ret = xasprintf("http://%s", src);
		return 0;
	}
	if ((sep - src == 4 && strncasecmp(src, "http", 4) == 0) ||
	    (sep - src == 5 && strncasecmp(src, "https", 5) == 0)) {
		*ret = xstrdup(src);
		return 0;
	}
	return err_set(e, -EINVAL, "unsupported import source URL scheme (http and https only)");
}

static int
download(const char *url, struct download *d, struct err *e)
{
	_cleanup_curl_ CURL *c = curl_easy_init();
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_off_t len = -1;
	long code = 0;
	CURLcode cr;

	if (!c)
		return err_set(e, -ENOMEM, "cannot start a download");
	d->curl = c;
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A transfer under 1 KiB/s for 60 s is dead. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)LIMIT_UPLOAD_BYTES);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, download_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (d->too_big || cr == CURLE_FILESIZE_EXCEEDED)
		return err_set(e, -E2BIG, "import source %s is larger than %llu bytes", url,
			       (unsigned long long)LIMIT_UPLOAD_BYTES);
	if (d->write_err)
		return err_errno(e, d->write_err, "cannot store the download of %s", url);
	if (cr != CURLE_OK)
		return err_set(e, -EIO, "Get \"%s\": %s", url, curl_err[0] ? curl_err : curl_easy_strerror(cr));
	if (code < 200 || code >= 300)
		return err_set(e, -EIO, "failed to GET %s with status %ld", url, code);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK && len >= 0)
		d->total = len;
	return 0;
}

int
image_import_url(struct images *im, const char *src, const struct image_import_opts *o,
		 image_progress_fn progress, void *progress_ctx, char ret_id[DIGEST_STR_LEN + 1],
		 struct err *e)
{
	_cleanup_free_ char *url = NULL;
	_cleanup_free_ char *status = NULL;
	_cleanup_close_ int fd = -1;
	struct image_import_opts io = *o;
	struct download d = { .fd = -1, .total = -1, .progress = progress,
			      .progress_ctx = progress_ctx };
	int r;

	r = normalize_url(src, &url, e);
	if (r < 0)
		return r;
	fd = open(im->tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_errno(e, -errno, "cannot create a temporary file in '%s'", im->tmp_dir);
	status = xasprintf("Downloading from %s", url);
	if (progress)
		progress(progress_ctx, &(struct image_progress){ .kind = IMAGE_PROGRESS_MESSAGE,
								 .status = status });
	d.fd = fd;
	r = download(url, &d, e);
	if (r < 0)
		return r;
	emit_count(&d);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind the download of %s", url);
	io.src = url;
	return image_import(im, fd, &io, ret_id, e);
}
