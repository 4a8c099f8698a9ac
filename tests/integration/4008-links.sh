#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Legacy links on the default bridge with the docker CLI (28 and Debian's
# 20.10): `run --link target:alias` gives the /etc/hosts line and the
# <ALIAS>_PORT_... / <ALIAS>_NAME / <ALIAS>_ENV_... variables as moby's
# daemon/links builds them, inspect shows HostConfig.Links, ps shows the
# link name among the target's names, `rm --link` removes a link, and
# dockerd's errors for unknown targets, stopped targets and conflicting
# network modes. Then, for user networks: prune's until filter, the
# start-up sweep (a network whose record is gone after a kill -9 loses its
# bridge and nft table at the next start; a missing bridge comes back),
# netclean.sh --stale for user-network bridges no data root knows, and
# default-address-pools from daemon.json (and a bad pool stops berthd).
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; finish; }
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
on_exit '"$DOCKER" rm -f $("$DOCKER" ps -aq) >/dev/null 2>&1'

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null)
	"$cli" run -d --name db -e SECRET=s1 -e PATH=/bin --expose 5432 --expose 7000-7001/udp \
		--hostname dbhost busybox sleep 300 >/dev/null
	ip=$("$cli" inspect db --format '{{.NetworkSettings.IPAddress}}')
	expect_match "[$v] the target has an address on the default bridge" "$ip" '^[0-9.]+$'
	out=$("$cli" run --rm --name web --link db:store busybox env 2>&1 | grep '^STORE_' | sort | tr '\n' ' ')
	expect_eq "[$v] run --link sets moby's link variables" "$out" \
		"STORE_ENV_SECRET=s1 STORE_NAME=/web/store STORE_PORT=tcp://$ip:5432 STORE_PORT_5432_TCP=tcp://$ip:5432 STORE_PORT_5432_TCP_ADDR=$ip STORE_PORT_5432_TCP_PORT=5432 STORE_PORT_5432_TCP_PROTO=tcp STORE_PORT_7000_UDP=udp://$ip:7000 STORE_PORT_7000_UDP_ADDR=$ip STORE_PORT_7000_UDP_END=udp://$ip:7001 STORE_PORT_7000_UDP_PORT=7000 STORE_PORT_7000_UDP_PORT_END=7001 STORE_PORT_7000_UDP_PORT_START=7000 STORE_PORT_7000_UDP_PROTO=udp STORE_PORT_7000_UDP_START=udp://$ip:7000 STORE_PORT_7001_UDP=udp://$ip:7001 STORE_PORT_7001_UDP_ADDR=$ip STORE_PORT_7001_UDP_PORT=7001 STORE_PORT_7001_UDP_PROTO=udp "
	out=$("$cli" run --rm --link db:store busybox cat /etc/hosts 2>&1)
	expect_match "[$v] /etc/hosts has the alias, hostname and name" "$out" "^$ip	store dbhost db\$"
	out=$("$cli" run --rm --link db busybox cat /etc/hosts 2>&1)
	expect_match "[$v] a link without alias names the target once" "$out" "^$ip	db dbhost\$"
	out=$("$cli" run --rm --link db:store busybox ping -c1 -W2 store 2>&1)
	expect_match "[$v] the alias resolves and answers" "$out" '1 packets received'
	out=$("$cli" run --rm -e STORE_NAME=mine --link db:store busybox sh -c 'echo $STORE_NAME' 2>&1)
	expect_eq "[$v] the container's own variable wins over a link's" "$out" "mine"

	"$cli" run -d --name app --link db:store --link db:db2 busybox sleep 300 >/dev/null
	out=$("$cli" inspect app --format '{{json .HostConfig.Links}}')
	expect_eq "[$v] inspect shows the links as dockerd does" "$out" '["/db:/app/store","/db:/app/db2"]'
	# (the CLI prints only the container's own name unless --no-trunc)
	out=$("$cli" ps --no-trunc --filter name=db --format '{{.Names}}')
	expect_eq "[$v] ps --no-trunc NAMES lists the link names" "$out" "app/db2,app/store,db"
	out=$(api GET /containers/json | head -1)
	expect_match "[$v] GET /containers/json Names too" "$out" '"Names":\["/app/db2","/app/store","/db"\]'
	check "[$v] rm --link app/store" "$cli" rm --link app/store
	out=$("$cli" inspect app --format '{{json .HostConfig.Links}}')
	expect_eq "[$v] the link is gone" "$out" '["/db:/app/db2"]'
	check "[$v] the target is still there" "$cli" inspect db
	out=$("$cli" rm --link db 2>&1)
	expect_match "[$v] rm --link of a container name is refused" "$out" 'Conflict, cannot remove the default link name of the container'
	out=$("$cli" rm --link app/nothere 2>&1)
	expect_match "[$v] rm --link of an unknown link" "$out" 'No such container: app/nothere'
	check "[$v] rm --link app/db2" "$cli" rm --link app/db2
	out=$("$cli" inspect app --format '{{json .HostConfig.Links}}')
	expect_eq "[$v] no links left: null" "$out" 'null'

	# dockerd's errors
	out=$("$cli" run --rm --link nosuch:x busybox true 2>&1)
	expect_match "[$v] an unknown target is refused at create" "$out" 'could not get container for nosuch: No such container: nosuch'
	# (the 20.10 CLI refuses these itself, the daemon's answer comes with 28)
	old='links are only supported for user-defined networks'
	out=$("$cli" run --rm --network host --link db:x busybox true 2>&1)
	expect_match "[$v] links with the host's network" "$out" "conflicting options: host type networking can't be used with links|$old"
	out=$("$cli" run --rm --network container:db --link db:x busybox true 2>&1)
	expect_match "[$v] links with another container's network" "$out" "conflicting options: container type network can't be used with links|$old"
	"$cli" create --name stopped busybox true >/dev/null
	out=$(timeout 30 "$cli" run --rm --link stopped:s busybox true 2>&1)
	expect_match "[$v] a target that is not running fails the start" "$out" 'Cannot link to a non running container: /stopped AS /[a-z_0-9]+/s'
	out=$("$cli" ps -a --format '{{.Names}}' | sort | tr '\n' ' ')
	expect_eq "[$v] and --rm removes the container that failed to start" "$out" "app db stopped "
	"$cli" rm -f app stopped db >/dev/null
done
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"NetworkMode":"host","Links":["x:y"]}}')
expect_eq "the daemon refuses links on the host's network" "$(printf '%s' "$out" | tr -s '\n' ' ')" \
	"{\"message\":\"conflicting options: host type networking can't be used with links. This would result in undefined behavior\"} 400"
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"Links":["a:b:c"]}}')
expect_eq "a malformed link" "$(printf '%s' "$out" | tr -s '\n' ' ')" '{"message":"bad format for links: a:b:c"} 400'
out=$(api DELETE '/containers/nosuch/x?link=1')
expect_eq "DELETE ?link=1 of an unknown link is a 404" "$(printf '%s' "$out" | tail -1)" 404
# The links survive a restart of berthd (they are in the container's record).
"$DOCKER" run -d --name db busybox sleep 300 >/dev/null
"$DOCKER" create --name late --link db:store busybox sh -c 'echo $STORE_NAME' >/dev/null
berth_stop
berth_restart || { fail "berthd restarts"; finish; }
out=$("$DOCKER" inspect late --format '{{json .HostConfig.Links}}')
expect_eq "links are kept across a daemon restart" "$out" '["/db:/late/store"]'
"$DOCKER" start db >/dev/null 2>&1
out=$("$DOCKER" start -a late 2>&1)
expect_eq "and applied at start" "$out" "/late/store"
"$DOCKER" rm -f late db >/dev/null

# prune until
"$DOCKER" network create --label keep=no pr1 >/dev/null
out=$("$DOCKER" network prune -f --filter until=10m)
expect_no_match "prune until=10m keeps a network made now" "$out" pr1
out=$("$DOCKER" network prune -f --filter until=bogus 2>&1)
expect_match "prune until=bogus: dockerd's error" "$out" 'failed to parse value as time or duration: "bogus"'
out=$("$DOCKER" network prune -f --filter "until=$(($(date +%s) + 60))" --filter 'label!=keep=yes')
expect_match "prune until=<unix time> and label!= remove it" "$out" pr1
out=$("$DOCKER" network prune -f --filter "until=$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)")
expect_no_match "prune until=<RFC 3339> (nothing left)" "$out" Error

# Start-up sweep and netclean --stale, after a kill -9.
NET=$BERTH_ROOT/data/network
a=$("$DOCKER" network create swa); b=$("$DOCKER" network create swb); c=$("$DOCKER" network create swc)
check "the bridges are marked as this data root's" test -e "$NET/bridges/br-${a:0:12}"
kill -9 "$BERTH_PID"
wait_for 10 sh -c "! kill -0 $BERTH_PID 2>/dev/null"
rm -f "$NET/$a.json" "$NET/$b.json" "$NET/bridges/br-${b:0:12}"
ip link del "br-${c:0:12}"
bash "$TOP/tests/helpers/netclean.sh" --stale
check_fails "netclean --stale removes a user bridge no data root knows" ip link show "br-${b:0:12}"
check_fails "and its nft table" nft list table ip "berth_br_${b:0:12}"
check "it keeps one whose marker is still in a data root" ip link show "br-${a:0:12}"
berth_restart || { fail "berthd restarts"; finish; }
wait_for 10 sh -c "! ip link show br-${a:0:12} >/dev/null 2>&1"
check_fails "the sweep at start removes the bridge of a network whose record is gone" ip link show "br-${a:0:12}"
check_fails "and its nft table" nft list table ip "berth_br_${a:0:12}"
check_fails "and its marker" test -e "$NET/bridges/br-${a:0:12}"
check "a network whose bridge was deleted gets it back" ip link show "br-${c:0:12}"
check "and its table" nft list table ip "berth_br_${c:0:12}"
check "docker network rm swc" "$DOCKER" network rm swc
check_fails "removes the marker" test -e "$NET/bridges/br-${c:0:12}"

# default-address-pools from daemon.json
h=$(rand_hex)
pool=10.$((0x${h:0:2} % 200 + 20)).$((0x${h:2:2} % 64 * 4))
printf '{"default-address-pools":[{"base":"%s.0/22","size":24}]}\n' "$pool" >"$T_DIR/daemon.json"
berth_stop
berth_restart --config-file "$T_DIR/daemon.json" || { fail "berthd restarts with pools"; finish; }
"$DOCKER" network create pa >/dev/null
sub=$("$DOCKER" network inspect pa --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}')
expect_match "an automatic subnet comes from default-address-pools" "$sub" "^${pool%.*}\.$((${pool##*.}))\.0/24|${pool%.*}\.$((${pool##*.} + 1))\.0/24|${pool%.*}\.$((${pool##*.} + 2))\.0/24|${pool%.*}\.$((${pool##*.} + 3))\.0/24\$"
"$DOCKER" network rm pa >/dev/null
printf '{"default-address-pools":[{"base":"%s.0/22","size":16}]}\n' "$pool" >"$T_DIR/bad.json"
out=$(timeout 20 "$BERTHD" --config-file "$T_DIR/bad.json" -H "unix://$T_DIR/bad.sock" \
	--data-root "$T_DIR/bad" --exec-root "$T_DIR/bad-exec" --pidfile "$T_DIR/bad.pid" \
	--bridge none 2>&1)
rc=$?
expect_match "a bad pool stops berthd at start with a clear message" "$out" "default-address-pools 'base=$pool.0/22,size=16': invalid pools size: 16"
check "with a failure status" test "$rc" -ne 0 -a "$rc" -ne 124
finish
