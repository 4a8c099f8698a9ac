/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus metrics; see metrics.h. */
#include "config.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "api/metrics.h"
#include "api/request.h"
#include "api/router.h"
#include "engine/engine.h"
#include "engine/util/cleanup.h"
#include "engine/util/err.h"
#include "engine/util/log.h"

/* Latency buckets (seconds), as Prometheus clients' defaults plus 1 ms. */
static const double buckets[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NB (sizeof(buckets) / sizeof(buckets[0]))
/* Longer operations (pulls, builds) get longer buckets. */
static const double op_buckets[] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
#define NOB (sizeof(op_buckets) / sizeof(op_buckets[0]))

struct hist {
	uint64_t count;
	double sum;
	uint64_t le[NB > NOB ? NB : NOB]; /* cumulative at render, per bucket here */
};

/* One route (NULL: a path no route matched) and method. */
struct route_stat {
	const struct api_route *route;
	char method[16];
	struct hist lat;
	unsigned codes[8]; /* distinct statuses seen (a handful per route) */
	uint64_t code_count[8];
	unsigned n_codes;
};

enum op { OP_NONE, OP_PULL, OP_BUILD, OP_MAX };
static const char *const op_names[] = {"", "pull", "build"};

#define MAX_ROUTE_STATS 512
static pthread_mutex_t metrics_mu = PTHREAD_MUTEX_INITIALIZER;
static struct route_stat stats[MAX_ROUTE_STATS];
static size_t n_stats;
static uint64_t dropped; /* requests not counted: the table was full */
static int64_t op_in_flight[OP_MAX];
static struct hist op_hist[OP_MAX];

static enum op
op_of(const struct api_request *r)
{
	if (!r->route || strcmp(r->route->method, "POST") != 0)
		return OP_NONE;
	if (strcmp(r->route->pattern, "/images/create") == 0)
		return OP_PULL;
	if (strcmp(r->route->pattern, "/build") == 0)
		return OP_BUILD;
	return OP_NONE;
}

static void
observe(struct hist *h, const double *bounds, size_t nb, double v)
{
	h->count++;
	h->sum += v;
	for (size_t i = 0; i < nb; i++)
		if (v <= bounds[i]) {
			h->le[i]++;
			break;
		}
}

void
api_metrics_request_start(struct api_request *r)
{
	enum op op = op_of(r);

	if (op == OP_NONE)
		return;
	pthread_mutex_lock(&metrics_mu);
	op_in_flight[op]++;
	pthread_mutex_unlock(&metrics_mu);
	r->metrics_started = true;
}

static struct route_stat *
find_stat(const struct api_request *r)
{
	static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
	const char *method = r->route ? r->route->method : "other";

	/* unmatched paths: one series per known method (a client picks the rest) */
	if (!r->route)
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(r->method, known[i]) == 0)
				method = known[i];
	for (size_t i = 0; i < n_stats; i++)
		if (stats[i].route == r->route && strcmp(stats[i].method, method) == 0)
			return &stats[i];
	if (n_stats == MAX_ROUTE_STATS)
		return NULL;
	struct route_stat *s = &stats[n_stats++];
	s->route = r->route;
	snprintf(s->method, sizeof(s->method), "%s", method);
	return s;
}

void
api_metrics_request_done(struct api_request *r, double seconds)
{
	struct route_stat *s;
	enum op op = op_of(r);

	pthread_mutex_lock(&metrics_mu);
	if (r->metrics_started && op != OP_NONE) {
		op_in_flight[op]--;
		observe(&op_hist[op], op_buckets, NOB, seconds);
	}
	s = find_stat(r);
	if (!s) {
		dropped++;
	} else {
		observe(&s->lat, buckets, NB, seconds);
		size_t k = 0;
		while (k < s->n_codes && s->codes[k] != r->status)
			k++;
		if (k == s->n_codes && k < sizeof(s->codes) / sizeof(s->codes[0])) {
			s->codes[k] = r->status;
			s->n_codes++;
		}
		if (k < s->n_codes)
			s->code_count[k]++;
		else
			dropped++;
	}
	pthread_mutex_unlock(&metrics_mu);
}

static void
put_hist(struct buf *out, const char *name, const char *labels, const struct hist *h,
	 const double *bounds, size_t nb)
{
	uint64_t cum = 0;

	for (size_t i = 0; i < nb; i++) {
		cum += h->le[i];
		buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, *labels ? "," : "",
			   bounds[i], (unsigned long long)cum);
	}
	buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, *labels ? "," : "",
		   (unsigned long long)h->count);
	buf_printf(out, "%s_sum%s%s%s %.6f\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
		   h->sum);
	buf_printf(out, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels,
		   *labels ? "}" : "", (unsigned long long)h->count);
}

/* A label value: route patterns and methods are ours, but escape anyway. */
static void
label_value(char *dst, size_t size, const char *v)
{
	size_t n = 0;

	for (; *v && n + 3 < size; v++) {
		if (*v == '"' || *v == '\\') {
			dst[n++] = '\\';
			dst[n++] = *v;
		} else if (*v == '\n') {
			dst[n++] = '\\';
			dst[n++] = 'n';
		} else {
			dst[n++] = *v;
		}
	}
	dst[n] = '\0';
}

static void
render_requests(struct buf *out)
{
	char method[40], route[256], labels[400];

	pthread_mutex_lock(&metrics_mu);
	buf_puts(out, "# HELP berth_http_requests_total API requests answered, by method, route "
		      "pattern and status code.\n"
		      "# TYPE berth_http_requests_total counter\n");
	for (size_t i = 0; i < n_stats; i++) {
		const struct route_stat *s = &stats[i];
		label_value(method, sizeof(method), s->method);
		label_value(route, sizeof(route), s->route ? s->route->pattern : "unmatched");
		for (size_t k = 0; k < s->n_codes; k++)
			buf_printf(out,
				   "berth_http_requests_total{method=\"%s\",route=\"%s\",code=\"%"
				   "u\"} "
				   "%llu\n",
				   method, route, s->codes[k],
				   (unsigned long long)s->code_count[k]);
	}
	buf_puts(out, "# HELP berth_http_request_duration_seconds Time from a request's first "
		      "byte to the end of its reply (streams included).\n"
		      "# TYPE berth_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < n_stats; i++) {
		const struct route_stat *s = &stats[i];
		label_value(method, sizeof(method), s->method);
		label_value(route, sizeof(route), s->route ? s->route->pattern : "unmatched");
		snprintf(labels, sizeof(labels), "method=\"%s\",route=\"%s\"", method, route);
		put_hist(out, "berth_http_request_duration_seconds", labels, &s->lat, buckets, NB);
	}
	buf_printf(out,
		   "# HELP berth_http_requests_uncounted_total Requests not in the per-route "
		   "series (too many distinct series).\n"
		   "# TYPE berth_http_requests_uncounted_total counter\n"
		   "berth_http_requests_uncounted_total %llu\n",
		   (unsigned long long)dropped);
	for (int op = OP_PULL; op < OP_MAX; op++) {
		buf_printf(out,
			   "# HELP berth_%ss_in_flight %s running now.\n"
			   "# TYPE berth_%ss_in_flight gauge\n"
			   "berth_%ss_in_flight %lld\n",
			   op_names[op], op == OP_PULL ? "Image pulls" : "Image builds",
			   op_names[op], op_names[op], (long long)op_in_flight[op]);
		char name[64];
		snprintf(name, sizeof(name), "berth_%s_duration_seconds", op_names[op]);
		buf_printf(out,
			   "# HELP %s Duration of finished %ss (successful or not).\n"
			   "# TYPE %s histogram\n",
			   name, op_names[op], name);
		put_hist(out, name, "", &op_hist[op], op_buckets, NOB);
	}
	pthread_mutex_unlock(&metrics_mu);
}

static void
render_engine(struct engine *eng, struct buf *out)
{
	static const char *const states[] = {"created",	 "running", "paused", "restarting",
					     "removing", "exited",  "dead"};
	struct engine_info info;
	struct err e = ERR_INIT;

	if (engine_info(eng, &info, &e) < 0) {
		log_warn("metrics: %s", e.msg);
		return;
	}
	buf_puts(out, "# HELP berth_containers Containers by state.\n"
		      "# TYPE berth_containers gauge\n");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		buf_printf(out, "berth_containers{state=\"%s\"} %d\n", states[i],
			   info.containers_by_status[i]);
	buf_printf(out,
		   "# HELP berth_images Images in the store (tagged and untagged).\n"
		   "# TYPE berth_images gauge\n"
		   "berth_images %d\n"
		   "# HELP berth_shims_running berth-shim processes serving this daemon's "
		   "containers.\n"
		   "# TYPE berth_shims_running gauge\n"
		   "berth_shims_running %d\n",
		   info.images, engine_shims_running(eng));
}

/* berthd itself, under the names Prometheus clients' process collectors use. */
static void
render_process(struct buf *out)
{
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
	long long rss = 0, threads = 0, btime = 0;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl = {0};
	char line[1024];
	int fds = 0;

	/* fds first, before this function opens any of its own */
	DIR *d = opendir("/proc/self/fd");
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_name[0] != '.')
			fds++;
	if (d) {
		closedir(d);
		fds--; /* the directory's own fd */
	}
	_cleanup_fclose_ FILE *f = fopen("/proc/self/stat", "re");
	if (f && fgets(line, sizeof(line), f)) {
		/* fields after the ")" that ends comm: state is field 3 */
		char *p = strrchr(line, ')');
		if (p && sscanf(p + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d "
				"%*d "
				"%lld %*d %llu %llu %lld",
				&utime, &stime, &threads, &start, &vsize, &rss) != 6)
			utime = stime = start = vsize = 0, rss = threads = 0;
	}
	_cleanup_fclose_ FILE *st = fopen("/proc/stat", "re");
	while (st && fgets(line, sizeof(line), st))
		if (sscanf(line, "btime %lld", &btime) == 1)
			break;
	(void)getrlimit(RLIMIT_NOFILE, &rl);
	buf_printf(out,
		   "# HELP process_cpu_seconds_total User and system CPU time of berthd.\n"
		   "# TYPE process_cpu_seconds_total counter\n"
		   "process_cpu_seconds_total %.2f\n"
		   "# HELP process_open_fds Open file descriptors of berthd.\n"
		   "# TYPE process_open_fds gauge\n"
		   "process_open_fds %d\n"
		   "# HELP process_max_fds berthd's file descriptor limit.\n"
		   "# TYPE process_max_fds gauge\n"
		   "process_max_fds %llu\n"
		   "# HELP process_virtual_memory_bytes Virtual memory size of berthd.\n"
		   "# TYPE process_virtual_memory_bytes gauge\n"
		   "process_virtual_memory_bytes %llu\n"
		   "# HELP process_resident_memory_bytes Resident memory of berthd.\n"
		   "# TYPE process_resident_memory_bytes gauge\n"
		   "process_resident_memory_bytes %lld\n"
		   "# HELP process_start_time_seconds Start time of berthd since the Unix epoch.\n"
		   "# TYPE process_start_time_seconds gauge\n"
		   "process_start_time_seconds %.2f\n"
		   "# HELP berth_threads Threads of berthd.\n"
		   "# TYPE berth_threads gauge\n"
		   "berth_threads %lld\n",
		   tck > 0 ? (double)(utime + stime) / (double)tck : 0.0, fds,
		   (unsigned long long)rl.rlim_cur, vsize, rss * page,
		   tck > 0 ? (double)btime + (double)start / (double)tck : 0.0, threads);
}

void
api_metrics_render(struct engine *eng, struct buf *out)
{
	render_requests(out);
	render_engine(eng, out);
	render_process(out);
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned status, const char *ctype, char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body,
								    MHD_RESPMEM_MUST_FREE);
	enum MHD_Result r;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

enum MHD_Result
api_metrics_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
		   const char *version, const char *upload_data, size_t *upload_data_size,
		   void **req_cls)
{
	struct buf out = BUF_INIT;
	unsigned status = 200;
	const char *ctype = "text/plain; charset=utf-8";
	size_t len = 0;
	char *body;

	(void)version;
	(void)upload_data;
	if (!*req_cls) {
		*req_cls = conn; /* first call: headers only */
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a body on /metrics is ignored, as Go's mux does */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0) {
		status = 404;
		buf_puts(&out, "404 page not found\n");
	} else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = 405;
		buf_puts(&out, "Method Not Allowed\n");
	} else {
		ctype = "text/plain; version=0.0.4; charset=utf-8";
		api_metrics_render(cls, &out);
	}
	body = buf_detach(&out, &len);
	return reply_text(conn, status, ctype, body, len);
}
