/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /distribution/{name}/json: the registry's descriptor of the manifest a
 * reference names and its platforms (registry.DistributionInspect, with the
 * OCI descriptor and platform field names). X-Registry-Auth is used when
 * valid and ignored otherwise, as dockerd does.
 */
#include "config.h"

#include <jansson.h>

#include "api/api.h"
#include "api/authconfig.h"
#include "api/distribution.h"
#include "api/request.h"
#include "engine/engine.h"
#include "engine/image/distribution.h"
#include "engine/registry/registry_creds.h"
#include "engine/util/strv.h"

static json_t *
platform_json(const struct image_dist_platform *d)
{
	const struct manifest_platform *p = &d->p;
	json_t *o = json_pack("{s:s,s:s}", "architecture", p->architecture ? p->architecture : "",
			      "os", p->os ? p->os : "");

	if (p->os_version && *p->os_version)
		json_object_set_new(o, "os.version", json_string(p->os_version));
	if (d->os_features && d->os_features[0])
		json_object_set_new(o, "os.features", strv_to_json(d->os_features));
	if (p->variant && *p->variant)
		json_object_set_new(o, "variant", json_string(p->variant));
	return o;
}

/* operationId: DistributionInspect */
static void
api_distribution_inspect(struct api_request *r)
{
	struct registry_creds *auth = authconfig_of_request(r);
	struct image_dist_info info = {0};
	struct err e = ERR_INIT;
	json_t *platforms;

	if (image_distribution_inspect(r->ctx->engine->images, r->params[0], auth, &info, &e) < 0) {
		registry_creds_free(auth);
		api_reply_err(r, &e);
		return;
	}
	registry_creds_free(auth);
	platforms = info.n_platforms ? json_array() : json_null();
	for (size_t i = 0; i < info.n_platforms; i++)
		json_array_append_new(platforms, platform_json(&info.platforms[i]));
	api_reply_json(r, 200,
		       json_pack("{s:{s:s,s:s,s:I},s:o}", "Descriptor", "mediaType",
				 info.media_type, "digest", info.digest, "size",
				 (json_int_t)info.size, "Platforms", platforms));
	image_dist_info_release(&info);
}

const struct api_route api_distribution_routes[] = {
	{"GET", "/distribution/{name*}/json", api_distribution_inspect, API_BODY_NONE},
	{0},
};
