#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# berth's one set-up script for a fresh Debian 12 machine, run as root from
# the source tree:
#   scripts/setup.sh run    install what is missing, build, install and start
#                           berthd on unix:///run/berth.sock (data in /var/lib/berth)
#   scripts/setup.sh test   the same set-up, then the whole test suite: unit tests,
#                           unit tests again under ASan/UBSan, integration tests
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
mode=${1:-}
case "$mode" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "berth: run this as root" >&2; exit 1; }

build_pkgs="build-essential autoconf automake libtool pkg-config libmicrohttpd-dev libjansson-dev
 libarchive-dev libcurl4-openssl-dev libssl-dev libcap-dev libseccomp-dev libcriterion-dev
 libnl-route-3-dev libnftables-dev libwslay-dev libldns-dev zlib1g-dev libsystemd-dev help2man
 libzstd-dev liblzma-dev libbz2-dev"
run_pkgs="iptables nftables iproute2 ca-certificates curl openssl"
test_pkgs="docker.io docker-registry busybox-static skopeo umoci jq python3 python3-yaml
 python3-docker python3-websocket docker-compose zstd netcat-openbsd tmux apache2-utils debootstrap clang-format
 clang-14 libclang-rt-14-dev
 chromium systemd prometheus bpftool"

install_missing() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	echo "berth: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds out of tree in DIR (build/ for the normal build, build-san/ for
# the sanitizers); an in-tree configuration would block those, so it goes.
build() { # DIR [configure args]
	local dir=$1
	shift
	if [ -f "$top/config.status" ]; then
		echo "berth: removing the in-tree build configuration (builds go to build/ and build-san/)"
		make -s -C "$top" distclean >/dev/null 2>&1 || true
	fi
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null)
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@"; } && make -s -j"$(nproc)")
}

# shellcheck disable=SC2086
install_missing $build_pkgs $run_pkgs
if [ "$mode" = test ]; then
	# shellcheck disable=SC2086
	install_missing $test_pkgs
	# node and npm for the dockerode and browser tests (any node install will do)
	command -v npm >/dev/null || install_missing nodejs npm
fi

if [ "$mode" = run ]; then
	build "$top/build"
	make -s -C "$top/build" install >/dev/null
	pidfile=/run/berthd.pid
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "berth: stopping the running berthd (pid $(cat "$pidfile"))"
		kill -TERM "$(cat "$pidfile")"
		for _ in $(seq 1 300); do kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
	fi
	if [ -d /run/systemd/system ]; then
		# systemd is PID 1: the units (socket activation, Type=notify, journal)
		getent group berth >/dev/null || groupadd --system berth
		systemctl daemon-reload
		systemctl enable --now berth.socket >/dev/null
		systemctl restart berth.service
		logwhere="journalctl -u berth"
	else
		# no systemd here: started by hand, its log rotated by logrotate
		[ ! -d /etc/logrotate.d ] || install -m 0644 "$top/contrib/logrotate/berthd" /etc/logrotate.d/berthd
		setsid /usr/local/sbin/berthd >>/var/log/berthd.log 2>&1 < /dev/null &
		logwhere=/var/log/berthd.log
	fi
	for _ in $(seq 1 100); do
		curl -sf --unix-socket /run/berth.sock http://x/_ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	if ! curl -sf --unix-socket /run/berth.sock http://x/_ping >/dev/null; then
		echo "berth: berthd did not start; see $logwhere" >&2
		[ ! -f /var/log/berthd.log ] || tail -n 20 /var/log/berthd.log >&2
		exit 1
	fi
	cat <<MSG
berth: berthd $(/usr/local/sbin/berthd --version | awk '{print $3}' | tr -d ,) is running (pid $(cat /run/berthd.pid)), log: $logwhere
Point the docker CLI at it:
    export DOCKER_HOST=unix:///run/berth.sock
    docker version
MSG
	exit 0
fi

# test
status=0
t0=$(date +%s)
phase() { echo "== $* (at $(( $(date +%s) - t0 ))s)"; }
# summary LOG: the PASS/SKIP/FAIL/ERROR totals automake prints after make check
# (every TAP line is one result, so a "# SKIP" check is a SKIP, not a PASS).
summary() { sed -n 's/^# \(PASS\|SKIP\|FAIL\|ERROR\): *\([0-9]*\)/\1 \2/p' "$1" 2>/dev/null || true; }
# skips LOG: the skipped checks with their reasons, so CI shows what did not run.
skips() { grep -iE '^SKIP: |^ok .*# *skip|^1\.\.0 # skip' "$1" 2>/dev/null | sed 's/^/   skipped: /' || true; }
count() { awk -v k="$2" '$1 == k {s += $2} END {print s + 0}' "$1"; }
: >/tmp/berth-test-counts

# The time budget (docs/testing.md): the whole of this under 15 minutes on
# two cores. Only the normal build and its unit tests come first; the
# sanitizer build and its unit tests, and the fuzzers, run beside the
# integration tests at a lower priority (those mostly wait on processes),
# and are waited for and reported after them.
phase "build and unit tests"
build "$top/build"
if make -s -j"$(nproc)" -C "$top/build" check >/tmp/berth-unit.out 2>&1; then :; else status=1; fi
grep -E '^(FAIL|ERROR|# )' /tmp/berth-unit.out || true
skips /tmp/berth-unit.out
summary /tmp/berth-unit.out >>/tmp/berth-test-counts

# Unit tests under ASan and UBSan, at nice 10: the integration lanes come
# first, the fuzzers (nice 19) after. The root unit tests work in scratch
# cgroups, files and namespaces named by their PID, so they cannot meet
# the integration tests' daemons.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
(
	renice -n 10 -p "$BASHPID" >/dev/null
	build "$top/build-san" --enable-sanitizers && make -s -j"$(nproc)" -C "$top/build-san" check
) >/tmp/berth-san.out 2>&1 &
san_pid=$!

# Fuzzing (docs/reliability.md): every libFuzzer target for a bounded time
# (BERTH_FUZZ_SECONDS each, default 10), built with clang. It runs beside the
# integration tests at the lowest priority: they mostly wait on processes,
# and the fuzzers take the idle cycles without slowing them.
fuzz_pid=
if command -v clang-14 >/dev/null || command -v clang >/dev/null; then
	cc=$(command -v clang-14 || command -v clang)
	# (built at nice 10 beside the sanitizer build, run at nice 10 + 9)
	( nice -n 10 bash -c "
		cd '$top' && mkdir -p build-fuzz && cd build-fuzz &&
		{ [ -f Makefile ] || '$top/configure' -q --enable-fuzzing CC='$cc'; } &&
		make -s -j2 &&
		nice -n 9 make -s fuzz-ci FUZZ_SECONDS=${BERTH_FUZZ_SECONDS:-10}" ) >/tmp/berth-fuzz.out 2>&1 &
	fuzz_pid=$!
else
	echo "SKIP 1" >>/tmp/berth-test-counts
	echo "   skipped: fuzzing (no clang)"
fi

phase "integration tests"
# two lanes: most scripts wait on processes, not on the two cores
if BERTH_TEST_JOBS=${BERTH_TEST_JOBS:-2} BUILD=$top/build "$top/tests/integration/run.sh" >/tmp/berth-integration.out 2>&1; then :; else status=1; fi
grep -E '^(not ok|# [0-9]{4}-|# skipped scripts:|integration:)' /tmp/berth-integration.out || true
skips /tmp/berth-integration.out
sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/PASS \1\nFAIL \2\nSKIP \3/p' \
	/tmp/berth-integration.out >>/tmp/berth-test-counts
# No summary line at all (the runner died): that is a failure, not a clean run.
grep -qE '^integration: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' /tmp/berth-integration.out || echo "FAIL 1" >>/tmp/berth-test-counts
phase "unit tests under AddressSanitizer and UBSan (started beside the integration tests)"
if wait "$san_pid"; then :; else status=1; fi
grep -E '^(FAIL|ERROR|# )' /tmp/berth-san.out || true
skips /tmp/berth-san.out
summary /tmp/berth-san.out >>/tmp/berth-test-counts
# A sanitizer build that died before its tests ran is one failure.
grep -qE '^# TOTAL: ' /tmp/berth-san.out || { echo "FAIL 1" >>/tmp/berth-test-counts; tail -n 20 /tmp/berth-san.out; }
if [ "$status" -ne 0 ]; then
	echo "== details of failures"
	grep -B2 -A12 -E '^not ok' /tmp/berth-integration.out | head -200 || true
	for f in $(find "$top/build/tests" "$top/build-san/tests" -name '*.log' 2>/dev/null | xargs -r grep -lE '^(not ok|ERROR)'); do
		echo "--- $f"; tail -n 40 "$f"
	done
fi
if [ -n "$fuzz_pid" ]; then
	phase "fuzzing (started beside the integration tests)"
	fuzz_rc=0
	wait "$fuzz_pid" || fuzz_rc=1
	# run.sh prints one line per target ending in "ok" or "FAILED (...)"
	grep -E '^[a-z_]+ +([0-9?]+ +){4}(ok|FAILED)' /tmp/berth-fuzz.out || tail -n 20 /tmp/berth-fuzz.out
	# (grep -c exits 1 when it counts 0: not an error under set -e)
	p=$(grep -cE '^[a-z_]+ +([0-9?]+ +){4}ok$' /tmp/berth-fuzz.out || true)
	f=$(grep -cE '^[a-z_]+ +([0-9?]+ +){4}FAILED' /tmp/berth-fuzz.out || true)
	# a fuzz build or run that died before any target is one failure
	[ "$fuzz_rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	[ "$fuzz_rc" -eq 0 ] || status=1
	printf 'PASS %s\nFAIL %s\n' "$p" "$f" >>/tmp/berth-test-counts
fi
phase "done"
passed=$(count /tmp/berth-test-counts PASS)
failed=$(( $(count /tmp/berth-test-counts FAIL) + $(count /tmp/berth-test-counts ERROR) ))
skipped=$(count /tmp/berth-test-counts SKIP)
# CI reads the "N passed, N failed" prefix of this last line: keep it.
echo "berth: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit "$status"
