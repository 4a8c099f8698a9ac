/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's default seccomp profile (moby profiles/seccomp/default.json) built
 * with libseccomp: an allowlist with EPERM as the default action, extra
 * syscalls unlocked by the capabilities the container holds, namespace-
 * creating clone flags refused without CAP_SYS_ADMIN, and clone3 answered
 * with ENOSYS so that glibc falls back to clone (platform-notes §5).
 * Names this libseccomp does not know are skipped.
 */
#pragma once

#include <seccomp.h>

#include "engine/util/err.h"

/*
 * Builds the default filter for a process holding @caps ("CAP_X" names,
 * NULL-terminated). The caller loads it with seccomp_load() as the last step
 * before exec and releases it with seccomp_release().
 */
int syscalls_default_filter(char *const *caps, scmp_filter_ctx *ret, struct err *e);
