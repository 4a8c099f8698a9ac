#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# 4007-dns-containers: the embedded DNS server attached to real containers,
# through both docker CLIs. Containers on a user network get
# "nameserver 127.0.0.11" + "options ndots:0" and resolve each other (busybox
# nslookup, ping) by name and short ID, NXDOMAIN for unknown names, PTR;
# other names are forwarded to the daemon's --dns (a fake upstream this test
# runs on a 127.x address of the host: nothing leaves the machine), or to the
# container's own --dns; resolution follows docker restart, docker rename
# and a kill -9 of berthd (recovery); a container on the default bridge
# keeps the host-derived resolv.conf; a container flooding 127.0.0.11 stalls
# neither the API nor the other containers' lookups. (--network-alias and
# round-robin over an alias come with network connect; 4003 checks the
# server's round-robin.)
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v python3 >/dev/null || skip_all "needs python3"
DNSQ="python3 $TOP/tests/helpers/dnsq.py"

# Two fake upstreams on loopback addresses of the host, port 53: the
# daemon's (example.test = 192.0.2.7) and one container's (= 192.0.2.99).
h=$(rand_hex)
UP1=127.$((0x${h:0:2} % 200 + 20)).$((0x${h:2:2})).53
UP2=${UP1%.53}.54
SILENT=${UP1%.53}.55
for u in "$UP1 192.0.2.7" "$UP2 192.0.2.99"; do
	set -- $u
	$DNSQ upstream 53 "$1" "$2" >"$T_DIR/up-$1.out" 2>&1 &
	T_PIDS+=($!)
	wait_for 30 grep -q ready "$T_DIR/up-$1.out" || { fail "fake upstream on $1:53"; diag "$(cat "$T_DIR/up-$1.out")"; finish; }
done

berth_start_seeded -- --dns "$UP1" || { fail "berthd starts with busybox seeded"; finish; }
A=$((0x${h:0:2} % 200 + 20)); B=$((0x${h:2:2} % 250 + 1))
SUB=10.$A.$B.0/26
MADE=()
on_exit '"$DOCKER" rm -f $("$DOCKER" ps -aq) >/dev/null 2>&1'
on_exit 'for n in "${MADE[@]}"; do "$DOCKER" network rm "$n" >/dev/null 2>&1; done'

ip_of() { "$DOCKER" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
# look CLI CONTAINER NAME: the address busybox nslookup gets through 127.0.0.11
look() { "$1" exec "$2" nslookup "$3" 2>&1 | awk '/^Name:/ {n=1} n && /^Address/ {print $NF; exit}'; }

NET=dnsn$h
id=$("$DOCKER" network create --subnet "$SUB" "$NET" 2>&1)
expect_match "a user network is created" "$id" '^[0-9a-f]{64}$'
MADE+=("$id")

for cli in "$DOCKER" $DOCKER_OLD; do
	if [ "$cli" = /usr/bin/docker ]; then v=20.10; else v=28; fi
	a=a$v; b=b$v
	"$cli" run -d --name "$a" --network "$NET" busybox sleep 600 >/dev/null 2>&1
	bid=$("$cli" run -d --name "$b" --network "$NET" --domainname corp.example busybox sleep 600)
	rc=$("$cli" exec "$a" cat /etc/resolv.conf)
	expect_match "[$v] resolv.conf names the embedded server" "$rc" '^nameserver 127\.0\.0\.11$'
	expect_match "[$v] with options ndots:0" "$rc" '(^|\n)options ndots:0$'
	expect_no_match "[$v] and no other nameserver" "$rc" "nameserver ($UP1|10\\.)"
	check "[$v] something listens on 127.0.0.11:53 inside" sh -c "nsenter --net=/proc/\$($cli inspect -f '{{.State.Pid}}' $a)/ns/net ss -Hlnu | grep -q '127.0.0.11:53'"
	check_fails "[$v] but not on the host" sh -c "ss -Hlnu | grep -q '127.0.0.11:53'"

	ipb=$(ip_of "$b")
	expect_eq "[$v] the first lookup after start already works (by name)" "$(look "$cli" "$a" "$b")" "$ipb"
	expect_eq "[$v] by short ID" "$(look "$cli" "$a" "${bid:0:12}")" "$ipb"
	expect_eq "[$v] case-insensitively" "$(look "$cli" "$a" "$(echo "$b" | tr a-z A-Z)")" "$ipb"
	expect_eq "[$v] the other way" "$(look "$cli" "$b" "$a")" "$(ip_of "$a")"
	out=$("$cli" run --rm --network "$NET" busybox nslookup "$a" 2>&1)
	expect_match "[$v] a container's own first lookup (docker run --rm) is answered" "$out" "Address: $(ip_of "$a")"
	out=$("$cli" exec "$a" ping -c1 -W2 "$b" 2>&1)
	expect_match "[$v] ping by name resolves through resolv.conf" "$out" "PING $b \\($ipb\\)"
	out=$("$cli" exec "$a" nslookup nosuch$h 2>&1)
	expect_match "[$v] an unknown name is NXDOMAIN" "$out" "NXDOMAIN"
	out=$("$cli" exec "$b" nslookup nosuch.corp.example 2>&1)
	expect_match "[$v] an unknown name in the container's domain is NXDOMAIN" "$out" "NXDOMAIN"
	out=$("$cli" exec "$a" nslookup "$ipb" 2>&1)
	expect_match "[$v] PTR gives <name>.<network>" "$out" "name = $b\\.$NET"
	expect_eq "[$v] an outside name is forwarded to the daemon's --dns" "$(look "$cli" "$a" example.test)" 192.0.2.7
	"$cli" run -d --name "c$v" --network "$NET" --dns "$UP2" --dns-search s.example busybox sleep 600 >/dev/null 2>&1
	rc=$("$cli" exec "c$v" cat /etc/resolv.conf)
	expect_eq "[$v] --dns stays out of resolv.conf, --dns-search goes in" \
		"$(printf '%s\n' "$rc" | grep -v '^#' | tr '\n' '|')" "nameserver 127.0.0.11|search s.example|options ndots:0|"
	expect_eq "[$v] the container's --dns is its upstream" "$(look "$cli" "c$v" example.test)" 192.0.2.99
	# (busybox nslookup appends the search domain to single labels, so ping)
	out=$("$cli" exec "c$v" ping -c1 -W2 "$a" 2>&1)
	expect_match "[$v] and it still resolves its peers" "$out" "PING $a \\($(ip_of "$a")\\)"

	check "[$v] docker restart" "$cli" restart -t 1 "$b"
	expect_eq "[$v] resolution follows a restart at once" "$(look "$cli" "$a" "$b")" "$(ip_of "$b")"
	expect_eq "[$v] and the restarted container resolves too" "$(look "$cli" "$b" "$a")" "$(ip_of "$a")"
	check "[$v] docker rename" "$cli" rename "$b" "r$b"
	expect_eq "[$v] the new name resolves at once" "$(look "$cli" "$a" "r$b")" "$(ip_of "r$b")"
	out=$("$cli" exec "$a" nslookup "$b" 2>&1)
	expect_match "[$v] the old name no longer does" "$out" "NXDOMAIN"
	check "[$v] docker stop" "$cli" stop -t 1 "r$b"
	out=$("$cli" exec "$a" nslookup "r$b" 2>&1)
	expect_match "[$v] a stopped container no longer resolves" "$out" "NXDOMAIN"
	check "[$v] start again" "$cli" start "r$b"
	expect_eq "[$v] and resolves after start" "$(look "$cli" "$a" "r$b")" "$(ip_of "r$b")"
	"$cli" kill "r$b" >/dev/null
	out=$("$cli" exec "$a" nslookup "r$b" 2>&1)
	expect_match "[$v] a killed container no longer resolves" "$out" "NXDOMAIN"

	rc=$("$cli" run --rm busybox cat /etc/resolv.conf 2>&1)
	expect_eq "[$v] the default bridge keeps the host-derived resolv.conf" \
		"$(printf '%s\n' "$rc" | grep '^nameserver' | tr '\n' '|')" "nameserver $UP1|"
	out=$("$cli" run --rm busybox nslookup "$a" 2>&1)
	expect_no_match "[$v] and names of a user network do not resolve there" "$out" "Address: 10\\.$A\\.$B\\."
	"$cli" rm -f "r$b" "c$v" >/dev/null
done

# Recovery: after a kill -9 of berthd, the restarted daemon attaches the
# server again to the containers that kept running.
"$DOCKER" run -d --name rb --network "$NET" busybox sleep 600 >/dev/null 2>&1
ip_rb=$(ip_of rb)
kill -9 "$BERTH_PID"; wait "$BERTH_PID" 2>/dev/null
berth_restart --dns "$UP1" || { fail "berthd restarts"; finish; }
expect_eq "after a berthd kill -9 and restart, names resolve again" "$(look "$DOCKER" a28 rb)" "$ip_rb"
expect_eq "and outside names are forwarded" "$(look "$DOCKER" rb example.test)" 192.0.2.7

# A container flooding 127.0.0.11 (unknown names, outside names forwarded
# to an upstream that never answers: the worker cap) stalls neither the API
# nor another container's lookups.
"$DOCKER" run -d --name flood --network "$NET" --dns "$SILENT" busybox sleep 600 >/dev/null 2>&1
fpid=$("$DOCKER" inspect -f '{{.State.Pid}}' flood)
nsenter --net="/proc/$fpid/ns/net" $DNSQ flood 127.0.0.11 8 >"$T_DIR/flood.out" 2>&1 &
FLOOD=$!
T_PIDS+=($FLOOD)
wait_for 5 kill -0 $FLOOD
ok_api=0 ok_dns=0
for i in 1 2 3 4 5; do
	timeout 5 "$DOCKER" ps -q >/dev/null && ok_api=$((ok_api + 1))
	[ "$(look "$DOCKER" a28 rb)" = "$ip_rb" ] && ok_dns=$((ok_dns + 1))
done
expect_eq "during the flood the API answers" "$ok_api" 5
expect_match "during the flood another container's lookups are answered" "$ok_dns" '^[45]$'
wait "$FLOOD"
expect_match "the flood ran" "$(cat "$T_DIR/flood.out")" '^sent [0-9]{3,}'
check "berthd survived it" kill -0 "$BERTH_PID"
expect_eq "and still answers the flooder" "$(look "$DOCKER" flood rb)" "$ip_rb"

"$DOCKER" rm -f $("$DOCKER" ps -aq) >/dev/null
check "the network is removed" "$DOCKER" network rm "$NET"
left=""
ip link show "br-${id:0:12}" >/dev/null 2>&1 && left+=" br-${id:0:12}"
nft list table ip "berth_br_${id:0:12}" >/dev/null 2>&1 && left+=" nft"
expect_eq "no bridge or nft table left behind" "$left" ""
finish
