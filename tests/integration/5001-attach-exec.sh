#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Attach, exec and TTYs with the real docker CLIs (28 and Debian's 20.10)
# driven through real terminals (script(1), tmux): the docker run
# choreography (create → attach → wait → start → resize), stream
# separation, exit codes, StdinOnce, detach keys and reattach, start -ai,
# exec (-it, exit codes through exec inspect, errors), resize errors.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts"; finish; }
BR=$BERTH_BRIDGE
# cleanups run last-registered first: containers go before the daemon stops
on_exit 'berth_stop; nft delete table ip "berth_$BR" 2>/dev/null; ip link del "$BR" 2>/dev/null'
on_exit 'ids=$("$DOCKER" ps -aq 2>/dev/null); [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1'
on_exit 'tmux -L "$TMUXSOCK" kill-server 2>/dev/null'
TMUXSOCK=berth5001-$$

# run_tty CLI INPUT-SCRIPT CMD...: runs CMD under a pseudo-terminal fed by INPUT-SCRIPT
# (a shell snippet printing keystrokes with pauses); prints the terminal output, then "rc=N".
run_tty() {
	local cli=$1 feed=$2
	shift 2
	local cmd="stty rows 40 cols 120; $cli $*; echo rc=\$?"
	(eval "$feed") | timeout 60 script -qfec "$cmd" /dev/null | tr -d '\r'
}

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	out=$("$cli" run --rm busybox sh -c 'echo out; echo err >&2' 2>"$T_DIR/err"); rc=$?
	expect_eq "[$v] run: exit status 0" "$rc" 0
	expect_eq "[$v] run: stdout carries stdout" "$out" "out"
	expect_eq "[$v] run: stderr carries stderr" "$(cat "$T_DIR/err")" "err"
	"$cli" run --rm busybox false; rc=$?
	expect_eq "[$v] run false exits 1" "$rc" 1
	out=$("$cli" run --rm busybox /nonexistent 2>&1); rc=$?
	expect_eq "[$v] run of a missing program exits 127" "$rc" 127
	expect_match "[$v] with dockerd's message" "$out" 'OCI runtime create failed: .*exec: "/nonexistent": stat /nonexistent: no such file or directory'
	out=$(echo hello | "$cli" run -i --rm busybox cat); rc=$?
	expect_eq "[$v] echo hello | run -i cat prints hello" "$out" "hello"
	expect_eq "[$v] ... and exits 0" "$rc" 0
	out=$(seq 1 20000 | "$cli" run -i --rm busybox wc -l)
	expect_eq "[$v] a larger stdin arrives whole, then EOF" "$(echo $out)" "20000"
	out=$(run_tty "$cli" 'sleep 2; printf "echo hi-\$((6*7))\n"; sleep 1; printf "exit 7\n"; sleep 2' run -it --rm busybox sh)
	expect_match "[$v] run -it: typed command runs in the TTY" "$out" 'hi-42'
	expect_match "[$v] run -it: exit 7 gives status 7" "$out" 'rc=7'
	check "[$v] run --rm removed its containers" test -z "$("$cli" ps -aq)"
done

# Start failure with --rm: the container must still be removed (wait?condition=removed fires).
"$DOCKER" run --rm --name rmfail busybox /nonexistent >/dev/null 2>&1
check "run --rm of a failing start leaves no container" test -z "$("$DOCKER" ps -aq --filter name=rmfail)"

# docker start -ai
"$DOCKER" create -i --name sai busybox sh -c 'read x; echo got-$x; exit 4' >/dev/null
out=$(echo ping | "$DOCKER" start -ai sai); rc=$?
expect_eq "start -ai relays stdin and output" "$out" "got-ping"
expect_eq "start -ai returns the exit status" "$rc" 4
"$DOCKER" create --name sa busybox sh -c 'echo once' >/dev/null
out=$("$DOCKER" start -a sa)
expect_eq "start -a prints the output" "$out" "once"
out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST "http://x/containers/sa/attach?logs=1&stdout=1" | tr -d '\0\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17')
expect_match "attach logs=1 without upgrade replays the log" "$out" 'once'

# Detach with ctrl-p ctrl-q in tmux, then reattach.
tmux -L "$TMUXSOCK" new-session -d -x 120 -y 40 "$DOCKER run -it --name det busybox sh"
wait_for 15 sh -c "tmux -L $TMUXSOCK capture-pane -p | grep -q '/ #'"
tmux -L "$TMUXSOCK" send-keys 'echo before-$((2+3))' Enter
wait_for 10 sh -c "tmux -L $TMUXSOCK capture-pane -p | grep -q before-5"
tmux -L "$TMUXSOCK" send-keys C-p C-q
wait_for 10 sh -c "! tmux -L $TMUXSOCK has-session 2>/dev/null"; rc=$?
expect_eq "ctrl-p ctrl-q ends the docker run client" "$rc" 0
expect_eq "the container keeps running" "$("$DOCKER" inspect -f '{{.State.Running}}' det)" "true"
tmux -L "$TMUXSOCK" new-session -d -x 120 -y 40 "$DOCKER attach det; echo attach-rc=\$?; sleep 30"
sleep 1
tmux -L "$TMUXSOCK" send-keys 'echo again-$((3+4))' Enter
wait_for 10 sh -c "tmux -L $TMUXSOCK capture-pane -p | grep -q again-7"; rc=$?
expect_eq "docker attach reattaches to the shell" "$rc" 0
# The CLI filters the keys itself; a raw client shows the daemon's own detach.
out=$(/usr/bin/python3 - "$BERTH_SOCK" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"POST /v1.44/containers/det/attach?stream=1&stdin=1&stdout=1&detachKeys=ctrl-a,x HTTP/1.1\r\n"
          b"Host: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n")
s.settimeout(10)
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
s.sendall(b"echo raw-\x01y-$((1+1))\n")   # ctrl-a not followed by x: passed through
time.sleep(1)
s.sendall(b"\x01x")
data = b""
while True:
    b = s.recv(4096)
    if not b: break
    data += b
print(head.split(b"\r\n")[0].decode(), "closed", b"raw-" in data)
PY
)
expect_match "the daemon's detach keys end a raw TTY attach" "$out" '101 .* closed True'
expect_eq "the container still runs after that" "$("$DOCKER" inspect -f '{{.State.Running}}' det)" "true"
tmux -L "$TMUXSOCK" send-keys 'exit 3' Enter
wait_for 10 sh -c "tmux -L $TMUXSOCK capture-pane -p | grep -q attach-rc=3"; rc=$?
expect_eq "exit in the reattached shell ends docker attach with its status" "$rc" 0
tmux -L "$TMUXSOCK" kill-server 2>/dev/null
# --until has whole-second resolution: ask up to the next second so an event
# of the current second is not cut off.
events=$(timeout 10 "$DOCKER" events --since 0 --until "$(( $(date +%s) + 1 ))" --filter container=det --format '{{.Action}}' | tr '\n' ' ')
expect_match "a detach event was published" "$events" 'detach'

# Exec.
"$DOCKER" run -d --name ex busybox sleep 300 >/dev/null
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	out=$(run_tty "$cli" 'sleep 2; printf "echo in-exec-\$((5*5)); hostname\n"; sleep 1; printf "exit 5\n"; sleep 2' exec -it ex sh)
	expect_match "[$v] exec -it: command runs" "$out" 'in-exec-25'
	expect_match "[$v] exec -it: in the container's UTS namespace" "$out" "$("$DOCKER" inspect -f '{{.Config.Hostname}}' ex)"
	expect_match "[$v] exec -it: exit 5 gives status 5" "$out" 'rc=5'
	out=$("$cli" exec -e A=1 -w /tmp -u nobody ex sh -c 'echo $A $(pwd) $(id -u)')
	expect_eq "[$v] exec with Env, WorkingDir, User" "$out" "1 /tmp 65534"
	"$cli" exec ex false; rc=$?
	expect_eq "[$v] exec false exits 1" "$rc" 1
	out=$(echo data | "$cli" exec -i ex cat)
	expect_eq "[$v] exec -i: stdin reaches the process and ends" "$out" "data"
done
# The host's cgroup namespace (dockerd's default on cgroup v1): the full path.
out=$("$DOCKER" exec ex sh -c 'cat /proc/self/cgroup | grep memory')
expect_match "exec joins the container's cgroup" "$out" "^[0-9]+:memory:/berth/$("$DOCKER" inspect -f '{{.Id}}' ex)\$"
# In every hierarchy the container's pid 1 is in (the hybrid host's unified
# one too): the exec's process places itself (`tasks`, CLONE_INTO_CGROUP).
exid=$("$DOCKER" inspect -f '{{.Id}}' ex)
out=$("$DOCKER" exec ex sh -c 'cat /proc/self/cgroup; echo --; cat /proc/1/cgroup')
self=$(sed '/^--$/,$d' <<<"$out")
expect_eq "exec is in pid 1's cgroup in every hierarchy" "$self" "$(sed '1,/^--$/d' <<<"$out")"
expect_eq "  each of them (but name=systemd) the container's" \
	"$(grep -v name=systemd <<<"$self" | grep -vc ":/berth/$exid\$")" 0
eid=$(curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Content-Type: application/json' \
	-d '{"Cmd":["false"],"AttachStdout":true}' http://x/containers/ex/exec | jq -r .Id)
"$DOCKER" exec -d ex true
out=$(api POST "/exec/$eid/start" -H 'Content-Type: application/json' -d '{"Detach":true}' | tail -1)
expect_eq "detached exec start is a 200" "$out" 200
wait_for 5 sh -c "curl -s --unix-socket $BERTH_SOCK http://x/exec/$eid/json | jq -e '.ExitCode == 1'"; rc=$?
expect_eq "exec inspect reports ExitCode 1 for false" "$rc" 0
out=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/exec/$eid/json" | jq -c '[.Running, .ProcessConfig.entrypoint, .ContainerID == "'"$("$DOCKER" inspect -f '{{.Id}}' ex)"'"]')
expect_eq "exec inspect shape" "$out" '[false,"false",true]'
# the exec's bundle (config.json, shim.json, exit.json; no fsync) goes once its exit is recorded
exdir=$BERTH_ROOT/exec/containers/$("$DOCKER" inspect -f '{{.Id}}' ex)/exec
wait_for 5 sh -c "[ ! -e '$exdir/$eid' ]"; rc=$?
expect_eq "a finished exec leaves no bundle behind" "$rc" 0
out=$(api POST "/exec/$eid/start" -H 'Content-Type: application/json' -d '{"Detach":true}')
expect_match "starting it again is a 409" "$out" "exec command $eid has already run"$'\n'409
out=$("$DOCKER" inspect -f '{{len .ExecIDs}}' ex)
expect_match "container inspect lists ExecIDs" "$out" '^[1-9][0-9]*$'
out=$(api GET /exec/nosuch/json)
expect_match "unknown exec is a 404" "$out" 'No such exec instance: nosuch'$'\n''404'
out=$(api POST /containers/ex/exec -H 'Content-Type: application/json' -d '{"Cmd":[]}')
expect_match "exec without a command is a 400" "$out" 'No exec command specified'$'\n''400'
out=$(api POST /containers/ex/exec -H 'Content-Type: application/json' -d '{"Cmd":"ls","Env":7}')
expect_match "a mistyped exec body is a 400 naming the field" "$out" 'Env'$'\n''400'
"$DOCKER" create --name stopped busybox true >/dev/null
out=$(api POST /containers/stopped/exec -H 'Content-Type: application/json' -d '{"Cmd":["ls"]}')
expect_match "exec in a stopped container is a 409 with dockerd's message" "$out" 'container [0-9a-f]{64} is not running'$'\n''409'
out=$("$DOCKER" exec stopped ls 2>&1); rc=$?
expect_match "docker exec in a stopped container fails" "$out" 'is not running'
out=$("$DOCKER" exec ex /nonexistent 2>&1); rc=$?
expect_match "exec of a missing program reports the runtime error" "$out" 'no such file or directory'
expect_eq "... and exits 126 as with dockerd" "$rc" 126
# The exec's shim is forked by the container's running shim (proto.h,
# "exec"), and an exec asking for the container's seccomp filter loads the
# program that shim compiled at the first exec.
cdir=$BERTH_ROOT/exec/containers/$("$DOCKER" inspect -f '{{.Id}}' ex)
"$DOCKER" exec -d ex sleep 30
wait_for 5 sh -c "ls '$cdir'/exec/*/shim.json >/dev/null 2>&1"
eshim=$(cat "$cdir"/exec/*/shim.json | jq -r .shim_pid | head -1)
expect_eq "the exec's shim is a child of the container's shim" \
	"$(awk '/^PPid:/ {print $2}' "/proc/$eshim/status" 2>/dev/null)" "$(jq -r .shim_pid "$cdir/shim.json")"
out=$("$DOCKER" exec ex sh -c 'unshare -U true 2>&1; echo rc=$?')
expect_match "the exec's seccomp filter refuses unshare as the container's does" "$out" 'not permitted'
out=$("$DOCKER" exec --privileged ex sh -c 'unshare -U true 2>&1; echo rc=$?')
expect_eq "... a --privileged exec (all capabilities, its own filter) may" "$out" "rc=0"
# A shim that cannot fork the exec (it joined another PID namespace) gets a
# spawned exec shim, as a shim started by an older berthd does.
"$DOCKER" run -d --name pj --pid container:ex busybox sleep 300 >/dev/null
out=$("$DOCKER" exec -e A=2 pj sh -c 'echo fb-$A; ps -o comm | grep -c "^sleep"')
expect_match "exec in a --pid container: container (spawned exec shim), in the shared PID namespace" "$(echo $out)" '^fb-2 [2-9]$'
pdir=$BERTH_ROOT/exec/containers/$("$DOCKER" inspect -f '{{.Id}}' pj)
"$DOCKER" exec -d pj sleep 30
wait_for 5 sh -c "ls '$pdir'/exec/*/shim.json >/dev/null 2>&1"
eshim=$(cat "$pdir"/exec/*/shim.json | jq -r .shim_pid | head -1)
check "... whose shim is not a child of the container's" \
	test "$(awk '/^PPid:/ {print $2}' "/proc/$eshim/status")" != "$(jq -r .shim_pid "$pdir/shim.json")"
"$DOCKER" rm -f pj >/dev/null

# Resize.
out=$(api POST "/containers/ex/resize?h=x&w=80")
expect_match "resize with a bad height is a 400" "$out" 'invalid resize height "x"'$'\n''400'
out=$(api POST "/containers/nosuch/resize?h=10&w=80" | tail -1)
expect_eq "resize of a missing container is a 404" "$out" 404
"$DOCKER" run -dit --name tt busybox sh >/dev/null
out=$(api POST "/containers/tt/resize?h=33&w=99" | tail -1)
expect_eq "resize of a TTY container is a 200" "$out" 200
out=$("$DOCKER" exec tt stty size -F /dev/console 2>/dev/null || "$DOCKER" exec -t tt sh -c 'stty size </proc/1/fd/0')
expect_match "the container's TTY has the new size" "$out" '33 99'
out=$(api POST "/containers/sa/attach?stream=1&stdout=1&detachKeys=ctrl-x,bogus" | tr '\n' ' ')
expect_match "bad detach keys are a 400 with dockerd's message" "$out" "Invalid detach keys \(ctrl-x,bogus\) provided.* 400"
"$DOCKER" pause tt >/dev/null
out=$(api POST "/containers/tt/attach?stream=1&stdout=1")
expect_match "attach to a paused container is a 409" "$out" 'is paused, unpause the container before attach'$'\n''409'
"$DOCKER" unpause tt >/dev/null
# A loaded host can run the attach's hijacked thread late; the client's
# /start, sent as soon as it reads the 101, must not overtake it (a CI run
# once lost a host-network container's whole output that way). The knob
# delays every hijacked handler by 300 ms; run's output must still arrive.
berth_stop
BERTH_TEST_HIJACK_DELAY_MS=300 berth_restart || fail "berthd restarts with the hijack delay"
for cli in "$DOCKER" $DOCKER_OLD; do
	out=$("$cli" run --rm busybox echo early-output)
	expect_eq "[$cli] run --rm: the output arrives although the attach handler is late" "$out" early-output
	out=$("$cli" run --rm --network host busybox cat /etc/hostname)
	expect_eq "[$cli] the same on the host network (the fastest start)" "$out" "$(hostname)"
	out=$(printf 'in\n' | "$cli" run --rm -i busybox cat)
	expect_eq "[$cli] run -i: stdin and output with a late handler" "$out" in
done
finish
