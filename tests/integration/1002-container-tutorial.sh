#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tutorial flow through the real docker CLIs (28 and 20.10): run -d
# (--rm and named), ps -a shapes and Status strings, stop/start/rm (409
# while running)/rm -f, exit codes 0/42/127 with dockerd's messages,
# layer isolation between image and containers, the container's own
# PID 1/hostname/mounts, ps filters, name rules and conflicts.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }

# The list is served from each container's memo of its encoded entry
# (issue 15); size=1 never uses it, so the two must agree, but for the sizes
# and for the clock ticking the Status's seconds between the two requests.
list_fresh() { # DESC
	local ver a b secs='.Status |= gsub("Less than a second|About a minute|[0-9]+ (seconds?|minutes)"; "S")'
	for ver in v1.41 v1.44; do
		a=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/$ver/containers/json?all=1" | jq -S "map($secs)")
		b=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/$ver/containers/json?all=1&size=1" |
			jq -S "map(del(.SizeRw, .SizeRootFs) | $secs)")
		if [ "$a" = "$b" ]; then ok "$1 ($ver: the list as encoded afresh)"; else
			fail "$1 ($ver: the list as encoded afresh)"; diag "$(diff <(echo "$a") <(echo "$b"))"; fi
	done
}
names_of() { curl -s --unix-socket "$BERTH_SOCK" "http://x/containers/json?all=1" | jq -c --arg n "/$1" '.[] | select(.Names | index($n)) | .Names'; }

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	d() { "$cli" "$@"; }

	# --rm: the container goes away by itself after it exits.
	id=$(d run -d --rm --name tut-rm busybox sh -c 'echo hello; sleep 0.3' 2>&1)
	expect_match "[$v] run -d --rm prints a 64-hex ID" "$id" '^[0-9a-f]{64}$'
	check "[$v] --rm container is gone after its exit" wait_for 10 sh -c "! '$cli' inspect tut-rm >/dev/null 2>&1"

	d run -d --name tut-y busybox sleep 300 >/dev/null
	out=$(d ps -a --format '{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}')
	expect_match "[$v] ps -a shows the running container" "$out" '^tut-y\|busybox\|"sleep 300"\|Up (Less than a second|[0-9]+ seconds?)$'
	out=$(d ps -a | head -1)
	expect_match "[$v] ps header as dockerd prints it" "$out" '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'

	out=$(d rm tut-y 2>&1); rc=$?
	expect_eq "[$v] rm of a running container fails" "$rc" 1
	expect_match "[$v] with the 409 conflict text" "$out" 'container is running: stop the container before removing or force remove|cannot remove a running container'
	code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$BERTH_SOCK" -X DELETE http://x/v1.44/containers/tut-y)
	expect_eq "[$v] DELETE of a running container is 409" "$code" 409

	check "[$v] docker stop" d stop -t 1 tut-y
	out=$(d ps -a --filter name=tut-y --format '{{.Status}}')
	expect_match "[$v] Status after stop" "$out" '^Exited \(137\) (Less than a second|[0-9]+ seconds?) ago$'
	out=$(d stop tut-y 2>&1); rc=$?
	expect_eq "[$v] stop of a stopped container succeeds (304)" "$rc" 0
	check "[$v] docker start" d start tut-y
	out=$(d inspect -f '{{.State.Running}} {{.RestartCount}}' tut-y)
	expect_eq "[$v] running again after start" "$out" "true 0"
	check "[$v] docker rm -f of a running container" d rm -f tut-y
	check_fails "[$v] it is gone" d inspect tut-y
	out=$(d rm -f tut-nosuch 2>&1); rc=$?
	expect_eq "[$v] rm -f of a missing container exits 0 (404 tolerated)" "$rc" 0

	# Exit codes.
	d run -d --name tut-0 busybox true >/dev/null
	d run -d --name tut-42 busybox sh -c 'exit 42' >/dev/null
	wait_for 10 sh -c "'$cli' inspect -f '{{.State.Status}}' tut-42 | grep -q exited"
	wait_for 10 sh -c "'$cli' inspect -f '{{.State.Status}}' tut-0 | grep -q exited"
	out=$(d inspect -f '{{.State.ExitCode}}' tut-0 tut-42 | tr '\n' ' ')
	expect_eq "[$v] exit codes 0 and 42" "$out" "0 42 "
	out=$(d ps -a --filter exited=42 --format '{{.Names}}')
	expect_eq "[$v] ps --filter exited=42" "$out" "tut-42"
	out=$(d ps -a --filter name=tut-42 --format '{{.Status}}')
	expect_match "[$v] Status string of an exited container" "$out" '^Exited \(42\) '
	out=$(d run -d --name tut-127 busybox nosuchcmd 2>&1); rc=$?
	expect_eq "[$v] run -d of a missing binary exits 127" "$rc" 127
	expect_match "[$v] with runc's words" "$out" 'exec: "nosuchcmd": executable file not found in \$PATH'
	out=$(d run -d --name tut-127b busybox /no/such/file 2>&1); rc=$?
	expect_eq "[$v] run -d of a missing path exits 127" "$rc" 127
	expect_match "[$v] no such file or directory" "$out" 'no such file or directory'
	out=$(d inspect -f '{{.State.ExitCode}} {{.State.Status}}' tut-127)
	expect_eq "[$v] inspect records 127 exited" "$out" "127 exited"

	# Layers: a file written in one container is in neither the image nor another container.
	d run -d --name tut-w busybox sh -c 'echo secret > /tmp/f; sleep 300' >/dev/null
	wait_for 10 sh -c "'$cli' exec tut-w true 2>/dev/null || '$cli' diff tut-w | grep -q /tmp/f"
	out=$(d diff tut-w)
	expect_match "[$v] diff shows the new file" "$out" 'A /tmp/f'
	d run -d --name tut-r busybox sh -c 'cat /tmp/f 2>&1; ls /tmp | wc -l' >/dev/null
	wait_for 10 sh -c "'$cli' inspect -f '{{.State.Status}}' tut-r | grep -q exited"
	out=$(d logs tut-r 2>&1 | tr '\n' ' ')
	expect_match "[$v] another container does not see it" "$out" "No such file or directory 0"
	out=$(d export tut-w | tar -xO tmp/f 2>&1)
	expect_eq "[$v] export has the file written" "$out" "secret"
	d rm -f tut-w tut-r >/dev/null

	# Own PID 1, hostname and mounts.
	d run -d --name tut-iso --hostname tut-host busybox sh -c 'echo $$; hostname; cat /proc/1/cmdline | tr "\0" " "; echo; grep -c " / " /proc/mounts; ps | wc -l' >/dev/null
	wait_for 10 sh -c "'$cli' inspect -f '{{.State.Status}}' tut-iso | grep -q exited"
	out=$(d logs tut-iso | tr '\n' '|')
	expect_match "[$v] PID 1, own hostname, one root mount, few processes" "$out" '^1\|tut-host\|sh -c .*\|1\|[2-4]\|$'
	d run -d --name tut-mnt busybox sh -c 'cat /proc/mounts' >/dev/null
	wait_for 10 sh -c "'$cli' inspect -f '{{.State.Status}}' tut-mnt | grep -q exited"
	out=$(d logs tut-mnt | awk '{print $2}' | grep -Ev '^/$|^/(proc|dev|sys)(/|$)|^/etc/(hosts|hostname|resolv.conf)$')
	expect_eq "[$v] only the container's own mount points are visible" "$out" ""

	# ps filters and flags.
	d run -d --name tut-lab -l team=red busybox sleep 300 >/dev/null
	out=$(d ps --filter label=team=red --format '{{.Names}}')
	expect_eq "[$v] label filter" "$out" "tut-lab"
	out=$(d ps --filter status=running --format '{{.Names}}')
	expect_eq "[$v] status=running" "$out" "tut-lab"
	out=$(d ps -a --filter 'name=^tut-4' --format '{{.Names}}')
	expect_eq "[$v] name regexp" "$out" "tut-42"
	out=$(d ps -a --filter ancestor=busybox -q | wc -l)
	expect_match "[$v] ancestor=busybox lists every container" "$out" '^ *[5-9]$|^ *[1-9][0-9]$'
	out=$(d ps -a -n 2 -q | wc -l)
	expect_eq "[$v] -n 2 (limit)" "$out" "2"
	out=$(d ps -a --filter since=tut-iso --format '{{.Names}}' | sort | tr '\n' ' ')
	expect_eq "[$v] since filter" "$out" "tut-lab tut-mnt "
	out=$(d ps -a --filter before=tut-42 --format '{{.Names}}')
	expect_eq "[$v] before filter" "$out" "tut-0"
	idp=$(d inspect -f '{{.Id}}' tut-lab | cut -c1-12)
	out=$(d ps --filter id="$idp" --format '{{.Names}}')
	expect_eq "[$v] id filter" "$out" "tut-lab"
	out=$(d ps --filter bogus=1 2>&1); rc=$?
	expect_match "[$v] unknown filter is refused" "$rc $out" "^1 .*invalid filter 'bogus'"

	# Names.
	out=$(d run -d --name tut-lab busybox true 2>&1); rc=$?
	expect_eq "[$v] name in use fails" "$rc" 125
	expect_match "[$v] with the 409 conflict text" "$out" 'Conflict. The container name "/tut-lab" is already in use by container "[0-9a-f]{64}"'
	out=$(d run -d --name 'bad name!' busybox true 2>&1); rc=$?
	expect_match "[$v] invalid name" "$rc $out" '^125 .*Invalid container name \(bad name!\)'
	out=$(d create busybox true)
	gen=$(d inspect -f '{{.Name}}' "$out")
	expect_match "[$v] generated names look like dockerd's" "$gen" '^/[a-z]+_[a-z]+$'
	out=$(d ps -a --filter status=created --format '{{.Status}}')
	expect_eq "[$v] a created container shows Created" "$out" "Created"
	check "[$v] rename" d rename tut-lab tut-lab2
	check "[$v] lookup by the new name" d inspect tut-lab2

	# Every change shows in the next list (the memo is invalidated).
	d run -d --name tut-mt busybox sleep 300 >/dev/null
	list_fresh "[$v] memo: running"
	d create --name tut-ml --link tut-mt:al busybox true >/dev/null
	expect_eq "[$v] memo: a new link names its target" "$(names_of tut-mt)" '["/tut-ml/al","/tut-mt"]'
	list_fresh "[$v] memo: link"
	d rename tut-ml tut-ml2
	expect_eq "[$v] memo: renaming the linker renames the link" "$(names_of tut-mt)" '["/tut-ml2/al","/tut-mt"]'
	d pause tut-mt >/dev/null
	list_fresh "[$v] memo: paused"
	d unpause tut-mt >/dev/null
	d network create tut-mnet >/dev/null
	d network connect tut-mnet tut-mt
	out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/containers/json?all=1" | jq -r '.[] | select(.Names | index("/tut-mt")) | .NetworkSettings.Networks | keys | join(",")')
	expect_eq "[$v] memo: network connect shows" "$out" "bridge,tut-mnet"
	list_fresh "[$v] memo: connected"
	d network disconnect tut-mnet tut-mt
	list_fresh "[$v] memo: disconnected"
	d stop -t 0 tut-mt >/dev/null
	list_fresh "[$v] memo: stopped"
	d rm tut-ml2 >/dev/null
	expect_eq "[$v] memo: removing the linker drops the link name" "$(names_of tut-mt)" '["/tut-mt"]'
	d rm tut-mt >/dev/null
	d network rm tut-mnet >/dev/null

	d rm -f $(d ps -aq) >/dev/null 2>&1
	out=$(d ps -aq | wc -l)
	expect_eq "[$v] everything removed" "$out" "0"
done
finish
