#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of berth-shim and engine/runtime through tests/tools/berth-runtool:
# namespaces, overlay root (2 and 120 layers), masks, caps, cgroup limits, users, TTY,
# stdin, json-file log, attach, surviving a SIGKILLed caller, exit.json, cleanup.
# Prints TAP; needs root (skips otherwise). Cleans up only what it created.
. "$(dirname "$0")/../helpers/lib.sh"
build=${BUILD_DIR:-$BUILD}
tool=$build/tests/tools/berth-runtool
export BERTH_SHIM=$build/berth-shim

if [ "$(id -u)" != 0 ] || [ ! -x /bin/busybox ] || [ ! -x "$tool" ]; then
	skip_all "needs root, /bin/busybox and a built berth-runtool"
fi

T=$T_DIR/t
mkdir -p "$T"
ids=()
absent() { ! grep -qs "$@"; }

cleanup() {
	for id in "${ids[@]}"; do
		"$tool" cleanup "$T/b-$id" >/dev/null 2>&1
	done
}
on_exit cleanup

newid() { head -c 32 /dev/urandom | sha256sum | cut -c1-64; }

# image layers: busybox in the bottom layer, /etc files in the next
mkdir -p "$T/l1/bin" "$T/l2/etc" "$T/l2/home/user"
cp /bin/busybox "$T/l1/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$T/l1/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nuser:x:1000:1000::/home/user:/bin/sh\n' >"$T/l2/etc/passwd"
printf 'root:x:0:\nwheel:x:10:root,user\nnogroup:x:65534:\nuser:x:1000:\n' >"$T/l2/etc/group"

# run ID [runtool options] -- args: a fresh container layer per container
run() {
	local id=$1; shift
	ids+=("$id")
	mkdir -p "$T/c-$id/up" "$T/c-$id/wk"
	"$tool" run "$T/b-$id" --id "$id" --layer "$T/l2" --layer "$T/l1" \
		--upper "$T/c-$id/up" --work "$T/c-$id/wk" --log "$T/c-$id.log" "$@"
}

# --- process basics ---
run "$(newid)" --io -- true; check "true exits 0" [ $? = 0 ]
run "$(newid)" --io -- sh -c 'exit 42'; check "exit code 42" [ $? = 42 ]
out=$(run "$(newid)" --io -- /nonexistent 2>&1); rc=$?
check "missing path gives 127" [ "$rc" = 127 ]
check "missing path: no such file or directory" grep -q "no such file or directory" <<<"$out"
out=$(run "$(newid)" --io -- nosuchcmd 2>&1); rc=$?
check "missing command: executable file not found" grep -q "executable file not found" <<<"$out"
check "missing command gives 127" [ "$rc" = 127 ]
out=$(run "$(newid)" --io -- sh -c 'echo $$'); check "process is PID 1" [ "$out" = 1 ]
out=$(run "$(newid)" --hostname ctr-test --io -- hostname); check "hostname" [ "$out" = ctr-test ]
out=$(run "$(newid)" --io -- sh -c 'cut -d" " -f5 /proc/self/mountinfo' | grep -vE '^/(proc|dev|sys)(/|$)' | grep -v '^/$')
check "only the container's own mounts" [ -z "$out" ]
out=$(run "$(newid)" --workdir /a/b --io -- pwd); check "working directory created" [ "$out" = /a/b ]
out=$(run "$(newid)" --env FOO=bar --io -- sh -c 'echo $FOO:$HOME'); check "env and HOME" [ "$out" = bar:/root ]

# --- root file system ---
id=$(newid)
run "$id" --io -- sh -c 'echo data >/newfile && rm /etc/group'
check "write goes to the upper dir" [ -f "$T/c-$id/up/newfile" ]
check "lower dirs untouched" test ! -e "$T/l1/newfile" -a -f "$T/l2/etc/group"
check "deletion is a whiteout in upper" [ -c "$T/c-$id/up/etc/group" ]
# a disposable root (AutoRemove): the shim builds and holds the overlay; the
# child still joins the namespaces it is given (here a pinned network namespace)
: >"$T/netns"
unshare --net="$T/netns" true
id=$(newid)
out=$(run "$id" --disposable --net "$T/netns" --io -- sh -c 'echo data >/newfile && readlink /proc/self/ns/net && cut -d" " -f5 /proc/self/mountinfo')
check "disposable root: write goes to the upper dir" [ -f "$T/c-$id/up/newfile" ]
check "disposable root: joins the given network namespace" [ "$(sed -n 1p <<<"$out")" = "net:[$(stat -L -c %i "$T/netns")]" ] || echo "# got: $out"
check "disposable root: only the container's own mounts" [ -z "$(sed -n '2,$p' <<<"$out" | grep -vE '^/(proc|dev|sys)(/|$)' | grep -v '^/$')" ]
umount "$T/netns"
mkdir -p "$T/many"
lowers=()
for i in $(seq 1 118); do mkdir -p "$T/many/$i/layers"; : >"$T/many/$i/layers/f$i"; lowers+=(--layer "$T/many/$i"); done
id=$(newid); ids+=("$id"); mkdir -p "$T/c-$id/up" "$T/c-$id/wk"
out=$("$tool" run "$T/b-$id" --id "$id" "${lowers[@]}" --layer "$T/l2" --layer "$T/l1" --upper "$T/c-$id/up" --work "$T/c-$id/wk" --io -- sh -c 'ls /layers | wc -l')
check "120 lower layers" [ "$out" = 118 ]
out=$(run "$(newid)" --read-only --io -- sh -c 'touch /x 2>&1; echo rc=$?')
check "--read-only root" grep -q "Read-only file system" <<<"$out"
mkdir -p "$T/host"; echo hostdata >"$T/host/f"
out=$(run "$(newid)" --bind "$T/host:/data:ro" --io -- sh -c 'cat /data/f; touch /data/g 2>&1')
check "read-only bind mount" bash -c '[ "$(head -1 <<<"$1")" = hostdata ] && grep -q "Read-only" <<<"$1"' _ "$out"
printf '127.0.0.1 localhost\n10.1.2.3 ctr\n' >"$T/hosts"
out=$(run "$(newid)" --bind "$T/hosts:/etc/hosts" --bind "$T/hosts:/etc/resolv.conf" --io -- sh -c 'cat /etc/hosts /etc/resolv.conf | grep -c ctr')
check "file binds for /etc/hosts and /etc/resolv.conf" [ "$out" = 2 ]
out=$(run "$(newid)" --io -- sh -c 'mknod /blk b 8 0 && head -c1 /blk 2>&1')
check "devices cgroup refuses other devices" grep -q "Operation not permitted" <<<"$out"
out=$(run "$(newid)" --tmpfs /run/x --io -- sh -c 'grep " /run/x " /proc/self/mountinfo')
check "--tmpfs" grep -q tmpfs <<<"$out"

# --- isolation ---
# (this kernel has no /proc/kcore; /proc/timer_list is masked the same way)
out=$(run "$(newid)" --io -- sh -c 'wc -c </proc/timer_list; ls /proc/acpi | wc -l; [ -e /proc/kcore ] && wc -c </proc/kcore')
check "/proc/timer_list, /proc/kcore and /proc/acpi masked" [ "$(echo $out)" = "0 0" ]
out=$(run "$(newid)" --io -- sh -c '(touch /sys/x; echo 1 >/proc/sys/kernel/domainname) 2>&1')
check "/sys and /proc/sys read-only" [ "$(grep -c 'Read-only' <<<"$out")" = 2 ]
run "$(newid)" --io -- ip link add v0 type veth peer name v1 2>/dev/null
check "ip link add fails without CAP_NET_ADMIN" [ $? != 0 ]
run "$(newid)" --cap-add NET_ADMIN --io -- ip link add v0 type veth peer name v1
check "ip link add works with CAP_NET_ADMIN" [ $? = 0 ]
out=$(run "$(newid)" --io -- sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "')
check "Docker's default capabilities" grep -q "CapBnd: 00000000a80425fb" <<<"$out"
check "seccomp filter active" grep -q "Seccomp: 2" <<<"$out"
run "$(newid)" --io -- unshare -n true 2>/dev/null
check "seccomp/caps refuse unshare" [ $? != 0 ]
out=$(run "$(newid)" --privileged --io -- sh -c 'grep -E "^Seccomp:" /proc/self/status; ip link add v0 type veth peer name v1 && echo made')
check "--privileged" grep -q made <<<"$out"
out=$(run "$(newid)" --no-new-privs --io -- grep NoNewPrivs /proc/self/status)
check "no_new_privs" grep -q "1" <<<"$out"
out=$(run "$(newid)" --io -- sh -c 'ls /sys/class/net')
check "network namespace none: only lo" [ "$out" = lo ]

# --- users ---
out=$(run "$(newid)" --user 1000 --io -- id); check "--user 1000" [ "$out" = "uid=1000(user) gid=1000(user) groups=10(wheel),1000(user)" ] || echo "# got: $out"
out=$(run "$(newid)" --user nobody --io -- id -u); check "--user nobody" [ "$out" = 65534 ]
out=$(run "$(newid)" --user 1000:wheel --group-add 65534 --io -- id -G); check "--user uid:group and --group-add" [ "$out" = "10 65534" ] || echo "# got: $out"
out=$(run "$(newid)" --user bob --io -- id 2>&1); rc=$?
check "unknown user is refused like dockerd" grep -q "unable to find user bob: no matching entries in passwd file" <<<"$out"
out=$(run "$(newid)" --user 4242 --io -- sh -c 'id -u; id -g'); check "numeric user not in passwd" [ "$(echo $out)" = "4242 0" ]

# --- cgroup limits ---
id=$(newid)
out=$(run "$id" --memory 33554432 --wait -- tail /dev/zero | tail -1)
check "memory limit: OOM kill reported (137, oom)" [ "$out" = "exit 137 oom 1" ] || echo "# got: $out"
id=$(newid)
run "$id" --pids 10 --io -- sh -c 'for i in $(seq 30); do sleep 2 & done; wait' >/dev/null 2>"$T/pids.err"
check "pids limit stops a fork storm" grep -qiE "fork|resource" "$T/pids.err"
id=$(newid)
run "$id" --memory 67108864 --pids 50 --cpus 50 -- sleep 30 >/dev/null
check "memory limit set in the cgroup" [ "$(cat /sys/fs/cgroup/memory/berth-test/$id/memory.limit_in_bytes)" = 67108864 ]
check "cpu quota set" [ "$(cat /sys/fs/cgroup/cpu/berth-test/$id/cpu.cfs_quota_us)" = 50000 ]
out=$("$tool" stats "$T/b-$id"); check "stats" grep -q "limit 67108864 pids 1/50" <<<"$out"
out=$("$tool" top "$T/b-$id" | wc -l); check "top lists the process" [ "$out" = 1 ]
"$tool" pause "$T/b-$id"; out=$("$tool" state "$T/b-$id"); check "pause" grep -q paused <<<"$out"
"$tool" unpause "$T/b-$id"; out=$("$tool" state "$T/b-$id"); check "unpause" [ "${out% *}" = running ] || echo "# got: $out"
eid=$(newid)
out=$("$tool" exec "$T/b-$id" "$eid" --io -- sh -c 'hostname; cat /proc/self/cgroup | grep memory')
check "exec joins namespaces and cgroup" [ "$(echo $out)" = "${id:0:12} 4:memory:/" ] || echo "# got: $out"
"$tool" kill "$T/b-$id" 9; out=$("$tool" wait "$T/b-$id"); check "kill + wait" [ "$out" = "exit 137 oom 0" ]

# --- terminal and stdin ---
out=$(run "$(newid)" --tty --console 40x132 --io -- stty size </dev/null | tr -d '\r')
check "tty with initial console size" [ "$out" = "40 132" ]
id=$(newid)
run "$id" --tty --console 10x20 -- sh -c 'sleep 1; stty size' >/dev/null
"$tool" resize "$T/b-$id" 33 77; "$tool" wait "$T/b-$id" >/dev/null
check "resize reaches the tty" grep -q '"33 77' "$T/c-$id.log"
out=$(echo hi | run "$(newid)" --stdin --io -- cat); check "stdin piping" [ "$out" = hi ]
out=$(run "$(newid)" --init --io -- sh -c 'echo $$; sleep 0.1 & wait')
check "--init: process is not PID 1" [ "$out" = 2 ]
out=$(echo hi | run "$(newid)" --init --stdin --io -- cat); check "--init passes stdin EOF" [ "$out" = hi ]
id=$(newid)
run "$id" --init -- sh -c 'trap "echo got-term; exit 3" TERM; while :; do sleep 0.1; done' >/dev/null
sleep 0.5; "$tool" kill "$T/b-$id" 15
out=$("$tool" wait "$T/b-$id" 5000); check "--init forwards signals" [ "$out" = "exit 3 oom 0" ] || echo "# got: $out"

# --- log and attach ---
id=$(newid)
run "$id" --io -- sh -c 'echo out; echo err >&2; printf partial' >/dev/null 2>&1
check "json-file log format" python3 - "$T/c-$id.log" <<'PY'
import json, sys, re
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [(l["log"], l["stream"]) for l in lines] == [("out\n", "stdout"), ("err\n", "stderr"), ("partial", "stdout")], lines
assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", l["time"]) for l in lines)
assert all(list(l) == ["log", "stream", "time"] for l in lines)
PY
id=$(newid)
run "$id" -- sh -c 'sleep 1; echo ping; echo pong >&2' >/dev/null
"$tool" attach "$T/b-$id" oe >"$T/a1" 2>&1 &
a1=$!
"$tool" attach "$T/b-$id" o >"$T/a2" 2>&1 &
a2=$!
wait $a1 $a2
check "two attach clients get the output" test "$(sort "$T/a1" | tr '\n' ' ')" = "attached ping pong " -a "$(tr '\n' ' ' <"$T/a2")" = "attached ping "

# --- surviving the caller ---
id=$(newid)
run "$id" --wait -- sleep 1000 >/dev/null &
drv=$!
for i in $(seq 50); do [ -S "$T/b-$id/control.sock" ] && break; sleep 0.1; done
kill -9 $drv; wait $drv 2>/dev/null
out=$("$tool" state "$T/b-$id"); check "container survives a SIGKILLed caller" grep -q '^running' <<<"$out"
# An idle shim gives back the pages its start-up mapped (trim.c): a static shim
# keeps far less than its text mapped once idle; the kill and wait below then
# run on the pages it faults back in.
shim_text_small() { # PID: the berth-shim text mapping's Rss is under a third of its size
	awk '$2 ~ /^r-xp/ { x = ($6 ~ /berth-shim$/); next } x && /^Size:/ { s = $2 }
		x && /^Rss:/ { r = $2; x = 0 } END { exit !(s > 0 && r * 3 < s) }' /proc/"$1"/smaps
}
spid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["shim_pid"])' "$T/b-$id/shim.json")
if ! command -v readelf >/dev/null || readelf -l "$build/berth-shim" | grep -q INTERP; then
	skip "an idle shim drops its mapped text (berth-shim is linked dynamically here)"
else
	check "an idle shim drops its mapped text" wait_for 5 shim_text_small "$spid"
fi
"$tool" kill "$T/b-$id" 15; "$tool" kill "$T/b-$id" 9
out=$("$tool" wait "$T/b-$id" 5000); check "re-discovered container stopped" [ "$out" = "exit 137 oom 0" ]
id=$(newid)
run "$id" -- sh -c 'exit 7' >/dev/null
for i in $(seq 50); do [ -f "$T/b-$id/exit.json" ] && break; sleep 0.1; done
check "unwatched exit leaves exit.json" grep -q '"exit_code":7' "$T/b-$id/exit.json"
out=$("$tool" state "$T/b-$id"); check "state after unwatched exit" [ "$out" = "exited 7 oom 0" ]

# --- cleanup ---
for id in "${ids[@]}"; do "$tool" cleanup "$T/b-$id" || fail "cleanup $id"; done
check "no mounts left" absent "$T" /proc/self/mountinfo
left=$(for id in "${ids[@]}"; do ls -d /sys/fs/cgroup/*/berth-test/$id 2>/dev/null; done)
check "no cgroups left" [ -z "$left" ]
check "no shims or processes left" absent "$T" /proc/[0-9]*/cmdline
rmdir /sys/fs/cgroup/*/berth-test 2>/dev/null

finish
