/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /containers: what containers use and leave behind — processes (top),
 * resource usage (stats), resource limits (update), file-system changes and
 * prune (docker-api-protocol.md §6.4, §6.6). Logs, export and archive (byte
 * streams) are in containers_io.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/containers.h"
#include "api/filters.h"
#include "api/jsonx.h"
#include "api/request.h"
#include "api/stream.h"
#include "api/api.h"
#include "engine/container/rootfs.h"
#include "engine/container/snapshot.h"
#include "engine/container/stats.h"
#include "engine/container/top.h"
#include "engine/container/update.h"
#include "engine/container/usage.h"
#include "engine/engine.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* operationId: ContainerTop */
static void
api_containers_top(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct top_result t = {0};
	struct err e = ERR_INIT;
	json_t *rows;

	if (!c)
		return;
	if (top_list(r->ctx->engine->containers, c, api_query(r, "ps_args"), &t, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	rows = json_array();
	for (size_t i = 0; i < t.n_rows; i++) {
		json_t *row = json_array();
		for (size_t k = 0; t.rows[i][k]; k++)
			json_array_append_new(row, api_json_string(t.rows[i][k]));
		json_array_append_new(rows, row);
	}
	json_t *titles = json_array();
	for (size_t k = 0; t.titles && t.titles[k]; k++)
		json_array_append_new(titles, api_json_string(t.titles[k]));
	top_result_release(&t);
	api_reply_json(r, 200, json_pack("{s:o,s:o}", "Titles", titles, "Processes", rows));
}

/* ---- stats ------------------------------------------------------------ */

static json_t *
cpu_json(const struct stats_sample *s)
{
	return json_pack("{s:{s:I,s:I,s:I},s:I,s:i,s:{s:I,s:I,s:I}}", "cpu_usage", "total_usage",
			 (json_int_t)s->cg.cpu_total, "usage_in_kernelmode",
			 (json_int_t)s->cg.cpu_kernel, "usage_in_usermode",
			 (json_int_t)s->cg.cpu_user, "system_cpu_usage",
			 (json_int_t)s->cg.system_cpu, "online_cpus", (int)s->cg.online_cpus,
			 "throttling_data", "periods", (json_int_t)s->cg.throttle_periods,
			 "throttled_periods", (json_int_t)s->cg.throttled_periods, "throttled_time",
			 (json_int_t)s->cg.throttled_time);
}

static json_t *
memory_json(const struct stats_sample *s)
{
	json_t *kv = json_object();

	if (!s->running)
		return json_object();
	for (size_t i = 0; i < s->cg.n_mem_stats; i++)
		json_object_set_new(kv, s->cg.mem_stats[i].key,
				    json_integer((json_int_t)s->cg.mem_stats[i].value));
	return json_pack("{s:I,s:I,s:I,s:I,s:o}", "usage", (json_int_t)s->cg.mem_usage,
			 "max_usage", (json_int_t)s->cg.mem_max_usage, "limit",
			 (json_int_t)s->cg.mem_limit, "failcnt", (json_int_t)s->cg.mem_failcnt,
			 "stats", kv);
}

static json_t *
blkio_json(const struct stats_sample *s)
{
	json_t *io = s->running ? json_array() : json_null();

	for (size_t i = 0; s->running && i < s->cg.n_blkio; i++)
		json_array_append_new(io, json_pack("{s:i,s:i,s:s,s:I}", "major",
						    (int)s->cg.blkio[i].major, "minor",
						    (int)s->cg.blkio[i].minor, "op", s->cg.blkio[i].op,
						    "value", (json_int_t)s->cg.blkio[i].value));
	return json_pack("{s:o,s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "io_service_bytes_recursive", io,
			 "io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive",
			 "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive",
			 "sectors_recursive");
}

static json_t *
stats_json(const struct container_snap *c, const struct stats_sample *s,
	   const struct stats_sample *pre)
{
	char read[TIME_STR_MAX], preread[TIME_STR_MAX];
	json_t *o, *nets;

	time_format_rfc3339nano(s->running ? s->read_ns : 0, read);
	time_format_rfc3339nano(pre && pre->running ? pre->read_ns : 0, preread);
	o = json_pack("{s:s,s:s,s:o,s:s}", "read", read, "preread", preread, "name",
		      api_json_string(c->name), "id", c->id);
	json_object_set_new(o, "num_procs", json_integer(0));
	json_object_set_new(o, "pids_stats",
			    s->running ? json_pack("{s:I,s:I}", "current",
						   (json_int_t)s->cg.pids_current, "limit",
						   (json_int_t)s->cg.pids_limit)
				       : json_object());
	json_object_set_new(o, "blkio_stats", blkio_json(s));
	json_object_set_new(o, "storage_stats", json_object());
	json_object_set_new(o, "cpu_stats", cpu_json(s));
	json_object_set_new(o, "precpu_stats", cpu_json(pre ? pre : &(struct stats_sample){0}));
	json_object_set_new(o, "memory_stats", memory_json(s));
	if (s->running && s->n_nets) {
		nets = json_object();
		for (size_t i = 0; i < s->n_nets; i++) {
			const struct stats_net *n = &s->nets[i];
			json_object_set_new(
				nets, n->name,
				json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "rx_bytes",
					  (json_int_t)n->rx_bytes, "rx_packets", (json_int_t)n->rx_packets,
					  "rx_errors", (json_int_t)n->rx_errors, "rx_dropped",
					  (json_int_t)n->rx_dropped, "tx_bytes", (json_int_t)n->tx_bytes,
					  "tx_packets", (json_int_t)n->tx_packets, "tx_errors",
					  (json_int_t)n->tx_errors, "tx_dropped",
					  (json_int_t)n->tx_dropped));
		}
		json_object_set_new(o, "networks", nets);
	}
	return o;
}

struct stats_job {
	struct container *c;
	struct engine *eng;
	bool stream, one_shot;
};

static void
stats_job_free(void *p)
{
	struct stats_job *j = p;

	container_unref(j->c);
	free(j);
}

/* Sleeps @ms in small steps; false when the client left meanwhile. */
static bool
nap(struct api_stream *s, int ms)
{
	for (int i = 0; i < ms / 100; i++) {
		struct timespec ts = { 0, 100000000L };
		if (api_stream_cancelled(s))
			return false;
		nanosleep(&ts, NULL);
	}
	return !api_stream_cancelled(s);
}

/* One stats object; the name is read afresh each time, so a rename shows. */
static int
stats_emit(struct api_stream *s, struct stats_job *j, const struct stats_sample *cur,
	   const struct stats_sample *pre)
{
	_cleanup_container_snap_ struct container_snap *snap = container_snap_new(j->c);

	return api_stream_json_nl(s, stats_json(snap, cur, pre));
}

static int
stats_producer(struct api_stream *s, void *arg, struct err *e)
{
	struct stats_job *j = arg;
	struct stats_sample pre = {0}, cur = {0};
	int r = 0;

	if (stats_read(j->eng->containers, j->c, &pre, e) < 0)
		return e->code;
	if (!j->stream && (j->one_shot || !pre.running)) {
		r = stats_emit(s, j, &pre, NULL);
		stats_sample_release(&pre);
		return r < 0 ? 0 : 0;
	}
	if (j->stream)
		r = stats_emit(s, j, &pre, NULL);
	/* moby: the second sample a second later makes CPU % meaningful. */
	while (r >= 0 && nap(s, 1000)) {
		if (stats_read(j->eng->containers, j->c, &cur, e) < 0)
			break;
		r = stats_emit(s, j, &cur, &pre);
		stats_sample_release(&pre);
		pre = cur;
		memset(&cur, 0, sizeof(cur));
		if (!j->stream)
			break;
	}
	stats_sample_release(&pre);
	stats_sample_release(&cur);
	err_clear(e);
	return 0;
}

/* operationId: ContainerStats */
static void
api_containers_stats(struct api_request *r)
{
	struct container *c = api_containers_lookup(r);
	struct stats_job *j;

	if (!c)
		return;
	j = xcalloc(1, sizeof(*j));
	j->c = c;
	j->eng = r->ctx->engine;
	j->stream = api_query_bool(r, "stream", true);
	j->one_shot = !api_version_lt(r, 1, 41) && api_query_bool(r, "one-shot", false);
	if (j->one_shot && j->stream) {
		stats_job_free(j);
		api_reply_errorf(r, 400, "cannot have stream=true and one-shot=true");
		return;
	}
	api_reply_stream(r, "application/json", 0, stats_producer, j, stats_job_free);
}

/* ---- update ----------------------------------------------------------- */

static int
decode_update(json_t *body, struct update_opts *u, char **policy, struct err *e)
{
	json_t *rp = json_object_get(body, "RestartPolicy");
	json_t *pids = json_object_get(body, "PidsLimit");

	if (jx_int64(body, "Memory", "Memory", &u->memory, e) < 0 ||
	    jx_int64(body, "MemorySwap", "MemorySwap", &u->memory_swap, e) < 0 ||
	    jx_int64(body, "MemoryReservation", "MemoryReservation", &u->memory_reservation, e) <
		    0 ||
	    jx_int64(body, "NanoCpus", "NanoCpus", &u->nano_cpus, e) < 0 ||
	    jx_int64(body, "CpuShares", "CpuShares", &u->cpu_shares, e) < 0 ||
	    jx_int64(body, "CpuPeriod", "CpuPeriod", &u->cpu_period, e) < 0 ||
	    jx_int64(body, "CpuQuota", "CpuQuota", &u->cpu_quota, e) < 0 ||
	    jx_int64(body, "PidsLimit", "PidsLimit", &u->pids_limit, e) < 0 ||
	    jx_int64(body, "CpuRealtimePeriod", "CpuRealtimePeriod", &u->cpu_rt_period, e) < 0 ||
	    jx_int64(body, "CpuRealtimeRuntime", "CpuRealtimeRuntime", &u->cpu_rt_runtime, e) < 0 ||
	    jx_int(body, "BlkioWeight", "BlkioWeight", &u->blkio_weight, e) < 0)
		return e->code;
	/* dockerd decodes into UpdateConfig, whose BlkioWeight is a uint16. */
	if (u->blkio_weight < 0 || u->blkio_weight > UINT16_MAX)
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal number %d into Go struct field "
			       "UpdateConfig.BlkioWeight of type uint16",
			       u->blkio_weight);
	if (u->cpu_rt_period < 0 || u->cpu_rt_runtime < -1)
		return err_set(e, -EINVAL,
			       "invalid resource value: negative limits are not allowed");
	/* PidsLimit: null or absent = unchanged, 0 or -1 = unlimited (API docs). */
	if (json_is_integer(pids) && u->pids_limit == 0)
		u->pids_limit = -1;
	if (rp && !json_is_null(rp)) {
		if (!json_is_object(rp))
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal %s into Go struct field UpdateConfig.RestartPolicy of type container.RestartPolicy",
				       json_is_string(rp) ? "string" : "value");
		if (jx_str(rp, "Name", "RestartPolicy.Name", policy, e) < 0 ||
		    jx_int(rp, "MaximumRetryCount", "RestartPolicy.MaximumRetryCount",
			   &u->restart_max_retries, e) < 0)
			return e->code;
		u->restart_policy = *policy;
	}
	return 0;
}

/* operationId: ContainerUpdate */
static void
api_containers_update(struct api_request *r)
{
	_cleanup_container_ struct container *c = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *policy = NULL, *cpus = NULL, *mems = NULL;
	struct update_opts u = {0};
	struct err e = ERR_INIT;
	_cleanup_strv_ char **warnings = NULL;

	if (api_body_json(r, true, &body) < 0 || !(c = api_containers_lookup(r)))
		return;
	if (body && (decode_update(body, &u, &policy, &e) < 0 ||
		     jx_str(body, "CpusetCpus", "CpusetCpus", &cpus, &e) < 0 ||
		     jx_str(body, "CpusetMems", "CpusetMems", &mems, &e) < 0)) {
		api_reply_err(r, &e);
		return;
	}
	u.cpuset_cpus = cpus;
	u.cpuset_mems = mems;
	if (update_apply(r->ctx->engine->containers, c, &u, &warnings, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	api_reply_json(r, 200,
		       json_pack("{s:o}", "Warnings",
				 warnings ? strv_to_json(warnings) : json_array()));
}

/* ---- changes, prune ----------------------------------------------------- */

/* operationId: ContainerChanges */
static void
api_containers_changes(struct api_request *r)
{
	_cleanup_container_ struct container *c = api_containers_lookup(r);
	struct rootfs_change *v = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;
	json_t *arr;

	if (!c)
		return;
	if (usage_changes(r->ctx->engine->containers, c, &v, &n, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	arr = n ? json_array() : json_null();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:o,s:i}", "Path", api_json_string(v[i].path),
						     "Kind", (int)v[i].kind));
	rootfs_changes_free(v, n);
	api_reply_json(r, 200, arr);
}

struct prune_filter {
	struct filters *f;
	int64_t until_ns;
};

static bool
prune_match(const struct container_snap *c, void *ud)
{
	struct prune_filter *p = ud;

	if (p->until_ns && c->created_ns >= p->until_ns)
		return false;
	if (filters_has(p->f, "label") && !filters_match_labels(p->f, "label", c->spec.labels))
		return false;
	/* filters_match_labels negates "label!" itself: true when none match. */
	if (filters_has(p->f, "label!") && !filters_match_labels(p->f, "label!", c->spec.labels))
		return false;
	return true;
}

/* operationId: ContainerPrune */
static void
api_containers_prune(struct api_request *r)
{
	static const char *const keys[] = { "until", "label", "label!", NULL };
	_cleanup_filters_ struct filters *f = NULL;
	struct prune_filter pf = {0};
	_cleanup_strv_ char **ids = NULL;
	struct err e = ERR_INIT;
	uint64_t space = 0;
	json_t *arr;

	if (filters_parse(api_query(r, "filters"), &f, &e) < 0 ||
	    filters_check_keys(f, keys, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	if (filters_get_until(f, &pf.until_ns, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	pf.f = f;
	if (usage_prune(r->ctx->engine->containers, prune_match, &pf, &ids, &space, &e) < 0) {
		api_reply_err(r, &e);
		return;
	}
	arr = ids ? json_array() : json_null();
	for (size_t i = 0; ids && ids[i]; i++)
		json_array_append_new(arr, json_string(ids[i]));
	api_reply_json(r, 200, json_pack("{s:o,s:I}", "ContainersDeleted", arr, "SpaceReclaimed",
					 (json_int_t)space));
}

const struct api_route api_containers_resources_routes[] = {
	{ "GET", "/containers/{id}/top", api_containers_top, API_BODY_NONE },
	{ "GET", "/containers/{id}/stats", api_containers_stats, API_BODY_NONE },
	{ "POST", "/containers/{id}/update", api_containers_update, API_BODY_JSON },
	{ "GET", "/containers/{id}/changes", api_containers_changes, API_BODY_NONE },
	{ "POST", "/containers/prune", api_containers_prune, API_BODY_NONE },
	{ 0 },
};
