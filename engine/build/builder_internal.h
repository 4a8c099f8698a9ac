/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State shared by builder.c (driver, commit, cache) and dispatch.c (the
 * instructions); not for other modules.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "engine/build/builder.h"
#include "engine/dockerfile/dockerfile.h"
#include "engine/util/buf.h"
#include "engine/util/digest.h"
#include "engine/util/slots.h"

struct stage_done {
	char *name;			/* lower-cased AS name, or NULL */
	char id[DIGEST_STR_LEN + 1];	/* its final image, "" for an empty scratch stage */
	char *flat;			/* flattened file system for COPY --from, made on demand */
	bool image;			/* an image named by COPY --from, not a stage */
};

/* The build service: the handles engine.c opened it with (all borrowed). */
struct builds {
	struct store *store;		/* base images, layers and the committed results */
	struct images *images;		/* pulls of missing FROM images */
	struct containers *containers;	/* RUN steps run in build containers */
	char *tmp_dir;			/* per-build work dirs; owned copy */
	struct slots running;		/* builds in progress (max-concurrent-builds) */
};

struct builder {
	struct builds *bs;
	const struct build_opts *o;
	const struct build_output *out;
	struct err *e;
	struct dockerfile df;
	char *ctx_dir;
	int ctx_fd;
	char *work_dir;		/* per-build temp dir (downloads, flattened stages) */
	bool cache_ok;		/* false after the first miss (or with nocache) */
	json_t *sources;	/* --cache-from images: [{"id":..., "doc":...}] or NULL */
	bool quiet;
	struct buf quiet_buf;
	int step, total;
	int run_code;

	/* The stage being built. */
	json_t *img;		/* image document of the current step's result */
	char cur[DIGEST_STR_LEN + 1];	/* its ID, "" while on scratch */
	bool cmd_set;
	char **meta_args;	/* "K=V" ARGs before the first FROM (effective values) */
	char **args;		/* "K=V" ARGs declared in this stage */
	char **used;		/* build-arg names consumed anywhere */
	struct stage_done *stages;
	size_t n_stages;
};

/* Writes progress text (buffered under q=1). Non-zero: client gone. */
int builder_say(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The config object of the current image (borrowed, never NULL). */
json_t *builder_cfg(struct builder *b);

/* Environment for variable expansion: stage args, then config Env (Env wins). */
char **builder_expand_env(struct builder *b);

/* Expands one word / splits words with the current environment. */
int builder_expand(struct builder *b, const char *w, char **ret);
int builder_expand_split(struct builder *b, const char *w, char ***ret);

/*
 * Finishes a step: @cmd is the container_config Cmd marker (consumed
 * copy made inside). With the cache on, a matching child image is used
 * (" ---> Using cache"); else @produce (may be NULL: metadata only) makes
 * the layer and the image is committed. Prints " ---> <id>".
 */
struct step_layer {
	int fd;			/* layer tar to store, or -1 for none */
	char container[65];	/* intermediate container, "" for none */
	/* Called after the commit, before " ---> <id>" (container removal). */
	int (*after)(struct builder *b, void *ud);
};
typedef int (*step_produce_fn)(struct builder *b, void *ud, struct step_layer *ret);
int builder_step(struct builder *b, json_t *new_cfg, char **cmd, step_produce_fn produce,
		 void *ud);

/* Default or configured shell + "#(nop) " + @text, the metadata marker. */
char **builder_nop_cmd(struct builder *b, json_t *cfg, const char *text);

/* The image file system of the current step (rootfs view), caller frees. */
struct rootfs_view;
int builder_view(struct builder *b, const char *image_id, struct rootfs_view **ret);

/* Directory holding stage/image @ref's flattened file system. */
int builder_flat(struct builder *b, const char *ref, const char **ret_dir);

/* Runs one instruction of the current stage. */
int dispatch_instr(struct builder *b, const struct df_instr *in);

/* COPY, ADD and WORKDIR (dispatch_copy.c). */
int dispatch_copy(struct builder *b, const struct df_instr *in);
int dispatch_workdir(struct builder *b, const struct df_instr *in);

/* FROM: starts a stage (resolves the base, runs ONBUILD triggers). */
int dispatch_from(struct builder *b, const struct df_instr *in);
