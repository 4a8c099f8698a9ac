#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Namespace modes, devices, sysctls, /dev/shm, runtime and isolation through
# both docker CLIs: each flag is shown back by inspect as sent and has its
# effect inside the container (--pid host|container:, --ipc
# shareable|container:|host|none, --uts host, --cgroupns, --userns host,
# --device, --device-cgroup-rule, --sysctl, --shm-size, --runtime runc,
# --isolation default, -e NAME without a value); bad values get dockerd's
# errors; the settings survive a daemon restart.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }

host_ns() { readlink "/proc/self/ns/$1"; }

for cli in "$DOCKER" $DOCKER_OLD; do
	if [ "$cli" = /usr/bin/docker ]; then v=20.10; else v=28; fi
	d() { "$cli" "$@"; }
	hf() { d inspect -f "$2" "$1"; }

	# --pid host / container:<name>
	out=$(d run --rm --pid host busybox sh -c 'tr "\0" " " </proc/1/cmdline')
	expect_eq "[$v] --pid host sees the host's PID 1" "$out" "$(tr '\0' ' ' </proc/1/cmdline)"
	d run -d --name nsa-$v --ipc shareable busybox sh -c 'echo from-a >/dev/shm/a; exec sleep 300' >/dev/null
	check "[$v] donor runs" wait_for 10 "$cli" exec nsa-$v cat /dev/shm/a
	out=$(d run --rm --pid container:nsa-$v busybox ps -o pid,comm)
	expect_match "[$v] --pid container: sees the other container's sleep as PID 1" "$out" '^ *1 sleep$'
	d create --name nsb-$v --pid container:nsa-$v --ipc container:nsa-$v --uts host \
		--cgroupns private --userns host busybox true >/dev/null
	expect_eq "[$v] inspect shows the modes as sent" \
		"$(hf nsb-$v '{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.HostConfig.CgroupnsMode}} {{.HostConfig.UsernsMode}}')" \
		"container:nsa-$v container:nsa-$v host private host"
	expect_eq "[$v] defaults: IpcMode private, CgroupnsMode host (cgroup v1)" \
		"$(hf nsa-$v '{{.HostConfig.PidMode}}|{{.HostConfig.IpcMode}}|{{.HostConfig.UTSMode}}|{{.HostConfig.CgroupnsMode}}|{{.HostConfig.Runtime}}|{{.HostConfig.Isolation}}')" \
		"|shareable||host|berth|"
	d rm -f nsb-$v >/dev/null

	# --ipc container:<shareable> shares /dev/shm and the IPC namespace.
	out=$(d run --rm --ipc container:nsa-$v busybox sh -c 'cat /dev/shm/a; readlink /proc/self/ns/ipc')
	expect_eq "[$v] --ipc container: reads the donor's /dev/shm file" "$(echo "$out" | head -1)" from-a
	expect_eq "[$v] --ipc container: is in the donor's IPC namespace" "$(echo "$out" | tail -1)" \
		"$(d exec nsa-$v readlink /proc/self/ns/ipc)"
	d run -d --name nsc-$v --ipc container:nsa-$v busybox sleep 300 >/dev/null
	out=$(d run --rm --ipc container:nsc-$v busybox cat /dev/shm/a 2>&1)
	expect_eq "[$v] --ipc container: of a container that joined a shareable one" "$out" from-a
	d rm -f nsc-$v >/dev/null
	nsa_id=$(hf nsa-$v '{{.Id}}')
	check "[$v] --ipc shareable: its /dev/shm is a tmpfs on the host, in the bundle" \
		grep -q " $BERTH_ROOT/exec/containers/$nsa_id/shm .* tmpfs " /proc/self/mountinfo
	d run -d --name nsp-$v busybox sleep 300 >/dev/null
	out=$(d run --rm --ipc container:nsp-$v busybox true 2>&1)
	expect_match "[$v] a private IPC cannot be joined (dockerd's hint)" "$out" \
		"non-shareable IPC \(hint: use IpcMode:shareable for the donor container\)"
	d stop -t 0 nsp-$v >/dev/null
	out=$(d run --rm --pid container:nsp-$v busybox true 2>&1)
	expect_match "[$v] --pid container: of a stopped container" "$out" "container nsp-$v is not running"
	out=$(d run --rm --ipc container:nope-$v busybox true 2>&1)
	expect_match "[$v] --ipc container: of a missing container" "$out" "No such container: nope-$v"
	d rm -f nsp-$v nsa-$v >/dev/null
	check "[$v] the shareable /dev/shm is unmounted from the host with its container" \
		wait_for 10 sh -c "! grep -q ' $BERTH_ROOT/exec/containers/[0-9a-f]*/shm ' /proc/self/mountinfo"

	out=$(d run --rm --ipc host busybox readlink /proc/self/ns/ipc)
	expect_eq "[$v] --ipc host is the host's IPC namespace" "$out" "$(host_ns ipc)"
	out=$(d run --rm --ipc none busybox sh -c 'grep -c " /dev/shm " /proc/mounts')
	expect_eq "[$v] --ipc none has no /dev/shm mount" "$out" 0
	out=$(d run --rm --shm-size 70m busybox df -k /dev/shm)
	expect_match "[$v] --shm-size 70m is the size of /dev/shm" "$out" ' 71680 '
	out=$(d run --rm --shm-size 70m --tmpfs /dev/shm:size=1m busybox df -k /dev/shm)
	expect_match "[$v] a --tmpfs at /dev/shm replaces berth's" "$out" ' 1024 '
	d create --name nsshm-$v --shm-size 70m busybox true >/dev/null
	expect_eq "[$v] inspect ShmSize" "$(hf nsshm-$v '{{.HostConfig.ShmSize}}')" 73400320
	d rm -f nsshm-$v >/dev/null

	# --uts host, --cgroupns
	expect_eq "[$v] --uts host: the host's hostname" "$(d run --rm --uts host busybox hostname)" "$(hostname)"
	out=$(d run --rm --uts host --hostname x busybox true 2>&1)
	expect_match "[$v] --uts host with --hostname refused" "$out" "conflicting options: hostname and the UTS mode"
	out=$(d run --rm busybox sh -c 'grep memory /proc/self/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes' 2>&1)
	expect_match "[$v] default cgroupns host: the full cgroup path" "$out" ':memory:/berth/[0-9a-f]{64}$'
	out=$(d run --rm -m 32m busybox cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1)
	expect_eq "[$v] cgroupns host: /sys/fs/cgroup/memory is the container's own" "$out" 33554432
	out=$(d run --rm --cgroupns private busybox sh -c 'grep memory /proc/self/cgroup; readlink /proc/self/ns/cgroup')
	expect_match "[$v] --cgroupns private: the cgroup is / inside" "$out" ':memory:/$'
	expect_no_match "[$v] --cgroupns private: a namespace of its own" "$out" "$(host_ns cgroup)"

	# --device, --device-cgroup-rule
	out=$(d run --rm --device /dev/null:/dev/mynull busybox sh -c 'ls -l /dev/mynull; echo x >/dev/mynull && echo wrote')
	expect_match "[$v] --device creates the node" "$out" '^crw-rw-rw- .* 1, +3 .*/dev/mynull'
	expect_match "[$v] --device node is writable" "$out" '^wrote$'
	if [ -b /dev/loop0 ]; then
		out=$(d run --rm --device /dev/loop0:/dev/myloop:r busybox sh -c 'head -c1 /dev/myloop; echo x >/dev/myloop' 2>&1)
		expect_match "[$v] --device :r cannot be opened for writing (devices cgroup)" "$out" \
			'can.t create /dev/myloop: Operation not permitted'
		expect_no_match "[$v] --device :r can be opened for reading" "$out" 'head: /dev/myloop: Operation not permitted'
	else
		skip "[$v] --device :r (no /dev/loop0 on this host)"
		skip "[$v] --device :r read"
	fi
	d create --name nsdev-$v --device /dev/null:/dev/mynull:rw --device-cgroup-rule 'b 7:* rwm' busybox true >/dev/null
	expect_eq "[$v] inspect Devices and DeviceCgroupRules" \
		"$(hf nsdev-$v '{{json .HostConfig.Devices}} {{json .HostConfig.DeviceCgroupRules}}')" \
		'[{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"rw"}] ["b 7:* rwm"]'
	d rm -f nsdev-$v >/dev/null
	out=$(d run --rm busybox sh -c 'mknod /dev/l b 7 0 && head -c1 /dev/l' 2>&1)
	expect_match "[$v] a block device outside the rules is refused" "$out" 'Operation not permitted'
	out=$(d run --rm --device-cgroup-rule 'b 7:* rwm' busybox sh -c 'mknod /dev/l b 7 0 && head -c1 /dev/l; echo end' 2>&1)
	expect_no_match "[$v] --device-cgroup-rule allows it" "$out" 'Operation not permitted'
	expect_match "[$v] --device-cgroup-rule: the node was made" "$out" 'end'
	out=$(d run --rm --device /nonexistent:/dev/x busybox true 2>&1)
	expect_match "[$v] a missing --device" "$out" 'error gathering device information while adding custom device "/nonexistent": no such file or directory'

	# --sysctl
	out=$(d run --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=123456789 busybox \
		sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax' | tr '\n' ' ')
	expect_eq "[$v] --sysctl applied in the container's namespaces" "$out" "1 123456789 "
	[ "$(cat /proc/sys/kernel/shmmax)" != 123456789 ] && ok "[$v] host kernel.shmmax untouched" ||
		fail "[$v] host kernel.shmmax untouched"
	out=$(d run --rm --network host --sysctl net.ipv4.ip_forward=1 busybox true 2>&1)
	expect_match "[$v] net.* with the host's network refused" "$out" \
		'sysctl "net.ipv4.ip_forward" is not allowed in the hosts network namespace'
	out=$(d run --rm --ipc host --sysctl kernel.shmmax=1 busybox true 2>&1)
	expect_match "[$v] kernel.shm* with the host's IPC refused" "$out" \
		'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace'

	# --runtime, --isolation
	out=$(d run --rm --runtime runc busybox echo ran)
	expect_eq "[$v] --runtime runc runs" "$out" ran
	d create --name nsrt-$v --runtime runc --isolation default busybox true >/dev/null
	expect_eq "[$v] inspect Runtime and Isolation as sent" "$(hf nsrt-$v '{{.HostConfig.Runtime}} {{.HostConfig.Isolation}}')" "runc default"
	d rm -f nsrt-$v >/dev/null
	out=$(d run --rm --runtime nope busybox true 2>&1)
	expect_match "[$v] unknown runtime" "$out" 'Unknown runtime specified nope'
	out=$(d run --rm --isolation hyperv busybox true 2>&1)
	expect_match "[$v] --isolation hyperv" "$out" "Invalid isolation: \"hyperv\" - linux only supports 'default'"

	# -e NAME without a value and unset in the client: kept, not in the process.
	out=$(env -u BERTH_T_UNSET "$cli" run --rm -e BERTH_T_UNSET busybox sh -c 'env | grep -c ^BERTH_T_UNSET')
	expect_eq "[$v] -e NAME unset: no such variable in the process" "$out" 0
	env -u BERTH_T2 "$cli" create --name nsenv-$v -e BERTH_T_UNSET=x -e BERTH_T2 busybox true >/dev/null
	out=$("$cli" inspect -f '{{json .Config.Env}}' nsenv-$v)
	expect_match "[$v] Config.Env keeps NAME without '='" "$out" '"BERTH_T2"'
	d rm -f nsenv-$v >/dev/null
done

# Through the API (the CLI refuses these itself): dockerd's and runc's messages.
body() { printf '{"Image":"busybox","Cmd":["true"],"HostConfig":%s}' "$1"; }
for hc in '{"Sysctls":{"kernel.hostname":"x"}}|sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field' \
	'{"Sysctls":{"kernel.panic":"1"}}|sysctl "kernel.panic" is not in a separate kernel namespace' \
	'{"Sysctls":{"net/../../x":"1"}}|is not in a separate kernel namespace' \
	'{"IpcMode":"bogus"}|invalid IPC mode: bogus' \
	'{"PidMode":"container:"}|invalid PID mode: container:' \
	'{"UTSMode":"container:x"}|invalid UTS mode: container:x' \
	'{"UsernsMode":"private"}|invalid USER mode: private' \
	'{"CgroupnsMode":"x"}|invalid cgroup namespace mode: x' \
	'{"DeviceCgroupRules":["c 1:3  rwm"]}|invalid device cgroup rule format: '"'"'c 1:3  rwm'"'" \
	'{"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/n","CgroupPermissions":"rx"}]}|bad mode specified: rx' \
	'{"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"dev/n","CgroupPermissions":"r"}]}|dev/n is not an absolute path' \
	'{"PidMode":7}|HostConfig.PidMode'; do
	out=$(api POST /containers/create -H 'Content-Type: application/json' -d "$(body "${hc%%|*}")")
	expect_eq "API ${hc%%|*}: 400" "$(echo "$out" | tail -1)" 400
	expect_match "API ${hc%%|*}: dockerd's message" "$(echo "$out" | head -1 | sed 's/\\"/"/g')" "$(printf '%s' "${hc#*|}" | sed 's/[][().*]/\\&/g')"
done
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d "$(body '{"Sysctls":{"kernel.domainname":"ex.org","fs.mqueue.msg_max":"20"},"Devices":[{"PathOnHost":"/dev/zero","PathInContainer":"","CgroupPermissions":""}]}')")
expect_eq "API kernel.domainname, fs.mqueue.* and a bare device accepted" "$(echo "$out" | tail -1)" 201

# Everything survives a daemon restart, and applies again.
"$DOCKER" run -d --name nsr --ipc shareable --shm-size 70m --cgroupns private --runtime runc \
	--isolation default --sysctl net.ipv4.ip_forward=1 --device /dev/null:/dev/mynull:rw \
	--device-cgroup-rule 'b 7:* rwm' busybox sleep 300 >/dev/null
"$DOCKER" run -d --name nsr2 --pid container:nsr --ipc container:nsr --uts host busybox sleep 300 >/dev/null
fmt='{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.HostConfig.CgroupnsMode}} {{.HostConfig.ShmSize}} {{.HostConfig.Runtime}} {{.HostConfig.Isolation}} {{json .HostConfig.Sysctls}} {{json .HostConfig.Devices}} {{json .HostConfig.DeviceCgroupRules}}'
before="$("$DOCKER" inspect -f "$fmt" nsr) / $("$DOCKER" inspect -f "$fmt" nsr2)"
berth_stop
# (not through check: it runs its command in a subshell, and the new PID must reach T_PIDS)
berth_restart && ok "berthd restarts" || fail "berthd restarts"
after="$("$DOCKER" inspect -f "$fmt" nsr) / $("$DOCKER" inspect -f "$fmt" nsr2)"
expect_eq "inspect after a restart" "$after" "$before"
"$DOCKER" rm -f nsr2 >/dev/null
"$DOCKER" restart -t 0 nsr >/dev/null
out=$("$DOCKER" exec nsr sh -c 'df -k /dev/shm | tail -1; cat /proc/sys/net/ipv4/ip_forward; ls -l /dev/mynull')
expect_match "restarted container: --shm-size, --sysctl and --device applied again" "$out" \
	' 71680 .*'$'\n''1'$'\n''crw-rw-rw-'
"$DOCKER" rm -f nsr >/dev/null

# The cgroup v2 device filter (eBPF). On this hybrid host (v1 controllers and
# the cgroup2 "unified" mount) it is a second layer behind the v1 devices
# controller: relax the v1 rules of a running container and the filter still
# refuses; take the filter away and the same open works.
unified=/sys/fs/cgroup/unified
if [ "$(stat -f -c %T $unified 2>/dev/null)" = cgroup2fs ]; then
	"$DOCKER" run -d --name nsbpf busybox sleep 300 >/dev/null
	id=$("$DOCKER" inspect -f '{{.Id}}' nsbpf)
	pid=$("$DOCKER" inspect -f '{{.State.Pid}}' nsbpf)
	expect_match "eBPF: the container's process is in its unified cgroup too" \
		"$(cat /proc/$pid/cgroup)" "^0::/berth/$id\$"
	if command -v bpftool >/dev/null; then
		progs=$(bpftool cgroup list $unified/berth/$id 2>&1)
		expect_match "eBPF: a device program is attached to it (bpftool)" "$progs" '^[0-9]+ +cgroup_device( |$)'
	else
		skip "eBPF: bpftool cgroup list (bpftool is not installed)"
	fi
	echo a >/sys/fs/cgroup/devices/berth/$id/devices.allow
	expect_eq "eBPF: the v1 devices rules relaxed to everything" \
		"$(cat /sys/fs/cgroup/devices/berth/$id/devices.list)" 'a *:* rwm'
	out=$("$DOCKER" exec nsbpf sh -c 'mknod /tmp/l b 7 0 && head -c1 /tmp/l; echo x >/dev/null && echo null-ok' 2>&1)
	expect_match "eBPF: a block device is still refused with v1 relaxed" "$out" 'head: /tmp/l: Operation not permitted'
	expect_match "eBPF: /dev/null still works" "$out" '^null-ok$'
	if command -v bpftool >/dev/null; then
		prog=$(echo "$progs" | awk '$2 == "cgroup_device" {print $1; exit}')
		bpftool cgroup detach $unified/berth/$id device id "$prog"
		out=$("$DOCKER" exec nsbpf sh -c 'head -c1 /tmp/l; echo end' 2>&1)
		expect_no_match "eBPF: without the filter the same open passes (so it was the filter)" "$out" 'Operation not permitted'
	else
		skip "eBPF: detaching the filter (bpftool is not installed)"
	fi
	"$DOCKER" rm -f nsbpf >/dev/null
	check "eBPF: the unified cgroup goes with the container" wait_for 10 test ! -e $unified/berth/$id
	"$DOCKER" run -d --name nsbpf2 --device-cgroup-rule 'b 7:* rwm' busybox sleep 300 >/dev/null
	"$DOCKER" update --cpu-shares 512 nsbpf2 >/dev/null
	out=$("$DOCKER" exec nsbpf2 sh -c 'mknod /tmp/l b 7 0 && head -c1 /tmp/l; echo end' 2>&1)
	expect_no_match "eBPF and v1: --device-cgroup-rule still holds after docker update" "$out" 'Operation not permitted'
	"$DOCKER" rm -f nsbpf2 >/dev/null
	out=$("$DOCKER" run --rm --privileged busybox sh -c 'mknod /tmp/l b 7 0 && head -c1 /tmp/l; echo end' 2>&1)
	expect_no_match "eBPF: --privileged opens any device" "$out" 'Operation not permitted'
else
	skip "eBPF device filter: no cgroup2 mount at $unified on this host"
fi
finish
