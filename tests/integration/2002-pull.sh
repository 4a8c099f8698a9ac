#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker pull against a loopback registry filled with the fixture images:
# dockerd's progress lines (compared with reference/dockerd-transcript.md),
# layer sharing ("Already exists"), up-to-date pulls, pull by digest, index
# platform selection, zstd layers, dockerd's errors, the raw JSON stream,
# and two concurrent pulls sharing layers fetching each blob once.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
R=$REGISTRY
berth_start || { fail "berthd starts"; finish; }

BB=$(layer_short "$BUSYBOX_LAYERS")
out=$("$DOCKER" pull "$R/busybox" 2>&1)
expect_eq "pull busybox prints dockerd's lines" "$out" "Using default tag: latest
latest: Pulling from busybox
$BB: Pulling fs layer
$BB: Verifying Checksum
$BB: Download complete
$BB: Pull complete
Digest: $BUSYBOX_DIGEST
Status: Downloaded newer image for $R/busybox:latest
$R/busybox:latest"

set -- $APP1_LAYERS
out=$("$DOCKER" pull "$R/app1:latest" 2>&1)
expect_match "app1: the busybox layer already exists" "$out" "^$BB: Already exists"
expect_match "app1: its own layers are pulled" "$out" "$(layer_short "$3"): Pull complete"
set -- $APP2_LAYERS
out=$("${DOCKER_OLD:-$DOCKER}" pull "$R/app2:latest" 2>&1)
expect_match "app2 after app1: first base layer already exists" "$out" "$(layer_short "$1"): Already exists"
expect_match "app2 after app1: second base layer already exists" "$out" "$(layer_short "$2"): Already exists"
expect_match "app2: its top layer is pulled" "$out" "$(layer_short "$3"): Pull complete"
expect_match "app2: Digest line" "$out" "Digest: $APP2_DIGEST"
out=$("$DOCKER" pull "$R/app2:latest" 2>&1)
expect_eq "pulling again: up to date, no layer lines" "$out" "latest: Pulling from app2
Digest: $APP2_DIGEST
Status: Image is up to date for $R/app2:latest
$R/app2:latest"

expect_eq "image ID is the config digest" "$("$DOCKER" image inspect -f '{{.Id}}' "$R/app1")" "$APP1_CONFIG_DIGEST"
expect_eq "RepoDigests names the manifest" "$("$DOCKER" image inspect -f '{{json .RepoDigests}}' "$R/app1")" "[\"$R/app1@$APP1_DIGEST\"]"
expect_eq "RootFS layers are the diff IDs" "$("$DOCKER" image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$R/app1")" "$APP1_DIFF_IDS "
expect_eq "Created is the config's" "$("$DOCKER" image inspect -f '{{.Created}}' "$R/app1")" "2024-01-01T00:00:00Z"

out=$("$DOCKER" pull "$R/multi" 2>&1)
expect_match "index: Digest is the index digest" "$out" "Digest: $MULTI_DIGEST"
expect_eq "index: amd64 picked by default" "$("$DOCKER" image inspect -f '{{.Id}} {{.Architecture}}' "$R/multi")" "$MULTI_AMD64_CONFIG_DIGEST amd64"
out=$("$DOCKER" pull --platform linux/arm64 "$R/multi" 2>&1)
expect_eq "index: --platform linux/arm64 picks arm64" "$("$DOCKER" image inspect -f '{{.Id}} {{.Architecture}}' "$R/multi")" "$MULTI_ARM64_CONFIG_DIGEST arm64"
out=$("$DOCKER" pull --platform linux/s390x "$R/multi" 2>&1); rc=$?
expect_eq "index: no matching platform fails" "$rc" 1
expect_match "with dockerd's message" "$out" "no matching manifest for linux/s390x in the manifest list entries"

if [ -n "${ZSTD_CONFIG_DIGEST:-}" ]; then
	check "zstd layer pulls" "$DOCKER" pull "$R/zstd"
	expect_eq "zstd image ID" "$("$DOCKER" image inspect -f '{{.Id}}' "$R/zstd")" "$ZSTD_CONFIG_DIGEST"
else
	skip "zstd fixture not built"; skip "zstd fixture not built"
fi

"$DOCKER" rmi "$R/app2:latest" >/dev/null
out=$("$DOCKER" pull "$R/app2@$APP2_DIGEST" 2>&1)
expect_match "pull by digest" "$out" "Status: Downloaded newer image for $R/app2@$APP2_DIGEST"
expect_eq "by-digest image has the right ID" "$("$DOCKER" image inspect -f '{{.Id}}' "$R/app2@$APP2_DIGEST")" "$APP2_CONFIG_DIGEST"

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	out=$("$cli" pull "$R/busybox:nope" 2>&1); rc=$?
	expect_eq "[$v] missing tag fails" "$rc" 1
	expect_eq "[$v] with dockerd's 404 message" "$out" "Error response from daemon: manifest for $R/busybox:nope not found: manifest unknown: manifest unknown"
done
out=$(api POST "/v1.41/images/create?fromImage=$R/busybox&tag=nope" | tail -1)
expect_eq "missing tag is an HTTP 404 before any stream" "$out" 404
out=$(api POST "/v1.41/images/create?fromImage=$R/busybox&tag=latest")
first=$(printf '%s' "$out" | head -1 | tr -d '\r')
expect_eq "raw stream: first line" "$first" '{"status":"Pulling from busybox","id":"latest"}'
check "raw stream: lines end in CRLF" grep -q $'\r$' <(printf '%s\n' "$out" | head -1)
expect_match "raw stream: status line" "$out" "\"status\":\"Status: Image is up to date for $R/busybox:latest\""
out=$(api POST "/images/create?fromImage=BAD..NAME&tag=x" | tail -1)
expect_eq "invalid reference is a 400" "$out" 400

# Events: pull with Actor.ID = the familiar reference.
events=$(timeout 10 "$DOCKER" events --since 0 --until "$(($(date +%s) + 1))" --filter type=image --format '{{.Action}} {{.Actor.ID}}' | tr '\n' ' ')
expect_match "pull events are published" "$events" "pull $R/app1:latest"

# libcurl (and its tree) is unloaded once the API has been idle for a
# second, and loaded again by the next pull (docs/performance.md, "Idle
# RSS, second pass").
curl_mapped() { grep -qE '/libcurl[^/]*\.so' "/proc/$BERTH_PID/maps"; }
check "libcurl is unmapped once the API is idle" wait_for 10 eval '! curl_mapped'
"$DOCKER" rmi "$R/busybox" >/dev/null 2>&1
check "a pull after the unload loads it again" "$DOCKER" pull -q "$R/busybox"
expect_eq "and gets the image" "$("$DOCKER" image inspect -f '{{.Id}}' "$R/busybox")" \
	"$BUSYBOX_CONFIG_DIGEST"

# Two concurrent pulls sharing layers, on a fresh daemon with one download
# slot for the whole daemon (--max-concurrent-downloads 1): each blob
# fetched once, both finish, and layers past the first show "Waiting".
berth_start --max-concurrent-downloads 1 || fail "second berthd starts"
log=$REG_DIR_reg/registry.log
pos=$(stat -c %s "$log")
"$DOCKER" pull "$R/app1" >"$T_DIR/c1.out" 2>&1 & p1=$!
"$DOCKER" pull "$R/app2" >"$T_DIR/c2.out" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
expect_eq "concurrent pulls both succeed" "$r1 $r2" "0 0"
expect_eq "with --max-concurrent-downloads 1, app1's 2nd and 3rd layers wait" \
	"$(grep -c ': Waiting' "$T_DIR/c1.out")" 2
set -- $APP2_LAYERS
expect_eq "the shared busybox blob was fetched once" "$(blob_gets "$log" "$1" "$pos")" 1
expect_eq "the shared base blob was fetched once" "$(blob_gets "$log" "$2" "$pos")" 1
expect_eq "both images are there" "$("$DOCKER" images --format '{{.ID}}' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "${APP1_CONFIG_DIGEST:7:12}" "${APP2_CONFIG_DIGEST:7:12}" | sort | tr '\n' ' ')"
berth_stop
finish
