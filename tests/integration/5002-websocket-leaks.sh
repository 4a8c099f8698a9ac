#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# WebSocket attach (GET /containers/{id}/attach/ws) with Debian's
# python3-websocket: commands typed into a running sh come back, TTY and
# not, fragmented messages, ping/pong, close; a malformed handshake and an
# unmasked client frame are refused and the daemon keeps answering. Then ten
# concurrent interactive sessions and clients vanishing mid-stream must
# leave no threads, fds or shims behind.
. "$(dirname "$0")/../helpers/lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import websocket' 2>/dev/null; then
	skip_all "python3-websocket is not installed"
fi
berth_start_seeded || { fail "berthd starts"; finish; }
BR=$BERTH_BRIDGE
# cleanups run last-registered first: containers go before the daemon stops
on_exit 'berth_stop; nft delete table ip "berth_$BR" 2>/dev/null; ip link del "$BR" 2>/dev/null'
on_exit 'ids=$("$DOCKER" ps -aq 2>/dev/null); [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1'

cat >"$T_DIR/ws.py" <<'PY'
import socket, sys, time
import websocket
from websocket import ABNF

def connect(sock, path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    ws = websocket.WebSocket()
    ws.connect("ws://localhost" + path, socket=s)
    ws.settimeout(10)
    return ws

def read_until(ws, want):
    got = b""
    while want not in got:
        op, data = ws.recv_data()
        if op == ABNF.OPCODE_CLOSE:
            break
        got += data
    return got

sock, name, mode = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "cmd":
    ws = connect(sock, "/v1.44/containers/%s/attach/ws?stream=1&stdin=1&stdout=1&stderr=1" % name)
    ws.send("echo out-$((6*7)); echo err-$((6*7)) >&2\n")
    got = read_until(ws, b"err-42")
    print("OUT" if b"out-42" in got else "NOOUT", "ERR" if b"err-42" in got else "NOERR")
    # a message in three fragments is one line of stdin
    ws.send_frame(ABNF.create_frame("echo fr", ABNF.OPCODE_TEXT, fin=0))
    ws.send_frame(ABNF.create_frame("ag-", ABNF.OPCODE_CONT, fin=0))
    ws.send_frame(ABNF.create_frame("ok\n", ABNF.OPCODE_CONT, fin=1))
    print("FRAG" if b"frag-ok" in read_until(ws, b"frag-ok") else "NOFRAG")
    ws.ping(b"p1")
    while True:
        f = ws.recv_data_frame(control_frame=True)[1]
        if f.opcode == ABNF.OPCODE_PONG:
            print("PONG", f.data.decode())
            break
    ws.send("exit 0\n")
    while True:
        op, _ = ws.recv_data(control_frame=True)
        if op == ABNF.OPCODE_CLOSE:
            print("CLOSED")
            break
elif mode == "opcode":
    ws = connect(sock, "/v1.44/containers/%s/attach/ws?stream=1&stdin=1&stdout=1" % name)
    ws.send("echo x\n")
    op, _ = ws.recv_data()
    ws2 = connect(sock, "/v1.27/containers/%s/attach/ws?stream=1" % name)
    ws2.send("echo y\n")
    op2, _ = ws2.recv_data()
    print(op, op2)
elif mode == "unmasked":
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(b"GET /v1.44/containers/%s/attach/ws?stream=1&stdin=1&stdout=1 HTTP/1.1\r\n"
              b"Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" % name.encode())
    s.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    ok_accept = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
    s.sendall(b"\x81\x05hello")  # a client frame without the mask bit
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    code = int.from_bytes(data[2:4], "big") if data[:1] == b"\x88" else -1
    print(head.split(b"\r\n")[0].decode(), "accept-ok" if ok_accept else "accept-bad", "close", code)
elif mode == "vanish":
    # hijack an attach, read a little of a busy stream, then drop the socket without a word
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(b"POST /v1.44/containers/%s/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n"
              b"Host: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" % name.encode())
    s.settimeout(10)
    s.recv(4096)
    s.close()
    print("VANISHED")
PY

"$DOCKER" run -dit --name wst busybox sh >/dev/null
"$DOCKER" run -di --name wsn busybox sh >/dev/null
for c in wst wsn; do
	out=$($PY "$T_DIR/ws.py" "$BERTH_SOCK" $c cmd 2>&1 | tr '\n' ' ')
	expect_eq "[$c] websocket: command output and stderr come back" "$(echo "$out" | cut -d' ' -f1-2)" "OUT ERR"
	expect_match "[$c] websocket: a fragmented message is one stdin write" "$out" 'FRAG'
	expect_match "[$c] websocket: ping is answered with pong" "$out" 'PONG p1'
	expect_match "[$c] websocket: the end of the process closes the socket" "$out" 'CLOSED'
done
"$DOCKER" run -dit --name wso busybox sh >/dev/null
out=$($PY "$T_DIR/ws.py" "$BERTH_SOCK" wso opcode 2>&1)
expect_eq "binary frames from API 1.28, text before" "$out" "2 1"

out=$(curl -s --unix-socket "$BERTH_SOCK" -w '\n%{http_code}' -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
	-H 'Sec-WebSocket-Version: 13' 'http://x/containers/wso/attach/ws?stream=1' | tr '\n' ' ')
expect_match "handshake without Sec-WebSocket-Key is a 400" "$out" 'Sec-WebSocket-Key.* 400$'
out=$(curl -s --unix-socket "$BERTH_SOCK" -w '\n%{http_code}' -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
	-H 'Sec-WebSocket-Version: 8' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	'http://x/containers/wso/attach/ws?stream=1' | tail -1)
expect_eq "an unsupported WebSocket version is a 400" "$out" 400
out=$(curl -s --unix-socket "$BERTH_SOCK" -w '\n%{http_code}' 'http://x/containers/wso/attach/ws?stream=1' | tail -1)
expect_eq "a plain GET without upgrade is a 400" "$out" 400
out=$($PY "$T_DIR/ws.py" "$BERTH_SOCK" wso unmasked 2>&1)
expect_match "an unmasked client frame gets close 1002" "$out" '^HTTP/1.1 101 .*accept-ok close 1002$'
check "the daemon still answers" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping
expect_eq "and the container still runs" "$("$DOCKER" inspect -f '{{.State.Running}}' wso)" "true"

# A client that hangs up must not leave the shim busy (it used to spin on POLLHUP).
$PY "$T_DIR/ws.py" "$BERTH_SOCK" wso vanish >/dev/null 2>&1
sleep 0.5
shim=$(pgrep -f "berth-shim $BERTH_ROOT/exec/containers/$("$DOCKER" inspect -f '{{.Id}}' wso)\$")
cpu() { awk '{print $14 + $15}' "/proc/$shim/stat"; }
c0=$(cpu); sleep 2; c1=$(cpu)
check "the shim of a container whose attach client hung up stays idle" test $((c1 - c0)) -lt 20

# Leaks: measure with the long-lived containers above in place.
"$DOCKER" run -d --name busy busybox sh -c 'while :; do echo tick; done' >/dev/null
sleep 1
nthreads() { ls "/proc/$BERTH_PID/task" | wc -l; }
nfds() { ls "/proc/$BERTH_PID/fd" | wc -l; }
nshims() { pgrep -f "berth-shim $BERTH_ROOT/exec/" | wc -l; }
t0=$(nthreads) f0=$(nfds) s0=$(nshims)
pids=()
for i in $(seq 1 10); do
	( (sleep 2; printf 'echo sess-%s\n' "$i"; sleep 2; printf 'exit %s\n' "$i"; sleep 1) |
		timeout 60 script -qfec "$DOCKER run -it --rm busybox sh; echo rc=\$?" /dev/null |
		tr -d '\r' >"$T_DIR/sess$i.out" ) &
	pids+=($!)
done
for i in 1 2 3; do $PY "$T_DIR/ws.py" "$BERTH_SOCK" busy vanish >/dev/null 2>&1 & pids+=($!); done
for i in $(seq 1 5); do "$DOCKER" exec -d busy sleep 1; done
for p in "${pids[@]}"; do wait "$p"; done
good=0
for i in $(seq 1 10); do grep -q "sess-$i" "$T_DIR/sess$i.out" && grep -q "rc=$i" "$T_DIR/sess$i.out" && good=$((good + 1)); done
expect_eq "ten concurrent docker run -it sessions each got their output and status" "$good" 10
# a vanished WebSocket client too
timeout 10 $PY - "$BERTH_SOCK" <<'PY' >/dev/null 2>&1
import socket, sys, websocket
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
ws = websocket.WebSocket(); ws.connect("ws://localhost/containers/busy/attach/ws?stream=1&stdout=1", socket=s)
ws.recv(); s.close()
PY
wait_for 20 sh -c "[ \$(ls /proc/$BERTH_PID/task | wc -l) -le $t0 ] && [ \$(ls /proc/$BERTH_PID/fd | wc -l) -le $f0 ]"
expect_eq "no threads left behind (berthd had $t0)" "$(nthreads)" "$t0"
expect_eq "no fds left behind (berthd had $f0)" "$(nfds)" "$f0"
wait_for 10 sh -c "[ \$(pgrep -f 'berth-shim $BERTH_ROOT/exec/' | wc -l) -le $s0 ]"
expect_eq "no shims left behind" "$(nshims)" "$s0"
check "the daemon still answers" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping
finish
