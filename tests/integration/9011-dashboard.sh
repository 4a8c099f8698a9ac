#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The built-in dashboard (issue 14): --dashboard serves static files under
# /dashboard/ (GET/HEAD, content types, no listing, no way out of the
# directory: "..", encoded, symlinks), and the page, driven by headless
# Chromium through playwright-core (tests/browser/dashboard.spec.js), works
# against a real berthd: lists, start/stop/remove, terminal over the attach
# WebSocket ("echo hi"), logs, stats, a streamed build, a pull from the
# loopback registry with progress bars, writes disabled on a read-only
# listener, and CORS from a page on another origin (allowed when configured,
# refused when not). Screenshots go to $T_DIR/shots and /tmp/berth-artifacts/.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"

P=$(free_port) && PR=$(free_port) && PG=$(free_port) && PB=$(free_port) || { fail "free loopback ports"; finish; }
[ "$(printf '%s\n' "$P" "$PR" "$PG" "$PB" | sort -u | wc -l)" = 4 ] || { fail "four distinct ports"; finish; }
fixtures_build || { fail "fixture images build"; finish; }
registry_up reg || { fail "the loopback registry starts"; finish; }
berth_start_seeded -- -H "tcp://127.0.0.1:$P" --read-only-host "tcp://127.0.0.1:$PR" --dashboard \
	--insecure-registry "$REGISTRY" --api-cors-header "http://127.0.0.1:$PG" ||
	{ fail "berthd starts with --dashboard"; finish; }
B=http://127.0.0.1:$P
expect_match "the dashboard is found beside berthd in the build tree" "$(cat "$BERTH_LOG")" "dashboard on /dashboard/ .*$BUILD/dashboard"

# --- static files
hdr() { curl -s -o /dev/null -D - "$@" | tr -d '\r'; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
h=$(hdr "$B/dashboard")
expect_match "/dashboard redirects to /dashboard/" "$h" $'^HTTP/1.1 301'
expect_match "with Location: /dashboard/" "$h" $'\nLocation: /dashboard/\n'
h=$(hdr "$B/dashboard/")
expect_match "/dashboard/ serves index.html as text/html" "$h" $'^HTTP/1.1 200.*\nContent-Type: text/html; charset=utf-8\n'
expect_match "with a Content-Security-Policy limiting it to its own origin" "$h" "Content-Security-Policy: default-src 'self'; script-src 'self'; connect-src 'self'"
expect_match "and nosniff" "$h" 'X-Content-Type-Options: nosniff'
expect_match "HEAD app.js: text/javascript" "$(hdr -I "$B/dashboard/app.js")" $'^HTTP/1.1 200.*\nContent-Type: text/javascript'
expect_match "style.css: text/css" "$(hdr "$B/dashboard/style.css")" 'Content-Type: text/css'
if [ -f "$BUILD/dashboard/vendor/xterm/xterm.js" ]; then
	expect_eq "xterm.js is vendored with its LICENSE" "$(code "$B/dashboard/vendor/xterm/LICENSE")$(code "$B/dashboard/vendor/xterm/xterm.js")" 200200
else
	skip "xterm.js was not vendored (npm unreachable at build time)"
fi
expect_eq "a directory is not listed" "$(code "$B/dashboard/vendor/")" 404
expect_eq "a missing file is 404" "$(code "$B/dashboard/nope.js")" 404
expect_eq "POST is 405" "$(code -X POST "$B/dashboard/")" 405
expect_match "with Allow: GET, HEAD" "$(hdr -X DELETE "$B/dashboard/app.js")" $'^HTTP/1.1 405.*\nAllow: GET, HEAD'
expect_eq "../ is refused" "$(code --path-as-is "$B/dashboard/../../../../etc/passwd")" 404
expect_eq "encoded %2e%2e/ is refused" "$(code --path-as-is "$B/dashboard/%2e%2e/%2e%2e/%2e%2e/etc/passwd")" 404
expect_eq "encoded %2f.. is refused" "$(code --path-as-is "$B/dashboard/vendor%2f..%2f..%2f..%2fetc%2fpasswd")" 404
expect_eq "hidden files are not served" "$(code "$B/dashboard/.files-stamp")" 404
expect_eq "the read-only listener serves the dashboard too" "$(code "http://127.0.0.1:$PR/dashboard/")" 200
expect_eq "the API is unchanged beside it" "$(code "$B/_ping")" 200
for cli in "$DOCKER" $DOCKER_OLD; do
	expect_eq "$cli version works on the same listener" "$("$cli" -H "tcp://127.0.0.1:$P" version -f '{{.Server.APIVersion}}' 2>&1)" 1.44
done

# --- the page, in Chromium
CHROME=$(command -v chromium || command -v chromium-browser || true)
NPM=${BERTH_NPM_CACHE:-/var/tmp/berth-npm}
if [ -z "$CHROME" ]; then
	skip "the dashboard in a browser (chromium is not installed; scripts/setup.sh test installs it)"
elif ! command -v npm >/dev/null; then
	skip "the dashboard in a browser (npm is not installed)"
elif [ ! -f "$NPM/node_modules/playwright-core/package.json" ] &&
	! { mkdir -p "$NPM" && (cd "$NPM" && timeout 300 npm install --no-audit --no-fund --ignore-scripts playwright-core@1 >"$T_DIR/npm.log" 2>&1); }; then
	diag "$(tail -5 "$T_DIR/npm.log")"
	skip "the dashboard in a browser (cannot install playwright-core from npm)"
else
	diag "browser part starts at $(date +%T)"
	"$DOCKER" run -d --name fix1 busybox:latest sh -c 'trap "exit 0" TERM; while :; do echo tick; sleep 0.3; done' >/dev/null &
	"$DOCKER" create -it --name box busybox:latest sh >/dev/null
	wait "$!"
	on_exit '"$DOCKER" rm -f fix1 box from-cors >/dev/null 2>&1'
	mkdir -p "$T_DIR/www" "$T_DIR/shots"
	echo '<!doctype html><title>other origin</title>' >"$T_DIR/www/blank.html"
	for port in "$PG" "$PB"; do
		python3 -m http.server "$port" --bind 127.0.0.1 --directory "$T_DIR/www" >"$T_DIR/www-$port.log" 2>&1 &
		T_PIDS+=("$!")
		wait_for 10 curl -sf "http://127.0.0.1:$port/blank.html" -o /dev/null
	done
	diag "node starts at $(date +%T)"
	tap_lines env NODE_PATH="$NPM/node_modules" CHROME="$CHROME" BASE="$B" RO="http://127.0.0.1:$PR" \
		REGISTRY="$REGISTRY" BOX=box FIXTURE=fix1 GOOD="http://127.0.0.1:$PG" BAD="http://127.0.0.1:$PB" \
		SHOTS="$T_DIR/shots" TIMING="$T_DIR/timing" timeout 120 node "$TOP/tests/browser/dashboard.spec.js"
	diag "seconds into the browser run at each step:" "$(cat "$T_DIR/timing" 2>/dev/null)"
	[ "$TAP_LINES" -gt 10 ] || fail "the browser run reported its checks ($TAP_LINES lines)"
	expect_eq "the container the CORS page created exists" "$("$DOCKER" inspect -f '{{.Name}}' from-cors 2>&1)" /from-cors
	mkdir -p /tmp/berth-artifacts/9011-dashboard && cp "$T_DIR"/shots/*.png /tmp/berth-artifacts/9011-dashboard/ 2>/dev/null
	check "screenshots are kept as artifacts" test -s /tmp/berth-artifacts/9011-dashboard/dashboard.png
fi

# --- symlinks out of the directory, daemon.json, and off by default
cp -r "$BUILD/dashboard" "$T_DIR/dash"
ln -s /etc/passwd "$T_DIR/dash/passwd"
ln -s / "$T_DIR/dash/root"
ln -s ../../../../../../etc/hostname "$T_DIR/dash/up"
echo '{"dashboard": true, "dashboard-dir": "'"$T_DIR/dash"'"}' >"$T_DIR/daemon.json"
berth_stop
berth_restart -H "tcp://127.0.0.1:$P" --config-file "$T_DIR/daemon.json" || { fail "berthd restarts with dashboard in daemon.json"; finish; }
expect_eq "daemon.json's dashboard and dashboard-dir are used" "$(code "$B/dashboard/index.html")" 200
expect_eq "a symlink to /etc/passwd is not followed out" "$(code "$B/dashboard/passwd")" 404
expect_eq "a symlink to / is not followed out" "$(code "$B/dashboard/root/etc/passwd")" 404
expect_eq "a relative symlink climbing out is not followed" "$(code "$B/dashboard/up")" 404
berth_stop
berth_restart -H "tcp://127.0.0.1:$P" || { fail "berthd restarts without --dashboard"; finish; }
out=$(curl -s -w '%{http_code}' "$B/dashboard/" | tr -d '\n')
expect_eq "without --dashboard /dashboard/ is the API's 404" "$out" '{"message":"page not found"}404'
finish
