/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blob downloads and uploads; see registry_blob.h. The digest is the only
 * thing that makes a blob trustworthy, so it is computed over exactly the
 * bytes handed to the caller (also across resumed transfers), and a server
 * that sends more than the descriptor's size is cut off at once.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/registry/registry_blob.h"
#include "engine/registry/registry_error.h"
#include "engine/registry/registry_http.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

/* dockerd (distribution/xfer/download.go) waits 5 s after the first failed
 * attempt, 10 s after the second..., counting down once a second. */
#define BACKOFF_STEP_S 5u

struct fetch {
	const struct registry_blob_sink *sink;
	struct registry_http_resp *resp;
	struct sha256_ctx *sha;
	int64_t size;		/* expected, or -1 */
	int64_t done;		/* bytes handed to the sink */
	int64_t resume_from;	/* offset asked for with Range in this attempt */
	bool started;		/* first byte of this attempt seen */
	bool resumed;		/* some bytes came from a ranged request */
};

/* A new hash of the stream, unless the sink hashes what it is given itself. */
static void
fetch_new_hash(struct fetch *f)
{
	sha256_free(f->sha);
	f->sha = f->sink->digest ? NULL : sha256_new();
}

static void
fetch_restart(struct fetch *f)
{
	fetch_new_hash(f);
	f->done = 0;
	f->resumed = false;
}

/* The first bytes of an attempt tell whether Range was honoured. */
static int
fetch_begin(struct fetch *f)
{
	int64_t start;
	const char *p;
	int r;

	f->started = true;
	if (f->resume_from == 0)
		return 0;
	if (!f->resp->content_range) {
		/* 200 with the whole blob: the caller must drop what it has. */
		r = f->sink->reset(f->sink->ctx);
		if (r < 0)
			return r;
		fetch_restart(f);
		return 0;
	}
	if (!str_startswith(f->resp->content_range, "bytes ", &p) ||
	    sscanf(p, "%" SCNd64 "-", &start) != 1 || start != f->resume_from)
		return -EBADMSG; /* a range we did not ask for */
	f->resumed = true;
	return 0;
}

static int
fetch_write(void *ud, const void *p, size_t n)
{
	struct fetch *f = ud;
	int64_t limit = f->size >= 0 ? f->size : (int64_t)LIMIT_UPLOAD_BYTES;
	int r;

	if (!f->started) {
		r = fetch_begin(f);
		if (r < 0)
			return r;
	}
	if ((int64_t)n > limit - f->done)
		return -EFBIG; /* more than the descriptor says: hostile or broken */
	if (f->sha)
		sha256_update(f->sha, p, n);
	r = f->sink->write(f->sink->ctx, p, n);
	if (r < 0)
		return r;
	f->done += (int64_t)n;
	return 0;
}

static int
fetch_poll(void *ud, int64_t down, int64_t up)
{
	struct fetch *f = ud;

	if (f->sink->cancelled && f->sink->cancelled(f->sink->ctx))
		return -ECANCELED;
	if (f->sink->progress)
		f->sink->progress(f->sink->ctx, f->done, f->size);
	return 0;
}

/* Sleeps @ms in slices, waking for cancellation. */
static int
sleep_ms(const struct registry_blob_sink *s, unsigned ms)
{
	while (ms > 0) {
		unsigned step = ms > 100 ? 100 : ms;
		struct timespec ts = {0, (long)step * 1000000L};

		if (s->cancelled && s->cancelled(s->ctx))
			return -ECANCELED;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return 0;
}

/*
 * dockerd's back-off after failed attempt @attempt: attempt * 5 seconds,
 * announced as "Retrying in N seconds" once per second while it counts
 * down. A "second" lasts @unit_ms (1000; shorter only in tests).
 */
static int
backoff(const struct registry_blob_sink *s, unsigned attempt, unsigned unit_ms,
	const struct err *why)
{
	for (unsigned left = attempt * BACKOFF_STEP_S; left > 0; left--) {
		int r;

		if (s->retrying)
			s->retrying(s->ctx, attempt, left, why);
		r = sleep_ms(s, unit_ms);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool
transient_status(long st)
{
	return st == 408 || st == 429 || st >= 500;
}

/*
 * One attempt. Returns 0 when the whole blob arrived, 1 when a retry makes
 * sense (with @e describing why), negative for a final error.
 */
static int
fetch_once(struct registry_repo *r, size_t i, const char *digest, struct fetch *f, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", r->path, digest);
	char range[64];
	const char *hdrs[2] = {NULL, NULL};
	struct registry_http_req req = {.method = "GET", .url = path, .headers = hdrs, .follow = true,
					.long_transfer = true, .sink = fetch_write, .sink_ctx = f,
					.poll = fetch_poll, .poll_ctx = f};
	int rc;

	f->resume_from = f->done;
	f->started = false;
	if (f->done > 0) {
		snprintf(range, sizeof(range), "Range: bytes=%" PRId64 "-", f->done);
		hdrs[0] = range;
	}
	rc = registry_http_do(r, i, &req, f->resp, e);
	if (rc < 0) {
		/* Our own verdicts and the caller's are final; the network's are not. */
		if (rc == -EFBIG)
			return err_set(e, -EBADMSG,
				       "filesystem layer verification failed for digest %s: more than %" PRId64 " bytes",
				       digest, f->size);
		if (f->resp->sink_error || rc == -E2BIG || rc == -EPERM || rc == -EKEYREJECTED ||
		    rc == -EPROTO)
			return rc;
		return 1;
	}
	if (f->resp->status == 416) {
		/* Our offset is past what the server has: start over. */
		rc = f->sink->reset(f->sink->ctx);
		if (rc < 0)
			return err_errno(e, rc, "reset download of %s", digest);
		fetch_restart(f);
		err_set(e, -EIO, "range not satisfiable for %s", digest);
		return 1;
	}
	if (f->resp->status < 200 || f->resp->status >= 300) {
		struct registry_error re;
		registry_error_parse((int)f->resp->status, f->resp->body.data, f->resp->body.len, &re);
		rc = registry_error_to_err(&re, REGISTRY_OP_PULL_BLOB, r->display, digest, e);
		return transient_status(f->resp->status) ? 1 : rc;
	}
	if (f->size >= 0 && f->done != f->size) {
		err_set(e, -EIO, "short read of %s: %" PRId64 " of %" PRId64 " bytes", digest,
			f->done, f->size);
		return 1;
	}
	return 0;
}

static int
fetch_verify(struct fetch *f, const char *digest, struct err *e)
{
	char hex[DIGEST_HEX_LEN + 1];
	int r;

	if (f->sink->digest) {
		r = f->sink->digest(f->sink->ctx, hex);
		if (r < 0)
			return err_errno(e, r, "cannot verify %s", digest);
	} else {
		sha256_final_hex(f->sha, hex);
		f->sha = NULL;
	}
	if (strcmp(hex, digest + 7) != 0)
		return err_set(e, -EBADMSG, "filesystem layer verification failed for digest %s",
			       digest);
	return 0;
}

/*
 * After a mismatch, a download that was resumed may have glued two
 * different versions together: like dockerd, start it over (once the
 * attempts allow); a mismatch of a download in one piece is final.
 */
static int
restart_after_mismatch(struct fetch *f, const char *digest, struct err *why)
{
	int rc = f->sink->reset(f->sink->ctx);

	if (rc < 0)
		return err_errno(why, rc, "reset download of %s", digest);
	fetch_new_hash(f);
	f->done = 0;
	f->resumed = false;
	return 1;
}

int
registry_blob_fetch(struct registry_repo *r, const char *digest, int64_t size,
		    const struct registry_blob_sink *sink, struct err *e)
{
	struct registry_http_resp resp = {0};
	struct fetch f = {.sink = sink, .resp = &resp, .size = size};
	size_t i;
	int rc;

	if (!digest_is_valid(digest))
		return err_set(e, -EINVAL, "invalid blob digest '%.100s'", digest ? digest : "");
	rc = registry_http_pick(r, &i, e);
	if (rc < 0)
		return rc;
	fetch_new_hash(&f);
	for (unsigned attempt = 1, failed = 0;; attempt++) {
		struct err why = ERR_INIT;
		bool last = attempt >= r->client->max_attempts;

		rc = fetch_once(r, i, digest, &f, &why);
		if (rc == 0) {
			bool resumed = f.resumed;
			rc = fetch_verify(&f, digest, &why);
			if (rc < 0 && resumed && !last)
				rc = restart_after_mismatch(&f, digest, &why);
		}
		if (rc <= 0 || last) {
			if (rc > 0)
				rc = why.code;
			if (rc < 0)
				err_copy(e, &why);
			break;
		}
		/* A failing mirror hands over to the next endpoint. */
		if (r->eps[i].ep.mirror && i + 1 < r->n_eps) {
			i++;
			attempt = 0;
		}
		log_info("download of %s failed, retrying (%u/%u): %s", digest, attempt,
			 r->client->max_attempts, why.msg);
		rc = backoff(sink, ++failed, r->client->retry_unit_ms, &why);
		if (rc < 0) {
			err_set(e, rc, "download of %s canceled", digest);
			break;
		}
	}
	sha256_free(f.sha);
	registry_http_resp_release(&resp);
	return rc;
}

/* ---- small blobs into memory ---------------------------------------------- */

struct membuf {
	struct buf b;
	size_t limit;
};

static int
mem_write(void *ctx, const void *p, size_t n)
{
	struct membuf *m = ctx;
	return buf_append_checked(&m->b, p, n, m->limit);
}

static int
mem_reset(void *ctx)
{
	buf_reset(&((struct membuf *)ctx)->b);
	return 0;
}

int
registry_blob_fetch_buf(struct registry_repo *r, const char *digest, int64_t size, size_t limit,
			char **ret, size_t *ret_len, struct err *e)
{
	struct membuf m = {BUF_INIT, limit};
	struct registry_blob_sink sink = {.write = mem_write, .reset = mem_reset, .ctx = &m};
	int rc;

	if (size > (int64_t)limit)
		return err_set(e, -E2BIG, "blob %s is larger than %zu bytes", digest, limit);
	rc = registry_blob_fetch(r, digest, size, &sink, e);
	if (rc == -E2BIG && !err_is_set(e))
		rc = err_set(e, -E2BIG, "blob %s is larger than %zu bytes", digest, limit);
	if (rc < 0) {
		buf_release(&m.b);
		return rc;
	}
	*ret = buf_detach(&m.b, ret_len);
	return 0;
}

/* ---- push ------------------------------------------------------------------ */

int
registry_blob_exists(struct registry_repo *r, const char *digest, int64_t *ret_size, struct err *e)
{
	_cleanup_free_ char *path = NULL;
	struct registry_http_resp resp = {0};
	size_t i;
	int rc;

	if (!digest_is_valid(digest))
		return err_set(e, -EINVAL, "invalid blob digest '%.100s'", digest ? digest : "");
	rc = registry_http_pick(r, &i, e);
	if (rc < 0)
		return rc;
	path = xasprintf("/v2/%s/blobs/%s", r->path, digest);
	struct registry_http_req req = {.method = "HEAD", .url = path};
	rc = registry_http_do(r, i, &req, &resp, e);
	if (rc == 0) {
		if (resp.status == 200) {
			if (ret_size)
				*ret_size = resp.content_length;
			rc = 1;
		} else if (resp.status != 404) {
			struct registry_error re;
			registry_error_parse((int)resp.status, NULL, 0, &re);
			rc = registry_error_to_err(&re, REGISTRY_OP_PUSH, r->display, digest, e);
		}
	}
	registry_http_resp_release(&resp);
	return rc;
}

/* Same origin as endpoint @i? Tokens and sessions must stay on it. */
static bool
same_origin(const struct registry_repo *r, size_t i, const char *location)
{
	const char *base = r->eps[i].ep.base;
	size_t n = strlen(base);

	if (location[0] == '/')
		return true;
	return strncmp(location, base, n) == 0 && (location[n] == '/' || location[n] == '\0');
}

/* Keeps the latest Location; refuses one that leaves the registry. */
static int
take_location(struct registry_repo *r, size_t i, struct registry_http_resp *resp, char **loc,
	      struct err *e)
{
	if (!resp->location || !*resp->location)
		return err_set(e, -EPROTO, "registry sent no upload location");
	if (!same_origin(r, i, resp->location))
		return err_set(e, -EPROTO, "registry sent an upload location on another host: '%.200s'",
			       resp->location);
	free(*loc);
	*loc = TAKE_PTR(resp->location);
	return 0;
}

static int
push_status_err(struct registry_repo *r, struct registry_http_resp *resp, const char *what,
		struct err *e)
{
	struct registry_error re;

	registry_error_parse((int)resp->status, resp->body.data, resp->body.len, &re);
	registry_error_to_err(&re, REGISTRY_OP_PUSH, r->display, NULL, e);
	return err_prefix(e, "%s", what);
}

/* POST .../blobs/uploads/[?query]: 201 (mounted), 202 + Location, or an error. */
static int
start_upload(struct registry_repo *r, size_t i, const char *query, char **ret_loc, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/uploads/%s", r->path, query ? query : "");
	struct registry_http_resp resp = {0};
	struct registry_http_req req = {.method = "POST", .url = path};
	int rc;

	rc = registry_http_do(r, i, &req, &resp, e);
	if (rc == 0) {
		if (resp.status == 201)
			rc = 1;
		else if (resp.status == 202)
			rc = take_location(r, i, &resp, ret_loc, e);
		else
			rc = push_status_err(r, &resp, "start upload", e);
	}
	registry_http_resp_release(&resp);
	return rc;
}

int
registry_blob_mount(struct registry_repo *r, const char *digest, const char *from, struct err *e)
{
	_cleanup_free_ char *query = NULL, *loc = NULL;
	size_t i;
	int rc;

	if (!digest_is_valid(digest))
		return err_set(e, -EINVAL, "invalid blob digest '%.100s'", digest ? digest : "");
	/* The path grammar has no characters that need escaping in a query. */
	if (!from || !*from || strspn(from, "abcdefghijklmnopqrstuvwxyz0123456789._-/") != strlen(from))
		return err_set(e, -EINVAL, "invalid repository name '%.200s'", from ? from : "");
	rc = registry_http_pick(r, &i, e);
	if (rc < 0)
		return rc;
	query = xasprintf("?mount=%s&from=%s", digest, from);
	rc = start_upload(r, i, query, &loc, e);
	/* 202: the registry opened a normal session instead; it expires unused. */
	return rc < 0 ? rc : rc == 1 ? 1 : 0;
}

struct upload {
	const struct registry_blob_source *src;
	struct sha256_ctx *sha;
	int64_t done, size;
};

static ssize_t
upload_read(void *ctx, void *buf, size_t n)
{
	struct upload *u = ctx;
	ssize_t got;

	if (u->src->read) {
		got = u->src->read(u->src->ctx, buf, n);
	} else {
		do
			got = read(u->src->fd, buf, n);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			got = -errno;
	}
	if (got > 0) {
		sha256_update(u->sha, buf, (size_t)got);
		u->done += got;
		if (u->size >= 0 && u->done > u->size)
			return -EFBIG;
	}
	return got;
}

static int
upload_poll(void *ctx, int64_t down, int64_t up)
{
	struct upload *u = ctx;

	if (u->src->cancelled && u->src->cancelled(u->src->ctx))
		return -ECANCELED;
	if (u->src->progress)
		u->src->progress(u->src->ctx, u->done, u->size);
	return 0;
}

/* One streamed PATCH of everything; updates *loc from the reply. */
static int
patch_all(struct registry_repo *r, size_t i, char **loc, struct upload *u, struct err *e)
{
	static const char *const hdrs[] = {"Content-Type: application/octet-stream", NULL};
	struct registry_http_resp resp = {0};
	struct registry_http_req req = {.method = "PATCH", .url = *loc, .headers = hdrs,
					.reader = upload_read, .reader_ctx = u, .long_transfer = true,
					.poll = upload_poll, .poll_ctx = u};
	int rc;

	rc = registry_http_do(r, i, &req, &resp, e);
	if (rc == 0 && resp.status != 202 && resp.status != 204)
		rc = push_status_err(r, &resp, "upload", e);
	else if (rc == 0 && resp.location)
		rc = take_location(r, i, &resp, loc, e);
	registry_http_resp_release(&resp);
	return rc;
}

static int
commit_upload(struct registry_repo *r, size_t i, const char *loc, const char *digest, struct err *e)
{
	_cleanup_free_ char *url = xasprintf("%s%cdigest=%s", loc, strchr(loc, '?') ? '&' : '?', digest);
	struct registry_http_resp resp = {0};
	struct registry_http_req req = {.method = "PUT", .url = url};
	int rc;

	rc = registry_http_do(r, i, &req, &resp, e);
	if (rc == 0 && resp.status != 201 && resp.status != 204)
		rc = push_status_err(r, &resp, "commit upload", e);
	else if (rc == 0 && resp.digest && strcmp(resp.digest, digest) != 0)
		rc = err_set(e, -EBADMSG, "registry committed %.100s instead of %s", resp.digest, digest);
	registry_http_resp_release(&resp);
	return rc;
}

int
registry_blob_push(struct registry_repo *r, const char *digest, int64_t size,
		   const struct registry_blob_source *src, struct err *e)
{
	_cleanup_free_ char *loc = NULL;
	struct upload u = {.src = src, .size = size};
	char hex[DIGEST_HEX_LEN + 1];
	size_t i;
	int rc;

	if (!digest_is_valid(digest))
		return err_set(e, -EINVAL, "invalid blob digest '%.100s'", digest ? digest : "");
	rc = registry_http_pick(r, &i, e);
	if (rc < 0)
		return rc;
	rc = start_upload(r, i, NULL, &loc, e);
	if (rc == 1)
		return err_set(e, -EPROTO, "registry answered an upload request with 201");
	if (rc < 0)
		return rc;
	u.sha = sha256_new();
	rc = patch_all(r, i, &loc, &u, e);
	sha256_final_hex(u.sha, hex);
	if (rc == -EFBIG || (rc == 0 && size >= 0 && u.done != size))
		return err_set(e, -EBADMSG, "blob %s: source has %s bytes than the %" PRId64 " announced",
			       digest, u.done > size ? "more" : "fewer", size);
	if (rc < 0)
		return rc;
	/* Committing bytes that do not hash to the digest would only earn a
	 * DIGEST_INVALID; say what really happened instead. */
	if (strcmp(hex, digest + 7) != 0)
		return err_set(e, -EBADMSG, "blob content does not match digest %s (got sha256:%s)",
			       digest, hex);
	return commit_upload(r, i, loc, digest, e);
}
