/* SPDX-License-Identifier: Apache-2.0 */
/* Building the runtime spec (what the shim runs) from a container's spec. */
#pragma once

#include "engine/container/container.h"
#include "engine/runtime/runtime_spec.h"
#include "engine/util/err.h"

struct containers;

/*
 * Fills @ret (zeroed by the caller, released by the caller also on failure)
 * for a start of @c: process, overlay root from the image's layers and the
 * container layer, mounts (binds, volumes, tmpfs, hosts/hostname/resolv.conf),
 * network namespace, resources, capabilities, seccomp and security options.
 */
int runspec_build(struct containers *cs, struct container *c, struct runtime_spec *ret,
		  struct err *e);

/*
 * The namespace modes (PidMode, IpcMode, UTSMode, CgroupnsMode), /dev/shm
 * (ShmSize, shareable IPC), devices, device rules and sysctls of @c, on top
 * of @rs's defaults (runspec_ns.c). A container:<ref> mode needs <ref>
 * running: -EINVAL "No such container", -EBUSY "is not running" (dockerd's
 * words and classes); -EINVAL for a --device that is not a device node.
 */
int runspec_apply_ns(struct containers *cs, struct container *c, struct runtime_spec *rs,
		     struct err *e);
