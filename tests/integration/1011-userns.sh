#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --userns-remap default through both docker CLIs: berthd makes the system
# user berth and its subordinate ranges as dockerd does (and leaves them),
# containers run in a user namespace whose root is the range's first id on
# the host (/proc/PID/uid_map, files in a bind mount and a named volume),
# over idmapped image layers; exec, cp in/out, commit, export and build RUN
# work and keep the image's own ids; --userns=host opts out; --privileged,
# --network host and --pid host are refused with dockerd's errors unless it
# is given; docker info lists name=userns; a daemon restart keeps it all.
# The network namespace is made inside the container's user namespace and
# plumbed by berthd from outside (as libnetwork's prestart hook does for
# runc): ping over a raw socket, NET_ADMIN with --cap-add, DNS by name on a
# user network, a published port, connect/disconnect, container: mode, and
# all of it again after docker restart and a daemon restart. --ipc
# container:<c> alone joins <c>'s IPC and user namespaces (System V shm).
# Where layers cannot be idmapped (forced by a test knob) a shifted copy of
# each layer is made once per mapping, shared, and removed with the image.
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -x /usr/sbin/useradd ] && [ -x /usr/sbin/usermod ] || skip_all "needs useradd and usermod"
berth_start_seeded -- --userns-remap default || { fail "berthd starts with --userns-remap default"; finish; }

line=$(grep '^berth:' /etc/subuid | head -1)
expect_match "/etc/subuid has a range for berth" "$line" '^berth:[0-9]+:[0-9]+$'
check "/etc/subgid has a range for berth" grep -q '^berth:[0-9]*:[0-9]*$' /etc/subgid
check "the system user berth exists" getent passwd berth
first=$(echo "$line" | cut -d: -f2)
count=$(echo "$line" | cut -d: -f3)
mkdir -m 0777 "$T_DIR/bind"

for cli in "$DOCKER" $DOCKER_OLD; do
	# the 20.10 CLI repeats the core checks only (the suite's time budget)
	if [ "$cli" = /usr/bin/docker ]; then v=20.10 full=""; else v=28 full=1; fi
	d() { "$cli" "$@"; }

	expect_match "[$v] docker info lists name=userns" "$(d info -f '{{json .SecurityOptions}}')" \
		'"name=seccomp,profile=builtin","name=userns"'
	d run -d --name u-$v --ipc shareable -v "$T_DIR/bind:/bind" -v uvol-$v:/vol busybox sleep 300 >/dev/null
	pid=$(d inspect -f '{{.State.Pid}}' u-$v)
	expect_eq "[$v] uid_map of the container's pid 1 on the host" \
		"$(awk '{print $1, $2, $3}' /proc/$pid/uid_map)" "0 $first $count"
	expect_eq "[$v] its pid 1 runs as the range's first uid on the host" \
		"$(stat -c %u /proc/$pid)" "$first"
	expect_eq "[$v] its network namespace is owned by its user namespace" \
		"$(lsns -n -t net -p "$pid" -o ONS | tr -d ' ')" "$(stat -L -c %i /proc/$pid/ns/user)"
	gw=$(d inspect -f '{{.NetworkSettings.Gateway}}' u-$v)
	check "[$v] busybox ping (a raw socket: NET_RAW over its own network)" \
		d exec u-$v ping -c1 -W2 "$gw"
	expect_eq "[$v] exec: id inside is 0" "$(d exec u-$v sh -c 'echo $(id -u):$(id -g)')" "0:0"
	[ -z "$full" ] ||
		expect_eq "[$v] exec -u 1000 runs as uid 1000 inside" "$(d exec -u 1000 u-$v id -u)" 1000
	d exec u-$v sh -c "touch /bind/f-$v /vol/f; ls -ln /bind/f-$v /etc/passwd /" >"$T_DIR/ls" 2>&1
	expect_eq "[$v] a file made in a bind mount is owned by the range's first uid" \
		"$(stat -c %u:%g "$T_DIR/bind/f-$v")" "$first:$first"
	expect_match "[$v] the image's files and / are root's inside (idmapped layers)" \
		"$(cat "$T_DIR/ls")" '^-.* 0 +0 .*/etc/passwd'
	vol=$(d volume inspect -f '{{.Mountpoint}}' uvol-$v)
	expect_eq "[$v] the named volume's _data and its files belong to the remapped root" \
		"$(stat -c %u "$vol") $(stat -c %u "$vol/f")" "$first $first"
	echo "in-$v" >"$T_DIR/cpin-$v"
	d cp "$T_DIR/cpin-$v" u-$v:/cpin >/dev/null 2>&1
	expect_eq "[$v] docker cp in: owned by root inside" "$(d exec u-$v stat -c %u:%g /cpin)" "0:0"
	expect_eq "[$v] --privileged --userns=host: the host's user namespace" \
		"$(d run --rm --privileged --userns=host busybox cat /proc/self/uid_map |
			awk '{print $1, $2, $3}')" "0 0 4294967295"
	out=$(d run --rm --privileged busybox true 2>&1)
	expect_match "[$v] --privileged is refused (dockerd's error)" "$out" \
		'privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode'
	[ -n "$full" ] || continue
	expect_match "[$v] docker cp out: the tar has the container's ids" \
		"$(d cp u-$v:/etc/passwd - | tar tvf -)" '^-[rwx-]+ 0/0 '
	d exec u-$v sh -c 'echo c >/committed && chown 1000:1000 /committed'
	d commit u-$v ucommit-$v >/dev/null
	expect_eq "[$v] export: the container's and the image's files with the container's ids" \
		"$(d export u-$v | tar tvf - | awk '$6 == "committed" || $6 == "etc/passwd" {print $2}' |
			sort | tr '\n' ' ')" "0/0 1000/1000 "
	expect_eq "[$v] commit keeps the container's ids" \
		"$(d run --rm --userns=host ucommit-$v stat -c %u:%g /committed /cpin | tr '\n' ' ')" \
		"1000:1000 0:0 "
	d create --name uh-$v --userns host busybox true >/dev/null
	expect_eq "[$v] inspect shows UsernsMode" \
		"$(d inspect -f '{{.HostConfig.UsernsMode}}|' uh-$v u-$v | tr '\n' ' ')" "host| | "
	out=$(d run --rm --network host busybox true 2>&1)
	expect_match "[$v] --network host is refused" "$out" \
		"cannot share the host's network namespace when user namespaces are enabled"
	out=$(d run --rm --pid host busybox true 2>&1)
	expect_match "[$v] --pid host is refused" "$out" \
		'cannot share the host PID namespace when user namespaces are enabled'
	out=$(d run --rm --pid container:u-$v --ipc container:u-$v busybox sh -c \
		'ps -o comm | sed -n 2p; for n in user ipc; do readlink /proc/self/ns/$n; done' 2>&1)
	expect_eq "[$v] --pid/--ipc container: join its PID, IPC and user namespaces" "$out" \
		"$(printf 'sleep\n%s\n%s' "$(readlink /proc/$pid/ns/user)" "$(readlink /proc/$pid/ns/ipc)")"
	nsenter -t "$pid" --ipc -S "$first" -G "$first" ipcmk -M 4096 >/dev/null
	out=$(d run --rm --ipc container:u-$v busybox sh -c \
		'awk "NR == 2 {print \$4, \$8}" /proc/sysvipc/shm; echo $$
		for n in user ipc; do readlink /proc/self/ns/$n; done' 2>&1)
	expect_eq "[$v] --ipc container: alone: its shm segment, pid 1 of a new PID namespace, its user and IPC namespaces" \
		"$out" "$(printf '4096 0\n1\n%s\n%s' "$(readlink /proc/$pid/ns/user)" "$(readlink /proc/$pid/ns/ipc)")"
	expect_eq "[$v] --cap-add NET_ADMIN: the remapped root configures its own network" \
		"$(d run --rm --cap-add NET_ADMIN busybox sh -c \
			'ip link set lo mtu 1400 && ip addr add 10.99.0.1/32 dev lo && cat /sys/class/net/lo/mtu')" 1400
	expect_eq "[$v] --network container: joins its network and user namespaces (its own /sys)" \
		"$(d run --rm --network container:u-$v busybox sh -c \
			'cat /sys/class/net/eth0/address; readlink /proc/self/ns/user')" \
		"$(printf '%s\n%s' "$(d inspect -f '{{.NetworkSettings.MacAddress}}' u-$v)" \
			"$(readlink /proc/$pid/ns/user)")"
	d network create un-$v >/dev/null
	d run -d --name un1-$v --network un-$v -p 127.0.0.1::80 busybox httpd -f -p 80 -h /etc >/dev/null
	expect_match "[$v] DNS by name between two remapped containers on a user network" \
		"$(d run --rm --network un-$v busybox ping -c1 -W2 un1-$v 2>&1)" ' 0% packet loss'
	port=$(d port un1-$v 80/tcp | head -1 | sed 's/.*://')
	check "[$v] a published port of a remapped container answers" \
		wait_for 5 curl -sf "http://127.0.0.1:$port/hostname"
	d network connect un-$v u-$v
	check "[$v] network connect of a running remapped container: eth1, DNS" \
		d exec u-$v sh -c 'ip -4 addr show eth1 | grep -q inet && ping -c1 -W2 un1-'$v
	d network disconnect un-$v u-$v
	check_fails "[$v] network disconnect: eth1 is gone" d exec u-$v ip link show eth1
	d rm -f un1-$v >/dev/null
	d network rm un-$v >/dev/null
	expect_eq "[$v] --sysctl net.* applies in its network namespace" \
		"$(d run --rm --sysctl net.ipv4.ip_unprivileged_port_start=80 busybox \
			cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" 80
	d rm -f uh-$v >/dev/null
done

# build: RUN steps run remapped; the layer holds the image's ids.
mkdir "$T_DIR/ctx"
printf 'FROM busybox\nRUN cat /proc/self/uid_map >/map && touch /made && chown 1000:1000 /made\n' \
	>"$T_DIR/ctx/Dockerfile"
check "build with a RUN step" env DOCKER_BUILDKIT=0 "$DOCKER" build -q -t ubuild "$T_DIR/ctx"
out=$("$DOCKER" run --rm --userns=host ubuild sh -c 'awk "{print \$1, \$2, \$3}" /map; stat -c %u:%g /made')
expect_eq "build: RUN ran in the user namespace" "$(echo "$out" | head -1)" "0 $first $count"
expect_eq "build: the RUN layer keeps the container's ids" "$(echo "$out" | tail -1)" "1000:1000"

# A daemon restart: the running container is found again and stays remapped.
# From here on the test knob makes every layer behave as on a file system
# without idmapped mounts: the shifted copies are used instead.
berth_stop
BERTH_TEST_NO_IDMAPPED_LAYERS=1 berth_restart --userns-remap default || { fail "berthd restarts"; finish; }
expect_eq "after a restart: exec joins the running container's namespace" \
	"$("$DOCKER" exec u-28 sh -c 'id -u; cat /proc/self/uid_map' | awk 'NR==1{u=$1} NR==2{print u, $2}')" \
	"0 $first"
check "after a daemon restart: its network still works (ping)" "$DOCKER" exec u-28 ping -c1 -W2 "$gw"
"$DOCKER" restart -t 0 u-28 >/dev/null
pid=$("$DOCKER" inspect -f '{{.State.Pid}}' u-28)
expect_eq "after a restart: a restarted container is remapped again" "$(stat -c %u /proc/$pid)" "$first"
expect_eq "after a restart: its new network namespace is its user namespace's" \
	"$(lsns -n -t net -p "$pid" -o ONS | tr -d ' ')" "$(stat -L -c %i /proc/$pid/ns/user)"
check "after a restart: ping" "$DOCKER" exec u-28 ping -c1 -W2 "$gw"

# chown-copy fallback (the knob above): one shifted copy per layer and mapping.
copies() { ls -d "$BERTH_ROOT"/data/layers/*/diff.$first.$first 2>/dev/null | wc -l; }
expect_eq "no idmap: the image's files are root's inside (a shifted copy of the layer)" \
	"$("$DOCKER" exec u-28 stat -c %u:%g /etc/passwd /bin)" "$(printf '0:0\n0:0')"
expect_eq "no idmap: the copy beside the layer is owned by the range" \
	"$(stat -c %u:%g "$BERTH_ROOT"/data/layers/*/diff.$first.$first/etc/passwd | sort -u)" "$first:$first"
n=$(copies)
"$DOCKER" run --rm ucommit-28 true
expect_eq "no idmap: another image shares the base layer's copy, adds its own layer's" \
	"$(copies)" "$((n + 1))"
"$DOCKER" rmi ucommit-28 >/dev/null
expect_eq "no idmap: the copy goes with the image" "$(copies)" "$n"
"$DOCKER" rm -f u-28 ${DOCKER_OLD:+u-20.10} >/dev/null
berth_stop
check "the subordinate ranges stay when berthd stops (as dockerd leaves them)" \
	grep -q "^berth:$first:$count\$" /etc/subuid
finish
