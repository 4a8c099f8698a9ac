/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resolution of a container's --user and --group-add against the image's
 * /etc/passwd and /etc/group, with runc/dockerd semantics: "name", "uid",
 * "name:group", "uid:gid"; a numeric id need not exist in the file (gid
 * then defaults to 0); a name that is not there is an error worded as
 * dockerd's ("unable to find user x: no matching entries in passwd file").
 * Supplementary groups are the groups listing the user as a member, plus
 * --group-add. The file contents come from the container and are hostile:
 * malformed lines are skipped, numbers are range-checked, sizes are bounded
 * by the caller (LIMIT_PASSWD_BYTES). Reading the files is the caller's job.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "engine/util/err.h"

struct runtime_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary groups, primary gid first */
	size_t n_groups;
	char *home;		/* from passwd, "/" when unknown */
};

/*
 * Resolves @user (NULL or "" = root) and @additional (NULL-terminated
 * --group-add list, may be NULL) using the text of passwd and group files
 * (either may be NULL: no file). Fills @ret, which the caller releases with
 * runtime_user_release. -ENOENT for an unknown user or group name, -EINVAL
 * for a malformed spec or an id out of range.
 */
int runtime_user_resolve(const char *user, char *const *additional, const char *passwd,
			 const char *group, struct runtime_user *ret, struct err *e);

/* Frees the contents of @u. */
void runtime_user_release(struct runtime_user *u);
