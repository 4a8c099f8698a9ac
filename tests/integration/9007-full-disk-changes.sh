#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Changes are applied completely or not at all (issue 12): on a full data
# root `docker tag`, `docker rmi` of a tag and `docker rename` fail with the
# real cause, and the old state stays live (no half-applied tag or name
# until the next restart); once space is freed they work.
# Full disk (issue 13): pulls, builds, docker cp, commits fail with "no
# space left on device", leave nothing half-written (the store passes a
# consistency check, also after a restart), and work again once space is
# freed; a running container whose log cannot be written keeps running.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
mkdir -p "$T_DIR/d0/data"
mount -t tmpfs -o size=48m berth-test-full "$T_DIR/d0/data" || skip_all "cannot mount a tmpfs"
on_exit "umount -l '$T_DIR/d0/data' 2>/dev/null"
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
R=$REGISTRY
berth_start_seeded || { fail "berthd starts with busybox seeded on a 48 MiB tmpfs"; finish; }
"$DOCKER" create --name before busybox true >/dev/null
"$DOCKER" tag busybox keep:1
"$DOCKER" run -d --name chatty busybox sh -c 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.02; done' >/dev/null
mkdir -p "$T_DIR/ctx" && printf 'FROM busybox\nRUN echo built >/built\n' >"$T_DIR/ctx/Dockerfile"
head -c 2000000 /dev/urandom >"$T_DIR/big"
DATA=$BERTH_ROOT/data

fill() { dd if=/dev/zero of="$BERTH_ROOT/data/filler" bs=1M count=64 2>/dev/null || true; }
fill
out=$("$DOCKER" tag busybox full:1 2>&1)
expect_match "docker tag on a full disk fails with the cause" "$out" "[Nn]o space left on device"
expect_eq "and the tag is not live" "$("$DOCKER" images -q full:1)" ""
out=$("$DOCKER" rename before after 2>&1)
expect_match "docker rename on a full disk fails with the cause" "$out" "[Nn]o space left on device"
expect_eq "and the old name stays" "$("$DOCKER" ps -a --format '{{.Names}}' --filter id="$("$DOCKER" inspect -f '{{.Id}}' before)")" "before"
check_fails "and the new name is not taken" "$DOCKER" inspect after
out=$("$DOCKER" rmi keep:1 2>&1)
expect_match "docker rmi of a tag on a full disk fails with the cause" "$out" "[Nn]o space left on device"
check "and the tag stays" "$DOCKER" image inspect keep:1
check "berthd still serves" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping

nospace="[Nn]o space left on device"
for cli in "$DOCKER" ${DOCKER_OLD:+"$DOCKER_OLD"}; do
	out=$("$cli" pull "$R/app1" 2>&1)
	expect_match "$cli pull on a full disk fails with the cause" "$out" "$nospace"
	out=$("$cli" build -q -t full-build "$T_DIR/ctx" 2>&1)
	expect_match "$cli build on a full disk fails with the cause" "$out" "$nospace"
	out=$("$cli" cp "$T_DIR/big" before:/big 2>&1)
	expect_match "$cli cp into a container on a full disk fails with the cause" "$out" "$nospace"
	out=$("$cli" commit chatty full-commit 2>&1)
	expect_match "$cli commit on a full disk fails with the cause" "$out" "$nospace"
done
check_fails "the failed pull stored no image" "$DOCKER" image inspect "$R/app1"
check_fails "nor did the build" "$DOCKER" image inspect full-build
check_fails "nor the commit" "$DOCKER" image inspect full-commit
lines_now() { "$DOCKER" logs chatty 2>/dev/null | wc -l; }
n0=$(lines_now)
log_grew() { [ "$(lines_now)" -gt "$n0" ]; }
expect_eq "a container whose log cannot be written keeps running" \
	"$("$DOCKER" inspect -f '{{.State.Running}}' chatty)" true
check "and answers an exec" "$DOCKER" exec chatty true

# consistent: every blob matches its name, every layer has its metadata,
# every image's config is intact, nothing half-written is visible.
consistent() {
	local f bad=0
	for f in "$DATA"/blobs/sha256/*; do
		[ -e "$f" ] || continue
		[ "$(sha256sum <"$f" | cut -c1-64)" = "${f##*/}" ] || { echo "bad blob $f"; bad=1; }
	done
	for f in "$DATA"/images/*.json; do
		[ "$(sha256sum <"$f" | cut -c1-64)" = "$(basename "$f" .json)" ] || { echo "bad config $f"; bad=1; }
	done
	for f in "$DATA"/layers/*; do
		[ -f "$f/meta.json" ] || { echo "layer without meta $f"; bad=1; }
	done
	ls -A "$DATA/tmp" | grep . && bad=1
	ls -A "$DATA/layers" | grep '^\.' && bad=1
	return $bad
}
check "the store is consistent on the full disk" consistent

rm -f "$BERTH_ROOT/data/filler"
check "once space is freed, the log is written again" wait_for 10 log_grew
for cli in "$DOCKER" ${DOCKER_OLD:+"$DOCKER_OLD"}; do
	check "$cli: once space is freed, pull works" "$cli" pull -q "$R/app1"
	check "$cli: and build" "$cli" build -q -t full-build "$T_DIR/ctx"
	check "$cli: and cp" "$cli" cp "$T_DIR/big" before:/big
	check "$cli: and commit" "$cli" commit chatty full-commit
	"$cli" rmi "$R/app1" full-build full-commit >/dev/null 2>&1
done
check "and the log goes on" wait_for 10 log_grew
check "the log file holds only whole entries (no half-written line)" \
	jq -e . "$("$DOCKER" inspect -f '{{.LogPath}}' chatty)"
"$DOCKER" rm -f chatty >/dev/null
check "the store is consistent" consistent
check "once space is freed, tag works" "$DOCKER" tag busybox full:1
check "and rename" "$DOCKER" rename before after
check "and rmi of a tag" "$DOCKER" rmi keep:1
berth_stop
berth_restart || { fail "berthd restarts"; finish; }
expect_eq "after a restart the state is the one last reported" \
	"$("$DOCKER" images -q full:1 | wc -l) $("$DOCKER" inspect -f '{{.Name}}' after) $("$DOCKER" images -q keep:1 | wc -l)" "1 /after 0"
check "and the store is still consistent" consistent
finish
