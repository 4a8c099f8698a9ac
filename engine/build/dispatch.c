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
#include "engine/build/shellwords.h"
#include "engine/container/lifecycle.h"
#include "engine/runtime/user.h"
#include "engine/store/store.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

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

static char **
shell_of(json_t *cfg)
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

/* Exec form as is; shell form wrapped in the configured shell. */
static char **
command_of(json_t *cfg, const struct df_instr *in)
{
	if (in->json)
		return strv_dup(in->args);
	char **v = shell_of(cfg);
	strv_append(&v, in->args[0]);
	return v;
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

static void
env_set(json_t *cfg, const char *k, const char *v)
{
	json_t *env = json_object_get(cfg, "Env");
	size_t kl = strlen(k), i;
	json_t *x;

	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(cfg, "Env", env);
	}
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
dispatch_pairs(struct builder *b, const struct df_instr *in)
{
	json_t *cfg = cfg_copy(b);
	_cleanup_buf_ struct buf text = BUF_INIT;
	json_t *labels = json_object_get(cfg, "Labels");
	int r = 0;

	buf_puts(&text, df_kind_name(in->kind));
	if (in->kind == DF_LABEL && !json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(cfg, "Labels", labels);
	}
	for (size_t i = 0; r == 0 && in->args[i] && in->args[i + 1]; i += 2) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		r = builder_expand(b, in->args[i], &k);
		if (r == 0)
			r = builder_expand(b, in->args[i + 1], &v);
		if (r < 0)
			break;
		if (!*k)
			r = err_set(b->e, -EINVAL, "%s names can not be blank", df_kind_name(in->kind));
		else if (in->kind == DF_ENV)
			env_set(cfg, k, v);
		else
			json_object_set_new(labels, k, json_string(v));
		buf_printf(&text, " %s=%s", k, v);
	}
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	return meta_step(b, cfg, text.data);
}

static int
dispatch_cmd(struct builder *b, const struct df_instr *in)
{
	json_t *cfg = cfg_copy(b);
	_cleanup_strv_ char **argv = command_of(cfg, in);
	_cleanup_free_ char *list = go_list(argv);
	_cleanup_free_ char *text = NULL;
	const char *key = in->kind == DF_CMD ? "Cmd" : "Entrypoint";

	json_object_set_new(cfg, key, strv_to_json(argv));
	if (in->kind == DF_CMD)
		b->cmd_set = true;
	else if (!b->cmd_set)
		json_object_set_new(cfg, "Cmd", json_null());
	text = xasprintf("%s %s", in->kind == DF_CMD ? "CMD" : "ENTRYPOINT", list);
	return meta_step(b, cfg, text);
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

static int
dispatch_expose(struct builder *b, const struct df_instr *in)
{
	json_t *cfg = cfg_copy(b);
	json_t *ports = json_object_get(cfg, "ExposedPorts");
	_cleanup_buf_ struct buf text = BUF_INIT;
	const char *k;
	json_t *v;
	int r = 0;

	if (!json_is_object(ports)) {
		ports = json_object();
		json_object_set_new(cfg, "ExposedPorts", ports);
	}
	for (size_t i = 0; r == 0 && in->args[i]; i++) {
		_cleanup_free_ char *w = NULL;
		r = builder_expand(b, in->args[i], &w);
		if (r < 0)
			break;
		char *slash = strchr(w, '/');
		const char *proto = slash ? slash + 1 : "tcp";
		if (slash)
			*slash = '\0';
		char *dash = strchr(w, '-');
		unsigned lo = 0, hi = 0;
		if (dash)
			*dash = '\0';
		if (parse_port(w, &lo) < 0 || (dash && parse_port(dash + 1, &hi) < 0) ||
		    (strcasecmp(proto, "tcp") && strcasecmp(proto, "udp") && strcasecmp(proto, "sctp"))) {
			r = err_set(b->e, -EINVAL, "invalid containerPort: %s", in->args[i]);
			break;
		}
		if (!dash)
			hi = lo;
		if (hi < lo || hi - lo > LIMIT_PORT_BINDINGS) {
			r = err_set(b->e, -EINVAL, "invalid port range: %s", in->args[i]);
			break;
		}
		for (unsigned p = lo; p <= hi; p++) {
			char key[32];
			snprintf(key, sizeof(key), "%u/%s", p, proto);
			for (char *c = key; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
			json_object_set_new(ports, key, json_object());
		}
	}
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	buf_puts(&text, "EXPOSE");
	_cleanup_strv_ char **keys = NULL;
	json_object_foreach(ports, k, v)
		strv_append(&keys, k);
	for (size_t i = 0; keys && keys[i]; i++)
		buf_printf(&text, " %s", keys[i]);
	return meta_step(b, cfg, text.data);
}

static int
dispatch_volume(struct builder *b, const struct df_instr *in)
{
	json_t *cfg = cfg_copy(b);
	json_t *vols = json_object_get(cfg, "Volumes");
	_cleanup_buf_ struct buf text = BUF_INIT;
	int r = 0;

	if (!json_is_object(vols)) {
		vols = json_object();
		json_object_set_new(cfg, "Volumes", vols);
	}
	buf_puts(&text, "VOLUME [");
	for (size_t i = 0; r == 0 && in->args[i]; i++) {
		_cleanup_free_ char *w = NULL;
		r = builder_expand(b, in->args[i], &w);
		if (r == 0 && !*w)
			r = err_set(b->e, -EINVAL, "VOLUME specified can not be an empty string");
		if (r < 0)
			break;
		json_object_set_new(vols, w, json_object());
		buf_printf(&text, "%s%s", i ? " " : "", w);
	}
	buf_putc(&text, ']');
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	return meta_step(b, cfg, text.data);
}

/* USER, STOPSIGNAL, MAINTAINER: one expanded string. */
static int
dispatch_string(struct builder *b, const struct df_instr *in)
{
	_cleanup_free_ char *v = NULL, *text = NULL;
	json_t *cfg;
	int r = builder_expand(b, in->args[0], &v);

	if (r < 0)
		return r;
	if (in->kind == DF_STOPSIGNAL && lifecycle_parse_signal(v) < 0)
		return err_set(b->e, -EINVAL, "Invalid signal: %s", v);
	cfg = cfg_copy(b);
	if (in->kind == DF_USER)
		json_object_set_new(cfg, "User", json_string(v));
	else if (in->kind == DF_STOPSIGNAL)
		json_object_set_new(cfg, "StopSignal", json_string(v));
	else
		json_object_set_new(b->img, "author", json_string(v));
	text = xasprintf("%s %s", df_kind_name(in->kind), v);
	return meta_step(b, cfg, text);
}

static int
dispatch_shell(struct builder *b, const struct df_instr *in)
{
	json_t *cfg = cfg_copy(b);
	_cleanup_buf_ struct buf text = BUF_INIT;

	json_object_set_new(cfg, "Shell", strv_to_json(in->args));
	buf_puts(&text, "SHELL [");
	for (size_t i = 0; in->args[i]; i++)
		buf_printf(&text, "%s%s", i ? " " : "", in->args[i]);
	buf_putc(&text, ']');
	return meta_step(b, cfg, text.data);
}

static int
dispatch_onbuild(struct builder *b, const struct df_instr *in)
{
	json_t *cfg = cfg_copy(b);
	json_t *ob = json_object_get(cfg, "OnBuild");
	_cleanup_free_ char *text = xasprintf("ONBUILD %s", in->args[0]);

	if (!json_is_array(ob)) {
		ob = json_array();
		json_object_set_new(cfg, "OnBuild", ob);
	}
	json_array_append_new(ob, json_string(in->args[0]));
	return meta_step(b, cfg, text);
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

static int
dispatch_healthcheck(struct builder *b, const struct df_instr *in)
{
	static const char *const flags[] = { "interval", "timeout", "start-period", "start-interval",
					     "retries", NULL };
	static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
	json_t *cfg, *hc;
	int r = df_check_flags(in, flags, b->e);

	if (r < 0)
		return r;
	hc = json_object();
	if (strcmp(in->args[0], "NONE") == 0) {
		json_object_set_new(hc, "Test", json_pack("[s]", "NONE"));
	} else {
		json_t *test = json_array();
		json_array_append_new(test, json_string(in->json ? "CMD" : "CMD-SHELL"));
		for (size_t i = 1; in->args[i]; i++)
			json_array_append_new(test, json_string(in->args[i]));
		json_object_set_new(hc, "Test", test);
		for (size_t i = 0; i < 4; i++) {
			const char *v = df_flag(in, flags[i]);
			int64_t ns;
			if (!v)
				continue;
			if (parse_duration(v, &ns) < 0 || (ns != 0 && ns < 1000000)) {
				json_decref(hc);
				return err_set(b->e, -EINVAL, "Interval \"%s\" cannot be less than 1ms",
					       flags[i]);
			}
			json_object_set_new(hc, keys[i], json_integer(ns));
		}
		const char *rv = df_flag(in, "retries");
		int64_t n;
		if (rv && (parse_int64(rv, 0, INT32_MAX, &n) < 0)) {
			json_decref(hc);
			return err_set(b->e, -EINVAL, "invalid retries value '%s'", rv);
		}
		if (rv)
			json_object_set_new(hc, "Retries", json_integer(n));
	}
	cfg = cfg_copy(b);
	json_object_set_new(cfg, "Healthcheck", hc);
	const char *sp = strchr(in->original, ' ');
	_cleanup_free_ char *text = xasprintf("HEALTHCHECK %s", sp ? sp + 1 : "");
	return meta_step(b, cfg, text);
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
		.image_id = b->cur, .argv = rc->argv, .env = rc->env,
		.network_mode = o->network_mode, .memory = o->memory, .memory_swap = o->memory_swap,
		.cpu_shares = o->cpu_shares, .shm_size = o->shm_size, .cpu_period = o->cpu_period,
		.cpu_quota = o->cpu_quota, .cpuset_cpus = o->cpuset_cpus,
		.cpuset_mems = o->cpuset_mems, .extra_hosts = o->extra_hosts,
		.output = run_output, .ud = b,
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
	rc.argv = command_of(cfg, in);
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
		return dispatch_healthcheck(b, in);
	default:
		break;
	}
	if (df_check_flags(in, none, b->e) < 0)
		return b->e->code;
	switch (in->kind) {
	case DF_ENV:
	case DF_LABEL:
		return dispatch_pairs(b, in);
	case DF_CMD:
	case DF_ENTRYPOINT:
		return dispatch_cmd(b, in);
	case DF_EXPOSE:
		return dispatch_expose(b, in);
	case DF_VOLUME:
		return dispatch_volume(b, in);
	case DF_USER:
	case DF_STOPSIGNAL:
	case DF_MAINTAINER:
		return dispatch_string(b, in);
	case DF_SHELL:
		return dispatch_shell(b, in);
	case DF_ONBUILD:
		return dispatch_onbuild(b, in);
	case DF_ARG:
		return dispatch_arg(b, in);
	default:
		return err_set(b->e, -EINVAL, "unknown instruction: %s", df_kind_name(in->kind));
	}
}
