/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network glue of the container service (container_endpoint.c):
 * between a container's spec and engine/network's endpoints.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "engine/container/container.h"
#include "engine/network/network.h"
#include "engine/util/err.h"

/*
 * The networks of spec @s in connect order (see container_spec.endpoints):
 * a new reference, or NULL outside bridge mode. Old specs without the list
 * get their network mode as the one network.
 */
json_t *container_endpoint_list(const struct container_spec *s);

/*
 * At create: checks the requested per-network settings (s->endpoints as the
 * API decoded them, "network" being the name, ID or "default" the client
 * used) against the network mode and the networks, as dockerd does, and
 * rewrites them into the stored list: the network mode's network first,
 * names resolved. A NULL @net (unit tests) skips the check.
 */
int container_endpoint_prepare(struct network_state *net, struct container_spec *s,
			       struct err *e);

/* Copies one endpoint into c->ep (clearing c->xeps); the caller holds c->mu. */
void container_endpoint_set(struct container *c, const struct network_endpoint *ep);

/* Reloads c->ep and c->xeps from networking (after a connect or a daemon restart). */
void container_endpoint_refresh(struct containers *cs, struct container *c);

/*
 * Gives @c its network as its spec asks (mode, networks, published ports,
 * -P) and records the endpoints. Errors are network_attach's and
 * network_connect's, and -EINVAL for a bad port binding or network mode.
 */
int container_endpoint_attach(struct containers *cs, struct container *c, struct err *e);

/*
 * Gives the network back and clears the address part of c->ep; failures are
 * logged. With @defer (the exit path, and the AutoRemove removal after it)
 * the veth deletion and address release finish in the background
 * (network_release); without, nothing of @c is left when it returns. 0 when
 * networking has nothing of @c left (or, with @defer, only what the
 * background release will remove), else a negative errno.
 */
int container_endpoint_detach(struct containers *cs, struct container *c, bool defer);

/*
 * docker network connect: adds network @ref with @settings (engine keys as
 * in container_spec.endpoints, borrowed; NULL for none) to the container's
 * networks, and plugs it in at once when it runs. dockerd's errors: -EINVAL
 * for host, none and container: modes, -EPERM "endpoint with name X already
 * exists in network Y", -ENOENT for an unknown network.
 */
int container_endpoint_connect(struct containers *cs, struct container *c, const char *ref,
			       json_t *settings, struct err *e);

/*
 * docker network disconnect: removes network @ref from the container's
 * networks, and its endpoint at once when it runs. -ENOTCONN "container X
 * is not connected to network Y", -EINVAL for the host network of a host
 * mode container. A running container that loses its last network keeps
 * its namespace with lo only. With @force the settings are dropped even
 * when the teardown fails.
 */
int container_endpoint_disconnect(struct containers *cs, struct container *c, const char *ref,
				  bool force, struct err *e);
