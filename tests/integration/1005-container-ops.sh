#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# logs (streams, tail, since, timestamps, follow until exit, frames vs TTY),
# top, stats (stream and --no-stream), update (live cgroup), diff, export,
# prune and ps -s / system df sizes through the docker CLIs and curl.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
d() { "$DOCKER" "$@"; }
exited() { wait_for "${2:-20}" sh -c "'$DOCKER' inspect -f '{{.State.Status}}' $1 | grep -q exited"; }

d run -d --name ops-log busybox sh -c 'echo out1; echo err1 >&2; echo out2; sleep 1.5; echo late' >/dev/null
sleep 0.5
out=$(d logs ops-log 2>/dev/null | tr '\n' ' ')
expect_eq "logs: stdout lines" "$out" "out1 out2 "
out=$(d logs ops-log 2>&1 >/dev/null)
expect_eq "logs: stderr on stderr" "$out" "err1"
out=$(d logs -f ops-log 2>&1 | tr '\n' ' ')
expect_match "logs -f ends when the container stops, with the late line" "$out" "late $"
out=$(d logs --tail 1 ops-log)
expect_eq "logs --tail 1" "$out" "late"
out=$(d logs -t --tail 1 ops-log)
expect_match "logs -t: fixed 9-digit fraction" "$out" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z late$'
out=$(d logs --since 2000-01-01T00:00:00Z --until 2000-01-02T00:00:00Z ops-log 2>&1)
expect_eq "logs --since/--until outside the log's time: nothing" "$out" ""
code=$(curl -s -o "$T_DIR/frames" -w '%{http_code}' --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/ops-log/logs?stdout=1&stderr=1")
expect_eq "logs over the API: 200" "$code" "200"
out=$(od -An -tx1 -N8 "$T_DIR/frames" | tr -d ' \n')
expect_eq "first frame header: stdout, 5 bytes" "$out" "0100000000000005"
out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/ops-log/logs")
expect_eq "logs without a stream is a 400" "$out" '{"message":"Bad parameters: you must choose at least one stream"}'
d run -d -t --name ops-tty busybox sh -c 'echo tty-line' >/dev/null
exited ops-tty
out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/ops-tty/logs?stdout=1" | od -c | head -1)
expect_match "TTY logs are raw" "$out" "t   t   y   -   l   i   n   e"

# top
d run -d --name ops-top busybox sleep 300 >/dev/null
out=$(d top ops-top)
expect_match "top: ps -ef columns" "$(printf '%s' "$out" | head -1)" '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
expect_match "top: the process" "$out" 'sleep 300'
out=$(d top ops-top aux | head -1)
expect_match "top with ps_args aux" "$out" '^USER +PID +%CPU'
out=$(d top ops-log 2>&1); rc=$?
expect_match "top of a stopped container: 409 not running" "$rc $out" "^1 .*is not running"

# stats
out=$(d stats --no-stream --format '{{.Name}} {{.PIDs}}' ops-top)
expect_eq "stats --no-stream" "$out" "ops-top 1"
out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/ops-top/stats?stream=0" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(sorted(o), o["precpu_stats"]["system_cpu_usage"] > 0, o["memory_stats"]["usage"] > 0, "eth0" in o["networks"])')
expect_eq "stats stream=0 keys, a real precpu sample, memory and eth0" "$out" "['blkio_stats', 'cpu_stats', 'id', 'memory_stats', 'name', 'networks', 'num_procs', 'pids_stats', 'precpu_stats', 'preread', 'read', 'storage_stats'] True True True"
n=$(timeout 3.5 curl -s -N --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/ops-top/stats" | wc -l)
check "stats stream: a sample every second" test "$n" -ge 3

# update
check "update --memory --pids-limit --cpus" d update --memory 64m --memory-swap 128m --pids-limit 42 --cpus 0.5 ops-top
out=$(d inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}' ops-top)
expect_eq "inspect shows the new limits" "$out" "67108864 134217728 42 500000000"
id=$(d inspect -f '{{.Id}}' ops-top)
if [ -d /sys/fs/cgroup/memory/berth/$id ]; then
	expect_eq "memory cgroup updated live" "$(cat /sys/fs/cgroup/memory/berth/$id/memory.limit_in_bytes)" "67108864"
	expect_eq "pids cgroup updated live" "$(cat /sys/fs/cgroup/pids/berth/$id/pids.max)" "42"
	expect_eq "cpu quota updated live" "$(cat /sys/fs/cgroup/cpu/berth/$id/cpu.cfs_quota_us)" "50000"
fi
check "raising memory past the old swap limit" d update --memory 512m --memory-swap 1g ops-top
out=$(d update --memory 1m ops-top 2>&1); rc=$?
expect_match "update below 6MB is refused" "$rc $out" "^1 .*Minimum memory limit allowed is 6MB"
check "update --restart" d update --restart on-failure:3 ops-top
expect_eq "restart policy updated" "$(d inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' ops-top)" "on-failure:3"
d run -d --rm --name ops-autorm busybox sleep 300 >/dev/null
out=$(d update --restart always ops-autorm 2>&1); rc=$?
expect_match "restart policy with AutoRemove is refused" "$rc $out" "^1 .*AutoRemove is enabled"
d rm -f ops-autorm >/dev/null

# diff and export
d run -d --name ops-diff busybox sh -c 'touch /tmp/new; rm /etc/group; mkdir -p /srv/a; echo x >> /etc/passwd' >/dev/null
exited ops-diff
out=$(d diff ops-diff | tr '\n' ' ')
expect_eq "diff: C/A/D like dockerd" "$out" "C /etc D /etc/group C /etc/passwd A /srv A /srv/a C /tmp A /tmp/new "
out=$(d export ops-diff | tar -t | grep -E '^(etc/group|etc/passwd|tmp/new|srv/a/|bin/busybox)$' | sort | tr '\n' ' ')
expect_eq "export: merged tree without deleted files" "$out" "bin/busybox etc/passwd srv/a/ tmp/new "
out=$(d export ops-top | tar -xO etc/passwd | head -1)
expect_match "export of a running container" "$out" "^root:"
out=$(d export -o "$T_DIR/x.tar" ops-diff && tar -tf "$T_DIR/x.tar" | wc -l)
expect_match "export -o writes a tar" "$out" '^[0-9]{3,}$'
out=$(d diff ops-top)
expect_eq "diff of an untouched container is empty" "$out" ""

# sizes and prune
out=$(d ps -a -s --filter name=ops-diff --format '{{.Size}}')
expect_match "ps -s shows SizeRw and the virtual size" "$out" '^[0-9.]+k?B \(virtual [0-9.]+[kM]B\)$'
out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/v1.44/containers/ops-diff/json?size=1" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["SizeRw"] > 0, o["SizeRootFs"] > o["SizeRw"])')
expect_eq "inspect ?size=1" "$out" "True True"
d create --name ops-keep -l keep=yes busybox true >/dev/null
out=$(d container prune -f --filter label!=keep=yes 2>&1)
expect_match "prune removes stopped containers" "$out" "Total reclaimed space"
out=$(d ps -a --format '{{.Names}}' | sort | tr '\n' ' ')
expect_eq "prune kept running ones and the label!= match" "$out" "ops-keep ops-top "
out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST "http://x/v1.44/containers/prune?filters=%7B%22until%22%3A%5B%22bogus%22%5D%7D")
expect_match "prune with a bad until is a 400" "$out" "failed to parse value as time or duration"
out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST "http://x/v1.44/containers/prune")
expect_match "prune API shape" "$out" '^\{"ContainersDeleted":\["[0-9a-f]{64}"\],"SpaceReclaimed":[0-9]+\}$'

d rm -f $(d ps -aq) >/dev/null 2>&1
finish
