/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network definitions: what a network is (name, ID, driver, subnet, flags,
 * labels) and its record on disk, <data-root>/network/<id>.json, written
 * atomically. The predefined "bridge", "host" and "none" networks have a
 * record too, so their IDs stay the same across restarts as dockerd's do.
 * Records are ours but parsed as untrusted (type-checked, bounded). Also the
 * checks on what a client may ask for: names and subnets.
 */
#pragma once

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/util/err.h"

#define NETDEF_NAME_MAX 255

struct netdef {
	char id[65];
	char *name;
	char driver[8];	 /* "bridge", "host" or "null" */
	bool predefined; /* bridge, host, none: never removed */
	bool internal, attachable;
	bool user_subnet; /* the subnet was given at create (static addresses allowed) */
	int64_t created_ns;
	char bridge[16]; /* interface, "" for host and none */
	struct in_addr subnet, gateway;
	int prefix;	 /* 0 when no IPAM (host, none) */
	char *ip_range;	 /* as given, NULL for none */
	json_t *aux;	 /* name -> address, owned (object) */
	/* EnableIPv6: the IPv6 subnet (always given at create), its gateway,
	 * ip-range and aux addresses */
	bool ipv6;
	struct in6_addr subnet6, gateway6;
	int prefix6;	 /* 0 without IPv6 */
	char *ip_range6; /* as given, NULL for none */
	json_t *aux6;	 /* name -> address, owned (object), NULL without IPv6 */
	json_t *labels;	 /* owned (object) */
	json_t *options; /* owned (object) */
};

void netdef_release(struct netdef *d);

/* Deep copy of @src into @dst. */
void netdef_copy(struct netdef *dst, const struct netdef *src);

/* dockerd's name rule [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 bytes: 0 or -EINVAL with its message. */
int netdef_check_name(const char *name, struct err *e);

/*
 * Parses a client's subnet: a.b.c.d/len with len 8..30 and no host bits set.
 * 0 or -EINVAL with dockerd's wording.
 */
int netdef_parse_subnet(const char *s, struct in_addr *ret_net, int *ret_prefix, struct err *e);

/* An address pool for automatic subnets (dockerd's default-address-pools):
 * subnets of length @size carved out of @base/@prefix in order. */
struct netdef_pool {
	struct in_addr base;
	int prefix, size;
};

/*
 * Parses dockerd's --default-address-pool value "base=a.b.c.d/n,size=m"
 * (daemon.json's {"base":..,"size":..} comes as the same text). The base's
 * host bits are cleared as net.ParseCIDR does; @size must be at least the
 * base's length and at most 30 (berth's IPAM wants two host addresses).
 * 0 or -EINVAL with dockerd's wording.
 */
int netdef_parse_pool(const char *s, struct netdef_pool *ret, struct err *e);

/* True when a/pa and b/pb share an address. */
bool netdef_overlaps(struct in_addr a, int pa, struct in_addr b, int pb);

/* True when @addr lies in @net/@prefix. */
bool netdef_contains(struct in_addr net, int prefix, struct in_addr addr);

/* Writes @d to <dir>/<id>.json. 0 or -errno. */
int netdef_save(const char *dir, const struct netdef *d);

/* Reads <dir>/<id>.json. -ENOENT, -EINVAL (corrupt). */
int netdef_load(const char *dir, const char *id, struct netdef *ret, struct err *e);

/* Removes <dir>/<id>.json; missing is fine. */
int netdef_remove(const char *dir, const char *id);
