# SPDX-License-Identifier: Apache-2.0
# Shared helpers for berth's integration tests (bash). Source it, then:
#   berth_start [extra berthd flags]   start a private berthd (temp socket, data root, exec root)
#   ok/fail/check/expect_eq/expect_match  TAP assertions
#   skip REASON                         one skipped check ("ok N - # SKIP REASON")
#   skip_all REASON                     skip the whole script (TAP "1..0 # SKIP", exit 77)
#   finish                              print the summary and exit with the right status
# Everything a test starts is recorded and stopped by PID in the EXIT trap,
# also when the test fails half-way.
set -u

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$TOP}
BERTHD=${BERTHD:-$BUILD/berthd}
# CLI 28 where present, else Debian's docker.io CLI (20.10); both when both exist.
if [ -x /usr/local/bin/docker ]; then DOCKER=/usr/local/bin/docker; else DOCKER=/usr/bin/docker; fi
DOCKER_OLD=""
if [ -x /usr/bin/docker ] && [ "$DOCKER" != /usr/bin/docker ]; then DOCKER_OLD=/usr/bin/docker; fi

T_PASS=0
T_FAIL=0
T_SKIP=0
T_NUM=0
T_PIDS=()
T_BRIDGES=()
T_CLEANUPS=()
T_DIR=$(mktemp -d /tmp/berth-it.XXXXXX)
export DOCKER_CONFIG=$T_DIR/docker-config
mkdir -p "$DOCKER_CONFIG"
# python3 is the system's, with the Debian python3-* modules setup.sh
# installs: a python3 earlier on PATH (a pyenv shim on the test host) may
# lack them, and its shim costs a second or more per start on a busy machine.
# HOST_PY keeps the python3 that was first on PATH, for the one test (5003)
# that also drives a newer pip-installed docker SDK when there is one.
HOST_PY=$(command -v python3 || true)
if [ -x /usr/bin/python3 ]; then
	mkdir -p "$T_DIR/bin" && ln -sf /usr/bin/python3 "$T_DIR/bin/python3" && PATH=$T_DIR/bin:$PATH
fi

ok() { T_NUM=$((T_NUM + 1)); T_PASS=$((T_PASS + 1)); echo "ok $T_NUM - $*"; }
fail() { T_NUM=$((T_NUM + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_NUM - $*"; }
skip() { T_NUM=$((T_NUM + 1)); T_SKIP=$((T_SKIP + 1)); echo "ok $T_NUM - # SKIP $*"; }
# skip_all REASON: the script cannot run here at all (a missing tool, not
# root). Only before the first check; the runner counts exit 77 as a skip.
skip_all() { echo "1..0 # SKIP $*"; exit 77; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# check DESC CMD...: passes when CMD exits 0; shows its output otherwise.
# (CMD runs in a subshell: never pass berth_start/berth_restart, whose PID
# must reach T_PIDS in this shell to be stopped at exit.)
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else fail "$desc"; diag "command: $*" "$out"; fi
}

# check_fails DESC CMD...: passes when CMD exits non-zero.
check_fails() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then fail "$desc"; diag "unexpectedly succeeded: $*" "$out"; else ok "$desc"; fi
}

expect_eq() { # DESC ACTUAL EXPECTED
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1"; diag "expected: $3" "actual:   $2"; fi
}

expect_match() { # DESC TEXT REGEX (grep -E)
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else fail "$1"; diag "no match for /$3/ in:" "$2"; fi
}

expect_no_match() { # DESC TEXT REGEX
	if printf '%s' "$2" | grep -Eq -- "$3"; then fail "$1"; diag "unexpected match for /$3/ in:" "$2"; else ok "$1"; fi
}

# wait_for DEADLINE_SECONDS CMD...: polls CMD until it succeeds or the deadline passes.
# A deadline that passes is said in a TAP comment on stderr: a wait that always ends
# so is a fixed sleep in disguise, and costs the suite its whole deadline.
wait_for() {
	local secs=$1 deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(date +%s%N)" -ge "$deadline" ]; then
			echo "# wait_for: ${secs}s passed waiting for: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

on_exit() { T_CLEANUPS+=("$*"); }

# Stops PID with TERM, then KILL after a deadline; waits for it to go.
stop_pid() {
	local pid=$1 deadline
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	deadline=$(( $(date +%s) + ${2:-15} ))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ]; then kill -KILL "$pid" 2>/dev/null; fi
		sleep 0.02
	done
	wait "$pid" 2>/dev/null || true
}

t_cleanup() {
	local i f
	# On failure, show the end of every daemon log this test produced.
	if [ "$T_FAIL" -gt 0 ]; then
		for f in "$T_DIR"/d*/berthd.log; do
			[ -f "$f" ] || continue
			echo "# --- last lines of $f"
			tail -n 40 "$f" | sed 's/^/# /'
		done
	fi
	for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUPS[$i]}" || true; done
	for pid in "${T_PIDS[@]}"; do stop_pid "$pid"; done
	# The bridges and nft tables our daemons made (berthd keeps them on purpose).
	[ "${#T_BRIDGES[@]}" -eq 0 ] || bash "$TOP/tests/helpers/netclean.sh" "${T_BRIDGES[@]}"
	for i in "${T_BRIDGES[@]}"; do rm -f "/run/berth-test-bridges/$i"; done
	# Mounts a crashed daemon may have left below our temp dir.
	# (|| true: a script running with set -e -o pipefail has no such mount)
	grep -o " $T_DIR[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done || true
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT

# free_port: a TCP port on 127.0.0.1 nothing listens on (20000-39999).
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	return 1
}

# validate DESC METHOD PATH STATUS BODY: BODY (a JSON response of METHOD
# PATH, the definition's path template) against moby's v1.44 and v1.41
# response schemas for STATUS (tests/helpers/apischema.py), one check each.
SCHEMA=$TOP/tests/helpers/apischema.py
REF=${BERTH_MOBY_API:-/work/shared/reference/moby-api}
validate() {
	local d=$1 m=$2 p=$3 st=$4 body=$5 v out
	[ -f "$REF/v1.44.yaml" ] || { skip "$d: no moby API reference"; return; }
	for v in v1.44 v1.41; do
		out=$(printf '%s' "$body" | python3 "$SCHEMA" "$REF/$v.yaml" "$m" "$p" "$st" 2>&1) &&
			ok "$d validates against $v" || { fail "$d validates against $v"; diag "$out"; }
	done
}

# tap_lines CMD...: turns CMD's "ok<TAB>desc" / "fail<TAB>desc<TAB>detail"
# lines into checks; prints nothing, sets TAP_LINES to how many it read.
tap_lines() {
	local kind desc detail
	TAP_LINES=0
	while IFS=$'\t' read -r kind desc detail; do
		TAP_LINES=$((TAP_LINES + 1))
		case $kind in
		ok) ok "$desc" ;;
		fail) fail "$desc"; diag "$detail" ;;
		*) fail "$1: $kind $desc $detail" ;;
		esac
	done < <("$@" 2>&1)
}

# A random 4-hex suffix so parallel runs (and a dockerd) never share names.
rand_hex() { od -An -N2 -tx1 /dev/urandom | tr -d ' \n'; }

# berth_start [FLAGS...]: a private berthd; sets BERTH_SOCK, BERTH_PID,
# BERTH_ROOT, DOCKER_HOST.
berth_start() {
	local n=${#T_PIDS[@]}
	BERTH_ROOT=$T_DIR/d$n
	mkdir -p "$BERTH_ROOT"
	BERTH_SOCK=$BERTH_ROOT/berth.sock
	BERTH_LOG=$BERTH_ROOT/berthd.log
	local h; h=$(rand_hex)
	BERTH_BRIDGE=${BERTH_BRIDGE:-bt$h}
	BERTH_BIP=${BERTH_BIP:-10.$((0x${h:0:2} % 200 + 20)).$((0x${h:2:2})).1/24}
	T_BRIDGES+=("$BERTH_BRIDGE")
	# Claimed for this test's life: another run's --stale clean-up must not
	# take it while our daemon is down between a kill -9 and its restart.
	mkdir -p /run/berth-test-bridges && echo $$ >"/run/berth-test-bridges/$BERTH_BRIDGE"
	"$BERTHD" -H "unix://$BERTH_SOCK" --data-root "$BERTH_ROOT/data" \
		--exec-root "$BERTH_ROOT/exec" --pidfile "$BERTH_ROOT/berthd.pid" \
		--bridge "$BERTH_BRIDGE" --bip "$BERTH_BIP" "$@" >>"$BERTH_LOG" 2>&1 &
	BERTH_PID=$!
	T_PIDS+=("$BERTH_PID")
	export DOCKER_HOST=unix://$BERTH_SOCK
	# (BERTH_START_TIMEOUT: longer for a berthd under valgrind)
	if ! wait_for "${BERTH_START_TIMEOUT:-15}" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping; then
		echo "# berthd did not come up; log:"; sed 's/^/# /' "$BERTH_LOG"
		return 1
	fi
}

berth_stop() { stop_pid "$BERTH_PID"; }

# api METHOD PATH [curl args...]: prints the body then a line with the status.
api() {
	local m=$1 p=$2
	shift 2
	curl -s --unix-socket "$BERTH_SOCK" -X "$m" -w '\n%{http_code}' "$@" "http://x$p"
}

finish() {
	echo "1..$T_NUM"
	echo "# $(basename "$0"): $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# berth_restart [FLAGS...]: starts berthd again on the current BERTH_ROOT
# (after berth_stop or a kill -9), with the same bridge and socket.
berth_restart() {
	rm -f "$BERTH_SOCK"
	"$BERTHD" -H "unix://$BERTH_SOCK" --data-root "$BERTH_ROOT/data" \
		--exec-root "$BERTH_ROOT/exec" --pidfile "$BERTH_ROOT/berthd.pid" \
		--bridge "$BERTH_BRIDGE" --bip "$BERTH_BIP" "$@" >>"$BERTH_LOG" 2>&1 &
	BERTH_PID=$!
	T_PIDS+=("$BERTH_PID")
	if ! wait_for 15 curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping; then
		echo "# berthd did not come up again; log:"; sed 's/^/# /' "$BERTH_LOG"
		return 1
	fi
}
# berth_start_seeded [IMAGE...] [-- FLAGS...]: seeds images (refs from the
# fixture layout, built once and cached in $BERTH_FIXTURES) into the data
# root, then berth_start with FLAGS. Without images: busybox:latest plus
# $BERTH_SEED_IMAGES.
BERTH_FIXTURES=${BERTH_FIXTURES:-/var/tmp/berth-fixtures}
berth_start_seeded() {
	local imgs=() n=${#T_PIDS[@]}
	while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do imgs+=("$1"); shift; done
	[ "${1:-}" = "--" ] && shift
	[ "${#imgs[@]}" -gt 0 ] || imgs=(busybox:latest ${BERTH_SEED_IMAGES:-})
	"$TOP/tests/fixtures/build-images.sh" "$BERTH_FIXTURES" >/dev/null 2>&1 || return 1
	mkdir -p "$T_DIR/d$n/data"
	for i in "${imgs[@]}"; do
		# (the seed tool's own leaks at exit are not what a sanitizer run is after)
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			"$BUILD/tests/tools/berth-seed" "$T_DIR/d$n/data" "$BERTH_FIXTURES/oci" "$i" "$i" >/dev/null || return 1
	done
	berth_start "$@"
}
