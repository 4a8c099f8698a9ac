/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry endpoint selection; see registry_endpoint.h. dockerd resolves a
 * registry's name to match it against insecure CIDRs; we deliberately do
 * not (a DNS answer must not downgrade TLS), so CIDR entries only match IP
 * literals, and named registries need a host[:port] entry.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "engine/registry/registry_endpoint.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define HOST_MAX 255

/* Host part and port (or NULL) of "host[:port]" / "[v6]:port", in @hbuf. */
static int
split_host(const char *s, char *hbuf, size_t size, const char **ret_port)
{
	const char *colon;
	size_t n;

	*ret_port = NULL;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			*ret_port = end + 2;
		s++;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			return -EINVAL; /* bare IPv6 must be bracketed */
		n = colon ? (size_t)(colon - s) : strlen(s);
		if (colon)
			*ret_port = colon + 1;
	}
	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(hbuf, s, n);
	hbuf[n] = '\0';
	return 0;
}

static bool
port_ok(const char *port)
{
	uint64_t v;
	return !port || (parse_uint64(port, 65535, &v) == 0 && v > 0 && port[0] != '+');
}

/* DNS name (labels of [A-Za-z0-9-]) or an IP literal. */
static bool
hostname_ok(const char *h)
{
	unsigned char tmp[16];
	size_t label = 0;

	if (inet_pton(AF_INET6, h, tmp) == 1 || inet_pton(AF_INET, h, tmp) == 1)
		return true;
	for (const char *p = h; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || (*p == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && h[strlen(h) - 1] != '-';
}

bool
registry_endpoint_is_docker_hub(const char *domain)
{
	return domain && (strcasecmp(domain, "docker.io") == 0 ||
			  strcasecmp(domain, "index.docker.io") == 0 ||
			  strcasecmp(domain, "registry-1.docker.io") == 0);
}

int
registry_endpoint_api_host(const char *domain, char **ret, struct err *e)
{
	char host[HOST_MAX + 1];
	const char *port;

	if (!domain || strlen(domain) > HOST_MAX + 6 ||
	    split_host(domain, host, sizeof(host), &port) < 0 || !hostname_ok(host) ||
	    !port_ok(port))
		return err_set(e, -EINVAL, "invalid registry host '%.300s'", domain ? domain : "");
	if (strchr(host, ':') && domain[0] != '[')
		return err_set(e, -EINVAL, "invalid registry host '%s'", domain);
	*ret = xstrdup(registry_endpoint_is_docker_hub(domain) ? REGISTRY_DOCKER_HUB_API : domain);
	return 0;
}

/* @addr (IP literal) inside "a.b.c.d/n" or "v6/n"? */
static bool
in_cidr(const char *addr, const char *cidr)
{
	unsigned char a[16], net[16];
	char nbuf[64];
	const char *slash = strchr(cidr, '/');
	uint64_t bits;
	int fam, len;

	if (!slash || (size_t)(slash - cidr) >= sizeof(nbuf))
		return false;
	memcpy(nbuf, cidr, (size_t)(slash - cidr));
	nbuf[slash - cidr] = '\0';
	fam = strchr(nbuf, ':') ? AF_INET6 : AF_INET;
	len = fam == AF_INET6 ? 16 : 4;
	if (inet_pton(fam, nbuf, net) != 1 || inet_pton(fam, addr, a) != 1 ||
	    parse_uint64(slash + 1, (uint64_t)len * 8, &bits) < 0)
		return false;
	for (int i = 0; i < len; i++) {
		int b = (int)bits - i * 8;
		unsigned char mask = b >= 8 ? 0xff : b <= 0 ? 0 : (unsigned char)(0xff << (8 - b));
		if ((a[i] & mask) != (net[i] & mask))
			return false;
	}
	return true;
}

static bool
entry_matches(const char *entry, const char *host, const char *port)
{
	char ehost[HOST_MAX + 1];
	const char *eport;

	if (strchr(entry, '/'))
		return in_cidr(host, entry);
	/* dockerd also accepts URLs here; the scheme is irrelevant for matching */
	if (!str_startswith(entry, "http://", &entry))
		(void)str_startswith(entry, "https://", &entry);
	if (split_host(entry, ehost, sizeof(ehost), &eport) < 0 || strcasecmp(ehost, host) != 0)
		return false;
	return !eport || (port && strcmp(eport, port) == 0);
}

bool
registry_endpoint_is_insecure(const char *hostport, const char *const *insecure)
{
	char host[HOST_MAX + 1];
	const char *port;

	if (!hostport || split_host(hostport, host, sizeof(host), &port) < 0)
		return false;
	if (strcasecmp(host, "localhost") == 0 || in_cidr(host, "127.0.0.0/8") ||
	    in_cidr(host, "::1/128"))
		return true;
	for (size_t i = 0; insecure && insecure[i]; i++)
		if (entry_matches(insecure[i], host, port))
			return true;
	return false;
}

void
registry_endpoint_release_all(struct registry_endpoint *eps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(eps[i].base);
		eps[i].base = NULL;
	}
}

/* "https://m.example/" → "https://m.example"; NULL when not an http(s) URL. */
static char *
mirror_base(const char *url)
{
	const char *rest;
	size_t n;

	if (!str_startswith(url, "https://", &rest) && !str_startswith(url, "http://", &rest))
		return NULL;
	if (!*rest || strpbrk(url, " \t\r\n?#@"))
		return NULL;
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

int
registry_endpoint_list(const char *domain, const char *const *insecure,
		       const char *const *mirrors, struct registry_endpoint *ret, struct err *e)
{
	_cleanup_free_ char *api = NULL;
	size_t n = 0;
	int r;

	r = registry_endpoint_api_host(domain, &api, e);
	if (r < 0)
		return r;
	if (registry_endpoint_is_docker_hub(domain)) {
		for (size_t i = 0; mirrors && mirrors[i] && n < REGISTRY_ENDPOINTS_MAX - 2; i++) {
			char *base = mirror_base(mirrors[i]);
			const char *hp;

			if (!base) /* validated by the daemon's config; skip junk here */
				continue;
			hp = strstr(base, "://") + 3;
			ret[n++] = (struct registry_endpoint){
				.base = base, .mirror = true,
				.tls_verify = !registry_endpoint_is_insecure(hp, insecure)};
		}
	}
	if (registry_endpoint_is_insecure(api, insecure)) {
		ret[n++] = (struct registry_endpoint){.base = xasprintf("https://%s", api)};
		ret[n++] = (struct registry_endpoint){.base = xasprintf("http://%s", api)};
	} else {
		ret[n++] = (struct registry_endpoint){.base = xasprintf("https://%s", api),
						      .tls_verify = true};
	}
	return (int)n;
}
