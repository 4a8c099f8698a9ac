/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Published ports: parsing of `-p` specifications and of the PortBindings
 * pieces the API hands over, host-port reservation (a bound socket held for
 * the binding's lifetime, so no host process can take the port behind our
 * back), and picking random ports from the ephemeral range. The NAT rules
 * that make a binding work are firewall.c's.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"

struct portmap_binding {
	uint16_t container_port;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	struct in_addr host_ip;	/* INADDR_ANY: every host address */
	uint16_t host_port;	/* first acceptable host port; 0: any ephemeral port */
	uint16_t host_port_end;	/* last acceptable (== host_port for a fixed port) */
};

/*
 * A published port as a container asks for it (HostConfig.PortBindings),
 * parsed once where it enters (the api): the container side as numbers,
 * the host side kept as the client wrote it, because inspect echoes it
 * back verbatim and it is checked only when the port is published
 * (portmap_parse_host at container start, as berth always did).
 */
struct portmap_request {
	uint16_t container_port;
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	char *host_ip;		/* "" = every address; never NULL */
	char *host_port;	/* "" = any port; "8080"; "8080-8090"; never NULL */
};

/* Frees the strings of @r (not @r itself). */
void portmap_request_release(struct portmap_request *r);

/*
 * Parses a PortBindings/ExposedPorts key as dockerd validates it at create:
 * "80" (tcp), "80/tcp", "53/udp", "132/sctp"; the protocol in lower case,
 * the port 1-65535. -EINVAL "invalid proto: x" or "invalid port
 * specification: \"x\"".
 */
int portmap_parse_request_key(const char *key, uint16_t *ret_port, uint8_t *ret_proto,
			      struct err *e);

/* "80/tcp" for @r's container side into @out (at least PORTMAP_KEY_MAX bytes). */
#define PORTMAP_KEY_MAX 16
void portmap_request_key(const struct portmap_request *r, char out[PORTMAP_KEY_MAX]);

/* "tcp"/"udp" (also upper case, as the CLI accepts) to IPPROTO_*, or -EINVAL. */
int portmap_parse_proto(const char *s);
/* "tcp", "udp" or "sctp". */
const char *portmap_proto_name(uint8_t proto);

/* "80", "80/tcp", "53/udp" (an ExposedPorts/PortBindings key). 0 or -EINVAL. */
int portmap_parse_key(const char *key, uint16_t *ret_port, uint8_t *ret_proto);

/*
 * Fills @b's host side from a PortBindings value: @host_ip "" or an IPv4
 * address (IPv6 is -EOPNOTSUPP), @host_port "" or "0" (random), "8080" or
 * "8080-8090" (one port from that range). 0 or -EINVAL.
 */
int portmap_parse_host(const char *host_ip, const char *host_port, struct portmap_binding *b,
		       struct err *e);

/*
 * Parses a `-p` specification, [ip:][hostport[-end]:]containerport[-end][/proto],
 * into bindings (a container range gives one binding per port; a host range
 * of the same length maps one to one, a host range with one container port
 * means "any port of that range"). At most LIMIT_PORT_BINDINGS bindings (-E2BIG).
 * On success *ret is a malloc'd array the caller frees. -EINVAL with a
 * message naming the spec.
 */
int portmap_parse_spec(const char *spec, struct portmap_binding **ret, size_t *ret_n,
		       struct err *e);

/* True when the two bindings would claim the same host socket. */
bool portmap_conflicts(const struct portmap_binding *a, const struct portmap_binding *b);

/* The ephemeral range from /proc/sys/net/ipv4/ip_local_port_range (fallback 49153-60999). */
void portmap_ephemeral_range(uint16_t *ret_lo, uint16_t *ret_hi);

/*
 * Binds a socket to @b's host address and @port (not listening: traffic is
 * DNAT'd before it could reach it), proving the port free and holding it.
 * Returns the fd, -EADDRINUSE when a host socket has it, or -errno.
 */
int portmap_reserve(const struct portmap_binding *b, uint16_t port);

/* "0.0.0.0:8080" style text of @b's effective host side into @out. */
void portmap_host_text(const struct portmap_binding *b, char *out, size_t size);
