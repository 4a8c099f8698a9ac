/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Port binding parsing and host-port reservation; see portmap.h. The `-p`
 * grammar follows docker/go-connections nat.ParsePortSpec.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "engine/network/portmap.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

int
portmap_parse_proto(const char *s)
{
	if (strcasecmp(s, "tcp") == 0)
		return IPPROTO_TCP;
	if (strcasecmp(s, "udp") == 0)
		return IPPROTO_UDP;
	return -EINVAL;
}

const char *
portmap_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_SCTP ? "sctp" : "tcp";
}

void
portmap_request_release(struct portmap_request *r)
{
	if (!r)
		return;
	free(r->host_ip);
	free(r->host_port);
	r->host_ip = r->host_port = NULL;
}

int
portmap_parse_request_key(const char *key, uint16_t *ret_port, uint8_t *ret_proto, struct err *e)
{
	static const struct { const char *name; uint8_t proto; } protos[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "sctp", IPPROTO_SCTP },
	};
	const char *slash = strchr(key, '/');
	_cleanup_free_ char *num = slash ? xstrndup(key, (size_t)(slash - key)) : xstrdup(key);
	const char *proto = slash ? slash + 1 : "tcp";
	uint64_t v;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcmp(proto, protos[i].name) == 0) {
			if (parse_uint64(num, 65535, &v) < 0 || v == 0)
				return err_set(e, -EINVAL, "invalid port specification: \"%s\"", key);
			*ret_port = (uint16_t)v;
			*ret_proto = protos[i].proto;
			return 0;
		}
	return err_set(e, -EINVAL, "invalid proto: %s", proto);
}

void
portmap_request_key(const struct portmap_request *r, char out[PORTMAP_KEY_MAX])
{
	snprintf(out, PORTMAP_KEY_MAX, "%u/%s", r->container_port, portmap_proto_name(r->proto));
}

static int
parse_port(const char *s, size_t len, uint16_t *ret)
{
	char buf[8];
	int64_t v;

	/* Digits only: strtol's sign and whitespace are not port syntax. */
	if (len == 0 || len >= sizeof(buf) || strspn(s, "0123456789") < len)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_int64(buf, 1, 65535, &v) < 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* "a" or "a-b" with a <= b. */
static int
parse_range(const char *s, size_t len, uint16_t *ret_lo, uint16_t *ret_hi)
{
	const char *dash = memchr(s, '-', len);

	if (!dash) {
		if (parse_port(s, len, ret_lo) < 0)
			return -EINVAL;
		*ret_hi = *ret_lo;
		return 0;
	}
	if (parse_port(s, dash - s, ret_lo) < 0 ||
	    parse_port(dash + 1, len - (dash + 1 - s), ret_hi) < 0 || *ret_hi < *ret_lo)
		return -EINVAL;
	return 0;
}

int
portmap_parse_key(const char *key, uint16_t *ret_port, uint8_t *ret_proto)
{
	const char *slash = strchr(key, '/');
	int proto = IPPROTO_TCP;

	if (slash) {
		proto = portmap_parse_proto(slash + 1);
		if (proto < 0)
			return -EINVAL;
	}
	if (parse_port(key, slash ? (size_t)(slash - key) : strlen(key), ret_port) < 0)
		return -EINVAL;
	*ret_proto = (uint8_t)proto;
	return 0;
}

static int
parse_host_ip(const char *s, struct in_addr *ret, struct err *e)
{
	struct in6_addr a6;

	if (!*s) {
		ret->s_addr = htonl(INADDR_ANY);
		return 0;
	}
	if (inet_pton(AF_INET, s, ret) == 1)
		return 0;
	if (inet_pton(AF_INET6, s, &a6) == 1 || s[0] == '[')
		return err_set(e, -EOPNOTSUPP, "IPv6 host address '%s' is not supported", s);
	return err_set(e, -EINVAL, "invalid host IP address '%s'", s);
}

int
portmap_parse_host(const char *host_ip, const char *host_port, struct portmap_binding *b,
		   struct err *e)
{
	int r = parse_host_ip(host_ip ? host_ip : "", &b->host_ip, e);

	if (r < 0)
		return r;
	/* "0" is "any free port" too (moby's port allocator treats 0 as ephemeral;
	 * Testcontainers and the SDKs send it) */
	if (!host_port || !*host_port || host_port[strspn(host_port, "0")] == '\0') {
		b->host_port = b->host_port_end = 0;
		return 0;
	}
	if (parse_range(host_port, strlen(host_port), &b->host_port, &b->host_port_end) < 0)
		return err_set(e, -EINVAL, "invalid host port '%s'", host_port);
	return 0;
}

/* Splits "[ip:][host:]ctr" at its colons; the IP may be bracketed IPv6. */
static int
split_spec(char *s, char **ret_ip, char **ret_host, char **ret_ctr)
{
	char *last = strrchr(s, ':'), *prev;

	*ret_ip = *ret_host = NULL;
	if (!last) {
		*ret_ctr = s;
		return 0;
	}
	*last = '\0';
	*ret_ctr = last + 1;
	prev = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
	if (s[0] == '[' && prev)
		prev++;
	if (!prev) {
		*ret_host = s;
		return 0;
	}
	*prev = '\0';
	*ret_ip = s;
	*ret_host = prev + 1;
	if (s[0] == '[') {
		size_t n = strlen(s);
		if (n < 2 || s[n - 1] != ']')
			return -EINVAL;
		s[n - 1] = '\0';
		*ret_ip = s + 1;
	}
	return 0;
}

int
portmap_parse_spec(const char *spec, struct portmap_binding **ret, size_t *ret_n, struct err *e)
{
	_cleanup_free_ char *s = xstrdup(spec);
	_cleanup_free_ struct portmap_binding *out = NULL;
	char *ip, *host, *ctr, *slash;
	uint16_t clo, chi, hlo = 0, hhi = 0;
	struct in_addr addr;
	int proto = IPPROTO_TCP;
	size_t n;

	slash = strchr(s, '/');
	if (slash) {
		*slash = '\0';
		proto = portmap_parse_proto(slash + 1);
		if (proto < 0)
			return err_set(e, -EINVAL, "invalid proto '%s' in '%s'", slash + 1, spec);
	}
	if (split_spec(s, &ip, &host, &ctr) < 0)
		return err_set(e, -EINVAL, "invalid port specification '%s'", spec);
	if (parse_range(ctr, strlen(ctr), &clo, &chi) < 0)
		return err_set(e, -EINVAL, "invalid containerPort '%s' in '%s'", ctr, spec);
	if (host && *host && parse_range(host, strlen(host), &hlo, &hhi) < 0)
		return err_set(e, -EINVAL, "invalid hostPort '%s' in '%s'", host, spec);
	if (parse_host_ip(ip ? ip : "", &addr, e) < 0)
		return err_prefix(e, "'%s'", spec);
	n = (size_t)(chi - clo) + 1;
	/* dockerd: equal lengths map 1:1; a host range for one port picks from it. */
	if (hlo && n > 1 && (size_t)(hhi - hlo) + 1 != n)
		return err_set(e, -EINVAL, "invalid ranges specified for container and host ports "
			       "in '%s'", spec);
	if (n > LIMIT_PORT_BINDINGS)
		return err_set(e, -E2BIG, "too many ports in '%s' (limit %u)", spec,
			       LIMIT_PORT_BINDINGS);
	out = xcalloc(n, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		out[i].container_port = (uint16_t)(clo + i);
		out[i].proto = (uint8_t)proto;
		out[i].host_ip = addr;
		out[i].host_port = hlo && n > 1 ? (uint16_t)(hlo + i) : hlo;
		out[i].host_port_end = hlo && n > 1 ? (uint16_t)(hlo + i) : hhi;
	}
	*ret = TAKE_PTR(out);
	*ret_n = n;
	return 0;
}

bool
portmap_conflicts(const struct portmap_binding *a, const struct portmap_binding *b)
{
	if (a->proto != b->proto || a->host_port != b->host_port)
		return false;
	return a->host_ip.s_addr == b->host_ip.s_addr || a->host_ip.s_addr == htonl(INADDR_ANY) ||
	       b->host_ip.s_addr == htonl(INADDR_ANY);
}

void
portmap_ephemeral_range(uint16_t *ret_lo, uint16_t *ret_hi)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	unsigned lo = 49153, hi = 60999;
	char tail;

	if (fs_read_file("/proc/sys/net/ipv4/ip_local_port_range", 64, &b) == 0 &&
	    sscanf(b.data, "%u %u%c", &lo, &hi, &tail) >= 2 && lo >= 1 && lo <= hi && hi <= 65535) {
		*ret_lo = (uint16_t)lo;
		*ret_hi = (uint16_t)hi;
		return;
	}
	*ret_lo = 49153;
	*ret_hi = 60999;
}

int
portmap_reserve(const struct portmap_binding *b, uint16_t port)
{
	int type = b->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	_cleanup_close_ int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = b->host_ip};

	if (fd < 0)
		return -errno;
	/* No SO_REUSEADDR: it would let two bound, non-listening sockets share the
	 * port, and the point is to exclude everyone else. Published traffic is
	 * DNAT'd, so no connection of ours ever sits in TIME_WAIT on the port. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

void
portmap_host_text(const struct portmap_binding *b, char *out, size_t size)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &b->host_ip, ip, sizeof(ip));
	snprintf(out, size, "%s:%u", ip, b->host_port);
}
