/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dockerfiles (engine/dockerfile/): the parser (directives, escape,
 * continuation lines, comments, JSON and shell forms, flags, ONBUILD), then
 * what the classic builder does with each instruction short of running
 * anything: FROM and ARG expanded against the ARGs in scope, ENV/LABEL/CMD/
 * ... applied to an image config by the shared applier (which expands
 * $VAR, ${VAR:-x} against ENV and ARG values), RUN turned into its argv,
 * COPY/ADD words expanded and split. The instruction lines are also fed to
 * the `docker commit/import --change` applier.
 */
#include "config.h"

#include <jansson.h>

#include "engine/dockerfile/dfconfig.h"
#include "engine/dockerfile/dockerfile.h"
#include "engine/dockerfile/shellwords.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "tests/fuzz/fuzz.h"

/* ARG name[=default]: sets the name in @vars (expanded default, or "x"). */
static void
arg(const struct df_instr *in, char esc, char ***vars)
{
	struct err e = ERR_INIT;

	for (size_t i = 0; in->args[i]; i++) {
		_cleanup_free_ char *name = xstrdup(in->args[i]), *def = NULL;
		char *eq = strchr(name, '=');
		if (eq) {
			*eq = '\0';
			if (shellwords_expand(eq + 1, esc, *vars, &def, &e) < 0)
				return;
		}
		_cleanup_free_ char *kv = xasprintf("%s=%s", name, def ? def : "x");
		strv_append(vars, kv);
	}
}

static void
instr(const struct df_instr *in, char esc, json_t *cfg, char ***vars, bool *cmd_set)
{
	struct dfconfig_ctx ctx = {.escape = esc, .env = *vars, .cmd_set = *cmd_set};
	struct err e = ERR_INIT;
	_cleanup_free_ char *text = NULL, *word = NULL;
	_cleanup_strv_ char **argv = NULL;

	switch (in->kind) {
	case DF_ARG: arg(in, esc, vars); return;
	case DF_FROM: (void)shellwords_expand(in->args[0], esc, *vars, &word, &e); return;
	case DF_RUN: argv = dfconfig_command(cfg, in); return;
	case DF_COPY:
	case DF_ADD:
		for (size_t i = 0; in->args[i]; i++) {
			_cleanup_strv_ char **w = NULL;
			(void)shellwords_expand_split(in->args[i], esc, *vars, &w, &e);
		}
		return;
	default: break;
	}
	if (!dfconfig_handles(in->kind))
		return;
	if (dfconfig_apply(cfg, in, &ctx, &text, &e) == 0)
		*cmd_set = ctx.cmd_set;
	/* ENV values join what later words expand against */
	if (in->kind == DF_ENV)
		for (size_t i = 0; in->args[i] && in->args[i + 1]; i += 2) {
			_cleanup_free_ char *v = NULL;
			if (shellwords_expand(in->args[i + 1], esc, *vars, &v, &e) == 0) {
				_cleanup_free_ char *kv = xasprintf("%s=%s", in->args[i], v);
				strv_append(vars, kv);
			}
		}
}

FUZZ_TARGET(dockerfile)
{
	struct dockerfile df = {0};
	struct err e = ERR_INIT;
	_cleanup_json_ json_t *cfg = NULL, *changed = NULL;
	_cleanup_strv_ char **vars = NULL, **changes = NULL;
	bool cmd_set = false;

	fuzz_quiet();
	if (dockerfile_parse((const char *)data, size, "Dockerfile", &df, &e) < 0)
		return 0;
	cfg = json_object();
	for (size_t i = 0; i < df.n; i++) {
		instr(&df.instrs[i], df.escape, cfg, &vars, &cmd_set);
		if (df.instrs[i].original)
			strv_append(&changes, df.instrs[i].original);
	}
	changed = json_object();
	(void)dfconfig_apply_changes(changed, (const char *const *)changes, &e);
	dockerfile_release(&df);
	return 0;
}
