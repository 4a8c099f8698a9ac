/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 address management for one network with EnableIPv6: its IPv6
 * subnet, gateway, optional ip-range and auxiliary addresses, and which
 * owner (container ID) holds which address. Addresses are handed out in
 * order after the last one given (dockerd's default IPAM: gateway ::1, the
 * first container ::2), never the subnet's own address (the subnet-router
 * anycast). The state is a JSON file rewritten after every change, so a
 * restarted daemon never hands out an address a running container still
 * uses. Not locked: network.c serialises access per network.
 *
 * Address arithmetic is on unsigned __int128 (GCC's), so any prefix from
 * /8 to /126 works; a scan for a free address skips at most the addresses
 * in use, whatever the subnet's size.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>

#include "engine/util/err.h"

struct ipam6;

/*
 * Parses "addr/len" for IPv6 (len 0..128, no scope). The address is
 * returned as written. 0 or -EINVAL.
 */
int ipam6_parse_cidr(const char *s, struct in6_addr *ret_addr, int *ret_prefix);

/* True when @a lies in @net/@prefix. */
bool ipam6_contains(const struct in6_addr *net, int prefix, const struct in6_addr *a);

/* True when @a/@pa and @b/@pb share an address. */
bool ipam6_overlaps(const struct in6_addr *a, int pa, const struct in6_addr *b, int pb);

/* @net with its host bits (past @prefix) cleared into *ret. */
void ipam6_network(const struct in6_addr *net, int prefix, struct in6_addr *ret);

/*
 * Opens the pool of @subnet/@prefix with gateway @gw (inside it), persisted
 * at @state_path; a state file for another subnet is discarded. -EINVAL for
 * a bad subnet or a corrupt file.
 */
int ipam6_open(const char *state_path, const struct in6_addr *subnet, int prefix,
	       const struct in6_addr *gw, struct ipam6 **ret, struct err *e);

void ipam6_free(struct ipam6 *p);

/* Restricts new allocations to @net/@prefix (the ip-range). 0 or -EINVAL. */
int ipam6_limit_range(struct ipam6 *p, const struct in6_addr *net, int prefix);

/* Never hands out @a (an auxiliary address). 0 or -EINVAL outside the pool. */
int ipam6_exclude(struct ipam6 *p, const struct in6_addr *a);

/*
 * Hands @owner an address: the one it holds, else the next free one. -ENOSPC
 * when none is left, -errno when the state cannot be saved.
 */
int ipam6_allocate(struct ipam6 *p, const char *owner, struct in6_addr *ret, struct err *e);

/*
 * Hands @owner @want (a static --ip6): inside the subnet, not the subnet's
 * own address, the gateway or an auxiliary address (-EINVAL), nor another
 * owner's (-EADDRINUSE "Address already in use").
 */
int ipam6_allocate_addr(struct ipam6 *p, const char *owner, const struct in6_addr *want,
			struct err *e);

/* Releases what @owner holds; 0 also when nothing. -errno on save failure. */
int ipam6_release(struct ipam6 *p, const char *owner);

/* Releases every owner @keep rejects: how many, or -errno. */
int ipam6_release_unless(struct ipam6 *p, bool (*keep)(const char *owner, void *data), void *data);
