/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker import`: a root file system tarball becomes a one-layer image.
 * The input is kept as a blob (so save and push hand out the same bytes),
 * unpacked by the store's safe extractor, and described by a config built
 * the way dockerd's import does (comment, created, history entry) with the
 * `changes` lines applied: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD,
 * USER, VOLUME, WORKDIR, STOPSIGNAL.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/image/image_internal.h"
#include "engine/reference.h"
#include "engine/registry/manifest.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* Splits @s on whitespace, dropping one level of double or single quotes. */
static json_t *
words(const char *s)
{
	json_t *a = json_array();
	struct buf w = BUF_INIT;

	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		buf_reset(&w);
		buf_putc(&w, '\0');
		w.len = 0;
		while (*s && !isspace((unsigned char)*s)) {
			if (*s == '"' || *s == '\'') {
				char q = *s++;
				while (*s && *s != q)
					buf_putc(&w, *s++);
				if (*s)
					s++;
				continue;
			}
			buf_putc(&w, *s++);
		}
		json_array_append_new(a, json_stringn(w.data ? w.data : "", w.len));
	}
	buf_release(&w);
	return a;
}

/* CMD/ENTRYPOINT/VOLUME: a JSON array of strings, or the shell form. */
static json_t *
exec_form(const char *arg, bool shell)
{
	json_t *j = NULL;

	if (*arg == '[') {
		j = json_loads(arg, 0, NULL);
		bool ok = json_is_array(j);
		for (size_t i = 0; ok && i < json_array_size(j); i++)
			ok = json_is_string(json_array_get(j, i));
		if (ok)
			return j;
		json_decref(j);
	}
	return shell ? json_pack("[s,s,s]", "/bin/sh", "-c", arg) : words(arg);
}

/* ENV and LABEL: "k=v k2=v2" or the old "k v" form; calls @fn per pair. */
static void
pairs(const char *arg, void (*fn)(json_t *cfg, const char *k, const char *v), json_t *cfg)
{
	const char *sp = arg + strcspn(arg, " \t");
	json_t *w;
	size_t i;
	json_t *x;

	if (!memchr(arg, '=', (size_t)(sp - arg))) {
		_cleanup_free_ char *k = xstrndup(arg, (size_t)(sp - arg));
		while (isspace((unsigned char)*sp))
			sp++;
		fn(cfg, k, sp);
		return;
	}
	w = words(arg);
	json_array_foreach(w, i, x) {
		_cleanup_free_ char *kv = xstrdup(json_string_value(x));
		char *eq = strchr(kv, '=');
		if (!eq)
			continue;
		*eq = '\0';
		fn(cfg, kv, eq + 1);
	}
	json_decref(w);
}

static void
set_env(json_t *cfg, const char *k, const char *v)
{
	json_t *env = json_object_get(cfg, "Env");
	_cleanup_free_ char *prefix = xasprintf("%s=", k);
	size_t i;
	json_t *x;

	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(cfg, "Env", env);
	}
	json_array_foreach(env, i, x)
		if (strncmp(json_string_value(x), prefix, strlen(prefix)) == 0) {
			json_array_set_new(env, i, json_sprintf("%s=%s", k, v));
			return;
		}
	json_array_append_new(env, json_sprintf("%s=%s", k, v));
}

static void
set_label(json_t *cfg, const char *k, const char *v)
{
	json_t *labels = json_object_get(cfg, "Labels");

	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(cfg, "Labels", labels);
	}
	json_object_set_new(labels, k, json_string(v));
}

static void
add_keys(json_t *cfg, const char *key, json_t *list, bool ports)
{
	json_t *o = json_object_get(cfg, key);
	size_t i;
	json_t *x;

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(cfg, key, o);
	}
	json_array_foreach(list, i, x) {
		const char *s = json_string_value(x);
		if (ports && !strchr(s, '/')) {
			_cleanup_free_ char *k = xasprintf("%s/tcp", s);
			json_object_set_new(o, k, json_object());
		} else {
			json_object_set_new(o, s, json_object());
		}
	}
}

/* Applies one `changes` line to @cfg (the config's "config" object). */
static int
apply_change(json_t *cfg, const char *line, struct err *e)
{
	const char *arg = line + strcspn(line, " \t");
	_cleanup_free_ char *instr = xstrndup(line, (size_t)(arg - line));
	json_t *list;

	while (isspace((unsigned char)*arg))
		arg++;
	for (char *p = instr; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (strcmp(instr, "CMD") == 0 || strcmp(instr, "ENTRYPOINT") == 0) {
		json_object_set_new(cfg, strcmp(instr, "CMD") == 0 ? "Cmd" : "Entrypoint",
				    exec_form(arg, true));
	} else if (strcmp(instr, "ENV") == 0) {
		pairs(arg, set_env, cfg);
	} else if (strcmp(instr, "LABEL") == 0) {
		pairs(arg, set_label, cfg);
	} else if (strcmp(instr, "EXPOSE") == 0 || strcmp(instr, "VOLUME") == 0) {
		bool ports = strcmp(instr, "EXPOSE") == 0;
		list = ports ? words(arg) : exec_form(arg, false);
		add_keys(cfg, ports ? "ExposedPorts" : "Volumes", list, ports);
		json_decref(list);
	} else if (strcmp(instr, "USER") == 0 || strcmp(instr, "WORKDIR") == 0 ||
		   strcmp(instr, "STOPSIGNAL") == 0) {
		const char *key = instr[0] == 'U' ? "User" : instr[0] == 'W' ? "WorkingDir"
									   : "StopSignal";
		json_object_set_new(cfg, key, json_string(arg));
	} else if (strcmp(instr, "ONBUILD") == 0) {
		json_t *ob = json_object_get(cfg, "OnBuild");
		if (!json_is_array(ob)) {
			ob = json_array();
			json_object_set_new(cfg, "OnBuild", ob);
		}
		json_array_append_new(ob, json_string(arg));
	} else {
		return err_set(e, -EINVAL, "%s is not a valid change command", instr);
	}
	return 0;
}

static int
build_config(const struct image_import_opts *o, const char *diff_id, char **ret, struct err *e)
{
	_cleanup_json_ json_t *cfg = json_object(), *top = NULL;
	_cleanup_free_ char *msg = NULL;
	struct manifest_platform plat = {0};
	char created[TIME_STR_MAX];
	int r;

	for (size_t i = 0; o->changes && o->changes[i]; i++) {
		json_t *probe = json_string(o->changes[i]);
		if (!probe)
			return err_set(e, -EINVAL, "change is not valid UTF-8");
		json_decref(probe);
		r = apply_change(cfg, o->changes[i], e);
		if (r < 0)
			return r;
	}
	if (o->platform && *o->platform) {
		r = manifest_platform_parse(o->platform, &plat, e);
		if (r < 0)
			return r;
	}
	msg = o->message && *o->message ? xstrdup(o->message)
					: xasprintf("Imported from %s", o->src ? o->src : "-");
	time_format_rfc3339nano(time_now_ns(), created);
	top = json_pack("{s:s,s:s,s:s,s:O,s:s,s:s,s:{s:s,s:[s]},s:[{s:s,s:s}]}", "architecture",
			plat.architecture ? plat.architecture : image_host_arch(), "comment", msg,
			"created", created, "config", cfg, "docker_version", "berth", "os",
			plat.os ? plat.os : "linux", "rootfs", "type", "layers", "diff_ids",
			diff_id, "history", "created", created, "comment", msg);
	if (top && plat.variant)
		json_object_set_new(top, "variant", json_string(plat.variant));
	manifest_platform_release(&plat);
	*ret = top ? json_dumps(top, JSON_COMPACT) : NULL;
	if (!*ret)
		return err_set(e, -EINVAL, "cannot encode the image config (invalid UTF-8?)");
	return 0;
}

static int
tag_import(struct images *im, const struct image_import_opts *o, const char *id, char **ret_name,
	   struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	int r;

	r = reference_parse(o->repo, &ref, e);
	if (r == 0 && ref.digest)
		r = err_set(e, -EINVAL, "cannot import digest reference");
	if (r == 0 && o->tag && *o->tag)
		r = reference_set_tag(&ref, o->tag, e);
	if (r == 0) {
		reference_default_tag(&ref);
		r = store_image_tag(im->store, id, &ref, e);
	}
	if (r == 0)
		*ret_name = reference_familiar(&ref);
	reference_release(&ref);
	return r;
}

int
image_import(struct images *im, int in_fd, const struct image_import_opts *o,
	     char ret_id[DIGEST_STR_LEN + 1], struct err *e)
{
	struct store_layer_info li = {0};
	_cleanup_free_ char *config = NULL, *name = NULL;
	_cleanup_close_ int fd = -1;
	char raw[DIGEST_STR_LEN + 1], id[DIGEST_STR_LEN + 1];
	int r;

	if (o->repo && *o->repo) {
		/* Check the name before reading gigabytes. */
		struct reference ref = REFERENCE_INIT;
		r = reference_parse(o->repo, &ref, e);
		reference_release(&ref);
		if (r < 0)
			return r;
	}
	r = store_blob_ingest(im->store, in_fd, NULL, 0, raw, e);
	if (r < 0)
		return r;
	fd = store_blob_open(im->store, raw, e);
	if (fd < 0)
		return fd;
	r = store_layer_create(im->store, fd, &(struct store_layer_opts){ .source_digest = raw,
									   .source_repo = "" },
			       &li, e);
	if (r < 0)
		return err_prefix(e, "invalid archive");
	r = build_config(o, li.diff_id, &config, e);
	if (r == 0)
		r = store_image_commit(im->store, config, strlen(config), NULL, id, e);
	if (r == 0 && o->repo && *o->repo)
		r = tag_import(im, o, id, &name, e);
	store_layer_release(im->store, li.chain_id);
	if (r < 0)
		return r;
	image_event(im, "import", id, name ? name : id);
	memcpy(ret_id, id, sizeof(id));
	return 0;
}
