/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /commit: the query names the container, repo/tag, author, comment,
 * `changes` (repeated) and pause (default true since API 1.13); the body,
 * when present, is a ContainerConfig that replaces the container's config
 * as the base the changes apply to (moby's postCommit).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/commit.h"
#include "api/containers.h"
#include "api/jsonx.h"
#include "api/request.h"
#include "engine/container/commit.h"
#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static json_t *
strv_json(char **v)
{
	return v ? strv_to_json(v) : json_null();
}

static json_t *
keys_json(char **v)
{
	json_t *o;

	if (!v)
		return json_null();
	o = json_object();
	for (size_t i = 0; v[i]; i++)
		json_object_set_new(o, v[i], json_object());
	return o;
}

/*
 * The body's Config in the image config's form, as Go decodes it into
 * container.Config: unset fields are their zero values (merged later with
 * the container's), unknown keys dropped, wrong types a 400 naming the field.
 */
static int
decode_config(json_t *body, json_t **ret, struct err *e)
{
	static const char *const strs[] = {"Hostname",	 "Domainname", "User", "Image",
					   "WorkingDir", "StopSignal", NULL};
	static const char *const bools[] = {"AttachStdin", "AttachStdout", "AttachStderr",
					    "Tty",	   "OpenStdin",	   "StdinOnce",
					    NULL};
	_cleanup_json_ json_t *o = json_object();
	int r;

	for (size_t i = 0; strs[i]; i++) {
		_cleanup_free_ char *s = NULL;
		r = jx_str(body, strs[i], strs[i], &s, e);
		if (r < 0)
			return r;
		if (s || strcmp(strs[i], "StopSignal") != 0)
			json_object_set_new(o, strs[i], json_string(s ? s : ""));
	}
	for (size_t i = 0; bools[i]; i++) {
		bool b = false;
		r = jx_bool(body, bools[i], bools[i], &b, e);
		if (r < 0)
			return r;
		json_object_set_new(o, bools[i], json_boolean(b));
	}
	{
		static const char *const vecs[] = {"Env",     "Cmd",   "Entrypoint",
						   "OnBuild", "Shell", NULL};
		for (size_t i = 0; vecs[i]; i++) {
			_cleanup_strv_ char **v = NULL;
			bool strslice = strcmp(vecs[i], "Cmd") == 0 ||
					strcmp(vecs[i], "Entrypoint") == 0 ||
					strcmp(vecs[i], "Shell") == 0;
			r = jx_strv(body, vecs[i], vecs[i], strslice, &v, e);
			if (r < 0)
				return r;
			if (v || strcmp(vecs[i], "Shell") != 0)
				json_object_set_new(o, vecs[i], strv_json(v));
		}
	}
	{
		_cleanup_strv_ char **ports = NULL, **vols = NULL;
		if ((r = jx_keys(body, "ExposedPorts", "ExposedPorts", &ports, e)) < 0 ||
		    (r = jx_keys(body, "Volumes", "Volumes", &vols, e)) < 0)
			return r;
		if (ports)
			json_object_set_new(o, "ExposedPorts", keys_json(ports));
		json_object_set_new(o, "Volumes", keys_json(vols));
	}
	{
		json_t *labels = NULL, *hc = NULL;
		int64_t stop_timeout = 0;
		if ((r = jx_strmap(body, "Labels", "Labels", &labels, e)) < 0)
			return r;
		json_object_set_new(o, "Labels", labels ? labels : json_null());
		if ((r = jx_obj(body, "Healthcheck", "Healthcheck", &hc, e)) < 0)
			return r;
		if (hc)
			json_object_set_new(o, "Healthcheck", hc);
		if (json_object_get(body, "StopTimeout") &&
		    !json_is_null(json_object_get(body, "StopTimeout"))) {
			if ((r = jx_int64(body, "StopTimeout", "StopTimeout", &stop_timeout, e)) <
			    0)
				return r;
			json_object_set_new(o, "StopTimeout", json_integer(stop_timeout));
		}
	}
	*ret = TAKE_PTR(o);
	return 0;
}

/* moby joins the values with newlines and parses the result: one value
 * may carry several lines. */
static void
collect(const char *v, void *ud)
{
	_cleanup_strv_ char **lines = strv_split(v, "\n");

	for (size_t i = 0; lines && lines[i]; i++)
		strv_append((char ***)ud, lines[i]);
}

/* operationId: ImageCommit */
static void
api_commit(struct api_request *r)
{
	_cleanup_json_ json_t *body = NULL, *cfg = NULL;
	_cleanup_strv_ char **changes = xcalloc(1, sizeof(char *));
	_cleanup_container_ struct container *c = NULL;
	struct err e = ERR_INIT;
	char id[DIGEST_STR_LEN + 1];
	const char *cname = api_query(r, "container");
	const char *p = api_query(r, "pause");
	bool pause;

	if (api_body_json(r, true, &body) < 0)
		return;
	if (json_is_object(body) && decode_config(body, &cfg, &e) < 0) {
		api_reply_err(r, &e);
		return;
	} else if (body && !json_is_object(body) && !json_is_null(body)) {
		api_reply_errorf(r, 400,
				 "json: cannot unmarshal %s into Go value of type "
				 "container.ContainerConfigWrapper",
				 json_is_array(body)	? "array"
				 : json_is_string(body) ? "string"
							: "number");
		return;
	}
	/* moby: pause defaults to true (API >= 1.13) when the parameter is absent. */
	pause = (!p || !*p) ? !api_version_lt(r, 1, 13) : api_query_bool(r, "pause", false);
	c = containers_get(r->ctx->engine->containers, cname ? cname : "", &e);
	if (!c) {
		api_reply_err(r, &e);
		return;
	}
	(void)api_query_each(r, "changes", collect, &changes);
	struct container_commit_opts o = {
		.repo = api_query(r, "repo"),
		.tag = api_query(r, "tag"),
		.author = api_query(r, "author"),
		.comment = api_query(r, "comment"),
		.changes = (const char *const *)changes,
		.config = cfg,
		.pause = pause,
	};
	if (container_commit(r->ctx->engine->containers, c, &o, id, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_json(r, 201, json_pack("{s:s}", "Id", id));
}

const struct api_route api_commit_routes[] = {
	{"POST", "/commit", api_commit, API_BODY_JSON},
	{0},
};
