/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Swarm and plugin routes of a daemon outside any swarm and without plugins
 * (moby daemon/cluster errNoManager / errNoSwarm, plugin/errors.go). berth
 * has no swarm mode, so `docker swarm init`/`join` are refused with the same
 * 503 the other swarm operations give; GET /plugins is "[]".
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "api/filters.h"
#include "api/request.h"
#include "api/swarm.h"
#include "engine/util/cleanup.h"

#define NO_MANAGER                                                                                 \
	"This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to " \
	"connect this node to swarm and try again."

/* operationIds: every swarm-mode operation but SwarmLeave */
static void
api_swarm_no_manager(struct api_request *r)
{
	api_reply_errorf(r, 503, "%s", NO_MANAGER);
}

/* operationId: SwarmLeave */
static void
api_swarm_leave(struct api_request *r)
{
	api_reply_errorf(r, 503, "This node is not part of a swarm");
}

/* operationId: PluginList */
static void
api_plugins_list(struct api_request *r)
{
	static const char *const keys[] = {"capability", "enable", NULL};
	_cleanup_filters_ struct filters *f = NULL;
	struct err e = ERR_INIT;
	bool enabled = false;

	/* dockerd checks the filters even with nothing to filter. */
	if (filters_parse(api_query(r, "filters"), &f, &e) < 0 ||
	    filters_check_keys(f, keys, &e) < 0 ||
	    filters_get_bool(f, "enable", false, &enabled, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_json(r, 200, json_array());
}

/* operationIds: PluginInspect, PluginDelete, PluginEnable, PluginDisable,
 * PluginUpgrade, PluginPush, PluginSet: every one looks the plugin up first. */
static void
api_plugins_not_found(struct api_request *r)
{
	api_reply_errorf(r, 404, "plugin \"%s\" not found", r->params[0]);
}

/* operationIds: GetPluginPrivileges, PluginPull, PluginCreate */
static void
api_plugins_unsupported(struct api_request *r)
{
	api_reply_errorf(r, 501, "plugins are not supported by this daemon");
}

const struct api_route api_swarm_routes[] = {
	{"GET", "/swarm", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/swarm/init", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/swarm/join", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/swarm/leave", api_swarm_leave, API_BODY_NONE},
	{"POST", "/swarm/update", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/swarm/unlockkey", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/swarm/unlock", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/nodes", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/nodes/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"DELETE", "/nodes/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/nodes/{id}/update", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/services", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/services/create", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/services/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"DELETE", "/services/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/services/{id}/update", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/services/{id}/logs", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/tasks", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/tasks/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/tasks/{id}/logs", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/secrets", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/secrets/create", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/secrets/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"DELETE", "/secrets/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/secrets/{id}/update", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/configs", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/configs/create", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/configs/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"DELETE", "/configs/{id}", api_swarm_no_manager, API_BODY_NONE},
	{"POST", "/configs/{id}/update", api_swarm_no_manager, API_BODY_NONE},
	{"GET", "/plugins", api_plugins_list, API_BODY_NONE},
	{"GET", "/plugins/privileges", api_plugins_unsupported, API_BODY_NONE},
	{"POST", "/plugins/pull", api_plugins_unsupported, API_BODY_NONE},
	{"POST", "/plugins/create", api_plugins_unsupported, API_BODY_NONE},
	{"GET", "/plugins/{name*}/json", api_plugins_not_found, API_BODY_NONE},
	{"DELETE", "/plugins/{name*}", api_plugins_not_found, API_BODY_NONE},
	{"POST", "/plugins/{name*}/enable", api_plugins_not_found, API_BODY_NONE},
	{"POST", "/plugins/{name*}/disable", api_plugins_not_found, API_BODY_NONE},
	{"POST", "/plugins/{name*}/upgrade", api_plugins_not_found, API_BODY_NONE},
	{"POST", "/plugins/{name*}/push", api_plugins_not_found, API_BODY_NONE},
	{"POST", "/plugins/{name*}/set", api_plugins_not_found, API_BODY_NONE},
	{0},
};
