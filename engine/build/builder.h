/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The classic builder (dockerd's legacy `docker build`): one image per
 * instruction chained through Parent, container_config with the "#(nop)"
 * markers and history created_by strings of docker-api-protocol.md §5.3,
 * the build cache (a child of the current image whose container_config
 * equals the probe), multi-stage builds with --target and COPY --from,
 * build args, and output text worded like dockerd 20.10's. No HTTP here:
 * text goes to the caller through struct build_output.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"

struct builds;
struct containers;
struct image_progress;
struct images;
struct registry_creds_set;
struct store;

/* What the build service works on; handles borrowed (must outlive it). */
struct builds_config {
	struct store *store;
	struct images *images;
	struct containers *containers;
	const char *tmp_dir;		/* copied */
	/* Builds running at once (max-concurrent-builds); more wait their
	 * turn, silently, before their first step. 0: BUILDS_MAX_DEFAULT. */
	unsigned max_builds;
};

#define BUILDS_MAX_DEFAULT 4
/* The most max-concurrent-builds may be set to. */
#define BUILDS_MAX_LIMIT 256

/* Opens / frees the build service (engine_open / engine_close). */
struct builds *builds_new(const struct builds_config *cfg);
void builds_free(struct builds *bs);

struct build_output {
	/* Progress text for the client; non-zero when the client is gone
	 * (the build then stops). */
	int (*stream)(void *ud, const char *text, size_t len);
	/* The ID of each finished stage image ("sha256:<hex>"). */
	int (*aux_id)(void *ud, const char *id);
	void *ud;
	/* Events of a base image pull (FROM, COPY --from), as image_pull
	 * reports them; may be NULL. Not called under quiet. */
	void (*pull_progress)(void *ud, const struct image_progress *p);
	/* True once the client is gone: a RUN in progress is killed and the
	 * build ends, as dockerd cancels its build context. May be NULL. */
	bool (*cancelled)(void *ud);
};

struct build_opts {
	const char *dockerfile;	/* path inside the context; NULL: Dockerfile */
	char *const *tags;	/* references to tag the result with (may be NULL) */
	bool quiet, nocache, pull, rm, forcerm;
	json_t *buildargs;	/* object name → string|null, or NULL */
	json_t *labels;		/* object name → string, or NULL */
	const char *target;	/* stage to stop at, or NULL */
	const char *network_mode;
	const char *platform;
	int64_t memory, memory_swap, cpu_shares, shm_size, cpu_period, cpu_quota;
	const char *cpuset_cpus, *cpuset_mems;
	char *const *extra_hosts;
	json_t *ulimits;	 /* [{"Name", "Soft", "Hard"}] for RUN containers, or NULL */
	char *const *cache_from; /* images whose history may serve as cache (--cache-from) */
	const struct registry_creds_set *registry_creds; /* per-registry credentials, or NULL */
};

struct build_result {
	char id[DIGEST_STR_LEN + 1];	/* the final image */
	int code;	/* for errors: a RUN's exit code (the CLI exits with it), else 0 */
};

/*
 * Builds from the context tar read from @context_fd (plain or compressed;
 * extracted below the data root with the safe-extraction rules and
 * LIMIT_BUILD_CONTEXT_BYTES). Output is written through @out as it
 * happens. On failure @e holds dockerd's message and @ret->code the RUN
 * exit code, if that was the cause. -EINVAL for bad Dockerfiles/options,
 * -ENOENT for missing images or files, -E2BIG for oversized contexts.
 */
int build_image(struct builds *bs, int context_fd, const struct build_opts *o,
		const struct build_output *out, struct build_result *ret, struct err *e);
