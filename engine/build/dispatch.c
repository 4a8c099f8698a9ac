/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instructions of the classic builder (moby builder/dockerfile/
 * dispatchers.go): each computes the new config and the container_config
 * Cmd marker, then hands over to builder_step (cache, layer, commit).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/build/builder_internal.h"
#include "engine/build/copy.h"
#include "engine/build/pull.h"
#include "engine/build/rootfs_view.h"
#include "engine/build/run.h"
#include "engine/dockerfile/shellwords.h"
#include "engine/container/lifecycle.h"
#include "engine/dockerfile/dfconfig.h"
#include "engine/runtime/user.h"
#include "engine/store/store.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static int
meta_step(struct builder *b, json_t *cfg, const char *text)
{
	_cleanup_strv_ char **cmd = builder_nop_cmd(b, cfg, text);
	int r = builder_step(b, cfg, cmd, NULL, NULL);

	json_decref(cfg);
	return r;
}

static json_t *
cfg_copy(struct builder *b)
{
	return json_deep_copy(builder_cfg(b));
}

/* ---- FROM ------------------------------------------------------------- */

static json_t *
scratch_doc(void)
{
	return json_pack("{s:s,s:s,s:{},s:{s:s,s:[]},s:[]}", "architecture", "amd64", "os", "linux",
			 "config", "rootfs", "type", "layers", "diff_ids", "history");
}

static int
run_triggers(struct builder *b)
{
	_cleanup_strv_ char **triggers = NULL;

	if (strv_from_json(json_object_get(builder_cfg(b), "OnBuild"), &triggers) < 0 || !triggers ||
	    !triggers[0])
		return 0;
	json_object_set_new(builder_cfg(b), "OnBuild", json_null());
	size_t n = strv_len(triggers);
	int r = builder_say(b, "# Executing %zu build trigger%s\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; r == 0 && triggers[i]; i++) {
		struct df_instr in = {0};
		r = dockerfile_parse_line(triggers[i], b->df.escape, &in, b->e);
		if (r == 0 && (in.kind == DF_ONBUILD || in.kind == DF_FROM || in.kind == DF_MAINTAINER))
			r = err_set(b->e, -EINVAL, "%s isn't allowed as an ONBUILD trigger",
				    df_kind_name(in.kind));
		if (r == 0)
			r = dispatch_instr(b, &in);
		df_instr_release(&in);
	}
	return r;
}

int
dispatch_from(struct builder *b, const struct df_instr *in)
{
	static const char *const flags[] = { "platform", NULL };
	_cleanup_free_ char *name = NULL, *platform = NULL;
	_cleanup_buf_ struct buf cfg = BUF_INIT;
	char id[DIGEST_STR_LEN + 1] = "";
	int r = df_check_flags(in, flags, b->e);

	if (r < 0)
		return r;
	r = shellwords_expand(in->args[0], b->df.escape, b->meta_args, &name, b->e);
	if (r == 0 && df_flag(in, "platform") && *df_flag(in, "platform"))
		r = shellwords_expand(df_flag(in, "platform"), b->df.escape, b->meta_args,
				      &platform, b->e);
	if (r < 0)
		return r;
	json_decref(b->img);
	b->img = NULL;
	*b->cur = '\0';
	b->cmd_set = false;
	strv_free(b->args);
	b->args = NULL;
	for (size_t i = 0; i < b->n_stages && !*id; i++)
		if (!b->stages[i].image && b->stages[i].name &&
		    strcasecmp(b->stages[i].name, name) == 0)
			memcpy(id, b->stages[i].id, sizeof(id));
	if (!*id && strcasecmp(name, "scratch") == 0) {
		b->img = scratch_doc();
		return 0;
	}
	if (!*id) {
		r = build_base_image(b, name, platform, b->o->pull, id);
		if (r < 0)
			return r;
	}
	r = store_image_get(b->bs->store, id, NULL, &cfg, b->e);
	if (r < 0)
		return r;
	b->img = json_loadb(cfg.data, cfg.len, 0, NULL);
	if (!json_is_object(b->img))
		return err_set(b->e, -EINVAL, "invalid image config of %s", id);
	memcpy(b->cur, id, sizeof(b->cur));
	r = builder_say(b, " ---> %.12s\n", id + 7);
	return r < 0 ? r : run_triggers(b);
}

/* ---- metadata instructions ------------------------------------------- */

/* The config half is dfconfig's (shared with `docker import --change`). */
static int
dispatch_meta(struct builder *b, const struct df_instr *in)
{
	json_t *cfg = cfg_copy(b);
	_cleanup_strv_ char **env = builder_expand_env(b);
	_cleanup_free_ char *text = NULL;
	struct dfconfig_ctx ctx = {
		.escape = b->df.escape, .env = env, .cmd_set = b->cmd_set,
		.parse_signal = lifecycle_parse_signal,
	};
	int r = dfconfig_apply(cfg, in, &ctx, &text, b->e);

	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	b->cmd_set = ctx.cmd_set;
	return meta_step(b, cfg, text);
}

/* MAINTAINER: the image's author, outside the config. */
static int
dispatch_maintainer(struct builder *b, const struct df_instr *in)
{
	_cleanup_free_ char *v = NULL, *text = NULL;
	int r = builder_expand(b, in->args[0], &v);

	if (r < 0)
		return r;
	json_object_set_new(b->img, "author", json_string(v));
	text = xasprintf("%s %s", df_kind_name(in->kind), v);
	return meta_step(b, cfg_copy(b), text);
}

/* ---- ARG -------------------------------------------------------------- */

static bool
proxy_arg(const char *k)
{
	static const char *const names[] = { "HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
					     "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY",
					     "no_proxy", "ALL_PROXY", "all_proxy", NULL };
	return strv_contains((char **)names, k);
}

static void
arg_set(char ***v, const char *k, const char *val)
{
	size_t kl = strlen(k);
	for (size_t i = 0; *v && (*v)[i]; i++)
		if (strncmp((*v)[i], k, kl) == 0 && (*v)[i][kl] == '=') {
			free((*v)[i]);
			(*v)[i] = xasprintf("%s=%s", k, val);
			return;
		}
	_cleanup_free_ char *kv = xasprintf("%s=%s", k, val);
	strv_append(v, kv);
}

static int
dispatch_arg(struct builder *b, const struct df_instr *in)
{
	bool meta = b->img == NULL;
	_cleanup_buf_ struct buf text = BUF_INIT;

	buf_puts(&text, "ARG");
	for (size_t i = 0; in->args[i]; i++) {
		_cleanup_free_ char *name = xstrdup(in->args[i]), *def = NULL;
		char *eq = strchr(name, '=');
		const char *val = NULL;
		if (eq) {
			*eq = '\0';
			_cleanup_strv_ char **env = meta ? strv_dup(b->meta_args) : builder_expand_env(b);
			if (shellwords_expand(eq + 1, b->df.escape, env, &def, b->e) < 0)
				return b->e->code;
		}
		if (!*name)
			return err_set(b->e, -EINVAL, "ARG names can not be blank");
		json_t *given = json_object_get(b->o->buildargs, name);
		if (json_is_string(given))
			val = json_string_value(given);
		else if (def)
			val = def;
		else if (!meta)
			val = shellwords_getenv(b->meta_args, name);
		if (given && !strv_contains(b->used, name))
			strv_append(&b->used, name);
		if (val)
			arg_set(meta ? &b->meta_args : &b->args, name, val);
		buf_printf(&text, " %s", in->args[i]);
	}
	if (meta)
		return 0;
	return meta_step(b, cfg_copy(b), text.data);
}

/* ---- RUN -------------------------------------------------------------- */

struct run_ctx {
	const struct df_instr *in;
	char **argv;
	char **env;
	struct container *c;
};

static int
run_output(void *ud, const char *p, size_t n, bool is_err)
{
	struct builder *b = ud;
	if (is_err)
		return builder_say(b, "\033[91m%.*s\033[0m", (int)n, p);
	return builder_say(b, "%.*s", (int)n, p);
}

static bool
run_cancelled(void *ud)
{
	struct builder *b = ud;
	return b->out->cancelled && b->out->cancelled(b->out->ud);
}

static void
remove_container(struct builder *b, struct container *c, bool say)
{
	struct err ignored = ERR_INIT;

	if (lifecycle_remove(b->bs->containers, c, true, true, &ignored) < 0)
		log_warn("build: cannot remove container %.12s: %s", c->id, ignored.msg);
	else if (say)
		(void)builder_say(b, "Removing intermediate container %.12s\n", c->id);
}

static int run_after(struct builder *b, void *ud);

static int
run_produce(struct builder *b, void *ud, struct step_layer *ret)
{
	struct run_ctx *rc = ud;
	const struct build_opts *o = b->o;
	struct build_run_opts ro = {
		.image_id = b->cur,
		.argv = rc->argv,
		.env = rc->env,
		.network_mode = o->network_mode,
		.memory = o->memory,
		.memory_swap = o->memory_swap,
		.cpu_shares = o->cpu_shares,
		.shm_size = o->shm_size,
		.cpu_period = o->cpu_period,
		.cpu_quota = o->cpu_quota,
		.cpuset_cpus = o->cpuset_cpus,
		.cpuset_mems = o->cpuset_mems,
		.extra_hosts = o->extra_hosts,
		.ulimits = o->ulimits,
		.output = run_output,
		.cancelled = run_cancelled,
		.ud = b,
	};
	bool empty = false;
	int code = 0, r;

	if (!*b->cur)
		return err_set(b->e, -EINVAL, "Please provide a source image with `from` prior to run");
	r = build_run_create(b->bs->containers, &ro, &rc->c, b->e);
	if (r < 0)
		return r;
	r = builder_say(b, " ---> Running in %.12s\n", rc->c->id);
	if (r == 0)
		r = build_run_exec(b->bs->containers, rc->c, &ro, &code, b->e);
	if (r == 0 && code != 0) {
		_cleanup_free_ char *cmd = NULL;
		_cleanup_buf_ struct buf j = BUF_INIT;
		for (size_t i = 0; rc->argv[i]; i++)
			buf_printf(&j, "%s%s", i ? " " : "", rc->argv[i]);
		b->run_code = code;
		r = err_set(b->e, -EIO, "The command '%s' returned a non-zero code: %d", j.data, code);
	}
	if (r == 0)
		r = build_run_diff(rc->c, b->work_dir, &ret->fd, &empty, b->e);
	ret->after = run_after;
	snprintf(ret->container, sizeof(ret->container), "%s", rc->c->id);
	if (r < 0 && o->forcerm) {
		remove_container(b, rc->c, false);
		container_unref(rc->c);
		rc->c = NULL;
	}
	return r;
}

static int
run_after(struct builder *b, void *ud)
{
	struct run_ctx *rc = ud;

	if (rc->c && (b->o->rm || b->o->forcerm)) {
		remove_container(b, rc->c, true);
		container_unref(rc->c);
		rc->c = NULL;
	}
	return 0;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
dispatch_run(struct builder *b, const struct df_instr *in)
{
	static const char *const none[] = { NULL };
	_cleanup_json_ json_t *cfg = cfg_copy(b);
	_cleanup_strv_ char **cmd = NULL, **env = NULL;
	struct run_ctx rc = { .in = in };
	int r;

	if (in->flags && in->flags[0] && strncmp(in->flags[0], "--mount", 7) == 0)
		return err_set(b->e, -EINVAL,
			       "the --mount option requires BuildKit. Refer to "
			       "https://docs.docker.com/go/buildkit/ to learn how to build images "
			       "with BuildKit enabled");
	r = df_check_flags(in, none, b->e);
	if (r < 0)
		return r;
	rc.argv = dfconfig_command(cfg, in);
	/* Build args reach the command's environment (ENV wins) and the
	 * cache key, as "|N K=V ..." before the command. */
	for (size_t i = 0; b->args && b->args[i]; i++) {
		_cleanup_free_ char *k = xstrndup(b->args[i], strcspn(b->args[i], "="));
		_cleanup_strv_ char **cenv = NULL;
		(void)strv_from_json(json_object_get(cfg, "Env"), &cenv);
		if (shellwords_getenv(cenv, k) || proxy_arg(k))
			continue;
		strv_append(&env, b->args[i]);
	}
	if (env) {
		qsort(env, strv_len(env), sizeof(char *), cmp_strp);
		char n[16];
		snprintf(n, sizeof(n), "|%zu", strv_len(env));
		strv_append(&cmd, n);
		for (size_t i = 0; env[i]; i++)
			strv_append(&cmd, env[i]);
	}
	for (size_t i = 0; rc.argv[i]; i++)
		strv_append(&cmd, rc.argv[i]);
	rc.env = env;
	r = builder_step(b, cfg, cmd, run_produce, &rc);
	if (rc.c)
		container_unref(rc.c); /* kept: failed without forcerm, or rm=0 */
	strv_free(rc.argv);
	return r;
}

/* ---- the dispatch table ------------------------------------------------ */

int
dispatch_instr(struct builder *b, const struct df_instr *in)
{
	static const char *const none[] = { NULL };

	if (in->kind != DF_ARG && !b->img)
		return err_set(b->e, -EINVAL, "no build stage in current context");
	switch (in->kind) {
	case DF_FROM:
		return dispatch_from(b, in);
	case DF_RUN:
		return dispatch_run(b, in);
	case DF_COPY:
	case DF_ADD:
		return dispatch_copy(b, in);
	case DF_WORKDIR:
		return df_check_flags(in, none, b->e) < 0 ? b->e->code : dispatch_workdir(b, in);
	case DF_HEALTHCHECK:
		return dispatch_meta(b, in);
	default:
		break;
	}
	if (df_check_flags(in, none, b->e) < 0)
		return b->e->code;
	if (dfconfig_handles(in->kind))
		return dispatch_meta(b, in);
	switch (in->kind) {
	case DF_MAINTAINER:
		return dispatch_maintainer(b, in);
	case DF_ARG:
		return dispatch_arg(b, in);
	default:
		return err_set(b->e, -EINVAL, "unknown instruction: %s", df_kind_name(in->kind));
	}
}
