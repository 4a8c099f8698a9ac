/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI distribution client: a thread-safe library that speaks to
 * registries over libcurl and hands verified bytes to its callers. It knows
 * nothing of the content store, progress streams or Docker's wire names;
 * the pull/push orchestration sits on top of it.
 *
 * Objects:
 *  - struct registry_client: one per daemon; immutable configuration plus a
 *    token cache behind a mutex. Any number of threads may use it at once.
 *  - struct registry_repo: one repository on one registry with one set of
 *    credentials (what a pull or a push works on). Its requests may run in
 *    parallel from several threads (parallel layer downloads); each request
 *    uses its own CURL handle.
 *
 * Lock order: repo->lock, then client->lock; neither is held across I/O.
 *
 * Blobs and uploads are in registry_blob.h, search in registry_search.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/registry/manifest.h"
#include "engine/registry/registry_auth.h"
#include "engine/util/err.h"

struct registry_config {
	const char *const *insecure_registries;	/* NULL-terminated host[:port] or CIDR; may be NULL */
	const char *const *mirrors;		/* NULL-terminated URLs for docker.io; may be NULL */
	const char *ca_file;		/* extra CA bundle (tests); NULL = system CAs */
	long connect_timeout_s;		/* 0 = 15 */
	long stall_timeout_s;		/* transfer under 1 KiB/s this long fails; 0 = 30 */
	unsigned max_attempts;		/* blob transfers; 0 = 5 */
	unsigned retry_unit_ms;		/* one "second" of back-off (tests shorten it); 0 = 1000 */
};

struct registry_client;
struct registry_repo;

/*
 * Creates a client; @cfg is copied. Initialises libcurl once per process
 * (thread-safe). Never fails except by aborting on memory exhaustion.
 */
struct registry_client *registry_client_new(const struct registry_config *cfg);

/* Frees the client (wiping cached tokens); all repos must be closed. NULL is fine. */
void registry_client_free(struct registry_client *c);

enum registry_repo_flags {
	REGISTRY_REPO_PUSH = 1 << 0,	/* request pull,push scope */
};

/*
 * Opens @path (e.g. "library/alpine") on registry @domain (as written in
 * the reference: "docker.io", "127.0.0.1:5000"). @display is the familiar
 * repository name used in messages ("alpine", "127.0.0.1:5000/app"; NULL =
 * @path). @auth may be NULL (anonymous); it is copied and wiped on close.
 * No network I/O happens here. -EINVAL for a malformed domain or path.
 */
int registry_repo_open(struct registry_client *c, const char *domain, const char *path,
		       const char *display, const struct registry_creds *auth, unsigned flags,
		       struct registry_repo **ret, struct err *e);

/* Closes @r; NULL is fine. No request may be running on it. */
void registry_repo_close(struct registry_repo *r);

/* The repository path on the wire ("library/alpine"). */
const char *registry_repo_path(const struct registry_repo *r);

/* What a manifest request returned, with the digest computed from the bytes. */
struct registry_manifest_reply {
	char *data;			/* the exact bytes (for the store and digests) */
	size_t len;
	char *media_type;		/* Content-Type without parameters, may be "" */
	char digest[DIGEST_STR_LEN + 1];	/* sha256 of data */
};

void registry_manifest_reply_release(struct registry_manifest_reply *m);

/*
 * Resolves a tag or digest to the manifest's digest, media type and size
 * with HEAD (all four Accept types), falling back to a GET when HEAD fails
 * or lacks Docker-Content-Digest (as moby does). For a GET the digest is
 * computed from the body, never taken from the header. Errors use dockerd's
 * wording (registry_error.h) with @ref_display (e.g. "alpine:latest").
 */
int registry_resolve(struct registry_repo *r, const char *reference, const char *ref_display,
		     char ret_digest[DIGEST_STR_LEN + 1], char **ret_media_type,
		     int64_t *ret_size, struct err *e);

/*
 * GETs manifest @reference (tag or "sha256:..." digest), bounded by
 * LIMIT_MANIFEST_BYTES. By digest, sha256(body) must equal it (-EBADMSG
 * "manifest verification failed for digest ..."); by tag, a
 * Docker-Content-Digest header that disagrees with the body is also
 * -EBADMSG. Docker Hub mirrors are tried first and fall back to the
 * registry on any error. *ret is the caller's.
 */
int registry_fetch_manifest(struct registry_repo *r, const char *reference,
			    const char *ref_display, struct registry_manifest_reply *ret,
			    struct err *e);

/*
 * PUTs @len bytes of @body as manifest @reference (a tag, or the digest)
 * with Content-Type @media_type. On 201 writes sha256(body) to @ret_digest
 * (optional) after checking the registry's Docker-Content-Digest agrees.
 * BLOB_UNKNOWN from the registry (a missing layer) comes back as -ENOENT.
 */
int registry_put_manifest(struct registry_repo *r, const char *reference, const char *media_type,
			  const void *body, size_t len, char ret_digest[DIGEST_STR_LEN + 1],
			  struct err *e);

/* Outcome of a successful login. */
struct registry_login_result {
	char *identity_token;	/* refresh token when the auth server gave one, else NULL */
};

void registry_login_result_release(struct registry_login_result *r);

/*
 * POST /auth: checks @auth against the registry named by
 * auth->serveraddress (or @server when given: "https://index.docker.io/v1/",
 * "localhost:5000", "myreg.example"). Pings /v2/; for a Bearer challenge asks
 * the token server with the credentials (identity token as refresh grant),
 * for Basic retries /v2/ with them. Errors:
 *   -EKEYREJECTED  the token server rejected the credentials ("unauthorized:
 *                  incorrect username or password"; dockerd answers 401)
 *   -EIO           "login attempt to https://host/v2/ failed with status:
 *                  401 Unauthorized" (Basic registries; dockerd answers 500)
 *   -EINVAL        no credentials or a malformed server address
 *   -EHOSTUNREACH  the registry could not be reached
 */
int registry_login(struct registry_client *c, const char *server, const struct registry_creds *auth,
		   struct registry_login_result *ret, struct err *e);
