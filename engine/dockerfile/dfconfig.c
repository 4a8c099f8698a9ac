/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config half of the metadata instructions; see dfconfig.h. Messages
 * and history texts are moby's, since `docker history` and the build cache
 * compare them.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/dockerfile/dfconfig.h"
#include "engine/dockerfile/shellwords.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static const char *const no_flags[] = { NULL };

bool
dfconfig_handles(enum df_kind kind)
{
	switch (kind) {
	case DF_ENV:
	case DF_LABEL:
	case DF_CMD:
	case DF_ENTRYPOINT:
	case DF_EXPOSE:
	case DF_VOLUME:
	case DF_USER:
	case DF_WORKDIR:
	case DF_STOPSIGNAL:
	case DF_SHELL:
	case DF_ONBUILD:
	case DF_HEALTHCHECK:
		return true;
	default:
		return false;
	}
}

static int
expand(const struct dfconfig_ctx *ctx, const char *w, char **ret, struct err *e)
{
	static char *const none[] = { NULL };

	return shellwords_expand(w, ctx->escape, ctx->env ? ctx->env : none, ret, e);
}

/* Go's %q of a []string: ["a" "b"] (moby's commit messages). */
static char *
go_list(char *const *v)
{
	_cleanup_buf_ struct buf b = BUF_INIT;

	buf_putc(&b, '[');
	for (size_t i = 0; v && v[i]; i++) {
		_cleanup_json_ json_t *s = json_string(v[i]);
		_cleanup_free_ char *q = s ? json_dumps(s, JSON_ENCODE_ANY) : xstrdup("\"\"");
		buf_printf(&b, "%s%s", i ? " " : "", q);
	}
	buf_putc(&b, ']');
	return buf_detach(&b, NULL);
}

char **
dfconfig_shell(const json_t *cfg)
{
	char **sh = NULL;

	if (strv_from_json(json_object_get(cfg, "Shell"), &sh) < 0 || !sh || !sh[0]) {
		strv_free(sh);
		sh = NULL;
		strv_append(&sh, "/bin/sh");
		strv_append(&sh, "-c");
	}
	return sh;
}

char **
dfconfig_command(const json_t *cfg, const struct df_instr *in)
{
	if (in->json)
		return strv_dup(in->args);
	char **v = dfconfig_shell(cfg);
	strv_append(&v, in->args[0]);
	return v;
}

char *
dfconfig_clean_path(const char *path)
{
	_cleanup_strv_ char **parts = NULL;
	_cleanup_buf_ struct buf clean = BUF_INIT;
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t np = strv_len(parts);
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			if (np) {
				free(parts[np - 1]);
				parts[np - 1] = NULL;
			}
			continue;
		}
		strv_append(&parts, c);
	}
	for (size_t i = 0; parts && parts[i]; i++)
		buf_printf(&clean, "/%s", parts[i]);
	return clean.len ? buf_detach(&clean, NULL) : xstrdup("/");
}

/* The object (or array) @key of @cfg, created when missing or mistyped. */
static json_t *
member(json_t *cfg, const char *key, bool array)
{
	json_t *o = json_object_get(cfg, key);

	if (array ? !json_is_array(o) : !json_is_object(o)) {
		o = array ? json_array() : json_object();
		json_object_set_new(cfg, key, o);
	}
	return o;
}

static void
env_set(json_t *cfg, const char *k, const char *v)
{
	json_t *env = member(cfg, "Env", true);
	size_t kl = strlen(k), i;
	json_t *x;

	json_array_foreach(env, i, x) {
		const char *s = json_string_value(x);
		if (s && strncmp(s, k, kl) == 0 && s[kl] == '=') {
			json_array_set_new(env, i, json_sprintf("%s=%s", k, v));
			return;
		}
	}
	json_array_append_new(env, json_sprintf("%s=%s", k, v));
}

/* ENV and LABEL: every value sees the environment before the instruction. */
static int
apply_pairs(json_t *cfg, const struct df_instr *in, struct dfconfig_ctx *ctx, struct buf *text,
	    struct err *e)
{
	json_t *labels = in->kind == DF_LABEL ? member(cfg, "Labels", false) : NULL;
	int r = 0;

	buf_puts(text, df_kind_name(in->kind));
	for (size_t i = 0; r == 0 && in->args[i] && in->args[i + 1]; i += 2) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		r = expand(ctx, in->args[i], &k, e);
		if (r == 0)
			r = expand(ctx, in->args[i + 1], &v, e);
		if (r < 0)
			break;
		if (!*k)
			r = err_set(e, -EINVAL, "%s names can not be blank", df_kind_name(in->kind));
		else if (in->kind == DF_ENV)
			env_set(cfg, k, v);
		else
			json_object_set_new(labels, k, json_string(v));
		buf_printf(text, " %s=%s", k, v);
	}
	return r;
}

static int
apply_cmd(json_t *cfg, const struct df_instr *in, struct dfconfig_ctx *ctx, struct buf *text)
{
	_cleanup_strv_ char **argv = dfconfig_command(cfg, in);
	_cleanup_free_ char *list = go_list(argv);

	json_object_set_new(cfg, in->kind == DF_CMD ? "Cmd" : "Entrypoint", strv_to_json(argv));
	if (in->kind == DF_CMD)
		ctx->cmd_set = true;
	else if (!ctx->cmd_set)
		json_object_set_new(cfg, "Cmd", json_null());
	buf_printf(text, "%s %s", in->kind == DF_CMD ? "CMD" : "ENTRYPOINT", list);
	return 0;
}

static int
parse_port(const char *s, unsigned *ret)
{
	uint64_t v;

	if (parse_uint64(s, 65535, &v) < 0)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* One EXPOSE word: "80", "80/udp", "8000-8010/tcp" (one key per port). */
static int
expose_one(json_t *ports, const char *word, char *w, struct err *e)
{
	char *slash = strchr(w, '/'), *dash;
	const char *proto = slash ? slash + 1 : "tcp";
	unsigned lo = 0, hi = 0;

	if (slash)
		*slash = '\0';
	dash = strchr(w, '-');
	if (dash)
		*dash = '\0';
	if (parse_port(w, &lo) < 0 || (dash && parse_port(dash + 1, &hi) < 0) ||
	    (strcasecmp(proto, "tcp") && strcasecmp(proto, "udp") && strcasecmp(proto, "sctp")))
		return err_set(e, -EINVAL, "invalid containerPort: %s", word);
	if (!dash)
		hi = lo;
	if (hi < lo || hi - lo > LIMIT_PORT_BINDINGS)
		return err_set(e, -EINVAL, "invalid port range: %s", word);
	for (unsigned p = lo; p <= hi; p++) {
		char key[32];
		snprintf(key, sizeof(key), "%u/%s", p, proto);
		for (char *c = key; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		json_object_set_new(ports, key, json_object());
	}
	return 0;
}

static int
apply_expose(json_t *cfg, const struct df_instr *in, struct dfconfig_ctx *ctx, struct buf *text,
	     struct err *e)
{
	json_t *ports = member(cfg, "ExposedPorts", false), *v;
	const char *k;
	int r = 0;

	for (size_t i = 0; r == 0 && in->args[i]; i++) {
		_cleanup_free_ char *w = NULL;
		r = expand(ctx, in->args[i], &w, e);
		if (r == 0)
			r = expose_one(ports, in->args[i], w, e);
	}
	if (r < 0)
		return r;
	/* Straight into the text: collecting the keys with strv_append first was
	 * quadratic, and ranges make tens of thousands of them (found by
	 * tests/fuzz/fuzz_dockerfile). */
	buf_puts(text, "EXPOSE");
	json_object_foreach(ports, k, v) {
		buf_putc(text, ' ');
		buf_puts(text, k);
	}
	return 0;
}

static int
apply_volume(json_t *cfg, const struct df_instr *in, struct dfconfig_ctx *ctx, struct buf *text,
	     struct err *e)
{
	json_t *vols = member(cfg, "Volumes", false);
	int r = 0;

	buf_puts(text, "VOLUME [");
	for (size_t i = 0; r == 0 && in->args[i]; i++) {
		_cleanup_free_ char *w = NULL;
		r = expand(ctx, in->args[i], &w, e);
		if (r == 0 && !*w)
			r = err_set(e, -EINVAL, "VOLUME specified can not be an empty string");
		if (r < 0)
			break;
		json_object_set_new(vols, w, json_object());
		buf_printf(text, "%s%s", i ? " " : "", w);
	}
	buf_putc(text, ']');
	return r;
}

/* USER, STOPSIGNAL: one expanded string. */
static int
apply_string(json_t *cfg, const struct df_instr *in, struct dfconfig_ctx *ctx, struct buf *text,
	     struct err *e)
{
	_cleanup_free_ char *v = NULL;
	int r = expand(ctx, in->args[0], &v, e);

	if (r < 0)
		return r;
	if (in->kind == DF_STOPSIGNAL && ctx->parse_signal && ctx->parse_signal(v) < 0)
		return err_set(e, -EINVAL, "Invalid signal: %s", v);
	json_object_set_new(cfg, in->kind == DF_USER ? "User" : "StopSignal", json_string(v));
	buf_printf(text, "%s %s", df_kind_name(in->kind), v);
	return 0;
}

/* WORKDIR: relative to the previous one, cleaned; links are not resolved. */
static int
apply_workdir(json_t *cfg, const struct df_instr *in, struct dfconfig_ctx *ctx, struct buf *text,
	      struct err *e)
{
	_cleanup_free_ char *w = NULL, *joined = NULL, *dir = NULL;
	const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
	int r = expand(ctx, in->args[0], &w, e);

	if (r < 0)
		return r;
	joined = w[0] == '/' ? xstrdup(w) : xasprintf("%s/%s", wd && *wd ? wd : "", w);
	dir = dfconfig_clean_path(joined);
	json_object_set_new(cfg, "WorkingDir", json_string(dir));
	buf_printf(text, "WORKDIR %s", dir);
	return 0;
}

static void
apply_shell(json_t *cfg, const struct df_instr *in, struct buf *text)
{
	json_object_set_new(cfg, "Shell", strv_to_json(in->args));
	buf_puts(text, "SHELL [");
	for (size_t i = 0; in->args[i]; i++)
		buf_printf(text, "%s%s", i ? " " : "", in->args[i]);
	buf_putc(text, ']');
}

static void
apply_onbuild(json_t *cfg, const struct df_instr *in, struct buf *text)
{
	json_array_append_new(member(cfg, "OnBuild", true), json_string(in->args[0]));
	buf_printf(text, "ONBUILD %s", in->args[0]);
}

/* Go's time.ParseDuration for the units HEALTHCHECK uses. */
static int
parse_duration(const char *s, int64_t *ret)
{
	static const struct { const char *u; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000LL },
		{ "m", 60000000000LL }, { "h", 3600000000000LL },
	};
	int64_t total = 0;

	if (!*s)
		return -EINVAL;
	if (strcmp(s, "0") == 0) {
		*ret = 0;
		return 0;
	}
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -EINVAL;
		size_t ul = strspn(end, "nuµmsh");
		bool ok = false;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !ok; i++)
			if (strlen(units[i].u) == ul && strncmp(end, units[i].u, ul) == 0) {
				total += (int64_t)(v * (double)units[i].ns);
				ok = true;
			}
		if (!ok)
			return -EINVAL;
		s = end + ul;
	}
	*ret = total;
	return 0;
}

static const char *const healthcheck_flags[] = { "interval", "timeout", "start-period",
						 "start-interval", "retries", NULL };

/* The Healthcheck object of a "HEALTHCHECK [flags] CMD ..." (not NONE). */
static int
healthcheck_test(const struct df_instr *in, json_t *hc, struct err *e)
{
	static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
	json_t *test = json_array();
	const char *rv = df_flag(in, "retries");
	int64_t n;

	json_array_append_new(test, json_string(in->json ? "CMD" : "CMD-SHELL"));
	for (size_t i = 1; in->args[i]; i++)
		json_array_append_new(test, json_string(in->args[i]));
	json_object_set_new(hc, "Test", test);
	for (size_t i = 0; i < 4; i++) {
		const char *v = df_flag(in, healthcheck_flags[i]);
		int64_t ns;
		if (!v)
			continue;
		if (parse_duration(v, &ns) < 0 || (ns != 0 && ns < 1000000))
			return err_set(e, -EINVAL, "Interval \"%s\" cannot be less than 1ms",
				       healthcheck_flags[i]);
		json_object_set_new(hc, keys[i], json_integer(ns));
	}
	if (rv && (parse_int64(rv, 0, INT32_MAX, &n) < 0))
		return err_set(e, -EINVAL, "invalid retries value '%s'", rv);
	if (rv)
		json_object_set_new(hc, "Retries", json_integer(n));
	return 0;
}

static int
apply_healthcheck(json_t *cfg, const struct df_instr *in, struct buf *text, struct err *e)
{
	_cleanup_json_ json_t *hc = json_object();
	const char *sp = strchr(in->original, ' ');

	if (strcmp(in->args[0], "NONE") == 0)
		json_object_set_new(hc, "Test", json_pack("[s]", "NONE"));
	else if (healthcheck_test(in, hc, e) < 0)
		return e->code;
	json_object_set(cfg, "Healthcheck", hc);
	buf_printf(text, "HEALTHCHECK %s", sp ? sp + 1 : "");
	return 0;
}

int
dfconfig_apply(json_t *cfg, const struct df_instr *in, struct dfconfig_ctx *ctx,
	       char **ret_text, struct err *e)
{
	_cleanup_buf_ struct buf text = BUF_INIT;
	int r;

	if (!dfconfig_handles(in->kind))
		return err_set(e, -EINVAL, "%s does not change the image config",
			       df_kind_name(in->kind));
	r = df_check_flags(in, in->kind == DF_HEALTHCHECK ? healthcheck_flags : no_flags, e);
	if (r < 0)
		return r;
	switch (in->kind) {
	case DF_ENV:
	case DF_LABEL:
		r = apply_pairs(cfg, in, ctx, &text, e);
		break;
	case DF_CMD:
	case DF_ENTRYPOINT:
		r = apply_cmd(cfg, in, ctx, &text);
		break;
	case DF_EXPOSE:
		r = apply_expose(cfg, in, ctx, &text, e);
		break;
	case DF_VOLUME:
		r = apply_volume(cfg, in, ctx, &text, e);
		break;
	case DF_USER:
	case DF_STOPSIGNAL:
		r = apply_string(cfg, in, ctx, &text, e);
		break;
	case DF_WORKDIR:
		r = apply_workdir(cfg, in, ctx, &text, e);
		break;
	case DF_SHELL:
		apply_shell(cfg, in, &text);
		break;
	case DF_ONBUILD:
		apply_onbuild(cfg, in, &text);
		break;
	default: /* DF_HEALTHCHECK */
		r = apply_healthcheck(cfg, in, &text, e);
		break;
	}
	if (r < 0)
		return r;
	*ret_text = buf_detach(&text, NULL);
	return 0;
}

/* The instructions `changes` accept (moby's validCommitCommands). */
static bool
change_allowed(const char *instr)
{
	static const char *const ok[] = {"CMD",		"ENTRYPOINT", "ENV",	    "EXPOSE",
					 "HEALTHCHECK", "LABEL",      "ONBUILD",    "USER",
					 "VOLUME",	"WORKDIR",    "STOPSIGNAL", NULL};

	for (size_t i = 0; ok[i]; i++)
		if (strcasecmp(instr, ok[i]) == 0)
			return true;
	return false;
}

static int
apply_change(json_t *cfg, const char *line, struct dfconfig_ctx *ctx, struct err *e)
{
	const char *p = line + strspn(line, " \t");
	_cleanup_free_ char *instr = xstrndup(p, strcspn(p, " \t"));
	_cleanup_strv_ char **env = NULL;
	_cleanup_free_ char *text = NULL;
	struct df_instr in = {0};
	int r;

	if (!change_allowed(instr)) {
		for (char *c = instr; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		return err_set(e, -EINVAL, "%s is not a valid change command", instr);
	}
	r = dockerfile_parse_line(line, '\\', &in, e);
	if (r < 0)
		return r;
	(void)strv_from_json(json_object_get(cfg, "Env"), &env);
	ctx->env = env;
	r = dfconfig_apply(cfg, &in, ctx, &text, e);
	ctx->env = NULL;
	df_instr_release(&in);
	return r;
}

int
dfconfig_apply_changes(json_t *cfg, const char *const *changes, struct err *e)
{
	struct dfconfig_ctx ctx = {.escape = '\\'};
	int r;

	for (size_t i = 0; changes && changes[i]; i++) {
		json_t *probe = json_string(changes[i]);
		if (!probe)
			return err_set(e, -EINVAL, "change is not valid UTF-8");
		json_decref(probe);
		/* An empty line is no instruction (the parser skips it). */
		if (changes[i][strspn(changes[i], " \t\r\n")] == '\0')
			continue;
		r = apply_change(cfg, changes[i], &ctx, e);
		if (r < 0)
			return r;
	}
	return 0;
}
