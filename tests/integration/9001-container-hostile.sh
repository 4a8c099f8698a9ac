#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile and absurd container input: bad names, mistyped JSON, deep and
# oversized bodies, absurd limits, unknown images (the 404 that makes
# `docker run` pull), binds to missing paths (-v creates, --mount errors),
# path tricks in logs/top/stats/archive ids, and 1000 creates in a loop
# leaking no mounts, fds, interfaces or shims.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
d() { "$DOCKER" "$@"; }
post() { curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Content-Type: application/json' -w ' %{http_code}' "http://x/v1.44$1" --data-binary "$2" | tr -d '\n'; }

out=$(post /containers/create '{"Image":"busybox","Cmd":"true","Env":"A=B"}')
expect_match "Env as a string: 400 naming the field" "$out" 'Env.* 400$'
out=$(post /containers/create '{"Image":42}')
expect_match "Image as a number: 400" "$out" 'Image.* 400$'
out=$(post /containers/create '{"Image":"busybox","HostConfig":{"Memory":"lots"}}')
expect_match "Memory as a string: 400 naming HostConfig.Memory" "$out" 'HostConfig.Memory.* 400$'
out=$(post /containers/create '{"Image":"busybox","HostConfig":{"Memory":1}}')
expect_match "Memory of 1 byte: 400" "$out" 'Minimum memory limit allowed is 6MB.* 400$'
out=$(post /containers/create '{"Image":"busybox","HostConfig":{"Memory":-5}}')
expect_match "negative Memory: 400" "$out" ' 400$'
out=$(post /containers/create '{"Image":"busybox","HostConfig":{"NanoCpus":999999999999999999}}')
expect_match "absurd NanoCpus: 400" "$out" ' 400$'
out=$(post /containers/create '{"Image":"busybox","HostConfig":{"RestartPolicy":{"Name":"sometimes"}}}')
expect_match "unknown restart policy: 400" "$out" ' 400$'
python3 -c 'print("["*100000 + "]"*100000)' > "$T_DIR/deep.json"
out=$(post /containers/create "@$T_DIR/deep.json")
expect_match "deeply nested JSON: 400" "$out" ' 400$'
out=$(post /containers/create '{"Image":"busybox"')
expect_match "truncated JSON: 400" "$out" ' 400$'
out=$(post /containers/create '')
expect_match "empty body: 400 with dockerd's words" "$out" 'got EOF while reading request body.* 400$'
out=$(post "/containers/create?name=../../etc" '{"Image":"busybox"}')
expect_match "name with slashes: 400" "$out" 'Invalid container name.* 400$'
out=$(post "/containers/create?name=$(head -c 300 /dev/zero | tr '\0' a)" '{"Image":"busybox"}')
expect_match "very long name: refused" "$out" ' 4[0-9][0-9]$'
out=$(post /containers/create '{"Image":"nosuchimage:latest"}')
expect_match "unknown image: 404 No such image" "$out" 'No such image: nosuchimage:latest.* 404$'
out=$(d create --name hostile-noimg nosuch/image:v1 2>&1); rc=$?
expect_match "docker create of an unknown image tries to pull (404 first)" "$rc $out" "^[1-9][0-9]* Unable to find image 'nosuch/image:v1' locally"

# Binds.
missing=$T_DIR/not/yet/there
d run -d --name hostile-v -v "$missing:/data" busybox sh -c 'ls -d /data' >/dev/null
check "-v creates a missing host directory" test -d "$missing"
out=$(d run -d --name hostile-mount --mount "type=bind,source=$T_DIR/nope,target=/data" busybox true 2>&1); rc=$?
expect_match "--mount with a missing source fails" "$rc $out" "^125 .*(bind source path does not exist|no such file or directory)"
check_fails "and does not create it" test -e "$T_DIR/nope"

# Ids with path tricks reach nothing.
for p in '..%2F..%2Fetc' 'x%00y' '%2E%2E'; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/$p/logs?stdout=1")
	expect_match "logs of container '$p': 404" "$code" '^40[04]$'
done
out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/hostile-v/logs?stdout=1&since=yesterday")
expect_match "logs with a bad since: 400" "$out" 'since'
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/hostile-v/logs?stdout=1&tail=-5")
expect_eq "logs with a negative tail: all lines, 200" "$code" "200"
d run -d --name hostile-top busybox sleep 300 >/dev/null
out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/hostile-top/top?ps_args=--no-such-option")
expect_match "top with bad ps_args: an error, no crash" "$out" 'message'
out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/hostile-top/top?ps_args=-o%20user")
expect_match "top without a PID column: dockerd's message" "$out" "Couldn't find PID field in ps output"
out=$(post /containers/hostile-top/update '{"Memory":"x"}')
expect_match "update with a mistyped field: 400" "$out" 'Memory.* 400$'
out=$(post /containers/hostile-top/update '{"PidsLimit":-7}')
expect_match "update with an absurd pids limit: 400" "$out" ' 400$'
out=$(post /containers/hostile-top/update '{"RestartPolicy":"always"}')
expect_match "update with a string RestartPolicy: 400" "$out" 'RestartPolicy.* 400$'
d rm -f hostile-top hostile-v >/dev/null

# A container that writes a symlink farm and a whiteout-looking name: diff
# and export stay inside its layers.
d run -d --name hostile-fs busybox sh -c 'ln -s / /escape; ln -s /etc/shadow /tmp/s; mkdir -p /a/b; ln -s ../../.. /a/b/up; touch ".wh.evil"' >/dev/null
wait_for 10 sh -c "'$DOCKER' inspect -f '{{.State.Status}}' hostile-fs | grep -q exited"
out=$(d export hostile-fs | tar -t | grep -E '^(escape|a/b/up|tmp/s)' | sort | tr '\n' ' ')
expect_eq "export keeps symlinks as symlinks" "$out" "a/b/up escape tmp/s "
out=$(d export hostile-fs | tar -t | grep -c '^escape/')
expect_eq "and never follows them" "$out" "0"
d rm -f hostile-fs >/dev/null

# 1000 creates: nothing leaks.
before_fds=$(ls /proc/$BERTH_PID/fd | wc -l)
# Counted for this daemon only: other tests may run beside this one.
before_mounts=$(grep -c "$BERTH_ROOT" /proc/self/mountinfo)
before_links=$(ip -o link show master "$BERTH_BRIDGE" | wc -l)
# (one curl for the 1000 requests, each on a connection of its own as
# from 1000 clients: a curl process per request took most of this script)
for i in $(seq 1 1000); do echo "url = \"http://x/v1.44/containers/create?name=loop$i\""; done >"$T_DIR/creates"
curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Content-Type: application/json' -H 'Connection: close' \
	-d '{"Image":"busybox","Cmd":["true"]}' -K "$T_DIR/creates" >/dev/null
expect_eq "1000 containers created" "$(d ps -aq | wc -l)" "1000"
d start $(seq -f 'loop%g' 1 20) >/dev/null
wait_for 20 sh -c "[ \$('$DOCKER' ps -q | wc -l) -eq 0 ]"
out=$(d container prune -f | grep -c '^[0-9a-f]\{64\}$')
expect_eq "prune removes all 1000" "$out" "1000"
# A removal renames the directory to .del-<id> and deletes it in the
# background (the 1000 take as long as prune itself took before: 40 ms each
# at a load of 35), with directory fds open meanwhile.
check "no removed directory left behind (.del-*)" \
	wait_for 120 sh -c "[ -z \"\$(ls -A '$BERTH_ROOT/data/containers')\" ]"
after_fds=$(ls /proc/$BERTH_PID/fd | wc -l)
check "no leaked fds in berthd ($before_fds before, $after_fds after)" test "$after_fds" -le $((before_fds + 2))
expect_eq "no leaked mounts" "$(grep -c "$BERTH_ROOT" /proc/self/mountinfo)" "$before_mounts"
expect_eq "no leaked interfaces on the bridge" "$(ip -o link show master "$BERTH_BRIDGE" | wc -l)" "$before_links"
expect_eq "no leaked network namespaces" "$(ls "$BERTH_ROOT/exec/netns" 2>/dev/null | wc -l)" "0"
expect_eq "no shims left" "$(pgrep -f "berth-shim.*$BERTH_ROOT" | wc -l)" "0"
expect_eq "no container directories left" "$(ls "$BERTH_ROOT/data/containers" | wc -l)" "0"
check "berthd is still healthy" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping
finish
