/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image manifests and indexes as registries serve them: Docker v2 schema 2
 * manifests, OCI image manifests, Docker manifest lists and OCI indexes are
 * parsed (jansson) into plain C structs, and an index entry is chosen for a
 * platform with containerd's matching rules. Pure functions, no I/O: fetching
 * and digest verification live in registry.c; the image config and the
 * layers themselves are the store's business.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"

/* The media types berth speaks (also the Accept list for manifest requests). */
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MT_OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"

enum manifest_kind {
	MANIFEST_DOCKER_V2 = 1,	/* image manifest, Docker schema 2 */
	MANIFEST_OCI,		/* image manifest, OCI */
	MANIFEST_DOCKER_LIST,	/* index, Docker manifest list */
	MANIFEST_OCI_INDEX,	/* index, OCI */
};

/* How a layer blob is compressed, from its media type. */
enum layer_compression { LAYER_TAR = 1, LAYER_GZIP, LAYER_ZSTD };

struct manifest_descriptor {
	char *media_type;		/* never NULL after a successful parse */
	char digest[DIGEST_STR_LEN + 1];	/* validated "sha256:<64 hex>" */
	int64_t size;			/* >= 0 */
	char **urls;			/* NULL-terminated, or NULL (foreign layers) */
	enum layer_compression compression;	/* layers only, else 0 */
};

/* An index entry's platform; strings are NULL when absent. */
struct manifest_platform {
	char *os;
	char *architecture;
	char *variant;
	char *os_version;
};

struct manifest_entry {
	struct manifest_descriptor desc;
	struct manifest_platform platform;
	bool has_platform;	/* false: the entry matches any platform */
	bool attestation;	/* buildkit attestation: never selected */
};

struct manifest {
	enum manifest_kind kind;
	char *media_type;		/* as declared or deduced, never NULL */
	/* image manifests */
	struct manifest_descriptor config;
	struct manifest_descriptor *layers;
	size_t n_layers;
	/* indexes */
	struct manifest_entry *entries;
	size_t n_entries;
};

/* True for an index (manifest list or OCI index). */
bool manifest_is_index(const struct manifest *m);

/*
 * Parses @len bytes of @body. @content_type is the response's Content-Type
 * (may be NULL or generic); the body's own mediaType wins when present, and
 * a body without one is classified by its shape, as distribution does.
 * Errors (all with a message for the user; @ref names the image in it):
 *   -EINVAL  not JSON, wrong field types, bad digests, unknown layer media
 *            type ("unsupported layer media type 'X'"), unknown manifest type
 *   -EPROTONOSUPPORT  schema 1 (dockerd's removal message) or a config media
 *            type that is not an image config ("Encountered remote ...")
 *   -E2BIG   too many entries (LIMIT_MANIFEST_ENTRIES) or too large
 * On success *ret_m is the caller's (free with manifest_free).
 */
int manifest_parse(const void *body, size_t len, const char *content_type, const char *ref,
		   struct manifest **ret_m, struct err *e);

/* Frees @m and everything it holds; NULL is fine. */
void manifest_free(struct manifest *m);

/* Layer compression for a layer media type; 0 when unknown. */
enum layer_compression manifest_layer_compression(const char *media_type);

/*
 * The host's platform in OCI terms (linux, amd64/arm64/..., variant for arm).
 * Strings are static; never fails.
 */
void manifest_platform_host(struct manifest_platform *ret);

/*
 * Parses "os[/arch[/variant]]" (Docker's --platform) into @ret, normalised
 * (x86_64 → amd64, aarch64 → arm64, armhf → arm/v7...); missing parts
 * default to the host's. -EINVAL for an empty or malformed spec.
 * Free with manifest_platform_release.
 */
int manifest_platform_parse(const char *spec, struct manifest_platform *ret, struct err *e);

/* Frees the strings of @p (not @p itself) and zeroes it. */
void manifest_platform_release(struct manifest_platform *p);

/* Formats "os/arch[/variant]" as dockerd prints it into @buf. */
void manifest_platform_format(const struct manifest_platform *p, char *buf, size_t size);

/*
 * Chooses the entry of index @m that best matches @want (containerd's
 * rules: OS equal, architecture normalised, variant compatible — arm64
 * accepts v8 and empty, arm/vN accepts lower variants preferring the
 * closest; attestation entries never match; entries without a platform
 * match anything). Returns the entry, or NULL with -ENOENT in @e:
 * "no matching manifest for linux/arm64/v8 in the manifest list entries".
 * The entry is borrowed from @m.
 */
const struct manifest_entry *manifest_select_platform(const struct manifest *m,
						      const struct manifest_platform *want,
						      struct err *e);
