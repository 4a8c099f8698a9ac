/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns-remap: from the flag's value to the id mapping of remapped
 * containers, creating the default user and its subordinate ranges as
 * dockerd does. Runs once at start-up, before any thread exists.
 */
#pragma once

#include "engine/util/err.h"
#include "engine/util/idmap.h"

/*
 * Resolves @spec ("default", "user", "user:group", "uid:gid"). "default"
 * creates the system user `berth` (useradd) and its ranges (usermod
 * --add-subuids/--add-subgids, the first free 65536 ids from 100000)
 * when missing. Fills @ret with every range of the user in /etc/subuid and
 * of the group in /etc/subgid. -ENOENT for an unknown user or group or no
 * ranges, -EINVAL for a malformed @spec, -EIO when a tool failed.
 */
int remap_resolve(const char *spec, struct idmap *ret, struct err *e);
