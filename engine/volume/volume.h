/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named volumes (driver "local"): a directory <data-root>/volumes/<name>/_data
 * plus meta.json (labels, options, creation time, anonymous flag). Containers
 * mount _data with a bind mount. Which containers use a volume is asked
 * through a callback that the container subsystem installs, so this module
 * does not depend on it. Thread-safe: one mutex (vs->mu) guards the index,
 * never held across disk I/O of a whole tree (sizes are computed unlocked).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/util/err.h"

struct volumes;

struct volume_info {
	char *name;
	char *mountpoint;	/* absolute path of _data */
	json_t *labels;		/* object, never NULL */
	json_t *options;	/* object, never NULL */
	int64_t created_ns;
	bool anonymous;
};

/*
 * Callback: fills @ret_ids (a JSON array of container IDs, consumed by the
 * caller) with the containers that use volume @name. NULL means "none".
 */
typedef json_t *(*volume_users_fn)(void *ud, const char *name);

int volumes_open(const char *data_root, struct volumes **ret, struct err *e);
void volumes_close(struct volumes *vs);
void volumes_set_users_fn(struct volumes *vs, volume_users_fn fn, void *ud);

/*
 * --userns-remap: the _data directory of every volume created from now on
 * is owned by @uid:@gid (the remapped root, as dockerd makes it). Call once
 * at start-up, before any request.
 */
void volumes_set_owner(struct volumes *vs, uid_t uid, gid_t gid);

/*
 * Creates volume @name (NULL: an anonymous volume with a random 64-hex
 * name). An existing name is not an error: its info is returned (dockerd).
 * @labels and @options are borrowed. -EINVAL for a bad name or options.
 */
int volume_create(struct volumes *vs, const char *name, json_t *labels, json_t *options,
		  bool anonymous, struct volume_info *ret, struct err *e);

/* -ENOENT "get <name>: no such volume". */
int volume_get(struct volumes *vs, const char *name, struct volume_info *ret, struct err *e);

/* All volumes, sorted by name; caller releases each and frees the array. */
int volume_list(struct volumes *vs, struct volume_info **ret, size_t *ret_n, struct err *e);

/*
 * Removes @name: -ENOENT if missing; -EBUSY "remove <name>: volume is in use
 * - [<ids>]" if a container uses it (even with @force, as dockerd).
 */
int volume_remove(struct volumes *vs, const char *name, bool force, struct err *e);

/*
 * Removes every unused volume for which @keep returns false (NULL: none
 * kept); anonymous ones only unless @all. Appends removed names to
 * @ret_names (a JSON array) and adds their sizes to @ret_bytes.
 */
int volume_prune(struct volumes *vs, bool all, bool (*keep)(const struct volume_info *, void *),
		 void *ud, json_t *ret_names, int64_t *ret_bytes, struct err *e);

/* Users of @name as a JSON array (possibly empty), via the callback. */
json_t *volume_users(struct volumes *vs, const char *name);

/* Bytes used by a volume's data (du -b). */
int64_t volume_size(const struct volume_info *v);

void volume_info_release(struct volume_info *v);

/*
 * Whether a bind mount's host @path exists (anything: file, directory,
 * socket; a dangling symlink does not). Used where a missing source is an
 * error rather than created (--mount type=bind, as dockerd).
 */
bool volume_bind_source_exists(const char *path);

/*
 * The absolute path of volume @name's data directory,
 * <data-root>/volumes/<name>/_data (what containers bind-mount and what
 * inspect reports as Mountpoint), whether or not it exists. The one place
 * that layout is spelled out. @name is not checked; the caller frees.
 */
char *volume_data_path(const struct volumes *vs, const char *name);

/* True for Docker's local volume name grammar [a-zA-Z0-9][a-zA-Z0-9_.-]+. */
bool volume_name_is_valid(const char *name);
