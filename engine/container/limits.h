/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's limits and security options beyond the basic cgroup ones:
 * real-time CPU, block I/O weight and throttles, OOM killer and score,
 * ulimits, seccomp profiles and no-new-privileges (masked and read-only
 * paths are runspec.c's, from HostConfig.MaskedPaths/ReadonlyPaths)
 * (docs/security.md). Two steps, as dockerd has them: what depends on the
 * host is checked at create (limits_verify: dockerd's
 * verifyPlatformContainerResources, with its warnings and its errors), and
 * what resolves files or devices happens at start (limits_runspec: devices
 * are stat'ed, the seccomp profile is parsed, ulimits are merged with the
 * daemon's defaults).
 */
#pragma once

#include <jansson.h>

#include "engine/container/spec.h"
#include "engine/runtime/runtime_spec.h"
#include "engine/util/err.h"

/*
 * Checks @s against this host's cgroups and CPUs, as dockerd does at
 * create: a limit the kernel cannot apply is dropped from @s with a warning
 * appended to @warnings (dockerd's wording; the API returns them in
 * "Warnings"); an impossible one is -EINVAL ("Requested CPUs are not
 * available - requested 3, available: 0-1").
 */
int limits_verify(struct container_spec *s, char ***warnings, struct err *e);

/*
 * Checks the SecurityOpt list as dockerd's parseSecurityOpt does
 * ("invalid --security-opt 2: \"x\""), without reading any profile.
 */
int limits_check_security_opts(char *const *opts, struct err *e);

/*
 * Fills the limits, rlimits, seccomp choice and no_new_privs of @rs from
 * @s. @default_ulimits is the daemon's
 * default-ulimits (an object of {Name, Soft, Hard}, or NULL); the
 * container's own entries win. Errors are dockerd's start errors: a
 * missing device ("stat /dev/x: no such file or directory"), a bad profile
 * ("Decoding seccomp profile failed: ..."), an unknown ulimit.
 */
int limits_runspec(const struct container_spec *s, json_t *default_ulimits, struct runtime_spec *rs,
		   struct err *e);
