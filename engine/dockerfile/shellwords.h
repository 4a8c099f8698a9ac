/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Variable substitution in Dockerfile words, as moby's shell lexer does it
 * (frontend/dockerfile/shell/lex.go): $VAR, ${VAR}, ${VAR:-word},
 * ${VAR-word}, ${VAR:+word}, ${VAR+word}, ${VAR:?msg}, single quotes
 * (literal), double quotes (expanding), and the Dockerfile's escape
 * character. Quotes and escapes are removed from the result.
 *
 * Variables come from a "K=V" vector; when a name occurs twice, the last
 * one wins. Results are bounded by LIMIT_BUILD_WORD (-E2BIG), so that
 * ENV chains cannot blow memory up.
 */
#pragma once

#include "engine/util/err.h"

/* Expands @word into one string (the caller frees *@ret). -EINVAL with
 * moby's message for unterminated quotes or a bad ${...}. */
int shellwords_expand(const char *word, char esc, char *const *env, char **ret, struct err *e);

/* Expands @text and splits it into words at unquoted blanks, also inside
 * unquoted variable values (EXPOSE, VOLUME, COPY words). */
int shellwords_expand_split(const char *text, char esc, char *const *env, char ***ret,
			    struct err *e);

/* The value of @name in @env, or NULL (last occurrence wins). */
const char *shellwords_getenv(char *const *env, const char *name);
