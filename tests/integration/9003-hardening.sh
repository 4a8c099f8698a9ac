#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hardening found by the security probe (issue 12), each kept as a test:
# - docker cp resolves ".." and climbing symlinks inside the root as dockerd;
# - seccomp without no_new_privs unless asked for;
# - ambiguous request framing and %00 in queries are refused;
# - a default container cannot lift its own cgroup limits (the v1
#   controller mounts are read-only: EROFS), a privileged one still can
#   write its cgroup files as under dockerd;
# - half-sent requests cannot lock other clients out: more of them than the
#   waiting-connection limit, and another client is still served at once;
#   they are cut after the client time-out; a quiet `logs -f` and a quiet
#   attach live on past it; a body trickled slower than the time-out is cut.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded -- --client-timeout 2 || { fail "berthd starts with busybox seeded"; finish; }
d() { "$DOCKER" "$@"; }

# --- cgroup limits from inside a container
if [ -d /sys/fs/cgroup/memory ]; then
	out=$(d run --rm -m 32m busybox sh -c '
		for f in memory/memory.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us; do
			echo -1 2>/dev/null >/sys/fs/cgroup/$f && echo "$f writable" || echo "$f refused"
		done
		mkdir /sys/fs/cgroup/memory/escape 2>&1 || echo "mkdir refused"
		grep " /sys/fs/cgroup/memory " /proc/self/mountinfo' 2>&1)
	expect_match "memory.limit_in_bytes cannot be written" "$out" "memory.limit_in_bytes refused"
	expect_match "pids.max cannot be written" "$out" "pids.max refused"
	expect_match "cpu.cfs_quota_us cannot be written" "$out" "cfs_quota_us refused"
	expect_match "no child cgroup can be made" "$out" "Read-only file system"
	expect_match "the memory controller is mounted read-only" "$out" " /sys/fs/cgroup/memory ro,"
	out=$(d run --rm --privileged busybox sh -c 'grep " /sys/fs/cgroup/memory " /proc/self/mountinfo' 2>&1)
	expect_match "a privileged container has it read-write (dockerd)" "$out" " /sys/fs/cgroup/memory rw,"
else
	skip "cgroup v1 controllers are not mounted on this host"
fi

# --- no_new_privs only when asked for (libseccomp would set it for every container)
out=$(d run --rm busybox sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status' 2>&1 | tr -s ' \t\n' ' ')
expect_eq "a default container: seccomp filter on, no_new_privs off" "$out" "NoNewPrivs: 0 Seccomp: 2 "
out=$(d run --rm --security-opt no-new-privileges busybox grep NoNewPrivs: /proc/self/status 2>&1 | tr -s ' \t' ' ')
expect_eq "--security-opt no-new-privileges sets it" "$out" "NoNewPrivs: 1"

# --- docker cp resolves ".." as dockerd does, inside the container root
d run -d --name cpdots busybox sh -c 'mkdir -p /a/b/c /d/e && ln -s ../../../../../tmp /d/e/up && ln -s ../../etc /d/e/etc && sleep 300' >/dev/null
wait_for 10 sh -c "'$DOCKER' exec cpdots test -L /d/e/etc"
out=$(api GET "/containers/cpdots/archive?path=/tmp/../etc/hostname" -o /dev/null | tail -n 1)
expect_eq "GET archive of /tmp/../etc/hostname is found" "$out" "200"
echo x >"$T_DIR/target"
tar -C "$T_DIR" -cf "$T_DIR/t.tar" target
out=$(api PUT "/containers/cpdots/archive?path=/a/b/c/../../" --data-binary @"$T_DIR/t.tar" | tail -n 1)
expect_eq "PUT to /a/b/c/../../ is accepted" "$out" "200"
check "... and lands in /a, not /a/b" d exec cpdots test -f /a/target
out=$(d exec cpdots sh -c 'ls /a/b/target 2>&1')
expect_match "... nothing in /a/b" "$out" "No such file"
stat=$(api HEAD "/containers/cpdots/archive?path=/d/e/etc" -I | tr -d '\r' | sed -n 's/^X-Docker-Container-Path-Stat: //Ip' | base64 -d 2>/dev/null)
expect_match "a symlink to ../../etc reports linkTarget /etc" "$stat" '"linkTarget":"/etc"'
out=$(api PUT "/containers/cpdots/archive?path=/d/e/up" --data-binary @"$T_DIR/t.tar" | tail -n 1)
expect_eq "PUT through a symlink that climbs above the root is accepted" "$out" "200"
check "... and writes /tmp/target inside the container" d exec cpdots test -f /tmp/target
out=$(d exec cpdots sh -c 'ls /d/tmp 2>&1')
expect_match "... not /d/tmp" "$out" "No such file"
d rm -f cpdots >/dev/null

# --- half-sent requests and time-outs
cat >"$T_DIR/loris.py" <<'EOF'
import socket, sys, time
path, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    socks.append(s)
print("open", len(socks), flush=True)
# Count how many the daemon closed, polling until the deadline.
deadline = time.monotonic() + hold
closed = set()
while time.monotonic() < deadline and len(closed) < n:
    for i, s in enumerate(socks):
        if i in closed:
            continue
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed.add(i)
        except BlockingIOError:
            pass
        except OSError:
            closed.add(i)
    time.sleep(0.05)
print("closed", len(closed), flush=True)
EOF
python3 "$T_DIR/loris.py" "$BERTH_SOCK" 300 8 >"$T_DIR/loris.out" 2>&1 &
loris=$!
T_PIDS+=("$loris")
wait_for 10 grep -q '^open 300' "$T_DIR/loris.out"
expect_match "300 half-sent requests are open" "$(cat "$T_DIR/loris.out")" "^open 300"
t0=$(date +%s%N)
out=$(curl -s -m 5 --unix-socket "$BERTH_SOCK" http://x/_ping)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "another client is served while they hang" "$out" "OK"
if [ "$ms" -lt 1000 ]; then ok "it is served within a second (${ms} ms)"; else fail "it is served within a second (${ms} ms)"; fi
out=$(d ps -q 2>&1)
expect_eq "docker ps works during the attack" "$?" "0"
wait_for 15 grep -q '^closed' "$T_DIR/loris.out"
expect_match "every half-sent request is closed by the time-out" "$(cat "$T_DIR/loris.out")" "^closed 300"

# A trickled body: the header arrives, then nothing for longer than the time-out.
out=$(python3 - "$BERTH_SOCK" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
s.settimeout(10)
t0 = time.monotonic()
try:
    data = s.recv(4096)
except socket.timeout:
    data = None
print("closed" if data == b"" else "open", round(time.monotonic() - t0))
EOF
)
expect_match "a body that stops arriving is cut after the time-out" "$out" "^closed [2-4]$"

# Long quiet streams survive the time-out.
cid=$(d run -d busybox sh -c 'echo first; sleep 5; echo second; sleep 300')
d logs -f "$cid" >"$T_DIR/follow.out" 2>&1 &
follow=$!
T_PIDS+=("$follow")
wait_for 10 grep -q second "$T_DIR/follow.out"
expect_eq "logs -f quiet for longer than the time-out gets the next line" \
	"$(tr '\n' ' ' <"$T_DIR/follow.out")" "first second "
kill -0 "$follow" 2>/dev/null && ok "logs -f is still following" || fail "logs -f is still following"
kill "$follow" 2>/dev/null

cid2=$(d run -d -i busybox sh -c 'while read line; do echo "got $line"; done')
mkfifo "$T_DIR/in"
d attach "$cid2" <"$T_DIR/in" >"$T_DIR/attach.out" 2>&1 &
att=$!
T_PIDS+=("$att")
exec 7>"$T_DIR/in"
# Wait for the attach to be established, then stay quiet past the time-out.
wait_for 10 sh -c "'$DOCKER' inspect -f '{{.State.Running}}' $cid2 | grep -q true"
deadline=$(( $(date +%s) + 4 ))
while [ "$(date +%s)" -lt "$deadline" ]; do kill -0 "$att" 2>/dev/null || break; sleep 0.2; done
echo hello >&7
wait_for 10 grep -q "got hello" "$T_DIR/attach.out"
expect_match "an attach quiet for longer than the time-out still carries stdin and output" \
	"$(cat "$T_DIR/attach.out")" "got hello"
exec 7>&-
d rm -f "$cid" "$cid2" >/dev/null 2>&1

# --- request framing refused before any handler runs
cat >"$T_DIR/raw.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except socket.timeout:
    out += b" <<no close>>"
print(out.decode("latin-1").replace("\r\n", " "))
EOF
raw() { python3 "$T_DIR/raw.py" "$BERTH_SOCK" "$1"; }
out=$(raw 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 60\r\n\r\n{}GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n')
expect_match "two different Content-Length headers: 400 and closed" "$out" '^HTTP/1.1 400 .*conflicting Content-Length'
expect_no_match "the smuggled second request is not answered" "$out" 'HTTP/1.1 200'
out=$(raw 'POST /containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n')
expect_match "Transfer-Encoding: chunked, identity: 501 and closed" "$out" '^HTTP/1.1 501 .*unsupported transfer encoding'
expect_no_match "... without hanging" "$out" 'no close'
out=$(raw 'GET /images/json?filters=%00x HTTP/1.1\r\nHost: x\r\n\r\n')
expect_match "%00 in a query value: 400" "$out" '^HTTP/1.1 400 .*NUL byte'
n=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/containers/json?all=1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_eq "no container was created by the refused requests" "$n" "0"

# The daemon is still healthy.
expect_eq "berthd answers /_ping after all this" "$(curl -s --unix-socket "$BERTH_SOCK" http://x/_ping)" "OK"
finish
