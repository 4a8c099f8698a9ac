#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# 4003-dns: the embedded DNS server (engine/network/dns*.c) inside a network
# namespace this test makes, through tests/tools/berth-dnstool (a fixed name
# table instead of the network module) and a fake upstream on a random
# 127.0.0.1 port (tests/helpers/dnsq.py, also the client). Checks A, AAAA,
# PTR, round-robin, NXDOMAIN for unknown names in the container's domain,
# forwarding (with the TCP retry of a truncated answer), the container's own
# --dns servers, SERVFAIL without upstream, detach/attach (also again while
# attached, and under a flood), and hostile
# queries (truncated, compression loops, 64 KiB, garbage, many questions).
# Removes the namespace and stops what it started (by PID), also on failure.
. "$(dirname "$0")/../helpers/lib.sh"

TOOL=$BUILD/tests/tools/berth-dnstool
DNSQ="python3 $TOP/tests/helpers/dnsq.py"
if [ "$(id -u)" != 0 ]; then skip "needs root"; finish; fi
for t in python3 ip nsenter; do
	command -v "$t" >/dev/null || { skip "needs $t"; finish; }
done
[ -x "$TOOL" ] || { skip "berth-dnstool not built"; finish; }

NS=btdns$(printf %04x $RANDOM)
NSP=/run/netns/$NS
ip netns add "$NS" || { fail "ip netns add $NS"; finish; }
on_exit ip netns del "$NS"
ip -n "$NS" link set lo up

free_port() {
	local p
	while :; do
		p=$((RANDOM % 10000 + 30000))
		ss -Htanu | awk '{print $5}' | grep -q ":$p\$" || { echo "$p"; return; }
	done
}
UPORT=$(free_port)
$DNSQ upstream "$UPORT" >"$T_DIR/upstream.out" 2>&1 &
T_PIDS+=($!)
wait_for 30 grep -q ready "$T_DIR/upstream.out" || fail "fake upstream started"

q() { nsenter --net="$NSP" $DNSQ query 127.0.0.11 "$@" 2>&1; }
hostile() { nsenter --net="$NSP" $DNSQ hostile 127.0.0.11 "$1" 2>&1; }

start_tool() { # OUT ARGS...
	local out=$1
	shift
	"$TOOL" -n "$NSP" "$@" >"$out" 2>&1 &
	TOOL_PID=$!
	T_PIDS+=($TOOL_PID)
	wait_for 30 grep -q ready "$out"
}

if start_tool "$T_DIR/tool.out" -D corp.example -u 127.0.0.1 -p "$UPORT" \
	-a web=10.9.0.2 -a web=10.9.0.3 -a web=10.9.0.4 -a db=10.9.0.5 -a db=fd00::5; then
	ok "server attaches inside the namespace"
else
	fail "server attaches inside the namespace"; diag "$(cat "$T_DIR/tool.out")"; finish
fi
expect_match "nothing listens on 127.0.0.11 on the host" "$(ss -Hlnu 'sport = :53' | grep -c 127.0.0.11)" '^0$'

out=$(q db A)
expect_match "A for a name" "$out" $'rcode 0\n10.9.0.5$'
out=$(q DB.corp.example A)
expect_match "A for name.domain, case-insensitive" "$out" $'rcode 0\n10.9.0.5$'
out=$(q db AAAA)
expect_match "AAAA" "$out" $'rcode 0\nfd00::5$'
out=$(q 5.0.9.10.in-addr.arpa PTR)
expect_match "PTR" "$out" $'rcode 0\ndb$'
out=$(q db A tcp)
expect_match "A over TCP" "$out" $'rcode 0\n10.9.0.5$'

firsts=""
for i in 1 2 3; do firsts+="$(q web A | sed -n 2p) "; done
expect_eq "three addresses for one alias" "$(q web A | tail -n +2 | sort | tr '\n' ' ')" \
	"10.9.0.2 10.9.0.3 10.9.0.4 "
expect_eq "round-robin: each answer starts with another address" \
	"$(echo "$firsts" | tr ' ' '\n' | sed '/^$/d' | sort -u | wc -l)" 3

expect_match "unknown single label: NXDOMAIN" "$(q nosuch A)" '^rcode 3$'
expect_match "unknown name in the container's domain: NXDOMAIN" "$(q nosuch.corp.example A)" '^rcode 3$'
expect_match "other names are forwarded" "$(q example.test A)" $'rcode 0\n192.0.2.7$'
expect_match "upstream NXDOMAIN comes back" "$(q nosuch.test A)" '^rcode 3$'
expect_match "a truncated upstream answer is asked again over TCP" "$(q big.test A)" $'rcode 0\n192.0.2.8$'

# Hostile queries: FORMERR or dropped, and the server keeps answering.
expect_match "hostile: truncated question" "$(hostile truncated)" '^rcode 1$'
expect_match "hostile: compression pointer to itself" "$(hostile loop)" '^rcode 1$'
expect_match "hostile: compression loop through a label" "$(hostile loop2)" '^rcode 1$'
expect_match "hostile: 64 KiB query over TCP" "$(hostile big-tcp)" '^rcode 1$'
expect_match "hostile: 64 KiB datagram" "$(hostile big-udp)" '^rcode 1$'
expect_match "hostile: 500 questions" "$(hostile many)" '^rcode 1$'
expect_match "hostile: garbage" "$(hostile garbage)" '^(rcode [0-9]+|noreply)$'
expect_match "hostile: 3-byte datagram dropped" "$(hostile short)" '^noreply$'
check "tool still running after hostile input" kill -0 "$TOOL_PID"
expect_match "still answers after hostile input" "$(q db A)" $'rcode 0\n10.9.0.5$'

# Attaching again while attached (the container service syncs after every
# network change) keeps the bound sockets: still answering.
kill -USR2 "$TOOL_PID"
check "attached again in the same namespace" wait_for 15 sh -c "[ \$(grep -c ready '$T_DIR/tool.out') -ge 2 ]"
expect_match "and it still answers" "$(q db A)" $'rcode 0\n10.9.0.5$'
check_fails "no attach error" grep -q 'dns:' "$T_DIR/tool.out"

# Detaching and attaching while a client floods the server (ASan builds
# check that a query in flight survives its socket's detach).
nsenter --net="$NSP" $DNSQ flood 127.0.0.11 3 >"$T_DIR/flood.out" 2>&1 &
FLOOD=$!
T_PIDS+=($FLOOD)
for i in 1 2 3 4 5 6 7 8 9 10; do
	kill -USR1 "$TOOL_PID"; kill -USR2 "$TOOL_PID"
done
wait "$FLOOD"
check "the server survived detaches under a flood" kill -0 "$TOOL_PID"
check "and answers after them" wait_for 15 sh -c "nsenter --net=$NSP $DNSQ query 127.0.0.11 db A | grep -q 10.9.0.5"
check_fails "no attach error during them" grep -q 'dns:' "$T_DIR/tool.out"

# Detach stops answering at once; attach brings it back.
kill -USR1 "$TOOL_PID"
wait_for 5 grep -q detached "$T_DIR/tool.out"
check "detached: nothing answers" wait_for 5 sh -c "nsenter --net=$NSP $DNSQ query 127.0.0.11 db A | grep -q noreply"
kill -USR2 "$TOOL_PID"
check "attached again: answers" wait_for 5 sh -c "nsenter --net=$NSP $DNSQ query 127.0.0.11 db A | grep -q 10.9.0.5"
stop_pid "$TOOL_PID"

# The container's own --dns servers replace the daemon's; none answering
# is SERVFAIL.
start_tool "$T_DIR/tool2.out" -u 192.0.2.1 -c 127.0.0.1 -p "$UPORT" -a db=10.9.0.5
expect_match "attach with a container upstream" "$(cat "$T_DIR/tool2.out")" '^ready$'
expect_match "forwarded to the container's --dns server" "$(q example.test A)" $'rcode 0\n192.0.2.7$'
stop_pid "$TOOL_PID"
start_tool "$T_DIR/tool3.out" -u 127.0.0.1 -p "$(free_port)" -a db=10.9.0.5
expect_match "attach with a silent upstream" "$(cat "$T_DIR/tool3.out")" '^ready$'
expect_match "no upstream answers: SERVFAIL" "$(q example.test A)" '^rcode 2$'
expect_match "local names still answer" "$(q db A)" $'rcode 0\n10.9.0.5$'
stop_pid "$TOOL_PID"

finish
