/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NAT and forwarding rules through libnftables, in berth's own table
 * (`ip berth_<bridge>`, so daemons with different bridges never share one):
 * masquerade for the subnet, DNAT for published ports (prerouting for traffic
 * to local addresses, output for the host's own, 127.0.0.1 included), and a
 * drop of unsolicited new connections routed into the bridge. Because another
 * daemon's iptables FORWARD chain may have policy DROP (a separate base chain
 * that must also accept), two iptables-compatible accept rules tagged with a
 * comment are inserted there when, and only when, that chain exists. Nothing
 * outside our table is ever flushed; we delete only rules carrying our tags.
 *
 * Thread-safe: each operation runs under the firewall's own mutex (a leaf
 * lock: nothing else is taken while it is held) with a libnftables context
 * of its own, freed when it ends so that no ruleset cache stays behind.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/network/portmap.h"
#include "engine/util/buf.h"
#include "engine/util/err.h"

struct firewall;

/*
 * Creates (or adopts, after a restart) the table for @bridge whose containers
 * live in @subnet/@prefix, resets its base chains (the per-container port
 * rules are kept) and ensures the FORWARD accepts. @bridge must be a valid
 * interface name. An @internal bridge gets no masquerade and forwards
 * nothing out of itself (dockerd's --internal). 0 or -errno.
 */
int firewall_open(const char *bridge, struct in_addr subnet, int prefix, bool internal,
		  struct firewall **ret, struct err *e);

void firewall_free(struct firewall *fw);

/* The nft table name, e.g. "berth_berth0". */
const char *firewall_table(const struct firewall *fw);

/*
 * Inserts our accept rules into iptables' `ip filter FORWARD` if that chain
 * exists and they are not there yet (a dockerd started after us creates it).
 */
int firewall_ensure_forward(struct firewall *fw, struct err *e);

/*
 * Adds DNAT rules for @n bindings of @owner (host_port already chosen) to
 * container address @cip, in one transaction: all or nothing.
 */
int firewall_add_ports(struct firewall *fw, const char *owner, struct in_addr cip,
		       const struct portmap_binding *b, size_t n, struct err *e);

/* Deletes every port rule of @owner. 0 also when it had none. */
int firewall_remove_owner(struct firewall *fw, const char *owner, struct err *e);

/*
 * Deletes the port rules of every owner @keep rejects (crash cleanup).
 * Returns the number of rules deleted or -errno.
 */
int firewall_remove_unless(struct firewall *fw, bool (*keep)(const char *owner, void *data),
			   void *data, struct err *e);

/*
 * For a bridge with IPv6 (EnableIPv6): an `ip6` table of the same name whose
 * forward chain drops what would be routed into the bridge (no IPv6 port is
 * published) and, when @internal, out of it. Reset on every call. 0 or -errno.
 */
int firewall_open6(struct firewall *fw, bool internal, struct err *e);

/* Deletes our tables (ip, and ip6 when there) and our FORWARD rules (bridge no longer used). */
int firewall_destroy(struct firewall *fw, struct err *e);

/*
 * Appends the nft command adding one DNAT rule to @out (exposed for tests).
 * @table and @owner must be validated names.
 */
void firewall_format_port_rule(struct buf *out, const char *table, const char *owner,
			       struct in_addr cip, const struct portmap_binding *b);
