/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references in Docker's grammar (distribution/reference):
 * `[domain[:port]/]path[:tag][@digest]`, normalised the way dockerd does it
 * (`busybox` -> `docker.io/library/busybox`, `user/app` -> `docker.io/user/app`),
 * with dockerd's error wording. Also tells image IDs and ID prefixes apart
 * from names. Pure parsing and formatting: no I/O, no lookups (the image
 * store resolves references to images).
 */
#pragma once

#include <stdbool.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"

/* Docker Hub as it appears in canonical names, and its API host. */
#define REFERENCE_DEFAULT_DOMAIN "docker.io"
#define REFERENCE_DEFAULT_REGISTRY "registry-1.docker.io"
#define REFERENCE_DEFAULT_TAG "latest"
/* Longest repository name (domain + "/" + path), as distribution/reference. */
#define REFERENCE_NAME_MAX 255
/* Longest tag: one leading word character plus up to 127 more. */
#define REFERENCE_TAG_MAX 128

/*
 * A parsed, normalised reference. All strings are owned by the struct;
 * @tag and @digest are NULL when absent. @digest is always
 * "sha256:<64 lower-case hex>" (other algorithms are refused).
 */
struct reference {
	char *domain;	/* "docker.io", "127.0.0.1:5000", "localhost" */
	char *path;	/* "library/busybox", "user/app" */
	char *tag;	/* "latest", or NULL */
	char *digest;	/* "sha256:...", or NULL */
};

#define REFERENCE_INIT {NULL, NULL, NULL, NULL}

/*
 * Parses @s like dockerd's ParseNormalizedNamed: familiar names get the
 * docker.io domain and, for single-component names, the library/ prefix. No
 * default tag is added (see reference_default_tag). On failure -EINVAL with
 * dockerd's message ("invalid reference format", "invalid reference format:
 * repository name must be lowercase", ...) and @ret untouched; on success
 * @ret (released by the caller with reference_release) is filled.
 */
int reference_parse(const char *s, struct reference *ret, struct err *e);

/* Frees the strings of @r and resets it; NULL is fine. */
void reference_release(struct reference *r);

/* Deep copy of @src into @ret (never fails). */
void reference_copy(const struct reference *src, struct reference *ret);

/* Adds the "latest" tag when @r has neither tag nor digest (TagNameOnly). */
void reference_default_tag(struct reference *r);

/*
 * Replaces the tag of @r with @tag after checking the tag grammar
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; -EINVAL "invalid tag format" otherwise.
 * Any digest is dropped: a tag reference names a tag.
 */
int reference_set_tag(struct reference *r, const char *tag, struct err *e);

/* True when @tag is a valid tag. */
bool reference_tag_is_valid(const char *tag);

/*
 * -EINVAL "refusing to create an ambiguous tag using digest algorithm as
 * name" when the familiar name of @r is "sha256" (dockerd refuses to tag
 * such names, since "sha256:<hex>" would then mean two things).
 */
int reference_check_taggable(const struct reference *r, struct err *e);

/* "docker.io/library/busybox" (domain/path). Caller frees. */
char *reference_name(const struct reference *r);

/* "busybox", "user/app", "127.0.0.1:5000/app". Caller frees. */
char *reference_familiar_name(const struct reference *r);

/* Familiar name plus ":tag" and "@digest" when present. Caller frees. */
char *reference_familiar(const struct reference *r);

/* Canonical name plus ":tag" and "@digest" when present. Caller frees. */
char *reference_canonical(const struct reference *r);

/* The repository path on the registry wire ("library/busybox"); borrowed. */
const char *reference_remote_path(const struct reference *r);

/* Host[:port] to talk to: "registry-1.docker.io" for docker.io; borrowed. */
const char *reference_registry_host(const struct reference *r);

/* True when @a and @b name the same repository (domain and path). */
bool reference_same_repo(const struct reference *a, const struct reference *b);

/*
 * Full image ID: "sha256:<64 hex>" or bare 64 hex (lower case). On true,
 * writes the 64 hex digits + NUL to @ret_hex (may be NULL).
 */
bool reference_is_full_id(const char *s, char ret_hex[DIGEST_HEX_LEN + 1]);

/*
 * ID prefix as dockerd's image search accepts it: 1 to 64 lower-case hex
 * digits, optionally after "sha256:". On true, @ret_hex (may be NULL) points
 * at the hex part inside @s.
 */
bool reference_is_id_prefix(const char *s, const char **ret_hex);
