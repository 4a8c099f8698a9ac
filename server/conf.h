/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berthd's configuration: the command line and a daemon.json with dockerd's
 * key names for what berth supports. The command line wins over the file;
 * an unknown key in the file is an error that names it.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "engine/util/err.h"

struct daemon_config {
	char **hosts;		/* NULL-terminated: unix:///path, tcp://host:port */
	char *data_root;
	char *exec_root;
	char *pidfile;
	char *config_file;
	char *log_level;
	char **insecure_registries;
	char **registry_mirrors;
	char **labels;
	char *bridge;
	char *bip;
	char **address_pools; /* --default-address-pool / default-address-pools: "base=..,size=.." */
	char **dns, **dns_search, **dns_opts; /* containers' defaults (dockerd's names) */
	char *host_gateway_ip;
	/* --default-ulimit / "default-ulimits": {"nofile": {"Name", "Soft", "Hard"}} or NULL */
	json_t *default_ulimits;
	char *log_driver; /* --log-driver: containers' default log driver */
	char **log_opts;  /* --log-opt "key=value" (daemon.json "log-opts" object) */
	bool debug;
	bool tls, tlsverify;
	char *tlscacert, *tlscert, *tlskey;
	char *group;		 /* owner group of unix sockets; NULL: "berth" if it exists */
	char *api_cors_header;	 /* origin allowed for browsers' writes ("*": any) */
	char **read_only_hosts;	 /* extra listeners serving only GET and HEAD */
	bool allow_insecure_tcp; /* plain tcp:// off loopback, warned about at every start */
	unsigned client_timeout; /* seconds; 0: CONF_DEFAULT_CLIENT_TIMEOUT */
	/* max-concurrent-downloads/-uploads (dockerd's) and -builds (berth's);
	 * 0: the engine's defaults (3, 5, 4); at most CONF_MAX_CONCURRENCY. */
	unsigned max_downloads, max_uploads, max_builds;
	unsigned max_download_attempts; /* per layer of a pull; 0: the registry client's 5 */

	/* Actions rather than settings. */
	bool show_version, show_help, dump_routes;
	bool validate; /* --validate: check the configuration and exit */
	char *metrics_addr; /* --metrics-addr host:port: Prometheus /metrics; NULL: off */
};

/*
 * Parses @argv into @cfg. Returns 0, or -EINVAL with @e saying what was
 * wrong (the caller prints it and exits 1).
 */
int conf_parse_args(struct daemon_config *cfg, int argc, char **argv, struct err *e);

/*
 * Reads the daemon.json at cfg->config_file (or the default path when that
 * file exists) and fills every setting the command line left unset.
 * -EINVAL naming the unknown key or the ill-typed value.
 */
int conf_load_file(struct daemon_config *cfg, struct err *e);

/* Fills defaults and checks combinations (e.g. plain TCP on a public address). */
int conf_finalize(struct daemon_config *cfg, struct err *e);

void conf_release(struct daemon_config *cfg);

/* True for a tcp:// host on 127.0.0.0/8, ::1 or localhost. */
bool conf_host_is_loopback(const char *host);

/* The --help text. */
void conf_usage(FILE *f);

#define CONF_DEFAULT_FILE "/etc/berth/daemon.json"
#define CONF_DEFAULT_CLIENT_TIMEOUT 60
/* The most any max-concurrent-* option may be (each slot may be a thread). */
#define CONF_MAX_CONCURRENCY 256
#define CONF_DEFAULT_SOCKET "unix:///run/berth.sock"
#define CONF_DEFAULT_TLS_DIR "/etc/berth"
