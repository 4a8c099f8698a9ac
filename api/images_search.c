/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /images/search and POST /auth (docker-api-protocol.md §4.8, §8.2): the
 * image commands that ask a registry something without pulling (docker
 * search, docker login). Each is one registry-client call.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/authconfig.h"
#include "api/container_json.h"
#include "api/filters.h"
#include "api/images.h"
#include "api/jsonx.h"
#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/image/image.h"
#include "engine/registry/registry.h"
#include "engine/registry/registry_search.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

/* ---- search ------------------------------------------------------------ */

struct search_filters {
	bool has_official, official, has_automated, automated;
	int64_t stars;
};

static int
search_filters(struct api_request *r, struct search_filters *sf, struct err *e)
{
	static const char *const keys[] = { "is-official", "is-automated", "stars", NULL };
	_cleanup_filters_ struct filters *f = NULL;

	if (filters_parse(api_query(r, "filters"), &f, e) < 0 ||
	    filters_check_keys(f, keys, e) < 0 ||
	    filters_get_bool(f, "is-official", false, &sf->official, e) < 0 ||
	    filters_get_bool(f, "is-automated", false, &sf->automated, e) < 0)
		return e->code;
	sf->has_official = filters_has(f, "is-official");
	sf->has_automated = filters_has(f, "is-automated");
	for (size_t i = 0; i < filters_count(f, "stars"); i++) {
		int64_t v;
		if (parse_int64(filters_value(f, "stars", i), 0, INT32_MAX, &v) < 0)
			return err_set(e, -EINVAL, "invalid filter 'stars=%s'",
				       filters_value(f, "stars", i));
		if (v > sf->stars)
			sf->stars = v;
	}
	return 0;
}

/* operationId: ImageSearch */
void
api_images_search(struct api_request *r)
{
	struct registry_search_result *res = NULL;
	struct search_filters sf = {0};
	const char *term = api_query(r, "term");
	const char *lim = api_query(r, "limit");
	struct err e = ERR_INIT;
	int64_t limit = 25;
	size_t n = 0;
	json_t *arr;

	if (lim && *lim && parse_int64(lim, INT32_MIN, INT32_MAX, &limit) < 0) {
		api_reply_errorf(r, 400, "invalid limit '%s'", lim);
		return;
	}
	if (limit < 1 || limit > 100) {
		api_reply_errorf(r, 400, "limit %lld is outside the range of [1, 100]",
				 (long long)limit);
		return;
	}
	if (search_filters(r, &sf, &e) < 0 ||
	    registry_search(r->ctx->engine->registry, term ? term : "", (unsigned)limit, &res, &n,
			    &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct registry_search_result *x = &res[i];
		if ((sf.has_official && x->is_official != sf.official) ||
		    (sf.has_automated && x->is_automated != sf.automated) ||
		    x->star_count < sf.stars)
			continue;
		json_array_append_new(arr, json_pack("{s:o,s:o,s:I,s:b,s:b}", "name",
						     api_json_string(x->name), "description",
						     api_json_string(x->description), "star_count",
						     (json_int_t)x->star_count, "is_official",
						     x->is_official, "is_automated",
						     x->is_automated));
	}
	registry_search_results_free(res, n);
	api_reply_json(r, 200, arr);
}

/* ---- /auth ------------------------------------------------------------- */

/* operationId: SystemAuth */
void
api_images_auth_login(struct api_request *r)
{
	_cleanup_json_ json_t *body = NULL;
	struct registry_creds *a = NULL;
	struct registry_login_result res = {0};
	struct err e = ERR_INIT;

	if (api_body_json(r, false, &body) < 0)
		return;
	if (authconfig_from_json(body, NULL, &a, &e) < 0 ||
	    registry_login(r->ctx->engine->registry, a ? a->serveraddress : NULL, a, &res, &e) < 0) {
		registry_creds_free(a);
		api_reply_err(r, &e);
		return;
	}
	registry_creds_free(a);
	api_reply_json(r, 200, json_pack("{s:s,s:s}", "IdentityToken",
					 res.identity_token ? res.identity_token : "", "Status",
					 "Login Succeeded"));
	registry_login_result_release(&res);
}
