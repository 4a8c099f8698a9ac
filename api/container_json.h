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
 * The create body's PidMode, IpcMode, UTSMode, UsernsMode, CgroupnsMode,
 * Runtime, Isolation, Devices and DeviceCgroupRules into @s, and the check
 * of the Sysctls decoded before (container_decode_ns.c); run after the rest
 * of the HostConfig and Config (it needs NetworkMode and Hostname).
 * dockerd's (and runc's) messages; -EINVAL.
 */
int container_json_decode_ns(json_t *host, struct container_spec *s, struct err *e);

/*
 * The HostConfig fields kept to be shown back as sent (ContainerIDFile,
 * VolumeDriver, Annotations, Mounts) and MaskedPaths / ReadonlyPaths
 * (container_decode_kept.c). -EINVAL, -ENOENT for a volume driver other
 * than local.
 */
int container_json_decode_kept(json_t *host, struct container_spec *s, struct err *e);

/*
 * runc's rule for one sysctl @key given the network, IPC and UTS modes:
 * net.* needs a network namespace of its own, kernel.shm*, kernel.msg*,
 * kernel.sem and fs.mqueue.* an IPC one, anything else is refused
 * ("is not in a separate kernel namespace"). 0 or -EINVAL.
 */
int container_json_check_sysctl(const char *key, const char *net_mode, const char *ipc_mode,
				const char *uts_mode, struct err *e);

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
