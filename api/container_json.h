/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's container JSON ↔ the engine's container spec and state: decoding
 * a create (or update) body, and encoding inspect and list entries as
 * dockerd does for the request's API version.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "engine/container/container.h"
#include "engine/container/snapshot.h"
#include "engine/util/err.h"

/*
 * Decodes a POST /containers/create body into @ret (zeroed by the caller).
 * Type errors name the field; semantic checks (limits, restart policy,
 * ports, mounts) use dockerd's words. -EINVAL on any problem.
 */
int container_json_decode_create(json_t *body, struct container_spec *ret, struct err *e);

/*
 * GET /containers/{id}/json from a snapshot taken with CONTAINER_SNAP_EXECS
 * (and CONTAINER_SNAP_SIZES for ?size=1). Reads only the snapshot.
 */
json_t *container_json_inspect(const struct container_snap *s);

/*
 * One EndpointSettings object (@v, null for none) of network @network into
 * the engine's form (container_spec.endpoints): IPAMConfig.IPv4Address,
 * Aliases, Links, MacAddress, DriverOpts. IPv6 addresses and GwPriority are
 * refused; operational fields (IPAddress, EndpointID...) are ignored as
 * dockerd ignores them. @path names the field in errors.
 */
int container_json_decode_endpoint(json_t *v, const char *network, const char *path,
				   json_t **ret, struct err *e);

/*
 * An inspect or list document @doc of container @c as API < 1.44 shows it:
 * in NetworkSettings.Networks no DNSNames and the short ID among the
 * Aliases of user-defined networks; Config.MacAddress (inspect) is the
 * first network's configured MAC.
 */
void container_json_networks_v141(json_t *doc, const struct container_snap *c);

/* One element of GET /containers/json (sizes when the snapshot has them). */
json_t *container_json_summary(const struct container_snap *s);

/* "Up 2 seconds", "Exited (0) 3 seconds ago", "Created", ... */
void container_json_status_text(const struct container_state *s, char *out, size_t n);

/* go-units HumanDuration: "Less than a second", "About a minute", "3 hours"... */
void human_duration(int64_t ns, char *out, size_t n);

/* Docker's Command column: path and args, quoting args with spaces. */
char *container_json_command(const struct container_snap *s);
