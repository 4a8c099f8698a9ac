#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# berthd basics (issue 2): both docker CLIs see berth as their server, the
# ping headers, dockerd's 404/400 errors, the data-root lock, daemon.json
# validation, listener rules and a clean shutdown.
. "$(dirname "$0")/../helpers/lib.sh"

berth_start || { fail "berthd starts"; finish; }
ok "berthd starts on a temporary socket"

out=$("$DOCKER" version 2>&1); rc=$?
expect_eq "docker version exits 0" "$rc" 0
expect_match "docker version shows berth as the server" "$out" "Server: berth"
# The CLI speaks min(its own maximum, 1.44): 1.44 for CLI 25+, 1.41 for 20.10.
cli_max=$("$DOCKER" version --format '{{.Client.APIVersion}}' 2>/dev/null)
want=$(printf '%s\n1.44\n' "${cli_max:-1.44}" | sort -V | head -1)
expect_match "docker version negotiates API $want" "$out" "API version: +${want//./\\.}"
if [ -n "$DOCKER_OLD" ]; then
	out=$("$DOCKER_OLD" version 2>&1); rc=$?
	expect_eq "docker 20.10 version exits 0" "$rc" 0
	expect_match "docker 20.10 speaks 1.41 to berth" "$out" "API version: +1\.41"
	expect_match "docker 20.10 shows the engine version" "$out" "Version: +0\."
fi

"$DOCKER" info >"$T_DIR/info.out" 2>"$T_DIR/info.err"; rc=$?
expect_eq "docker info exits 0" "$rc" 0
expect_eq "docker info prints nothing on stderr" "$(cat "$T_DIR/info.err")" ""
expect_no_match "docker info has no warnings or errors" "$(cat "$T_DIR/info.out")" "WARNING|ERROR|rror"
expect_match "docker info names the data root" "$(cat "$T_DIR/info.out")" "Docker Root Dir: $BERTH_ROOT/data"
if [ -n "$DOCKER_OLD" ]; then
	"$DOCKER_OLD" info >"$T_DIR/info.out" 2>"$T_DIR/info.err"; rc=$?
	expect_eq "docker 20.10 info exits 0" "$rc" 0
	expect_no_match "docker 20.10 info has no warnings" "$(cat "$T_DIR/info.out" "$T_DIR/info.err")" "WARNING|rror"
fi

hdrs=$(curl -s --unix-socket "$BERTH_SOCK" -I http://x/_ping | tr -d '\r')
expect_match "HEAD /_ping is 200" "$hdrs" "^HTTP/1.1 200"
expect_match "ping has Api-Version" "$hdrs" "Api-Version: 1.44"
expect_match "ping has Ostype" "$hdrs" "Ostype: linux"
expect_match "ping has Server" "$hdrs" "Server: berth/"
expect_match "ping has Content-Length 0 on HEAD" "$hdrs" "Content-Length: 0"
expect_eq "GET /_ping says OK" "$(api GET /_ping)" "$(printf 'OK\n200')"

out=$(api GET /v1.41/nope)
expect_eq "unknown route is dockerd's 404" "$out" "$(printf '{"message":"page not found"}\n\n404')"
ct=$(curl -s --unix-socket "$BERTH_SOCK" -o /dev/null -w '%{content_type}' http://x/v1.41/nope)
expect_eq "errors are exactly application/json" "$ct" "application/json"
out=$(api GET /v1.45/version)
expect_match "too new API version is a 400" "$out" 'client version 1.45 is too new. Maximum supported API version is 1.44"\}'
expect_match "too new API version status" "$out" '400$'
out=$(api GET /v1.12/version)
expect_match "too old API version is a 400" "$out" 'client version 1.12 is too old. Minimum supported API version is 1.24'
out=$(api GET /v1.24/version | tr '\n' ' ')
expect_match "oldest supported API version works" "$out" '"ApiVersion":"1.44".* 200$'
out=$(api DELETE /_ping | tr '\n' ' ')
expect_match "wrong method is a 404 too" "$out" 'page not found.* 404$'
out=$(api OPTIONS /anything)
expect_match "OPTIONS on any path is 200" "$out" '200$'
ver=$(api GET /version | head -1)
expect_match "/version has top-level ApiVersion for docker-py" "$ver" '"ApiVersion":"1.44"'
expect_match "/version has the Engine component" "$ver" '"Components":\[\{"Name":"Engine"'
expect_match "request log has method, path, status, duration" "$(cat "$BERTH_LOG")" 'GET /v1.41/nope 404 [0-9.]+ms'

# Libraries loaded on first use (docs/performance.md, "Idle RSS: shared
# libraries"): a berthd that has pulled nothing has not mapped libcurl, and
# without systemd not libsystemd; libarchive is linked in, not loaded.
maps=$(awk '{print $6}' "/proc/$BERTH_PID/maps" | sort -u)
expect_no_match "an idle berthd has not loaded libcurl" "$maps" 'libcurl\.so'
expect_no_match "... nor libsystemd (not started by systemd)" "$maps" 'libsystemd\.so'
expect_no_match "... nor libarchive's shared library and its libxml2/ICU" "$maps" 'lib(archive|xml2|icuuc)\.so'

# Events: a bounded query returns at once; bad filters are dockerd's 400.
now=$(date +%s)
out=$(timeout 10 "$DOCKER" events --since 0 --until "$now" 2>&1); rc=$?
expect_eq "docker events with --until in the past ends at once" "$rc" 0
out=$("$DOCKER" events --filter nope=1 --until "$now" 2>&1)
expect_match "unknown events filter is refused" "$out" "invalid filter 'nope'"
out=$(api GET '/events?filters=%7Bbad' | tail -1)
expect_eq "malformed filters JSON is a 400" "$out" 400

# A second daemon on the same data root must refuse to start.
"$BERTHD" -H "unix://$T_DIR/second.sock" --data-root "$BERTH_ROOT/data" --exec-root "$T_DIR/x2" \
	--pidfile "$T_DIR/second.pid" >"$T_DIR/second.out" 2>&1; rc=$?
expect_eq "second berthd on the same data root exits 1" "$rc" 1
expect_match "second berthd says why" "$(cat "$T_DIR/second.out")" "data root '$BERTH_ROOT/data' is in use by another berthd \(pid $BERTH_PID\)"
check "first berthd still answers" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping

# daemon.json: unknown keys and bad types are named.
printf '{"data-root":"/tmp/x","nope-key":1,"other":2}' >"$T_DIR/bad.json"
out=$("$BERTHD" --config-file "$T_DIR/bad.json" 2>&1); rc=$?
expect_eq "unknown daemon.json key exits 1" "$rc" 1
expect_match "unknown daemon.json keys are named" "$out" "don't match any configuration option: nope-key, other"
printf '{"debug":"yes"}' >"$T_DIR/bad2.json"
out=$("$BERTHD" --config-file "$T_DIR/bad2.json" 2>&1); rc=$?
expect_eq "ill-typed daemon.json value exits 1" "$rc" 1
expect_match "ill-typed value is named" "$out" '"debug" must be true or false'
printf '{not json' >"$T_DIR/bad3.json"
out=$("$BERTHD" --config-file "$T_DIR/bad3.json" 2>&1); rc=$?
expect_eq "malformed daemon.json exits 1" "$rc" 1
out=$("$BERTHD" --no-such-flag 2>&1); rc=$?
expect_eq "unknown flag exits 1" "$rc" 1
expect_match "unknown flag is named" "$out" "unknown flag: --no-such-flag"
out=$("$BERTHD" -H tcp://0.0.0.0:23750 --data-root "$T_DIR/tcp" 2>&1); rc=$?
expect_eq "plain TCP on a public address is refused" "$rc" 1
expect_match "and the error says TLS is needed" "$out" "without TLS"
out=$("$BERTHD" --bridge --bip --data-root "$T_DIR/bb" 2>&1); rc=$?
expect_eq "a bridge name that is not an interface name is refused" "$rc" 1
expect_match "and named" "$out" "invalid bridge name '--bip'"
out=$("$BERTHD" --version); expect_match "--version" "$out" "^berthd version"
out=$("$BERTHD" --help); expect_match "--help lists --data-root" "$out" "--data-root"

# daemon.json values are used; the command line wins.
printf '{"labels":["from=file"],"log-level":"debug"}' >"$T_DIR/good.json"
berth_start_with_config() {
	"$BERTHD" --bridge none -H "unix://$T_DIR/c.sock" --data-root "$T_DIR/c-data" --exec-root "$T_DIR/c-exec" \
		--pidfile "$T_DIR/c.pid" --config-file "$T_DIR/good.json" --log-level info "$@" \
		>"$T_DIR/c.log" 2>&1 &
	T_PIDS+=("$!")
	wait_for 15 curl -sf --unix-socket "$T_DIR/c.sock" http://x/_ping
}
berth_start_with_config && ok "berthd starts with a daemon.json" || fail "berthd starts with a daemon.json"
info=$(DOCKER_HOST=unix://$T_DIR/c.sock "$DOCKER" info --format '{{json .Labels}}' 2>&1)
expect_eq "daemon.json labels reach docker info" "$info" '["from=file"]'
expect_no_match "command line --log-level wins over the file" "$(cat "$T_DIR/c.log")" " debug "
cpid=${T_PIDS[-1]}
stop_pid "$cpid"
expect_eq "SIGTERM removes the socket" "$(ls "$T_DIR/c.sock" 2>&1 >/dev/null | grep -c 'No such')" 1
expect_eq "SIGTERM removes the pid file" "$(ls "$T_DIR/c.pid" 2>&1 >/dev/null | grep -c 'No such')" 1
expect_match "shutdown is logged" "$(cat "$T_DIR/c.log")" "berthd stopped"

# A socket left behind by a crashed daemon does not block the next start.
"$BERTHD" --bridge none -H "unix://$T_DIR/k.sock" --data-root "$T_DIR/k-data" --exec-root "$T_DIR/k-exec" \
	--pidfile "$T_DIR/k.pid" >"$T_DIR/k.log" 2>&1 &
kpid=$!; T_PIDS+=("$kpid")
wait_for 15 curl -sf --unix-socket "$T_DIR/k.sock" http://x/_ping
kill -KILL "$kpid"; wait "$kpid" 2>/dev/null
expect_eq "a killed daemon leaves its socket file" "$([ -S "$T_DIR/k.sock" ] && echo yes)" yes
"$BERTHD" --bridge none -H "unix://$T_DIR/k.sock" --data-root "$T_DIR/k-data" --exec-root "$T_DIR/k-exec" \
	--pidfile "$T_DIR/k.pid" >>"$T_DIR/k.log" 2>&1 &
T_PIDS+=("$!")
check "berthd restarts over a stale socket and data-root lock" wait_for 15 curl -sf --unix-socket "$T_DIR/k.sock" http://x/_ping

# The socket and the roots are private (issue 12): the socket 0660, root and
# group berth when it exists (else root only), or the -G group; roots 0700,
# an existing looser root is tightened.
if getent group berth >/dev/null; then want_grp=berth; else want_grp=root; fi
expect_eq "the unix socket is 0660 root:$want_grp" "$(stat -c '%a %U:%G' "$BERTH_SOCK")" "660 root:$want_grp"
expect_eq "the data root is 0700" "$(stat -c %a "$BERTH_ROOT/data")" 700
expect_eq "the exec root is 0700" "$(stat -c %a "$BERTH_ROOT/exec")" 700
mkdir -p "$T_DIR/g-data" && chmod 0755 "$T_DIR/g-data"
"$BERTHD" --bridge none -H "unix://$T_DIR/g.sock" -G daemon --data-root "$T_DIR/g-data" \
	--exec-root "$T_DIR/g-exec" --pidfile "$T_DIR/g.pid" >"$T_DIR/g.log" 2>&1 &
gpid=$!; T_PIDS+=("$gpid")
if wait_for 15 curl -sf --unix-socket "$T_DIR/g.sock" http://x/_ping; then
	expect_eq "-G daemon: the socket belongs to group daemon" "$(stat -c '%a %G' "$T_DIR/g.sock")" "660 daemon"
	expect_eq "an existing 0755 data root is tightened to 0700" "$(stat -c %a "$T_DIR/g-data")" 700
else
	fail "berthd starts with -G daemon"; diag "$(cat "$T_DIR/g.log")"
fi
stop_pid "$gpid"
out=$("$BERTHD" --bridge none -H "unix://$T_DIR/h.sock" -G no-such-group-b --data-root "$T_DIR/h-data" \
	--exec-root "$T_DIR/h-exec" --pidfile "$T_DIR/h.pid" 2>&1); rc=$?
expect_eq "-G with a group that does not exist exits 1" "$rc" 1
expect_match "and names it" "$out" "group no-such-group-b not found"

# TCP on loopback works with the CLI.
port=$(( 20000 + 0x$(rand_hex) % 20000 ))
"$BERTHD" --bridge none -H "tcp://127.0.0.1:$port" --data-root "$T_DIR/t-data" --exec-root "$T_DIR/t-exec" \
	--pidfile "$T_DIR/t.pid" >"$T_DIR/t.log" 2>&1 &
T_PIDS+=("$!")
if wait_for 15 curl -sf "http://127.0.0.1:$port/_ping"; then
	out=$(DOCKER_HOST=tcp://127.0.0.1:$port "$DOCKER" version --format '{{.Server.APIVersion}}' 2>&1)
	expect_eq "docker -H tcp://127.0.0.1 works" "$out" "1.44"
else
	fail "berthd listens on tcp://127.0.0.1:$port"; diag "$(cat "$T_DIR/t.log")"
fi

berth_stop
expect_match "main daemon shut down cleanly" "$(cat "$BERTH_LOG")" "berthd stopped"
finish
