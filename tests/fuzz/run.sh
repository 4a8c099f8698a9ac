#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs libFuzzer targets one after the other (one job each: the CI machine's
# cores are shared), each for SECONDS, from its seed corpus and regression
# inputs plus the corpus earlier runs grew in BUILDDIR/fuzz-corpus/<target>.
# Prints one line per target (executions, executions per second, coverage,
# corpus size) and fails when any target crashed, leaked, hit undefined
# behaviour, ran out of memory or timed out; the failing input is kept in
# BUILDDIR/fuzz-artifacts/ (copy it to tests/fuzz/regress/<target>/ with
# the fix, so `make check` replays it).
# Usage: run.sh SRCDIR BUILDDIR SECONDS TARGET...
set -u
src=$1 build=$2 secs=$3
shift 3
fail=0
art=$build/fuzz-artifacts
mkdir -p "$art"

# Longest input per target: enough for the formats, small enough to stay fast.
max_len() {
	case $1 in
	untar) echo 65536 ;;
	container_create | websocket | manifest | image_config | dockerfile) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

# Dictionaries: Dockerfile keywords, JSON with Docker's field names.
dict_of() {
	case $1 in
	dockerfile) echo dockerfile.dict ;;
	container_create | filters | manifest | image_config | daemon_json | authconfig | build_request | load)
		echo json.dict
		;;
	esac
}

printf '%-17s %12s %9s %7s %7s %s\n' target execs exec/s cov ft result
for t in "$@"; do
	bin=$build/tests/fuzz/fuzz_$t
	corpus=$build/fuzz-corpus/$t
	log=$art/$t.log
	mkdir -p "$corpus"
	set -- -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/$t-" "$corpus" "$src/tests/fuzz/corpus/$t"
	dict=$(dict_of "$t")
	[ -n "$dict" ] && set -- -dict="$src/tests/fuzz/dict/$dict" "$@"
	[ -d "$src/tests/fuzz/regress/$t" ] && set -- "$@" "$src/tests/fuzz/regress/$t"
	"$bin" "$@" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc, $log)"
		fail=1
	fi
	printf '%-17s %12s %9s %7s %7s %s\n' "$t" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$result"
	if [ "$rc" -ne 0 ]; then
		grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written|^==[0-9]+==' "$log" | head -n 12 | sed 's/^/    /'
	fi
done
exit $fail
