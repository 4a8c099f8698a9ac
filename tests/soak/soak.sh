#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Soak (issue 13, "Load"): for SOAK_SECONDS (default 300) several clients
# at once drive one berthd: `docker run --rm`, `ps`, `logs -f`, `exec`,
# `events`, pulls and builds, and clients that hang up abruptly in the
# middle of streams (curl killed during attach, logs -f, events, a build
# and a pull). Afterwards berthd's fd and thread counts are back where they
# were after a warm-up, its RSS within SOAK_RSS_KIB (default 8192) of it,
# and no shim, mount under the roots or veth on its bridge is left.
#
#   make soak                    SOAK_SECONDS=300 (override on the command line)
#   make soak-valgrind           SOAK_SECONDS=40 under valgrind memcheck; the
#                                leak and error summary must be clean
#   tests/integration/9009-soak-short.sh   15 s in CI
#
# BERTH_SOAK_VALGRIND=1 runs berthd under valgrind (no RSS check: the
# tool's own memory dominates). Prints TAP like the integration tests.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
command -v jq >/dev/null || skip_all "jq missing"
SECONDS_TOTAL=${SOAK_SECONDS:-300}
RSS_SLACK=${SOAK_RSS_KIB:-8192}
VALGRIND=${BERTH_SOAK_VALGRIND:-0}

fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
R=$REGISTRY
if [ "$VALGRIND" = 1 ]; then
	command -v valgrind >/dev/null || skip_all "valgrind missing"
	# One log per process (%p): berthd's own, and one per helper child
	# valgrind follows (see vg_child_clean below).
	VG_DIR=$T_DIR/vg
	mkdir -p "$VG_DIR"
	cat >"$T_DIR/berthd-vg" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30 \
	--suppressions=$TOP/tests/soak/valgrind.supp --log-file=$VG_DIR/%p.log "$BERTHD" "\$@"
EOF
	chmod +x "$T_DIR/berthd-vg"
	BERTHD=$T_DIR/berthd-vg
	export BERTH_START_TIMEOUT=${BERTH_START_TIMEOUT:-120}
fi
berth_start_seeded || { fail "berthd starts"; finish; }
# the daemon goes before lib.sh's clean-up, after the containers
on_exit 'berth_stop'
on_exit 'ids=$("$DOCKER" ps -aq 2>/dev/null); [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1'

mkdir -p "$T_DIR/ctx"
printf 'FROM busybox\nRUN echo soak >/s\nCOPY f /f\n' >"$T_DIR/ctx/Dockerfile"
echo f >"$T_DIR/ctx/f"
tar -C "$T_DIR/ctx" -cf "$T_DIR/ctx.tar" .

fds() { ls "/proc/$BERTH_PID/fd" 2>/dev/null | wc -l; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$BERTH_PID/status"; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$BERTH_PID/status"; }

# Warm-up: every kind of request once, so that lazily made things (thread
# pools, caches, the registry client) exist before the baseline.
"$DOCKER" run --rm busybox true >/dev/null 2>&1
"$DOCKER" run -d --name soak-talk busybox sh -c 'while true; do echo tick; sleep 0.05; done' >/dev/null
"$DOCKER" exec soak-talk true >/dev/null 2>&1
timeout 1 "$DOCKER" logs -f soak-talk >/dev/null 2>&1
"$DOCKER" pull -q "$R/app1" >/dev/null 2>&1
"$DOCKER" build -q -t soak-b "$T_DIR/ctx" >/dev/null 2>&1
timeout 1 curl -s --unix-socket "$BERTH_SOCK" 'http://x/events' >/dev/null
"$DOCKER" ps -a >/dev/null
wait_for 10 sh -c "[ \$(awk '/^Threads:/ {print \$2}' /proc/$BERTH_PID/status) -le 8 ]"
fd0=$(fds); th0=$(threads); rss0=$(rss)
diag "baseline: $fd0 fds, $th0 threads, RSS $rss0 KiB; soaking for $SECONDS_TOTAL s"

END=$(($(date +%s) + SECONDS_TOTAL))
export END DOCKER R BERTH_SOCK T_DIR VALGRIND
# Each client loops until END and counts its failures in $T_DIR/fail.<name>.
client() {
	local name=$1 n=0 bad=0
	shift
	while [ "$(date +%s)" -lt "$END" ]; do
		"$@" >>"$T_DIR/out.$name" 2>&1 || { bad=$((bad + 1)); echo "--- failure $bad" >>"$T_DIR/out.$name"; }
		n=$((n + 1))
	done
	echo "$n $bad" >"$T_DIR/count.$name"
}
# Abrupt disconnect: a curl killed with SIGKILL after 0.1-0.6 s.
cut_curl() {
	curl -s -N --unix-socket "$BERTH_SOCK" "$@" >/dev/null 2>&1 &
	local p=$!
	sleep "0.$((RANDOM % 5 + 1))"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}
run_rm() { [ "$("$DOCKER" run --rm busybox echo soak)" = soak ]; }
ps_both() { "$DOCKER" ps -a >/dev/null && curl -sf --unix-socket "$BERTH_SOCK" 'http://x/containers/json?all=1' >/dev/null; }
logs_f() { timeout -s KILL "0.$((RANDOM % 8 + 2))" "$DOCKER" logs -f --tail 5 soak-talk >/dev/null; [ $? -eq 137 ]; }
exec_one() { [ "$("$DOCKER" exec soak-talk echo x)" = x ]; }
events() { timeout -s KILL 1 "$DOCKER" events >/dev/null; [ $? -eq 137 ]; }
pull_rmi() { "$DOCKER" pull -q "$R/app2" >/dev/null && "$DOCKER" rmi "$R/app2" >/dev/null; }
# (a second pull client takes another image: two rmi of one image race, and
# one gets a 404; not app1, whose opaque whiteout needs openat2, see below)
pull_rmi1() { "$DOCKER" pull -q "$R/busybox" >/dev/null && "$DOCKER" rmi "$R/busybox" >/dev/null; }
build() { "$DOCKER" build -q --no-cache -t soak-b "$T_DIR/ctx" >/dev/null; }
cutters() {
	case $((RANDOM % 5)) in
	0) cut_curl -X POST 'http://x/containers/soak-talk/attach?stream=1&stdout=1&stderr=1' -H 'Upgrade: tcp' -H 'Connection: Upgrade' ;;
	1) cut_curl 'http://x/containers/soak-talk/logs?follow=1&stdout=1' ;;
	2) cut_curl 'http://x/events' ;;
	3) [ "$VALGRIND" = 1 ] ||
		cut_curl -X POST 'http://x/build?t=soak-cut&nocache=1' -H 'Content-Type: application/x-tar' --data-binary "@$T_DIR/ctx.tar" ;;
	4) cut_curl -X POST "http://x/images/create?fromImage=$R/app1&tag=latest" ;;
	esac
}
export -f client cut_curl run_rm ps_both logs_f exec_one events pull_rmi pull_rmi1 build cutters
clients=(run_rm run_rm ps_both logs_f exec_one events pull_rmi build cutters cutters)
if [ "$VALGRIND" = 1 ]; then
	# valgrind 3.19 (Debian 12) does not know openat2, which the builder
	# uses to open the Dockerfile beneath the context: builds fail with
	# "Cannot locate specified Dockerfile" under memcheck only.
	clients=(run_rm run_rm ps_both logs_f exec_one events pull_rmi pull_rmi1 cutters cutters)
	diag "under valgrind: no build client (valgrind cannot run openat2)"
fi
pids=()
for c in "${clients[@]}"; do
	n=${#pids[@]}
	bash -c "client $c-$n $c" &
	pids+=($!)
done
on_exit "kill ${pids[*]} 2>/dev/null"
samples=""
while [ "$(date +%s)" -lt "$END" ]; do
	sleep 5
	samples+="$(fds)/$(threads)/$(rss) "
done
wait "${pids[@]}"
diag "fds/threads/RSS(KiB) every 5 s: $samples"
for f in "$T_DIR"/count.*; do
	name=${f#"$T_DIR/count."}
	read -r n bad <"$f"
	if [ "$bad" -eq 0 ] && [ "$n" -gt 0 ]; then ok "$name: $n rounds, none failed"; else
		fail "$name: $bad of $n rounds failed"
		diag "$(grep -B6 -A3 -e '--- failure' "$T_DIR/out.$name" | head -30)"
	fi
done
check "berthd still answers" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping

# Back to the baseline once the last streams are torn down.
"$DOCKER" rm -f soak-talk >/dev/null
ids=$("$DOCKER" ps -aq)
# shellcheck disable=SC2086
[ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null
settled() { [ "$(fds)" -le "$fd0" ] && [ "$(threads)" -le "$th0" ]; }
wait_for 20 settled
# (at most: the baseline may hold a connection the CLI kept open)
if [ "$(fds)" -le "$fd0" ]; then ok "fd count back to the baseline ($(fds) <= $fd0)"; else
	fail "fd count back to the baseline"; diag "$(fds) fds, baseline $fd0:" "$(ls -l "/proc/$BERTH_PID/fd")"
fi
if [ "$(threads)" -le "$th0" ]; then ok "thread count back to the baseline ($(threads) <= $th0)"; else
	fail "thread count back to the baseline"; diag "$(threads) threads, baseline $th0"
fi
if [ "$VALGRIND" = 1 ]; then
	skip "RSS under valgrind is the tool's"
else
	grow=$(($(rss) - rss0))
	if [ "$grow" -le "$RSS_SLACK" ]; then ok "RSS within $RSS_SLACK KiB of the baseline (grew $grow KiB)"; else
		fail "RSS within $RSS_SLACK KiB of the baseline"; diag "grew $grow KiB: $rss0 -> $(rss)"
	fi
fi
expect_eq "no container left" "$("$DOCKER" ps -aq | wc -l)" 0
check "no shim left" wait_for 10 sh -c "! pgrep -f '[b]erth-shim $BERTH_ROOT/' >/dev/null"
expect_eq "no mount left under the roots" "$(grep -c " $BERTH_ROOT/" /proc/self/mountinfo)" 0
expect_eq "no veth left on the bridge" "$(ip -o link show master "$BERTH_BRIDGE" 2>/dev/null | wc -l)" 0

if [ "$VALGRIND" = 1 ]; then
	# memcheck's leak search at exit takes its time
	stop_pid "$BERTH_PID" 300
	VG_LOG=$VG_DIR/$BERTH_PID.log # (the wrapper execs valgrind: same PID)
	keep=${SOAK_VALGRIND_KEEP:-/tmp/valgrind-soak}
	if grep -q "ERROR SUMMARY: 0 errors" "$VG_LOG"; then ok "valgrind: no error, no definite or indirect leak"; else
		fail "valgrind: no error, no definite or indirect leak"
		diag "$(grep -E 'ERROR SUMMARY|definitely|indirectly|possibly' "$VG_LOG" | tail -6)"
		rm -rf "$keep" && cp -r "$VG_DIR" "$keep" && diag "full reports kept in $keep/"
	fi
	diag "$(grep -E 'definitely|indirectly|possibly|still reachable|ERROR SUMMARY' "$VG_LOG" | sed 's/^==[0-9]*== *//')"
	# The namespace helpers (engine/util/nsjob.c) are clone(CLONE_VM |
	# CLONE_VFORK) children sharing berthd's memory until they exit;
	# valgrind cannot share memory with a child and runs them as fork()ed
	# copies, then checks that copy for leaks when it exits. There, every
	# block only another thread's stack pointed to (that thread is not in
	# the copy: the DNS server's receive buffer, a request in flight) is
	# "definitely lost" though berthd still holds it. So a child's log must
	# have no error but those leak records: its syscalls (mount, sendmsg)
	# are still checked, its leak summary is not.
	nchild=0 badchild=""
	for f in "$VG_DIR"/*.log; do
		[ "$f" != "$VG_LOG" ] || continue
		nchild=$((nchild + 1))
		errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f")
		leaks=$(grep -cE 'are (definitely|indirectly) lost in loss record' "$f")
		[ "${errs:-0}" = "$leaks" ] || badchild="$badchild $f"
	done
	if [ -z "$badchild" ]; then ok "valgrind: no error in the $nchild helper children"; else
		fail "valgrind: no error in the $nchild helper children"
		for f in $badchild; do diag "$(grep -vE '^==[0-9]+== +(by|at) ' "$f" | head -12)"; done
		rm -rf "$keep" && cp -r "$VG_DIR" "$keep" && diag "full reports kept in $keep/"
	fi
fi
finish
