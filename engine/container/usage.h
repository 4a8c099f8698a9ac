/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Disk usage of containers (SizeRw / SizeRootFs for `ps -s`, inspect
 * ?size=1 and /system/df) and `docker container prune`.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/container/container.h"
#include "engine/util/err.h"

struct containers;

/*
 * Bytes in @c's own layer (@ret_rw) and in the whole root file system, its
 * image's layers included (@ret_rootfs). Either may be NULL. Walks the
 * container layer: call it only when sizes are asked for.
 */
int usage_size(struct containers *cs, struct container *c, int64_t *ret_rw, int64_t *ret_rootfs,
	       struct err *e);

/* Whether prune may remove the container @s is a snapshot of (container_snap_new);
 * @ud is the caller's filter state. Called without any lock held. */
struct container_snap;
typedef bool (*usage_prune_fn)(const struct container_snap *s, void *ud);

/*
 * Removes every stopped (created, exited, dead) container that @match
 * accepts (NULL: all), with its anonymous volumes kept as
 * dockerd does. Returns 0 with the removed IDs (NULL-terminated, NULL when
 * none, caller frees with strv_free) and the bytes their layers held.
 * Containers that fail to go are logged and skipped.
 */
int usage_prune(struct containers *cs, usage_prune_fn match, void *ud, char ***ret_ids,
		uint64_t *ret_reclaimed, struct err *e);

/*
 * `docker diff`: @c's layer against its image (rootfs_changes), sorted by
 * path; free with rootfs_changes_free.
 */
struct rootfs_change;
int usage_changes(struct containers *cs, struct container *c, struct rootfs_change **ret,
		  size_t *ret_n, struct err *e);

/*
 * `docker export`: a tar of @c's merged root file system (its layer over
 * its image, without volumes or runtime mounts) through @write
 * (rootfs_export). Works for running and stopped containers.
 */
int usage_export(struct containers *cs, struct container *c,
		 int (*write)(void *ud, const void *p, size_t n), void *ud, struct err *e);
