/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where to send a registry's requests: the API host for a reference's
 * domain (docker.io → registry-1.docker.io), whether plain HTTP is allowed
 * (loopback always, plus the daemon's insecure_registries entries, which
 * are host[:port] names or CIDRs), and the list of endpoints to try in
 * order (mirrors first, for docker.io only). Pure functions plus one DNS-free
 * address check: a name is only matched against a CIDR when it is an IP
 * literal, so no lookup ever happens here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/util/err.h"

#define REGISTRY_DOCKER_HUB "docker.io"
#define REGISTRY_DOCKER_HUB_API "registry-1.docker.io"
#define REGISTRY_DOCKER_HUB_INDEX "https://index.docker.io/v1/"
#define REGISTRY_ENDPOINTS_MAX 8

/* One base URL to try: "https://registry-1.docker.io" (no trailing slash). */
struct registry_endpoint {
	char *base;		/* scheme://host[:port][/path] */
	bool mirror;		/* errors fall back to the next endpoint */
	bool tls_verify;	/* false only for insecure registries over https */
};

/*
 * True when @host (host or host:port, IPv6 in brackets) may be spoken to
 * without verified TLS: localhost, 127.0.0.0/8, ::1, or a match in
 * @insecure (NULL-terminated list of "host[:port]" or CIDR entries; a bare
 * host entry matches any port).
 */
bool registry_endpoint_is_insecure(const char *host, const char *const *insecure);

/*
 * Validates a registry domain as it appears in a reference (DNS name or IP
 * literal, optional :port) and returns the API host: "docker.io" and
 * "index.docker.io" map to registry-1.docker.io. -EINVAL names the bad value.
 * *ret is the caller's.
 */
int registry_endpoint_api_host(const char *domain, char **ret, struct err *e);

/*
 * The endpoints to try for @domain, in order: for Docker Hub each of
 * @mirrors (full URLs, http or https; insecure ones unverified), then the
 * registry itself; for an insecure registry https (unverified) then http,
 * as dockerd does; else https only. Returns the count (>= 1) and fills
 * @ret (REGISTRY_ENDPOINTS_MAX entries); release with
 * registry_endpoint_release_all.
 */
int registry_endpoint_list(const char *domain, const char *const *insecure,
			   const char *const *mirrors, struct registry_endpoint *ret,
			   struct err *e);

void registry_endpoint_release_all(struct registry_endpoint *eps, size_t n);

/* True for docker.io and its aliases. */
bool registry_endpoint_is_docker_hub(const char *domain);
