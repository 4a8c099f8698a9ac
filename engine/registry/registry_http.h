/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to engine/registry: the client and repository objects and the
 * HTTP core every registry request goes through — one CURL easy handle per
 * request, captured response headers, bounded buffering, /v2/ probing of
 * endpoints and the Bearer/Basic handshake with one
 * re-authentication on a later 401. Nothing outside engine/registry/
 * includes this header; the public API is registry.h.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/registry/registry.h"
#include "engine/registry/registry_auth.h"
#include "engine/registry/registry_endpoint.h"
#include "engine/util/buf.h"
#include "engine/util/err.h"

struct registry_token_entry;

struct registry_client {
	char **insecure;		/* NULL-terminated copies */
	char **mirrors;
	char *ca_file;
	long connect_timeout_s;
	long stall_timeout_s;
	unsigned max_attempts;
	unsigned retry_unit_ms;
	char user_agent[64];
	pthread_mutex_t lock;		/* guards tokens */
	struct registry_token_entry *tokens;
	size_t n_tokens;
};

/* An endpoint of a repo plus what probing /v2/ taught us about it. */
struct registry_repo_endpoint {
	struct registry_endpoint ep;
	bool probed;			/* /v2/ answered like a registry */
	struct registry_challenge ch;	/* scheme NONE: no auth needed */
};

struct registry_repo {
	struct registry_client *client;
	char *domain;
	char *path;			/* NULL for login */
	char *display;
	char *scope;			/* "repository:<path>:pull[,push]" or NULL */
	struct registry_creds *auth;
	char cred_id[17];		/* hash of the credentials, for the token cache */
	bool login;			/* ask for a refresh token (offline_token) */
	pthread_mutex_t lock;		/* guards eps[].probed/ch and cur */
	struct registry_repo_endpoint eps[REGISTRY_ENDPOINTS_MAX];
	size_t n_eps;
	size_t cur;			/* endpoint the last manifest came from */
};

/* One request. Only method and url are required. */
struct registry_http_req {
	const char *method;		/* GET HEAD POST PUT PATCH DELETE */
	const char *url;		/* absolute */
	const char *const *headers;	/* NULL-terminated "Name: value" lines */
	size_t body_limit;		/* buffered replies; 0 = LIMIT_REGISTRY_SMALL_BODY */
	/* 2xx bodies go here instead of the buffer when set; return 0 or -errno */
	int (*sink)(void *ctx, const void *p, size_t n);
	void *sink_ctx;
	const void *upload;		/* request body from memory ... */
	size_t upload_len;
	/* ... or streamed (chunked): returns bytes, 0 at end, -errno to abort */
	ssize_t (*reader)(void *ctx, void *buf, size_t n);
	void *reader_ctx;
	/* polled during the transfer: non-zero aborts (cancellation) */
	int (*poll)(void *ctx, int64_t down, int64_t up);
	void *poll_ctx;
	bool follow;			/* follow redirects (blobs) */
	bool long_transfer;		/* no overall timeout, only the stall limit */
	bool tls_verify;
	const char *authorization;	/* full header value, e.g. "Bearer x" */
	const char *basic_user;		/* HTTP Basic (never sent across redirects) */
	const char *basic_pass;
};

struct registry_http_resp {
	long status;			/* 0 when no HTTP reply arrived */
	struct buf body;		/* non-2xx bodies always; 2xx without sink */
	char *content_type;
	char *location;
	char *digest;			/* Docker-Content-Digest */
	char *www_auth;
	char *content_range;
	bool accept_ranges;
	int64_t content_length;		/* -1 when unknown */
	int sink_error;			/* what sink/reader/poll returned, if it stopped us */
	char curl_err[256];		/* transport failure text */
};

void registry_http_resp_release(struct registry_http_resp *resp);

/*
 * Performs one exchange. 0 when an HTTP reply arrived (any status), else a
 * negative code: -ECANCELED (poll), the sink's/reader's error, -E2BIG (a
 * buffered body over its limit), -ETIMEDOUT, -EHOSTUNREACH/-ECONNREFUSED/-EIO
 * for transport failures with resp->curl_err set. Never logs secrets.
 */
int registry_http_perform(struct registry_client *c, const struct registry_http_req *req,
			  struct registry_http_resp *resp);

/*
 * Makes sure endpoint @i of @r answers /v2/ like a registry and records its
 * challenge. -EHOSTUNREACH etc. (with a message naming the URL) if not.
 */
int registry_http_probe(struct registry_repo *r, size_t i, struct err *e);

/*
 * Performs @req (url relative to the endpoint: "/v2/...", or absolute) on
 * endpoint @i of @r with authentication: a cached or fresh token, or Basic
 * credentials; on a 401 re-authenticates once with the new challenge's
 * scope and retries (only when the request body can be replayed: memory
 * uploads or none). Returns 0 when a reply arrived (check resp->status) or
 * a negative code with @e set.
 */
int registry_http_do(struct registry_repo *r, size_t i, const struct registry_http_req *req,
		     struct registry_http_resp *resp, struct err *e);

/*
 * Picks the endpoint for a non-fallback operation (blobs, pushes, login):
 * the one that served the last manifest, else the first that answers its
 * /v2/ probe. The probe's error when none does.
 */
int registry_http_pick(struct registry_repo *r, size_t *ret_i, struct err *e);

/* "<base><path>" or @path itself when it is already absolute. Caller frees. */
char *registry_http_url(const struct registry_repo *r, size_t i, const char *path);

/* Sets @e from a transport failure of @resp with "<what>: <curl text>". */
int registry_http_transport_err(int code, const struct registry_http_resp *resp, const char *what,
				struct err *e);
