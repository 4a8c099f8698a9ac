/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network glue of the container service (container_endpoint.c):
 * between a container's spec and engine/network's endpoints.
 */
#pragma once

#include "engine/container/container.h"
#include "engine/network/network.h"
#include "engine/util/err.h"

/* Copies what networking attached into c->ep; the caller holds c->mu. */
void container_endpoint_set(struct container *c, const struct network_endpoint *ep);

/*
 * Gives @c its network as its spec asks (mode, published ports, -P) and
 * records the endpoint in c->ep. Errors are network_attach's, and -EINVAL
 * for a bad port binding or network mode.
 */
int container_endpoint_attach(struct containers *cs, struct container *c, struct err *e);

/* Gives the network back and clears the address part of c->ep; failures are logged. */
void container_endpoint_detach(struct containers *cs, struct container *c);
