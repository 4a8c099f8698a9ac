/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /v2/<name>/tags/list (distribution spec "Listing Tags"); see
 * registry_tags.h. The reply is {"name": "...", "tags": ["a", ...]};
 * "tags" may be null for a repository without tags.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "engine/registry/registry_error.h"
#include "engine/registry/registry_http.h"
#include "engine/registry/registry_tags.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

/* The tag grammar of the distribution reference: [\w][\w.-]{0,127}. */
static bool
tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	return strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int
parse_tags(const char *data, size_t len, char ***ret_tags, struct err *e)
{
	_cleanup_json_ json_t *root = json_loadb(data ? data : "", len, 0, NULL);
	_cleanup_strv_ char **tags = xcalloc(1, sizeof(char *));
	json_t *arr, *v;
	size_t i;

	if (!json_is_object(root))
		return err_set(e, -EBADMSG, "invalid tags list from the registry: not a JSON object");
	arr = json_object_get(root, "tags");
	if (json_is_null(arr) || !arr) {
		*ret_tags = TAKE_PTR(tags);
		return 0;
	}
	if (!json_is_array(arr))
		return err_set(e, -EBADMSG, "invalid tags list from the registry: tags is not an array");
	if (json_array_size(arr) > LIMIT_TAGS_LIST)
		return err_set(e, -E2BIG, "the registry lists more than %u tags", LIMIT_TAGS_LIST);
	json_array_foreach(arr, i, v) {
		const char *t = json_string_value(v);

		if (!t || !tag_ok(t))
			return err_set(e, -EBADMSG, "invalid tag in the registry's tags list");
		if (!strv_contains(tags, t))
			strv_append(&tags, t);
	}
	*ret_tags = TAKE_PTR(tags);
	return 0;
}

int
registry_tags_list(struct registry_repo *r, char ***ret_tags, struct err *e)
{
	struct registry_http_resp resp = {0};
	_cleanup_free_ char *path = xasprintf("/v2/%s/tags/list", r->path);
	struct registry_http_req req = {.method = "GET", .url = path,
					.body_limit = LIMIT_TAGS_LIST_BODY};
	struct registry_error re;
	size_t i;
	int rc;

	rc = registry_http_pick(r, &i, e);
	if (rc < 0)
		return rc;
	rc = registry_http_do(r, i, &req, &resp, e);
	if (rc == -E2BIG)
		rc = err_set(e, -E2BIG, "the tags list of %s is larger than %u bytes", r->display,
			     LIMIT_TAGS_LIST_BODY);
	if (rc == 0 && resp.status != 200) {
		registry_error_parse((int)resp.status, resp.body.data, resp.body.len, &re);
		rc = registry_error_to_err(&re, REGISTRY_OP_PULL_MANIFEST, r->display, NULL, e);
	} else if (rc == 0) {
		rc = parse_tags(resp.body.data, resp.body.len, ret_tags, e);
	}
	registry_http_resp_release(&resp);
	return rc;
}
