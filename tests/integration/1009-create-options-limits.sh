#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Limits, ulimits, OOM, users and security options through both docker
# CLIs: each flag is shown back by inspect and seen applied, inside the
# container or in its cgroup files on the host (--ulimit and the daemon's
# --default-ulimit, --oom-score-adj, --oom-kill-disable, --group-add,
# --cpu-rt-*, --device-*-bps/iops, --security-opt seccomp=<profile> /
# unconfined / no-new-privileges / systempaths=unconfined / label /
# apparmor, --stop-signal/--stop-timeout/stop -t -1, --init), and bad
# values get dockerd's errors. The Python SDK sends a few of them too.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded -- --default-ulimit nproc=500:600 ||
	{ fail "berthd starts with busybox seeded"; finish; }
CG=/sys/fs/cgroup

# The "berth" level's real-time budget is raised for --cpu-rt-runtime: put it back.
rt0=$(cat $CG/cpu/berth/cpu.rt_runtime_us 2>/dev/null || echo 0)
on_exit "echo $rt0 > $CG/cpu/berth/cpu.rt_runtime_us 2>/dev/null"

cat >"$T_DIR/deny-mkdir.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_BPF"]}}
  ]
}
EOF
echo '{"defaultAction": "SCMP_ACT_SOMETIMES"}' >"$T_DIR/bad-action.json"

for cli in "$DOCKER" $DOCKER_OLD; do
	if [ "$cli" = /usr/bin/docker ]; then v=20.10; else v=28; fi
	d() { "$cli" "$@"; }

	# ulimits: the container's own, then the daemon's default for the others
	out=$(d run --rm --ulimit nofile=1024:2048 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -u' 2>&1)
	expect_eq "[$v] --ulimit nofile applied, --default-ulimit nproc too" "$(echo $out)" "1024 2048 500"
	d create --name ul-$v --ulimit nofile=1024:2048 --ulimit core=0 busybox true >/dev/null
	expect_eq "[$v] inspect shows the ulimits as sent" \
		"$(d inspect -f '{{json .HostConfig.Ulimits}}' ul-$v)" \
		'[{"Name":"core","Hard":0,"Soft":0},{"Name":"nofile","Hard":2048,"Soft":1024}]'
	out=$(d run --rm --ulimit nofile=1000000:1000000 busybox true 2>&1)
	expect_match "[$v] raising a hard limit past the daemon's is refused (no CAP_SYS_RESOURCE)" \
		"$out" "error setting rlimit type 7: operation not permitted"

	# OOM score and killer
	out=$(d run --rm --oom-score-adj 500 busybox cat /proc/self/oom_score_adj 2>&1)
	expect_eq "[$v] --oom-score-adj in /proc/self/oom_score_adj" "$out" "500"
	out=$(d run --rm --oom-score-adj 1001 busybox true 2>&1)
	expect_match "[$v] --oom-score-adj 1001 refused" "$out" \
		"Invalid value 1001, range for oom score adj is \[-1000, 1000\]"
	out=$(d run -d --name oom-$v -m 32m --oom-kill-disable --oom-score-adj 300 busybox sleep 300 2>&1)
	id=$(d inspect -f '{{.Id}}' oom-$v)
	expect_eq "[$v] inspect: OomKillDisable, OomScoreAdj, Memory, MemorySwap (2x, as dockerd)" \
		"$(d inspect -f '{{.HostConfig.OomKillDisable}} {{.HostConfig.OomScoreAdj}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' oom-$v)" \
		"true 300 33554432 67108864"
	expect_match "[$v] memory.oom_control has the OOM killer off" \
		"$(cat $CG/memory/berth/$id/memory.oom_control)" "oom_kill_disable 1"
	out=$(d create --oom-kill-disable busybox true 2>&1)
	expect_match "[$v] --oom-kill-disable without -m warns as dockerd" "$out" \
		"OOM killer is disabled for the container, but no memory limit is set"
	d rm -f oom-$v >/dev/null

	# users: --group-add by number and by the image's group name
	out=$(d run --rm --group-add 10 --group-add nogroup busybox id 2>&1)
	expect_match "[$v] --group-add groups in id" "$out" "groups=0\(root\),10,65534\(nogroup\)"
	d create --name ga-$v --group-add 10 --group-add nogroup busybox true >/dev/null
	expect_eq "[$v] inspect shows GroupAdd" "$(d inspect -f '{{json .HostConfig.GroupAdd}}' ga-$v)" \
		'["10","nogroup"]'
	out=$(d run --rm --group-add nosuchgroup busybox true 2>&1)
	expect_match "[$v] an unknown group name fails the start" "$out" \
		"unable to find group nosuchgroup: no matching entries in group file"

	# real-time CPU (cgroup v1 cpu.rt_*)
	d run -d --name rt-$v --cpu-rt-period 1000000 --cpu-rt-runtime 10000 busybox sleep 300 >/dev/null
	id=$(d inspect -f '{{.Id}}' rt-$v)
	expect_eq "[$v] inspect shows CpuRealtimePeriod/Runtime" \
		"$(d inspect -f '{{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}}' rt-$v)" \
		"1000000 10000"
	expect_eq "[$v] cpu.rt_period_us and cpu.rt_runtime_us" \
		"$(cat $CG/cpu/berth/$id/cpu.rt_period_us $CG/cpu/berth/$id/cpu.rt_runtime_us | tr '\n' ' ')" \
		"1000000 10000 "
	# (busybox has no chrt: the host's, on the container's process; the
	# kernel refuses SCHED_FIFO in a cgroup without real-time time, even to root)
	check "[$v] SCHED_FIFO works in its cgroup" chrt -f -p 1 "$(d inspect -f '{{.State.Pid}}' rt-$v)"
	d run -d --name nort-$v busybox sleep 300 >/dev/null
	check_fails "[$v] and not in one without real-time time" \
		chrt -f -p 1 "$(d inspect -f '{{.State.Pid}}' nort-$v)"
	check "[$v] update --cpu-rt-runtime" d update --cpu-rt-runtime 20000 rt-$v
	expect_eq "[$v] cpu.rt_runtime_us updated live" "$(cat $CG/cpu/berth/$id/cpu.rt_runtime_us)" "20000"
	expect_eq "[$v] and shown by inspect" "$(d inspect -f '{{.HostConfig.CpuRealtimeRuntime}}' rt-$v)" "20000"
	out=$(d update --cpu-rt-period 1000 --cpu-rt-runtime 2000 rt-$v 2>&1)
	expect_match "[$v] update: runtime above period refused" "$out" \
		"cpu real-time runtime cannot be higher than cpu real-time period"
	d rm -f rt-$v nort-$v >/dev/null
	out=$(d run --rm --cpu-rt-period 1000 --cpu-rt-runtime 2000 busybox true 2>&1)
	expect_match "[$v] runtime above period refused" "$out" \
		"cpu real-time runtime cannot be higher than cpu real-time period"

	# block I/O: throttles on the host's disk; weight is discarded with
	# dockerd's warning on this kernel (no CFQ/BFQ: no blkio.weight)
	disk=$(lsblk -dnpo NAME,TYPE 2>/dev/null | awk '$2 == "disk" {print $1; exit}')
	if [ -n "$disk" ] && [ -b "$disk" ]; then
		mm=$(printf '%d:%d' $(stat -c '0x%t 0x%T' "$disk"))
		out=$(d run -d --name bio-$v --device-read-bps "$disk:1mb" --device-write-bps "$disk:2mb" \
			--device-read-iops "$disk:100" --device-write-iops "$disk:200" busybox sleep 300 2>&1)
		id=$(d inspect -f '{{.Id}}' bio-$v)
		expect_eq "[$v] inspect shows the device throttles" \
			"$(d inspect -f '{{json .HostConfig.BlkioDeviceReadBps}} {{json .HostConfig.BlkioDeviceWriteIOps}}' bio-$v)" \
			"[{\"Path\":\"$disk\",\"Rate\":1048576}] [{\"Path\":\"$disk\",\"Rate\":200}]"
		expect_eq "[$v] blkio.throttle files" \
			"$(cat $CG/blkio/berth/$id/blkio.throttle.{read_bps,write_bps,read_iops,write_iops}_device | tr '\n' ' ')" \
			"$mm 1048576 $mm 2097152 $mm 100 $mm 200 "
		d rm -f bio-$v >/dev/null
	else
		skip "[$v] no block device for the throttles"
		skip "[$v] no block device for the throttles"
	fi
	out=$(d run --rm --device-read-bps /dev/berth-no-disk:1mb busybox true 2>&1)
	expect_match "[$v] a missing device fails the start as dockerd" "$out" \
		"stat /dev/berth-no-disk: no such file or directory"
	if [ -e $CG/blkio/blkio.weight ] || [ -e $CG/blkio/blkio.bfq.weight ]; then
		skip "[$v] this kernel has blkio.weight: the discard warning does not apply"
	else
		out=$(d create --name bw-$v --blkio-weight 300 busybox true 2>&1)
		expect_match "[$v] --blkio-weight discarded with dockerd's warning" "$out" \
			"Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."
		expect_eq "[$v] and inspect shows 0" "$(d inspect -f '{{.HostConfig.BlkioWeight}}' bw-$v)" "0"
		out=$(d create --blkio-weight-device "${disk:-/dev/null}:300" busybox true 2>&1)
		expect_match "[$v] --blkio-weight-device likewise" "$out" \
			"Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded."
		out=$(d update --blkio-weight 500 bw-$v 2>&1)
		expect_match "[$v] update --blkio-weight: the same warning" "$out" \
			"Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."
		expect_eq "[$v] still 0" "$(d inspect -f '{{.HostConfig.BlkioWeight}}' bw-$v)" "0"
	fi

	# seccomp
	out=$(d run --rm --security-opt seccomp="$T_DIR/deny-mkdir.json" busybox sh -c \
		'mkdir /tmp/x; echo rc=$?; grep Seccomp: /proc/self/status' 2>&1)
	expect_match "[$v] a profile denying mkdir makes mkdir fail with EPERM" "$out" \
		"mkdir: can't create directory '/tmp/x': Operation not permitted"
	expect_match "[$v] under a seccomp filter" "$out" $'rc=1\nSeccomp:\t2'
	check "[$v] other syscalls still work" d run --rm --security-opt seccomp="$T_DIR/deny-mkdir.json" \
		busybox sh -c 'touch /tmp/y && ls /tmp/y'
	d create --name sc-$v --security-opt seccomp="$T_DIR/deny-mkdir.json" busybox true >/dev/null
	expect_match "[$v] inspect shows the profile as sent" \
		"$(d inspect -f '{{json .HostConfig.SecurityOpt}}' sc-$v)" '^\["seccomp=\{.*mkdirat.*\}"\]$'
	out=$(d run --rm --security-opt seccomp="$T_DIR/bad-action.json" busybox true 2>&1)
	expect_match "[$v] an unknown action fails the start" "$out" \
		"string SCMP_ACT_SOMETIMES is not a valid action for seccomp"
	out=$(d run --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status 2>&1)
	expect_eq "[$v] seccomp=unconfined" "$out" $'Seccomp:\t0'
	out=$(d run --rm busybox grep Seccomp: /proc/self/status 2>&1)
	expect_eq "[$v] the default profile otherwise" "$out" $'Seccomp:\t2'

	# no-new-privileges
	out=$(d run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status 2>&1)
	expect_eq "[$v] no-new-privileges" "$out" $'NoNewPrivs:\t1'
	out=$(d run --rm --security-opt no-new-privileges:false busybox grep NoNewPrivs /proc/self/status 2>&1)
	expect_eq "[$v] no-new-privileges:false" "$out" $'NoNewPrivs:\t0'

	# systempaths=unconfined: the CLI sends empty MaskedPaths/ReadonlyPaths
	out=$(d run --rm --security-opt systempaths=unconfined busybox sh -c \
		'wc -c < /proc/timer_list; grep -c " /proc/sys " /proc/self/mountinfo' 2>&1)
	expect_match "[$v] systempaths=unconfined: /proc/timer_list readable, /proc/sys not read-only" \
		"$(echo $out)" '^[1-9][0-9]* 0$'
	out=$(d run --rm busybox sh -c 'wc -c < /proc/timer_list; grep -c " /proc/sys " /proc/self/mountinfo' 2>&1)
	expect_eq "[$v] masked and read-only otherwise" "$(echo $out)" "0 1"
	d create --name sp-$v --security-opt systempaths=unconfined busybox true >/dev/null
	expect_eq "[$v] inspect shows MaskedPaths and ReadonlyPaths empty" \
		"$(d inspect -f '{{json .HostConfig.MaskedPaths}} {{json .HostConfig.ReadonlyPaths}}' sp-$v)" "[] []"

	# label and apparmor: no SELinux or AppArmor here, accepted and shown, as dockerd
	d create --name lb-$v --security-opt label=level:s0:c100 --security-opt apparmor=unconfined \
		busybox true >/dev/null
	expect_eq "[$v] label= and apparmor= shown back" "$(d inspect -f '{{json .HostConfig.SecurityOpt}}' lb-$v)" \
		'["label=level:s0:c100","apparmor=unconfined"]'
	check "[$v] and the container runs" d start -a lb-$v
	out=$(d run --rm --security-opt bogus=1 busybox true 2>&1)
	expect_match "[$v] an unknown security option refused" "$out" 'invalid --security-opt 2: "bogus=1"'

	# stop signal and timeout
	d run -d --name st-$v --stop-signal SIGUSR1 --stop-timeout 1 busybox sh -c \
		'trap "echo got-usr1" USR1; while true; do sleep 0.1; done' >/dev/null
	expect_eq "[$v] inspect shows StopSignal and StopTimeout" \
		"$(d inspect -f '{{.Config.StopSignal}} {{.Config.StopTimeout}}' st-$v)" "SIGUSR1 1"
	check "[$v] stop" d stop st-$v
	expect_match "[$v] stop sent the stop signal" "$(d logs st-$v 2>&1)" "got-usr1"
	expect_eq "[$v] then SIGKILL after the stop timeout" "$(d inspect -f '{{.State.ExitCode}}' st-$v)" "137"
	out=$(d run --rm --stop-signal SIGFOO busybox true 2>&1)
	expect_match "[$v] a bad stop signal refused" "$out" "Invalid signal: SIGFOO"

	# --init: PID 1 is an init that reaps, the command is its child
	out=$(d run --rm --init busybox sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "' 2>&1)
	expect_match "[$v] --init: the command is not PID 1" "$out" '^[2-9]'
	d create --name in-$v --init busybox true >/dev/null
	expect_eq "[$v] inspect shows Init" "$(d inspect -f '{{json .HostConfig.Init}}' in-$v)" "true"

	# cpuset and memory validation, as dockerd at create
	ncpu=$(nproc)
	out=$(d run --rm --cpuset-cpus "$ncpu" busybox true 2>&1)
	expect_match "[$v] --cpuset-cpus beyond the host" "$out" \
		"Requested CPUs are not available - requested $ncpu, available: 0"
	out=$(d run --rm --cpuset-cpus 0-z busybox true 2>&1)
	expect_match "[$v] --cpuset-cpus bad format" "$out" "Invalid value 0-z for cpuset cpus: invalid format: 0-z"
	out=$(d run --rm --cpuset-mems 7 busybox true 2>&1)
	expect_match "[$v] --cpuset-mems beyond the host" "$out" \
		"Requested memory nodes are not available - requested 7, available: 0"
	out=$(d run --rm -m 16m --memory-reservation 32m busybox true 2>&1)
	expect_match "[$v] reservation above the limit" "$out" \
		"Minimum memory limit can not be less than memory reservation limit, see usage"
	out=$(d run --rm -m 32m --memory-swap 16m busybox true 2>&1)
	expect_match "[$v] swap below memory" "$out" \
		"Minimum memoryswap limit should be larger than memory limit, see usage"
	out=$(d run --rm --memory-reservation 1m busybox true 2>&1)
	expect_match "[$v] tiny reservation" "$out" "Minimum memory reservation allowed is 6MB"
	out=$(d run --rm -m 1000000g busybox cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1)
	expect_match "[$v] a huge memory limit runs (the kernel caps it)" "$out" '^[0-9]+$'
	d rm -f ul-$v ga-$v sc-$v sp-$v lb-$v st-$v in-$v bw-$v >/dev/null 2>&1
done

# stop -t -1 waits for the process (dockerd: no time-out); StopTimeout -1 likewise
d() { "$DOCKER" "$@"; }
d run -d --name forever --stop-timeout -1 busybox sh -c \
	'trap "sleep 2; exit 3" TERM; while true; do sleep 0.1; done' >/dev/null
expect_eq "StopTimeout -1 shown back" "$(d inspect -f '{{.Config.StopTimeout}}' forever)" "-1"
check "stop with StopTimeout -1" d stop forever
expect_eq "the process ended on its own after the 2 s trap (not SIGKILL)" \
	"$(d inspect -f '{{.State.ExitCode}}' forever)" "3"
check "start again" d start forever
check "stop -t -1" d stop -t -1 forever
expect_eq "again its own exit" "$(d inspect -f '{{.State.ExitCode}}' forever)" "3"

# The Python SDK sends the same fields its own way (Ulimit objects, oom_score_adj, security_opt).
if /usr/bin/python3 -c 'import docker' 2>/dev/null; then
	out=$(DOCKER_HOST=unix://$BERTH_SOCK /usr/bin/python3 - "$T_DIR/deny-mkdir.json" 2>&1 <<'PY'
import sys, docker
c = docker.from_env()
prof = open(sys.argv[1]).read()
out = c.containers.run("busybox", ["sh", "-c", "ulimit -n; cat /proc/self/oom_score_adj; mkdir /x || echo denied"],
                       ulimits=[docker.types.Ulimit(name="nofile", soft=900, hard=900)],
                       oom_score_adj=100, security_opt=["seccomp=" + prof], remove=True, stderr=True)
print(out.decode().replace("\n", " ").strip())
PY
)
	expect_match "python3-docker: ulimits, oom_score_adj and a seccomp profile applied" "$out" \
		"^900 100 .*denied"
else
	skip "python3-docker not installed"
fi

# Execs run with the container's ulimits and OOM score, as dockerd's (the container's process spec).
d run -d --name ulx --ulimit nofile=777:777 --oom-score-adj 250 busybox sleep 300 >/dev/null
expect_eq "an exec gets the container's ulimit and OOM score" \
	"$(d exec ulx sh -c 'ulimit -n; cat /proc/self/oom_score_adj' | tr '\n' ' ')" "777 250 "
d rm -f ulx >/dev/null

# The options survive a daemon restart.
d create --name keep --ulimit nofile=512:512 --oom-score-adj 200 --security-opt no-new-privileges \
	--cpu-rt-runtime 5000 --stop-timeout 7 busybox sh -c 'ulimit -n; cat /proc/self/oom_score_adj' >/dev/null
berth_stop
# (this time the daemon's default ulimits come from daemon.json)
echo '{"default-ulimits": {"nproc": {"Name": "nproc", "Soft": 400, "Hard": 450}}}' >"$T_DIR/daemon.json"
berth_restart --config-file "$T_DIR/daemon.json" || { fail "berthd restarts"; finish; }
expect_eq "daemon.json default-ulimits apply to new containers" \
	"$(d run --rm busybox sh -c 'ulimit -u; ulimit -Hu' | tr '\n' ' ')" "400 450 "
# (one inspect each: a template naming CpuRealtimeRuntime makes CLI 28 fall
# back to a plain map, which prints members in alphabetical order)
expect_eq "after a restart inspect still shows them" \
	"$(d inspect -f '{{json .HostConfig.Ulimits}} {{.HostConfig.OomScoreAdj}} {{json .HostConfig.SecurityOpt}} {{.Config.StopTimeout}}' keep)" \
	'[{"Name":"nofile","Hard":512,"Soft":512}] 200 ["no-new-privileges"] 7'
expect_eq "and the real-time runtime" "$(d inspect -f '{{.HostConfig.CpuRealtimeRuntime}}' keep)" "5000"
expect_eq "and applies them" "$(d start -a keep | tr '\n' ' ')" "512 200 "

# Raw API: wrong types name the field; hostile seccomp profiles are refused at start.
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"Ulimits":[{"Name":"nofile","Soft":"x"}]}}')
expect_match "Ulimits with a string Soft: 400 naming the field" "$(echo $out)" 'HostConfig.Ulimits.Soft of type int64"} 400$'
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"BlkioWeight":-5}}')
expect_match "BlkioWeight -5: 400" "$(echo $out)" 'BlkioWeight of type uint16"} 400$'
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"SecurityOpt":["seccomp={\"syscalls\":{}}"]}}')
id=$(printf '%s' "$out" | head -1 | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
out=$(api POST "/containers/$id/start")
expect_match "a profile with the wrong types fails the start with a 500, as dockerd" "$(echo $out)" \
	'Decoding seccomp profile failed: json: cannot unmarshal object into Go struct field Seccomp.syscalls of type .*"} 500$'
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Ulimits":[{"Name":"bogus","Soft":1,"Hard":1}]}}')
id=$(printf '%s' "$out" | head -1 | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
out=$(api POST "/containers/$id/start")
expect_match "an unknown ulimit fails the start with runc's words" "$(echo $out)" \
	'wrong rlimit value: RLIMIT_BOGUS"} 500$'
finish
