#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Changes are applied completely or not at all (issue 12): on a full data
# root `docker tag`, `docker rmi` of a tag and `docker rename` fail with the
# real cause, and the old state stays live (no half-applied tag or name
# until the next restart); once space is freed they work.
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
mkdir -p "$T_DIR/d0/data"
mount -t tmpfs -o size=48m berth-test-full "$T_DIR/d0/data" || skip_all "cannot mount a tmpfs"
on_exit "umount -l '$T_DIR/d0/data' 2>/dev/null"
berth_start_seeded || { fail "berthd starts with busybox seeded on a 48 MiB tmpfs"; finish; }
"$DOCKER" create --name before busybox true >/dev/null
"$DOCKER" tag busybox keep:1

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
rm -f "$BERTH_ROOT/data/filler"
check "once space is freed, tag works" "$DOCKER" tag busybox full:1
check "and rename" "$DOCKER" rename before after
check "and rmi of a tag" "$DOCKER" rmi keep:1
berth_stop
berth_restart || { fail "berthd restarts"; finish; }
expect_eq "after a restart the state is the one last reported" \
	"$("$DOCKER" images -q full:1 | wc -l) $("$DOCKER" inspect -f '{{.Name}}' after) $("$DOCKER" images -q keep:1 | wc -l)" "1 /after 0"
finish
