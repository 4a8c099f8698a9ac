/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 address management for one network: a subnet, its gateway, and which
 * owner (container ID) holds which address. The state is persisted in a JSON
 * file after every change, so a restarted daemon never hands out an address
 * a running container still uses. Not locked: the caller (network.c)
 * serialises access per network.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/util/err.h"

struct ipam;

/*
 * Parses "a.b.c.d/len" (len 0..32, no leading zeros or spaces). The address
 * is returned as written (host bits kept). 0 or -EINVAL.
 */
int ipam_parse_cidr(const char *s, struct in_addr *ret_addr, int *ret_prefix);

/*
 * Opens the pool for @cidr ("gateway/prefix", e.g. 10.88.0.1/16; prefix 8..30,
 * the gateway must be a usable host address) persisted at @state_path,
 * loading the allocations found there. A state file for another subnet is
 * discarded with a warning (its addresses cannot collide with the new pool).
 * -EINVAL for a bad @cidr or a corrupt file.
 */
int ipam_open(const char *state_path, const char *cidr, struct ipam **ret, struct err *e);

void ipam_free(struct ipam *ipam);

/* Restricts new allocations to @net/@prefix inside the pool (dockerd's ip-range). 0 or -EINVAL. */
int ipam_limit_range(struct ipam *ipam, struct in_addr net, int prefix);

/* Never hands out @addr (dockerd's aux addresses). 0 or -EINVAL when outside the pool. */
int ipam_exclude(struct ipam *ipam, struct in_addr addr);

struct in_addr ipam_gateway(const struct ipam *ipam);
struct in_addr ipam_subnet(const struct ipam *ipam);
int ipam_prefix(const struct ipam *ipam);

/*
 * Hands @owner an address: the one it already holds, else the next free one
 * after the last allocation (round robin, as dockerd, so a just-released
 * address is not reused at once). -ENOSPC when the pool is full, -EINVAL for
 * a bad owner, -errno when the state cannot be saved (nothing is allocated).
 */
int ipam_allocate(struct ipam *ipam, const char *owner, struct in_addr *ret, struct err *e);

/*
 * Hands @owner the address @want (a static --ip): anywhere in the subnet,
 * inside or outside the ip-range, but not the network, broadcast, gateway
 * or an auxiliary address. -EINVAL outside the subnet or for a reserved
 * address, -EADDRINUSE ("Address already in use") when another owner has it.
 */
int ipam_allocate_addr(struct ipam *ipam, const char *owner, struct in_addr want,
		       struct err *e);

/* True when @a is inside the IPAM's subnet. */
bool ipam_contains(const struct ipam *ipam, struct in_addr a);

/* Releases what @owner holds; 0 also when it held nothing. -errno on save failure. */
int ipam_release(struct ipam *ipam, const char *owner);

/* Looks up @owner's address: true when it holds one. */
bool ipam_lookup(const struct ipam *ipam, const char *owner, struct in_addr *ret);

/*
 * Releases every allocation whose owner @keep rejects (crash cleanup).
 * Returns how many were released, or -errno on save failure.
 */
int ipam_release_unless(struct ipam *ipam, bool (*keep)(const char *owner, void *data),
			void *data);

/*
 * Deferred saving (network.c, for the pools it shares between threads): the
 * changes above then only record the new state, which the caller writes with
 * ipam_sync once it has dropped its lock, before it relies on the change. A
 * write covers every change recorded before it started, so the syncs of
 * concurrent changes share writes (one fsync for many). Not deferred (the
 * default), every change is written before it returns.
 */
void ipam_set_deferred(struct ipam *ipam, bool deferred);

/*
 * Writes the pool's latest recorded state (temp file, fsync, rename, fsync
 * of the directory) unless a write of it or of a later one has finished.
 * Thread-safe without the caller's lock. 0 or -errno (the state stays
 * pending, for the next sync).
 */
int ipam_sync(struct ipam *ipam);

/* Number of addresses in use (excluding network, gateway and broadcast). */
size_t ipam_count(const struct ipam *ipam);
