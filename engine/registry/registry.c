/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry client's objects and manifest operations; see registry.h.
 * Manifest bytes are verified here (sha256 against the requested digest)
 * before anyone parses them; parsing is manifest.c's, storing the caller's.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "engine/registry/registry.h"
#include "engine/registry/registry_error.h"
#include "engine/registry/registry_http.h"
#include "engine/registry/registry_token.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/lazycurl.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

struct registry_client *
registry_client_new(const struct registry_config *cfg)
{
	struct registry_client *c = xcalloc(1, sizeof(*c));
	const struct registry_config none = {0};

	cfg = cfg ? cfg : &none;
	c->insecure = strv_copy_nonnull((char *const *)cfg->insecure_registries);
	c->mirrors = strv_copy_nonnull((char *const *)cfg->mirrors);
	c->ca_file = cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
	c->connect_timeout_s = cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 15;
	c->stall_timeout_s = cfg->stall_timeout_s > 0 ? cfg->stall_timeout_s : 30;
	c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 5;
	c->retry_unit_ms = cfg->retry_unit_ms > 0 ? cfg->retry_unit_ms : 1000;
	snprintf(c->user_agent, sizeof(c->user_agent), "berth/%s", PACKAGE_VERSION);
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
registry_client_free(struct registry_client *c)
{
	if (!c)
		return;
	registry_token_cache_clear(c);
	strv_free(c->insecure);
	strv_free(c->mirrors);
	free(c->ca_file);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Docker's path grammar: lower-case components joined by '/', separators . _ __ -. */
static bool
path_ok(const char *p)
{
	size_t len = strlen(p);

	if (len == 0 || len > 255 || p[0] == '/' || p[len - 1] == '/' || strstr(p, "//"))
		return false;
	for (const char *s = p; *s; s++) {
		bool alnum = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9');
		if (!alnum && !strchr("._-/", *s))
			return false;
		/* separators sit between alphanumerics */
		if (!alnum && *s != '/' && (s == p || s[-1] == '/' || !s[1] || s[1] == '/'))
			if (!(*s == '_' && (s[1] == '_' || s[-1] == '_')))
				return false;
	}
	return true;
}

/* Short hash of the credentials, so different users never share a token. */
static void
cred_id(const struct registry_creds *a, char out[17])
{
	char hex[DIGEST_HEX_LEN + 1];
	struct sha256_ctx *ctx = sha256_new();
	const char *parts[] = {a ? a->username : NULL, a ? a->password : NULL,
			       a ? a->identitytoken : NULL};

	for (size_t i = 0; i < 3; i++) {
		if (parts[i])
			sha256_update(ctx, parts[i], strlen(parts[i]) + 1);
		sha256_update(ctx, "|", 1);
	}
	sha256_final_hex(ctx, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

static int
repo_new(struct registry_client *c, const char *domain, const char *path, const char *display,
	 const struct registry_creds *auth, unsigned flags, struct registry_repo **ret,
	 struct err *e)
{
	struct registry_endpoint eps[REGISTRY_ENDPOINTS_MAX];
	struct registry_repo *r;
	int n;

	if (path && !path_ok(path))
		return err_set(e, -EINVAL, "invalid repository name '%.300s'", path);
	/* Mirrors only serve pulls. */
	n = registry_endpoint_list(domain, (const char *const *)c->insecure,
				   (flags & REGISTRY_REPO_PUSH) || !path ? NULL : (const char *const *)c->mirrors,
				   eps, e);
	if (n < 0)
		return n;
	r = xcalloc(1, sizeof(*r));
	r->client = c;
	for (int i = 0; i < n; i++)
		r->eps[i].ep = eps[i];
	r->n_eps = (size_t)n;
	r->domain = xstrdup(domain);
	r->path = path ? xstrdup(path) : NULL;
	r->display = xstrdup(display ? display : path ? path : domain);
	if (path)
		r->scope = xasprintf("repository:%s:%s", path,
				     (flags & REGISTRY_REPO_PUSH) ? "pull,push" : "pull");
	r->auth = registry_creds_dup(auth);
	cred_id(auth, r->cred_id);
	pthread_mutex_init(&r->lock, NULL);
	*ret = r;
	return 0;
}

int
registry_repo_open(struct registry_client *c, const char *domain, const char *path,
		   const char *display, const struct registry_creds *auth, unsigned flags,
		   struct registry_repo **ret, struct err *e)
{
	if (!path)
		return err_set(e, -EINVAL, "missing repository name");
	return repo_new(c, domain, path, display, auth, flags, ret, e);
}

void
registry_repo_close(struct registry_repo *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_eps; i++) {
		free(r->eps[i].ep.base);
		registry_auth_challenge_release(&r->eps[i].ch);
	}
	registry_creds_free(r->auth);
	free(r->domain);
	free(r->path);
	free(r->display);
	free(r->scope);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

const char *
registry_repo_path(const struct registry_repo *r)
{
	return r->path;
}

/* ---- manifests ------------------------------------------------------------ */

static const char *const manifest_accept[] = {
	"Accept: " MT_OCI_INDEX,
	"Accept: " MT_DOCKER_LIST,
	"Accept: " MT_OCI_MANIFEST,
	"Accept: " MT_DOCKER_MANIFEST,
	NULL,
};

void
registry_manifest_reply_release(struct registry_manifest_reply *m)
{
	if (!m)
		return;
	free(m->data);
	free(m->media_type);
	memset(m, 0, sizeof(*m));
}

/* A tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; a digest must be valid. */
static int
check_reference(const char *ref, struct err *e)
{
	size_t n = ref ? strlen(ref) : 0;

	if (digest_is_valid(ref))
		return 0;
	if (n == 0 || n > 128 || ref[0] == '.' || ref[0] == '-' ||
	    strspn(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
		return err_set(e, -EINVAL, "invalid tag or digest '%.200s'", ref ? ref : "");
	return 0;
}

static char *
content_type_base(const char *ct)
{
	size_t n = ct ? strcspn(ct, ";") : 0;

	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return xstrndup(ct ? ct : "", n);
}

/* Sets @e from a non-2xx reply in dockerd's words. */
static int
reply_err(struct registry_repo *r, const struct registry_http_resp *resp, enum registry_op op,
	  const char *ref_display, struct err *e)
{
	struct registry_error re;

	registry_error_parse((int)resp->status, resp->body.data, resp->body.len, &re);
	return registry_error_to_err(&re, op, r->display, ref_display, e);
}

/* One manifest GET on endpoint @i, verified. */
static int
get_manifest_at(struct registry_repo *r, size_t i, const char *reference,
		const char *ref_display, struct registry_manifest_reply *ret, struct err *e)
{
	struct registry_http_resp resp = {0};
	_cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", r->path, reference);
	struct registry_http_req req = {.method = "GET", .url = path, .headers = manifest_accept,
					.body_limit = LIMIT_MANIFEST_BYTES};
	char hex[DIGEST_HEX_LEN + 1];
	int ret_code;

	ret_code = registry_http_do(r, i, &req, &resp, e);
	if (ret_code < 0) {
		registry_http_resp_release(&resp);
		if (ret_code == -E2BIG)
			return err_set(e, -E2BIG, "manifest for %s is larger than %u bytes",
				       ref_display, LIMIT_MANIFEST_BYTES);
		return ret_code;
	}
	if (resp.status != 200) {
		ret_code = reply_err(r, &resp, REGISTRY_OP_PULL_MANIFEST, ref_display, e);
		registry_http_resp_release(&resp);
		return ret_code;
	}
	sha256_hex(resp.body.data ? resp.body.data : "", resp.body.len, hex);
	/* Never trust the header alone: by digest the bytes must hash to it;
	 * by tag a header that disagrees with the bytes means tampering. */
	if ((digest_is_valid(reference) && strcmp(reference + 7, hex) != 0) ||
	    (!digest_is_valid(reference) && resp.digest && digest_is_valid(resp.digest) &&
	     strcmp(resp.digest + 7, hex) != 0)) {
		registry_http_resp_release(&resp);
		return err_set(e, -EBADMSG, "manifest verification failed for digest %s",
			       digest_is_valid(reference) ? reference : "from Docker-Content-Digest");
	}
	ret->media_type = content_type_base(resp.content_type);
	snprintf(ret->digest, sizeof(ret->digest), "sha256:%s", hex);
	ret->data = buf_detach(&resp.body, &ret->len);
	registry_http_resp_release(&resp);
	return 0;
}

/*
 * Runs @op on the endpoints in order: an endpoint that fails its /v2/
 * probe is skipped (https → http for insecure registries, dead mirrors);
 * a mirror that fails the operation falls back to the next endpoint.
 */
static int
with_endpoints(struct registry_repo *r, int (*op)(struct registry_repo *, size_t, void *, struct err *),
	       void *ctx, struct err *e)
{
	int ret = -EHOSTUNREACH;

	for (size_t i = 0; i < r->n_eps; i++) {
		struct err local = ERR_INIT;

		ret = registry_http_probe(r, i, &local);
		if (ret == 0) {
			ret = op(r, i, ctx, &local);
			if (ret == 0) {
				pthread_mutex_lock(&r->lock);
				r->cur = i;
				pthread_mutex_unlock(&r->lock);
				return 0;
			}
			if (!r->eps[i].ep.mirror) {
				err_copy(e, &local);
				return ret;
			}
		}
		err_copy(e, &local);
	}
	return ret;
}

struct fetch_ctx {
	const char *reference, *ref_display;
	struct registry_manifest_reply *ret;
};

static int
fetch_op(struct registry_repo *r, size_t i, void *ud, struct err *e)
{
	struct fetch_ctx *f = ud;
	return get_manifest_at(r, i, f->reference, f->ref_display, f->ret, e);
}

int
registry_fetch_manifest(struct registry_repo *r, const char *reference, const char *ref_display,
			struct registry_manifest_reply *ret, struct err *e)
{
	struct fetch_ctx f = {reference, ref_display ? ref_display : reference, ret};
	int rc;

	rc = check_reference(reference, e);
	if (rc < 0)
		return rc;
	memset(ret, 0, sizeof(*ret));
	return with_endpoints(r, fetch_op, &f, e);
}

struct head_ctx {
	const char *reference, *ref_display;
	char *digest;
	char **media_type;
	int64_t *size;
};

static int
head_op(struct registry_repo *r, size_t i, void *ud, struct err *e)
{
	struct head_ctx *h = ud;
	struct registry_http_resp resp = {0};
	struct registry_manifest_reply m = {0};
	_cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", r->path, h->reference);
	struct registry_http_req req = {.method = "HEAD", .url = path, .headers = manifest_accept};
	struct err ignored = ERR_INIT;
	int rc;

	rc = registry_http_do(r, i, &req, &resp, &ignored);
	if (rc == 0 && resp.status == 200 && digest_is_valid(resp.digest) &&
	    (!digest_is_valid(h->reference) || strcmp(resp.digest, h->reference) == 0)) {
		snprintf(h->digest, DIGEST_STR_LEN + 1, "%s", resp.digest);
		*h->media_type = content_type_base(resp.content_type);
		*h->size = resp.content_length;
		registry_http_resp_release(&resp);
		return 0;
	}
	registry_http_resp_release(&resp);
	/* HEAD failed or said too little: GET tells the whole story (moby does the same). */
	rc = get_manifest_at(r, i, h->reference, h->ref_display, &m, e);
	if (rc < 0)
		return rc;
	snprintf(h->digest, DIGEST_STR_LEN + 1, "%s", m.digest);
	*h->media_type = TAKE_PTR(m.media_type);
	*h->size = (int64_t)m.len;
	registry_manifest_reply_release(&m);
	return 0;
}

int
registry_resolve(struct registry_repo *r, const char *reference, const char *ref_display,
		 char ret_digest[DIGEST_STR_LEN + 1], char **ret_media_type, int64_t *ret_size,
		 struct err *e)
{
	char digest[DIGEST_STR_LEN + 1];
	_cleanup_free_ char *mt = NULL;
	int64_t size = -1;
	struct head_ctx h = {reference, ref_display ? ref_display : reference, digest, &mt, &size};
	int rc;

	rc = check_reference(reference, e);
	if (rc < 0)
		return rc;
	rc = with_endpoints(r, head_op, &h, e);
	if (rc < 0)
		return rc;
	memcpy(ret_digest, digest, sizeof(digest));
	if (ret_media_type)
		*ret_media_type = TAKE_PTR(mt);
	if (ret_size)
		*ret_size = size;
	return 0;
}

int
registry_put_manifest(struct registry_repo *r, const char *reference, const char *media_type,
		      const void *body, size_t len, char ret_digest[DIGEST_STR_LEN + 1],
		      struct err *e)
{
	_cleanup_free_ char *path = NULL, *ct = NULL;
	struct registry_http_resp resp = {0};
	char hex[DIGEST_HEX_LEN + 1];
	const char *hdrs[2];
	size_t i;
	int rc;

	rc = check_reference(reference, e);
	if (rc < 0)
		return rc;
	rc = registry_http_pick(r, &i, e);
	if (rc < 0)
		return rc;
	if (len > LIMIT_MANIFEST_BYTES)
		return err_set(e, -E2BIG, "manifest larger than %u bytes", LIMIT_MANIFEST_BYTES);
	if (!media_type || strpbrk(media_type, "\r\n"))
		return err_set(e, -EINVAL, "invalid manifest media type");
	sha256_hex(body, len, hex);
	if (digest_is_valid(reference) && strcmp(reference + 7, hex) != 0)
		return err_set(e, -EINVAL, "manifest does not match digest %s", reference);
	path = xasprintf("/v2/%s/manifests/%s", r->path, reference);
	ct = xasprintf("Content-Type: %s", media_type);
	hdrs[0] = ct;
	hdrs[1] = NULL;
	struct registry_http_req req = {.method = "PUT", .url = path, .headers = hdrs,
					.upload = body, .upload_len = len};
	rc = registry_http_do(r, i, &req, &resp, e);
	if (rc == 0 && resp.status != 201 && resp.status != 200)
		rc = reply_err(r, &resp, REGISTRY_OP_PUSH, reference, e);
	else if (rc == 0 && resp.digest && digest_is_valid(resp.digest) && strcmp(resp.digest + 7, hex) != 0)
		rc = err_set(e, -EBADMSG, "registry stored manifest as %s, expected sha256:%s",
			     resp.digest, hex);
	registry_http_resp_release(&resp);
	if (rc < 0)
		return rc;
	if (ret_digest)
		snprintf(ret_digest, DIGEST_STR_LEN + 1, "sha256:%s", hex);
	return 0;
}

/* ---- login ---------------------------------------------------------------- */

void
registry_login_result_release(struct registry_login_result *r)
{
	if (!r)
		return;
	registry_creds_secret_free(r->identity_token);
	r->identity_token = NULL;
}

/* "https://index.docker.io/v1/" → "docker.io"; "http://h:5000/x" → "h:5000". */
static char *
server_domain(const char *server)
{
	const char *s = server;
	size_t n;

	if (!s || !*s || strcmp(s, REGISTRY_DOCKER_HUB_INDEX) == 0)
		return xstrdup(REGISTRY_DOCKER_HUB);
	if (!str_startswith(s, "https://", &s))
		str_startswith(s, "http://", &s);
	n = strcspn(s, "/");
	return xstrndup(s, n);
}

/* Basic registries: dockerd reports a refused login as a plain failure. */
static int
login_basic(struct registry_repo *r, size_t i, struct err *e)
{
	struct registry_http_resp resp = {0};
	struct registry_http_req req = {.method = "GET", .url = "/v2/"};
	_cleanup_free_ char *url = registry_http_url(r, i, "/v2/");
	int rc;

	rc = registry_http_do(r, i, &req, &resp, e);
	if (rc == 0 && resp.status != 200) {
		rc = err_set(e, -EIO, "login attempt to %s failed with status: %ld %s", url,
			     resp.status, resp.status == 401 ? "Unauthorized" : "");
	}
	registry_http_resp_release(&resp);
	return rc;
}

int
registry_login(struct registry_client *c, const char *server, const struct registry_creds *auth,
	       struct registry_login_result *ret, struct err *e)
{
	_cleanup_free_ char *domain = NULL;
	struct registry_repo *r = NULL;
	struct registry_token tok = {0};
	size_t i;
	int rc;

	if (!registry_creds_has_secret(auth))
		return err_set(e, -EINVAL, "login requires a username and password");
	domain = server_domain(server ? server : auth->serveraddress);
	rc = repo_new(c, domain, NULL, domain, auth, 0, &r, e);
	if (rc < 0)
		return rc;
	r->login = true;
	rc = registry_http_pick(r, &i, e);
	if (rc == 0 && r->eps[i].ch.scheme == REGISTRY_SCHEME_BEARER) {
		rc = registry_token_fetch(c, &r->eps[i].ch, r->auth, NULL, true, &tok, e);
		if (rc == 0 && tok.refresh_token)
			ret->identity_token = xstrdup(tok.refresh_token);
		registry_auth_token_release(&tok);
	} else if (rc == 0 && r->eps[i].ch.scheme == REGISTRY_SCHEME_BASIC) {
		rc = login_basic(r, i, e);
	}
	registry_repo_close(r);
	return rc;
}
