/* SPDX-License-Identifier: Apache-2.0 */
/* Recovery of the container service at daemon start (recover.c). */
#pragma once

#include "engine/container/container.h"
#include "engine/util/err.h"

/*
 * Daemon start: reconnects to containers whose shim still runs (starting
 * their monitors), records exits that happened while berthd was down,
 * cleans up leftovers of dead containers (network, bundles) and starts
 * containers whose restart policy asks for it.
 */
int recover_containers(struct containers *cs, struct err *e);
