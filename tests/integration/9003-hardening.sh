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
#   attach live on past it; a body trickled slower than the time-out is cut;
# - a request line of binary garbage gets a 400 and is closed; an oversized
#   URL, header block and JSON body and too deep JSON each get a clear 4xx;
#   a quiet `events` stream lives past the time-out; builds past
#   --max-concurrent-builds wait their turn;
# - a clean shutdown leaves no nft table or FORWARD rule of a bridge no
#   running container uses, keeps those of one that does, and a start with
#   an iptables FORWARD chain present logs no "cannot list port rules"
#   (a berthd in a network namespace of the test's own).
. "$(dirname "$0")/../helpers/lib.sh"
# The system python: pyenv's shim (first on PATH here) costs seconds per start.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TPORT=$(free_port) || { fail "a free loopback port"; finish; }
berth_start_seeded -- --client-timeout 2 --max-concurrent-builds 1 -H "tcp://127.0.0.1:$TPORT" ||
	{ fail "berthd starts with busybox seeded"; finish; }
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
# A trickled body (the header arrives, then nothing for longer than the
# time-out), while the half-sent requests hang.
cat >"$T_DIR/trickle.py" <<'EOF'
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
"$PY" "$T_DIR/loris.py" "$BERTH_SOCK" 300 8 >"$T_DIR/loris.out" 2>&1 &
loris=$!
T_PIDS+=("$loris")
wait_for 10 grep -q '^open 300' "$T_DIR/loris.out"
# (after them: the waiting-connection cap closes the oldest first)
"$PY" "$T_DIR/trickle.py" "$BERTH_SOCK" >"$T_DIR/trickle.out" 2>&1 &
T_PIDS+=("$!")
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

wait_for 10 grep -q . "$T_DIR/trickle.out"
expect_match "a body that stops arriving is cut after the time-out" "$(cat "$T_DIR/trickle.out")" "^closed [2-4]$"

# Long quiet streams survive the time-out: a `logs -f`, an attach and an
# `events` stream from each CLI (28 and Debian's 20.10), all quiet at once
# for longer than it.
clis=("cli-28=$DOCKER")
[ -n "$DOCKER_OLD" ] && clis+=("cli-20=$DOCKER_OLD")
declare -A qpid
for c in "${clis[@]}"; do
	v=${c%%=*} cli=${c#*=}
	# (--since: the stream replays qatt's create even if it subscribes after it)
	"$cli" events --since "$(date +%s)" --filter "container=qatt-$v" --filter "container=qev-$v" --filter event=create \
		--format '{{.Actor.Attributes.name}}' >"$T_DIR/events-$v.out" 2>&1 &
	qpid[ev-$v]=$!
	T_PIDS+=("$!")
	"$cli" run -d -i --name "qatt-$v" busybox sh -c 'while read line; do echo "got $line"; done' >/dev/null
	"$cli" run -d --name "qlog-$v" busybox sh -c 'echo first; sleep 3; echo second; sleep 300' >/dev/null
	wait_for 10 grep -q "qatt-$v" "$T_DIR/events-$v.out"
	"$cli" logs -f "qlog-$v" >"$T_DIR/follow-$v.out" 2>&1 &
	qpid[log-$v]=$!
	T_PIDS+=("$!")
	mkfifo "$T_DIR/in-$v"
	"$cli" attach "qatt-$v" <"$T_DIR/in-$v" >"$T_DIR/attach-$v.out" 2>&1 &
	qpid[att-$v]=$!
	T_PIDS+=("$!")
done
exec 7>"$T_DIR/in-cli-28"
[ -n "$DOCKER_OLD" ] && exec 8>"$T_DIR/in-cli-20"
for c in "${clis[@]}"; do wait_for 10 grep -q first "$T_DIR/follow-${c%%=*}.out"; done
# Quiet for 2.6 s (the time-out is 2 s), watching that none of them ends.
deadline=$(($(date +%s%N) + 2600000000))
while [ "$(date +%s%N)" -lt "$deadline" ]; do
	for p in "${qpid[@]}"; do kill -0 "$p" 2>/dev/null || break 2; done
	sleep 0.1
done
echo hello >&7
[ -n "$DOCKER_OLD" ] && echo hello >&8
for c in "${clis[@]}"; do
	v=${c%%=*}
	d create --name "qev-$v" busybox true >/dev/null
	wait_for 10 grep -q second "$T_DIR/follow-$v.out"
	wait_for 10 grep -q "got hello" "$T_DIR/attach-$v.out"
	wait_for 10 grep -q "qev-$v" "$T_DIR/events-$v.out"
	expect_eq "[$v] logs -f quiet for longer than the time-out gets the next line" \
		"$(tr '\n' ' ' <"$T_DIR/follow-$v.out")" "first second "
	kill -0 "${qpid[log-$v]}" 2>/dev/null && ok "[$v] logs -f is still following" ||
		fail "[$v] logs -f is still following"
	expect_match "[$v] an attach quiet for longer than the time-out still carries stdin and output" \
		"$(cat "$T_DIR/attach-$v.out")" "got hello"
	expect_eq "[$v] an events stream quiet for longer than the time-out gets the next event" \
		"$(tr '\n' ' ' <"$T_DIR/events-$v.out")" "qatt-$v qev-$v "
	kill "${qpid[log-$v]}" "${qpid[ev-$v]}" 2>/dev/null
	d rm -f "qatt-$v" "qlog-$v" "qev-$v" >/dev/null 2>&1
done
exec 7>&-
[ -n "$DOCKER_OLD" ] && exec 8>&-

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
raw() { "$PY" "$T_DIR/raw.py" "$BERTH_SOCK" "$1"; }
out=$(raw 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 60\r\n\r\n{}GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n')
expect_match "two different Content-Length headers: 400 and closed" "$out" '^HTTP/1.1 400 .*conflicting Content-Length'
expect_no_match "the smuggled second request is not answered" "$out" 'HTTP/1.1 200'
out=$(raw 'POST /containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n')
expect_match "Transfer-Encoding: chunked, identity: 501 and closed" "$out" '^HTTP/1.1 501 .*unsupported transfer encoding'
expect_no_match "... without hanging" "$out" 'no close'
out=$(raw 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n2\r\n{}\r\n0\r\n\r\n')
expect_match "Transfer-Encoding with Content-Length: 400 and closed" "$out" '^HTTP/1.1 400 .*both Transfer-Encoding and Content-Length'
out=$(raw 'GET /images/json?filters=%00x HTTP/1.1\r\nHost: x\r\n\r\n')
expect_match "%00 in a query value: 400" "$out" '^HTTP/1.1 400 .*NUL byte'
n=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/containers/json?all=1" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_eq "no container was created by the refused requests" "$n" "0"

# The same checks on the second request of a kept-alive connection, sent
# after the first answer (seq) or right behind the first request (pipe).
cat >"$T_DIR/second.py" <<'EOF'
import socket, sys
cases = {
    "garbage-target": b"GET /_p\x01ng HTTP/1.1\r\nHost: x\r\n\r\n",
    "garbage-method": b"\x01\x02 / HTTP/1.1\r\nHost: x\r\n\r\n",
    "two-lengths": b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 2\r\nContent-Length: 60\r\n\r\n{}",
    "chunked-identity": b"POST /containers/create HTTP/1.1\r\nHost: x\r\n"
                        b"Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "nul-query": b"GET /images/json?filters=%00x HTTP/1.1\r\nHost: x\r\n\r\n",
}
first = b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
for mode in ("seq", "pipe"):
    for name, req in cases.items():
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        s.settimeout(5)
        out = b""
        if mode == "pipe":
            s.sendall(first + req)
        else:
            s.sendall(first)
            while not out.endswith(b"OK"):
                out += s.recv(65536)
            s.sendall(req)
        end = "open"
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    end = "closed"
                    break
                out += d
        except socket.timeout:
            pass
        second = out.split(b"\r\n\r\nOK", 1)[-1].split(b"\r\n", 1)[0]
        print(mode, name, second.decode("latin-1"), end)
        s.close()
EOF
out=$("$PY" "$T_DIR/second.py" "$BERTH_SOCK")
for m in seq pipe; do
	expect_match "2nd request ($m): a control byte in the target: 400 and closed" "$out" "^$m garbage-target HTTP/1.1 400 .*closed$"
	expect_match "2nd request ($m): a method of control bytes: 400 and closed" "$out" "^$m garbage-method HTTP/1.1 400 .*closed$"
	expect_match "2nd request ($m): two different Content-Length headers: 400 and closed" "$out" "^$m two-lengths HTTP/1.1 400 .*closed$"
	expect_match "2nd request ($m): Transfer-Encoding: chunked, identity: 501 and closed" "$out" "^$m chunked-identity HTTP/1.1 501 .*closed$"
	expect_match "2nd request ($m): %00 in the query: 400 and closed" "$out" "^$m nul-query HTTP/1.1 400 .*closed$"
done

# --- create/update validation with dockerd's messages (Go's Atoi takes 99999999;
# dockerd's cpuset maximum is 8192; UpdateConfig.BlkioWeight is a uint16)
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"CpusetCpus":"0-99999999"}}' | tr '\n' ' ')
expect_match "CpusetCpus 0-99999999: 400 with dockerd's message" "$out" \
	'"Invalid value 0-99999999 for cpuset cpus: value of out range, maximum is 8192"\} +400'
api POST "/containers/create?name=upd" -H 'Content-Type: application/json' -d '{"Image":"busybox"}' >/dev/null
out=$(api POST /containers/upd/update -H 'Content-Type: application/json' -d '{"BlkioWeight":99999}' | tr '\n' ' ')
expect_match "update BlkioWeight 99999: 400 with dockerd's message" "$out" \
	'"json: cannot unmarshal number 99999 into Go struct field UpdateConfig.BlkioWeight of type uint16"\} +400'
api DELETE /containers/upd >/dev/null

# --- one address cannot take every slot of a TCP listener: 256 long streams
# (events, never cut) from 127.0.0.1, then the 257th connection is refused
# while the unix socket still serves; one stream gone, 127.0.0.1 is served.
cat >"$T_DIR/perip.py" <<'EOF'
import socket, subprocess, sys, time
port, sock = int(sys.argv[1]), sys.argv[2]
held = []
for i in range(256):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    held.append(s)
for s in held:  # each stream has its answer head: all 256 are being served
    s.settimeout(10)
    s.recv(4096)
def ping_tcp():
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    try:
        return b"200 OK" in s.recv(4096)
    except OSError:
        return False
print("257th", "served" if ping_tcp() else "refused")
u = subprocess.run(["curl", "-s", "-m", "5", "--unix-socket", sock, "http://x/_ping"],
                   capture_output=True).stdout.decode()
print("unix", u)
held.pop().close()
ok = False
for _ in range(50):
    if ping_tcp():
        ok = True
        break
    time.sleep(0.1)
print("after", "served" if ok else "refused")
EOF
out=$("$PY" "$T_DIR/perip.py" "$TPORT" "$BERTH_SOCK" 2>&1)
expect_match "256 streams from one address: the 257th TCP connection is refused" "$out" "^257th refused"
expect_match "... while the unix socket is served" "$out" "^unix OK"
expect_match "... and one stream gone, the address is served again" "$out" "^after served"

# --- binary garbage and oversized requests: a clear 4xx, never a hang
out=$(raw '\x00\x01\x02\x03garbage\r\n')
expect_match "a request line of binary garbage: 400 with a Docker message" "$out" \
	'^HTTP/1.1 400 .*\{"message":"bad request: malformed HTTP request line"\}'
expect_no_match "... and the connection is closed at once" "$out" 'no close'
out=$(raw '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n')
expect_match "a TLS ClientHello on the plain socket: 400" "$out" '^HTTP/1.1 400 '
out=$(raw 'GET /_p\x01ng HTTP/1.1\r\nHost: x\r\n\r\n')
expect_match "a control byte in the request target: 400" "$out" '^HTTP/1.1 400 '
cat >"$T_DIR/big.py" <<'EOF'
import socket, sys
kind = sys.argv[2]
if kind == "header":
    req = b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 140000 + b"\r\n\r\n"
elif kind == "url":
    req = b"GET /_ping?x=" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
else:
    # 64 MiB announced, only the head sent: the answer must not wait for the body
    req = (b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 67108864\r\n\r\n{")
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(5)
s.sendall(req)
out = b""
try:
    while b"}" not in out:
        d = s.recv(65536)
        if not d:
            break
        out += d
except socket.timeout:
    out += b" <<timeout>>"
print(out.decode("latin-1").replace("\r\n", " "))
EOF
out=$("$PY" "$T_DIR/big.py" "$BERTH_SOCK" header)
expect_match "a 140 KB header block: 431 with a Docker message" "$out" \
	'^HTTP/1.1 431 .*"message":"request header fields are too large \(limit 131072 bytes\)"'
out=$("$PY" "$T_DIR/big.py" "$BERTH_SOCK" url)
expect_match "a 70 KB request target: 414 with a Docker message" "$out" \
	'^HTTP/1.1 414 .*"message":"request URI is too long \(limit 65536 bytes\)"'
# Heads within the limits are served: a large first head (the front door
# gives its connection libmicrohttpd's large memory) and a 20 KB one on a
# connection whose first head was small (docs/security.md).
hdr=$(head -c 100000 /dev/zero | tr '\0' a)
out=$(curl -s --unix-socket "$BERTH_SOCK" -H "X-Big: $hdr" -w ' %{http_code}' http://x/_ping)
expect_eq "a 100 KB header block on a first request: served" "$out" "OK 200"
out=$(curl -s --unix-socket "$BERTH_SOCK" -w ' %{http_code} %{num_connects};' http://x/_ping \
	--next --unix-socket "$BERTH_SOCK" -H "X-Big: ${hdr:0:20000}" -w ' %{http_code} %{num_connects}' \
	http://x/_ping)
expect_eq "a 20 KB header block on the 2nd request of a kept-alive connection: served" "$out" \
	"OK 200 1;OK 200 0"
out=$("$PY" "$T_DIR/big.py" "$BERTH_SOCK" body)
expect_match "a 64 MiB create body is refused from its Content-Length: 413" "$out" \
	'^HTTP/1.1 413 .*"message":"request body is too large \(limit 4194304 bytes\)"'
"$PY" -c 'print("{\"Image\":\"busybox\",\"Labels\":{\"a\":\"" + "x" * 5000000 + "\"}}")' >"$T_DIR/bigbody.json"
out=$(api POST /containers/create -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T_DIR/bigbody.json" | tr '\n' ' ')
expect_match "a 5 MB chunked create body: 413" "$out" 'request body is too large.* 413$'
"$PY" -c 'print("{\"Image\":\"busybox\",\"Labels\":" + "{\"a\":" * 80 + "1" + "}" * 80 + "}")' >"$T_DIR/deep.json"
out=$(api POST /containers/create -H 'Content-Type: application/json' --data-binary @"$T_DIR/deep.json" | tr '\n' ' ')
expect_match "JSON nested 80 deep: 400" "$out" 'nesting deeper than 64 levels.* 400$'
"$PY" -c 'print("[" * 5000 + "]" * 5000)' >"$T_DIR/deeper.json"
out=$(api POST /containers/create -H 'Content-Type: application/json' --data-binary @"$T_DIR/deeper.json" | tr '\n' ' ')
expect_match "JSON nested 5000 deep: 400 (jansson stops at 2048)" "$out" 'invalid JSON: maximum parsing depth.* 400$'

# --- builds past --max-concurrent-builds (1 here) wait for a slot, then run
mkdir -p "$T_DIR/b1" "$T_DIR/b2"
printf 'FROM busybox\nRUN sleep 2\n' >"$T_DIR/b1/Dockerfile"
printf 'FROM busybox\nRUN echo second\n' >"$T_DIR/b2/Dockerfile"
d build -q -t slow1 "$T_DIR/b1" >"$T_DIR/b1.out" 2>&1 &
b1=$!
T_PIDS+=("$b1")
# (its RUN step's container is up: the build holds the only slot)
wait_for 10 sh -c "'$DOCKER' ps -q | grep -q ."
d build -q -t slow2 "$T_DIR/b2" >"$T_DIR/b2.out" 2>&1
rc2=$?
wait "$b1"
rc1=$?
expect_eq "two builds with --max-concurrent-builds 1 both succeed" "$rc1 $rc2" "0 0"
expect_match "... the second waited for the first" "$(cat "$BERTH_LOG")" \
	'a build waited for a free slot \(max-concurrent-builds 1\)'
out=$("$BERTHD" --max-concurrent-downloads 0 2>&1)
expect_match "--max-concurrent-downloads 0 is refused" "$out" 'invalid max concurrent downloads: 0'

# The daemon is still healthy.
expect_eq "berthd answers /_ping after all this" "$(curl -s --unix-socket "$BERTH_SOCK" http://x/_ping)" "OK"

# After containers, builds and copies: nothing below the data and exec roots
# is world-readable but what dockerd leaves so too (a container's hostname,
# hosts and resolv.conf, bind-mounted into it; image content as the image
# has it; overlay copy-ups of those). The roots themselves are 0700 (0001).
out=$(cd "$BERTH_ROOT" && find data exec -perm -o+r -type f | grep -Ev \
	'^data/containers/[0-9a-f]{64}/(hostname|hosts|resolv\.conf|rw/upper/.*)$|^data/layers/[^/]+/diff/' | head -5)
expect_eq "no other world-readable file below the data and exec roots" "$out" ""
berth_stop

# --- firewall state at shutdown, in a network namespace of this test's own
# (with an iptables-style filter FORWARD chain, as on hosts running docker)
ns=b12t$$
if ! ip netns add "$ns" 2>/dev/null; then
	skip "cannot make a network namespace"
	finish
fi
on_exit "ip netns del $ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" nft -f - <<'EOF'
table ip filter {
	chain FORWARD { type filter hook forward priority filter; policy accept; }
}
EOF
printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$ns" "$BERTHD" >"$T_DIR/berthd-ns"
chmod +x "$T_DIR/berthd-ns"
nsft() { ip netns exec "$ns" nft "$@"; }
BERTHD=$T_DIR/berthd-ns berth_start_seeded -- --client-timeout 2 ||
	{ fail "berthd starts in the namespace"; finish; }
table=berth_$BERTH_BRIDGE
check "berthd made its nft table" nsft list table ip "$table"
expect_match "... and its FORWARD accepts" "$(nsft list chain ip filter FORWARD)" "berth-br:$BERTH_BRIDGE"
port=$(free_port)
cid=$(d run -d -p "127.0.0.1:$port:80" busybox sleep 300)
berth_stop
expect_match "SIGTERM with a container running: its port rule stays" \
	"$(nsft list chain ip "$table" ports 2>&1)" "berth:$cid"
expect_match "... and the FORWARD accepts stay" "$(nsft list chain ip filter FORWARD)" "berth-br:$BERTH_BRIDGE"
BERTHD=$T_DIR/berthd-ns berth_restart --client-timeout 2 || { fail "berthd restarts"; finish; }
expect_no_match "a start with a FORWARD chain logs no 'cannot list port rules'" \
	"$(cat "$BERTH_LOG")" 'cannot list port rules|Invalid argument'
d rm -f "$cid" >/dev/null
berth_stop
expect_no_match "SIGTERM with no container left: the nft table is gone" "$(nsft list tables)" "$table"
expect_no_match "... and so are the FORWARD accepts" "$(nsft list chain ip filter FORWARD)" "berth-br:"
expect_match "... the log says why it kept them the first time" "$(cat "$BERTH_LOG")" \
	"keeping the firewall rules of bridge '$BERTH_BRIDGE': 1 running container"
finish
