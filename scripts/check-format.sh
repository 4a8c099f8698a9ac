#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks C sources against the root .clang-format (clang-format 14 or later).
#   scripts/check-format.sh FILE...   the whole of each FILE, as it is on disk
#   scripts/check-format.sh           the lines of C files (*.c, *.h) that
#                                     changed between $BERTH_FORMAT_BASE and
#                                     HEAD, as they are in HEAD
# BERTH_FORMAT_BASE defaults to the merge-base of HEAD with its first parent,
# i.e. HEAD~1: the last commit. CI sets it to the target branch (origin/main)
# to check a whole pull request. Only changed lines are checked because the
# tree predates .clang-format and is not reformatted wholesale.
# Prints a diff of what clang-format would change; exits 0 when nothing
# would, 1 when something would, 2 on a usage or git error, 77 when
# clang-format is not installed ($CLANG_FORMAT overrides the command).
set -euo pipefail
cd "$(dirname "$0")/.."

cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
	for c in clang-format clang-format-14 clang-format-15 clang-format-16; do
		command -v "$c" >/dev/null 2>&1 && { cf=$c; break; }
	done
fi
if [ -z "$cf" ] || ! command -v "$cf" >/dev/null 2>&1; then
	echo "check-format: clang-format is not installed" >&2
	exit 77
fi

bad=0
# report FILE: compares clang-format's output (stdin) with FILE's text (fd 3);
# prints the difference and fails when there is one.
report() {
	diff -u --label "$1" --label "$1 (clang-format)" /dev/fd/3 -
}

if [ "$#" -gt 0 ]; then
	for f in "$@"; do
		[ -f "$f" ] || { echo "check-format: no such file '$f'" >&2; exit 2; }
		"$cf" --style=file "$f" | report "$f" 3<"$f" || bad=1
	done
	[ "$bad" -eq 0 ] || echo "check-format: run '$cf -i FILE' on the files above" >&2
	exit "$bad"
fi

git rev-parse --verify -q HEAD >/dev/null || { echo "check-format: not a git checkout" >&2; exit 2; }
base=${BERTH_FORMAT_BASE:-}
if [ -z "$base" ]; then
	if git rev-parse --verify -q HEAD~1 >/dev/null; then
		base=$(git merge-base HEAD HEAD~1)
	else
		base=$(git hash-object -t tree /dev/null) # the first commit: everything is new
	fi
fi

n=0
while IFS= read -r f; do
	# New-side line ranges of the hunks ("@@ -a,b +start,count @@"); a count
	# of 0 is a pure deletion, which leaves nothing to format.
	lines=()
	while read -r start count; do
		count=${count:-1}
		[ "$count" -gt 0 ] || continue
		lines+=("--lines=$start:$((start + count - 1))")
	done < <(git diff -U0 --no-color "$base" HEAD -- "$f" |
		sed -n 's/^@@ -[0-9,]* +\([0-9]*\)\(,\([0-9]*\)\)\{0,1\} @@.*/\1 \3/p')
	[ "${#lines[@]}" -gt 0 ] || continue
	n=$((n + 1))
	git show "HEAD:$f" | "$cf" --style=file --assume-filename="$f" "${lines[@]}" |
		report "$f" 3< <(git show "HEAD:$f") || bad=1
done < <(git diff --name-only --diff-filter=ACMR --no-color "$base" HEAD -- '*.c' '*.h')

echo "check-format: $n changed C file(s) since ${base:0:12}" >&2
[ "$bad" -eq 0 ] || echo "check-format: the changed lines above are not formatted as .clang-format says" >&2
exit "$bad"
