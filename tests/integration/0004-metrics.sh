#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prometheus metrics (issue 14): --metrics-addr serves /metrics as the text
# format promtool accepts, with requests per route and status and their
# latency histograms, containers by state, images, shims, pulls and builds in
# flight and their durations, and berthd's fds, threads and memory; other
# paths are 404, other methods 405; a bad address stops berthd at start.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
export DOCKER_BUILDKIT=0

out=$("$BERTHD" --validate --metrics-addr nonsense 2>&1); rc=$?
expect_eq "a --metrics-addr without a port is refused" "$rc" 1
expect_match "... with a clear message" "$out" "invalid --metrics-addr 'nonsense'"

MPORT=$(free_port) || { fail "a free loopback port"; finish; }
berth_start_seeded -- --metrics-addr "127.0.0.1:$MPORT" || { fail "berthd starts with --metrics-addr"; finish; }
M=http://127.0.0.1:$MPORT/metrics
metric() { curl -s "$M" | awk -v k="$1" '$1 == k {print $2}'; }
is_metric() { [ "$(metric "$1")" = "$2" ]; }

out=$(curl -s -i "$M" | tr -d '\r')
expect_match "GET /metrics is a 200" "$out" '^HTTP/1.1 200'
expect_match "... in the text exposition format 0.0.4" "$out" 'Content-Type: text/plain; version=0.0.4'
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts it" sh -c "curl -s '$M' | promtool check metrics"
else
	skip "promtool is not installed (Debian's prometheus)"
fi
expect_eq "another path is a 404" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/v1.44/containers/json")" 404
expect_eq "POST /metrics is a 405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$M")" 405

# Requests: counted by route pattern and status, with a histogram.
"$DOCKER" run -d --name m1 busybox sleep 600 >/dev/null
"$DOCKER" inspect nope >/dev/null 2>&1
body=$(curl -s "$M")
expect_match "a create is counted under its route and status" "$body" \
	'^berth_http_requests_total\{method="POST",route="/containers/create",code="201"\} 1$'
expect_match "... a start likewise" "$body" \
	'^berth_http_requests_total\{method="POST",route="/containers/\{id\}/start",code="204"\} 1$'
expect_match "a 404 of a known route keeps its pattern" "$body" \
	'^berth_http_requests_total\{method="GET",route="/containers/\{id\}/json",code="404"\} [1-9]'
expect_match "latency histogram with le buckets" "$body" \
	'^berth_http_request_duration_seconds_bucket\{method="POST",route="/containers/create",le="\+Inf"\} 1$'
expect_match "... and its count" "$body" \
	'^berth_http_request_duration_seconds_count\{method="POST",route="/containers/create"\} 1$'
expect_eq "containers by state: one running" "$(metric 'berth_containers{state="running"}')" 1
expect_eq "one shim running" "$(metric berth_shims_running)" 1
"$DOCKER" create --name m2 busybox true >/dev/null
expect_eq "one created" "$(metric 'berth_containers{state="created"}')" 1
expect_match "images in the store" "$(metric berth_images)" '^[1-9][0-9]*$'
# (the scrape's own connection is one of them, as in any process collector)
fds=$(metric process_open_fds) real=$(ls /proc/"$BERTH_PID"/fd | wc -l)
check "berthd's open fds match /proc (scrape connection aside: $fds vs $real)" \
	test "$fds" -ge $((real - 1)) -a "$fds" -le $((real + 1))
expect_eq "berthd's threads match /proc" "$(metric berth_threads)" \
	"$(awk '/^Threads:/ {print $2}' /proc/"$BERTH_PID"/status)"
expect_match "resident memory in bytes" "$(metric process_resident_memory_bytes)" '^[1-9][0-9]{6,}$'

# Builds: in flight while one runs, then a duration.
mkdir -p "$T_DIR/ctx" && printf 'FROM busybox\nRUN while [ ! -e /tmp/go ]; do sleep 0.1; done; echo never\n' >"$T_DIR/ctx/Dockerfile"
printf 'FROM busybox\nRUN echo built >/f\n' >"$T_DIR/ctx/Dockerfile.quick"
"$DOCKER" build -q -f "$T_DIR/ctx/Dockerfile.quick" -t mquick "$T_DIR/ctx" >/dev/null 2>&1
expect_eq "a finished build is in the build duration histogram" "$(metric berth_build_duration_seconds_count)" 1
timeout 60 "$DOCKER" build -q -t mslow "$T_DIR/ctx" >/dev/null 2>&1 &
bpid=$!
wait_for 30 is_metric berth_builds_in_flight 1; rc=$?
expect_eq "a running build is in flight" "$rc" 0
kill "$bpid" 2>/dev/null
wait "$bpid" 2>/dev/null
wait_for 30 is_metric berth_builds_in_flight 0; rc=$?
expect_eq "... and no longer once its client went" "$rc" 0

# Pulls: one from the loopback registry.
if registry_up reg; then
	"$DOCKER" pull -q "$REGISTRY/app1:latest" >/dev/null 2>&1
	expect_eq "a pull is in the pull duration histogram" "$(metric berth_pull_duration_seconds_count)" 1
	expect_eq "... and none is in flight after it" "$(metric berth_pulls_in_flight)" 0
else
	fail "the loopback registry starts"
fi
"$DOCKER" rm -f m1 m2 >/dev/null
wait_for 15 is_metric berth_shims_running 0; rc=$?
expect_eq "after rm no shim is counted (the cancelled build's RUN was killed too)" "$rc" 0
check "promtool still accepts the exposition after all that" sh -c "curl -s '$M' | { command -v promtool >/dev/null && promtool check metrics || cat >/dev/null; }"

finish
