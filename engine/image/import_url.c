/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker import <url>` (POST /images/create?fromSrc=<url>): the root file
 * system tarball is downloaded with libcurl into an unnamed temp file in
 * the data root (bounded by LIMIT_UPLOAD_BYTES, http and https only, also
 * across redirects), then imported like a tarball from stdin. Progress is
 * dockerd's: "Downloading from <url>", then "Importing" byte counts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "engine/image/image_internal.h"
#include "engine/registry/http_get.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* "Importing" lines at most every 100 ms, as dockerd's progress reader. */
#define IMPORT_PROGRESS_INTERVAL_NS (100 * 1000000LL)

struct download {
	int64_t last_emit_ns;
	image_progress_fn progress;
	void *progress_ctx;
};

static void
emit_count(struct download *d, uint64_t done, int64_t total)
{
	struct image_progress p = { .kind = IMAGE_PROGRESS_COUNT, .status = "Importing",
				    .current = (int64_t)done, .total = total };

	if (d->progress)
		d->progress(d->progress_ctx, &p);
}

static void
download_progress(void *ctx, uint64_t done, int64_t total)
{
	struct download *d = ctx;
	int64_t now = time_mono_ns();

	if (now - d->last_emit_ns >= IMPORT_PROGRESS_INTERVAL_NS) {
		d->last_emit_ns = now;
		emit_count(d, done, total);
	}
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
download(const char *url, int fd, struct download *d, struct err *e)
{
	struct http_get_opts o = {
		.url = url, .fd = fd, .limit = LIMIT_UPLOAD_BYTES, .refuse_long = true,
		/* A transfer under 1 KiB/s for 60 s is dead. */
		.low_speed_limit = 1024, .progress = download_progress, .progress_ctx = d,
	};
	struct http_get_result res;
	struct err ignored = ERR_INIT;
	int r = http_get_url(&o, &res, &ignored);

	free(res.content_type);
	if (r == -ENOMEM)
		return err_set(e, r, "cannot start a download");
	if (res.too_big)
		return err_set(e, -E2BIG, "import source %s is larger than %llu bytes", url,
			       (unsigned long long)LIMIT_UPLOAD_BYTES);
	if (res.write_err)
		return err_errno(e, res.write_err, "cannot store the download of %s", url);
	if (r < 0)
		return err_set(e, -EIO, "Get \"%s\": %s", url, res.detail);
	if (res.status < 200 || res.status >= 300)
		return err_set(e, -EIO, "failed to GET %s with status %ld", url, res.status);
	emit_count(d, res.size, res.content_length);
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
	struct download d = { .progress = progress, .progress_ctx = progress_ctx };
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
	r = download(url, fd, &d, e);
	if (r < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind the download of %s", url);
	io.src = url;
	return image_import(im, fd, &io, ret_id, e);
}
