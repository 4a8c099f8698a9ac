#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# No berthd thread changes namespace or mounts (ARCHITECTURE.md "Processes",
# issue 12): fails when C code in server/, api/ or engine/ calls setns,
# unshare, mount, umount, pivot_root or chroot outside the places allowed
# below, naming the file and line. Prints TAP.
#   engine/util/nsjob.c      the helper children berthd spawns for such work
#   engine/runtime/shim/     berth-shim, a process of its own per container
#   engine/archive/sandbox.c, engine/archive/helper_main.c
#                            berth-untar, the extraction helper, a process of
#                            its own per archive (sandbox.c is linked only into it)
set -u
top=${srcdir:-.}
allowed='^(engine/util/nsjob\.c|engine/runtime/shim/|engine/archive/sandbox\.c|engine/archive/helper_main\.c)'
call='(^|[^A-Za-z0-9_>.])(setns|unshare|mount|umount2?|pivot_root|chroot)[[:space:]]*\(|SYS_(setns|unshare|mount|umount2|pivot_root|chroot)([^A-Za-z0-9_]|$)'
n=0 bad=0
result() { # OK MSG
	n=$((n + 1))
	if [ "$1" = 1 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=$((bad + 1)); fi
}
files=$(cd "$top" && find server api engine -name '*.c' | sort)
[ -n "$files" ] || { echo "1..1"; echo "not ok 1 - no sources found below '$top'"; exit 1; }
# one awk over every file (a sed and a grep per file took half a minute on
# a loaded machine); prints FILE:LINE:TEXT of each call
offending=$(cd "$top" && printf '%s\n' $files | grep -vE "$allowed" | xargs awk -v call="$call" '
	{
		# drop comments: /* ... */ on one line and the " * " lines of block comments
		sub(/\/\*.*\*\//, ""); sub(/^[[:space:]]*\*.*/, ""); sub(/^[[:space:]]*\/\*.*/, "")
		if ($0 ~ call) print FILENAME ":" FNR ":" $0
	}')
if [ -z "$offending" ]; then
	result 1 "no namespace or mount call on berthd's threads (only in engine/util/nsjob.c, the shim and berth-untar)"
else
	result 0 "no namespace or mount call on berthd's threads (only in engine/util/nsjob.c, the shim and berth-untar)"
	printf '%s\n' "$offending" | sed 's/^/# /'
fi
# the helper itself: its calls are raw syscalls in the child, not libc wrappers
# that a thread could reach
if [ ! -f "$top/engine/util/nsjob.c" ] ||
	grep -qE '(^|[^A-Za-z0-9_>.])(setns|unshare|mount|umount2?)[[:space:]]*\(' "$top/engine/util/nsjob.c"; then
	result 0 "engine/util/nsjob.c calls namespace and mount syscalls only from its child (syscall(SYS_...))"
else
	result 1 "engine/util/nsjob.c calls namespace and mount syscalls only from its child (syscall(SYS_...))"
fi
echo "1..$n"
echo "# ns-calls: $((n - bad)) passed, $bad failed, 0 skipped"
[ "$bad" -eq 0 ]
