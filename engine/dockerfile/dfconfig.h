/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a Dockerfile's metadata instructions do to an image config (moby's
 * builder/dockerfile/dispatchers.go, the config half): ENV, LABEL, CMD,
 * ENTRYPOINT, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, SHELL, ONBUILD and
 * HEALTHCHECK. One applier shared by the classic builder (which adds the
 * cache, the commit and, for WORKDIR, the directory in the rootfs) and by
 * `docker import --change` (which applies the lines to a fresh config).
 *
 * The config is the "config" object of an image config document (Env,
 * Labels, Cmd, ...), edited in place. Arguments are expanded
 * ($VAR, ${VAR:-x}) against the environment the caller gives.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "engine/dockerfile/dockerfile.h"
#include "engine/util/err.h"

struct dfconfig_ctx {
	char escape;		/* the Dockerfile's escape character ('\\' or '`') */
	char *const *env;	/* "K=V" that arguments expand against; NULL: nothing */
	bool cmd_set;		/* in/out: a CMD was set in this stage; an ENTRYPOINT
				 * without one resets Cmd to null */
	int (*parse_signal)(const char *s); /* validates STOPSIGNAL (<0: invalid); NULL: any */
};

/* True for the instructions dfconfig_apply handles. */
bool dfconfig_handles(enum df_kind kind);

/*
 * Applies @in to @cfg. On success *@ret_text is the instruction as the
 * builder's history and cache record it ("ENV a=b", "CMD [\"sh\"]",
 * "EXPOSE 80/tcp"; the caller frees). Errors are -EINVAL with dockerd's
 * wording ("Unknown flag: x", "invalid containerPort: x", "ENV names can
 * not be blank", "Invalid signal: x", ...), or an expansion's error; @cfg
 * may then be half-edited (apply to a copy). -EINVAL for a kind that
 * dfconfig_handles rejects.
 */
int dfconfig_apply(json_t *cfg, const struct df_instr *in, struct dfconfig_ctx *ctx,
		   char **ret_text, struct err *e);

/*
 * The argv @in runs: its exec form as is, or its shell form wrapped in the
 * config's Shell (default /bin/sh -c). For RUN, CMD and ENTRYPOINT. The
 * caller frees it with strv_free.
 */
char **dfconfig_command(const json_t *cfg, const struct df_instr *in);

/* The config's Shell, or ["/bin/sh", "-c"]; the caller frees it with strv_free. */
char **dfconfig_shell(const json_t *cfg);

/*
 * A path cleaned lexically as Go's filepath.Clean does for an absolute
 * path: "." components dropped, ".." removing its parent, duplicate
 * slashes merged ("/a/./b/../c" → "/a/c"). The caller frees it.
 */
char *dfconfig_clean_path(const char *path);

/*
 * The `changes` of `docker import --change` and `docker commit --change`
 * (moby's BuildFromConfig): each line parsed as a Dockerfile instruction,
 * which must be one of CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL,
 * ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR ("RUN is not a valid change
 * command" otherwise), applied in order to @cfg with arguments expanded
 * against the config's Env at that point. -EINVAL with dockerd's message;
 * @cfg may then be half-edited (apply to a copy).
 */
int dfconfig_apply_changes(json_t *cfg, const char *const *changes, struct err *e);
