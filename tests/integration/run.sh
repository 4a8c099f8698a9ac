#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs berth's integration tests (tests/integration/NNNN-*.sh, or those
# named on the command line), each against its own berthd, and prints one
# summary line "integration: N passed, M failed". Needs root and a built tree.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP=${TOP:-$(cd "$here/../.." && pwd)}
export BUILD=${BUILD:-$TOP}
per_test_timeout=${BERTH_TEST_TIMEOUT:-600}

if [ "$#" -gt 0 ]; then tests=("$@"); else tests=("$here"/[0-9][0-9][0-9][0-9]-*.sh); fi
# Leftovers of an earlier, interrupted run on this machine: test bridges,
# their nft tables and FORWARD rules (only those no live berthd uses).
bash "$here/../helpers/netclean.sh" --stale
pass=0 failc=0 bad=()
for t in "${tests[@]}"; do
	name=$(basename "$t")
	echo "# --- $name"
	start=$(date +%s)
	out=$(timeout --kill-after=10 "$per_test_timeout" bash "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $name exited with status $rc"; fi
	pass=$((pass + p)); failc=$((failc + f))
	[ "$f" -eq 0 ] || bad+=("$name")
	echo "# $name: $p passed, $f failed in $(( $(date +%s) - start ))s"
done
[ "${#bad[@]}" -eq 0 ] || echo "# failing: ${bad[*]}"
echo "integration: $pass passed, $failc failed"
[ "$failc" -eq 0 ]
