/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry client's HTTP core; see registry_http.h. Tokens (cache and
 * the auth server's token endpoint) are in registry_token.c. Security notes:
 * only http/https are allowed, also after redirects; credentials go out as
 * CURLOPT_USERNAME (curl drops it when a redirect leaves the host) or as a
 * custom Authorization header, which curl >= 7.58 also drops across hosts
 * (CURLOPT_UNRESTRICTED_AUTH stays off); Basic credentials are never sent
 * over plain HTTP to a token realm that is not itself an insecure registry.
 */
#include "config.h"

#include <jansson.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "engine/registry/http_get.h"
#include "engine/registry/registry_error.h"
#include "engine/registry/registry_http.h"
#include "engine/registry/registry_token.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/lazycurl.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

#define SMALL_REQUEST_TIMEOUT_S 120L

struct xfer {
	CURL *h;
	const struct registry_http_req *req;
	struct registry_http_resp *resp;
	size_t limit;
	size_t upload_off;
	bool too_big;
};

void
registry_http_resp_release(struct registry_http_resp *resp)
{
	buf_release(&resp->body);
	free(resp->content_type);
	free(resp->location);
	free(resp->digest);
	free(resp->www_auth);
	free(resp->content_range);
	memset(resp, 0, sizeof(*resp));
}

static void
reset_headers(struct registry_http_resp *resp)
{
	resp->content_type = mfree(resp->content_type);
	resp->location = mfree(resp->location);
	resp->digest = mfree(resp->digest);
	resp->www_auth = mfree(resp->www_auth);
	resp->content_range = mfree(resp->content_range);
	resp->accept_ranges = false;
	resp->content_length = -1;
}

/* Keeps the headers we use; a new status line (redirect) starts over. */
static size_t
header_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb, klen;
	const char *colon, *v;
	char **dst = NULL;

	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		reset_headers(x->resp);
		return n;
	}
	colon = memchr(data, ':', n);
	if (!colon || n > LIMIT_REGISTRY_HEADER)
		return n; /* oversized headers are ignored, not kept */
	klen = (size_t)(colon - data);
	v = colon + 1;
	while (v < data + n && (*v == ' ' || *v == '\t'))
		v++;
	size_t vlen = (size_t)(data + n - v);
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
#define IS(name) (klen == strlen(name) && strncasecmp(data, name, klen) == 0)
	if (IS("Content-Type"))
		dst = &x->resp->content_type;
	else if (IS("Location"))
		dst = &x->resp->location;
	else if (IS("Docker-Content-Digest"))
		dst = &x->resp->digest;
	else if (IS("WWW-Authenticate"))
		dst = &x->resp->www_auth;
	else if (IS("Content-Range"))
		dst = &x->resp->content_range;
	else if (IS("Accept-Ranges"))
		x->resp->accept_ranges = vlen == 5 && strncasecmp(v, "bytes", 5) == 0;
#undef IS
	/* The first WWW-Authenticate wins; others keep the latest value. */
	if (dst && !(dst == &x->resp->www_auth && *dst)) {
		free(*dst);
		*dst = xstrndup(v, vlen);
	}
	return n;
}

static bool
status_ok(CURL *h)
{
	long st = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
	return st >= 200 && st < 300;
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	int r;

	if (x->req->sink && status_ok(x->h)) {
		r = x->req->sink(x->req->sink_ctx, data, n);
		if (r < 0) {
			x->resp->sink_error = r;
			return 0; /* curl aborts with CURLE_WRITE_ERROR */
		}
		return n;
	}
	r = buf_append_checked(&x->resp->body, data, n, x->limit);
	if (r < 0) {
		x->too_big = true;
		return 0;
	}
	return n;
}

static size_t
read_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	ssize_t got;

	if (x->req->reader) {
		got = x->req->reader(x->req->reader_ctx, data, n);
		if (got < 0) {
			x->resp->sink_error = (int)got;
			return CURL_READFUNC_ABORT;
		}
		return (size_t)got;
	}
	if (n > x->req->upload_len - x->upload_off)
		n = x->req->upload_len - x->upload_off;
	memcpy(data, (const char *)x->req->upload + x->upload_off, n);
	x->upload_off += n;
	return n;
}

static int
xferinfo_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ud;
	int r = x->req->poll(x->req->poll_ctx, (int64_t)dlnow, (int64_t)ulnow);

	if (r != 0) {
		x->resp->sink_error = r < 0 ? r : -ECANCELED;
		return 1;
	}
	return 0;
}

static void
set_method(CURL *h, const struct registry_http_req *req)
{
	bool has_body = req->upload || req->reader;

	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET") != 0) {
		if (has_body || strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0) {
			curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
					 req->reader ? (curl_off_t)-1 : (curl_off_t)req->upload_len);
		} else if (strcmp(req->method, "POST") == 0) {
			curl_easy_setopt(h, CURLOPT_POST, 1L);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		}
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	}
}

static struct curl_slist *
build_headers(struct registry_client *c, const struct registry_http_req *req)
{
	struct curl_slist *l = NULL;
	_cleanup_free_ char *authz = NULL;

	for (size_t i = 0; req->headers && req->headers[i]; i++)
		l = curl_slist_append(l, req->headers[i]);
	if (req->authorization) {
		authz = xasprintf("Authorization: %s", req->authorization);
		l = curl_slist_append(l, authz);
		explicit_bzero(authz, strlen(authz));
	}
	/* curl's "Expect: 100-continue" costs a round trip per upload. */
	l = curl_slist_append(l, "Expect:");
	return l;
}

static int
map_curl(CURLcode cc, struct xfer *x)
{
	switch (cc) {
	case CURLE_OK: return 0;
	case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
	case CURLE_WRITE_ERROR:
		if (x->too_big)
			return -E2BIG;
		return x->resp->sink_error ? x->resp->sink_error : -EIO;
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_READ_ERROR:
		return x->resp->sink_error ? x->resp->sink_error : -ECANCELED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE: return -EPROTO;
	case CURLE_OUT_OF_MEMORY: return -ENOMEM;
	default: return -EIO;
	}
}

int
registry_http_perform(struct registry_client *c, const struct registry_http_req *req,
		      struct registry_http_resp *resp)
{
	_cleanup_curl_ CURL *h = http_curl_easy();
	_cleanup_curl_slist_ struct curl_slist *hdrs = NULL;
	struct xfer x = {.h = h, .req = req, .resp = resp,
			 .limit = req->body_limit ? req->body_limit : LIMIT_REGISTRY_SMALL_BODY};
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	int r;

	resp->status = 0;
	resp->sink_error = 0;
	buf_reset(&resp->body);
	reset_headers(resp);
	if (!h) {
		http_curl_why(resp->curl_err, sizeof(resp->curl_err));
		return lazylib_is_loaded(LAZYLIB_CURL) ? -ENOMEM : -EIO;
	}
	hdrs = build_headers(c, req);
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &x);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall_timeout_s);
	if (!req->long_transfer)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, SMALL_REQUEST_TIMEOUT_S);
	http_get_restrict_protocols(h);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, req->follow ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req->tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req->tls_verify ? 2L : 0L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (req->basic_user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, req->basic_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, req->basic_pass ? req->basic_pass : "");
	}
	if (req->poll) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	}
	set_method(h, req);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->content_length < 0) {
		curl_off_t cl = -1;
		curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		resp->content_length = cl;
	}
	/* The error buffer may echo the URL, never a credential. */
	snprintf(resp->curl_err, sizeof(resp->curl_err), "%s",
		 errbuf[0] ? errbuf : curl_easy_strerror(cc));
	r = map_curl(cc, &x);
	if (r < 0 && r != -E2BIG && resp->status != 0 && !resp->sink_error && !x.too_big)
		resp->status = 0; /* a reply cut short is a transport failure */
	return r;
}

int
registry_http_transport_err(int code, const struct registry_http_resp *resp, const char *what,
			    struct err *e)
{
	if (code == -ECANCELED)
		return err_set(e, code, "%s: canceled", what);
	if (code == -E2BIG)
		return err_set(e, code, "%s: reply too large", what);
	if (resp->sink_error && code == resp->sink_error)
		return err_errno(e, code, "%s", what);
	return err_set(e, code == -ECONNREFUSED || code == -ETIMEDOUT || code == -EPROTO ? code : -EHOSTUNREACH,
		       "%s: %s", what, resp->curl_err[0] ? resp->curl_err : "transfer failed");
}

char *
registry_http_url(const struct registry_repo *r, size_t i, const char *path)
{
	if (str_startswith(path, "https://", NULL) || str_startswith(path, "http://", NULL))
		return xstrdup(path);
	if (path[0] != '/') /* relative Location without a leading slash: rare */
		return xasprintf("%s/%s", r->eps[i].ep.base, path);
	return xasprintf("%s%s", r->eps[i].ep.base, path);
}

/* ---- probing and authenticated requests --------------------------------- */

static void
challenge_copy(struct registry_challenge *dst, const struct registry_challenge *src)
{
	dst->scheme = src->scheme;
	dst->realm = src->realm ? xstrdup(src->realm) : NULL;
	dst->service = src->service ? xstrdup(src->service) : NULL;
	dst->scope = src->scope ? xstrdup(src->scope) : NULL;
	dst->error = NULL;
}

int
registry_http_probe(struct registry_repo *r, size_t i, struct err *e)
{
	_cleanup_free_ char *url = NULL;
	struct registry_http_resp resp = {0};
	struct registry_challenge ch = {0};
	struct registry_http_req req = {.method = "GET", .tls_verify = r->eps[i].ep.tls_verify};
	bool done;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	done = r->eps[i].probed;
	pthread_mutex_unlock(&r->lock);
	if (done)
		return 0;
	url = registry_http_url(r, i, "/v2/");
	req.url = url;
	ret = registry_http_perform(r->client, &req, &resp);
	if (ret < 0) {
		char what[600];
		snprintf(what, sizeof(what), "Get \"%s\"", url);
		ret = registry_http_transport_err(ret, &resp, what, e);
	} else if (resp.status == 401) {
		/* No usable challenge: requests will fail with the registry's own 401. */
		(void)registry_auth_parse_challenge(resp.www_auth, &ch);
	} else if (resp.status != 200) {
		ret = err_set(e, -EHOSTUNREACH, "%s does not answer like a registry: status %ld", url,
			      resp.status);
	}
	registry_http_resp_release(&resp);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&r->lock);
	if (!r->eps[i].probed) {
		r->eps[i].ch = ch;
		r->eps[i].probed = true;
		ch = (struct registry_challenge){0};
	}
	pthread_mutex_unlock(&r->lock);
	registry_auth_challenge_release(&ch);
	return 0;
}

int
registry_http_pick(struct registry_repo *r, size_t *ret_i, struct err *e)
{
	size_t start;
	int ret = -EHOSTUNREACH;

	pthread_mutex_lock(&r->lock);
	start = r->cur;
	pthread_mutex_unlock(&r->lock);
	for (size_t i = start; i < r->n_eps; i++) {
		struct err local = ERR_INIT;

		ret = registry_http_probe(r, i, &local);
		if (ret == 0) {
			pthread_mutex_lock(&r->lock);
			r->cur = i;
			pthread_mutex_unlock(&r->lock);
			*ret_i = i;
			return 0;
		}
		err_copy(e, &local);
	}
	return ret;
}

static char *
token_key(const struct registry_repo *r, const struct registry_challenge *ch, const char *scope)
{
	return xasprintf("%s\n%s\n%s\n%s", ch->realm, ch->service ? ch->service : "",
			 scope ? scope : "", r->cred_id);
}

/*
 * Decides how to authenticate under challenge @ch: sets req->authorization
 * (into *ret_hdr, the caller's) or the Basic fields. @fresh skips the cache.
 */
static int
apply_auth(struct registry_repo *r, const struct registry_challenge *ch, const char *scope,
	   bool fresh, struct registry_http_req *req, char **ret_hdr, struct err *e)
{
	struct registry_token tok = {0};
	_cleanup_free_ char *key = NULL;
	char *cached = NULL;
	int ret;

	if (r->auth && r->auth->registrytoken) {
		*ret_hdr = xasprintf("Bearer %s", r->auth->registrytoken);
	} else if (ch->scheme == REGISTRY_SCHEME_BEARER) {
		key = token_key(r, ch, scope);
		cached = fresh ? NULL : registry_token_cache_get(r->client, key);
		if (!cached) {
			ret = registry_token_fetch(r->client, ch, r->auth, scope, r->login, &tok,
						   e);
			if (ret < 0)
				return ret;
			registry_token_cache_put(r->client, key, tok.token, tok.expires_in);
			cached = xstrdup(tok.token);
			registry_auth_token_release(&tok);
		}
		*ret_hdr = xasprintf("Bearer %s", cached);
		registry_creds_secret_free(cached);
	} else if (ch->scheme == REGISTRY_SCHEME_BASIC && r->auth && r->auth->username) {
		req->basic_user = r->auth->username;
		req->basic_pass = r->auth->password;
		return 0;
	} else {
		return 0;
	}
	req->authorization = *ret_hdr;
	return 0;
}

/* Our scope plus the one a 401 asked for, '\n'-separated, without repeats. */
static char *
merge_scope(const char *ours, const char *theirs)
{
	if (!theirs || !*theirs || (ours && strcmp(ours, theirs) == 0))
		return ours ? xstrdup(ours) : NULL;
	if (!ours)
		return xstrdup(theirs);
	return xasprintf("%s\n%s", ours, theirs);
}

/* One authenticated exchange under @ch; @e is set on every failure. */
static int
attempt(struct registry_repo *r, const struct registry_challenge *ch, const char *scope, bool fresh,
	struct registry_http_req *rq, struct registry_http_resp *resp, struct err *e)
{
	_cleanup_free_ char *hdr = NULL;
	int ret;

	rq->authorization = NULL;
	rq->basic_user = rq->basic_pass = NULL;
	ret = apply_auth(r, ch, scope, fresh, rq, &hdr, e);
	if (ret < 0)
		return ret;
	ret = registry_http_perform(r->client, rq, resp);
	if (hdr)
		explicit_bzero(hdr, strlen(hdr));
	rq->authorization = NULL;
	if (ret < 0)
		return registry_http_transport_err(ret, resp, rq->url, e);
	return 0;
}

int
registry_http_do(struct registry_repo *r, size_t i, const struct registry_http_req *req,
		 struct registry_http_resp *resp, struct err *e)
{
	struct registry_challenge ch = {0}, again = {0};
	_cleanup_free_ char *url = NULL, *scope = NULL;
	struct registry_http_req rq = *req;
	int ret;

	ret = registry_http_probe(r, i, e);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&r->lock);
	challenge_copy(&ch, &r->eps[i].ch);
	pthread_mutex_unlock(&r->lock);
	url = registry_http_url(r, i, req->url);
	rq.url = url;
	rq.tls_verify = r->eps[i].ep.tls_verify;
	ret = attempt(r, &ch, r->scope, false, &rq, resp, e);
	/* Expired token or a wider scope asked for: one more try, when the
	 * body can be sent again (streamed uploads cannot). */
	if (ret == 0 && resp->status == 401 && !req->reader &&
	    registry_auth_parse_challenge(resp->www_auth, &again) == 0 &&
	    (again.scheme == REGISTRY_SCHEME_BEARER || registry_creds_has_secret(r->auth))) {
		scope = merge_scope(r->scope, again.scope);
		ret = attempt(r, &again, scope, true, &rq, resp, e);
	}
	registry_auth_challenge_release(&ch);
	registry_auth_challenge_release(&again);
	return ret;
}
