/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dockerfile parser; see dockerfile.h. Follows moby's
 * frontend/dockerfile/parser (line handling, directives, word splitting)
 * and instructions/parse.go (per-instruction argument shapes and errors).
 * Heredocs are not supported (they need BuildKit in dockerd too).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/dockerfile/dockerfile.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static const char *const kind_names[] = {
	[DF_FROM] = "FROM",	    [DF_RUN] = "RUN",
	[DF_CMD] = "CMD",	    [DF_LABEL] = "LABEL",
	[DF_MAINTAINER] = "MAINTAINER", [DF_EXPOSE] = "EXPOSE",
	[DF_ENV] = "ENV",	    [DF_ADD] = "ADD",
	[DF_COPY] = "COPY",	    [DF_ENTRYPOINT] = "ENTRYPOINT",
	[DF_VOLUME] = "VOLUME",	    [DF_USER] = "USER",
	[DF_WORKDIR] = "WORKDIR",   [DF_ARG] = "ARG",
	[DF_ONBUILD] = "ONBUILD",   [DF_STOPSIGNAL] = "STOPSIGNAL",
	[DF_HEALTHCHECK] = "HEALTHCHECK", [DF_SHELL] = "SHELL",
};

const char *
df_kind_name(enum df_kind k)
{
	return (size_t)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

static int
kind_from_word(const char *w, enum df_kind *ret)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcasecmp(w, kind_names[i]) == 0) {
			*ret = (enum df_kind)i;
			return 0;
		}
	return -ENOENT;
}

void
df_instr_release(struct df_instr *in)
{
	if (!in)
		return;
	free(in->original);
	strv_free(in->flags);
	strv_free(in->args);
	if (in->sub) {
		df_instr_release(in->sub);
		free(in->sub);
	}
	memset(in, 0, sizeof(*in));
}

void
dockerfile_release(struct dockerfile *df)
{
	if (!df)
		return;
	for (size_t i = 0; i < df->n; i++)
		df_instr_release(&df->instrs[i]);
	free(df->instrs);
	memset(df, 0, sizeof(*df));
}

const char *
df_flag(const struct df_instr *in, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; in->flags && in->flags[i]; i++) {
		const char *f = in->flags[i] + 2;
		if (strncmp(f, name, n) == 0 && (f[n] == '=' || f[n] == '\0'))
			return f[n] == '=' ? f + n + 1 : "";
	}
	return NULL;
}

int
df_check_flags(const struct df_instr *in, const char *const *allowed, struct err *e)
{
	for (size_t i = 0; in->flags && in->flags[i]; i++) {
		const char *f = in->flags[i] + 2;
		size_t n = strcspn(f, "=");
		bool ok = false;
		for (size_t k = 0; allowed && allowed[k] && !ok; k++)
			ok = strlen(allowed[k]) == n && strncmp(allowed[k], f, n) == 0;
		if (!ok)
			return err_set(e, -EINVAL, "Unknown flag: %.*s", (int)n, f);
	}
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

/* moby's parseWords: whitespace-separated words that keep their quotes
 * and escapes (they are removed later by the shell-word expansion). */
static char **
split_words_quoted(const char *s, char esc)
{
	enum { SPACES, WORD, QUOTE } phase = SPACES;
	_cleanup_buf_ struct buf w = BUF_INIT;
	char **out = xcalloc(1, sizeof(char *));
	bool blank_ok = false;
	char quote = 0;
	size_t n = strlen(s);

	for (size_t pos = 0; pos <= n; pos++) {
		char ch = pos < n ? s[pos] : 0;
		if (phase == SPACES) {
			if (pos == n)
				break;
			if (is_space(ch))
				continue;
			phase = WORD;
		}
		if (pos == n) {
			if (blank_ok || w.len)
				strv_append(&out, w.data ? w.data : "");
			break;
		}
		if (phase == WORD) {
			if (is_space(ch)) {
				phase = SPACES;
				if (blank_ok || w.len)
					strv_append(&out, w.data ? w.data : "");
				buf_reset(&w);
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = QUOTE;
			} else if (ch == esc) {
				if (pos + 1 == n)
					continue;
				buf_putc(&w, ch);
				ch = s[++pos];
			}
			buf_putc(&w, ch);
			continue;
		}
		/* QUOTE */
		if (ch == quote)
			phase = WORD;
		else if (ch == esc && quote != '\'') {
			if (pos + 1 == n) {
				phase = WORD;
				continue;
			}
			buf_putc(&w, ch);
			ch = s[++pos];
		}
		buf_putc(&w, ch);
	}
	return out;
}

/* Plain whitespace split (FROM, EXPOSE, COPY shell form): no quoting. */
static char **
split_words(const char *s)
{
	char **out = xcalloc(1, sizeof(char *));

	while (*s) {
		while (*s && is_space(*s))
			s++;
		size_t n = 0;
		while (s[n] && !is_space(s[n]))
			n++;
		if (n) {
			_cleanup_free_ char *w = xstrndup(s, n);
			strv_append(&out, w);
		}
		s += n;
	}
	return out;
}

/* A JSON array of strings: true and *ret filled; anything else false. */
static bool
parse_json_list(const char *s, char ***ret)
{
	_cleanup_json_ json_t *j = NULL;
	char **v = NULL;
	size_t i;
	json_t *x;

	if (*s != '[')
		return false;
	j = json_loads(s, JSON_DECODE_ANY, NULL);
	if (!json_is_array(j))
		return false;
	v = xcalloc(1, sizeof(char *));
	json_array_foreach(j, i, x) {
		if (!json_is_string(x) || strlen(json_string_value(x)) != json_string_length(x)) {
			strv_free(v);
			return false;
		}
		strv_append(&v, json_string_value(x));
	}
	*ret = v;
	return true;
}

static char **
strv_one(const char *s)
{
	char **v = xcalloc(1, sizeof(char *));
	strv_append(&v, s);
	return v;
}

/* ENV / LABEL: key=value pairs, or the legacy "key value..." form. */
static int
parse_name_val(struct df_instr *in, const char *rest, char esc, struct err *e)
{
	const char *what = df_kind_name(in->kind);
	_cleanup_strv_ char **words = split_words_quoted(rest, esc);

	in->args = xcalloc(1, sizeof(char *));
	if (!words[0])
		return err_set(e, -EINVAL, "%s requires at least one argument", what);
	if (!strchr(words[0], '=')) {
		const char *p = rest + strspn(rest, " \t");
		size_t klen = strcspn(p, " \t");
		const char *val = p + klen + strspn(p + klen, " \t");
		if (!*val)
			return err_set(e, -EINVAL, "%s must have two arguments", what);
		_cleanup_free_ char *key = xstrndup(p, klen);
		strv_append(&in->args, key);
		strv_append(&in->args, val);
		return 0;
	}
	for (size_t i = 0; words[i]; i++) {
		char *eq = strchr(words[i], '=');
		if (!eq)
			return err_set(e, -EINVAL,
				       "Syntax error - can't find = in \"%s\". Must be of the form: name=value",
				       words[i]);
		if (eq == words[i])
			return err_set(e, -EINVAL, "%s names can not be blank", what);
		*eq = '\0';
		strv_append(&in->args, words[i]);
		strv_append(&in->args, eq + 1);
	}
	return 0;
}

/* Exec form when the rest is a JSON string array, else one shell string. */
static void
parse_maybe_json(struct df_instr *in, const char *rest)
{
	in->json = parse_json_list(rest, &in->args);
	if (!in->json)
		in->args = strv_one(rest);
}

static int parse_instr(struct df_instr *in, const char *line, char esc, bool trigger,
		       struct err *e);

static int
parse_healthcheck(struct df_instr *in, const char *rest, struct err *e)
{
	size_t n = strcspn(rest, " \t");
	_cleanup_free_ char *type = xstrndup(rest, n);
	const char *cmd = rest + n + strspn(rest + n, " \t");

	in->args = xcalloc(1, sizeof(char *));
	if (strcasecmp(type, "NONE") == 0) {
		if (*cmd || in->flags)
			return err_set(e, -EINVAL, "HEALTHCHECK NONE takes no arguments");
		strv_append(&in->args, "NONE");
		return 0;
	}
	if (strcasecmp(type, "CMD") != 0)
		return err_set(e, -EINVAL, "Unknown type \"%s\" in HEALTHCHECK (try CMD)", type);
	if (!*cmd)
		return err_set(e, -EINVAL, "Missing command after HEALTHCHECK CMD");
	strv_append(&in->args, "CMD");
	_cleanup_strv_ char **v = NULL;
	in->json = parse_json_list(cmd, &v);
	if (!in->json)
		v = strv_one(cmd);
	for (size_t i = 0; v[i]; i++)
		strv_append(&in->args, v[i]);
	return 0;
}

static int
parse_onbuild(struct df_instr *in, const char *rest, char esc, struct err *e)
{
	char word[16] = "";
	size_t n = strcspn(rest, " \t");
	enum df_kind k;

	snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) - 1 ? n : sizeof(word) - 1), rest);
	if (strcasecmp(word, "ONBUILD") == 0)
		return err_set(e, -EINVAL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	if (kind_from_word(word, &k) == 0 && (k == DF_FROM || k == DF_MAINTAINER))
		return err_set(e, -EINVAL, "%s isn't allowed as an ONBUILD trigger", kind_names[k]);
	in->sub = xcalloc(1, sizeof(*in->sub));
	in->args = strv_one(rest);
	return parse_instr(in->sub, rest, esc, true, e);
}

static int
parse_args(struct df_instr *in, const char *rest, char esc, struct err *e)
{
	const char *name = df_kind_name(in->kind);

	switch (in->kind) {
	case DF_ENV:
	case DF_LABEL:
		return parse_name_val(in, rest, esc, e);
	case DF_ARG:
		in->args = split_words_quoted(rest, esc);
		break;
	case DF_RUN:
	case DF_CMD:
	case DF_ENTRYPOINT:
	case DF_SHELL:
		parse_maybe_json(in, rest);
		if (in->kind == DF_SHELL && !in->json)
			return err_set(e, -EINVAL, "SHELL requires the arguments to be in JSON form");
		if (in->kind == DF_SHELL && !in->args[0])
			return err_set(e, -EINVAL, "SHELL requires at least one argument");
		if (!in->json && !*rest && in->kind == DF_RUN)
			return err_set(e, -EINVAL, "RUN requires at least one argument");
		return 0;
	case DF_HEALTHCHECK:
		return parse_healthcheck(in, rest, e);
	case DF_ONBUILD:
		return parse_onbuild(in, rest, esc, e);
	case DF_FROM:
	case DF_EXPOSE:
		in->args = split_words(rest);
		break;
	case DF_VOLUME:
	case DF_COPY:
	case DF_ADD:
		in->json = parse_json_list(rest, &in->args);
		if (!in->json)
			in->args = split_words(rest);
		break;
	case DF_MAINTAINER:
	case DF_USER:
	case DF_WORKDIR:
	case DF_STOPSIGNAL:
		in->args = *rest ? strv_one(rest) : xcalloc(1, sizeof(char *));
		break;
	}
	size_t n = strv_len(in->args);
	if (n == 0)
		return err_set(e, -EINVAL, "%s requires at least one argument", name);
	if (in->kind == DF_FROM && n != 1 && !(n == 3 && strcasecmp(in->args[1], "AS") == 0))
		return err_set(e, -EINVAL, "FROM requires either one or three arguments");
	if ((in->kind == DF_COPY || in->kind == DF_ADD) && n < 2)
		return err_set(e, -EINVAL,
			       "%s requires at least two arguments, but only one was provided. "
			       "Destination could not be determined.", name);
	if ((in->kind == DF_USER || in->kind == DF_WORKDIR || in->kind == DF_STOPSIGNAL ||
	     in->kind == DF_MAINTAINER) && strchr(rest, '\n'))
		return err_set(e, -EINVAL, "%s requires exactly one argument", name);
	return 0;
}

/* Splits "--flag=x --other rest" into flags and the rest (moby's
 * extractBuilderFlags, without quoting inside flag values). */
static const char *
take_flags(struct df_instr *in, const char *rest)
{
	while (rest[0] == '-' && rest[1] == '-') {
		size_t n = strcspn(rest, " \t");
		if (n == 2) /* a lone "--" ends the flags */
			return rest + n + strspn(rest + n, " \t");
		_cleanup_free_ char *f = xstrndup(rest, n);
		strv_append(&in->flags, f);
		rest += n;
		rest += strspn(rest, " \t");
	}
	return rest;
}

static int
parse_instr(struct df_instr *in, const char *line, char esc, bool trigger, struct err *e)
{
	const char *p = line + strspn(line, " \t");
	size_t n = strcspn(p, " \t");
	_cleanup_free_ char *word = xstrndup(p, n);
	_cleanup_free_ char *rest = NULL;
	size_t rlen;
	int r;

	in->original = xstrdup(p);
	rlen = strlen(in->original);
	while (rlen && is_space(in->original[rlen - 1]))
		in->original[--rlen] = '\0';
	if (kind_from_word(word, &in->kind) < 0) {
		for (char *c = word; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		return err_set(e, -EINVAL, "unknown instruction: %s", word);
	}
	rest = xstrdup(in->original + n + strspn(in->original + n, " \t"));
	p = take_flags(in, rest);
	r = parse_args(in, p, esc, e);
	if (r == 0 && trigger && in->kind == DF_ONBUILD)
		r = err_set(e, -EINVAL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	return r;
}

int
dockerfile_parse_line(const char *line, char escape, struct df_instr *ret, struct err *e)
{
	struct df_instr in = {0};
	int r = parse_instr(&in, line, escape ? escape : '\\', false, e);

	if (r < 0) {
		df_instr_release(&in);
		return r;
	}
	*ret = in;
	return 0;
}

/* "# name=value" at the top of the file: 1 when it is a directive. */
static int
directive(const char *line, struct dockerfile *df, bool *seen_escape, struct err *e)
{
	const char *p = line + strspn(line, " \t");
	char name[32];
	size_t n;

	if (*p != '#')
		return 0;
	p++;
	p += strspn(p, " \t");
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, p, n);
	name[n] = '\0';
	p += n;
	p += strspn(p, " \t");
	if (*p != '=')
		return 0;
	p++;
	p += strspn(p, " \t");
	_cleanup_free_ char *val = xstrdup(p);
	for (size_t l = strlen(val); l && is_space(val[l - 1]);)
		val[--l] = '\0';
	if (strcasecmp(name, "escape") == 0) {
		if (*seen_escape)
			return err_set(e, -EINVAL, "only one escape parser directive can be used");
		if (strcmp(val, "`") != 0 && strcmp(val, "\\") != 0)
			return err_set(e, -EINVAL, "invalid ESCAPE '%s'. Must be ` or \\", val);
		df->escape = val[0];
		*seen_escape = true;
		return 1;
	}
	/* syntax (and check, newer) are BuildKit front-end choices: ignored. */
	return strcasecmp(name, "syntax") == 0 || strcasecmp(name, "check") == 0 ? 1 : 0;
}

/* True when @line (without newline) ends with the escape char plus optional blanks;
 * the continuation is cut off in place. */
static bool
trim_continuation(char *line, char esc)
{
	size_t n = strlen(line);

	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	if (n && line[n - 1] == esc) {
		line[n - 1] = '\0';
		return true;
	}
	return false;
}

static bool
is_comment_or_blank(const char *line)
{
	const char *p = line + strspn(line, " \t\r\v\f");
	return *p == '#' || *p == '\0';
}

static int
add_instr(struct dockerfile *df, const char *text, int line, const char *name, struct err *e)
{
	struct df_instr in = {0};
	int r;

	if (df->n >= LIMIT_DOCKERFILE_INSTRUCTIONS)
		return err_set(e, -E2BIG, "%s has more than %u instructions", name,
			       LIMIT_DOCKERFILE_INSTRUCTIONS);
	r = parse_instr(&in, text, df->escape, false, e);
	in.line = line;
	if (r < 0) {
		df_instr_release(&in);
		return err_prefix(e, "Dockerfile parse error line %d", line);
	}
	df->instrs = xrealloc(df->instrs, (df->n + 1) * sizeof(*df->instrs));
	df->instrs[df->n++] = in;
	return 0;
}

int
dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile *ret,
		 struct err *e)
{
	struct dockerfile df = { .escape = '\\' };
	_cleanup_free_ char *copy = NULL;
	_cleanup_buf_ struct buf logical = BUF_INIT;
	bool directives = true, seen_escape = false, cont = false;
	int line = 0, start = 0, r = 0;
	char *save = NULL, *l;

	if (len > LIMIT_DOCKERFILE_BYTES)
		return err_set(e, -E2BIG, "%s is larger than %u bytes", name, LIMIT_DOCKERFILE_BYTES);
	if (memchr(text, '\0', len))
		return err_set(e, -EINVAL, "%s contains a NUL byte", name);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	copy = xstrndup(text, len);
	/* strsep keeps empty lines so that line numbers stay right. */
	for (char *rest = copy; (l = strsep(&rest, "\n")) != NULL && r == 0;) {
		line++;
		(void)save;
		if (directives) {
			r = directive(l, &df, &seen_escape, e);
			if (r < 0)
				break;
			if (r == 1) {
				r = 0;
				continue;
			}
			directives = false;
		}
		if (is_comment_or_blank(l))
			continue; /* also inside a continuation, as moby does */
		if (!cont) {
			buf_reset(&logical);
			start = line;
		}
		cont = trim_continuation(l, df.escape);
		buf_puts(&logical, l);
		if (!cont)
			r = add_instr(&df, logical.data, start, name, e);
	}
	if (r == 0 && cont && logical.len)
		r = add_instr(&df, logical.data, start, name, e);
	if (r == 0 && df.n == 0)
		r = err_set(e, -EINVAL, "file with no instructions");
	if (r < 0) {
		dockerfile_release(&df);
		return r;
	}
	*ret = df;
	return 0;
}
