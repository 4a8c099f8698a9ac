#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hardening found by the security probe (issue 12), each kept as a test:
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

# The daemon is still healthy.
expect_eq "berthd answers /_ping after all this" "$(curl -s --unix-socket "$BERTH_SOCK" http://x/_ping)" "OK"
finish
