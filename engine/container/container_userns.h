/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns-remap in the container service: which containers get a user
 * namespace (all but --userns=host ones when the daemon remaps), what
 * dockerd refuses with it, and the container files a remapped root must
 * own (its layer's root, hosts, hostname, resolv.conf). The namespace and
 * idmapped layers themselves are the shim's (engine/runtime).
 */
#pragma once

#include <stdbool.h>

#include "engine/container/container.h"
#include "engine/container/spec.h"
#include "engine/util/err.h"
#include "engine/util/idmap.h"

/* The mapping @c runs with: the daemon's, or NULL (no remap, or --userns=host). */
const struct idmap *container_userns_map(const struct containers *cs, const struct container *c);

/*
 * True when @c is remapped and has a network namespace of its own (bridge,
 * user networks, none): the container makes it inside its user namespace
 * (so its root has NET_ADMIN and NET_RAW there, as under runc) and berthd
 * configures it from outside before the process runs (network_adopt_netns).
 */
bool container_userns_owns_netns(const struct containers *cs, const struct container *c);

/*
 * dockerd's verifyPlatformContainerSettings checks for a remapping daemon:
 * --privileged, --network host and --pid host need --userns=host. -EINVAL
 * with dockerd's message.
 */
int container_userns_check(const struct containers *cs, const struct container_spec *s,
			   struct err *e);

/*
 * Gives the remapped root (container uid/gid 0) the container layer's root
 * directory and the files bound over /etc/hosts, /etc/hostname and
 * /etc/resolv.conf, before each start (they are rewritten by then). No-op
 * when @c is not remapped. -errno with @e.
 */
int container_userns_own_files(const struct containers *cs, const struct container *c,
			       struct err *e);
