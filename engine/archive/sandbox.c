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

static const cap_value_t keep_caps[] = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_MKNOD,
					CAP_SETFCAP};

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
limits(struct err *e)
{
	int r;

	/* a file past the limit fails with EFBIG instead of killing us */
	signal(SIGXFSZ, SIG_IGN);
	if ((r = set_limit(RLIMIT_CORE, 0, e)) < 0 ||
	    (r = set_limit(RLIMIT_NOFILE, SANDBOX_MAX_FDS, e)) < 0 ||
	    (r = set_limit(RLIMIT_CPU, SANDBOX_MAX_CPU_S, e)) < 0 ||
	    (r = set_limit(RLIMIT_FSIZE, LIMIT_ARCHIVE_BYTES, e)) < 0 ||
	    (r = set_limit(RLIMIT_MEMLOCK, 0, e)) < 0 || (r = set_limit(RLIMIT_MSGQUEUE, 0, e)) < 0)
		return r;
	return 0;
}

static bool
is_kept(cap_value_t c)
{
	for (size_t i = 0; i < sizeof(keep_caps) / sizeof(keep_caps[0]); i++)
		if (keep_caps[i] == c)
			return true;
	return false;
}

static int
drop_caps(struct err *e)
{
	cap_t caps = NULL;
	int r = 0;

	/* the bounding set first: dropping from it needs CAP_SETPCAP */
	for (cap_value_t c = 0; c < 64; c++) {
		if (is_kept(c))
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
	if (cap_set_flag(caps, CAP_EFFECTIVE, sizeof(keep_caps) / sizeof(keep_caps[0]), keep_caps,
			 CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, sizeof(keep_caps) / sizeof(keep_caps[0]), keep_caps,
			 CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0)
		r = err_errno(e, -errno, "sandbox: set capabilities");
	cap_free(caps);
	return r;
}

static int
filter(struct err *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return err_set(e, -ENOMEM, "sandbox: seccomp_init");
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
	if ((r = empty_root(e)) < 0 || (r = limits(e)) < 0 || (r = drop_caps(e)) < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_errno(e, -errno, "sandbox: no_new_privs");
	return filter(e);
}
