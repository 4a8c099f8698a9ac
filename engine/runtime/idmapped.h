/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of --userns-remap that work in the host's user namespace:
 * writing a process's uid_map/gid_map, a user namespace holding a mapping
 * (as an fd, for MOUNT_ATTR_IDMAP), and detached idmapped copies of a
 * directory tree, through which files owned by container id N show as
 * owned by the mapped host id. Used by the shim to build a remapped
 * container's root and by berthd for docker cp on a stopped remapped
 * container. Needs CAP_SYS_ADMIN; no shared state.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "engine/util/idmap.h"

/* Writes /proc/@pid/uid_map and gid_map from @m. 0 or -errno. */
int idmapped_write_maps(pid_t pid, const struct idmap *m);

/*
 * A user namespace with @m's maps, as an O_RDONLY fd the caller closes: a
 * forked child (which runs only system calls, so this is safe from a
 * threaded process) unshares one, the maps are written, the namespace is
 * opened and the child exits. -errno on failure.
 */
int idmapped_userns_fd(const struct idmap *m);

/*
 * A detached copy of the tree at @path (its submounts too when
 * @recursive) whose ids are shifted through @userns_fd: open_tree +
 * mount_setattr(MOUNT_ATTR_IDMAP). Returns the mount fd (close-on-exec) or
 * -errno (-EINVAL when the file system cannot be idmapped).
 */
int idmapped_tree(const char *path, int userns_fd, bool recursive);
