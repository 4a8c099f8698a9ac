/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 device filter: an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE built from a devices-cgroup rule list, as
 * runc's and crun's devicefilter build it, loaded with the bpf() syscall and
 * attached to a cgroup (BPF_CGROUP_DEVICE, exclusive: no BPF_F_ALLOW_MULTI,
 * so attaching again replaces the previous program). cgroup v2 has no devices
 * controller; this program is its device control. Which rules make up a
 * container's list (dockerd's defaults, --device, --device-cgroup-rule) and
 * which cgroup gets it is cgroup.c's business.
 */
#pragma once

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/runtime/runtime_spec.h"
#include "engine/util/err.h"

struct devfilter_rule {
	struct runtime_device_rule r;
	bool allow;
};

/*
 * Assembles the program for @rules: access is denied unless a rule matches;
 * the LAST matching rule decides (rules are tested from the end), as the
 * devices cgroup's allow/deny writes in order and runc's filter do. A rule
 * of type 'a' with both numbers '*' and access "rwm" matches everything.
 * The result (malloc'ed) goes to @ret / @ret_n. Never fails.
 */
void devfilter_build(const struct devfilter_rule *rules, size_t n, struct bpf_insn **ret,
		     size_t *ret_n);

/*
 * Loads the program into the kernel. Returns the program fd (close-on-exec)
 * or -errno (-EPERM without CAP_BPF/CAP_SYS_ADMIN, -EINVAL when the verifier
 * refuses: its log goes to @log when @log_size > 0).
 */
int devfilter_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_size);

/*
 * Attaches @prog_fd to the cgroup (v2 directory) open as @cgroup_fd,
 * replacing a program this function attached before. The attachment holds
 * the program: it stays until the cgroup is removed. 0 or -errno.
 */
int devfilter_attach(int cgroup_fd, int prog_fd);

/*
 * How many device programs are attached to the cgroup open as @cgroup_fd
 * (BPF_PROG_QUERY), or -errno. For tests and diagnostics.
 */
int devfilter_count(int cgroup_fd);

/*
 * Builds, loads and attaches (as above) the program allowing exactly
 * @allow, a NULL-terminated list of rules in runtime_device_rule_parse's
 * form, everything else denied. Returns the program fd, which the caller
 * may keep for the cgroup's life or close, or a negative errno with @e set.
 */
int devfilter_apply(int cgroup_fd, const char *const *allow, struct err *e);
