#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The network module's name resolution (network_resolve_name/_addr, what the
# embedded DNS asks), through tests/tools/berth-nettool: names, aliases and
# short IDs resolve only between containers sharing a user network, never
# across networks or on the default bridge; PTR gives "<name>.<network>".
# "Containers" are bare namespaces; everything made is removed and checked.
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; finish; }
TOOL=$BUILD/tests/tools/berth-nettool
[ -x "$TOOL" ] || { skip "berth-nettool not built"; finish; }
h=$(rand_hex)
BR=bt$h
A=$((0x${h:0:2} % 200 + 20)); B=$((0x${h:2:2} % 250 + 1))
D=$T_DIR/net
nt() { "$TOOL" -d "$D/data" -x "$D/exec" -b "$BR" -c "10.$A.$B.193/26" "$@"; }
T_BRIDGES+=("$BR")
on_exit 'for c in c1 c2 c3 c4; do nt detach $c >/dev/null 2>&1; done; nt rmnet ra >/dev/null 2>&1; nt rmnet rb >/dev/null 2>&1; nt destroy >/dev/null 2>&1'
C1=aaaaaaaaaaaa1111; C2=bbbbbbbbbbbb2222; C3=cccccccccccc3333; C4=dddddddddddd4444

ida=$(nt mknet ra "10.$A.$B.0/26"); idb=$(nt mknet rb "10.$A.$B.64/26")
expect_match "two user networks are created" "$ida $idb" '^[0-9a-f]{64} [0-9a-f]{64}$'
ip1=$(nt attach $C1 -n ra -N web1 -a web | awk '$1 == "ip" {print $2}')
ip2=$(nt attach $C2 -n ra -N web2 -a web | awk '$1 == "ip" {print $2}')
ip3=$(nt attach $C3 -n rb -N db | awk '$1 == "ip" {print $2}')
ip4=$(nt attach $C4 -N plain | awk '$1 == "ip" {print $2}')
expect_match "endpoints got addresses on their networks" "$ip1 $ip2 $ip3 $ip4" "^10\.$A\.$B\.[0-9]+ 10\.$A\.$B\.[0-9]+ 10\.$A\.$B\.(6[5-9]|[7-9][0-9]|1[01][0-9]|12[0-6]) 10\.$A\.$B\.(19[4-9]|2[0-5][0-9])$"
expect_eq "a container name resolves on the shared network" "$(nt resolve $C1 web2)" "$ip2"
expect_eq "case-insensitively, with a final dot" "$(nt resolve $C1 WEB2.)" "$ip2"
expect_eq "an alias gives every container that has it" "$(nt resolve $C1 web | sort | tr '\n' ' ')" "$(printf '%s\n' "$ip1" "$ip2" | sort | tr '\n' ' ')"
expect_eq "a 12-hex short ID resolves" "$(nt resolve $C2 aaaaaaaaaaaa)" "$ip1"
expect_eq "nothing across networks" "$(nt resolve $C1 db)" "nxdomain"
expect_eq "nor the other way" "$(nt resolve $C3 web1)" "nxdomain"
expect_eq "nothing on the default bridge" "$(nt resolve $C4 web1)" "nxdomain"
expect_eq "an unknown name" "$(nt resolve $C1 nosuch)" "nxdomain"
expect_eq "PTR gives <name>.<network>" "$(nt ptr $C1 "$ip2")" "web2.ra"
expect_eq "but not across networks" "$(nt ptr $C1 "$ip3")" "nxdomain"
# A container on two networks: it resolves, and is resolved, on both.
ip3a=$(nt connect $C3 -n ra -N db -a dbalias | awk '$1 == "ip" {print $2}')
expect_match "c3 connects to ra too" "$ip3a" "^10\.$A\.$B\.([1-9]|[1-5][0-9]|6[0-2])$"
expect_eq "c1 resolves c3 by name on ra" "$(nt resolve $C1 db)" "$ip3a"
expect_eq "and by the alias of that endpoint" "$(nt resolve $C1 dbalias)" "$ip3a"
expect_eq "c3 resolves web1 now" "$(nt resolve $C3 web1)" "$ip1"
expect_eq "PTR of c3's ra address" "$(nt ptr $C1 "$ip3a")" "db.ra"
check "disconnect c3 from ra" nt disconnect $C3 ra
expect_eq "after which c1 no longer resolves it" "$(nt resolve $C1 db)" "nxdomain"
expect_eq "nor c3 web1" "$(nt resolve $C3 web1)" "nxdomain"
out=$(nt disconnect $C3 ra 2>&1)
expect_match "disconnecting again" "$out" "is not connected to network ra"
out=$(nt rmnet ra 2>&1)
expect_match "a network with endpoints cannot be removed" "$out" 'has active endpoints'
check "detach c2" nt detach $C2
expect_eq "a detached container no longer resolves" "$(nt resolve $C1 web2)" "nxdomain"
for c in $C1 $C3 $C4; do nt detach $c >/dev/null; done
check "rm the networks" sh -c "'$TOOL' -d '$D/data' -x '$D/exec' -b '$BR' -c '10.$A.$B.193/26' rmnet ra && '$TOOL' -d '$D/data' -x '$D/exec' -b '$BR' -c '10.$A.$B.193/26' rmnet rb"
check "destroy the default bridge" nt destroy
left=""
for i in "$ida" "$idb"; do
	ip link show "br-${i:0:12}" >/dev/null 2>&1 && left+=" br-${i:0:12}"
	nft list table ip "berth_br_${i:0:12}" >/dev/null 2>&1 && left+=" berth_br_${i:0:12}"
done
for c in $C1 $C2 $C3 $C4; do ip -o link | grep -q "berth:$c" && left+=" veth:$c"; done
expect_eq "no bridge, nft table or veth left behind" "$left" ""
finish
