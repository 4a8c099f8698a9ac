#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A pull client that stops reading must not hold up other pulls of the same
# image: progress reaches each client through a bounded queue that drops
# intermediate byte counts, never status lines. One raw client asks for a
# pull and reads nothing until told; a docker pull of the same image must
# complete meanwhile, and the stalled client must still get every layer's
# final line and the Digest/Status lines once it reads.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
command -v python3 >/dev/null || { skip "python3 missing"; finish; }
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
R=$REGISTRY
berth_start || { fail "berthd starts"; finish; }

# The slow client: sends the request, then polls for $go (at most 60 s)
# before reading anything, with a small receive buffer so the daemon's side
# fills early.
cat >"$T_DIR/slow.py" <<'PY'
import os, socket, sys, time
sock, path, go, sent, out = sys.argv[1:6]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sock)
s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n" % path).encode())
open(sent, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.05)
data = b""
s.settimeout(60)
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
open(out, "wb").write(data)
PY
go=$T_DIR/go sent=$T_DIR/sent
log=$REG_DIR_reg/registry.log
pos=$(stat -c %s "$log")
python3 "$T_DIR/slow.py" "$BERTH_SOCK" "/v1.41/images/create?fromImage=$R/app1&tag=latest" \
	"$go" "$sent" "$T_DIR/slow.out" & slow=$!
T_PIDS+=("$slow")
check "the slow client sent its request" wait_for 15 test -e "$sent"
# Let its pull reach the blobs, so that it owns the downloads the second waits on.
fetching() { tail -c +"$((pos + 1))" "$log" | grep -q '"GET /v2/app1/blobs/'; }
check "the slow client's pull started" wait_for 15 fetching

out=$(timeout 60 "$DOCKER" pull "$R/app1" 2>&1); rc=$?
expect_eq "a second pull completes while the first client reads nothing" "$rc" 0
expect_match "with its Status line" "$out" "Status: .* $R/app1:latest"

touch "$go"
check "the slow client gets to the end of its stream" wait_for 60 test -e "$T_DIR/slow.out"
wait "$slow" 2>/dev/null
body=$(tr -d '\r' <"$T_DIR/slow.out")
expect_match "the stalled stream is a 200" "$body" "^HTTP/1.1 200"
expect_match "it keeps the Digest line" "$body" "\"status\":\"Digest: $APP1_DIGEST\""
expect_match "it keeps the Status line" "$body" "\"status\":\"Status: [^\"]*$R/app1:latest\""
for l in $APP1_LAYERS; do
	s=$(layer_short "$l")
	expect_match "it keeps layer $s's final line" "$body" \
		"\"status\":\"(Pull complete|Already exists)\",\"progressDetail\":\\{\\},\"id\":\"$s\""
done
expect_no_match "it reports no error" "$body" '"error"'
expect_eq "the image is there" "$("$DOCKER" image inspect -f '{{.Id}}' "$R/app1")" "$APP1_CONFIG_DIGEST"
finish
