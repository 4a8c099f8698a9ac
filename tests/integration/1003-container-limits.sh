#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Isolation and limits through the docker CLI: OOM kill reported by
# inspect, --pids-limit stops a fork bomb, NET_ADMIN only with --cap-add,
# masked /proc and /sys paths, a published port on 127.0.0.1 answering
# curl, and outbound NAT to a fake "outside" host in a network namespace
# this test creates (no real outside traffic).
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
d() { "$DOCKER" "$@"; }
exited() { wait_for "${2:-20}" sh -c "'$DOCKER' inspect -f '{{.State.Status}}' $1 | grep -q exited"; }

# OOM: a hog in a 16 MiB container.
d run -d --name lim-oom -m 16m busybox sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived' >/dev/null
check "the memory hog ends" exited lim-oom 30
out=$(d inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' lim-oom)
expect_eq "inspect says OOMKilled, 137" "$out" "true 137"
out=$(d inspect -f '{{.HostConfig.Memory}}' lim-oom)
expect_eq "HostConfig.Memory echoes --memory" "$out" "16777216"

# Fork bomb against --pids-limit.
d run -d --name lim-pids --pids-limit 20 busybox sh -c 'i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done 2>&1; echo spawned' >/dev/null
check "the fork loop ends" exited lim-pids 30
out=$(d logs lim-pids 2>&1)
expect_match "fork fails at the pids limit" "$out" "can't fork|Resource temporarily unavailable"
d run -d --name lim-pids2 --pids-limit 10 busybox sleep 300 >/dev/null
id=$(d inspect -f '{{.Id}}' lim-pids2)
if [ -f /sys/fs/cgroup/pids/berth/$id/pids.max ]; then
	expect_eq "pids.max in the container's cgroup" "$(cat /sys/fs/cgroup/pids/berth/$id/pids.max)" "10"
fi
out=$(d stats --no-stream --format '{{.PIDs}}' lim-pids2)
expect_eq "docker stats shows the one process" "$out" "1"
d rm -f lim-pids2 >/dev/null

# Capabilities.
d run -d --name lim-nocap busybox ip link add v0 type veth peer name v1 >/dev/null
d run -d --name lim-cap --cap-add NET_ADMIN busybox ip link add v0 type veth peer name v1 >/dev/null
exited lim-nocap; exited lim-cap
out=$(d inspect -f '{{.State.ExitCode}}' lim-nocap)
expect_match "ip link add fails without NET_ADMIN" "$out" '^[1-9]'
expect_match "with Operation not permitted" "$(d logs lim-nocap 2>&1)" "Operation not permitted"
out=$(d inspect -f '{{.State.ExitCode}}' lim-cap)
expect_eq "ip link add works with --cap-add NET_ADMIN" "$out" "0"
out=$(d run -d --name lim-capsh busybox sh -c 'grep CapEff /proc/self/status' >/dev/null; exited lim-capsh; d logs lim-capsh)
expect_eq "Docker's default capability set" "$out" "CapEff:	00000000a80425fb"

# Masked paths: /proc/kcore (when the kernel has one) and friends read as empty.
d run -d --name lim-mask busybox sh -c 'for f in /proc/kcore /proc/timer_list /proc/keys; do [ -e $f ] && wc -c < $f; done; ls /sys/firmware | wc -l; touch /sys/x 2>&1' >/dev/null
exited lim-mask
out=$(d logs lim-mask 2>&1 | tr '\n' ' ')
expect_match "masked paths read empty, /sys is read-only" "$out" '^(0 )+Read-only file system|^(0 )+touch: /sys/x: Read-only file system'

# Published port.
port=$((20000 + RANDOM % 20000))
d run -d --name lim-web -p 127.0.0.1:$port:8080 busybox httpd -f -p 8080 -h /etc >/dev/null
check "curl through 127.0.0.1:$port reaches busybox httpd" wait_for 10 sh -c "curl -sf -m 2 http://127.0.0.1:$port/passwd | grep -q ^root:"
out=$(d port lim-web)
expect_eq "docker port" "$out" "8080/tcp -> 127.0.0.1:$port"
out=$(d ps --filter name=lim-web --format '{{.Ports}}')
expect_eq "ps Ports column" "$out" "127.0.0.1:$port->8080/tcp"
d rm -f lim-web >/dev/null
check_fails "the port is closed after rm" curl -sf -m 2 http://127.0.0.1:$port/passwd

# Outbound NAT to a fake outside host: a netns reachable only from the host.
h=$(rand_hex)
ns=bto$h
net=198.18.$((0x${h:0:2})).$((0x${h:2:2} / 4 * 4))
oip=${net%.*}.$(( ${net##*.} + 2 ))
hip=${net%.*}.$(( ${net##*.} + 1 ))
ip netns add "$ns"
on_exit "ip netns del $ns"
ip link add "bth$h" type veth peer name eth0 netns "$ns"
on_exit "ip link del bth$h 2>/dev/null"
ip addr add "$hip/30" dev "bth$h" || fail "outside host address $hip"
ip link set "bth$h" up
ip netns exec "$ns" ip addr add "$oip/30" dev eth0
ip netns exec "$ns" ip link set eth0 up
ip netns exec "$ns" ip link set lo up
mkdir -p "$T_DIR/www"; echo outside-ok > "$T_DIR/www/index.html"
ip netns exec "$ns" busybox httpd -f -p 8080 -h "$T_DIR/www" &
T_PIDS+=("$!")
# (busybox-static's wget crashes on glibc's NSS in a bare image: use nc.)
# Never send anything unless the fake host is the route: no real outside traffic.
if ! ip route get "$oip" | grep -q "dev bth$h"; then
	skip "outside host is not routed through bth$h"
	d rm -f $(d ps -aq) >/dev/null 2>&1
	finish
fi
d run -d --name lim-nat busybox sh -c "printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc $oip 8080" >/dev/null
exited lim-nat 20
out=$(d logs lim-nat 2>&1)
expect_match "a container reaches the outside host through NAT (no route back exists)" "$out" "outside-ok"

d rm -f $(d ps -aq) >/dev/null 2>&1
finish
