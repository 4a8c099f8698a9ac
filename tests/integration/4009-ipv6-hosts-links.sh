#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# IPv6 on user networks, /etc/hosts and resolv.conf across connect and
# disconnect, and links on user networks (EndpointsConfig.Links), through
# the docker CLI (28 and Debian's 20.10): `network create --ipv6` with an
# IPv6 subnet, gateway and ip-range (inspect, schemas), containers with an
# IPv6 address (--ip6 and from the IPAM), the v6 default route and link-local
# address inside, ping -6 between two containers, AAAA and ip6.arpa PTR
# answers of the embedded DNS, dockerd's errors for hostile subnets;
# /etc/hosts with a line per address, rewritten in place on connect and
# disconnect, resolv.conf switching to 127.0.0.11 and back; `--link c:alias`
# on a user network resolving for the linking container only; a legacy
# link's /etc/hosts line following its target's new address after a
# restart; and nothing (bridge, ip6 table, route) left behind.
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; finish; }
[ -e /proc/sys/net/ipv6 ] || skip_all "no IPv6 in this kernel"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }

h=$(rand_hex)
A=$((0x${h:0:2} % 200 + 20)); B=$((0x${h:2:2} % 250 + 1))
S4=10.$A.$B.0/25
# hextets as Go and berth print them: no leading zeros (0161 is shown 161)
P6=fd${h:0:2}:$(printf %x $((0x$h))):$A
S6=$P6::/64
MADE=()
on_exit '"$DOCKER" rm -f $("$DOCKER" ps -aq) >/dev/null 2>&1'
on_exit 'for n in "${MADE[@]}"; do "$DOCKER" network rm "$n" >/dev/null 2>&1; done'
fld() { "$DOCKER" inspect -f "{{(index .NetworkSettings.Networks \"$2\").$3}}" "$1"; }

T0=$(date +%s)
# --- network create: IPv6, and the hostile subnets -----------------------------
k=0
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$("$cli" version -f '{{.Client.Version}}' 2>/dev/null | cut -d. -f1); k=$((k + 1))
	out=$("$cli" network create --ipv6 --subnet "10.$A.$B.$((128 + k * 32))/28" "x6$k" 2>&1)
	expect_match "[$v] --ipv6 without an IPv6 subnet: dockerd's error" "$out" \
		'could not find an available, non-overlapping IPv6 address pool among the defaults'
	out=$("$cli" network create --ipv6 --subnet "$P6::1/64" "x6$k" 2>&1)
	expect_match "[$v] not a network address" "$out" "invalid subnet $P6::1/64: it should be $P6::/64"
done
out=$("$DOCKER" network create --subnet "$P6:1::/80" x6 2>&1)
expect_match "an IPv6 subnet without --ipv6 is refused, not ignored" "$out" 'needs IPv6 enabled'
out=$("$DOCKER" network create --ipv6 --subnet ::/0 x6 2>&1)
expect_match "::/0 is refused" "$out" 'prefix length must be between 8 and 126'
out=$("$DOCKER" network create --ipv6 --subnet "$P6::1/128" x6 2>&1)
expect_match "a /128 is refused" "$out" 'prefix length must be between 8 and 126'
out=$("$DOCKER" network create --ipv6 --subnet "fd00:zz::/64" x6 2>&1)
expect_match "not an address" "$out" 'invalid CIDR address'
id6=$("$DOCKER" network create --ipv6 --subnet "$S4" --subnet "$S6" --ip-range "$P6::100/120" n6)
MADE+=("$id6")
out=$("$DOCKER" network create --ipv6 --subnet "10.$A.$B.192/27" --subnet "$P6:0:1::/96" ov 2>&1)
expect_match "an overlapping IPv6 subnet is refused" "$out" 'Pool overlaps with other one'
out=$("$DOCKER" network inspect -f '{{.EnableIPv6}} {{range .IPAM.Config}}{{.Subnet}},{{.Gateway}},{{.IPRange}} {{end}}' n6)
expect_eq "inspect: EnableIPv6 and both IPAM entries" "$out" \
	"true $S4,10.$A.$B.1, $S6,$P6::1,$P6::100/120 "
expect_match "the bridge has the IPv6 gateway" "$(ip -6 -o addr show dev "br-${id6:0:12}")" " $P6::1/64 "
out=$(nft list table ip6 "berth_br_${id6:0:12}" 2>&1)
expect_match "isolation on IPv6: nothing is routed into the bridge" "$out" "oifname \"br-${id6:0:12}\" iifname != \"br-${id6:0:12}\" drop"
idi=$("$DOCKER" network create --internal --ipv6 --subnet "10.$A.$B.224/28" --subnet "$P6:2::/64" n6i)
MADE+=("$idi")
out=$(nft list table ip6 "berth_br_${idi:0:12}" 2>&1)
expect_match "--internal on IPv6: nothing leaves the bridge" "$out" "iifname \"br-${idi:0:12}\" oifname != \"br-${idi:0:12}\" drop"
check "the internal IPv6 network is removed" "$DOCKER" network rm n6i

# --- containers with IPv6 addresses --------------------------------------------
k=0
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$("$cli" version -f '{{.Client.Version}}' 2>/dev/null | cut -d. -f1); k=$((k + 1))
	"$cli" run -d --name "a$k" --network n6 --ip6 "$P6::7$k" busybox sleep 600 >/dev/null
	"$cli" run -d --name "b$k" --network n6 --network-alias "bb$k" busybox sleep 600 >/dev/null
	B6=$(fld "b$k" n6 GlobalIPv6Address)
	expect_eq "[$v] --ip6 is GlobalIPv6Address, shown in IPAMConfig" \
		"$("$cli" inspect -f '{{with index .NetworkSettings.Networks "n6"}}{{.GlobalIPv6Address}} {{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}} {{.IPAMConfig.IPv6Address}}{{end}}' "a$k")" \
		"$P6::7$k 64 $P6::1 $P6::7$k"
	expect_match "[$v] an automatic address comes from the ip-range" "$B6" "^$P6::1[0-9a-f][0-9a-f]$"
	check "[$v] ping -6 to b by name (AAAA)" "$cli" exec "a$k" ping -6 -c1 -W3 "b$k"
	out=$("$cli" exec "a$k" nslookup -type=AAAA "bb$k" 127.0.0.11 2>&1)
	expect_match "[$v] AAAA of an alias" "$out" "Address: $B6"
done
out=$("$DOCKER" exec a1 ip -6 -o addr show eth0)
expect_match "eth0 has the address" "$out" " $P6::71/64 "
expect_match "and a link-local one" "$out" ' fe80::'
expect_match "the IPv6 default route goes through the gateway" \
	"$("$DOCKER" exec a1 ip -6 route show default)" "default via $P6::1 dev eth0"
check "ping -6 from a to b's address" "$DOCKER" exec a1 ping -6 -c1 -W3 "$B6"
out=$("$DOCKER" exec a1 nslookup "$B6" 127.0.0.11 2>&1)
expect_match "PTR of the IPv6 address (ip6.arpa)" "$out" "b$k.n6"
out=$("$DOCKER" exec a1 sh -c 'grep -c "	$(hostname)$" /etc/hosts')
expect_eq "/etc/hosts: one line per address (IPv4 and IPv6)" "$out" 2
A6=$(fld a1 n6 GlobalIPv6Address)
b=$(api GET '/v1.44/containers/json?filters=%7B%22name%22%3A%5B%22a1%22%5D%7D')
expect_match "the containers list shows the IPv6 address" "$b" "\"GlobalIPv6Address\":\"$A6\""
b=$(api GET /v1.44/networks/n6)
expect_match "network inspect lists the members' IPv6 addresses" "$b" "\"IPv6Address\":\"$A6/64\""
validate "GET /networks/{id} of an IPv6 network with members" get '/networks/{id}' 200 "${b%$'\n'*}"
out=$("$DOCKER" run --rm --network n6 --ip6 "$P6::71" busybox true 2>&1)
expect_match "a taken --ip6: dockerd's error" "$out" 'Address already in use'
out=$("$DOCKER" run --rm --network bridge --ip6 "$P6::99" busybox true 2>&1)
expect_match "--ip6 on the default bridge: dockerd's error" "$out" 'user specified IP address is supported on user defined networks only'

# --- /etc/hosts and resolv.conf across connect/disconnect ----------------------
k=0
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$("$cli" version -f '{{.Client.Version}}' 2>/dev/null | cut -d. -f1); k=$((k + 1))
	"$cli" run -d --name "c$k" --hostname "hc$k" busybox sleep 600 >/dev/null
	before=$("$cli" exec "c$k" sh -c 'stat -c %i /etc/hosts; grep -c "nameserver 127.0.0.11" /etc/resolv.conf')
	"$cli" network connect --ip6 "$P6::8$k" n6 "c$k"
	C=$("$cli" inspect -f '{{with index .NetworkSettings.Networks "n6"}}{{.IPAddress}} {{.GlobalIPv6Address}}{{end}}' "c$k")
	C4=${C% *}; C6=${C#* }
	expect_eq "[$v] network connect --ip6 on a running container" "$C6" "$P6::8$k"
	out=$("$cli" exec "c$k" cat /etc/hosts)
	expect_match "[$v] connect adds the new IPv4 address to /etc/hosts" "$out" "$C4	hc$k"
	expect_match "[$v] and the IPv6 one" "$out" "$C6	hc$k"
	expect_eq "[$v] in place (same inode); resolv.conf switches to the embedded server" \
		"$("$cli" exec "c$k" sh -c 'stat -c %i /etc/hosts; grep -c "nameserver 127.0.0.11" /etc/resolv.conf')" \
		"${before%$'\n'*}"$'\n'1
	expect_eq "[$v] (before: the host's resolvers)" "${before#*$'\n'}" 0
	[ "$k" = 1 ] && check "[$v] the embedded server answers: a1 resolves" "$cli" exec "c$k" nslookup a1
	"$cli" network disconnect n6 "c$k"
	out=$("$cli" exec "c$k" cat /etc/hosts /etc/resolv.conf)
	expect_no_match "[$v] disconnect removes the lines" "$out" "$C4|$C6"
	expect_match "[$v] and keeps the default bridge's" "$out" "	hc$k"
	expect_no_match "[$v] resolv.conf back to the host's resolvers" "$out" 'nameserver 127.0.0.11'
done

# --- links on a user network (EndpointsConfig.Links) ---------------------------
k=0
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$("$cli" version -f '{{.Client.Version}}' 2>/dev/null | cut -d. -f1); k=$((k + 1))
	out=$("$cli" run --rm --network n6 --link "a1:lnk$k" busybox nslookup "lnk$k" 2>&1)
	expect_match "[$v] run --network --link: the alias resolves to the target" "$out" "Address: $A6|Address: 10\.$A\.$B\."
	# c$k (on the default bridge again) joins with a link
	"$cli" network connect --link "a1:via$k" n6 "c$k"
	out=$("$cli" exec "c$k" nslookup "via$k" 127.0.0.11 2>&1)
	expect_match "[$v] network connect --link: the alias resolves" "$out" "Address: $(fld a1 n6 IPAddress)"
	expect_eq "[$v] inspect shows the link" "$(fld "c$k" n6 Links)" "[a1:via$k]"
done
out=$("$DOCKER" exec b1 nslookup via1 127.0.0.11 2>&1)
expect_match "a link alias is for the linking container only" "$out" "NXDOMAIN|can't find"
out=$(api POST /v1.44/networks/n6/connect -H 'Content-Type: application/json' \
	-d '{"Container":"b1","EndpointConfig":{"Links":["a:b:c"]}}')
expect_match "a malformed link: dockerd's error" "${out%$'\n'*}" 'bad format for links: a:b:c'

# --- legacy links follow a restarted target ------------------------------------
"$DOCKER" run -d --name lt busybox sleep 600 >/dev/null
"$DOCKER" run -d --name lp --link lt:ltal busybox sleep 600 >/dev/null
ip0=$("$DOCKER" inspect -f '{{.NetworkSettings.IPAddress}}' lt)
"$DOCKER" run -d --name filler busybox sleep 600 >/dev/null # takes lt's next address
"$DOCKER" restart -t 0 lt >/dev/null
ip1=$("$DOCKER" inspect -f '{{.NetworkSettings.IPAddress}}' lt)
[ "$ip0" != "$ip1" ] || diag "the target kept its address $ip0"
out=$("$DOCKER" exec lp grep ltal /etc/hosts)
expect_match "the linker's /etc/hosts has the target's new address" "$out" "^$ip1	ltal "

# --- clean-up -------------------------------------------------------------------
"$DOCKER" rm -f $("$DOCKER" ps -aq) >/dev/null 2>&1
check "n6 removed" "$DOCKER" network rm n6
MADE=()
left=""
ip link show "br-${id6:0:12}" >/dev/null 2>&1 && left+=" bridge"
nft list table ip6 "berth_br_${id6:0:12}" >/dev/null 2>&1 && left+=" ip6-table"
nft list table ip6 "berth_br_${idi:0:12}" >/dev/null 2>&1 && left+=" ip6-table(internal)"
ip link show "br-${idi:0:12}" >/dev/null 2>&1 && left+=" bridge(internal)"
nft list table ip "berth_br_${id6:0:12}" >/dev/null 2>&1 && left+=" ip-table"
ip -6 route | grep -q "$P6" && left+=" route"
expect_eq "nothing left behind (bridge, nft tables, IPv6 routes)" "$left" ""
diag "run time $(( $(date +%s) - T0 )) s"
finish
