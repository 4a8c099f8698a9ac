/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dockerfile variable substitution; see shellwords.h. A small recursive
 * scanner: process() reads until a stop character (end of input, or '}'
 * inside ${...:-word}) and feeds a word builder that knows whether a piece
 * came quoted (never split) or from an unquoted expansion (split at blanks
 * when words are wanted).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dockerfile/shellwords.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

struct lexer {
	const char *s;
	size_t pos, len;
	char esc;
	char *const *env;
	struct err *e;
};

/* Collects the output: a current word plus, when splitting, finished words. */
struct words {
	bool split;
	struct buf cur;
	bool has_cur;		/* a quoted "" still makes a word */
	char **done;
};

static int
put(struct lexer *lx, struct words *w, const char *p, size_t n)
{
	if (w->cur.len + n > LIMIT_BUILD_WORD)
		return err_set(lx->e, -E2BIG, "variable expansion larger than %u bytes",
			       LIMIT_BUILD_WORD);
	buf_append(&w->cur, p, n);
	w->has_cur = true;
	return 0;
}

static void
end_word(struct words *w)
{
	if (w->has_cur)
		strv_append(&w->done, w->cur.data ? w->cur.data : "");
	buf_reset(&w->cur);
	w->has_cur = false;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* An unquoted expansion result: split at blanks when words are wanted. */
static int
put_unquoted(struct lexer *lx, struct words *w, const char *v)
{
	if (!w->split)
		return put(lx, w, v, strlen(v));
	for (; *v; v++) {
		if (blank(*v)) {
			end_word(w);
			continue;
		}
		if (put(lx, w, v, 1) < 0)
			return lx->e->code;
	}
	return 0;
}

const char *
shellwords_getenv(char *const *env, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			found = env[i] + n + 1;
	return found;
}

static int process(struct lexer *lx, struct words *w, char stop, bool quoted);

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* ${name<op>word}: reads the word (recursively expanded) up to '}'. */
static int
braced(struct lexer *lx, struct words *w, bool quoted)
{
	size_t start = lx->pos;
	_cleanup_free_ char *name = NULL;
	const char *val;
	bool colon = false;
	char op;

	while (lx->pos < lx->len && name_char(lx->s[lx->pos]))
		lx->pos++;
	if (lx->pos == start)
		return err_set(lx->e, -EINVAL, "bad substitution: missing variable name");
	name = xstrndup(lx->s + start, lx->pos - start);
	val = shellwords_getenv(lx->env, name);
	if (lx->pos >= lx->len)
		return err_set(lx->e, -EINVAL, "missing '}'");
	if (lx->s[lx->pos] == '}') {
		lx->pos++;
		return val ? (quoted ? put(lx, w, val, strlen(val)) : put_unquoted(lx, w, val)) : 0;
	}
	if (lx->s[lx->pos] == ':') {
		colon = true;
		lx->pos++;
	}
	op = lx->pos < lx->len ? lx->s[lx->pos++] : 0;
	if (op != '-' && op != '+' && op != '?')
		return err_set(lx->e, -EINVAL, "unsupported modifier (%c) in substitution", op ? op : ' ');
	struct words sub = { .split = false };
	int r = process(lx, &sub, '}', quoted);
	_cleanup_free_ char *word = buf_detach(&sub.cur, NULL);
	strv_free(sub.done);
	if (r < 0)
		return r;
	if (lx->pos >= lx->len || lx->s[lx->pos] != '}')
		return err_set(lx->e, -EINVAL, "missing '}'");
	lx->pos++;
	bool set = val && (!colon || *val);
	const char *out = NULL;
	if (op == '-')
		out = set ? val : word;
	else if (op == '+')
		out = set ? word : "";
	else if (!set)
		return err_set(lx->e, -EINVAL, "%s: %s", name, *word ? word : "is not allowed to be unset");
	else
		out = val;
	return quoted ? put(lx, w, out, strlen(out)) : put_unquoted(lx, w, out);
}

static int
dollar(struct lexer *lx, struct words *w, bool quoted)
{
	size_t start;

	lx->pos++; /* '$' */
	if (lx->pos < lx->len && lx->s[lx->pos] == '{') {
		lx->pos++;
		return braced(lx, w, quoted);
	}
	start = lx->pos;
	/* "$1x" is the positional $1 then "x", as in moby's processName. */
	if (lx->pos < lx->len && lx->s[lx->pos] >= '0' && lx->s[lx->pos] <= '9')
		lx->pos++;
	else
		while (lx->pos < lx->len && name_char(lx->s[lx->pos]))
			lx->pos++;
	if (lx->pos == start)
		return put(lx, w, "$", 1);
	_cleanup_free_ char *name = xstrndup(lx->s + start, lx->pos - start);
	const char *val = shellwords_getenv(lx->env, name);
	if (!val)
		return 0;
	return quoted ? put(lx, w, val, strlen(val)) : put_unquoted(lx, w, val);
}

static int
single_quote(struct lexer *lx, struct words *w)
{
	size_t start = ++lx->pos;
	const char *end = memchr(lx->s + start, '\'', lx->len - start);

	if (!end)
		return err_set(lx->e, -EINVAL,
			       "unexpected end of statement while looking for matching single-quote");
	lx->pos = (size_t)(end - lx->s) + 1;
	w->has_cur = true;
	return put(lx, w, lx->s + start, (size_t)(end - lx->s) - start);
}

static int
double_quote(struct lexer *lx, struct words *w)
{
	lx->pos++;
	w->has_cur = true;
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];
		int r = 0;
		if (c == '"') {
			lx->pos++;
			return 0;
		}
		if (c == '$') {
			r = dollar(lx, w, true);
		} else if (c == lx->esc && lx->pos + 1 < lx->len) {
			char n = lx->s[lx->pos + 1];
			/* Inside "...", the escape only protects " $ and itself. */
			if (n == '"' || n == '$' || n == lx->esc) {
				r = put(lx, w, &n, 1);
				lx->pos += 2;
			} else {
				r = put(lx, w, &c, 1);
				lx->pos++;
			}
		} else {
			r = put(lx, w, &c, 1);
			lx->pos++;
		}
		if (r < 0)
			return r;
	}
	return err_set(lx->e, -EINVAL,
		       "unexpected end of statement while looking for matching double-quote");
}

static int
process(struct lexer *lx, struct words *w, char stop, bool quoted)
{
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];
		int r;
		if (stop && c == stop)
			return 0;
		if (c == lx->esc) {
			lx->pos++;
			if (lx->pos >= lx->len)
				break; /* a trailing escape is dropped */
			r = put(lx, w, &lx->s[lx->pos++], 1);
		} else if (c == '\'' && !quoted) {
			r = single_quote(lx, w);
		} else if (c == '"' && !quoted) {
			r = double_quote(lx, w);
		} else if (c == '$') {
			r = dollar(lx, w, quoted);
		} else if (w->split && blank(c)) {
			end_word(w);
			lx->pos++;
			r = 0;
		} else {
			r = put(lx, w, &c, 1);
			lx->pos++;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int
run(const char *text, char esc, char *const *env, bool split, struct words *w, struct err *e)
{
	struct lexer lx = { text, 0, strlen(text), esc ? esc : '\\', env, e };
	int r;

	w->split = split;
	r = process(&lx, w, 0, false);
	if (r < 0) {
		buf_release(&w->cur);
		strv_free(w->done);
		return r;
	}
	return 0;
}

int
shellwords_expand(const char *word, char esc, char *const *env, char **ret, struct err *e)
{
	struct words w = {0};
	int r = run(word, esc, env, false, &w, e);

	if (r < 0)
		return r;
	strv_free(w.done);
	*ret = buf_detach(&w.cur, NULL);
	return 0;
}

int
shellwords_expand_split(const char *text, char esc, char *const *env, char ***ret,
			struct err *e)
{
	struct words w = {0};
	int r = run(text, esc, env, true, &w, e);

	if (r < 0)
		return r;
	end_word(&w);
	buf_release(&w.cur);
	*ret = w.done ? w.done : xcalloc(1, sizeof(char *));
	return 0;
}
