/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker seccomp profiles (`--security-opt seccomp=<profile JSON>`, the
 * format of moby's profiles/seccomp/default.json): parsing with the checks
 * dockerd and runc make, and building the libseccomp filter.
 *
 * The profile comes from a client and is hostile: every member is
 * type-checked, counts are bounded (LIMIT_SECCOMP_*), and errors are worded
 * as dockerd ("Decoding seccomp profile failed: ...") and runc ("string X
 * is not a valid action for seccomp") word them. Conditional entries
 * ("includes"/"excludes" on caps, arches, minKernel) are resolved at parse
 * time against the container's capability set, the native architecture and
 * the running kernel, as dockerd does when it turns the profile into the
 * OCI spec. Syscall names this libseccomp does not know are skipped (runc).
 */
#pragma once

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"

/* Bounds for a profile: moby's default profile has ~40 entries, ~400 names. */
#define LIMIT_SECCOMP_RULES 4096u
#define LIMIT_SECCOMP_NAMES 16384u
#define LIMIT_SECCOMP_ARCHES 32u
#define LIMIT_SECCOMP_ARGS 6u

struct seccomp_profile_arg {
	unsigned index; /* 0..5 */
	uint64_t value, value_two;
	enum scmp_compare op;
};

struct seccomp_profile_rule {
	char **names;	 /* NULL-terminated */
	uint32_t action; /* libseccomp action (SCMP_ACT_ERRNO(n)...) */
	struct seccomp_profile_arg *args;
	size_t n_args;
};

struct seccomp_profile {
	uint32_t default_action;
	uint32_t *arches; /* SCMP_ARCH_* tokens besides the native one */
	size_t n_arches;
	struct seccomp_profile_rule *rules; /* only those that apply here */
	size_t n_rules;
	bool disabled; /* no defaultAction and no syscalls: no filter (dockerd) */
};

/*
 * Parses the profile text @text (@len bytes) for a process holding @caps
 * ("CAP_X" names, NULL-terminated, may be NULL). Fills @ret (released with
 * seccomp_profile_release, also on failure). -EINVAL with a message for bad
 * JSON, wrong types, unknown actions, operators or architectures; -E2BIG
 * past the LIMIT_SECCOMP_* bounds.
 */
int seccomp_profile_parse(const char *text, size_t len, char *const *caps,
			  struct seccomp_profile *ret, struct err *e);

/*
 * The libseccomp filter for @p (not loaded). -EINVAL when libseccomp
 * refuses a rule. The caller loads it with seccomp_load() and releases it
 * with seccomp_release(). @p->disabled gives *ret = NULL and 0.
 */
int seccomp_profile_filter(const struct seccomp_profile *p, scmp_filter_ctx *ret, struct err *e);

void seccomp_profile_release(struct seccomp_profile *p);
