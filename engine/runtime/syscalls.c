/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's default seccomp allowlist; see syscalls.h. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>

#include "engine/runtime/runtime_spec.h"
#include "engine/runtime/syscalls.h"

/* Allowed for everyone (moby default.json, first rule, x86-64 relevant names kept). */
static const char *const allow_all[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
	"capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
	"clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
	"clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
	"copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
	"epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
	"faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
	"fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
	"fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
	"fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
	"ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
	"futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
	"getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
	"getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
	"getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
	"get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
	"gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
	"inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
	"io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
	"io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
	"listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
	"lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
	"mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
	"mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
	"msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
	"name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
	"pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
	"pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
	"prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev",
	"pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
	"recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
	"renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
	"rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
	"rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
	"sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
	"sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
	"setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
	"setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
	"setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
	"setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
	"set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
	"shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
	"socket", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64",
	"statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
	"tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
	"timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times",
	"tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
	"utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
	"waitpid", "write", "writev",
	/* kernel >= 4.8 (moby minKernel rule), and x86-64 specifics */
	"ptrace", "process_vm_readv", "process_vm_writev", "arch_prctl", "modify_ldt", NULL,
};

struct cap_rule {
	const char *cap;
	const char *const names[16];
};

/* Syscalls moby unlocks per capability. */
static const struct cap_rule cap_rules[] = {
	{"CAP_SYS_ADMIN", {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount",
			   "fsopen", "fspick", "lookup_dcookie", "mount", "mount_setattr",
			   "move_mount", "open_tree", "perf_event_open", "quotactl", NULL}},
	{"CAP_SYS_ADMIN", {"quotactl_fd", "setdomainname", "sethostname", "setns", "syslog",
			   "umount", "umount2", "unshare", NULL}},
	{"CAP_SYS_BOOT", {"reboot", NULL}},
	{"CAP_SYS_CHROOT", {"chroot", NULL}},
	{"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module", NULL}},
	{"CAP_SYS_PACCT", {"acct", NULL}},
	{"CAP_SYS_PTRACE", {"kcmp", "pidfd_getfd", "process_madvise", NULL}},
	{"CAP_SYS_RAWIO", {"iopl", "ioperm", NULL}},
	{"CAP_SYS_TIME", {"settimeofday", "stime", "clock_settime", "clock_settime64", NULL}},
	{"CAP_SYS_TTY_CONFIG", {"vhangup", NULL}},
	{"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node",
			  NULL}},
	{"CAP_SYSLOG", {"syslog", NULL}},
	{"CAP_BPF", {"bpf", NULL}},
	{"CAP_PERFMON", {"perf_event_open", NULL}},
};

static bool
has_cap(char *const *caps, const char *cap)
{
	for (size_t i = 0; caps && caps[i]; i++)
		if (runtime_cap_from_name(caps[i]) == runtime_cap_from_name(cap))
			return true;
	return false;
}

/* Adds an ALLOW rule; names unknown to this libseccomp or arch are skipped. */
static int
allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr < 0)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

static int
add_rules(scmp_filter_ctx ctx, char *const *caps)
{
	bool admin = has_cap(caps, "CAP_SYS_ADMIN");
	/* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET = 0x7E020000 */
	const scmp_datum_t ns_flags = 0x7E020000;
	static const scmp_datum_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
	int r;

	for (size_t i = 0; allow_all[i]; i++)
		if ((r = allow(ctx, allow_all[i])) < 0)
			return r;
	for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
				     SCMP_A0(SCMP_CMP_EQ, personas[i]));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < sizeof(cap_rules) / sizeof(cap_rules[0]); i++) {
		if (!has_cap(caps, cap_rules[i].cap))
			continue;
		for (size_t j = 0; cap_rules[i].names[j]; j++)
			if ((r = allow(ctx, cap_rules[i].names[j])) < 0)
				return r;
	}
	if (admin)
		return 0;
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags, 0));
	if (r < 0)
		return r;
	/* glibc falls back to clone only on ENOSYS (platform-notes §5). */
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

int
syscalls_default_filter(char *const *caps, scmp_filter_ctx *ret, struct err *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (!ctx)
		return err_set(e, -ENOMEM, "seccomp: cannot create filter");
	/*
	 * libseccomp sets no_new_privs before loading unless told not to; the
	 * shim loads the filter while it still holds CAP_SYS_ADMIN, so it need
	 * not, and no_new_privs stays what the container asked for (setuid
	 * programs in images work as under dockerd).
	 */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0) {
		seccomp_release(ctx);
		return err_errno(e, r, "seccomp: cannot keep no_new_privs off");
	}
	r = add_rules(ctx, caps);
	if (r < 0) {
		seccomp_release(ctx);
		return err_errno(e, r, "seccomp: build default profile");
	}
	*ret = ctx;
	return 0;
}
