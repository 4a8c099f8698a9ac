/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line and daemon.json parsing. Settings from the command line are
 * recorded first; the file only fills what is still unset, so the command
 * line always wins. Lists given on the command line replace the file's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/jsonget.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "server/conf.h"

void
conf_usage(FILE *f)
{
	fputs("Usage: berthd [OPTIONS]\n"
	      "\n"
	      "A container engine that serves the Docker Engine API.\n"
	      "\n"
	      "Options:\n"
	      "  -H, --host URL              socket to listen on (repeatable): unix:///path or\n"
	      "                              tcp://host:port, or fd:// for the sockets systemd\n"
	      "                              passed (fd://N: one of them) (default\n"
	      "                              " CONF_DEFAULT_SOCKET ")\n"
	      "      --data-root DIR         persistent state (default /var/lib/berth)\n"
	      "      --exec-root DIR         sockets and run-time state (default /run/berth)\n"
	      "  -p, --pidfile FILE          pid file (default /run/berthd.pid)\n"
	      "      --config-file FILE      daemon.json (default " CONF_DEFAULT_FILE ")\n"
	      "  -l, --log-level LEVEL       debug, info, warn, error (default info)\n"
	      "  -D, --debug                 debug logging\n"
	      "      --insecure-registry R   registry reached over plain HTTP (repeatable)\n"
	      "      --registry-mirror URL   mirror for docker.io (repeatable)\n"
	      "      --label K=V             daemon label shown by docker info (repeatable)\n"
	      "  -b, --bridge NAME           default bridge (default berth0)\n"
	      "      --bip CIDR              address of the default bridge (default 10.88.0.1/16)\n"
	      "      --default-address-pool base=CIDR,size=N\n"
	      "                              pool for networks' automatic subnets (repeatable)\n"
	      "      --dns IP                DNS server for containers (repeatable)\n"
	      "      --dns-search DOMAIN     DNS search domain for containers (repeatable)\n"
	      "      --dns-opt OPTION        resolv.conf option for containers (repeatable)\n"
	      "      --log-driver NAME       containers' default log driver: json-file (default),\n"
	      "                              local or none\n"
	      "      --log-opt KEY=VALUE     default log driver option, e.g. max-size=10m "
	      "(repeatable)\n"
	      "      --host-gateway-ip IP    address of \"host-gateway\" in --add-host\n"
	      "                              (default: the default bridge's gateway)\n"
	      "      --default-ulimit N=S[:H] default ulimit for containers (repeatable)\n"
	      "      --max-download-attempts N\n"
	      "                              attempts per layer of a pull (default 5)\n"
	      "      --client-timeout SECS   close a connection that sends no complete request\n"
	      "                              (or no body) for this long (default 60)\n"
	      "      --max-concurrent-downloads N  layers downloaded at once, all pulls\n"
	      "                              together (default 3)\n"
	      "      --max-concurrent-uploads N    layers pushed at once (default 5)\n"
	      "      --max-concurrent-builds N     builds run at once; more wait (default 4)\n"
	      "      --tls                   TLS on tcp:// listeners (port 2376 by default)\n"
	      "      --tlsverify             TLS, and clients need a certificate signed by the CA\n"
	      "      --tlscacert F           CA for client certificates (/etc/berth/ca.pem)\n"
	      "      --tlscert F             server certificate (/etc/berth/cert.pem)\n"
	      "      --tlskey F              server key (/etc/berth/key.pem); SIGHUP reloads all "
	      "three\n"
	      "      --allow-insecure-tcp    allow plain tcp:// on a non-loopback address "
	      "(unsafe)\n"
	      "      --metrics-addr ADDR     serve Prometheus metrics on http://ADDR/metrics\n"
	      "                              (host:port, e.g. 127.0.0.1:9323; default off)\n"
	      "      --validate              check the flags and the configuration file, print\n"
	      "                              \"configuration OK\" and exit (1 on an error)\n"
	      "  -v, --version               print the version and exit\n"
	      "  -h, --help                  print this help and exit\n",
	      f);
}

enum {
	OPT_DATA_ROOT = 1000,
	OPT_EXEC_ROOT,
	OPT_CONFIG_FILE,
	OPT_INSECURE,
	OPT_MIRROR,
	OPT_LABEL,
	OPT_BIP,
	OPT_TLS,
	OPT_TLSVERIFY,
	OPT_TLSCACERT,
	OPT_TLSCERT,
	OPT_TLSKEY,
	OPT_INSECURE_TCP,
	OPT_CORS,
	OPT_RO_HOST,
	OPT_DUMP_ROUTES,
	OPT_CLIENT_TIMEOUT,
	OPT_MAX_DOWNLOADS,
	OPT_MAX_UPLOADS,
	OPT_MAX_BUILDS,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPT,
	OPT_HOST_GATEWAY_IP,
	OPT_ADDRESS_POOL,
	OPT_DEFAULT_ULIMIT,
	OPT_LOG_DRIVER,
	OPT_LOG_OPT,
	OPT_MAX_DOWNLOAD_ATTEMPTS,
	OPT_VALIDATE,
	OPT_METRICS_ADDR,
};

/* --max-concurrent-WHAT N: 1 to CONF_MAX_CONCURRENCY (dockerd: "invalid max concurrent downloads: -1"). */
static int
parse_count(const char *what, const char *arg, unsigned *ret, struct err *e)
{
	uint64_t v;

	if (parse_uint64(arg, CONF_MAX_CONCURRENCY, &v) < 0 || v == 0)
		return err_set(e, -EINVAL, "invalid max concurrent %s: %s (1 to %d)", what, arg,
			       CONF_MAX_CONCURRENCY);
	*ret = (unsigned)v;
	return 0;
}

/* --default-ulimit nofile=1024[:2048] (go-units ParseUlimit; the name checked at start). */
static int
parse_ulimit_flag(struct daemon_config *cfg, const char *arg, struct err *e)
{
	const char *eq = strchr(arg, '=');
	long long soft, hard;
	char *end;

	if (!eq || eq == arg)
		goto bad;
	soft = strtoll(eq + 1, &end, 10);
	if (end == eq + 1 || (*end && *end != ':'))
		goto bad;
	hard = soft;
	if (*end == ':') {
		const char *h = end + 1;
		hard = strtoll(h, &end, 10);
		if (end == h || *end)
			goto bad;
	}
	if (soft > hard)
		return err_set(e, -EINVAL,
			       "invalid value \"%s\" for flag --default-ulimit: ulimit soft limit "
			       "must be less than or equal to hard limit: %lld > %lld",
			       arg, soft, hard);
	if (!cfg->default_ulimits)
		cfg->default_ulimits = json_object();
	{
		_cleanup_free_ char *name = xstrndup(arg, (size_t)(eq - arg));
		json_object_set_new(cfg->default_ulimits, name,
				    json_pack("{s:s,s:I,s:I}", "Name", name, "Soft",
					      (json_int_t)soft, "Hard", (json_int_t)hard));
	}
	return 0;
bad:
	return err_set(e, -EINVAL,
		       "invalid value \"%s\" for flag --default-ulimit: invalid ulimit argument: "
		       "%s",
		       arg, arg);
}

int
conf_parse_args(struct daemon_config *cfg, int argc, char **argv, struct err *e)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'},
		{"data-root", required_argument, NULL, OPT_DATA_ROOT},
		{"exec-root", required_argument, NULL, OPT_EXEC_ROOT},
		{"pidfile", required_argument, NULL, 'p'},
		{"config-file", required_argument, NULL, OPT_CONFIG_FILE},
		{"log-level", required_argument, NULL, 'l'},
		{"debug", no_argument, NULL, 'D'},
		{"insecure-registry", required_argument, NULL, OPT_INSECURE},
		{"registry-mirror", required_argument, NULL, OPT_MIRROR},
		{"label", required_argument, NULL, OPT_LABEL},
		{"bridge", required_argument, NULL, 'b'},
		{"bip", required_argument, NULL, OPT_BIP},
		{"dns", required_argument, NULL, OPT_DNS},
		{"dns-search", required_argument, NULL, OPT_DNS_SEARCH},
		{"dns-opt", required_argument, NULL, OPT_DNS_OPT},
		{"host-gateway-ip", required_argument, NULL, OPT_HOST_GATEWAY_IP},
		{"default-address-pool", required_argument, NULL, OPT_ADDRESS_POOL},
		{"default-ulimit", required_argument, NULL, OPT_DEFAULT_ULIMIT},
		{"log-driver", required_argument, NULL, OPT_LOG_DRIVER},
		{"log-opt", required_argument, NULL, OPT_LOG_OPT},
		{"tls", no_argument, NULL, OPT_TLS},
		{"tlsverify", no_argument, NULL, OPT_TLSVERIFY},
		{"tlscacert", required_argument, NULL, OPT_TLSCACERT},
		{"tlscert", required_argument, NULL, OPT_TLSCERT},
		{"tlskey", required_argument, NULL, OPT_TLSKEY},
		{"allow-insecure-tcp", no_argument, NULL, OPT_INSECURE_TCP},
		{"group", required_argument, NULL, 'G'},
		{"api-cors-header", required_argument, NULL, OPT_CORS},
		{"read-only-host", required_argument, NULL, OPT_RO_HOST},
		{"dump-routes", no_argument, NULL, OPT_DUMP_ROUTES},
		{"client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT},
		{"max-concurrent-downloads", required_argument, NULL, OPT_MAX_DOWNLOADS},
		{"max-concurrent-uploads", required_argument, NULL, OPT_MAX_UPLOADS},
		{"max-concurrent-builds", required_argument, NULL, OPT_MAX_BUILDS},
		{"max-download-attempts", required_argument, NULL, OPT_MAX_DOWNLOAD_ATTEMPTS},
		{"validate", no_argument, NULL, OPT_VALIDATE},
		{"metrics-addr", required_argument, NULL, OPT_METRICS_ADDR},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":H:p:l:Db:G:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'H': strv_append(&cfg->hosts, optarg); break;
		case OPT_DATA_ROOT: free(cfg->data_root); cfg->data_root = xstrdup(optarg); break;
		case OPT_EXEC_ROOT: free(cfg->exec_root); cfg->exec_root = xstrdup(optarg); break;
		case 'p': free(cfg->pidfile); cfg->pidfile = xstrdup(optarg); break;
		case OPT_CONFIG_FILE: free(cfg->config_file); cfg->config_file = xstrdup(optarg); break;
		case 'l': free(cfg->log_level); cfg->log_level = xstrdup(optarg); break;
		case 'D': cfg->debug = true; break;
		case OPT_INSECURE: strv_append(&cfg->insecure_registries, optarg); break;
		case OPT_MIRROR: strv_append(&cfg->registry_mirrors, optarg); break;
		case OPT_LABEL: strv_append(&cfg->labels, optarg); break;
		case 'b': free(cfg->bridge); cfg->bridge = xstrdup(optarg); break;
		case OPT_BIP: free(cfg->bip); cfg->bip = xstrdup(optarg); break;
		case OPT_DNS: strv_append(&cfg->dns, optarg); break;
		case OPT_ADDRESS_POOL: strv_append(&cfg->address_pools, optarg); break;
		case OPT_DNS_SEARCH: strv_append(&cfg->dns_search, optarg); break;
		case OPT_DNS_OPT: strv_append(&cfg->dns_opts, optarg); break;
		case OPT_HOST_GATEWAY_IP:
			free(cfg->host_gateway_ip);
			cfg->host_gateway_ip = xstrdup(optarg);
			break;
		case OPT_DEFAULT_ULIMIT:
			if (parse_ulimit_flag(cfg, optarg, e) < 0)
				return -EINVAL;
			break;
		case OPT_LOG_DRIVER:
			free(cfg->log_driver);
			cfg->log_driver = xstrdup(optarg);
			break;
		case OPT_LOG_OPT:
			/* dockerd's opts.ValidateSingleGenericOpt wording */
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return err_set(e, -EINVAL,
					       "invalid argument \"%s\" for \"--log-opt\" flag: "
					       "invalid key value pair format in driver options",
					       optarg);
			strv_append(&cfg->log_opts, optarg);
			break;
		case OPT_TLS: cfg->tls = true; break;
		case OPT_TLSVERIFY: cfg->tlsverify = true; break;
		case OPT_TLSCACERT: free(cfg->tlscacert); cfg->tlscacert = xstrdup(optarg); break;
		case OPT_TLSCERT: free(cfg->tlscert); cfg->tlscert = xstrdup(optarg); break;
		case OPT_TLSKEY: free(cfg->tlskey); cfg->tlskey = xstrdup(optarg); break;
		case OPT_INSECURE_TCP: cfg->allow_insecure_tcp = true; break;
		case 'G':
			free(cfg->group);
			cfg->group = xstrdup(optarg);
			break;
		case OPT_CORS:
			free(cfg->api_cors_header);
			cfg->api_cors_header = xstrdup(optarg);
			break;
		case OPT_RO_HOST: strv_append(&cfg->read_only_hosts, optarg); break;
		case OPT_DUMP_ROUTES: cfg->dump_routes = true; break;
		case OPT_CLIENT_TIMEOUT: {
			uint64_t v;
			if (parse_uint64(optarg, 86400, &v) < 0 || v == 0)
				return err_set(e, -EINVAL,
					       "invalid --client-timeout '%s': 1 to 86400 seconds",
					       optarg);
			cfg->client_timeout = (unsigned)v;
			break;
		}
		case OPT_MAX_DOWNLOADS:
			if (parse_count("downloads", optarg, &cfg->max_downloads, e) < 0)
				return -EINVAL;
			break;
		case OPT_MAX_UPLOADS:
			if (parse_count("uploads", optarg, &cfg->max_uploads, e) < 0)
				return -EINVAL;
			break;
		case OPT_MAX_BUILDS:
			if (parse_count("builds", optarg, &cfg->max_builds, e) < 0)
				return -EINVAL;
			break;
		case OPT_MAX_DOWNLOAD_ATTEMPTS: {
			uint64_t v;
			/* dockerd's config.ValidateMaxDownloadAttempts wording */
			if (parse_uint64(optarg, 1000, &v) < 0 || v == 0)
				return err_set(e, -EINVAL, "invalid max download attempts: %s",
					       optarg);
			cfg->max_download_attempts = (unsigned)v;
			break;
		}
		case OPT_VALIDATE: cfg->validate = true; break;
		case OPT_METRICS_ADDR:
			free(cfg->metrics_addr);
			cfg->metrics_addr = xstrdup(optarg);
			break;
		case 'v': cfg->show_version = true; break;
		case 'h': cfg->show_help = true; break;
		case ':':
			return err_set(e, -EINVAL, "flag needs an argument: %s", argv[optind - 1]);
		default:
			return err_set(e, -EINVAL, "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return err_set(e, -EINVAL, "berthd takes no arguments, got '%s'", argv[optind]);
	return 0;
}

/* One daemon.json key: how to store it. */
enum key_kind { K_STRING, K_BOOL, K_STRV, K_SECONDS, K_ATTEMPTS, K_STRMAP, K_POOLS, K_ULIMITS,
		K_COUNT };
struct key_spec {
	const char *name;
	enum key_kind kind;
	size_t offset;
};

#define KEY(n, k, field) { n, k, offsetof(struct daemon_config, field) }
static const struct key_spec keys[] = {
	KEY("hosts", K_STRV, hosts),
	KEY("data-root", K_STRING, data_root),
	KEY("exec-root", K_STRING, exec_root),
	KEY("pidfile", K_STRING, pidfile),
	KEY("log-level", K_STRING, log_level),
	KEY("debug", K_BOOL, debug),
	KEY("insecure-registries", K_STRV, insecure_registries),
	KEY("registry-mirrors", K_STRV, registry_mirrors),
	KEY("labels", K_STRV, labels),
	KEY("bridge", K_STRING, bridge),
	KEY("bip", K_STRING, bip),
	KEY("default-address-pools", K_POOLS, address_pools),
	KEY("dns", K_STRV, dns),
	KEY("dns-search", K_STRV, dns_search),
	KEY("dns-opts", K_STRV, dns_opts),
	KEY("host-gateway-ip", K_STRING, host_gateway_ip),
	KEY("default-ulimits", K_ULIMITS, default_ulimits),
	KEY("log-driver", K_STRING, log_driver),
	KEY("log-opts", K_STRMAP, log_opts),
	KEY("tls", K_BOOL, tls),
	KEY("tlsverify", K_BOOL, tlsverify),
	KEY("tlscacert", K_STRING, tlscacert),
	KEY("tlscert", K_STRING, tlscert),
	KEY("tlskey", K_STRING, tlskey),
	KEY("allow-insecure-tcp", K_BOOL, allow_insecure_tcp),
	KEY("group", K_STRING, group),
	KEY("metrics-addr", K_STRING, metrics_addr),
	KEY("api-cors-header", K_STRING, api_cors_header),
	KEY("read-only-hosts", K_STRV, read_only_hosts),
	KEY("client-timeout", K_SECONDS, client_timeout),
	KEY("max-concurrent-downloads", K_COUNT, max_downloads),
	KEY("max-concurrent-uploads", K_COUNT, max_uploads),
	KEY("max-concurrent-builds", K_COUNT, max_builds),
	KEY("max-download-attempts", K_ATTEMPTS, max_download_attempts),
};

static void
append_pool(char ***v, const char *base, json_int_t size)
{
	_cleanup_free_ char *s = xasprintf("base=%.64s,size=%lld", base, (long long)size);
	strv_append(v, s);
}

/*
 * daemon.json's default-address-pools, [{"base": "10.10.0.0/16", "size":
 * 24}, ...], kept in the flag's "base=...,size=..." form (the network
 * module checks the values when it opens).
 */
static int
apply_pools(char ***field, json_t *v, const char *path, struct err *e)
{
	_cleanup_strv_ char **out = NULL;
	size_t i;
	json_t *p;

	if (!json_is_array(v) || json_array_size(v) > 256)
		return err_set(e, -EINVAL,
			       "%s: \"default-address-pools\" must be a list of "
			       "{\"base\": CIDR, \"size\": N}",
			       path);
	json_array_foreach(v, i, p) {
		json_t *base = json_object_get(p, "base"), *size = json_object_get(p, "size");
		if (!json_is_object(p) || !json_is_string(base) || !json_is_integer(size) ||
		    json_object_size(p) != 2)
			return err_set(e, -EINVAL,
				       "%s: default-address-pools[%zu] must be {\"base\": CIDR, "
				       "\"size\": N}",
				       path, i);
		append_pool(&out, json_string_value(base), json_integer_value(size));
	}
	if (!*field)
		*field = TAKE_PTR(out);
	return 0;
}

/*
 * "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}},
 * kept as {Name, Soft, Hard} by name; the names themselves are checked when
 * a container starts, as dockerd does. The command line's entries win.
 */
static int
apply_ulimits(struct daemon_config *cfg, json_t *v, const char *path, struct err *e)
{
	const char *name;
	json_t *u;

	if (!json_is_object(v))
		return err_set(e, -EINVAL, "%s: \"default-ulimits\" must be an object", path);
	if (!cfg->default_ulimits)
		cfg->default_ulimits = json_object();
	json_object_foreach(v, name, u) {
		json_t *soft = json_object_get(u, "Soft"), *hard = json_object_get(u, "Hard");
		json_t *n = json_object_get(u, "Name");
		if (!json_is_object(u) || (soft && !json_is_integer(soft)) ||
		    (hard && !json_is_integer(hard)) || (n && !json_is_string(n)))
			return err_set(e, -EINVAL,
				       "%s: \"default-ulimits\": \"%s\" must be {\"Name\", "
				       "\"Soft\", \"Hard\"}",
				       path, name);
		if (json_object_get(cfg->default_ulimits, name))
			continue;
		json_object_set_new(cfg->default_ulimits, name,
				    json_pack("{s:s,s:I,s:I}", "Name",
					      n ? json_string_value(n) : name, "Soft",
					      json_integer_value(soft), "Hard",
					      json_integer_value(hard)));
	}
	return 0;
}

/* Applies key @k of @root (present, maybe null) unless the command line set it. */
static int
apply_key(struct daemon_config *cfg, const struct key_spec *k, json_t *root, const char *path,
	  struct err *e)
{
	void *field = (char *)cfg + k->offset;
	/* A null value is refused as a wrong type here, not taken as "unset". */
	bool null = json_is_null(json_object_get(root, k->name));

	switch (k->kind) {
	case K_STRING: {
		char **s = field;
		_cleanup_free_ char *v = NULL;
		if (null || jsonget_str(root, k->name, &v) < 0)
			return err_set(e, -EINVAL, "%s: \"%s\" must be a string", path, k->name);
		if (!*s)
			*s = TAKE_PTR(v);
		return 0;
	}
	case K_BOOL: {
		bool *b = field, v = false;
		if (null || jsonget_bool(root, k->name, &v) < 0)
			return err_set(e, -EINVAL, "%s: \"%s\" must be true or false", path, k->name);
		if (!*b)
			*b = v;
		return 0;
	}
	case K_SECONDS: {
		unsigned *u = field;
		int64_t v = 0;
		if (null || jsonget_int64(root, k->name, &v) < 0 || v < 1 || v > 86400)
			return err_set(e, -EINVAL, "%s: \"%s\" must be a number of seconds (1 to 86400)",
				       path, k->name);
		if (!*u)
			*u = (unsigned)v;
		return 0;
	}
	case K_COUNT: {
		unsigned *u = field;
		int64_t v = 0;
		if (null || jsonget_int64(root, k->name, &v) < 0)
			return err_set(e, -EINVAL, "%s: \"%s\" must be a number", path, k->name);
		/* dockerd's words, with berth's range */
		if (v < 1 || v > CONF_MAX_CONCURRENCY)
			return err_set(e, -EINVAL, "%s: invalid max concurrent %s: %lld (1 to %d)",
				       path, k->name + strlen("max-concurrent-"), (long long)v,
				       CONF_MAX_CONCURRENCY);
		if (!*u)
			*u = (unsigned)v;
		return 0;
	}
	case K_ATTEMPTS: {
		unsigned *u = field;
		int64_t v = 0;
		if (null || jsonget_int64(root, k->name, &v) < 0 || v < 1 || v > 1000)
			return err_set(e, -EINVAL, "%s: invalid max download attempts: %s", path,
				       null ? "null" : "not a number from 1 to 1000");
		if (!*u)
			*u = (unsigned)v;
		return 0;
	}
	case K_POOLS: return apply_pools(field, json_object_get(root, k->name), path, e);
	case K_ULIMITS: return apply_ulimits(cfg, json_object_get(root, k->name), path, e);
	case K_STRMAP: {
		/* an object of strings, kept as "key=value" like the flag */
		char ***sv = field;
		json_t *m = json_object_get(root, k->name), *v;
		_cleanup_strv_ char **kv = NULL;
		const char *key;
		if (!json_is_object(m))
			return err_set(e, -EINVAL, "%s: \"%s\" must be an object of strings", path,
				       k->name);
		json_object_foreach(m, key, v) {
			if (!json_is_string(v))
				return err_set(e, -EINVAL,
					       "%s: \"%s\" must be an object of strings", path,
					       k->name);
			_cleanup_free_ char *s = xasprintf("%s=%s", key, json_string_value(v));
			strv_append(&kv, s);
		}
		if (!*sv)
			*sv = TAKE_PTR(kv);
		return 0;
	}
	case K_STRV: {
		char ***sv = field;
		_cleanup_strv_ char **v = NULL;
		if (null || jsonget_strv(root, k->name, false, &v) < 0)
			return err_set(e, -EINVAL, "%s: \"%s\" must be a list of strings", path,
				       k->name);
		if (!*sv)
			*sv = TAKE_PTR(v);
		return 0;
	}
	}
	return 0;
}

int
conf_load_file(struct daemon_config *cfg, struct err *e)
{
	const char *path = cfg->config_file ? cfg->config_file : CONF_DEFAULT_FILE;
	_cleanup_buf_ struct buf text = BUF_INIT;
	_cleanup_buf_ struct buf unknown = BUF_INIT;
	json_error_t jerr;
	const char *key;
	json_t *v, *root;
	int r;

	r = fs_read_file(path, 1024 * 1024, &text);
	if (r == -ENOENT && !cfg->config_file)
		return 0;
	if (r < 0)
		return err_errno(e, r, "unable to configure the daemon with file %s", path);
	root = json_loadb(text.data, text.len, 0, &jerr);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return err_set(e, -EINVAL,
			       "unable to configure the daemon with file %s: %s (line %d)", path,
			       root ? "not a JSON object" : jerr.text, jerr.line);
	}
	/* Name every unknown key at once, as dockerd does. */
	json_object_foreach(root, key, v) {
		bool known = false;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(keys[i].name, key) == 0)
				known = true;
		if (!known)
			buf_printf(&unknown, "%s%s", unknown.len ? ", " : "", key);
	}
	if (unknown.len) {
		json_decref(root);
		return err_set(e, -EINVAL,
			       "unable to configure the daemon with file %s: the following directives don't match any configuration option: %s",
			       path, unknown.data);
	}
	r = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && r == 0; i++) {
		if (json_object_get(root, keys[i].name))
			r = apply_key(cfg, &keys[i], root, path, e);
	}
	json_decref(root);
	return r;
}

/* True for 127.0.0.0/8, ::1 and "localhost". */
static bool
is_loopback_name(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* A Linux interface name berth may create: 1-15 of [A-Za-z0-9_.-], not starting with '-'. */
static bool
bridge_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* Checks one -H value, giving a tcp:// host without a port dockerd's default. */
static int
finalize_host(struct daemon_config *cfg, char **slot, struct err *e)
{
	const char *h = *slot, *rest;
	/* tcp://host without a port: dockerd's 2376 with TLS, 2375 without. */
	if (str_startswith(h, "tcp://", &rest) && *rest &&
	    (!strchr(rest, ':') || rest[strlen(rest) - 1] == ']')) {
		char *full = xasprintf("%s:%d", h, cfg->tls ? 2376 : 2375);
		free(*slot);
		*slot = full;
		h = full;
	}
	/* fd://, fd://N (and "fd://" "*"): sockets systemd passed (checked when opened) */
	if (str_startswith(h, "fd://", &rest))
		return 0;
	if (str_startswith(h, "unix://", &rest)) {
		if (rest[0] != '/')
			return err_set(e, -EINVAL,
				       "invalid host '%s': the socket path must be absolute", h);
		return 0;
	}
	if (!str_startswith(h, "tcp://", &rest))
		return err_set(e, -EINVAL,
			       "invalid host '%s': use unix:///path, tcp://host:port or fd://", h);
	_cleanup_free_ char *host = NULL;
	const char *colon = strrchr(rest, ':');
	if (!colon || colon == rest)
		return err_set(e, -EINVAL, "invalid host '%s': tcp needs host:port", h);
	host = xstrndup(rest, (size_t)(colon - rest));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (!is_loopback_name(host) && !cfg->tls && !cfg->allow_insecure_tcp)
		return err_set(e, -EINVAL,
			       "refusing to listen on '%s' without TLS: anyone who can "
			       "reach it would control the host. "
			       "Use --tlsverify (see scripts/make-certs.sh), listen on "
			       "127.0.0.1 or a unix socket, "
			       "or force it with --allow-insecure-tcp",
			       h);
	return 0;
}

int
conf_finalize(struct daemon_config *cfg, struct err *e)
{
	unsigned char ip[16];

	/* dockerd's opts.ValidateIPAddress wording for these flags. */
	for (size_t i = 0; cfg->dns && cfg->dns[i]; i++)
		if (inet_pton(AF_INET, cfg->dns[i], ip) != 1 &&
		    inet_pton(AF_INET6, cfg->dns[i], ip) != 1)
			return err_set(e, -EINVAL,
				       "invalid argument \"%s\" for \"--dns\" flag: %s is not an "
				       "ip address",
				       cfg->dns[i], cfg->dns[i]);
	if (cfg->host_gateway_ip && inet_pton(AF_INET, cfg->host_gateway_ip, ip) != 1 &&
	    inet_pton(AF_INET6, cfg->host_gateway_ip, ip) != 1)
		return err_set(e, -EINVAL,
			       "invalid argument \"%s\" for \"--host-gateway-ip\" flag: %s is not "
			       "an ip address",
			       cfg->host_gateway_ip, cfg->host_gateway_ip);
	if (cfg->bridge && !bridge_name_ok(cfg->bridge))
		return err_set(e, -EINVAL,
			       "invalid bridge name '%s': 1 to 15 letters, digits, '_', '.' or '-', not starting with '-'",
			       cfg->bridge);
	if (cfg->metrics_addr) {
		const char *colon = strrchr(cfg->metrics_addr, ':');
		uint64_t port;
		if (!colon || colon == cfg->metrics_addr ||
		    parse_uint64(colon + 1, 65535, &port) < 0)
			return err_set(e, -EINVAL,
				       "invalid --metrics-addr '%s': use host:port, e.g. "
				       "127.0.0.1:9323",
				       cfg->metrics_addr);
	}
	if (!cfg->hosts || !cfg->hosts[0]) {
		strv_free(cfg->hosts);
		cfg->hosts = NULL;
		strv_append(&cfg->hosts, CONF_DEFAULT_SOCKET);
	}
	if (!cfg->data_root)
		cfg->data_root = xstrdup("/var/lib/berth");
	if (!cfg->exec_root)
		cfg->exec_root = xstrdup("/run/berth");
	if (!cfg->pidfile)
		cfg->pidfile = xstrdup("/run/berthd.pid");
	if (cfg->debug && !cfg->log_level)
		cfg->log_level = xstrdup("debug");
	if (!cfg->log_level)
		cfg->log_level = xstrdup("info");
	if (cfg->tlsverify)
		cfg->tls = true;
	for (size_t i = 0; cfg->hosts[i]; i++)
		if (finalize_host(cfg, &cfg->hosts[i], e) < 0)
			return e->code;
	for (size_t i = 0; cfg->read_only_hosts && cfg->read_only_hosts[i]; i++)
		if (finalize_host(cfg, &cfg->read_only_hosts[i], e) < 0)
			return e->code;
	if (cfg->tls) {
		/* dockerd's names under /etc/berth (~/.docker/{ca,cert,key}.pem for dockerd). */
		if (!cfg->tlscacert && cfg->tlsverify)
			cfg->tlscacert = xstrdup(CONF_DEFAULT_TLS_DIR "/ca.pem");
		if (!cfg->tlscert)
			cfg->tlscert = xstrdup(CONF_DEFAULT_TLS_DIR "/cert.pem");
		if (!cfg->tlskey)
			cfg->tlskey = xstrdup(CONF_DEFAULT_TLS_DIR "/key.pem");
	}
	return 0;
}

bool
conf_host_is_loopback(const char *h)
{
	_cleanup_free_ char *host = NULL;
	const char *rest, *colon;

	if (!str_startswith(h, "tcp://", &rest))
		return false;
	colon = strrchr(rest, ':');
	host = colon ? xstrndup(rest, (size_t)(colon - rest)) : xstrdup(rest);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	return is_loopback_name(host);
}

void
conf_release(struct daemon_config *cfg)
{
	strv_free(cfg->hosts);
	strv_free(cfg->insecure_registries);
	strv_free(cfg->registry_mirrors);
	strv_free(cfg->labels);
	free(cfg->data_root);
	free(cfg->exec_root);
	free(cfg->pidfile);
	free(cfg->config_file);
	free(cfg->log_level);
	free(cfg->bridge);
	free(cfg->bip);
	strv_free(cfg->address_pools);
	strv_free(cfg->dns);
	strv_free(cfg->dns_search);
	strv_free(cfg->dns_opts);
	free(cfg->host_gateway_ip);
	json_decref(cfg->default_ulimits);
	free(cfg->log_driver);
	strv_free(cfg->log_opts);
	free(cfg->tlscacert);
	free(cfg->tlscert);
	free(cfg->tlskey);
	free(cfg->group);
	free(cfg->metrics_addr);
	free(cfg->api_cors_header);
	strv_free(cfg->read_only_hosts);
	memset(cfg, 0, sizeof(*cfg));
}
