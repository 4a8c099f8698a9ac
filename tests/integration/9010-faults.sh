#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Faults (issue 13): a registry that answers 500, dies in the middle of a
# blob, ignores Range, trickles, or sends a wrong blob, through a
# fault-injecting proxy (tests/helpers/faultproxy.py) in front of the real
# Debian docker-registry: pulls retry with dockerd's back-off and progress
# messages, resume with Range, verify, fail with dockerd's error text, and
# leave no blob or layer behind. Then space that comes back: rmi + prune
# give back every byte (du of the data root), SpaceReclaimed and system df
# agree, leftovers of older versions go, save keeps working, and a prune
# during a pull does not take what the pull is using.
# The back-off "second" is shortened with BERTH_TEST_RETRY_UNIT_MS (a
# test-only knob: dockerd has no option for its wait).
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
for c in python3 jq curl; do command -v "$c" >/dev/null || skip_all "$c missing"; done
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
UP=${REGISTRY#*:}

python3 "$TOP/tests/helpers/faultproxy.py" "$UP" "$T_DIR/proxy.port" "$T_DIR/proxy.log" \
	>"$T_DIR/proxy.out" 2>&1 &
T_PIDS+=("$!")
wait_for 10 test -s "$T_DIR/proxy.port" || { fail "fault proxy starts"; finish; }
P=127.0.0.1:$(<"$T_DIR/proxy.port")

export BERTH_TEST_RETRY_UNIT_MS=10
berth_start || { fail "berthd starts"; finish; }
DATA=$BERTH_ROOT/data
BASE=${BUSYBOX_LAYER_DIGEST}		# 1 MB, the bottom layer of app1
TOPL=${APP1_LAYERS##* }			# app1's top layer (small)

plan() { curl -sf "http://$P/_fault?digest=$1&plan=$2" >/dev/null; }
# pull_json REF: the pull's JSON stream through the API (what the CLIs render)
pull_json() { curl -s --unix-socket "$BERTH_SOCK" -X POST "http://x/v1.44/images/create?fromImage=$1&tag=latest"; }
nth_get() { grep "^$1 " "$T_DIR/proxy.log" | sed -n "$2p"; }
gets() { grep -c "^$1 " "$T_DIR/proxy.log" 2>/dev/null || true; }
# The store holds nothing: no image, layer, blob or partial download.
store_empty() {
	[ -z "$(ls -A "$DATA/blobs/sha256")" ] && [ -z "$(ls -A "$DATA/layers")" ] &&
		[ -z "$(ls -A "$DATA/tmp")" ]
}
reset() { "$DOCKER" rmi -f "$P/app1" "$P/busybox" >/dev/null 2>&1; : >"$T_DIR/proxy.log"; }

# ---- 500 twice: retried with dockerd's countdown --------------------------
plan "$BASE" "500,500"
out=$(pull_json "$P/app1")
expect_match "500 twice: the pull completes" "$out" "\"status\":\"Status: Downloaded newer image for $P/app1:latest\""
sid=$(layer_short "$BASE")
expect_match "with dockerd's progress line for a retry" "$out" \
	"\\{\"status\":\"Retrying in 5 seconds\",\"progressDetail\":\\{\\},\"id\":\"$sid\"\\}"
expect_match "counting down to 1 second" "$out" "\"status\":\"Retrying in 1 second\",\"progressDetail\":\\{\\},\"id\":\"$sid\""
expect_match "and 10 seconds after the second failure" "$out" "\"Retrying in 10 seconds\""
expect_eq "one line a second: 5 then 10" "$(grep -o 'Retrying in [0-9]* seconds*' <<<"$out" | tr '\n' ,)" \
	"$(for n in 5 4 3 2 1 10 9 8 7 6 5 4 3 2 1; do printf 'Retrying in %s second%s,' $n "$([ $n = 1 ] || echo s)"; done)"
expect_eq "three GETs of the blob" "$(gets "$BASE")" 3
reset

# ---- dies mid-blob: resumed with Range -------------------------------------
plan "$BASE" "cut=300000"
out=$("$DOCKER" pull "$P/busybox" 2>&1)
expect_match "cut after 300000 bytes: docker pull completes" "$out" "Downloaded newer image"
expect_match "the second GET asks for the rest with Range" "$(nth_get "$BASE" 2)" \
	"^$BASE bytes=300000- 206 "
reset

# ---- dies mid-blob, the registry ignores Range: starts over ---------------
plan "$BASE" "cut=300000,norange"
out=$("$DOCKER" pull "$P/busybox" 2>&1)
expect_match "cut, then Range ignored: the pull completes" "$out" "Downloaded newer image"
expect_match "from a full 200 answer" "$(nth_get "$BASE" 2)" "^$BASE - 200 norange"
reset

# ---- resumed, then the joined bytes do not verify: start over (dockerd) ----
plan "$BASE" "cut=300000,flip=500000"
out=$("$DOCKER" pull "$P/busybox" 2>&1)
expect_match "a resumed blob that fails verification is fetched again" "$out" "Downloaded newer image"
expect_match "from offset 0" "$(nth_get "$BASE" 3)" "^$BASE - 200 -"
check "the image runs" "$DOCKER" run --rm "$P/busybox" true
reset

# ---- a wrong blob: dockerd's error, nothing left behind --------------------
plan "$TOPL" "flip=100*"
for cli in "$DOCKER" ${DOCKER_OLD:+"$DOCKER_OLD"}; do
	out=$("$cli" pull "$P/app1" 2>&1); rc=$?
	expect_eq "$cli: a corrupt blob fails the pull" "$rc" 1
	expect_match "$cli: with dockerd's message" "$out" \
		"filesystem layer verification failed for digest $TOPL"
	check "$cli: and leaves no blob, layer or partial download" store_empty
done
expect_eq "a corrupt blob is not retried" "$(gets "$TOPL")" 2
reset

# ---- 500 for ever: 5 attempts, then the registry's error -------------------
plan "$TOPL" "500*"
out=$("$DOCKER" pull "$P/app1" 2>&1); rc=$?
expect_eq "a registry that keeps failing fails the pull" "$rc" 1
expect_match "with the registry's answer" "$out" "500 Internal Server Error|injected failure"
expect_eq "after 5 attempts (dockerd's max-download-attempts)" "$(gets "$TOPL")" 5
check "leaving nothing behind" store_empty
plan "$TOPL" ""
reset

# ---- a slow registry, and prunes while the pull is in flight ---------------
# The base layer trickles (about 2 s) while the others are downloaded and
# wait to be unpacked above it: only their pins keep their blobs from the
# collections the prunes (dangling only: the image must stay) run meanwhile.
plan "$BASE" "slow=15*"
"$DOCKER" pull "$P/app1" >"$T_DIR/slow.out" 2>&1 &
pull=$!
T_PIDS+=("$pull")
check "the slow pull is under way" wait_for 10 grep -q "^$BASE " "$T_DIR/proxy.log"
prunes=0
while kill -0 "$pull" 2>/dev/null && [ "$prunes" -lt 6 ]; do
	"$DOCKER" image prune -f >/dev/null 2>&1 && prunes=$((prunes + 1))
done
wait "$pull"; rc=$?
diag "$prunes prunes ran during the pull"
expect_eq "a slow registry: the pull completes while prunes run" "$rc" 0
check "and saves (its blobs were kept)" "$DOCKER" save -o "$T_DIR/app1.tar" "$P/app1"
plan "$BASE" ""
reset

# ---- space comes back -------------------------------------------------------
R=$REGISTRY
layers_size() { api GET /system/df | head -1 | jq .LayersSize; }
du_k() { du -sk "$DATA" | cut -f1; }
check "nothing is left of the pulls above" store_empty
du0=$(du_k)
"$DOCKER" pull -q "$R/app1" >/dev/null && "$DOCKER" pull -q "$R/app2" >/dev/null
ls1=$(layers_size)
blobs=$(du -sb "$DATA/blobs/sha256" | cut -f1)
expect_eq "system df counts the layers and the blobs kept for save/push" \
	"$([ "$ls1" -gt "$blobs" ] && [ "$blobs" -gt 1000000 ] && echo yes)" yes
"$DOCKER" rmi "$R/app2" >/dev/null
check "rmi keeps the blobs of the image that stays" \
	test -f "$DATA/blobs/sha256/${BASE#sha256:}" -a -f "$DATA/blobs/sha256/${TOPL#sha256:}"
check "docker save still has them" "$DOCKER" save -o "$T_DIR/app1.tar" "$R/app1"
"$DOCKER" rmi "$R/app1" >/dev/null
check "rmi of the last image takes its blobs and layers along" store_empty
expect_eq "du of the data root is back where it was (KiB)" "$(( $(du_k) - du0 <= 8 ))" 1

"$DOCKER" pull -q "$R/app2" >/dev/null
ls1=$(layers_size)
out=$(api POST '/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D' | head -1)
expect_eq "image prune -a: SpaceReclaimed is what system df reported" \
	"$(jq .SpaceReclaimed <<<"$out")" "$ls1"
expect_eq "and system df now reports 0" "$(layers_size)" 0
check "nothing is left" store_empty
expect_eq "du is back (KiB)" "$(( $(du_k) - du0 <= 8 ))" 1

for cli in ${DOCKER_OLD:+"$DOCKER_OLD"} "$DOCKER"; do
	"$cli" pull -q "$R/app1" >/dev/null 2>&1 || "$cli" pull "$R/app1" >/dev/null
	# What an older berth left behind: a blob no layer names.
	head -c 200000 /dev/urandom >"$T_DIR/old"
	cp "$T_DIR/old" "$DATA/blobs/sha256/$(sha256sum "$T_DIR/old" | cut -c1-64)"
	out=$("$cli" system prune -af 2>&1)
	expect_match "$cli system prune -af reports the space" "$out" "Total reclaimed space: [1-9]"
	check "$cli system prune: leftovers of older versions go too" store_empty
done

head -c 100000 /dev/urandom >"$T_DIR/old"
cp "$T_DIR/old" "$DATA/blobs/sha256/$(sha256sum "$T_DIR/old" | cut -c1-64)"
berth_stop
out=$("$BERTHD" --max-download-attempts 0 2>&1)
expect_match "--max-download-attempts 0 is refused with dockerd's message" "$out" "invalid max download attempts: 0"
berth_restart --max-download-attempts 2 || { fail "berthd restarts"; finish; }
check "start-up collects unreferenced blobs" store_empty
plan "$TOPL" "500*"
: >"$T_DIR/proxy.log"
check_fails "with --max-download-attempts 2 a failing registry fails the pull" "$DOCKER" pull "$P/app1"
expect_eq "after 2 attempts" "$(gets "$TOPL")" 2
check "leaving nothing behind" store_empty

finish
