#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Stream formats, ports, events and state as clients rely on them (issue 11),
# driven by python3-docker 7.1, raw sockets and both docker CLIs:
#   - exec start frames its output by the Tty of the *start* body: a TTY exec
#     started with tty=False is multiplexed, a plain one started with
#     tty=True comes raw;
#   - attach?logs=1&stream=0 replays the past output and ends; logs=1&stream=1
#     replays then follows;
#   - the build stream has no empty chunk and parses as JSON values;
#   - PortBindings HostPort "0" and "" pick a free port (docker port, inspect);
#   - stop, kill, restart, rm -f publish their events in dockerd's order;
#   - right after attach, WebSocket attach, wait or docker run returns,
#     inspect shows the container exited with its code.
. "$(dirname "$0")/../helpers/lib.sh"

PY=${HOST_PY:-python3}
"$PY" -c 'import docker, sys; sys.exit(0 if docker.__version__ >= "7" else 1)' 2>/dev/null ||
	PY=/usr/bin/python3
"$PY" -c 'import docker' 2>/dev/null || skip_all "python3-docker not installed"
berth_start_seeded || { fail "berthd starts"; finish; }
BR=$BERTH_BRIDGE
on_exit 'berth_stop; nft delete table ip "berth_$BR" 2>/dev/null; ip link del "$BR" 2>/dev/null'
on_exit 'ids=$("$DOCKER" ps -aq 2>/dev/null); [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1'
diag "python: $PY ($("$PY" -c 'import docker; print(docker.__version__)'))"

# --- exec start: framing by the start body's Tty ------------------------------
"$DOCKER" run -d --name sf-exec busybox sleep 300 >/dev/null
out=$("$PY" - "unix://$BERTH_SOCK" <<'PY' 2>&1
import sys, docker
api = docker.APIClient(base_url=sys.argv[1], version="1.44")
cmd = ["sh", "-c", "echo out; echo err >&2"]
# a TTY exec started with tty=False: stdout frames (the pty merges both streams)
e = api.exec_create("sf-exec", cmd, tty=True)
o, err = api.exec_start(e["Id"], tty=False, demux=True)
print("tty-exec-mux", repr(o), repr(err))
# the same over a raw socket: the upgrade names the multiplexed type, frames follow
import socket, json
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1][len("unix://"):])
e = api.exec_create("sf-exec", ["echo", "framed"], tty=True)
body = json.dumps({"Detach": False, "Tty": False}).encode()
s.sendall(b"POST /v1.44/exec/%s/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %d\r\n\r\n" % (e["Id"].encode(), len(body)) + body)
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
head, _, rest = data.partition(b"\r\n\r\n")
print("ct", [l for l in head.decode().split("\r\n") if l.lower().startswith("content-type")])
print("frame", rest[:8].hex(), repr(rest[8:]))
# the start body's ConsoleSize sizes the exec's terminal
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1][len("unix://"):])
e = api.exec_create("sf-exec", ["stty", "size"], tty=True)
body = json.dumps({"Detach": False, "Tty": True, "ConsoleSize": [33, 101]}).encode()
s.sendall(b"POST /v1.44/exec/%s/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %d\r\n\r\n" % (e["Id"].encode(), len(body)) + body)
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
print("size", repr(data.partition(b"\r\n\r\n")[2]))
# a plain exec started with tty=True: raw bytes, no frame headers
e = api.exec_create("sf-exec", cmd, tty=False)
raw = api.exec_start(e["Id"], tty=True)
print("plain-exec-raw", repr(raw))
PY
)
diag "$out"
expect_match "TTY exec started with tty=False: demuxed stdout carries the output" "$out" "tty-exec-mux b'out\\\\r\\\\nerr\\\\r\\\\n' None"
expect_match "... the upgrade answers the multiplexed-stream type" "$out" "ct \\['Content-Type: application/vnd.docker.multiplexed-stream'\\]"
expect_match "... and the output comes as one stdout frame" "$out" "frame 0100000000000008 b'framed\\\\r\\\\n'"
expect_match "exec start's ConsoleSize sizes the TTY" "$out" "size b'33 101\\\\r\\\\n'"
expect_match "plain exec started with tty=True: raw bytes without frames" "$out" "plain-exec-raw b'(out\\\\nerr|err\\\\nout)\\\\n'"
# DetachKeys given at exec create end a TTY exec's attach; the process goes on
out=$("$PY" - "$BERTH_SOCK" <<'PY' 2>&1
import sys, socket, json, time, http.client
class U(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1])
def call(m, p, body=None):
    c = U("x"); c.request(m, p, body=json.dumps(body) if body is not None else None,
                          headers={"Content-Type": "application/json"})
    r = c.getresponse(); return json.loads(r.read() or b"null")
eid = call("POST", "/v1.44/containers/sf-exec/exec", {"Cmd": ["sh"], "Tty": True, "AttachStdin": True,
           "AttachStdout": True, "DetachKeys": "ctrl-a"})["Id"]
s = socket.socket(socket.AF_UNIX); s.settimeout(15); s.connect(sys.argv[1])
body = json.dumps({"Detach": False, "Tty": True}).encode()
s.sendall(b"POST /v1.44/exec/%s/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %d\r\n\r\n" % (eid.encode(), len(body)) + body)
data = b""
while b"\r\n\r\n" not in data:
    data += s.recv(4096)
s.sendall(b"echo mark-$((2*21))\n")
while b"mark-42" not in data:
    data += s.recv(4096)
s.sendall(b"\x01")
try:
    while s.recv(4096):
        pass
    print("detached")
except socket.timeout:
    print("still attached")
print("inspect", call("GET", "/v1.44/exec/%s/json" % eid)["Running"], call("GET", "/v1.44/exec/%s/json" % eid)["DetachKeys"])
PY
)
diag "$out"
expect_match "exec DetachKeys ctrl-a ends the attach" "$out" "^detached"
expect_match "... the exec keeps running, its keys shown back" "$out" "inspect True AQ=="
mkdir -p "$T_DIR/cfg" && echo '{"detachKeys": "ctrl-x,y"}' >"$T_DIR/cfg/config.json"
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	DOCKER_CONFIG=$T_DIR/cfg "$cli" exec -d sf-exec sleep 100
	eid=$("$cli" inspect -f '{{range .ExecIDs}}{{.}} {{end}}' sf-exec | tr ' ' '\n' | while read -r x; do
		[ -n "$x" ] && api GET "/exec/$x/json" | grep -q '"sleep"' && echo "$x"; done | head -1)
	expect_match "[$v] the CLI config's detachKeys reach the exec" "$(api GET "/exec/$eid/json")" '"DetachKeys":"GHk="'
done

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	out=$("$cli" exec sf-exec sh -c 'echo o; echo e >&2' 2>"$T_DIR/err")
	expect_eq "[$v] exec without -t keeps stdout and stderr apart" "$out/$(cat "$T_DIR/err")" "o/e"
done

# --- attach: logs only, logs then stream --------------------------------------
"$DOCKER" run --name sf-logs busybox sh -c 'echo past-out; echo past-err >&2' >/dev/null 2>&1
"$DOCKER" run -d --name sf-follow busybox sh -c 'echo early; read x; echo late-$x; sleep 1' >/dev/null
"$DOCKER" rm -f sf-follow >/dev/null
"$DOCKER" run -d -i --name sf-follow busybox sh -c 'echo early; read x; echo late-$x' >/dev/null
wait_for 10 sh -c "'$DOCKER' logs sf-follow | grep -q early"
out=$(timeout 30 "$PY" - "unix://$BERTH_SOCK" <<'PY' 2>&1
import sys, socket, docker
api = docker.APIClient(base_url=sys.argv[1], version="1.44")
o, e = api.attach("sf-logs", stdout=True, stderr=True, logs=True, stream=False, demux=True)
print("logs-only", repr(o), repr(e))
print("logs-only-plain", repr(api.attach("sf-logs", logs=True, stream=False)))
# logs=1&stream=1 on a running container: the past output, then what comes next
sock = api.attach_socket("sf-follow", params={"stdin": 1, "stdout": 1, "stream": 1, "logs": 1})
raw = sock._sock
raw.sendall(b"now\n")
data = b""
while True:
    b = raw.recv(65536)
    if not b: break
    data += b
print("follow", repr(data))
PY
)
diag "$out"
expect_match "attach logs=1 stream=0 (demux) returns the past stdout and stderr" "$out" "logs-only b'past-out\\\\n' b'past-err\\\\n'"
expect_match "... and ends (without demux too)" "$out" "logs-only-plain b'past-out\\\\npast-err\\\\n'"
expect_match "attach logs=1 stream=1 replays, then follows" "$out" "follow b'.*early.*late-now"
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Connection: Upgrade' -H 'Upgrade: tcp' \
		-m 10 "http://x/containers/sf-logs/attach?logs=1&stream=0&stdout=1&stderr=1" -o "$T_DIR/att" -w '%{http_code}'; echo " rc=$?")
	break
done
expect_match "curl's hijacked logs-only attach ends by itself" "$out" "rc=(0|18|52|56)$"
check "... with the past output" grep -q past-out "$T_DIR/att"

# --- build stream: no empty chunk, a sequence of JSON values ------------------
mkdir -p "$T_DIR/ctx"
printf 'FROM busybox\nRUN echo run-output-1 && echo run-output-2 >&2\nRUN printf "no newline"\nRUN true\n' >"$T_DIR/ctx/Dockerfile"
tar -C "$T_DIR/ctx" -cf "$T_DIR/ctx.tar" Dockerfile
for i in 1 2 3; do
	out=$("$PY" - "$BERTH_SOCK" "$T_DIR/ctx.tar" "$i" <<'PY' 2>&1
import sys, socket, json
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
body = open(sys.argv[2], "rb").read()
s.sendall(b"POST /v1.44/build?t=sf-build%s&nocache=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\n"
          b"Content-Length: %d\r\n\r\n" % (sys.argv[3].encode(), len(body)) + body)
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
    if data.endswith(b"\r\n0\r\n\r\n"): break
head, _, rest = data.partition(b"\r\n\r\n")
sizes, payload = [], b""
while rest:
    line, _, rest = rest.partition(b"\r\n")
    n = int(line.split(b";")[0], 16)
    sizes.append(n)
    if n == 0: break
    payload += rest[:n]
    rest = rest[n + 2:]
print("zero-chunks-before-end", sizes[:-1].count(0), "chunks", len(sizes))
dec, text, vals = json.JSONDecoder(), payload.decode(), []
i = 0
try:
    while i < len(text):
        while i < len(text) and text[i] in " \r\n\t": i += 1
        if i == len(text): break
        v, i = dec.raw_decode(text, i)
        vals.append(v)
    print("json-values", len(vals), "parsed-all")
except ValueError as ex:
    print("json-error", ex)
print("built", any("Successfully built" in v.get("stream", "") for v in vals))
PY
)
	diag "$out"
	expect_match "build $i: no empty chunk before the end of the stream" "$out" "zero-chunks-before-end 0 "
	expect_match "build $i: the body parses as a sequence of JSON values" "$out" "parsed-all"
	expect_match "build $i: ... and it built" "$out" "built True"
done
out=$("$PY" - "unix://$BERTH_SOCK" "$T_DIR/ctx" <<'PY' 2>&1
import sys, docker
api = docker.APIClient(base_url=sys.argv[1], version="auto")
n = 0
for chunk in api.build(path=sys.argv[2], tag="sf-build-py", decode=True, nocache=True):
    n += 1
print("py-build-ok", n > 0)
PY
)
expect_match "python3-docker build(decode=True) parses the whole stream" "$out" "py-build-ok True"

# --- HostPort "0" and "" -------------------------------------------------------
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	n=sf-port-${v#cli-}; n=${n//./}
	if ! "$cli" run -d --name "$n" -p 0:8080 -p 127.0.0.1::8081 busybox httpd -f -p 8080 -h /etc >/dev/null 2>"$T_DIR/err"; then
		fail "[$v] run -p 0:8080 starts"; diag "$(cat "$T_DIR/err")"; continue
	fi
	ok "[$v] run -p 0:8080 -p 127.0.0.1::8081 starts"
	p=$("$cli" port "$n" 8080/tcp | head -1)
	expect_match "[$v] docker port shows a chosen port" "$p" '^0\.0\.0\.0:[1-9][0-9]*$'
	p2=$("$cli" port "$n" 8081/tcp | head -1)
	expect_match "[$v] ... and for HostPort \"\" on 127.0.0.1" "$p2" '^127\.0\.0\.1:[1-9][0-9]*$'
	check "[$v] the chosen port reaches the container" wait_for 10 sh -c "curl -sf -m 2 http://127.0.0.1:${p##*:}/passwd | grep -q ^root:"
	expect_eq "[$v] inspect: HostConfig.PortBindings as sent" \
		"$("$cli" inspect -f '{{json .HostConfig.PortBindings}}' "$n")" \
		'{"8080/tcp":[{"HostIp":"","HostPort":"0"}],"8081/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}'
	expect_eq "[$v] inspect: NetworkSettings.Ports has the chosen port" \
		"$("$cli" inspect -f '{{(index (index .NetworkSettings.Ports "8080/tcp") 0).HostPort}}' "$n")" "${p##*:}"
	"$cli" rm -f "$n" >/dev/null
done
out=$("$PY" - "unix://$BERTH_SOCK" <<'PY' 2>&1
import sys, docker
c = docker.DockerClient(base_url=sys.argv[1], version="auto")
ct = c.containers.run("busybox", ["httpd", "-f", "-p", "8080", "-h", "/etc"], detach=True,
                      name="sf-port-py", ports={"8080/tcp": 0})
ct.reload()
print("py-port", ct.attrs["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"])
print("py-bindings", ct.attrs["HostConfig"]["PortBindings"])
ct.remove(force=True)
PY
)
diag "$out"
expect_match "python3-docker ports={'8080/tcp': 0} runs with a chosen port" "$out" "py-port [1-9][0-9]*$"

# --- the same with Debian's python3-docker (5.0.3), when it is another version ---
if [ "$PY" != /usr/bin/python3 ] && /usr/bin/python3 -c 'import docker' 2>/dev/null; then
	out=$(/usr/bin/python3 - "unix://$BERTH_SOCK" <<'PY' 2>&1
import sys, docker
api = docker.APIClient(base_url=sys.argv[1], version="auto")
e = api.exec_create("sf-exec", ["sh", "-c", "echo out; echo err >&2"], tty=True)
print("tty-exec-mux", repr(api.exec_start(e["Id"], tty=False, demux=True)))
print("logs-only", repr(api.attach("sf-logs", logs=True, stream=False, demux=True)))
c = api.create_container("busybox", ["sleep", "30"], name="sf-port-deb", ports=[8080],
                         host_config=api.create_host_config(port_bindings={8080: 0}))
api.start(c["Id"])
print("port", api.port(c["Id"], 8080)[0]["HostPort"])
api.remove_container(c["Id"], force=True)
PY
)
	diag "$out"
	expect_match "[python3-docker 5.0.3] TTY exec started with tty=False, demuxed" "$out" "tty-exec-mux \\(b'out\\\\r\\\\nerr\\\\r\\\\n', None\\)"
	expect_match "[python3-docker 5.0.3] attach logs only" "$out" "logs-only \\(b'past-out\\\\n', b'past-err\\\\n'\\)"
	expect_match "[python3-docker 5.0.3] port_bindings {8080: 0} gets a port" "$out" "port [1-9][0-9]*$"
else
	skip "python3-docker 5.0.3: not installed or the same as $PY"
fi

# --- event order ---------------------------------------------------------------
# events_of NAME CMD...: runs CMD, then prints the container's actions in order
events_of() {
	local name=$1 since
	shift
	since=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	"$DOCKER" events --since "$since" --until "$(date +%s.%N)" --filter "container=$name" \
		--filter type=container --format '{{.Action}}' | grep -v '^exec_' | tr '\n' ' '
}
# (a PID 1 that ends on SIGTERM: the stop needs no SIGKILL)
"$DOCKER" run -d --name sf-ev busybox sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done' >/dev/null
expect_eq "docker stop: kill, die, stop" "$(events_of sf-ev "$DOCKER" stop sf-ev)" "kill die stop "
"$DOCKER" start sf-ev >/dev/null
expect_eq "docker restart: kill, die, stop, start, restart" \
	"$(events_of sf-ev "$DOCKER" restart sf-ev)" "kill die stop start restart "
expect_eq "docker kill: kill, die" "$(events_of sf-ev "$DOCKER" kill sf-ev)" "kill die "
"$DOCKER" start sf-ev >/dev/null
expect_eq "docker rm -f: kill, die, destroy" "$(events_of sf-ev "$DOCKER" rm -f sf-ev)" "kill die destroy "
# a process that ignores SIGTERM: stop sends SIGTERM, then SIGKILL after the timeout
"$DOCKER" run -d --name sf-ev2 busybox sh -c 'trap "" TERM; while :; do sleep 1; done' >/dev/null
expect_eq "docker stop -t 1 of a TERM-proof process: kill, kill, die, stop" \
	"$(events_of sf-ev2 "$DOCKER" stop -t 1 sf-ev2)" "kill kill die stop "
sig=$("$DOCKER" events --since 0 --until "$(date +%s.%N)" --filter container=sf-ev2 --filter event=kill --format '{{index .Actor.Attributes "signal"}}' | tr '\n' ' ')
expect_eq "... with signals 15 then 9" "$sig" "15 9 "
"$DOCKER" rm sf-ev2 >/dev/null

# --- state is final when a stream that ends with the exit closes ---------------
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	miss=0
	for i in $(seq 1 30); do
		"$cli" run --name sf-run busybox sh -c "exit $((i % 5 + 1))" >/dev/null 2>&1
		st=$("$cli" inspect -f '{{.State.Status}} {{.State.ExitCode}}' sf-run)
		[ "$st" = "exited $((i % 5 + 1))" ] || { miss=$((miss + 1)); diag "run $i: $st"; }
		"$cli" rm sf-run >/dev/null
	done
	expect_eq "[$v] docker run then inspect: exited with the code, 30 of 30" "$miss" 0
done
out=$("$PY" - "unix://$BERTH_SOCK" <<'PY' 2>&1
import sys, docker, base64, os, socket
api = docker.APIClient(base_url=sys.argv[1], version="1.44")
path = sys.argv[1][len("unix://"):]
miss = {"attach": 0, "wait": 0, "ws": 0}
def check(kind, name, code):
    st = api.inspect_container(name)["State"]
    if st["Status"] != "exited" or st["ExitCode"] != code or st["Running"]:
        miss[kind] += 1
        print("miss", kind, st["Status"], st["ExitCode"])
def ws_open(cid):
    s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(path)
    key = base64.b64encode(os.urandom(16))
    s.sendall(b"GET /v1.44/containers/%s/attach/ws?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n"
              b"Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (cid.encode(), key))
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    return s
def recv_n(s, n):
    b = b""
    while len(b) < n:
        k = s.recv(n - len(b))
        if not k: raise EOFError
        b += k
    return b
def ws_until_close(s):
    """Reads frames until the server's close frame; the client's attach ends there."""
    while True:
        h = recv_n(s, 2)
        n = h[1] & 0x7f
        if n == 126: n = int.from_bytes(recv_n(s, 2), "big")
        elif n == 127: n = int.from_bytes(recv_n(s, 8), "big")
        recv_n(s, n)
        if h[0] & 0x0f == 8:
            return
def ws_close(s):
    mask = os.urandom(4)
    s.sendall(bytes([0x88, 0x80]) + mask)
    s.close()
for i in range(30):
    code = i % 7 + 1
    for kind in ("attach", "wait", "ws"):
        c = api.create_container("busybox", ["sh", "-c", "echo x; exit %d" % code])
        cid = c["Id"]
        if kind == "attach":
            sock = api.attach_socket(cid, params={"stdout": 1, "stderr": 1, "stream": 1})
            sock._sock.settimeout(20)
            api.start(cid)
            while sock._sock.recv(65536):
                pass
            sock.close()
        elif kind == "ws":
            ws = ws_open(cid)
            api.start(cid)
            ws_until_close(ws)
            check(kind, cid, code)
            ws_close(ws)
            api.remove_container(cid, force=True)
            continue
        else:
            api.start(cid)
            api.wait(cid)
        check(kind, cid, code)
        api.remove_container(cid, force=True)
print("misses", miss["attach"], miss["wait"], miss["ws"])
PY
)
diag "$(echo "$out" | tail -5)"
expect_match "attach, wait, WebSocket attach then inspect: exited with the code, 0 misses in 30 each" "$out" "misses 0 0 0"

finish
