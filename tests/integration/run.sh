#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs berth's integration tests (tests/integration/NNNN-*.sh, or those
# named on the command line), each against its own berthd, and prints one
# summary line "integration: N passed, M failed, K skipped". Needs root and
# a built tree. BERTH_TEST_JOBS=N runs scripts in N lanes at once (see below).
#
# Counting is honest (STYLE.md, section 9):
#   - "ok N - # SKIP reason" / "ok N # skip" is a skipped check, not a pass;
#   - a script that exits 77 is a skipped script (its checks, if any, count
#     as usual, and it adds one skip when it printed none);
#   - a script that exits 0 without printing a single ok/not ok line fails
#     (it checked nothing);
#   - any other non-zero exit with no "not ok" line counts as one failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP=${TOP:-$(cd "$here/../.." && pwd)}
export BUILD=${BUILD:-$TOP}
per_test_timeout=${BERTH_TEST_TIMEOUT:-600}

if [ "$#" -gt 0 ]; then tests=("$@"); else tests=("$here"/[0-9][0-9][0-9][0-9]-*.sh); fi
# Leftovers of an earlier, interrupted run on this machine: test bridges,
# their nft tables and FORWARD rules (only those no live berthd uses).
bash "$here/../helpers/netclean.sh" --stale

# tap_counts: reads TAP on stdin, prints "PASSED FAILED SKIPPED". A TAP
# directive is "# SKIP" or "# skip" (any case) after the description; TODO
# directives are not used by berth's tests and count like the plain result.
tap_counts() {
	awk '
		/^not ok([ \t]|$)/ { f++; next }
		/^ok([ \t]|$)/ {
			if (tolower($0) ~ /^ok[ \t]*[0-9]*[^#]*#[ \t]*skip/) s++; else p++
			next
		}
		END { printf "%d %d %d\n", p, f, s }'
}

# run_one SCRIPT DIR: runs one script, keeps its output in DIR/NAME.out and
# "PASSED FAILED SKIPPED RC SECONDS" in DIR/NAME.res.
run_one() {
	local t=$1 dir=$2 name start out rc p f s
	name=$(basename "$t")
	start=$(date +%s)
	out=$(timeout --kill-after=10 "$per_test_timeout" bash "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" >"$dir/$name.out"
	read -r p f s < <(printf '%s\n' "$out" | tap_counts)
	echo "$p $f $s $rc $(( $(date +%s) - start ))" >"$dir/$name.res"
	echo "$name $(( $(date +%s) - start ))" >"$dir/$name.res.time"
}

# Scripts run one after another, or in BERTH_TEST_JOBS lanes at once. Each
# script has its own berthd, data root, bridge and subnets, so scripts do not
# share state; the one thing they could race for is a subnet from the default
# address pools, so every script that makes user networks (or runs compose)
# runs in the first lane, one at a time, before that lane joins the others
# in taking the remaining scripts from a shared queue, longest first.
#
# Longest first by the seconds each script took last time: BERTH_TEST_TIMES
# (default /var/tmp/berth-test-times, "NAME SECONDS" lines) is read before
# the run and updated after it; a script it does not list takes its time
# from tests/integration/times (the last CI run's, in the repository), and
# one listed in neither counts as 60 s (unknown: started early, not last).
jobs=${BERTH_TEST_JOBS:-1}
times_file=${BERTH_TEST_TIMES:-/var/tmp/berth-test-times}
res=$(mktemp -d /tmp/berth-run.XXXXXX)
trap 'rm -rf "$res"' EXIT
# est SCRIPT: its expected seconds (recorded, else the repository's, else 60).
# (awk stops at a file it cannot open: only the ones there are passed)
tfiles=()
for f in "$here/times" "$times_file"; do [ -r "$f" ] && tfiles+=("$f"); done
est() {
	local name
	name=$(basename "$1")
	awk -v n="$name" '$1 == n && $2 ~ /^[0-9]+$/ { s = $2 } END { print (s == "" ? 60 : s) }' \
		"${tfiles[@]}" /dev/null 2>/dev/null || echo 60
}
net=()
: >"$res/queue"
for t in "${tests[@]}"; do
	if [ "$jobs" -gt 1 ] && grep -qE 'network create|networks/create|networks\.create|compose' "$t"; then
		net+=("$t")
	else
		echo "$(est "$t") $t" >>"$res/queue"
	fi
done
# (one lane: in file order; several: longest first, then by name)
if [ "$jobs" -gt 1 ]; then sort -k1,1nr -k2,2r -o "$res/queue" "$res/queue"; fi
sed -i 's/^[0-9]* //' "$res/queue"
# next_script: takes the first script off the shared queue (empty when none).
next_script() {
	(
		flock 9
		head -n1 "$res/queue"
		sed -i 1d "$res/queue"
	) 9>"$res/queue.lock"
}
lane() {
	local i=$1 t
	shift
	for t in "$@"; do run_one "$t" "$res"; progress "$t" "$i"; done
	while t=$(next_script) && [ -n "$t" ]; do run_one "$t" "$res"; progress "$t" "$i"; done
}
# progress on stderr while lanes run; the report below is in order
progress() { echo "# done $(basename "$1") (lane $2): $(cat "$res/$(basename "$1").res")" >&2; }
lane_pids=()
lane 0 "${net[@]}" &
lane_pids+=($!)
for ((i = 1; i < jobs; i++)); do
	lane "$i" &
	lane_pids+=($!)
done
wait "${lane_pids[@]}"

pass=0 failc=0 skipc=0 bad=() skipped=()
for t in "${tests[@]}"; do
	name=$(basename "$t")
	echo "# --- $name"
	if [ -f "$res/$name.res" ]; then
		cat "$res/$name.out"
		read -r p f s rc secs <"$res/$name.res"
	else
		p=0 f=0 s=0 rc=1 secs=0
	fi
	if [ "$rc" -eq 77 ]; then
		# A skipped script: why is on its "1..0 # SKIP" line, shown above.
		skipped+=("$name")
		[ "$s" -gt 0 ] || s=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "not ok - $name exited with status $rc"
	elif [ "$rc" -eq 0 ] && [ $((p + f + s)) -eq 0 ]; then
		f=1; echo "not ok - $name ran no checks"
	fi
	pass=$((pass + p)); failc=$((failc + f)); skipc=$((skipc + s))
	[ "$f" -eq 0 ] || bad+=("$name")
	echo "# $name: $p passed, $f failed, $s skipped in ${secs}s"
done
# The seconds of every script that ran, for the next run's order (written
# whole and renamed: lanes of another run may read it meanwhile).
if { cat "$times_file" 2>/dev/null; cat "$res"/*.res.time 2>/dev/null; } |
	awk 'NF == 2 && $2 ~ /^[0-9]+$/ { t[$1] = $2 } END { for (n in t) print n, t[n] }' |
	sort >"$times_file.$$" 2>/dev/null; then
	mv -f "$times_file.$$" "$times_file"
else
	rm -f "$times_file.$$"
fi
[ "${#skipped[@]}" -eq 0 ] || echo "# skipped scripts: ${skipped[*]}"
[ "${#bad[@]}" -eq 0 ] || echo "# failing: ${bad[*]}"
echo "integration: $pass passed, $failc failed, $skipc skipped"
[ "$failc" -eq 0 ]
