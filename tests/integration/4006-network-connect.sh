#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A container on several networks, through the docker CLI (28 and Debian's
# 20.10): docker network connect/disconnect on running and stopped
# containers, --network a --network b at create (API 1.44), --ip,
# --mac-address and --network-alias honoured (checked inside with ip addr
# and in inspect, per API version), a container on two networks reaches a
# container on each and stops reaching it after disconnect, dockerd's
# errors for hostile input, network connect/disconnect events, schemas of
# the networks responses, and nothing (veth, bridge, nft table) left behind.
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; finish; }
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }

h=$(rand_hex)
A=$((0x${h:0:2} % 200 + 20)); B=$((0x${h:2:2} % 250 + 1))
P=10.$A.$B
S1=$P.0/26; S2=$P.64/26
MADE=()
on_exit '"$DOCKER" rm -f $("$DOCKER" ps -aq) >/dev/null 2>&1'
on_exit 'for n in "${MADE[@]}"; do "$DOCKER" network rm "$n" >/dev/null 2>&1; done'

ip_of() { "$DOCKER" inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
field() { "$DOCKER" inspect -f "{{(index .NetworkSettings.Networks \"$2\").$3}}" "$1"; }

T0=$(date +%s)
id1=$("$DOCKER" network create --subnet "$S1" n1); MADE+=("$id1")
id2=$("$DOCKER" network create --subnet "$S2" n2); MADE+=("$id2")
id3=$("$DOCKER" network create n3auto); MADE+=("$id3")
"$DOCKER" run -d --name t1 --network n1 busybox sleep 600 >/dev/null
"$DOCKER" run -d --name t2 --network n2 busybox sleep 600 >/dev/null
T1=$(ip_of t1 n1); T2=$(ip_of t2 n2)
expect_match "t1 is on n1" "$T1" "^$P\."
expect_match "t2 is on n2" "$T2" "^$P\."

k=0
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$("$cli" version -f '{{.Client.Version}}' 2>/dev/null | cut -d. -f1); k=$((k + 1))
	IPM=$P.$((10 + k)); MAC=02:42:aa:bb:cc:0$k
	out=$("$cli" run -d --name mx --network n1 --network-alias ma --ip "$IPM" \
		--mac-address "$MAC" busybox sleep 600 2>&1)
	expect_match "[$v] run --network-alias --ip --mac-address" "$out" '^[0-9a-f]{64}$'
	out=$("$cli" exec mx ip -o addr show eth0)
	expect_match "[$v] --ip is eth0's address" "$out" " $IPM/26 "
	out=$("$cli" exec mx cat /sys/class/net/eth0/address)
	expect_eq "[$v] --mac-address is eth0's MAC" "$out" "$MAC"
	out=$("$cli" inspect -f '{{(index .NetworkSettings.Networks "n1").IPAMConfig.IPv4Address}} {{(index .NetworkSettings.Networks "n1").MacAddress}} {{(index .NetworkSettings.Networks "n1").IPAddress}}' mx)
	expect_eq "[$v] inspect shows IPAMConfig, MacAddress and the address" "$out" "$IPM $MAC $IPM"
	mid=$("$cli" inspect -f '{{.Id}}' mx)
	out=$("$cli" inspect -f '{{json (index .NetworkSettings.Networks "n1").Aliases}}' mx)
	if [ "$v" = 20 ]; then # 20.10 speaks API 1.41: the short ID is among the aliases
		out=$("$cli" inspect -f '{{.Config.MacAddress}}' mx)
		expect_eq "[$v] Config.MacAddress (API < 1.44)" "$out" "$MAC"
		out=$("$cli" inspect -f '{{json (index .NetworkSettings.Networks "n1").Aliases}}' mx)
		expect_eq "[$v] aliases (with the short ID, as dockerd 20.10)" "$out" "[\"ma\",\"${mid:0:12}\"]"
	else
		expect_eq "[$v] aliases" "$out" '["ma"]'
		out=$("$cli" inspect -f '{{json (index .NetworkSettings.Networks "n1").DNSNames}}' mx)
		expect_eq "[$v] DNSNames: name, aliases, short ID" "$out" "[\"mx\",\"ma\",\"${mid:0:12}\"]"
	fi
	check "[$v] m reaches t1 on n1" "$cli" exec mx ping -c1 -W2 "$T1"
	check_fails "[$v] but not t2 on n2" "$cli" exec mx ping -c1 -W2 "$T2"
	# Connect a running container: eth1 at once.
	out=$("$cli" network connect --alias mb n2 mx 2>&1)
	expect_eq "[$v] network connect on a running container" "$out" ""
	M2=$(ip_of mx n2)
	expect_match "[$v] it has an address on n2" "$M2" "^$P\.(6[5-9]|[7-9][0-9]|1[01][0-9]|12[0-6])$"
	out=$("$cli" exec mx ip -o addr show eth1)
	expect_match "[$v] as eth1 inside" "$out" " $M2/26 "
	check "[$v] m now reaches t2 on n2" "$cli" exec mx ping -c1 -W2 "$T2"
	check "[$v] and resolves it by name (embedded DNS)" "$cli" exec mx ping -c1 -W2 t2
	check "[$v] and still t1 on n1" "$cli" exec mx ping -c1 -W2 "$T1"
	out=$("$cli" exec mx ip route show default)
	expect_match "[$v] the default route stays on the first network" "$out" "via ${S1%0/26}1 dev eth0"
	out=$("$cli" network inspect n2 --format '{{range .Containers}}{{.Name}}={{.IPv4Address}} {{end}}' | tr ' ' '\n' | sort | tr '\n' ' ')
	expect_eq "[$v] network inspect n2 lists m and t2" "$out" " mx=$M2/26 t2=$T2/26 "
	out=$("$cli" inspect -f '{{json (index .NetworkSettings.Networks "n2").Aliases}}' mx)
	expect_match "[$v] the alias of the connect is shown" "$out" '^\["mb"'
	out=$("$cli" network connect n2 mx 2>&1)
	expect_match "[$v] connecting twice is refused" "$out" 'endpoint with name mx already exists in network n2'
	out=$("$cli" network connect nosuch mx 2>&1)
	expect_match "[$v] an unknown network" "$out" 'network nosuch not found'
	out=$("$cli" network connect n2 nosuchc 2>&1)
	expect_match "[$v] an unknown container" "$out" 'No such container: nosuchc'
	# Disconnect: eth1 goes, t2 unreachable.
	out=$("$cli" network disconnect n2 mx 2>&1)
	expect_eq "[$v] network disconnect on a running container" "$out" ""
	check_fails "[$v] eth1 is gone" "$cli" exec mx ip link show eth1
	check_fails "[$v] m no longer reaches t2" "$cli" exec mx ping -c1 -W2 "$T2"
	check_fails "[$v] nor resolves its name" "$cli" exec mx nslookup t2 127.0.0.11
	check "[$v] it still reaches t1" "$cli" exec mx ping -c1 -W2 "$T1"
	out=$("$cli" network disconnect n2 mx 2>&1)
	expect_match "[$v] disconnecting again" "$out" "container $mid is not connected to network n2"
	# A stopped container: the change applies at the next start.
	"$cli" create --name sx --network n1 busybox sleep 600 >/dev/null
	out=$("$cli" network connect --ip "$P.$((100 + k))" n2 sx 2>&1)
	expect_eq "[$v] network connect on a created container" "$out" ""
	out=$("$cli" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{$v.IPAddress}}:{{with $v.IPAMConfig}}{{.IPv4Address}}{{end}} {{end}}' sx)
	expect_eq "[$v] inspect of the created container shows both networks" "$out" "n1:: n2::$P.$((100 + k)) "
	"$cli" start sx >/dev/null
	out=$("$cli" exec sx ip -o addr show eth1)
	expect_match "[$v] started, it has eth1 with the asked address" "$out" " $P.$((100 + k))/26 "
	check "[$v] s reaches t2" "$cli" exec sx ping -c1 -W2 "$T2"
	"$cli" stop -t 0 sx >/dev/null
	out=$("$cli" network disconnect n2 sx 2>&1)
	expect_eq "[$v] network disconnect on a stopped container" "$out" ""
	"$cli" start sx >/dev/null
	check_fails "[$v] restarted, it has no eth1" "$cli" exec sx ip link show eth1
	out=$("$cli" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' sx)
	expect_eq "[$v] and only n1 in inspect" "$out" "n1 "
	# Hostile input.
	out=$("$cli" network connect --ip 10.250.250.250 n2 sx 2>&1)
	expect_match "[$v] --ip outside the subnet" "$out" 'no configured subnet contains IP address 10.250.250.250'
	out=$("$cli" network connect --ip "$P.70" n3auto sx 2>&1)
	expect_match "[$v] --ip on a network without a configured subnet" "$out" 'user specified IP address is supported only when connecting to networks with user configured subnets'
	out=$("$cli" run -d --name bad --network n1 --ip "$T1" busybox true 2>&1)
	expect_match "[$v] an address in use" "$out" 'Address already in use'
	"$cli" rm -f bad >/dev/null 2>&1
	"$cli" run -d --name hm --network host busybox sleep 600 >/dev/null
	out=$("$cli" network connect n1 hm 2>&1)
	expect_match "[$v] a host-mode container cannot be connected" "$out" 'container sharing network namespace with another container or host cannot be connected to any other network'
	out=$("$cli" network disconnect host hm 2>&1)
	expect_match "[$v] nor disconnected from host" "$out" 'container cannot be disconnected from host network or connected to host network'
	out=$("$cli" network connect host sx 2>&1)
	expect_match "[$v] nor another container connected to host" "$out" 'container cannot be disconnected from host network or connected to host network'
	"$cli" rm -f mx sx hm >/dev/null
done

# --- several networks at create (API 1.44, docker 28) ---------------------------
out=$("$DOCKER" run -d --name mm --network n1 --network n2 busybox sleep 600 2>&1)
expect_match "docker 28: run --network n1 --network n2" "$out" '^[0-9a-f]{64}$'
out=$("$DOCKER" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' mm)
expect_eq "it is on both networks" "$out" "n1 n2 "
check "it reaches t1" "$DOCKER" exec mm ping -c1 -W2 "$T1"
check "and t2" "$DOCKER" exec mm ping -c1 -W2 "$T2"
out=$("$DOCKER" exec mm ip -o link | grep -c ': eth[01]@')
expect_eq "through eth0 and eth1" "$out" 2
out=$("$DOCKER" ps --filter network=n2 --format '{{.Names}}' | sort | tr '\n' ' ')
expect_eq "ps --filter network=n2 finds it beside t2" "$out" "mm t2 "
out=$("$DOCKER" ps --filter "network=$id1" --format '{{.Names}}' | sort | tr '\n' ' ')
expect_eq "and a filter by network ID" "$out" "mm t1 "
out=$(api POST /v1.41/containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"NetworkMode":"n1"},"NetworkingConfig":{"EndpointsConfig":{"n1":{},"n2":{}}}}')
expect_eq "API 1.41: two EndpointsConfig entries are a 400" "${out##*$'\n'}" 400
expect_match "with dockerd's message" "${out%$'\n'*}" 'Container cannot be connected to network endpoints: n1, n2'
out=$(api POST /v1.41/containers/create?name=byid -H 'Content-Type: application/json' \
	-d "{\"Image\":\"busybox\",\"HostConfig\":{\"NetworkMode\":\"n1\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"$id1\":{\"Aliases\":[\"viaid\"]}}}}")
expect_eq "an EndpointsConfig keyed by the network's ID is the network mode's" "${out##*$'\n'}" 201
out=$("$DOCKER" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{json $v.Aliases}} {{end}}' byid)
expect_eq "stored under the network's name" "$out" 'n1=["viaid"] '
out=$(api POST /v1.44/containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"NetworkMode":"host"},"NetworkingConfig":{"EndpointsConfig":{"host":{},"n2":{}}}}')
expect_match "host mode with a user network: conflicting options" "${out%$'\n'*}" 'conflicting options: cannot attach both user-defined and non-user-defined network-modes'
# (the CLIs refuse this one themselves)
out=$(api POST /v1.44/containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"NetworkMode":"bridge"},"NetworkingConfig":{"EndpointsConfig":{"bridge":{"Aliases":["x"]}}}}')
expect_match "an alias on the default bridge" "${out%$'\n'*}" 'network-scoped alias is supported only for containers in user defined networks'
out=$(api POST /v1.44/networks/n2/connect -H 'Content-Type: application/json' \
	-d '{"Container":"t1","EndpointConfig":{"IPAMConfig":{"IPv4Address":"not-an-ip"}}}')
expect_eq "a bad IPv4Address is a 400" "${out##*$'\n'}" 400
out=$(api POST /v1.44/networks/n2/connect -H 'Content-Type: application/json' \
	-d '{"Container":"t1","EndpointConfig":{"IPAMConfig":{"IPv6Address":"fd00::5"}}}')
expect_match "an IPv6 address on an IPv4-only network is refused" "${out%$'\n'*}" 'no configured subnet contains IP address fd00::5'
out=$(api POST /v1.44/networks/n2/connect -H 'Content-Type: application/json' -d '{"Container":5}')
expect_eq "a number as Container is a 400" "${out##*$'\n'}" 400

# --- schemas ------------------------------------------------------------------
b=$(api POST /v1.44/networks/n2/connect -H 'Content-Type: application/json' \
	-d '{"Container":"t1","EndpointConfig":{"Aliases":["tt"]}}')
expect_eq "connect answers 200" "${b##*$'\n'}" 200
b=$(api GET /v1.44/networks/n2); validate "GET /networks/{id} with members" get '/networks/{id}' 200 "${b%$'\n'*}"
b=$(api POST /v1.44/networks/n2/connect -H 'Content-Type: application/json' -d '{"Container":"t1"}')
expect_eq "connect twice: 403" "${b##*$'\n'}" 403
validate "POST /networks/{id}/connect 403" post '/networks/{id}/connect' 403 "${b%$'\n'*}"
b=$(api POST /v1.44/networks/nosuch/connect -H 'Content-Type: application/json' -d '{"Container":"t1"}')
expect_eq "connect to an unknown network: 404" "${b##*$'\n'}" 404
validate "POST /networks/{id}/connect 404" post '/networks/{id}/connect' 404 "${b%$'\n'*}"
b=$(api POST /v1.44/networks/n2/disconnect -H 'Content-Type: application/json' -d '{"Container":"nosuch"}')
expect_eq "disconnect of an unknown container: 404" "${b##*$'\n'}" 404
validate "POST /networks/{id}/disconnect 404" post '/networks/{id}/disconnect' 404 "${b%$'\n'*}"
b=$(api POST /v1.44/networks/n2/disconnect -H 'Content-Type: application/json' -d '{"Container":"t1","Force":true}')
expect_eq "disconnect answers 200" "${b##*$'\n'}" 200
b=$(api GET /v1.44/containers/mm/json)
expect_match "inspect has DNSNames in 1.44" "${b%$'\n'*}" '"DNSNames":\["mm","[0-9a-f]{12}"\]'

# --- events -------------------------------------------------------------------
out=$("$DOCKER" events --since "$T0" --until "$(( $(date +%s) + 1 ))" --filter type=network \
	--filter event=connect --filter event=disconnect \
	--format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}} {{.Actor.ID}} {{.Actor.Attributes.container}}' 2>&1)
tid=$("$DOCKER" inspect -f '{{.Id}}' t1)
expect_match "network connect event (running container)" "$out" "^connect n2 bridge $id2 $tid$"
expect_match "network disconnect event" "$out" "^disconnect n2 bridge $id2 $tid$"
expect_match "a connect event at start for each network" "$out" "^connect n1 bridge $id1 "

# --- the last network of a running container ----------------------------------
"$DOCKER" run -d --name lz --network n1 busybox sleep 600 >/dev/null
out=$("$DOCKER" network disconnect n1 lz 2>&1)
expect_eq "a running container can lose its last network" "$out" ""
out=$("$DOCKER" exec lz ip -o link | grep -c ': eth')
expect_eq "it keeps lo only" "$out" 0
out=$("$DOCKER" inspect -f '{{json .NetworkSettings.Networks}}' lz)
expect_eq "inspect shows no network" "$out" "{}"
"$DOCKER" network connect n2 lz
check "connected again, it reaches t2" "$DOCKER" exec lz ping -c1 -W2 "$T2"
check "and resolves it by name: the DNS server follows the connect" "$DOCKER" exec lz ping -c1 -W2 t2
"$DOCKER" rm -f lz >/dev/null

# --- a kill -9 of berthd: both endpoints come back, and go on disconnect ---------
"$DOCKER" run -d --name rr --network n1 busybox sleep 600 >/dev/null
"$DOCKER" network connect n2 rr
R2=$(ip_of rr n2)
kill -9 "$BERTH_PID"; wait "$BERTH_PID" 2>/dev/null
berth_restart || { fail "berthd restarts"; finish; }
out=$("$DOCKER" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}' rr)
expect_eq "after a restart inspect shows both endpoints" "$out" "n1=$(ip_of rr n1) n2=$R2 "
check "rr still reaches t2 through eth1" "$DOCKER" exec rr ping -c1 -W2 "$T2"
out=$("$DOCKER" network disconnect n2 rr 2>&1)
expect_eq "and disconnects from n2" "$out" ""
check_fails "after which eth1 is gone" "$DOCKER" exec rr ip link show eth1
"$DOCKER" network connect n2 rr
"$DOCKER" stop -t 0 rr >/dev/null
out=$(ls "$BERTH_ROOT/data/network/endpoints" | grep -c "^$("$DOCKER" inspect -f '{{.Id}}' rr)")
expect_eq "a stopped container holds no endpoint record" "$out" 0

check "berthd keeps serving" "$DOCKER" version
cids=$("$DOCKER" ps -aq --no-trunc)
"$DOCKER" rm -f $cids >/dev/null
out=$("$DOCKER" network rm n1 n2 n3auto 2>&1 | tr '\n' ' ')
expect_eq "the networks are removed once empty" "$out" "n1 n2 n3auto "
MADE=()
left=""
for i in "$id1" "$id2" "$id3"; do
	ip link show "br-${i:0:12}" >/dev/null 2>&1 && left+=" bridge br-${i:0:12}"
	nft list table ip "berth_br_${i:0:12}" >/dev/null 2>&1 && left+=" table berth_br_${i:0:12}"
done
for c in $cids; do ip -o link | grep -q "berth:$c" && left+=" veth of ${c:0:12}"; done
ls "$BERTH_ROOT/exec/netns" 2>/dev/null | grep -q . && left+=" netns files"
ls "$BERTH_ROOT/data/network/endpoints" 2>/dev/null | grep -q . && left+=" endpoint records"
expect_eq "no bridge, nft table, veth, namespace or endpoint record is left behind" "$left" ""
finish
