/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded DNS server of the container service (container_dns.c):
 * which containers it answers for, and with what options. The server itself
 * (sockets, answers, forwarding) is engine/network/dns.h's; the names it
 * answers come from engine/network.
 */
#pragma once

#include "engine/container/container.h"

/*
 * Brings the embedded DNS server in line with @c as it is now: attached to
 * its network namespace (127.0.0.11:53, its --domainname, its --dns servers
 * as upstreams, else the daemon's) when it is starting or running and has
 * an endpoint on a user-defined network; detached otherwise. Idempotent and
 * cheap to call again: the lifecycle calls it after every network attach
 * and detach (start, exit, kill, restart, daemon recovery), and so should
 * anything that connects or disconnects a container. Takes c->mu briefly,
 * never holds it across the attach. Returns 0, or the attach's -errno (also
 * logged; the container runs on without the server, as dockerd's does when
 * its resolver cannot start). A no-op without a server (unit tests).
 */
int container_dns_sync(struct containers *cs, struct container *c);
