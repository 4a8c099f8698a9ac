#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# User-defined networks through the docker CLI (28 and Debian's 20.10):
# create/ls/inspect/rm/prune with filters, dockerd's errors for hostile input,
# containers on a user network reach each other, two user networks cannot
# reach each other, an --internal network has no route out (a fake outside
# host in a netns of our own), an exited container's veth and address go
# (in the background for run --rm; before docker rm returns otherwise), and
# nothing (bridge, nft table, veth) is left behind. Every networks response
# validates against moby's v1.44 and v1.41 schemas (tests/helpers/apischema.py).
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; finish; }
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }

h=$(rand_hex)
A=$((0x${h:0:2} % 200 + 20)); B=$((0x${h:2:2} % 250 + 1))
P=10.$A.$B
S1=$P.0/26; S2=$P.64/26; S3=$P.128/26
MADE=()	# network IDs, removed at exit if a step failed half-way
on_exit 'for n in "${MADE[@]}"; do "$DOCKER" network rm "$n" >/dev/null 2>&1; done'
on_exit '"$DOCKER" rm -f $("$DOCKER" ps -aq) >/dev/null 2>&1'


T0=$(date +%s)
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	out=$("$cli" network ls --format '{{.Name}} {{.Driver}} {{.Scope}}' | sort | tr '\n' ' ')
	expect_eq "[$v] bridge, host and none are listed" "$out" "bridge bridge local host host local none null local "
	gw=$("$cli" network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
	expect_eq "[$v] inspect bridge by name gives the gateway" "$gw" "${BERTH_BIP%/*}"
	id=$("$cli" network create --subnet "$S1" --label team=a n1 2>&1)
	expect_match "[$v] docker network create prints a 64-hex ID" "$id" '^[0-9a-f]{64}$'
	MADE+=("$id")
	br=br-${id:0:12}
	check "[$v] its bridge exists with the gateway" sh -c "ip -4 -o addr show dev $br | grep -q ' ${S1%0/26}1/26 '"
	check "[$v] and its nft table" nft list table ip "berth_br_${id:0:12}"
	out=$("$cli" network inspect n1 --format '{{.Id}} {{.Driver}} {{.Scope}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}} {{.Internal}}')
	expect_eq "[$v] inspect by name" "$out" "$id bridge local $S1 ${S1%0/26}1 a false"
	out=$("$cli" network inspect "${id:0:6}" --format '{{.Name}}')
	expect_eq "[$v] inspect by ID prefix" "$out" "n1"
	id2=$("$cli" network create n2auto 2>&1); MADE+=("$id2")
	sub=$("$cli" network inspect n2auto --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}')
	expect_match "[$v] a network without --subnet gets one from the pool" "$sub" '^(172\.(1[7-9]|2[0-9]|3[01])\.0\.0/16|192\.168\.[0-9]+\.0/20)$'
	check_fails "[$v] which is not routed on the host already" sh -c "ip -4 route | grep -v ' dev br-${id2:0:12} ' | grep -q '^$sub '"
	out=$("$cli" network ls -q --filter label=team=a --no-trunc)
	expect_eq "[$v] label filter" "$out" "$id"
	out=$("$cli" network ls --filter type=custom --format '{{.Name}}' | sort | tr '\n' ' ')
	expect_eq "[$v] type=custom filter" "$out" "n1 n2auto "
	out=$("$cli" network ls --filter driver=null --format '{{.Name}}')
	expect_eq "[$v] driver filter" "$out" "none"
	out=$("$cli" network ls --filter name=2au --format '{{.Name}}')
	expect_eq "[$v] name filter" "$out" "n2auto"
	# Hostile input: dockerd's errors, nothing created.
	out=$("$cli" network create --subnet "${S1%/26}/27" x1 2>&1)
	expect_match "[$v] an overlapping subnet is refused" "$out" 'Pool overlaps with other one on this address space'
	out=$("$cli" network create --subnet 10.0.0.0/0 x2 2>&1)
	expect_match "[$v] a /0 that is not a network address is refused" "$out" 'invalid subnet 10.0.0.0/0'
	out=$("$cli" network create --subnet 0.0.0.0/0 x2 2>&1)
	expect_match "[$v] 0.0.0.0/0 is refused" "$out" 'prefix length must be between 8 and 30'
	out=$("$cli" network create --subnet 10.$A.$B.200/32 x3 2>&1)
	expect_match "[$v] a /32 is refused" "$out" 'prefix length must be between 8 and 30'
	out=$("$cli" network create --subnet 10.$A.$B.193/26 x4 2>&1)
	expect_match "[$v] host bits set are refused" "$out" "it should be 10.$A.$B.192/26"
	out=$("$cli" network create 'bad/name' 2>&1)
	expect_match "[$v] bad characters in a name" "$out" 'only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed'
	out=$("$cli" network create "$(head -c 10000 /dev/zero | tr '\0' a)" 2>&1)
	expect_match "[$v] a 10,000-byte name" "$out" 'at most 255 characters'
	out=$("$cli" network create n1 2>&1)
	expect_match "[$v] a duplicate name" "$out" 'network with name n1 already exists'
	out=$("$cli" network create host 2>&1)
	expect_match "[$v] a predefined name" "$out" 'operation is not permitted on predefined host network'
	out=$("$cli" network create -d overlay x5 2>&1)
	expect_match "[$v] an unknown driver" "$out" 'plugin "overlay" not found'
	out=$("$cli" network create --ipv6 x6 2>&1)
	expect_match "[$v] --ipv6 without an IPv6 subnet: dockerd's error" "$out" 'could not find an available, non-overlapping IPv6 address pool'
	out=$("$cli" network rm bridge 2>&1)
	expect_match "[$v] the default bridge cannot be removed" "$out" 'bridge is a pre-defined network and cannot be removed'
	out=$("$cli" network inspect nosuch 2>&1); rc=$?
	expect_eq "[$v] inspect of an unknown network fails" "$rc" 1
	out=$("$cli" network ls --format '{{.Name}}' | sort | tr '\n' ' ')
	expect_eq "[$v] no network was created by the refused requests" "$out" "bridge host n1 n2auto none "
	# Prune with a label filter, then rm.
	out=$("$cli" network prune -f --filter label=team=a 2>&1)
	expect_match "[$v] prune with a label filter removes n1" "$out" 'n1'
	out=$("$cli" network ls --format '{{.Name}}' | sort | tr '\n' ' ')
	expect_eq "[$v] n2auto was kept" "$out" "bridge host n2auto none "
	out=$("$cli" network rm n2auto 2>&1)
	expect_eq "[$v] docker network rm" "$out" "n2auto"
	check_fails "[$v] the bridges are gone" sh -c "ip link show $br || ip link show br-${id2:0:12}"
	check_fails "[$v] and their nft tables" sh -c "nft list tables | grep -E 'berth_br_(${id:0:12}|${id2:0:12})'"
	MADE=()
done

out=$("$DOCKER" events --since "$T0" --until "$(( $(date +%s) + 1 ))" --filter type=network \
	--format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}' | head -4 | tr '\n' ' ')
expect_eq "network create/destroy events" "$out" "create n1 bridge create n2auto bridge destroy n1 bridge destroy n2auto bridge "

# --- schemas ------------------------------------------------------------------
b=$(api POST /v1.44/networks/create -H 'Content-Type: application/json' \
	-d "{\"Name\":\"sch\",\"IPAM\":{\"Config\":[{\"Subnet\":\"$S3\",\"IPRange\":\"$P.160/27\",\"AuxiliaryAddresses\":{\"r\":\"$P.133\"}}]},\"Labels\":{\"k\":\"v\"}}")
st=${b##*$'\n'}; b=${b%$'\n'*}
expect_eq "create answers 201" "$st" 201
MADE+=("sch")
validate "POST /networks/create" post /networks/create 201 "$b"
b=$(api GET /v1.44/networks); validate "GET /networks" get /networks 200 "${b%$'\n'*}"
b=$(api GET /v1.44/networks/sch); validate "GET /networks/{id}" get '/networks/{id}' 200 "${b%$'\n'*}"
b=$(api GET /v1.44/networks/bridge); validate "GET /networks/bridge" get '/networks/{id}' 200 "${b%$'\n'*}"
b=$(api GET /v1.44/networks/nosuch); st=${b##*$'\n'}
expect_eq "unknown network: 404" "$st" 404
validate "GET /networks/{id} 404" get '/networks/{id}' 404 "${b%$'\n'*}"
b=$(api DELETE /v1.44/networks/host); st=${b##*$'\n'}
expect_eq "removing host: 403" "$st" 403
validate "DELETE /networks/{id} 403" delete '/networks/{id}' 403 "${b%$'\n'*}"
b=$(api POST /v1.44/networks/create -H 'Content-Type: application/json' -d '{"Name":"sch"}'); st=${b##*$'\n'}
# moby's spec lists no 409 here, but dockerd answers a duplicate name with one.
expect_eq "duplicate: 409" "$st" 409
expect_match "with a message" "$b" '^\{"message":"network with name sch already exists"\}'
b=$(api GET /v1.44/networks/sch)
expect_match "IPRange and AuxiliaryAddresses are shown back" "$b" "\"IPRange\":\"$P.160/27\",\"AuxiliaryAddresses\":\\{\"r\":\"$P.133\"\\}"
b=$(api POST /v1.44/networks/create -H 'Content-Type: application/json' -d '{"Name":5}'); st=${b##*$'\n'}
expect_eq "a number as Name: 400" "$st" 400
b=$(api POST /v1.44/networks/prune); validate "POST /networks/prune" post /networks/prune 200 "${b%$'\n'*}"
b=$(api DELETE /v1.44/networks/sch); st=${b##*$'\n'}
b=$(api GET /v1.44/networks/sch); st=${b##*$'\n'}
expect_eq "sch is gone after prune" "$st" 404
MADE=()

# --- containers on user networks ----------------------------------------------
OUTNS=bto$h
on_exit "ip netns del $OUTNS 2>/dev/null; ip link del $OUTNS 2>/dev/null"
C=$((0x${h:2:2} % 60 * 4))
ip netns add "$OUTNS" && ip link add "$OUTNS" type veth peer name eth0 netns "$OUTNS" &&
	ip addr add "198.18.$C.1/30" dev "$OUTNS" && ip link set "$OUTNS" up &&
	ip -n "$OUTNS" addr add "198.18.$C.2/30" dev eth0 && ip -n "$OUTNS" link set eth0 up
OUT=198.18.$C.2
ids=()
for n in "f:$S1" "b:$S2"; do
	ids+=("$("$DOCKER" network create --subnet "${n#*:}" "net${n%%:*}")")
done
MADE=("${ids[@]}")
iid=$("$DOCKER" network create --internal --subnet "$S3" --ip-range "$P.160/27" \
	--aux-address "router=$P.160" netint); MADE+=("$iid")
out=$("$DOCKER" network inspect netint --format '{{.Internal}}')
expect_eq "--internal is shown" "$out" "true"
"$DOCKER" run -d --name a1 --network netf busybox sleep 600 >/dev/null
"$DOCKER" run -d --name a2 --network netf busybox sleep 600 >/dev/null
"$DOCKER" run -d --name b1 --network netb busybox sleep 600 >/dev/null
"$DOCKER" run -d --name i1 --network netint busybox sleep 600 >/dev/null
ip_of() { "$DOCKER" inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
A1=$(ip_of a1 netf); A2=$(ip_of a2 netf); B1=$(ip_of b1 netb); I1=$(ip_of i1 netint)
expect_match "a1 has an address in netf" "$A1" "^$P\."
expect_match "b1 has an address in netb" "$B1" "^$P\."
expect_eq "i1's address comes from the ip-range, past the aux address" "$I1" "$P.161"
out=$("$DOCKER" inspect -f "{{(index .NetworkSettings.Networks \"netf\").NetworkID}} {{(index .NetworkSettings.Networks \"netf\").Gateway}} {{(index .NetworkSettings.Networks \"netf\").IPPrefixLen}}" a1)
expect_eq "inspect shows NetworkID, Gateway and prefix" "$out" "${ids[0]} ${S1%0/26}1 26"
out=$("$DOCKER" network inspect netf --format '{{range .Containers}}{{.Name}} {{end}}' | tr ' ' '\n' | sort | tr '\n' ' ')
expect_eq "network inspect lists its containers" "$out" " a1 a2 "
check "a1 reaches a2 on the same network" "$DOCKER" exec a1 ping -c1 -W2 "$A2"
check_fails "a1 cannot reach b1 on another network" "$DOCKER" exec a1 ping -c1 -W2 "$B1"
check_fails "b1 cannot reach a1 either" "$DOCKER" exec b1 ping -c1 -W2 "$A1"
check "a1 reaches the outside (NAT)" "$DOCKER" exec a1 ping -c1 -W2 "$OUT"
check_fails "i1 on the internal network has no route out" "$DOCKER" exec i1 ping -c1 -W2 "$OUT"
out=$("$DOCKER" network rm netf 2>&1)
expect_match "removing a network in use is refused" "$out" "error while removing network: network netf id ${ids[0]} has active endpoints"
# (The CLI takes any 404 from create for a missing image and tries a pull: use the API.)
out=$(api POST /v1.44/containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"NetworkMode":"nosuchnet"}}')
expect_eq "create on an unknown network is a 404" "${out##*$'\n'}" 404
expect_match "saying so" "${out%$'\n'*}" '^\{"message":"network nosuchnet not found"\}$'
check "berthd keeps serving" "$DOCKER" version

# --- an exit's veth deletion and address release run in the background ------
IPAMF=$BERTH_ROOT/data/network/networks/bridge/ipam.json
"$DOCKER" run --rm --cidfile "$T_DIR/rr.cid" busybox true
RR=$(cat "$T_DIR/rr.cid")
check "run --rm: its veth goes right after" wait_for 5 sh -c "! ip -o link | grep -q 'berth:$RR'"
check "run --rm: and its address is released" wait_for 5 sh -c "! grep -q '$RR' '$IPAMF'"
"$DOCKER" run -d --name rs --restart on-failure:3 busybox \
	sh -c 'ip -4 -o addr show eth0 | grep -q inet || exit 7; exit 1' >/dev/null
check "a restarting container has its address at every start" wait_for 30 sh -c \
	"test \"\$('$DOCKER' inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' rs)\" = '3 exited 1'"
RS=$("$DOCKER" inspect -f '{{.Id}}' rs)
"$DOCKER" rm rs >/dev/null
check "docker rm returns with no veth of it left" sh -c "! ip -o link | grep -q 'berth:$RS'"
check "nor its address" sh -c "! grep -q '$RS' '$IPAMF'"
nid=$("$DOCKER" network create nreap)
MADE+=("$nid")
"$DOCKER" run --rm --network nreap busybox true
check "a network can be removed right after a run --rm on it" "$DOCKER" network rm nreap
cids=$("$DOCKER" inspect -f '{{.Id}}' a1 a2 b1 i1)
"$DOCKER" rm -f a1 a2 b1 i1 >/dev/null
out=$("$DOCKER" network rm netf netb netint 2>&1 | tr '\n' ' ')
expect_eq "the networks are removed once empty" "$out" "netf netb netint "
MADE=()
left=""
for i in "${ids[@]}" "$iid"; do
	ip link show "br-${i:0:12}" >/dev/null 2>&1 && left+=" bridge br-${i:0:12}"
	nft list table ip "berth_br_${i:0:12}" >/dev/null 2>&1 && left+=" table berth_br_${i:0:12}"
done
for c in $cids; do ip -o link | grep -q "berth:$c" && left+=" veth of ${c:0:12}"; done
expect_eq "no bridge, nft table or veth is left behind" "$left" ""
finish
