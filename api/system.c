/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /_ping, /version and /info: what clients ask before anything else. Values
 * come from the engine; the shapes are dockerd's (docker-api-protocol.md §2).
 */
#include "config.h"

#include <microhttpd.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/request.h"
#include "api/system.h"
#include "engine/engine.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

static const char *
go_arch(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(machine, "aarch64") == 0)
		return "arm64";
	return machine;
}

/* operationId: SystemPing, SystemPingHead */
static void
api_system_ping(struct api_request *r)
{
	bool head = strcmp(r->method, "HEAD") == 0;
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		head ? 0 : 2, (void *)"OK", MHD_RESPMEM_PERSISTENT);

	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache, no-store, must-revalidate");
	MHD_add_response_header(resp, "Pragma", "no-cache");
	/* Classic builder only: CLI 20.10 would otherwise switch to BuildKit. */
	MHD_add_response_header(resp, "Builder-Version", "1");
	MHD_add_response_header(resp, "Swarm", "inactive");
	api_reply_response(r, 200, resp);
}

/* operationId: SystemVersion */
static void
api_system_version(struct api_request *r)
{
	struct engine_info info;
	struct err e = ERR_INIT;
	char built[TIME_STR_MAX];
	json_t *details, *o;

	if (engine_info(r->ctx->engine, &info, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	snprintf(built, sizeof(built), "%s", __DATE__ " " __TIME__);
	details = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ApiVersion", API_VERSION_STR,
			    "Arch", go_arch(info.architecture), "BuildTime", built, "Experimental",
			    "false", "GitCommit", "", "GoVersion", "", "KernelVersion",
			    info.kernel_version, "MinAPIVersion", API_MIN_VERSION_STR, "Os", "linux");
	o = json_pack("{s:{s:s},s:[{s:s,s:s,s:o}],s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
		      "Platform", "Name", "berth", "Components", "Name", "Engine", "Version",
		      PACKAGE_VERSION, "Details", details, "Version", PACKAGE_VERSION, "ApiVersion",
		      API_VERSION_STR, "MinAPIVersion", API_MIN_VERSION_STR, "GitCommit", "",
		      "GoVersion", "", "Os", "linux", "Arch", go_arch(info.architecture),
		      "KernelVersion", info.kernel_version, "BuildTime", built);
	api_reply_json(r, 200, o);
}

static json_t *
labels_array(char **labels)
{
	json_t *a = json_array();
	for (size_t i = 0; labels && labels[i]; i++)
		json_array_append_new(a, api_json_string(labels[i]));
	return a;
}

static json_t *
registry_config(struct engine *eng)
{
	json_t *cidrs = json_array(), *index = json_object(), *mirrors = json_array();
	char **insecure = eng->cfg.insecure_registries;

	/* dockerd's ValidateMirror shows each mirror with one trailing slash. */
	for (size_t i = 0; eng->cfg.registry_mirrors && eng->cfg.registry_mirrors[i]; i++) {
		const char *m = eng->cfg.registry_mirrors[i];
		size_t n = strlen(m);
		while (n > 0 && m[n - 1] == '/')
			n--;
		_cleanup_free_ char *norm = xasprintf("%.*s/", (int)n, m);
		json_array_append_new(mirrors, api_json_string(norm));
	}
	json_object_set_new(index, "docker.io",
			    json_pack("{s:s,s:O,s:b,s:b}", "Name", "docker.io", "Mirrors", mirrors,
				      "Secure", 1, "Official", 1));
	for (size_t i = 0; insecure && insecure[i]; i++) {
		if (strchr(insecure[i], '/'))
			json_array_append_new(cidrs, api_json_string(insecure[i]));
		else
			json_object_set_new(index, insecure[i],
					    json_pack("{s:o,s:[],s:b,s:b}", "Name",
						      api_json_string(insecure[i]), "Mirrors",
						      "Secure", 0, "Official", 0));
	}
	/* dockerd's LoadInsecureRegistries: the loopback range comes after the configured ones. */
	if (!strv_contains(insecure, "127.0.0.0/8"))
		json_array_append_new(cidrs, json_string("127.0.0.0/8"));
	return json_pack("{s:[],s:[],s:o,s:o,s:o}", "AllowNondistributableArtifactsCIDRs",
			 "AllowNondistributableArtifactsHostnames", "InsecureRegistryCIDRs", cidrs,
			 "IndexConfigs", index, "Mirrors", mirrors);
}

/* operationId: SystemInfo */
static void
api_system_info(struct api_request *r)
{
	struct engine *eng = r->ctx->engine;
	struct engine_info info;
	struct err e = ERR_INIT;
	char now[TIME_STR_MAX];
	json_t *o;

	if (engine_info(eng, &info, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	time_format_rfc3339nano(time_now_ns(), now);
	o = json_object();
	json_object_set_new(o, "ID", json_string(eng->id));
	json_object_set_new(o, "Containers", json_integer(info.containers));
	json_object_set_new(o, "ContainersRunning", json_integer(info.containers_running));
	json_object_set_new(o, "ContainersPaused", json_integer(info.containers_paused));
	json_object_set_new(o, "ContainersStopped", json_integer(info.containers_stopped));
	json_object_set_new(o, "Images", json_integer(info.images));
	json_object_set_new(o, "Driver", json_string("overlay2"));
	json_object_set_new(o, "DriverStatus",
			    json_pack("[[s,s],[s,s],[s,s],[s,s]]", "Backing Filesystem",
				      info.backing_fs, "Supports d_type", "true", "Native Overlay Diff",
				      "true", "userxattr", "false"));
	json_object_set_new(o, "Plugins",
			    json_pack("{s:[s],s:[s,s,s],s:n,s:[s]}", "Volume", "local", "Network",
				      "bridge", "host", "null", "Authorization", "Log",
				      "json-file"));
	json_object_set_new(o, "MemoryLimit", json_true());
	json_object_set_new(o, "SwapLimit", json_true());
	/* dockerd dropped KernelMemory from /info in API 1.42; KernelMemoryTCP stays. */
	if (api_version_lt(r, 1, 42))
		json_object_set_new(o, "KernelMemory", json_false());
	json_object_set_new(o, "KernelMemoryTCP", json_false());
	json_object_set_new(o, "CpuCfsPeriod", json_true());
	json_object_set_new(o, "CpuCfsQuota", json_true());
	json_object_set_new(o, "CPUShares", json_true());
	json_object_set_new(o, "CPUSet", json_true());
	json_object_set_new(o, "PidsLimit", json_true());
	json_object_set_new(o, "OomKillDisable", json_true());
	json_object_set_new(o, "IPv4Forwarding", json_true());
	json_object_set_new(o, "BridgeNfIptables", json_boolean(info.bridge_nf_iptables));
	json_object_set_new(o, "BridgeNfIp6tables", json_boolean(info.bridge_nf_ip6tables));
	json_object_set_new(o, "Debug", json_boolean(eng->cfg.debug));
	json_object_set_new(o, "NFd", json_integer(0));
	json_object_set_new(o, "NGoroutines", json_integer(0));
	json_object_set_new(o, "SystemTime", json_string(now));
	json_object_set_new(o, "LoggingDriver", api_json_string(eng->cfg.log_driver));
	json_object_set_new(o, "CgroupDriver", json_string("cgroupfs"));
	json_object_set_new(o, "CgroupVersion", json_string(info.cgroup_version == 2 ? "2" : "1"));
	json_object_set_new(o, "NEventsListener", json_integer(0));
	json_object_set_new(o, "KernelVersion", json_string(info.kernel_version));
	json_object_set_new(o, "OperatingSystem", api_json_string(info.operating_system));
	json_object_set_new(o, "OSVersion", api_json_string(info.os_version));
	json_object_set_new(o, "OSType", json_string("linux"));
	json_object_set_new(o, "Architecture", json_string(info.architecture));
	json_object_set_new(o, "IndexServerAddress", json_string("https://index.docker.io/v1/"));
	json_object_set_new(o, "RegistryConfig", registry_config(eng));
	json_object_set_new(o, "NCPU", json_integer(info.ncpu));
	json_object_set_new(o, "MemTotal", json_integer(info.mem_total));
	json_object_set_new(o, "GenericResources", json_null());
	json_object_set_new(o, "DockerRootDir", api_json_string(eng->cfg.data_root));
	json_object_set_new(o, "HttpProxy", json_string(""));
	json_object_set_new(o, "HttpsProxy", json_string(""));
	json_object_set_new(o, "NoProxy", json_string(""));
	json_object_set_new(o, "Name", api_json_string(info.hostname));
	json_object_set_new(o, "Labels", labels_array(eng->cfg.labels));
	json_object_set_new(o, "ExperimentalBuild", json_false());
	json_object_set_new(o, "ServerVersion", json_string(PACKAGE_VERSION));
	/* "runc" is an alias of berth's own runtime: tools ask for it by name. */
	json_object_set_new(o, "Runtimes",
			    json_pack("{s:{s:s},s:{s:s}}", "berth", "path", "berth-shim", "runc",
				      "path", "berth-shim"));
	json_object_set_new(o, "DefaultRuntime", json_string("berth"));
	json_object_set_new(o, "Swarm",
			    json_pack("{s:s,s:s,s:s,s:s,s:b,s:n}", "NodeID", "", "NodeAddr", "",
				      "LocalNodeState", "inactive", "Error", "", "ControlAvailable",
				      0, "RemoteManagers"));
	json_object_set_new(o, "LiveRestoreEnabled", json_true());
	json_object_set_new(o, "Isolation", json_string(""));
	json_object_set_new(o, "InitBinary", json_string("berth-shim"));
	json_object_set_new(o, "ContainerdCommit", json_pack("{s:s,s:s}", "ID", "", "Expected", ""));
	json_object_set_new(o, "RuncCommit", json_pack("{s:s,s:s}", "ID", "", "Expected", ""));
	json_object_set_new(o, "InitCommit", json_pack("{s:s,s:s}", "ID", "", "Expected", ""));
	json_object_set_new(o, "SecurityOptions",
			    json_pack("[s]", "name=seccomp,profile=builtin"));
	if (idmap_is_set(&r->ctx->engine->cfg.userns_remap)) /* dockerd lists it after seccomp */
		json_array_append_new(json_object_get(o, "SecurityOptions"), json_string("name="
											 "userns"));
	json_object_set_new(o, "DefaultAddressPools", json_array());
	if (!api_version_lt(r, 1, 44))
		json_object_set_new(o, "CDISpecDirs", json_array()); /* no CDI devices in berth */
	json_object_set_new(o, "Warnings", json_array());
	api_reply_json(r, 200, o);
}

const struct api_route api_system_routes[] = {
	{ "GET", "/_ping", api_system_ping, API_BODY_NONE },
	{ "HEAD", "/_ping", api_system_ping, API_BODY_NONE },
	{ "GET", "/version", api_system_version, API_BODY_NONE },
	{ "GET", "/info", api_system_info, API_BODY_NONE },
	{ 0 },
};
