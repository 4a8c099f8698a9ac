/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 device filter; see devfilter.h. The program follows runc's
 * libcontainer/cgroups/devices/devicefilter.go instruction for instruction:
 *
 *   r2 = ctx->access_type & 0xffff   device type (BPF_DEVCG_DEV_BLOCK/CHAR)
 *   r3 = ctx->access_type >> 16      requested access (BPF_DEVCG_ACC_*)
 *   r4 = ctx->major, r5 = ctx->minor
 *   per rule, last rule first:
 *     if (r2 != type) goto next            (omitted for type 'a')
 *     if ((r3 & access) != r3) goto next   (omitted for "rwm")
 *     if (r4 != major) goto next           (omitted for '*')
 *     if (r5 != minor) goto next           (omitted for '*')
 *     return allow;
 *   next: ...
 *   return 0;                              (default deny)
 *
 * Numbers are compared with 32-bit jumps (BPF_JMP32): the context fields are
 * u32 and a major above INT32_MAX must not be sign-extended. A rule with no
 * test at all matches everything, so the rules before it (and the final
 * deny) could never run; the verifier refuses unreachable code, so assembly
 * stops there.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/runtime/devfilter.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"

/* The kernel's instruction macros live in its internal filter.h; these are the few we need. */
static struct bpf_insn
insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){.code = code,
				 .dst_reg = dst,
				 .src_reg = src,
				 .off = off,
				 .imm = imm};
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE32_IMM(dst, imm) insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, 0, imm)
#define JNE32_REG(dst, src) insn(BPF_JMP32 | BPF_JNE | BPF_X, dst, src, 0, 0)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0 = 0, R1, R2, R3, R4, R5 };

#define ACC_ALL (RUNTIME_DEV_MKNOD | RUNTIME_DEV_READ | RUNTIME_DEV_WRITE)

/* Our access bits are the kernel's BPF_DEVCG_ACC_* ones, checked here once. */
_Static_assert((int)RUNTIME_DEV_MKNOD == (int)BPF_DEVCG_ACC_MKNOD &&
		       (int)RUNTIME_DEV_READ == (int)BPF_DEVCG_ACC_READ &&
		       (int)RUNTIME_DEV_WRITE == (int)BPF_DEVCG_ACC_WRITE,
	       "access bits differ from BPF_DEVCG_ACC_*");

struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
};

static void
emit(struct prog *p, struct bpf_insn i)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->insns = xrealloc(p->insns, p->cap * sizeof(*p->insns));
	}
	p->insns[p->n++] = i;
}

/* Emits one rule's block; false when the rule tests nothing (it matches all). */
static bool
emit_rule(struct prog *p, const struct devfilter_rule *fr)
{
	const struct runtime_device_rule *r = &fr->r;
	size_t jumps[4], n_jumps = 0;

	if (r->type != 'a') {
		jumps[n_jumps++] = p->n;
		emit(p, JNE32_IMM(R2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
	}
	if ((r->access & ACC_ALL) != ACC_ALL) {
		emit(p, MOV32_REG(R1, R3));
		emit(p, ALU32_IMM(BPF_AND, R1, (int32_t)(r->access & ACC_ALL)));
		jumps[n_jumps++] = p->n;
		emit(p, JNE32_REG(R1, R3));
	}
	if (r->major >= 0) {
		jumps[n_jumps++] = p->n;
		emit(p, JNE32_IMM(R4, (int32_t)(uint32_t)r->major));
	}
	if (r->minor >= 0) {
		jumps[n_jumps++] = p->n;
		emit(p, JNE32_IMM(R5, (int32_t)(uint32_t)r->minor));
	}
	emit(p, MOV64_IMM(R0, fr->allow ? 1 : 0));
	emit(p, EXIT());
	/* every failed test jumps to the first instruction after this block */
	for (size_t i = 0; i < n_jumps; i++)
		p->insns[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
	return n_jumps > 0;
}

void
devfilter_build(const struct devfilter_rule *rules, size_t n, struct bpf_insn **ret, size_t *ret_n)
{
	struct prog p = {0};
	bool open_end = true;

	emit(&p, LDX_W(R2, R1, 0));
	emit(&p, ALU32_IMM(BPF_AND, R2, 0xffff));
	emit(&p, LDX_W(R3, R1, 0));
	emit(&p, ALU32_IMM(BPF_RSH, R3, 16));
	emit(&p, LDX_W(R4, R1, 4));
	emit(&p, LDX_W(R5, R1, 8));
	for (size_t i = n; i-- > 0 && open_end;)
		open_end = emit_rule(&p, &rules[i]);
	if (open_end) {
		emit(&p, MOV64_IMM(R0, 0));
		emit(&p, EXIT());
	}
	*ret = p.insns;
	*ret_n = p.n;
}

static int
sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

int
devfilter_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
	static const char license[] = "Apache";
	union bpf_attr attr;
	int r, r2;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)license;
	if (log && log_size > 0)
		log[0] = '\0';
	/* bpf() program fds are close-on-exec from birth */
	r = sys_bpf(BPF_PROG_LOAD, &attr);
	if (r >= 0 || r != -EINVAL || !log || log_size == 0)
		return r;
	/* Again for the verifier's reason only: a log that does not fit fails
	 * the load with ENOSPC even when the program is good. */
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = (uint32_t)log_size;
	attr.log_level = 1;
	r2 = sys_bpf(BPF_PROG_LOAD, &attr);
	if (r2 >= 0)
		close(r2);
	return r;
}

int
devfilter_attach(int cgroup_fd, int prog_fd)
{
	union bpf_attr attr;
	int r;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = 0; /* exclusive, as runc on a cgroup it owns */
	r = sys_bpf(BPF_PROG_ATTACH, &attr);
	return r < 0 ? r : 0;
}

int
devfilter_count(int cgroup_fd)
{
	union bpf_attr attr;
	int r;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgroup_fd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	r = sys_bpf(BPF_PROG_QUERY, &attr);
	return r < 0 ? r : (int)attr.query.prog_cnt;
}

int
devfilter_apply(int cgroup_fd, const char *const *allow, struct err *e)
{
	_cleanup_free_ struct devfilter_rule *rules = NULL;
	_cleanup_free_ struct bpf_insn *insns = NULL;
	_cleanup_close_ int prog = -1;
	size_t n = 0, n_insns = 0;
	char log[512];
	int r;

	while (allow && allow[n])
		n++;
	rules = xcalloc(n ? n : 1, sizeof(*rules));
	for (size_t i = 0; i < n; i++) {
		if (runtime_device_rule_parse(allow[i], &rules[i].r) < 0)
			return err_set(e, -EINVAL, "invalid device rule '%s'", allow[i]);
		rules[i].allow = true;
	}
	devfilter_build(rules, n, &insns, &n_insns);
	prog = devfilter_load(insns, n_insns, log, sizeof(log));
	if (prog < 0) {
		/* the verifier's verdict is the log's last line */
		size_t len = strlen(log);
		while (len > 0 && log[len - 1] == '\n')
			log[--len] = '\0';
		const char *last = strrchr(log, '\n') ? strrchr(log, '\n') + 1 : log;
		return err_set(e, prog, "load device filter: %s%s%s", strerror(-prog),
			       last[0] ? ": " : "", last);
	}
	if ((r = devfilter_attach(cgroup_fd, prog)) < 0)
		return err_errno(e, r, "attach device filter");
	return TAKE_FD(prog);
}
