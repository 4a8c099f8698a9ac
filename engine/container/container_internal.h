/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the engine/container files; not for other modules:
 * the container service behind struct containers, i.e. the registry of
 * container objects plus the handles engine.c opened the service with. The
 * lifecycle, exec, copy and usage code reach the store, networking, volumes,
 * events and exec registry only through these, never through struct engine.
 */
#pragma once

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "engine/container/container.h"
#include "engine/util/idmap.h"

struct containers {
	pthread_mutex_t mu;		/* the registry lock: guards items and n */
	char *root;			/* <data-root>/containers */
	struct container **items;
	size_t n, cap;
	atomic_uint_fast64_t links_gen; /* bumped when legacy links change names (memo.h) */
	bool any_links; /* a container with legacy links was ever added (under mu) */
	/* What the service was opened with (containers_open); fixed afterwards. */
	char *data_root;		/* volume paths: <data-root>/volumes/<name>/_data */
	char *exec_root;		/* runtime bundles: <exec-root>/containers/<id> */
	struct store *store;		/* borrowed: image layers for the root fs */
	struct network_state *net;	/* borrowed: endpoints; NULL in tests */
	struct volumes *volumes;	/* borrowed: named and anonymous volumes */
	struct events *events;		/* borrowed: container and exec events */
	struct execs *execs;		/* borrowed: exec instances of the containers */
	struct healthmon *health;	/* owned: health check probes (healthmon.h) */
	struct trash *trash; /* owned: removed directories, deleted off the request path */
	struct dns_server *dns_server;	/* borrowed: the embedded DNS; NULL in tests */
	pthread_mutex_t dns_mu;		/* serialises container_dns_sync (container_dns.c) */
	/* resolv.conf and /etc/hosts defaults (owned copies) */
	char **dns, **dns_search, **dns_options; /* daemon --dns, --dns-search, --dns-opt */
	char *host_gateway_ip;		/* --host-gateway-ip, or NULL */
	char *bridge_cidr;		/* default bridge: its gateway is host-gateway's default */
	json_t *default_ulimits; /* daemon default-ulimits {name: {Name, Soft, Hard}}, or NULL */
	char *log_driver;		/* --log-driver (logconf.h) */
	json_t *log_opts;		/* --log-opt, an object of strings */
	struct idmap userns_remap;	/* --userns-remap; unset: off (container_userns.h) */
	/* Parsed configs of the images last created from, by image ID (create.c):
	 * content-addressed, so an entry never goes stale; read-only once in. */
	pthread_mutex_t imgcfg_mu;
	struct {
		char id[72]; /* "sha256:<hex>" */
		json_t *cfg;
	} imgcfg[4];
	unsigned imgcfg_next; /* the slot the next miss replaces */
};
