#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Browsers are hostile clients (issue 12): a page from another origin cannot
# change state or open a WebSocket attach through a loopback TCP listener,
# while clients that send no Origin (CLIs, SDKs) and the listener's own
# origin are unaffected; --api-cors-header allows one origin; a
# --read-only-host listener serves only GET and HEAD. Checked with curl and
# with a headless Chromium page served from another port.
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"

P=$(free_port) && PR=$(free_port) && PW=$(free_port) || { fail "free loopback ports"; finish; }
[ "$P" != "$PR" ] && [ "$P" != "$PW" ] && [ "$PR" != "$PW" ] || { fail "three distinct ports"; finish; }
berth_start_seeded -- -H "tcp://127.0.0.1:$P" --read-only-host "tcp://127.0.0.1:$PR" ||
	{ fail "berthd starts with a TCP and a read-only listener"; finish; }
B=http://127.0.0.1:$P
"$DOCKER" run -d --name victim busybox sleep 600 >/dev/null
on_exit '"$DOCKER" rm -f victim >/dev/null 2>&1'
running() { "$DOCKER" inspect -f '{{.State.Status}}' victim; }

# --- curl
st=$(curl -s -o "$T_DIR/out" -w '%{http_code}' -X POST -H 'Origin: http://evil.example' "$B/containers/victim/stop")
expect_eq "a cross-origin POST is refused with 403" "$st" 403
expect_match "with a message naming the origin and the setting" "$(cat "$T_DIR/out")" '"message":"cross-origin request from http://evil.example refused.*api-cors-header'
expect_eq "and the container still runs" "$(running)" running
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Origin: null' "$B/containers/victim/pause")
expect_eq "Origin: null (a sandboxed page) is refused" "$st" 403
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' "$B/containers/json")
expect_eq "a cross-origin GET is answered (the browser keeps the body from the page)" "$st" 200
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' -H 'Connection: Upgrade' \
	-H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	"$B/containers/victim/attach/ws?stream=1&stdin=1")
expect_eq "a cross-origin WebSocket upgrade is refused" "$st" 403
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/containers/victim/pause")
expect_eq "a request without Origin (a CLI, an SDK) is served" "$st" 204
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: http://127.0.0.1:$P" "$B/containers/victim/unpause")
expect_eq "the listener's own origin is served" "$st" 204
expect_eq "docker over TCP still works" "$(DOCKER_HOST=tcp://127.0.0.1:$P "$DOCKER" inspect -f '{{.State.Status}}' victim)" running
st=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: http://evil.example' "$B/containers/victim/stop")
expect_eq "a pre-flight OPTIONS is answered" "$st" 200

# --- the read-only listener
R=http://127.0.0.1:$PR
expect_eq "read-only listener: GET /containers/json" "$(curl -s -o /dev/null -w '%{http_code}' "$R/containers/json")" 200
out=$(curl -s -w '%{http_code}' -X POST "$R/containers/victim/stop" | tr -d '\n')
expect_match "read-only listener: POST stop is 403" "$out" '^\{"message":"this listener is read-only: POST is not allowed"\}403$'
st=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$R/containers/victim?force=1")
expect_eq "read-only listener: DELETE is 403" "$st" 403
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	"$R/containers/victim/attach/ws?stream=1&stdin=1")
expect_eq "read-only listener: a WebSocket attach is 403" "$st" 403
out=$(DOCKER_HOST=tcp://127.0.0.1:$PR "$DOCKER" ps --format '{{.Names}}' 2>&1)
expect_eq "read-only listener: docker ps works" "$out" victim
out=$(DOCKER_HOST=tcp://127.0.0.1:$PR "$DOCKER" stop victim 2>&1)
expect_match "read-only listener: docker stop is refused" "$out" "read-only"
expect_eq "and the container still runs" "$(running)" running

# --- a real browser on another origin
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	skip "headless Chromium page from another origin (chromium is not installed; scripts/setup.sh test installs it)"
else
	mkdir -p "$T_DIR/www"
	cat >"$T_DIR/www/evil.html" <<EOF
<!doctype html><html><body><pre id="log">start</pre><script>
const log = (s) => { document.getElementById('log').textContent += '\n' + s; };
const B = 'http://127.0.0.1:$P';
fetch(B + '/containers/victim/stop', {method: 'POST', mode: 'no-cors'})
  .then(() => log('stop sent')).catch((e) => log('stop failed ' + e));
fetch(B + '/containers/victim/kill', {method: 'POST', mode: 'no-cors', body: 'x'})
  .then(() => log('kill sent')).catch((e) => log('kill failed ' + e));
try {
  const ws = new WebSocket('ws://127.0.0.1:$P/containers/victim/attach/ws?stream=1&stdin=1&stdout=1');
  ws.onopen = () => { log('ws open'); ws.send('touch /pwned\n'); };
  ws.onerror = () => log('ws error');
  ws.onclose = (e) => log('ws closed ' + e.code);
} catch (e) { log('ws threw ' + e); }
</script></body></html>
EOF
	python3 -m http.server "$PW" --bind 127.0.0.1 --directory "$T_DIR/www" >"$T_DIR/www.log" 2>&1 &
	T_PIDS+=("$!")
	wait_for 10 curl -sf "http://127.0.0.1:$PW/evil.html" -o /dev/null
	n403=$(grep -c ' 403 ' "$BERTH_LOG")
	out=$(timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T_DIR/chrome" --virtual-time-budget=5000 --dump-dom \
		"http://127.0.0.1:$PW/evil.html" 2>"$T_DIR/chrome.log" | sed -n '/<pre id="log">/,/<\/pre>/p')
	expect_match "the page ran and tried (Chromium)" "$out" "stop (sent|failed)"
	expect_no_match "its WebSocket was never opened" "$out" "ws open"
	expect_eq "the container still runs after the page" "$(running)" running
	check_fails "and nothing was typed into it" "$DOCKER" exec victim test -e /pwned
	expect_match "berthd refused the page's requests with 403" "$(($(grep -c ' 403 ' "$BERTH_LOG") - n403))" '^[1-9]'
fi

# --- --api-cors-header allows one origin
berth_stop
berth_restart -H "tcp://127.0.0.1:$P" --api-cors-header http://dash.example || { fail "berthd restarts with --api-cors-header"; finish; }
"$DOCKER" start victim >/dev/null 2>&1
hdr=$(curl -s -D - -o /dev/null -X POST -H 'Origin: http://dash.example' "$B/containers/victim/pause")
expect_match "the allowed origin may change state" "$hdr" '^HTTP/1.1 204'
expect_match "and gets Access-Control-Allow-Origin" "$hdr" 'Access-Control-Allow-Origin: http://dash.example'
expect_match "and the allowed headers include X-Registry-Auth" "$hdr" 'Access-Control-Allow-Headers: .*X-Registry-Auth'
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Origin: http://evil.example' "$B/containers/victim/unpause")
expect_eq "another origin is still refused" "$st" 403
curl -s -o /dev/null -X POST "$B/containers/victim/unpause"
finish
