/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /images: list, inspect, history, tag, delete and prune over the image
 * store and engine/image, encoded as dockerd does for the request's API
 * version (docker-api-protocol.md §4.3-§4.7, §4.11, §12), and the route
 * table of every image endpoint. Streaming routes are in images_pull.c and
 * images_transfer.c; search and /auth in images_search.c, /system/df in
 * system_df.c.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/filters.h"
#include "api/images.h"
#include "api/system_df.h"
#include "api/request.h"
#include "engine/engine.h"
#include "engine/image/image.h"
#include "engine/reference.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

static json_t *
strv_json(char **v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, api_json_string(v[i]));
	return a;
}

json_t *
api_images_summary_json(struct api_request *r, const struct store_image_summary *s,
			char **tags, int64_t shared, int containers)
{
	bool untagged = !tags[0] && !s->repo_digests[0];
	json_t *o;

	o = json_pack("{s:i,s:I,s:s,s:O?,s:s}", "Containers", containers, "Created",
		      (json_int_t)(s->created_ns / 1000000000LL), "Id", s->id, "Labels", s->labels,
		      "ParentId", s->parent);
	/* API < 1.43: untagged images carry "<none>" placeholders. */
	if (untagged && api_version_lt(r, 1, 43)) {
		json_object_set_new(o, "RepoDigests", json_pack("[s]", "<none>@<none>"));
		json_object_set_new(o, "RepoTags", json_pack("[s]", "<none>:<none>"));
	} else {
		json_object_set_new(o, "RepoDigests", strv_json(s->repo_digests));
		json_object_set_new(o, "RepoTags", strv_json(tags));
	}
	if (!s->labels)
		json_object_set_new(o, "Labels", json_null());
	json_object_set_new(o, "SharedSize", json_integer(shared));
	json_object_set_new(o, "Size", json_integer((json_int_t)s->size));
	if (api_version_lt(r, 1, 44))
		json_object_set_new(o, "VirtualSize", json_integer((json_int_t)s->size));
	return o;
}

/* ---- list -------------------------------------------------------------- */

struct list_ctx {
	struct filters *f;
	int64_t before_ns, since_ns, until_ns;
	bool has_before, has_since, has_until, dangling, has_dangling, all;
};

/* reference=<glob>: moby's FamiliarMatch against "name:tag" and "name". */
static bool
ref_matches(const struct filters *f, const char *tag)
{
	size_t n = filters_count(f, "reference");
	_cleanup_free_ char *name = xstrdup(tag);
	char *colon = strrchr(name, ':');

	if (colon && !strchr(colon, '/'))
		*colon = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *pat = filters_value(f, "reference", i);
		if (fnmatch(pat, tag, FNM_PATHNAME) == 0 || fnmatch(pat, name, FNM_PATHNAME) == 0)
			return true;
	}
	return false;
}

static int
created_of(struct engine *eng, const char *name, int64_t *ret, struct err *e)
{
	struct store_image_summary s = {0};
	int r = store_image_get(eng->store, name, &s, NULL, e);

	if (r == 0)
		*ret = s.created_ns;
	store_image_summary_release(&s);
	return r;
}

static int
list_filters(struct api_request *r, struct list_ctx *c, struct err *e)
{
	static const char *const keys[] = { "dangling", "label", "before", "since", "reference",
					    "until", NULL };
	struct engine *eng = r->ctx->engine;
	int k;

	if (filters_parse(api_query(r, "filters"), &c->f, e) < 0 ||
	    filters_check_keys(c->f, keys, e) < 0 ||
	    filters_get_bool(c->f, "dangling", false, &c->dangling, e) < 0)
		return e->code;
	c->has_dangling = filters_has(c->f, "dangling");
	c->all = api_query_bool(r, "all", false);
	if (filters_has(c->f, "before")) {
		k = created_of(eng, filters_value(c->f, "before", 0), &c->before_ns, e);
		if (k < 0)
			return k;
		c->has_before = true;
	}
	if (filters_has(c->f, "since")) {
		k = created_of(eng, filters_value(c->f, "since", 0), &c->since_ns, e);
		if (k < 0)
			return k;
		c->has_since = true;
	}
	if (filters_has(c->f, "until")) {
		if (time_parse_timestamp(filters_value(c->f, "until", 0), &c->until_ns) < 0)
			return err_set(e, -EINVAL, "invalid filter 'until=%s'",
				       filters_value(c->f, "until", 0));
		c->has_until = true;
	}
	return 0;
}

/* Whether @s is listed, with the tags to show in @ret_tags (borrowed strings). */
static bool
list_keep(const struct list_ctx *c, const struct store_image_summary *s, char ***ret_tags)
{
	bool has_refs = s->repo_tags[0] || s->repo_digests[0];
	size_t n = 0;

	if (!c->all && !has_refs && s->has_children)
		return false;
	if (c->has_dangling && c->dangling != (!has_refs && !s->has_children))
		return false;
	if (!filters_match_labels(c->f, "label", s->labels))
		return false;
	if ((c->has_before && s->created_ns >= c->before_ns) ||
	    (c->has_since && s->created_ns <= c->since_ns) ||
	    (c->has_until && s->created_ns > c->until_ns))
		return false;
	*ret_tags = xcalloc(strv_len(s->repo_tags) + 1, sizeof(char *));
	for (char **t = s->repo_tags; *t; t++)
		if (!filters_has(c->f, "reference") || ref_matches(c->f, *t))
			(*ret_tags)[n++] = *t;
	if (filters_has(c->f, "reference") && n == 0) {
		*ret_tags = mfree(*ret_tags);
		return false;
	}
	return true;
}

/*
 * The memo key of a list: everything besides the store that its body
 * depends on. The request's API version (the placeholders of untagged
 * images before 1.43, VirtualSize before 1.44), all, shared-size, and the
 * filters as sent (before/since resolve names in the store, which the
 * generation covers; until is an absolute time). A parameter that changes
 * the body must be added here; one that depends on the clock must not be
 * memoised at all (store_memo.h).
 */
static char *
list_memo_key(struct api_request *r)
{
	const char *filters = api_query(r, "filters");

	return xasprintf("images/json %d.%d all=%d shared=%d filters%c%s", r->ver_major,
			 r->ver_minor, api_query_bool(r, "all", false),
			 api_query_bool(r, "shared-size", false), filters ? '=' : '-',
			 filters ? filters : "");
}

/*
 * operationId: ImageList
 *
 * The body is the store's memo (store_memo.h) for this key when the store
 * has not changed since it was encoded; otherwise the list is summarised,
 * encoded by jansson and remembered under the generation read before it.
 */
static void
api_images_list(struct api_request *r)
{
	struct engine *eng = r->ctx->engine;
	uint64_t gen = store_gen(eng->store); /* before the listing: see store_memo.h */
	_cleanup_free_ char *key = list_memo_key(r);
	_cleanup_buf_ struct buf memo = BUF_INIT;
	struct list_ctx c = {0};
	struct store_image_summary *list = NULL;
	struct err e = ERR_INIT;
	bool shared = api_query_bool(r, "shared-size", false);
	struct api_shared *sh = NULL;
	size_t n = 0, len = 0;
	json_t *arr;
	char *text;

	if (store_memo_get(eng->store, key, &memo)) {
		text = buf_detach(&memo, &len);
		api_reply_data(r, 200, "application/json", text, len);
		return;
	}
	if (list_filters(r, &c, &e) < 0 || store_image_list(eng->store, &list, &n, &e) < 0) {
		filters_free(c.f);
		api_reply_err(r, &e);
		return;
	}
	if (shared)
		sh = api_shared_new(eng, list, n);
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		char **tags = NULL;
		if (!list_keep(&c, &list[i], &tags))
			continue;
		json_array_append_new(arr, api_images_summary_json(
						   r, &list[i], tags,
						   sh ? api_shared_size(sh, list[i].id) : -1, -1));
		free(tags);
	}
	api_shared_free(sh);
	store_image_summaries_free(list, n);
	filters_free(c.f);
	text = api_json_text(arr, &len);
	if (!text) {
		api_reply_json(r, 200, arr); /* its fallback: a 500 */
		return;
	}
	json_decref(arr);
	store_memo_put(eng->store, key, gen, text, len);
	api_reply_data(r, 200, "application/json", text, len);
}

/* ---- inspect ----------------------------------------------------------- */

/* A container Config as dockerd prints it: every key, defaults where absent. */
static json_t *
container_config(json_t *src)
{
	static const char *const strs[] = { "Hostname", "Domainname", "User", NULL };
	static const char *const bools[] = { "AttachStdin", "AttachStdout", "AttachStderr", NULL };
	static const char *const bools2[] = { "Tty", "OpenStdin", "StdinOnce", NULL };
	static const char *const tail[] = { "Env", "Cmd", "Image", "Volumes", "WorkingDir",
					    "Entrypoint", "OnBuild", "Labels", NULL };
	json_t *o = json_object();
	const char *k;
	json_t *v;

	for (size_t i = 0; strs[i]; i++)
		json_object_set_new(o, strs[i], json_string(""));
	for (size_t i = 0; bools[i]; i++)
		json_object_set_new(o, bools[i], json_false());
	if (json_object_get(src, "ExposedPorts"))
		json_object_set(o, "ExposedPorts", json_object_get(src, "ExposedPorts"));
	for (size_t i = 0; bools2[i]; i++)
		json_object_set_new(o, bools2[i], json_false());
	for (size_t i = 0; tail[i]; i++) {
		bool str = strcmp(tail[i], "Image") == 0 || strcmp(tail[i], "WorkingDir") == 0;
		json_object_set_new(o, tail[i], str ? json_string("") : json_null());
	}
	if (json_is_object(src))
		json_object_foreach(src, k, v)
			json_object_set(o, k, v);
	return o;
}

static json_t *
graph_driver(struct engine *eng, const char *id)
{
	_cleanup_strv_ char **dirs = NULL;
	struct err e = ERR_INIT;
	json_t *data = json_object();
	size_t n = 0;

	if (store_image_lowerdirs(eng->store, id, &dirs, &e) == 0)
		while (dirs[n])
			n++;
	if (n > 0) {
		_cleanup_free_ char *base = xstrdup(dirs[0]);
		char *slash = strrchr(base, '/');
		struct buf lower = BUF_INIT;
		if (slash)
			*slash = '\0';
		for (size_t i = 1; i < n; i++)
			buf_printf(&lower, "%s%s", i > 1 ? ":" : "", dirs[i]);
		if (lower.len)
			json_object_set_new(data, "LowerDir", json_string(lower.data));
		buf_release(&lower);
		json_object_set_new(data, "MergedDir", json_sprintf("%s/merged", base));
		json_object_set_new(data, "UpperDir", json_string(dirs[0]));
		json_object_set_new(data, "WorkDir", json_sprintf("%s/work", base));
	}
	return json_pack("{s:o,s:s}", "Data", data, "Name", "overlay2");
}

static json_t *
time_json(const char *rfc3339)
{
	char out[TIME_STR_MAX];
	int64_t ns;

	if (!rfc3339 || time_parse_rfc3339(rfc3339, &ns) < 0)
		return json_string(TIME_ZERO_STR);
	time_format_rfc3339nano(ns, out);
	return json_string(out);
}

static json_t *
inspect_json(struct api_request *r, const struct store_image_summary *s, json_t *cfg)
{
	struct engine *eng = r->ctx->engine;
	json_t *rootfs = json_object_get(cfg, "rootfs");
	char tagged[TIME_STR_MAX];
	json_t *o = json_object();
	const char *keys[] = { "variant", "Variant", "os.version", "OsVersion", NULL };

	json_object_set_new(o, "Id", json_string(s->id));
	json_object_set_new(o, "RepoTags", strv_json(s->repo_tags));
	json_object_set_new(o, "RepoDigests", strv_json(s->repo_digests));
	json_object_set_new(o, "Parent", json_string(s->parent));
	json_object_set_new(o, "Comment", api_json_string(
				 json_string_value(json_object_get(cfg, "comment")) ?: ""));
	json_object_set_new(o, "Created", time_json(
				 json_string_value(json_object_get(cfg, "created"))));
	if (api_version_lt(r, 1, 45)) {
		json_object_set_new(o, "Container", api_json_string(
					 json_string_value(json_object_get(cfg, "container")) ?: ""));
		json_object_set_new(o, "ContainerConfig",
				    container_config(json_object_get(cfg, "container_config")));
	}
	json_object_set_new(o, "DockerVersion", api_json_string(
				 json_string_value(json_object_get(cfg, "docker_version")) ?: ""));
	json_object_set_new(o, "Author", api_json_string(
				 json_string_value(json_object_get(cfg, "author")) ?: ""));
	json_object_set_new(o, "Config", container_config(json_object_get(cfg, "config")));
	json_object_set_new(o, "Architecture", api_json_string(
				 json_string_value(json_object_get(cfg, "architecture")) ?: ""));
	for (size_t i = 0; keys[i]; i += 2)
		if (json_is_string(json_object_get(cfg, keys[i])))
			json_object_set(o, keys[i + 1], json_object_get(cfg, keys[i]));
	json_object_set_new(o, "Os", api_json_string(
				 json_string_value(json_object_get(cfg, "os")) ?: ""));
	json_object_set_new(o, "Size", json_integer((json_int_t)s->size));
	if (api_version_lt(r, 1, 44))
		json_object_set_new(o, "VirtualSize", json_integer((json_int_t)s->size));
	json_object_set_new(o, "GraphDriver", graph_driver(eng, s->id));
	json_object_set_new(o, "RootFS", json_pack("{s:s,s:O}", "Type", "layers", "Layers",
						   json_object_get(rootfs, "diff_ids")
							   ?: json_array()));
	if (s->last_tag_ns)
		time_format_rfc3339nano(s->last_tag_ns, tagged);
	else
		snprintf(tagged, sizeof(tagged), "%s", TIME_ZERO_STR);
	json_object_set_new(o, "Metadata", json_pack("{s:s}", "LastTagTime", tagged));
	return o;
}

/* operationId: ImageInspect */
static void
api_images_inspect(struct api_request *r)
{
	struct store_image_summary s = {0};
	_cleanup_buf_ struct buf config = BUF_INIT;
	_cleanup_json_ json_t *cfg = NULL;
	struct err e = ERR_INIT;

	if (store_image_get(r->ctx->engine->store, r->params[0], &s, &config, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	cfg = json_loadb(config.data, config.len, 0, NULL);
	api_reply_json(r, 200, inspect_json(r, &s, cfg));
	store_image_summary_release(&s);
}

/* ---- history, tag, delete, prune --------------------------------------- */

/* operationId: ImageHistory */
static void
api_images_history(struct api_request *r)
{
	struct image_history_entry *v = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;
	json_t *arr;

	if (image_history(r->ctx->engine->images, r->params[0], &v, &n, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:I,s:o,s:o,s:I,s:o}", "Id", v[i].id,
						     "Created", (json_int_t)v[i].created,
						     "CreatedBy", api_json_string(v[i].created_by),
						     "Tags", v[i].tags ? strv_json(v[i].tags)
								       : json_null(),
						     "Size", (json_int_t)v[i].size, "Comment",
						     api_json_string(v[i].comment)));
	image_history_free(v, n);
	api_reply_json(r, 200, arr);
}

/* operationId: ImageTag */
static void
api_images_tag(struct api_request *r)
{
	const char *repo = api_query(r, "repo");
	struct err e = ERR_INIT;

	if (!repo || !*repo) {
		api_reply_errorf(r, 400, "repository name must have at least one component");
		return;
	}
	if (image_tag(r->ctx->engine->images, r->params[0], repo, api_query(r, "tag"), &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_empty(r, 201);
}

json_t *
api_images_delete_items(const struct store_delete_report *rep)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < rep->n; i++)
		json_array_append_new(arr, json_pack("{s:s}", rep->items[i].kind == STORE_UNTAGGED
								      ? "Untagged"
								      : "Deleted",
						     rep->items[i].what));
	return arr;
}

/* operationId: ImageDelete */
static void
api_images_delete(struct api_request *r)
{
	struct store_delete_report rep = {0};
	struct err e = ERR_INIT;

	if (image_remove(r->ctx->engine->images, r->params[0], api_query_bool(r, "force", false),
			 api_query_bool(r, "noprune", false), &rep, &e) < 0)
		api_reply_err(r, &e);
	else
		api_reply_json(r, 200, api_images_delete_items(&rep));
	store_delete_report_release(&rep);
}

struct prune_ctx {
	struct filters *f;
	int64_t until_ns;
	bool has_until;
};

static bool
prune_keep(void *ctx, const struct store_image_summary *img)
{
	struct prune_ctx *c = ctx;

	if (c->has_until && img->created_ns >= c->until_ns)
		return true;
	return !filters_match_labels(c->f, "label", img->labels) ||
	       (filters_has(c->f, "label!") && filters_match_labels(c->f, "label!", img->labels));
}

/* operationId: ImagePrune */
static void
api_images_prune(struct api_request *r)
{
	static const char *const keys[] = { "dangling", "until", "label", "label!", NULL };
	struct store_delete_report rep = {0};
	struct prune_ctx c = {0};
	struct err e = ERR_INIT;
	bool dangling = true;
	json_t *items;

	if (filters_parse(api_query(r, "filters"), &c.f, &e) < 0 ||
	    filters_check_keys(c.f, keys, &e) < 0 ||
	    filters_get_bool(c.f, "dangling", true, &dangling, &e) < 0)
		goto fail;
	if (filters_get_until(c.f, &c.until_ns, &e) < 0)
		goto fail;
	c.has_until = filters_has(c.f, "until");
	if (image_prune(r->ctx->engine->images, !dangling, prune_keep, &c, &rep, &e) < 0)
		goto fail;
	items = rep.n ? api_images_delete_items(&rep) : json_null();
	api_reply_json(r, 200, json_pack("{s:o,s:I}", "ImagesDeleted", items, "SpaceReclaimed",
					 (json_int_t)rep.reclaimed));
	store_delete_report_release(&rep);
	filters_free(c.f);
	return;
fail:
	store_delete_report_release(&rep);
	filters_free(c.f);
	api_reply_err(r, &e);
}

const struct api_route api_images_routes[] = {
	{ "GET", "/images/json", api_images_list, API_BODY_NONE },
	{ "POST", "/images/create", api_images_create, API_BODY_UPLOAD },
	{ "POST", "/images/load", api_images_load, API_BODY_UPLOAD },
	{ "GET", "/images/get", api_images_save, API_BODY_NONE },
	{ "GET", "/images/search", api_images_search, API_BODY_NONE },
	{ "POST", "/images/prune", api_images_prune, API_BODY_NONE },
	{ "GET", "/images/{name*}/json", api_images_inspect, API_BODY_NONE },
	{ "GET", "/images/{name*}/history", api_images_history, API_BODY_NONE },
	{ "GET", "/images/{name*}/get", api_images_save_one, API_BODY_NONE },
	{ "POST", "/images/{name*}/tag", api_images_tag, API_BODY_NONE },
	{ "POST", "/images/{name*}/push", api_images_push, API_BODY_NONE },
	{ "DELETE", "/images/{name*}", api_images_delete, API_BODY_NONE },
	{ "POST", "/auth", api_images_auth_login, API_BODY_JSON },
	{ "GET", "/system/df", api_system_df, API_BODY_NONE },
	{ 0 },
};
