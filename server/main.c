/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berthd: parses the configuration, opens the engine (which locks the data
 * root), writes the pid file, opens the listeners, serves the API with one
 * libmicrohttpd daemon per listener, and shuts down cleanly on SIGTERM or
 * SIGINT. Signals are blocked in every thread and consumed here by sigwait.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api/api.h"
#include "api/metrics.h"
#include "api/hijack.h"
#include "api/stream.h"
#include "engine/archive/helper.h"
#include "engine/engine.h"
#include "engine/runtime/runtime.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/xalloc.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "server/conf.h"
#include "server/connguard.h"
#include "server/dashboard.h"
#include "server/frontdoor.h"
#include "server/listen.h"
#include "server/remap.h"
#include "server/tls.h"

#define MAX_LISTENERS 16

/* libmicrohttpd's printf-style messages (the attribute tells clang fmt is one). */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[1024];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("http: %s", msg);
}

/* --dashboard: set before the first listener starts, read-only afterwards. */
static struct dashboard *dashboard;
/* *req_cls of a request the dashboard answered (the API's state is never this). */
static char dashboard_request;

/*
 * The API's access handler, with the connection guard told of each call.
 * /dashboard/ is answered first, on every listener (read-only ones too:
 * it serves GET and HEAD only).
 */
static enum MHD_Result
access_guarded(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	       const char *version, const char *upload_data, size_t *upload_data_size,
	       void **req_cls)
{
	bool first = api_request_is_new(*req_cls);
	size_t n = *upload_data_size;
	enum MHD_Result r;

	connguard_handler_enter(conn);
	if (dashboard && (*req_cls == &dashboard_request || (!*req_cls && dashboard_owns(url)))) {
		*upload_data_size = 0; /* a body sent along is read and dropped */
		r = MHD_YES;
		if (first) {
			*req_cls = &dashboard_request;
			r = dashboard_serve(dashboard, conn, url, method);
		}
		connguard_handler_leave(conn, first, n);
		return r;
	}
	r = api_access_handler(cls, conn, url, method, version, upload_data, upload_data_size,
			       req_cls);
	connguard_handler_leave(conn, first, n);
	return r;
}

static void
completed_guarded(void *cls, struct MHD_Connection *conn, void **req_cls,
		  enum MHD_RequestTerminationCode toe)
{
	if (*req_cls == &dashboard_request)
		*req_cls = NULL;
	api_request_completed(cls, conn, req_cls, toe);
	connguard_request_done(conn);
}

/*
 * An MHD daemon of a listener (connection memory @pool), thread per
 * connection (handlers may block). MHD's own time-out stays off: it would
 * also cut a handler that blocks (wait, stop -t) or a quiet stream; the
 * guard cuts only connections that owe us a request. TCP listeners also get
 * a per-address connection limit.
 */
static struct MHD_Daemon *
start_http(struct listener *l, struct api_ctx *ctx, struct connguard *g, size_t pool, struct err *e)
{
	/* No listening socket of MHD's own: server/frontdoor.c (plain) or
	 * server/tls.c accepts and hands connections over. */
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_ALLOW_UPGRADE | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_USE_NO_LISTEN_SOCKET;
	unsigned per_ip = l->tcp ? LIMIT_CONNECTIONS_PER_ADDRESS : 0;
	struct MHD_Daemon *d;

	d = MHD_start_daemon(flags, 0, NULL, NULL, access_guarded, ctx, MHD_OPTION_NOTIFY_COMPLETED,
			     completed_guarded, ctx, MHD_OPTION_NOTIFY_CONNECTION, connguard_notify,
			     g, MHD_OPTION_CONNECTION_LIMIT, (unsigned)LIMIT_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
			     MHD_OPTION_URI_LOG_CALLBACK, api_uri_logged, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!d)
		err_set(e, -EIO, "cannot start the HTTP server on '%s'", l->host);
	return d;
}

static int
write_pidfile(const char *path, struct err *e)
{
	char pid[32];
	int r;

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	r = fs_write_atomic(path, pid, strlen(pid), 0644);
	if (r < 0)
		return err_errno(e, r, "cannot write pid file '%s'", path);
	return 0;
}

/*
 * @name beside berthd's own binary (a build tree) if @mode access(2)
 * allows it, else NULL. Kept for the daemon's life by the callers.
 */
static char *
beside_self(const char *name, int mode)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	slash[1] = '\0';
	_cleanup_free_ char *path = xasprintf("%s%s", self, name);
	return access(path, mode) == 0 ? TAKE_PTR(path) : NULL;
}

/* berth-shim beside berthd (a build tree) wins over the installed one. */
static void
find_shim(void)
{
	char *p;

	if (!getenv("BERTH_SHIM") && (p = beside_self("berth-shim", X_OK)))
		runtime_set_shim_path(p); /* kept for the daemon's life */
}

/*
 * The dashboard's files: --dashboard-dir, else "dashboard" beside berthd
 * when it holds an index.html (a build tree, as find_shim), else the
 * installed copy.
 */
static int
open_dashboard(const char *dir, struct err *e)
{
	_cleanup_free_ char *index = dir ? NULL : beside_self("dashboard/index.html", R_OK);

	if (!dir)
		dir = BERTH_DASHBOARD_DIR;
	if (index) {
		index[strlen(index) - strlen("/index.html")] = '\0';
		dir = index;
	}
	if (dashboard_open(dir, &dashboard, e) < 0)
		return err_prefix(e, "--dashboard");
	log_info("dashboard on /dashboard/ of every API listener, files from %s", dir);
	return 0;
}

/*
 * The extraction helper: $BERTH_UNTAR, else berth-untar beside berthd (a
 * build tree), else the installed one. Always set, so that berthd never
 * unpacks an archive in its own process.
 */
static void
find_untar(void)
{
	char *p;

	if (getenv("BERTH_UNTAR"))
		return;
	p = beside_self("berth-untar", X_OK);
	helper_set_path(p ? p : BERTH_LIBEXECDIR "/berth-untar"); /* kept for the daemon's life */
}

/* A positive number from the environment, else 0 (unset or invalid). */
static unsigned
env_uint(const char *name, unsigned max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return 0;
	n = strtoul(v, &end, 10);
	return *end || n > max ? 0 : (unsigned)n;
}

/* t_main: CLOCK_MONOTONIC at main()'s entry, for the start-up time logged */
static int
run(struct daemon_config *cfg, int64_t t_main)
{
	struct engine_config ecfg = {0};
	struct engine *eng = NULL;
	struct listener ls[MAX_LISTENERS];
	struct MHD_Daemon *ds[MAX_LISTENERS] = {0};
	struct MHD_Daemon *ds_large[MAX_LISTENERS] = {0}; /* plain: large first heads */
	struct connguard *gs[MAX_LISTENERS] = {0};
	struct tls_listener *tl[MAX_LISTENERS] = {0};
	struct frontdoor *fdoor[MAX_LISTENERS] = {0};
	struct tls_ctx *tls = NULL;
	struct api_ctx ctx = {0}, ctx_ro;
	struct listener metrics_l = {.fd = -1};
	struct MHD_Daemon *metrics_d = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;
	sigset_t set;
	int sig, rc = 1;

	ecfg.data_root = cfg->data_root;
	ecfg.exec_root = cfg->exec_root;
	ecfg.insecure_registries = cfg->insecure_registries;
	ecfg.registry_mirrors = cfg->registry_mirrors;
	ecfg.labels = cfg->labels;
	ecfg.bridge_name = cfg->bridge;
	ecfg.bridge_cidr = cfg->bip;
	ecfg.address_pools = cfg->address_pools;
	ecfg.dns = cfg->dns;
	ecfg.dns_search = cfg->dns_search;
	ecfg.dns_options = cfg->dns_opts;
	ecfg.host_gateway_ip = cfg->host_gateway_ip;
	ecfg.default_ulimits = cfg->default_ulimits;
	ecfg.log_driver = cfg->log_driver;
	ecfg.log_opts = cfg->log_opts;
	ecfg.debug = cfg->debug;
	if (cfg->userns_remap && *cfg->userns_remap &&
	    remap_resolve(cfg->userns_remap, &ecfg.userns_remap, &e) < 0) {
		log_error("%s", e.msg);
		return 1;
	}
	ecfg.max_concurrent_downloads = cfg->max_downloads;
	ecfg.max_concurrent_uploads = cfg->max_uploads;
	ecfg.max_concurrent_builds = cfg->max_builds;
	ecfg.max_download_attempts = cfg->max_download_attempts;
	/* Tests only (dockerd has no option for it): the length in ms of one
	 * "second" of the pull's retry back-off. */
	ecfg.retry_unit_ms = (unsigned)env_uint("BERTH_TEST_RETRY_UNIT_MS", 1000);

	/* Every thread created from here on inherits this mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	find_shim();
	find_untar();

	/* Certificates first: a bad file stops berthd before it touches anything. */
	if (cfg->tls) {
		struct tls_files f = {.verify = cfg->tlsverify,
				      .ca = cfg->tlscacert,
				      .cert = cfg->tlscert,
				      .key = cfg->tlskey};
		if (tls_ctx_new(&f, &tls, &e) < 0) {
			log_error("%s", e.msg);
			return 1;
		}
	}
	if (engine_open(&ecfg, &eng, &e) < 0) {
		tls_ctx_free(tls);
		log_error("%s", e.msg);
		return 1;
	}
	if (write_pidfile(cfg->pidfile, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	ctx.engine = eng;
	ctx.tmp_dir = eng->tmp_dir;
	ctx.log_requests = true;
	ctx.conn_upgraded = connguard_upgraded;
	ctx.cors_origin = cfg->api_cors_header;
	ctx_ro = ctx;
	ctx_ro.read_only = true;
	if (cfg->dashboard && open_dashboard(cfg->dashboard_dir, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	/* -H fd://: one listener per socket systemd passed */
	if (listen_expand_fd_hosts(&cfg->hosts, &e) < 0 ||
	    listen_expand_fd_hosts(&cfg->read_only_hosts, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	size_t n_rw = strv_len(cfg->hosts), n_all = n_rw + strv_len(cfg->read_only_hosts);
	for (; n < n_all; n++) {
		const char *host = n < n_rw ? cfg->hosts[n] : cfg->read_only_hosts[n - n_rw];
		bool ro = n >= n_rw;
		if (n == MAX_LISTENERS) {
			log_error("too many -H hosts (at most %d)", MAX_LISTENERS);
			goto out;
		}
		if (listen_open(host, cfg->group, &ls[n], &e) < 0) {
			log_error("%s", e.msg);
			goto out;
		}
		if (connguard_new(host,
				  cfg->client_timeout ? cfg->client_timeout
						      : CONF_DEFAULT_CLIENT_TIMEOUT,
				  LIMIT_WAITING_CONNECTIONS, &gs[n], &e) < 0) {
			log_error("%s", e.msg);
			n++;
			goto out;
		}
		bool tcp_tls = tls && ls[n].tcp;
		unsigned timeout = cfg->client_timeout ? cfg->client_timeout
						       : CONF_DEFAULT_CLIENT_TIMEOUT;
		if (ls[n].tcp && !ls[n].loopback && !tls && !cfg->allow_insecure_tcp) {
			/* the tcp:// rule (conf.c) for a socket systemd passed */
			log_error("refusing to serve '%s' (not a loopback address) without TLS: "
				  "use --tlsverify, or force it with --allow-insecure-tcp",
				  host);
			n++;
			goto out;
		}
		/* Plain listeners: a small connection memory unless the first head
		 * is large (frontdoor.h); TLS: the large one. */
		ds[n] = start_http(&ls[n], ro ? &ctx_ro : &ctx, gs[n],
				   tcp_tls ? LIMIT_MHD_CONN_MEMORY : LIMIT_MHD_CONN_MEMORY_SMALL,
				   &e);
		if (ds[n] && !tcp_tls)
			ds_large[n] = start_http(&ls[n], ro ? &ctx_ro : &ctx, gs[n],
						 LIMIT_MHD_CONN_MEMORY, &e);
		if (!ds[n] || (!tcp_tls && !ds_large[n])) {
			log_error("%s", e.msg);
			n++;
			goto out;
		}
		if (tcp_tls && tls_listener_start(tls, ls[n].fd, ds[n], LIMIT_TLS_HANDSHAKE_SECONDS,
						  &tl[n], &e) < 0) {
			log_error("%s", e.msg);
			n++;
			goto out;
		}
		if (!tcp_tls && frontdoor_start(ls[n].fd, ds[n], ds_large[n], timeout,
						LIMIT_WAITING_CONNECTIONS, &fdoor[n], &e) < 0) {
			log_error("%s", e.msg);
			n++;
			goto out;
		}
		if (!tcp_tls && ls[n].tcp && !ls[n].loopback)
			log_warn("API listening on %s WITHOUT TLS (--allow-insecure-tcp): anyone "
				 "who "
				 "can reach this address controls the host",
				 host);
		log_info("API listening on %s%s%s", host,
			 tcp_tls ? (cfg->tlsverify ? " (TLS, client certificates verified)"
						   : " (TLS)")
				 : "",
			 ro ? " (read-only: GET and HEAD only)" : "");
	}
	if (cfg->metrics_addr) {
		/* dockerd's --metrics-addr: plain HTTP, GET /metrics only */
		_cleanup_free_ char *mh = xasprintf("tcp://%s", cfg->metrics_addr);
		if (listen_open(mh, NULL, &metrics_l, &e) < 0) {
			log_error("metrics: %s", e.msg);
			goto out;
		}
		metrics_d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
						     MHD_USE_ITC | MHD_USE_ERROR_LOG,
					     0, NULL, NULL, api_metrics_access, eng,
					     MHD_OPTION_LISTEN_SOCKET, metrics_l.fd,
					     MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
					     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
					     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
					     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
					     MHD_OPTION_END);
		if (!metrics_d) {
			log_error("metrics: cannot start the HTTP server on %s", mh);
			goto out;
		}
		log_info("metrics on http://%s/metrics", cfg->metrics_addr);
	}
	listen_close_unused_activated();
	/* ready: every listener serves, every container was recovered before */
	log_info("berthd %s started in %lld ms (pid %d, data root %s, API %s)", PACKAGE_VERSION,
		 (long long)((time_mono_ns() - t_main) / 1000000), (int)getpid(),
		 eng->cfg.data_root, API_VERSION_STR);
	/* Type=notify: ready once every listener serves (no-op without systemd) */
	(void)sd_notifyf(0, "READY=1\nSTATUS=serving the API\nMAINPID=%d", (int)getpid());

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			(void)sd_notify(0, "RELOADING=1");
			if (!tls) {
				log_info("SIGHUP received, nothing to reload");
			} else if (tls_ctx_reload(tls, &e) < 0) {
				log_error("SIGHUP: keeping the current TLS certificates: %s",
					  e.msg);
				err_clear(&e);
			} else {
				log_info("SIGHUP: TLS certificates reloaded");
			}
			(void)sd_notify(0, "READY=1");
			continue;
		}
		log_info("%s received, shutting down", strsignal(sig));
		(void)sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
		break;
	}
	rc = 0;
out:
	/* Wake every blocked stream so connection threads can finish. */
	api_streams_shutdown();
	api_hijacks_shutdown(2000);
	for (size_t i = 0; i < n; i++) {
		tls_listener_stop(tl[i]);
		frontdoor_free(fdoor[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (ds[i])
			MHD_stop_daemon(ds[i]);
		if (ds_large[i])
			MHD_stop_daemon(ds_large[i]);
		tls_listener_free(tl[i]);
		connguard_free(gs[i]);
		listen_close(&ls[i]);
	}
	if (metrics_d) {
		MHD_socket s = MHD_quiesce_daemon(metrics_d);
		MHD_stop_daemon(metrics_d);
		if (s != MHD_INVALID_SOCKET)
			metrics_l.fd = s;
	}
	if (metrics_l.host)
		listen_close(&metrics_l);
	tls_ctx_free(tls);
	dashboard_free(dashboard);
	dashboard = NULL;
	unlink(cfg->pidfile);
	engine_close(eng);
	log_info("berthd stopped");
	return rc;
}

int
main(int argc, char **argv)
{
	const int64_t t_main = time_mono_ns();
	struct daemon_config cfg = {0};
	struct err e = ERR_INIT;
	enum log_level level;
	int rc;

	/* A thread per connection: glibc would give each new thread its own
	 * malloc arena (up to 8 per core), each keeping what it freed, so the
	 * daemon's RSS grew by megabytes after every burst of clients (the
	 * soak test, tests/soak/soak.sh, saw +8 MiB after 15 s; +0.3 MiB with
	 * two arenas; docs/performance.md, "Memory"). MALLOC_ARENA_MAX in the
	 * environment still wins. */
	if (!getenv("MALLOC_ARENA_MAX"))
		(void)mallopt(M_ARENA_MAX, 2);
	/* What the parent left open (a shell's saved descriptors, a pipe of the
	 * supervisor) must not reach helpers, shims and containers. */
	(void)fs_cloexec_from(3);
	if (conf_parse_args(&cfg, argc, argv, &e) < 0) {
		fprintf(stderr, "berthd: %s\nSee 'berthd --help'.\n", e.msg);
		conf_release(&cfg);
		return 1;
	}
	if (cfg.show_help) {
		conf_usage(stdout);
		conf_release(&cfg);
		return 0;
	}
	if (cfg.show_version) {
		printf("berthd version %s, API %s (minimum %s)\n", PACKAGE_VERSION, API_VERSION_STR,
		       API_MIN_VERSION_STR);
		conf_release(&cfg);
		return 0;
	}
	if (cfg.dump_routes) {
		api_dump_routes(stdout);
		conf_release(&cfg);
		return 0;
	}
	if (conf_load_file(&cfg, &e) < 0 || conf_finalize(&cfg, &e) < 0) {
		fprintf(stderr, "berthd: %s\n", e.msg);
		conf_release(&cfg);
		return 1;
	}
	if (log_level_parse(cfg.log_level, &level) < 0) {
		fprintf(stderr, "berthd: unknown log level '%s' (debug, info, warn, error)\n",
			cfg.log_level);
		conf_release(&cfg);
		return 1;
	}
	if (cfg.validate) {
		/* as dockerd --validate: flags and file parsed and checked, nothing started */
		printf("configuration OK\n");
		conf_release(&cfg);
		return 0;
	}
	log_set_level(level);
	(void)log_detect_journal();
	if (geteuid() != 0)
		log_warn("not running as root: containers will not start");
	rc = run(&cfg, t_main);
	conf_release(&cfg);
	return rc;
}
