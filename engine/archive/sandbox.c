/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Confinement of the extraction helper; see sandbox.h. The order matters:
 * namespaces and mounts need CAP_SYS_ADMIN, dropping the bounding set needs
 * CAP_SETPCAP, so capabilities go after both, and the seccomp filter (which
 * refuses mount and friends) last.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/capability.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/archive/sandbox.h"
#include "engine/util/limits.h"

/* Where the empty root is built; any directory that exists on the host. */
#define SANDBOX_BASE "/tmp"

/* Descriptors the helper may hold: the walk of a deep tree keeps one per level. */
#define SANDBOX_MAX_FDS (LIMIT_ARCHIVE_DEPTH + 64)
/* CPU seconds for one job: far above a 128 GiB layer's decompression. */
#define SANDBOX_MAX_CPU_S (4 * 3600)

static const cap_value_t untar_caps[] = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_MKNOD,
					 CAP_SETFCAP};
/* The read helper reads and searches anything, as root would, and writes nothing. */
static const cap_value_t read_caps[] = {CAP_DAC_READ_SEARCH};

/* Descriptors the read helper may hold: an export keeps one per layer and level. */
#define SANDBOX_READ_MAX_FDS 16384
/* The file-system owner the read helper acts as: it owns nothing, so with
 * CAP_DAC_READ_SEARCH (and no CAP_DAC_OVERRIDE) nothing is writable to it. */
#define SANDBOX_READ_FSID 65534

/* Calls that change a file system, refused (EROFS) in the read helper on top of the list below. */
static const char *const read_denied_syscalls[] = {
	"mkdir",      "mkdirat",     "mknod",	     "mknodat",		"unlink",
	"unlinkat",   "rmdir",	     "rename",	     "renameat",	"renameat2",
	"link",	      "linkat",	     "symlink",	     "symlinkat",	"chmod",
	"fchmod",     "fchmodat",    "fchmodat2",    "chown",		"fchown",
	"lchown",     "fchownat",    "setxattr",     "lsetxattr",	"fsetxattr",
	"setxattrat", "removexattr", "lremovexattr", "fremovexattr",	"removexattrat",
	"truncate",   "ftruncate",   "fallocate",    "utime",		"utimes",
	"utimensat",  "futimesat",   "creat",	     "copy_file_range",
};

/* System calls the helper never needs: each fails with EPERM. */
static const char *const denied_syscalls[] = {
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"chroot",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"mount_setattr",
	"setns",
	"unshare",
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"kcmp",
	"pidfd_getfd",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"reboot",
	"swapon",
	"swapoff",
	"acct",
	"quotactl",
	"quotactl_fd",
	"sethostname",
	"setdomainname",
	"settimeofday",
	"clock_settime",
	"clock_adjtime",
	"adjtimex",
	"iopl",
	"ioperm",
	"syslog",
	"keyctl",
	"add_key",
	"request_key",
	"open_by_handle_at",
	"name_to_handle_at",
	"lookup_dcookie",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"execve",
	"execveat",
	"fork",
	"vfork",
	"clone",
	"clone3",
	"personality",
	"fanotify_init",
	"landlock_create_ruleset",
	"nfsservctl",
	"vhangup",
	"connect",
	"bind",
	"listen",
	"accept",
	"accept4",
	"uselib",
	"ustat",
	"sysfs",
	"_sysctl",
	"mbind",
	"migrate_pages",
	"move_pages",
	"set_mempolicy",
	"lsm_set_self_attr",
};

/* An empty, read-only tmpfs as "/", the old root detached. */
static int
empty_root(struct err *e)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_errno(e, -errno, "sandbox: make mounts private");
	if (mount("tmpfs", SANDBOX_BASE, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=16k,nr_inodes=8,mode=0555") < 0)
		return err_errno(e, -errno, "sandbox: mount tmpfs");
	if (chdir(SANDBOX_BASE) < 0)
		return err_errno(e, -errno, "sandbox: chdir");
	/* pivot_root(".", "."): the old root stacks under the new one and is
	 * detached at once, so no directory for it is needed */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_errno(e, -errno, "sandbox: pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return err_errno(e, -errno, "sandbox: detach the old root");
	if (chdir("/") < 0)
		return err_errno(e, -errno, "sandbox: chdir /");
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return err_errno(e, -errno, "sandbox: remount the root read-only");
	return 0;
}

static int
set_limit(int res, rlim_t v, struct err *e)
{
	struct rlimit rl = {v, v};

	if (setrlimit(res, &rl) < 0)
		return err_errno(e, -errno, "sandbox: setrlimit %d", res);
	return 0;
}

static int
limits(rlim_t max_fds, struct err *e)
{
	int r;

	/* a file past the limit fails with EFBIG instead of killing us */
	signal(SIGXFSZ, SIG_IGN);
	if ((r = set_limit(RLIMIT_CORE, 0, e)) < 0 ||
	    (r = set_limit(RLIMIT_NOFILE, max_fds, e)) < 0 ||
	    (r = set_limit(RLIMIT_CPU, SANDBOX_MAX_CPU_S, e)) < 0 ||
	    (r = set_limit(RLIMIT_FSIZE, LIMIT_ARCHIVE_BYTES, e)) < 0 ||
	    (r = set_limit(RLIMIT_MEMLOCK, 0, e)) < 0 || (r = set_limit(RLIMIT_MSGQUEUE, 0, e)) < 0)
		return r;
	return 0;
}

static bool
is_kept(const cap_value_t *keep_caps, size_t n, cap_value_t c)
{
	for (size_t i = 0; i < n; i++)
		if (keep_caps[i] == c)
			return true;
	return false;
}

static int
drop_caps(const cap_value_t *keep_caps, size_t n, struct err *e)
{
	cap_t caps = NULL;
	int r = 0;

	/* the bounding set first: dropping from it needs CAP_SETPCAP */
	for (cap_value_t c = 0; c < 64; c++) {
		if (is_kept(keep_caps, n, c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err_errno(e, -errno,
					 "sandbox: drop capability %d from the bounding set",
					 (int)c);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_errno(e, -errno, "sandbox: clear ambient capabilities");
	caps = cap_init();
	if (!caps)
		return err_errno(e, -errno, "sandbox: cap_init");
	if (cap_set_flag(caps, CAP_EFFECTIVE, (int)n, keep_caps, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, (int)n, keep_caps, CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0)
		r = err_errno(e, -errno, "sandbox: set capabilities");
	cap_free(caps);
	return r;
}

/* The read helper's additions: nothing changes a file, nothing is written but its pipe. */
static int
read_rules(scmp_filter_ctx ctx)
{
	static const int write_flags[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND};
	int r = 0;

	for (size_t i = 0;
	     r >= 0 && i < sizeof(read_denied_syscalls) / sizeof(*read_denied_syscalls); i++) {
		int nr = seccomp_syscall_resolve_name(read_denied_syscalls[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EROFS), nr, 0);
		if (r == -EDOM)
			r = 0;
	}
	/* open(2) and openat(2) for writing (openat2's flags are out of a
	 * filter's reach: its owner and capabilities refuse those) */
	for (size_t i = 0; r >= 0 && i < sizeof(write_flags) / sizeof(*write_flags); i++) {
		scmp_datum_t f = (scmp_datum_t)write_flags[i];
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EROFS), SCMP_SYS(openat), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, f, f));
		if (r >= 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EROFS), SCMP_SYS(open), 1,
					     SCMP_A1(SCMP_CMP_MASKED_EQ, f, f));
	}
	/* writes only to stdout (the pipe) and stderr */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EBADF), SCMP_SYS(write), 1,
				     SCMP_A0(SCMP_CMP_GT, 2));
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EBADF), SCMP_SYS(pwrite64), 0);
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EBADF), SCMP_SYS(writev), 1,
				     SCMP_A0(SCMP_CMP_GT, 2));
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EBADF), SCMP_SYS(pwritev), 0);
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EBADF), SCMP_SYS(pwritev2), 0);
	/* no shared mapping of a file (a write through memory) */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mmap), 1,
				     SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_SHARED, MAP_SHARED));
	return r;
}

static int
filter(bool read_only, struct err *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return err_set(e, -ENOMEM, "sandbox: seccomp_init");
	if (read_only && (r = read_rules(ctx)) < 0) {
		seccomp_release(ctx);
		return err_errno(e, r, "sandbox: seccomp rules of the read helper");
	}
	for (size_t i = 0; i < sizeof(denied_syscalls) / sizeof(denied_syscalls[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied_syscalls[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0 && r != -EDOM) {
			seccomp_release(ctx);
			return err_errno(e, r, "sandbox: seccomp rule for '%s'",
					 denied_syscalls[i]);
		}
	}
	/* no new sockets of any family (an AF_UNIX one could reach abstract
	 * sockets); the channel to berthd is inherited and already connected */
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r < 0 ? err_errno(e, r, "sandbox: load the seccomp filter") : 0;
}

int
sandbox_enter(struct err *e)
{
	int r;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) < 0)
		return err_errno(e, -errno, "sandbox: unshare");
	if ((r = empty_root(e)) < 0 || (r = limits(SANDBOX_MAX_FDS, e)) < 0 ||
	    (r = drop_caps(untar_caps, sizeof(untar_caps) / sizeof(*untar_caps), e)) < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_errno(e, -errno, "sandbox: no_new_privs");
	return filter(false, e);
}

/* No supplementary group, and a file-system owner that owns nothing. */
static int
read_ids(struct err *e)
{
	if (setgroups(0, NULL) < 0)
		return err_errno(e, -errno, "sandbox: setgroups");
	(void)setfsgid(SANDBOX_READ_FSID);
	(void)setfsuid(SANDBOX_READ_FSID);
	/* setfs*id report the previous id: a second call tells whether it took */
	if (setfsgid(SANDBOX_READ_FSID) != SANDBOX_READ_FSID ||
	    setfsuid(SANDBOX_READ_FSID) != SANDBOX_READ_FSID)
		return err_set(e, -EPERM, "sandbox: setfsuid");
	return 0;
}

int
sandbox_enter_read(struct err *e)
{
	int r;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) < 0)
		return err_errno(e, -errno, "sandbox: unshare");
	if ((r = empty_root(e)) < 0 || (r = limits(SANDBOX_READ_MAX_FDS, e)) < 0 ||
	    (r = read_ids(e)) < 0 ||
	    (r = drop_caps(read_caps, sizeof(read_caps) / sizeof(*read_caps), e)) < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_errno(e, -errno, "sandbox: no_new_privs");
	return filter(true, e);
}
