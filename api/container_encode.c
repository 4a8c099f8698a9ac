/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container state → Docker JSON: inspect (GET /containers/{id}/json), list
 * entries (GET /containers/json), the Status column text and the Command
 * column, following dockerd 20.10–28 shapes (reference/dockerd-container-inspect.json).
 * Everything is encoded from a container_snap the engine handed over: no
 * engine lock is taken and no path is built here.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/container_json.h"
#include "api/api.h"
#include "api/request.h"
#include "engine/container/container_endpoint.h"
#include "engine/container/snapshot.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

void
human_duration(int64_t ns, char *out, size_t n)
{
	int64_t s = ns / 1000000000LL, m = s / 60, h = m / 60;
	int64_t d = h / 24;

	if (s < 1)
		snprintf(out, n, "Less than a second");
	else if (s == 1)
		snprintf(out, n, "1 second");
	else if (s < 60)
		snprintf(out, n, "%lld seconds", (long long)s);
	else if (m == 1)
		snprintf(out, n, "About a minute");
	else if (m < 60)
		snprintf(out, n, "%lld minutes", (long long)m);
	else if (h == 1 || (h < 2 && m >= 60))
		snprintf(out, n, "About an hour");
	else if (h < 48)
		snprintf(out, n, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(out, n, "%lld days", (long long)d);
	else if (h < 24 * 30 * 2)
		snprintf(out, n, "%lld weeks", (long long)(d / 7));
	else if (h < 24 * 365 * 2)
		snprintf(out, n, "%lld months", (long long)(d / 30));
	else
		snprintf(out, n, "%lld years", (long long)(d / 365));
}

void
container_json_status_text(const struct container_state *s, char *out, size_t n)
{
	char d[64];
	int64_t now = time_now_ns();

	switch (s->status) {
	case CONTAINER_RUNNING:
	case CONTAINER_PAUSED:
		human_duration(now - s->started_ns, d, sizeof(d));
		if (s->status == CONTAINER_PAUSED)
			snprintf(out, n, "Up %s (Paused)", d);
		else if (s->health.status == HEALTH_STARTING)
			snprintf(out, n, "Up %s (health: starting)", d);
		else if (s->health.status != HEALTH_NONE)
			snprintf(out, n, "Up %s (%s)", d, health_status_name(s->health.status));
		else
			snprintf(out, n, "Up %s", d);
		return;
	case CONTAINER_RESTARTING:
		human_duration(now - s->finished_ns, d, sizeof(d));
		snprintf(out, n, "Restarting (%d) %s ago", s->exit_code, d);
		return;
	case CONTAINER_REMOVING:
		snprintf(out, n, "Removal In Progress");
		return;
	case CONTAINER_DEAD:
		snprintf(out, n, "Dead");
		return;
	case CONTAINER_CREATED:
		snprintf(out, n, "Created");
		return;
	case CONTAINER_EXITED:
		if (s->finished_ns == 0) {
			snprintf(out, n, "Created");
			return;
		}
		human_duration(now - s->finished_ns, d, sizeof(d));
		snprintf(out, n, "Exited (%d) %s ago", s->exit_code, d);
		return;
	}
	snprintf(out, n, "Dead");
}

char *
container_json_command(const struct container_snap *c)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, c->path ? c->path : "");
	for (size_t i = 0; c->args && c->args[i]; i++) {
		if (strchr(c->args[i], ' '))
			buf_printf(&b, " '%s'", c->args[i]);
		else
			buf_printf(&b, " %s", c->args[i]);
	}
	return buf_detach(&b, NULL);
}

static json_t *
js(const char *s)
{
	return api_json_string(s ? s : "");
}

/* Leading decimal digits of a port spec ("80/tcp" → 80). */
static int
port_number(const char *s)
{
	int v = 0;

	for (; s && *s >= '0' && *s <= '9' && v < 100000; s++)
		v = v * 10 + (*s - '0');
	return v;
}

static json_t *
strv_or_null(char *const *v)
{
	return strv_to_json(v);
}

static json_t *
config_json(const struct container_snap *c)
{
	return spec_config_json(&c->spec);
}

static json_t *
port_bindings_json(const struct container_spec *s)
{
	json_t *o = json_object();

	for (size_t i = 0; i < s->n_ports; i++) {
		char key[PORTMAP_KEY_MAX];
		portmap_request_key(&s->ports[i], key);
		json_t *list = json_object_get(o, key);
		if (!list) {
			list = json_array();
			json_object_set_new(o, key, list);
		}
		json_array_append_new(list, json_pack("{s:o,s:o}", "HostIp", js(s->ports[i].host_ip),
						      "HostPort", js(s->ports[i].host_port)));
	}
	return o;
}

/* True when the tmpfs at @target came from HostConfig.Mounts, not Tmpfs. */
static bool
tmpfs_from_mounts(const struct container_spec *s, const char *target)
{
	json_t *m;
	size_t i;

	json_array_foreach(s->mounts_sent, i, m) {
		const char *t = json_string_value(json_object_get(m, "Target"));
		const char *type = json_string_value(json_object_get(m, "Type"));
		if (t && type && strcmp(type, "tmpfs") == 0 && strcmp(t, target) == 0)
			return true;
	}
	return false;
}

static json_t *
tmpfs_json(const struct container_spec *s)
{
	json_t *o = NULL;

	for (size_t i = 0; i < s->n_mounts; i++) {
		if (s->mounts[i].type != MOUNT_TMPFS || tmpfs_from_mounts(s, s->mounts[i].target))
			continue;
		if (!o)
			o = json_object();
		json_object_set_new(o, s->mounts[i].target, js(s->mounts[i].options));
	}
	return o;
}

/*
 * An array of objects with members @keys (NULL-terminated) in dockerd's
 * struct order, whatever order the stored spec has them in; [] for none.
 */
static json_t *
ordered_list(json_t *a, const char *const *keys)
{
	json_t *out = json_array(), *it;
	size_t i;

	json_array_foreach(a, i, it) {
		json_t *o = json_object();
		for (size_t k = 0; keys[k]; k++) {
			json_t *v = json_object_get(it, keys[k]);
			json_object_set(o, keys[k], v ? v : json_null());
		}
		json_array_append_new(out, o);
	}
	return out;
}

static json_t *
json_list(json_t *a)
{
	static const char *const rate[] = {"Path", "Rate", NULL};
	static const char *const weight[] = {"Path", "Weight", NULL};
	json_t *first = json_array_get(a, 0);

	return ordered_list(a, json_object_get(first, "Weight") ? weight : rate);
}

/* A mode as sent, or dockerd's default for it when the client left it empty. */
static const char *
or_default(const char *v, const char *def)
{
	return v && *v ? v : def;
}

/* HostConfig.Devices as sent: [{PathOnHost, PathInContainer, CgroupPermissions}]. */
static json_t *
devices_json(const struct container_spec *s)
{
	json_t *a = json_array(), *d;
	size_t i;

	json_array_foreach(s->devices, i, d)
		json_array_append_new(a, json_pack("{s:o,s:o,s:o}", "PathOnHost",
						   js(json_string_value(json_object_get(d, "hos"
											   "t"))),
						   "PathInContainer",
						   js(json_string_value(json_object_get(d, "contain"
											   "er"))),
						   "CgroupPermissions",
						   js(json_string_value(json_object_get(d, "perm"
											   "s")))));
	return a;
}

static const char *const masked_paths[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", NULL,
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_t *
host_config_json(const struct container_snap *c)
{
	const struct container_spec *s = &c->spec;
	json_t *o = json_object(), *tmpfs = tmpfs_json(s);

	json_object_set_new(o, "Binds", strv_or_null(s->binds));
	json_object_set_new(o, "ContainerIDFile", js(s->container_id_file));
	json_object_set_new(o, "LogConfig",
			    json_pack("{s:s,s:o}", "Type",
				      s->log_driver ? s->log_driver : "json-file", "Config",
				      s->log_opts ? json_incref(s->log_opts) : json_object()));
	json_object_set_new(o, "NetworkMode", js(s->network_mode));
	json_object_set_new(o, "PortBindings", port_bindings_json(s));
	json_object_set_new(o, "RestartPolicy", json_pack("{s:o,s:i}", "Name", js(s->restart_policy),
							  "MaximumRetryCount", s->restart_max_retries));
	json_object_set_new(o, "AutoRemove", json_boolean(s->auto_remove));
	json_object_set_new(o, "VolumeDriver", js(s->volume_driver));
	json_object_set_new(o, "VolumesFrom", strv_or_null(s->volumes_from));
	json_object_set_new(o, "ConsoleSize", json_pack("[i,i]", s->console_height, s->console_width));
	json_object_set_new(o, "CapAdd", strv_or_null(s->cap_add));
	json_object_set_new(o, "CapDrop", strv_or_null(s->cap_drop));
	json_object_set_new(o, "CgroupnsMode", js(or_default(s->cgroupns_mode, "host")));
	json_object_set_new(o, "Dns", s->dns ? strv_to_json(s->dns) : json_array());
	json_object_set_new(o, "DnsOptions", s->dns_options ? strv_to_json(s->dns_options) : json_array());
	json_object_set_new(o, "DnsSearch", s->dns_search ? strv_to_json(s->dns_search) : json_array());
	json_object_set_new(o, "ExtraHosts", strv_or_null(s->extra_hosts));
	json_object_set_new(o, "GroupAdd", strv_or_null(s->group_add));
	json_object_set_new(o, "IpcMode", js(or_default(s->ipc_mode, "private")));
	json_object_set_new(o, "Cgroup", json_string(""));
	json_object_set_new(o, "Links", strv_or_null(c->links));
	json_object_set_new(o, "OomScoreAdj", json_integer(s->oom_score_adj));
	json_object_set_new(o, "PidMode", js(s->pid_mode));
	json_object_set_new(o, "Privileged", json_boolean(s->privileged));
	json_object_set_new(o, "PublishAllPorts", json_boolean(s->publish_all_ports));
	json_object_set_new(o, "ReadonlyRootfs", json_boolean(s->readonly_rootfs));
	json_object_set_new(o, "SecurityOpt", strv_or_null(s->security_opt));
	if (tmpfs)
		json_object_set_new(o, "Tmpfs", tmpfs);
	json_object_set_new(o, "UTSMode", js(s->uts_mode));
	json_object_set_new(o, "UsernsMode", js(s->userns_mode));
	json_object_set_new(o, "ShmSize", json_integer(s->shm_size ? s->shm_size : 64 << 20));
	json_object_set_new(o, "Runtime", js(or_default(s->runtime, "berth")));
	json_object_set_new(o, "Isolation", js(s->isolation));
	json_object_set_new(o, "CpuShares", json_integer(s->cpu_shares));
	json_object_set_new(o, "Memory", json_integer(s->memory));
	json_object_set_new(o, "NanoCpus", json_integer(s->nano_cpus));
	json_object_set_new(o, "CgroupParent", json_string(""));
	json_object_set_new(o, "BlkioWeight", json_integer(s->blkio_weight));
	json_object_set_new(o, "BlkioWeightDevice", json_list(s->blkio_weight_device));
	json_object_set_new(o, "BlkioDeviceReadBps", json_list(s->blkio_read_bps));
	json_object_set_new(o, "BlkioDeviceWriteBps", json_list(s->blkio_write_bps));
	json_object_set_new(o, "BlkioDeviceReadIOps", json_list(s->blkio_read_iops));
	json_object_set_new(o, "BlkioDeviceWriteIOps", json_list(s->blkio_write_iops));
	json_object_set_new(o, "CpuPeriod", json_integer(s->cpu_period));
	json_object_set_new(o, "CpuQuota", json_integer(s->cpu_quota));
	json_object_set_new(o, "CpuRealtimePeriod", json_integer(s->cpu_rt_period));
	json_object_set_new(o, "CpuRealtimeRuntime", json_integer(s->cpu_rt_runtime));
	json_object_set_new(o, "CpusetCpus", js(s->cpuset_cpus));
	json_object_set_new(o, "CpusetMems", js(s->cpuset_mems));
	json_object_set_new(o, "Devices", devices_json(s));
	json_object_set_new(o, "DeviceCgroupRules", strv_or_null(s->device_cgroup_rules));
	json_object_set_new(o, "DeviceRequests", json_null());
	json_object_set_new(o, "MemoryReservation", json_integer(s->memory_reservation));
	json_object_set_new(o, "MemorySwap", json_integer(s->memory_swap));
	json_object_set_new(o, "MemorySwappiness",
			    s->memory_swappiness ? json_incref(s->memory_swappiness) : json_null());
	json_object_set_new(o, "OomKillDisable", json_boolean(s->oom_kill_disable));
	json_object_set_new(o, "PidsLimit", s->pids_limit > 0 ? json_integer(s->pids_limit) : json_null());
	json_object_set_new(o, "Ulimits",
			    ordered_list(s->ulimits,
					 (const char *const[]){"Name", "Hard", "Soft", NULL}));
	json_object_set_new(o, "CpuCount", json_integer(0));
	json_object_set_new(o, "CpuPercent", json_integer(0));
	json_object_set_new(o, "IOMaximumIOps", json_integer(0));
	json_object_set_new(o, "IOMaximumBandwidth", json_integer(0));
	if (s->init)
		json_object_set_new(o, "Init", json_true());
	if (s->sysctls)
		json_object_set(o, "Sysctls", s->sysctls);
	/* Sent lists as sent; else dockerd's defaults (none when privileged). */
	json_object_set_new(o, "MaskedPaths",
			    s->masked_paths ? json_deep_copy(s->masked_paths)
			    : s->privileged ? json_array()
					    : strv_to_json((char *const *)masked_paths));
	json_object_set_new(o, "ReadonlyPaths",
			    s->readonly_paths ? json_deep_copy(s->readonly_paths)
			    : s->privileged   ? json_array()
					      : strv_to_json((char *const *)readonly_paths));
	/* omitempty in moby's HostConfig. */
	if (s->mounts_sent)
		json_object_set_new(o, "Mounts", json_deep_copy(s->mounts_sent));
	if (s->annotations && json_object_size(s->annotations))
		json_object_set_new(o, "Annotations", json_deep_copy(s->annotations));
	return o;
}

/* State.Health (v1.44 Health, HealthcheckResult); NULL without a check. */
static json_t *
health_json(const struct health_state *h)
{
	json_t *log = json_array();

	if (h->status == HEALTH_NONE) {
		json_decref(log);
		return NULL;
	}
	for (size_t i = 0; i < h->n_log; i++) {
		char start[TIME_STR_MAX], end[TIME_STR_MAX];
		time_format_rfc3339nano(h->log[i].start_ns, start);
		time_format_rfc3339nano(h->log[i].end_ns, end);
		json_array_append_new(log, json_pack("{s:s,s:s,s:i,s:s}", "Start", start, "End",
						     end, "ExitCode", h->log[i].exit_code, "Output",
						     h->log[i].output ? h->log[i].output : ""));
	}
	return json_pack("{s:s,s:i,s:o}", "Status", health_status_name(h->status), "FailingStreak",
			 h->failing_streak, "Log", log);
}

static json_t *
state_json(const struct container_state *st)
{
	char started[TIME_STR_MAX], finished[TIME_STR_MAX];
	bool running = st->status == CONTAINER_RUNNING || st->status == CONTAINER_PAUSED;

	time_format_rfc3339nano(st->started_ns, started);
	time_format_rfc3339nano(st->finished_ns, finished);
	return json_pack("{s:s,s:b,s:b,s:b,s:b,s:b,s:i,s:i,s:o,s:s,s:s,s:o*}", "Status",
			 container_status_name(st->status), "Running", running, "Paused",
			 st->status == CONTAINER_PAUSED, "Restarting",
			 st->status == CONTAINER_RESTARTING, "OOMKilled", st->oom_killed, "Dead",
			 st->status == CONTAINER_DEAD, "Pid", running ? st->pid : 0, "ExitCode",
			 st->exit_code, "Error", js(st->error), "StartedAt", started, "FinishedAt",
			 finished, "Health", health_json(&st->health));
}

/* Effective port map for NetworkSettings.Ports: exposed ports without a
 * binding map to null (docker port and ps rely on it). */
static json_t *
ports_json(const struct container_snap *c)
{
	json_t *o = json_object();

	for (size_t k = 0; c->spec.exposed_ports && c->spec.exposed_ports[k]; k++)
		json_object_set_new(o, c->spec.exposed_ports[k], json_null());
	for (size_t i = 0; i < c->ep.n_ports; i++) {
		const struct portmap_binding *b = &c->ep.ports[i];
		char port[PORTMAP_KEY_MAX], ip[INET_ADDRSTRLEN], hostport[8];
		json_t *list;
		snprintf(port, sizeof(port), "%u/%s", b->container_port, portmap_proto_name(b->proto));
		if (!inet_ntop(AF_INET, &b->host_ip, ip, sizeof(ip)) || !b->host_ip.s_addr)
			snprintf(ip, sizeof(ip), "0.0.0.0");
		snprintf(hostport, sizeof(hostport), "%u", b->host_port);
		list = json_object_get(o, port);
		if (!json_is_array(list)) {
			list = json_array();
			json_object_set_new(o, port, list);
		}
		json_array_append_new(list, json_pack("{s:s,s:s}", "HostIp", ip, "HostPort", hostport));
	}
	return o;
}

/* The runtime endpoint of @c on network @name, when it runs. */
static const struct container_endpoint *
runtime_ep(const struct container_snap *c, const char *name, bool running)
{
	if (!running || !name)
		return NULL;
	if (c->ep.network && strcmp(c->ep.network, name) == 0)
		return &c->ep;
	for (size_t i = 0; i < c->n_xeps; i++)
		if (c->xeps[i].network && strcmp(c->xeps[i].network, name) == 0)
			return &c->xeps[i];
	return NULL;
}

static bool
is_predefined(const char *net)
{
	return strcmp(net, "bridge") == 0 || strcmp(net, "host") == 0 ||
	       strcmp(net, "none") == 0 || strncmp(net, "container", 9) == 0;
}

/*
 * One entry of NetworkSettings.Networks: what was asked (@cfg, the engine's
 * form of EndpointSettings, or NULL) and what the network gave (@ep, NULL
 * when not running). DNSNames (API 1.44) on user networks: name, aliases,
 * short ID; container_json_networks_v141 turns it into the older shape.
 */
static json_t *
endpoint_json(const struct container_snap *c, const char *net, json_t *cfg,
	      const struct container_endpoint *ep)
{
	const char *ipv4 = cfg ? json_string_value(json_object_get(cfg, "ipv4")) : NULL;
	const char *ipv6 = cfg ? json_string_value(json_object_get(cfg, "ipv6")) : NULL;
	json_t *ipam = json_null();
	const char *mac = cfg ? json_string_value(json_object_get(cfg, "mac")) : NULL;
	const char *net_id = cfg ? json_string_value(json_object_get(cfg, "network_id")) : NULL;
	json_t *aliases = cfg ? json_object_get(cfg, "aliases") : NULL;
	json_t *links = cfg ? json_object_get(cfg, "links") : NULL;
	json_t *opts = cfg ? json_object_get(cfg, "driver_opts") : NULL;
	json_t *dns = json_null();
	char shortid[13];

	if (!is_predefined(net)) {
		size_t i;
		json_t *v;
		snprintf(shortid, sizeof(shortid), "%.12s", c->id);
		dns = json_array();
		json_array_append_new(dns, js(c->name ? c->name + 1 : ""));
		json_array_foreach(aliases, i, v)
			json_array_append(dns, v);
		json_array_append_new(dns, json_string(shortid));
	}
	if (!cfg) /* host, none, container: and old specs: what the endpoint says */
		net_id = ep ? ep->network_id : c->ep.network_id;
	if (ipv4 || ipv6) {
		ipam = json_object();
		if (ipv4)
			json_object_set_new(ipam, "IPv4Address", json_string(ipv4));
		if (ipv6)
			json_object_set_new(ipam, "IPv6Address", json_string(ipv6));
	}
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:i,s:o,s:o,s:o}", "IPAMConfig",
			 ipam, "Links", links ? json_deep_copy(links) : json_null(), "Aliases",
			 aliases ? json_deep_copy(aliases) : json_null(), "NetworkID",
			 js(ep && ep->network_id ? ep->network_id : net_id), "EndpointID",
			 js(ep ? ep->endpoint_id : NULL), "Gateway", js(ep ? ep->gateway : NULL),
			 "IPAddress", js(ep ? ep->ip : NULL), "IPPrefixLen",
			 ep && ep->ip ? ep->prefix : 0, "IPv6Gateway", js(ep ? ep->gateway6 : NULL),
			 "GlobalIPv6Address", js(ep ? ep->ip6 : NULL), "GlobalIPv6PrefixLen",
			 ep && ep->ip6 ? ep->prefix6 : 0, "MacAddress",
			 js(ep && ep->mac ? ep->mac : mac), "DriverOpts",
			 opts ? json_deep_copy(opts) : json_null(), "DNSNames", dns);
}

static json_t *
network_settings_json(const struct container_snap *c, bool running)
{
	const struct container_endpoint *ep = &c->ep;
	const char *net = ep->network ? ep->network : c->spec.network_mode;
	json_t *o = json_object(), *nets = json_object();
	_cleanup_json_ json_t *list = container_endpoint_list(&c->spec);
	const struct container_endpoint *br;
	size_t i;
	json_t *v;

	/* The top-level address fields describe the default bridge's endpoint. */
	br = runtime_ep(c, "bridge", running);
	json_object_set_new(o, "Bridge", json_string(""));
	json_object_set_new(o, "SandboxID", js(running && ep->netns ? c->id : ""));
	json_object_set_new(o, "HairpinMode", json_false());
	json_object_set_new(o, "LinkLocalIPv6Address", json_string(""));
	json_object_set_new(o, "LinkLocalIPv6PrefixLen", json_integer(0));
	json_object_set_new(o, "Ports", running ? ports_json(c) : json_object());
	json_object_set_new(o, "SandboxKey", js(running ? ep->netns : ""));
	json_object_set_new(o, "SecondaryIPAddresses", json_null());
	json_object_set_new(o, "SecondaryIPv6Addresses", json_null());
	json_object_set_new(o, "EndpointID", js(br ? br->endpoint_id : ""));
	json_object_set_new(o, "Gateway", js(br ? br->gateway : ""));
	json_object_set_new(o, "GlobalIPv6Address", js(br ? br->ip6 : ""));
	json_object_set_new(o, "GlobalIPv6PrefixLen",
			    json_integer(br && br->ip6 ? br->prefix6 : 0));
	json_object_set_new(o, "IPAddress", js(br ? br->ip : ""));
	json_object_set_new(o, "IPPrefixLen", json_integer(br && br->ip ? br->prefix : 0));
	json_object_set_new(o, "IPv6Gateway", js(br ? br->gateway6 : ""));
	json_object_set_new(o, "MacAddress", js(br ? br->mac : ""));
	if (list) {
		json_array_foreach(list, i, v) {
			const char *name = json_string_value(json_object_get(v, "network"));
			if (name)
				json_object_set_new(nets, name,
						    endpoint_json(c, name, v, runtime_ep(c, name, running)));
		}
	} else if (net)
		json_object_set_new(nets, net, endpoint_json(c, net, NULL, running ? ep : NULL));
	json_object_set_new(o, "Networks", nets);
	return o;
}

void
container_json_networks_v141(json_t *doc, const struct container_snap *c)
{
	json_t *nets = json_object_get(json_object_get(doc, "NetworkSettings"), "Networks");
	json_t *config = json_object_get(doc, "Config");
	_cleanup_json_ json_t *list = container_endpoint_list(&c->spec);
	const char *name, *mac;
	json_t *v;
	char shortid[13];

	/* The container-wide MacAddress of API < 1.44: the first network's, as asked. */
	mac = json_string_value(json_object_get(json_array_get(list, 0), "mac"));
	if (json_is_object(config))
		json_object_set_new(config, "MacAddress", json_string(mac ? mac : ""));
	snprintf(shortid, sizeof(shortid), "%.12s", c->id);
	json_object_foreach(nets, name, v) {
		json_t *aliases = json_object_get(v, "Aliases");
		json_object_del(v, "DNSNames");
		if (is_predefined(name))
			continue;
		/* dockerd before 1.44 lists the short ID among the aliases of user networks. */
		if (!json_is_array(aliases)) {
			aliases = json_array();
			json_object_set_new(v, "Aliases", aliases);
		}
		bool have = false;
		size_t i;
		json_t *a;
		json_array_foreach(aliases, i, a)
			have |= json_is_string(a) && strcmp(json_string_value(a), shortid) == 0;
		if (!have) /* docker-compose passes it itself */
			json_array_append_new(aliases, json_string(shortid));
	}
}

static json_t *
mounts_json(const struct container_snap *c)
{
	json_t *a = json_array();

	for (size_t i = 0; i < c->spec.n_mounts; i++) {
		const struct mount_spec *m = &c->spec.mounts[i];
		const char *src = c->mount_sources ? c->mount_sources[i] : NULL;
		if (m->type == MOUNT_BIND)
			json_array_append_new(a,
					      json_pack("{s:s,s:o,s:o,s:s,s:b,s:s}", "Type", "bind",
							"Source", js(src), "Destination",
							js(m->target), "Mode",
							m->readonly ? "ro" : "", "RW", !m->readonly,
							"Propagation", "rprivate"));
		else if (m->type == MOUNT_VOLUME)
			json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o,s:s,s:s,s:b,s:s}", "Type",
							   "volume", "Name", js(m->source), "Source",
							   js(src), "Destination", js(m->target),
							   "Driver", "local", "Mode",
							   m->readonly ? "ro" : "z", "RW", !m->readonly,
							   "Propagation", ""));
		else
			json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:s,s:b,s:s}", "Type", "tmpfs",
							   "Source", "", "Destination", js(m->target),
							   "Mode", "", "RW", !m->readonly, "Propagation",
							   ""));
	}
	return a;
}

/* SizeRw/SizeRootFs when the snapshot was taken with them. */
static void
add_sizes(json_t *o, const struct container_snap *c)
{
	if (!c->has_sizes)
		return;
	json_object_set_new(o, "SizeRw", json_integer(c->size_rw));
	json_object_set_new(o, "SizeRootFs", json_integer(c->size_rootfs));
}

json_t *
container_json_inspect(const struct container_snap *c)
{
	const struct container_state *st = &c->state;
	char created[TIME_STR_MAX];
	json_t *o = json_object();
	bool running = st->status == CONTAINER_RUNNING || st->status == CONTAINER_PAUSED;

	add_sizes(o, c);
	time_format_rfc3339nano(c->created_ns, created);
	json_object_set_new(o, "Id", json_string(c->id));
	json_object_set_new(o, "Created", json_string(created));
	json_object_set_new(o, "Path", js(c->path));
	json_object_set_new(o, "Args", strv_to_json(c->args));
	json_object_set_new(o, "State", state_json(st));
	json_object_set_new(o, "Image", js(c->image_id));
	json_object_set_new(o, "ResolvConfPath", js(c->resolv_conf_path));
	json_object_set_new(o, "HostnamePath", js(c->hostname_path));
	json_object_set_new(o, "HostsPath", js(c->hosts_path));
	/* dockerd sets LogPath for json-file only (local and none: ""). */
	json_object_set_new(o, "LogPath",
			    js(c->spec.log_driver && strcmp(c->spec.log_driver, "json-file") != 0
				       ? ""
				       : c->log_path));
	json_object_set_new(o, "Name", js(c->name));
	json_object_set_new(o, "RestartCount", json_integer(st->restart_count));
	json_object_set_new(o, "Driver", json_string("overlay2"));
	json_object_set_new(o, "Platform", json_string("linux"));
	json_object_set_new(o, "MountLabel", json_string(""));
	json_object_set_new(o, "ProcessLabel", json_string(""));
	json_object_set_new(o, "AppArmorProfile", json_string(""));
	json_object_set_new(o, "ExecIDs", strv_to_json(c->exec_ids));
	json_object_set_new(o, "HostConfig", host_config_json(c));
	json_object_set_new(o, "GraphDriver",
			    json_pack("{s:s,s:{s:o,s:o,s:o}}", "Name", "overlay2", "Data",
				      "UpperDir", js(c->upper_dir), "WorkDir", js(c->work_dir),
				      "MergedDir", js(c->merged_dir)));
	json_object_set_new(o, "Mounts", mounts_json(c));
	json_object_set_new(o, "Config", config_json(c));
	json_object_set_new(o, "NetworkSettings", network_settings_json(c, running));
	return o;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The name and the link names that resolve to the container, in byte
 * order as dockerd's name index (go-memdb) yields them. */
static json_t *
names_json(const struct container_snap *c)
{
	size_t n = strv_len(c->link_names);
	const char **v = xcalloc(n + 1, sizeof(*v));
	json_t *a = json_array();

	v[0] = c->name ? c->name : "";
	for (size_t i = 0; i < n; i++)
		v[i + 1] = c->link_names[i];
	qsort(v, n + 1, sizeof(*v), cmp_names);
	for (size_t i = 0; i <= n; i++)
		json_array_append_new(a, json_string(v[i]));
	free(v);
	return a;
}

json_t *
container_json_summary(const struct container_snap *c)
{
	const struct container_state *st = &c->state;
	char status[128];
	_cleanup_free_ char *cmd = container_json_command(c);
	json_t *o = json_object(), *ports = json_array(), *pm;
	bool running = st->status == CONTAINER_RUNNING || st->status == CONTAINER_PAUSED;
	const char *port;
	json_t *list;

	add_sizes(o, c);
	container_json_status_text(st, status, sizeof(status));
	pm = running ? ports_json(c) : json_object();
	if (!running)
		for (size_t k = 0; c->spec.exposed_ports && c->spec.exposed_ports[k]; k++)
			json_object_set_new(pm, c->spec.exposed_ports[k], json_null());
	json_object_foreach(pm, port, list) {
		int pnum = port_number(port);
		const char *proto = strchr(port, '/') ? strchr(port, '/') + 1 : "tcp";
		size_t i;
		json_t *b;
		if (!json_is_array(list)) {
			json_array_append_new(ports, json_pack("{s:i,s:s}", "PrivatePort", pnum, "Type", proto));
			continue;
		}
		json_array_foreach(list, i, b) {
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			json_array_append_new(ports, json_pack("{s:s,s:i,s:i,s:s}", "IP",
							       ip && *ip ? ip : "0.0.0.0", "PrivatePort",
							       pnum, "PublicPort", port_number(hp),
							       "Type", proto));
		}
	}
	json_decref(pm);
	json_object_set_new(o, "Id", json_string(c->id));
	json_object_set_new(o, "Names", names_json(c));
	json_object_set_new(o, "Image", js(c->spec.image));
	json_object_set_new(o, "ImageID", js(c->image_id));
	json_object_set_new(o, "Command", js(cmd));
	json_object_set_new(o, "Created", json_integer(c->created_ns / 1000000000LL));
	json_object_set_new(o, "Ports", ports);
	json_object_set(o, "Labels", c->spec.labels);
	json_object_set_new(o, "State", json_string(container_status_name(st->status)));
	json_object_set_new(o, "Status", json_string(status));
	json_object_set_new(o, "HostConfig", json_pack("{s:o}", "NetworkMode", js(c->spec.network_mode)));
	json_t *ns = network_settings_json(c, running);
	json_object_set_new(o, "NetworkSettings", json_pack("{s:O}", "Networks", json_object_get(ns, "Networks")));
	json_decref(ns);
	json_object_set_new(o, "Mounts", mounts_json(c));
	return o;
}
