/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dockerfile parser (the classic builder's dialect, moby's
 * frontend/dockerfile/parser): parser directives (escape, syntax — the
 * latter accepted and ignored), comments, line continuations with the
 * escape character, and every instruction split into its flags and
 * arguments in the shape the builder needs. Variable substitution is NOT
 * done here: it depends on the build state (ENV, ARG), see shellwords.h.
 *
 * Errors read like dockerd's: "Dockerfile parse error line 3: unknown
 * instruction: FOO". Input is hostile: size, line count and instruction
 * count are bounded (engine/util/limits.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/util/err.h"

enum df_kind {
	DF_FROM = 0,
	DF_RUN,
	DF_CMD,
	DF_LABEL,
	DF_MAINTAINER,
	DF_EXPOSE,
	DF_ENV,
	DF_ADD,
	DF_COPY,
	DF_ENTRYPOINT,
	DF_VOLUME,
	DF_USER,
	DF_WORKDIR,
	DF_ARG,
	DF_ONBUILD,
	DF_STOPSIGNAL,
	DF_HEALTHCHECK,
	DF_SHELL,
};

/*
 * One instruction. @args depends on @kind:
 *  FROM                 image [, "AS", name] (whitespace-split words)
 *  RUN CMD ENTRYPOINT SHELL
 *                       exec form (@json): the JSON strings; shell form: one
 *                       string, the rest of the line
 *  ENV LABEL            key, value, key, value... (values still quoted,
 *                       expanded at dispatch)
 *  ARG                  "name" or "name=default", one per declared name
 *  EXPOSE VOLUME        words (VOLUME: also the exec form)
 *  COPY ADD             sources..., destination (JSON or whitespace words)
 *  MAINTAINER USER WORKDIR STOPSIGNAL
 *                       one string
 *  HEALTHCHECK          "NONE", or "CMD" followed by the exec-form strings
 *                       (@json) or the shell-form string
 *  ONBUILD              one string: the trigger instruction as written;
 *                       @sub holds it parsed
 */
struct df_instr {
	enum df_kind kind;
	int line;		/* 1-based line where it starts */
	char *original;		/* as written, continuation lines joined */
	char **flags;		/* "--name=value" / "--name" words before the arguments */
	char **args;		/* NULL-terminated, never NULL */
	bool json;		/* exec (JSON) form */
	struct df_instr *sub;	/* ONBUILD only */
};

struct dockerfile {
	char escape;		/* '\\' or '`' */
	struct df_instr *instrs;
	size_t n;
};

/*
 * Parses @len bytes of @text. On success fills @ret (release with
 * dockerfile_release). -EINVAL with dockerd's wording ("Dockerfile parse
 * error line N: ...", "file with no instructions"), -E2BIG past the limits.
 * @name is the Dockerfile's name for messages.
 */
int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile *ret,
		     struct err *e);

/* Parses one instruction line (ONBUILD triggers inherited from an image). */
int dockerfile_parse_line(const char *line, char escape, struct df_instr *ret, struct err *e);

void dockerfile_release(struct dockerfile *df);
void df_instr_release(struct df_instr *in);

/* "FROM", "RUN", ... */
const char *df_kind_name(enum df_kind k);

/*
 * Finds flag --@name in @in: returns its value ("" for a bare --name) or
 * NULL when absent.
 */
const char *df_flag(const struct df_instr *in, const char *name);

/* Checks that every flag of @in is one of @allowed (NULL-terminated):
 * -EINVAL "Unknown flag: x" otherwise. */
int df_check_flags(const struct df_instr *in, const char *const *allowed, struct err *e);
