#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The C lines changed by the last commit follow .clang-format
# (scripts/check-format.sh with its default base, HEAD~1). Prints TAP for
# automake's tap driver; a skip, not a pass, when clang-format is missing,
# outside a git checkout, or when HEAD is a merge (the merged commits were
# checked on their own branches; CI checks a whole branch with
# BERTH_FORMAT_BASE=origin/main).
set -u
top=${srcdir:-.}
echo "1..1"
if ! git -C "$top" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	echo "ok 1 - # SKIP not a git checkout"
	exit 0
fi
if [ -z "${BERTH_FORMAT_BASE:-}" ] && git -C "$top" rev-parse --verify -q HEAD^2 >/dev/null 2>&1; then
	echo "ok 1 - # SKIP HEAD is a merge commit"
	exit 0
fi
out=$("$top/scripts/check-format.sh" 2>&1)
rc=$?
case $rc in
0) echo "ok 1 - changed C lines are formatted as .clang-format says" ;;
77) echo "ok 1 - # SKIP clang-format is not installed" ;;
*)
	echo "not ok 1 - changed C lines are formatted as .clang-format says"
	printf '%s\n' "$out" | sed 's/^/# /'
	;;
esac
printf '%s\n' "$out" | tail -n 1 | sed 's/^/# /'
