#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# berthd as a service (issue 14, "Running as a service"):
# - `berthd --validate` checks flags and daemon.json and exits, as dockerd's;
# - the man page is made from --help and lists every option;
# - the systemd units pass `systemd-analyze verify`;
# - socket activation: started by systemd-socket-activate with -H fd://
#   (and fd://3) both CLIs work on the passed socket, which berthd leaves in
#   place when it stops; fd:// without systemd, and a missing fd, fail with
#   dockerd's messages;
# - Type=notify: READY=1 and MAINPID reach $NOTIFY_SOCKET once the API is
#   served, STOPPING=1 at SIGTERM;
# - docker contexts pointing at berthd work with both CLIs;
# - under journald (JOURNAL_STREAM names stderr) lines carry "<N>" priorities.
. "$(dirname "$0")/../helpers/lib.sh"

# A private berthd's flags (own data root, exec root, bridge) for DIR.
daemon_flags() {
	local h
	h=$(rand_hex)
	T_BRIDGES+=("bt$h")
	mkdir -p /run/berth-test-bridges && echo $$ >"/run/berth-test-bridges/bt$h"
	echo --data-root "$1/data" --exec-root "$1/exec" --pidfile "$1/berthd.pid" \
		--bridge "bt$h" --bip "10.$((0x${h:0:2} % 200 + 20)).$((0x${h:2:2})).1/24"
}

# --validate
printf '{"debug": true, "log-driver": "json-file", "hosts": ["unix:///run/x.sock"]}\n' >"$T_DIR/good.json"
out=$("$BERTHD" --validate --config-file "$T_DIR/good.json" 2>&1); rc=$?
expect_eq "--validate with a good configuration exits 0" "$rc" 0
expect_eq "... and prints dockerd's \"configuration OK\"" "$out" "configuration OK"
printf '{"debug": true, "bogus-key": 1}\n' >"$T_DIR/bad.json"
out=$("$BERTHD" --validate --config-file "$T_DIR/bad.json" 2>&1); rc=$?
expect_eq "--validate with an unknown daemon.json key exits 1" "$rc" 1
expect_match "... naming the key" "$out" "bogus-key"
printf '{"debug": tru' >"$T_DIR/broken.json"
out=$("$BERTHD" --validate --config-file "$T_DIR/broken.json" 2>&1); rc=$?
expect_eq "--validate with broken JSON exits 1" "$rc" 1
out=$("$BERTHD" --validate --client-timeout 0 2>&1); rc=$?
expect_eq "--validate with a bad flag value exits 1" "$rc" 1
"$BERTHD" --validate -H "unix://$T_DIR/never.sock" --pidfile "$T_DIR/never.pid" \
	--data-root "$T_DIR/never" >/dev/null 2>&1
check_fails "--validate starts nothing (no pid file, socket or data root)" \
	test -e "$T_DIR/never.pid" -o -e "$T_DIR/never.sock" -o -e "$T_DIR/never"

# The man page: every long option of --help is in it.
if [ -f "$BUILD/berthd.8" ] && command -v man >/dev/null; then
	page=$(MANWIDTH=200 man -l "$BUILD/berthd.8" 2>/dev/null)
	expect_match "the man page has NAME, SYNOPSIS and OPTIONS" "$page" "^OPTIONS"
	missing=
	for o in $("$BERTHD" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		grep -qF -- "$o" <<<"$page" || missing+=" $o"
	done
	expect_eq "every option of --help is in the man page" "$missing" ""
	expect_match "... with the signals and files sections" "$page" "^SIGNALS"
else
	skip "the man page was not built (no help2man)"
fi

# The units, with ExecStart pointing at this build.
if command -v systemd-analyze >/dev/null && [ -f "$BUILD/contrib/systemd/berth.service" ]; then
	mkdir -p "$T_DIR/units"
	sed "s|^ExecStart=[^ ]*|ExecStart=$BERTHD|" "$BUILD/contrib/systemd/berth.service" >"$T_DIR/units/berth.service"
	cp "$BUILD/contrib/systemd/berth.socket" "$T_DIR/units/"
	check "systemd-analyze verify accepts berth.service and berth.socket" \
		systemd-analyze verify --man=no "$T_DIR/units/berth.socket" "$T_DIR/units/berth.service"
	expect_match "the service is Type=notify and serves -H fd://" \
		"$(cat "$T_DIR/units/berth.service")" "^Type=notify"
else
	skip "systemd-analyze is not installed"
fi

# Socket activation: systemd-socket-activate listens, and execs berthd (same
# pid) with the socket as fd 3 on the first connection.
if command -v systemd-socket-activate >/dev/null; then
	for host in fd:// fd://3; do
		D=$(mktemp -d "$T_DIR/sa.XXXX")
		# shellcheck disable=SC2046
		systemd-socket-activate -l "$D/api.sock" "$BERTHD" -H "$host" $(daemon_flags "$D") \
			>"$D/berthd.log" 2>&1 &
		pid=$!
		T_PIDS+=("$pid")
		wait_for 10 test -S "$D/api.sock"
		expect_eq "[$host] the first request is served on the passed socket" \
			"$(curl -s --max-time 10 --unix-socket "$D/api.sock" http://x/_ping)" OK
		for cli in "$DOCKER" $DOCKER_OLD; do
			out=$(DOCKER_HOST=unix://$D/api.sock "$cli" version --format '{{.Server.APIVersion}}' 2>&1)
			expect_match "[$host] $cli version works through it" "$out" '^1\.(44|41)$'
		done
		expect_match "[$host] berthd says where it listens" "$(cat "$D/berthd.log")" "API listening on fd://3"
		stop_pid "$pid"
		check "[$host] the socket systemd owns is left in place at stop" test -S "$D/api.sock"
	done
	D=$(mktemp -d "$T_DIR/sa.XXXX")
	# shellcheck disable=SC2046
	systemd-socket-activate -l "$D/api.sock" "$BERTHD" -H fd://4 $(daemon_flags "$D") \
		>"$D/berthd.log" 2>&1 &
	pid=$!
	T_PIDS+=("$pid")
	wait_for 10 test -S "$D/api.sock"
	curl -s --max-time 5 --unix-socket "$D/api.sock" http://x/_ping >/dev/null
	wait_for 10 bash -c "! kill -0 $pid"
	expect_match "fd://4 with one socket passed: dockerd's error" "$(cat "$D/berthd.log")" \
		"too few socket activated files passed in by systemd"
	stop_pid "$pid"
else
	skip "systemd-socket-activate is not installed"
fi
D=$(mktemp -d "$T_DIR/nofd.XXXX")
# shellcheck disable=SC2046
out=$(timeout 10 "$BERTHD" -H fd:// $(daemon_flags "$D") 2>&1); rc=$?
expect_eq "-H fd:// without systemd exits 1" "$rc" 1
expect_match "... with dockerd's message" "$out" \
	"no sockets found via socket activation: make sure the service was started by systemd"

# Type=notify: a datagram socket stands in for systemd's.
D=$(mktemp -d "$T_DIR/notify.XXXX")
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "a") as f:
    while True:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            break
        f.write(m.replace("\n", " ") + "\n")
        f.flush()
        if "STOPPING=1" in m:
            break
' "$D/notify" "$D/messages" &
T_PIDS+=("$!")
wait_for 10 test -S "$D/notify"
# shellcheck disable=SC2046
NOTIFY_SOCKET=$D/notify "$BERTHD" -H "unix://$D/api.sock" $(daemon_flags "$D") >"$D/berthd.log" 2>&1 &
pid=$!
T_PIDS+=("$pid")
wait_for 15 grep -q "READY=1" "$D/messages"
expect_match "READY=1 reaches NOTIFY_SOCKET" "$(cat "$D/messages" 2>/dev/null)" "READY=1"
expect_match "... with the daemon's MAINPID" "$(cat "$D/messages" 2>/dev/null)" "MAINPID=$pid"
expect_eq "... once the API answers" "$(curl -s --max-time 5 --unix-socket "$D/api.sock" http://x/_ping)" OK
# docker contexts (README): a saved host instead of DOCKER_HOST.
for cli in "$DOCKER" $DOCKER_OLD; do
	n=ctx$(rand_hex)
	"$cli" context create "$n" --docker "host=unix://$D/api.sock" >/dev/null 2>&1
	out=$(env -u DOCKER_HOST "$cli" --context "$n" version --format '{{.Server.Os}} {{.Server.APIVersion}}' 2>&1)
	expect_match "[$cli] docker context create + --context reaches berthd" "$out" '^linux 1\.(44|41)$'
	"$cli" context rm -f "$n" >/dev/null 2>&1
done
kill -HUP "$pid"
wait_for 10 grep -q "RELOADING=1" "$D/messages"
expect_match "SIGHUP is told as RELOADING=1" "$(cat "$D/messages" 2>/dev/null)" "RELOADING=1"
stop_pid "$pid"
wait_for 10 grep -q "STOPPING=1" "$D/messages"
expect_match "SIGTERM is told as STOPPING=1" "$(cat "$D/messages" 2>/dev/null)" "STOPPING=1"

# journald: JOURNAL_STREAM=<dev>:<inode> of stderr turns on "<N>" priorities.
D=$(mktemp -d "$T_DIR/journal.XXXX")
: >"$D/berthd.log"
js=$(stat -c '%d:%i' "$D/berthd.log")
# shellcheck disable=SC2046
JOURNAL_STREAM=$js "$BERTHD" -H "unix://$D/api.sock" $(daemon_flags "$D") 2>>"$D/berthd.log" >&2 &
pid=$!
T_PIDS+=("$pid")
wait_for 15 curl -sf --unix-socket "$D/api.sock" http://x/_ping
curl -s --unix-socket "$D/api.sock" http://x/containers/nope/json >/dev/null
stop_pid "$pid"
log=$(cat "$D/berthd.log")
expect_match "under journald, info lines are <6>" "$log" '^<6>info: API listening on'
expect_no_match "... without a time stamp of their own" "$log" '^[0-9]{4}-[0-9]{2}-'

finish
