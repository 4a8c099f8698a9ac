#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Containers outlive berthd: kill -9 the daemon while containers run,
# start it again on the same roots, and the containers are still running
# and manageable (logs, stop, kill), one that exited meanwhile shows its
# exit code, and restart policies (always, on-failure:N, unless-stopped)
# apply both at exit and at daemon start.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
d() { "$DOCKER" "$@"; }
state() { d inspect -f "$2" "$1" 2>&1; }

# Restart policies at exit.
d run -d --name rec-always --restart always busybox sh -c 'sleep 0.2; exit 3' >/dev/null
d run -d --name rec-onfail --restart on-failure:2 busybox sh -c 'exit 1' >/dev/null
d run -d --name rec-ok --restart on-failure busybox true >/dev/null
check "on-failure:2 gives up after two restarts" wait_for 20 sh -c "'$DOCKER' inspect -f '{{.RestartCount}} {{.State.Status}}' rec-onfail | grep -qx '2 exited'"
expect_eq "on-failure:2 keeps the exit code" "$(state rec-onfail '{{.State.ExitCode}}')" "1"
check "always restarts again and again" wait_for 20 sh -c "[ \$('$DOCKER' inspect -f '{{.RestartCount}}' rec-always) -ge 2 ]"
expect_eq "on-failure does not restart a clean exit" "$(state rec-ok '{{.RestartCount}} {{.State.Status}}')" "0 exited"
check "stop ends an always container for good" d stop -t 1 rec-always
sleep 1
expect_eq "it stays stopped" "$(state rec-always '{{.State.Status}}')" "exited"

# Containers across a kill -9 of berthd.
d run -d --name rec-tick busybox sh -c 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done' >/dev/null
d run -d --name rec-exit busybox sh -c 'sleep 2; exit 7' >/dev/null
d run -d --name rec-us --restart unless-stopped busybox sleep 300 >/dev/null
d run -d --name rec-us-stopped --restart unless-stopped busybox sleep 300 >/dev/null
d run -d --name rec-alw --restart always busybox sleep 300 >/dev/null
port=$((20000 + RANDOM % 20000))
d run -d --name rec-web -p 127.0.0.1:$port:8080 busybox httpd -f -p 8080 -h /etc >/dev/null
d stop -t 1 rec-us-stopped >/dev/null
wait_for 10 curl -sf -m 2 http://127.0.0.1:$port/passwd
tick_pid=$(state rec-tick '{{.State.Pid}}')
exit_pid=$(state rec-exit '{{.State.Pid}}')
fds_before=$(ls /proc/$BERTH_PID/fd | wc -l)
# A created container has only config.json on disk (no state.json until its
# first change), and a removal a crash interrupted leaves a .del-<id> directory.
created_id=$(d create --name rec-created busybox true)
check "a created container has no state.json yet" \
	test ! -e "$BERTH_ROOT/data/containers/$created_id/state.json"
trash=$BERTH_ROOT/data/containers/.del-$(printf '%064d' 0)
mkdir -p "$trash/rw/upper" && echo x >"$trash/config.json"

kill -9 "$BERTH_PID"
wait "$BERTH_PID" 2>/dev/null
check "the container's process survives berthd's SIGKILL" kill -0 "$tick_pid"
# rec-exit ends while berthd is down
wait_for 10 sh -c "! kill -0 $exit_pid 2>/dev/null"
berth_restart || { fail "berthd restarts"; finish; }

expect_eq "a created container is still created after the restart" "$(state rec-created '{{.State.Status}}')" "created"
check "the interrupted removal's directory is gone at start" test ! -e "$trash"
check "and the created container can be removed" d rm rec-created
expect_eq "the running container is still running, same pid" "$(state rec-tick '{{.State.Status}} {{.State.Pid}}')" "running $tick_pid"
expect_eq "the exit while berthd was down is recorded" "$(state rec-exit '{{.State.Status}} {{.State.ExitCode}}')" "exited 7"
# Restart policies are applied as berthd starts: give them a moment.
# rec-always runs 0.2 s at a time, so keep the listing that saw it.
all_up() {
	out=$(d ps --format '{{.Names}}' | sort | tr '\n' ' ')
	[ "$out" = "rec-alw rec-always rec-tick rec-us rec-web " ]
}
wait_for 15 all_up
# dockerd's rule: "always" comes back at daemon start even after a manual
# stop; "unless-stopped" does not.
expect_eq "ps lists the running ones (and the stopped 'always' one, restarted)" "$out" "rec-alw rec-always rec-tick rec-us rec-web "
out=$(d logs --tail 1 rec-tick)
expect_match "logs work after the restart" "$out" '^tick [0-9]+$'
n1=$(d logs rec-tick | wc -l); sleep 1; n2=$(d logs rec-tick | wc -l)
check "and the log keeps growing" test "$n2" -gt "$n1"
if curl -sf -m 2 -o /dev/null http://127.0.0.1:$port/passwd; then
	ok "the published port still answers"
else
	fail "the published port still answers"
	diag "$(nft list table ip "berth_$BERTH_BRIDGE" 2>&1 | grep -n "$port")" "$(ss -ltnp | grep ":$port ")"
	diag "$(curl -sv -m 2 -o /dev/null http://127.0.0.1:$port/passwd 2>&1 | tail -5)"
fi
check "docker stop works on a recovered container" d stop -t 1 rec-tick
expect_eq "with exit code 137" "$(state rec-tick '{{.State.Status}} {{.State.ExitCode}}')" "exited 137"
check "docker kill works on a recovered container" d kill rec-web
expect_eq "killed: 137" "$(state rec-web '{{.State.Status}} {{.State.ExitCode}}')" "exited 137"

# Restart policies at daemon start: a clean stop of berthd leaves containers
# running, so stop them behind its back (kill the processes) while it is down.
alw_pid=$(state rec-alw '{{.State.Pid}}'); us_pid=$(state rec-us '{{.State.Pid}}')
kill -9 "$BERTH_PID"; wait "$BERTH_PID" 2>/dev/null
kill -9 "$alw_pid" "$us_pid"
# Their shims record the exits; wait until both processes are really gone.
wait_for 10 sh -c "! kill -0 $alw_pid 2>/dev/null && ! kill -0 $us_pid 2>/dev/null"
berth_restart || { fail "berthd restarts again"; finish; }
check "always restarts at daemon start" wait_for 10 sh -c "'$DOCKER' inspect -f '{{.State.Status}}' rec-alw | grep -qx running"
check "unless-stopped restarts at daemon start" wait_for 10 sh -c "'$DOCKER' inspect -f '{{.State.Status}}' rec-us | grep -qx running"
expect_eq "unless-stopped that was stopped stays stopped" "$(state rec-us-stopped '{{.State.Status}}')" "exited"
expect_eq "no policy: stays exited" "$(state rec-exit '{{.State.Status}}')" "exited"

d rm -f $(d ps -aq) >/dev/null 2>&1
expect_eq "all removed" "$(d ps -aq | wc -l)" "0"
shims=$(pgrep -f "berth-shim.*$BERTH_ROOT" | wc -l)
expect_eq "no shim left" "$shims" "0"
finish
