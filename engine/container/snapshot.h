/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container snapshots: a freestanding, immutable copy of what callers outside
 * the container service encode (inspect, list, stats, filters), taken under
 * the container's lock in one step so the fields agree with each other. A
 * snapshot shares no memory with the container, takes no lock afterwards and
 * never touches the disk; the derived paths (ResolvConfPath, GraphDriver
 * dirs, volume sources...) are computed here, by the engine, once.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/container/container.h"
#include "engine/util/cleanup.h"
#include "engine/util/err.h"

struct containers;

struct container_snap {
	char id[65];
	char *name; /* with the leading '/' */
	int64_t created_ns;
	char *image_id; /* "sha256:<hex>" */
	char *path;	/* the executable: first of entrypoint+cmd */
	char **args;	/* the rest */
	struct container_spec spec;
	struct container_state state;
	struct container_endpoint ep;
	struct container_endpoint *xeps; /* further networks, as struct container's */
	size_t n_xeps;
	/* Files of the container under <data-root>/containers/<id>. */
	char *log_path, *resolv_conf_path, *hostname_path, *hosts_path;
	char *upper_dir, *work_dir, *merged_dir; /* the overlay's container layer */
	/* Host side of spec.mounts[i] (spec.n_mounts entries): a bind's source,
	 * a volume's _data directory, NULL for tmpfs. Filled by container_snapshot. */
	char **mount_sources;
	char **exec_ids; /* with CONTAINER_SNAP_EXECS: oldest first, NULL when none */
	/* Filled by container_snapshot (links.h): the link names that resolve
	 * to this container ("/parent/alias", sorted) and its own links as
	 * inspect shows them ("/target:/name/alias"); NULL when none. */
	char **link_names, **links;
	bool has_sizes;	 /* with CONTAINER_SNAP_SIZES, when measuring worked */
	int64_t size_rw, size_rootfs;
};

enum container_snap_flags {
	CONTAINER_SNAP_EXECS = 1 << 0, /* list the container's exec IDs */
	CONTAINER_SNAP_SIZES = 1 << 1, /* measure SizeRw/SizeRootFs: walks the layer */
};

/*
 * Copies @c's identity, spec, state, endpoint and file paths under c->mu.
 * mount_sources, exec_ids and sizes stay unset (see container_snapshot).
 * Never fails (aborts on exhaustion); free the result with container_snap_free.
 */
struct container_snap *container_snap_new(struct container *c);

/*
 * The snapshot api encodes from: container_snap_new plus the mounts' host
 * paths and, as @flags ask, the exec IDs (read before c->mu: exec locks are
 * never taken under a container's) and the sizes (measured outside any lock;
 * a failure to measure leaves has_sizes false, as an absent SizeRw).
 * Returns 0 and the snapshot in @ret; it does not fail today, but callers
 * check the result.
 */
int container_snapshot(struct containers *cs, struct container *c, enum container_snap_flags flags,
		       struct container_snap **ret, struct err *e);

/* Frees a snapshot; NULL is fine. Returns NULL. */
struct container_snap *container_snap_free(struct container_snap *s);
DEFINE_CLEANUP(struct container_snap, container_snap_free)
#define _cleanup_container_snap_ _cleanup_(container_snap_freep)
