#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# 4001-network: engine/network end to end, through tests/tools/berth-nettool.
# Creates its own bridge (bt<random>), subnet (10.<r>.<r>.0/24), nft table and
# a fake "outside" host (a netns behind a veth with 198.18.<r>.2/30), so it
# can run beside dockerd and other tests; removes exactly what it made, also
# on failure. "Containers" are bare network namespaces running busybox
# applets through nsenter. Output is TAP; exit 77 (skip) when not root or a
# tool is missing.
. "$(dirname "$0")/../helpers/lib.sh"

TOOL=${BERTH_NETTOOL:-${BUILD:-.}/tests/tools/berth-nettool}
[ -x "$TOOL" ] || TOOL="$(dirname "$0")/../tools/berth-nettool"

[ "$(id -u)" = 0 ] || skip_all "needs root"
for t in busybox nsenter curl nft ip; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
[ -x "$TOOL" ] || skip_all "berth-nettool not built"

T=$(mktemp -d /tmp/berth-4001-XXXXXX)
SUF=$(printf %04x $((RANDOM)))
BR=bt$SUF
OUTNS=bto$SUF
while :; do
	A=$((RANDOM % 200 + 20)); B=$((RANDOM % 250 + 1)); C=$((RANDOM % 60 * 4))
	[ "$A" = 88 ] || [ "$A" = 17 ] && continue
	ip -4 route | grep -q "^10\.$A\.$B\." && continue
	ip -4 route | grep -q "^198\.18\.$C\." && continue
	break
done
NET=10.$A.$B
OUT_HOST=198.18.$C.1
OUT_PEER=198.18.$C.2
PIDS=()

nt() { "$TOOL" -d "$T/data" -x "$T/exec" -b "$BR" -c "$NET.1/24" "$@"; }
field() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
in_ns() { local ns=$1; shift; nsenter --net="$ns" "$@"; }
free_port() {
	local p
	while :; do
		p=$((RANDOM % 10000 + 20000))
		ss -Htanu | awk '{print $5}' | grep -q ":$p\$" || { echo "$p"; return; }
	done
}

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	nt cleanup >/dev/null 2>&1
	nt destroy >/dev/null 2>&1
	ip netns del "$OUTNS" 2>/dev/null
	ip link del "$OUTNS" 2>/dev/null
	nft delete table ip "berth_$BR" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	for f in "$T"/exec/netns/*; do [ -e "$f" ] && umount -l "$f" 2>/dev/null; done
	rm -rf "$T"
}
on_exit cleanup

# The fake outside host: no route back to the bridge subnet, so only NAT works.
ip netns add "$OUTNS"
ip link add "$OUTNS" type veth peer name eth0 netns "$OUTNS"
ip addr add "$OUT_HOST/30" dev "$OUTNS"
ip link set "$OUTNS" up
ip -n "$OUTNS" addr add "$OUT_PEER/30" dev eth0
ip -n "$OUTNS" link set eth0 up
ip -n "$OUTNS" link set lo up
mkdir -p "$T/out/cgi-bin" "$T/www"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$T/out/cgi-bin/ip"
chmod +x "$T/out/cgi-bin/ip"
echo hello-c1 >"$T/www/index.html"
ip netns exec "$OUTNS" busybox httpd -f -p 80 -h "$T/out" >/dev/null 2>&1 &
PIDS+=($!)

# --- bridge set-up ---------------------------------------------------------
check "setup creates the bridge" nt setup
check "bridge has the gateway address" sh -c "ip -4 -o addr show dev $BR | grep -q ' $NET.1/24 '"
DEF_DEV=$(ip -4 route show default | awk '{print $5; exit}')
WANT_MTU=$(cat "/sys/class/net/${DEF_DEV:-lo}/mtu" 2>/dev/null || echo 1500)
[ -n "$DEF_DEV" ] || WANT_MTU=1500
check "bridge MTU is the default route's ($WANT_MTU)" \
	test "$(cat /sys/class/net/$BR/mtu)" = "$WANT_MTU"
check "own nft table exists" nft list table ip "berth_$BR"
check "ip_forward enabled" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 1
check "setup is idempotent (no duplicate rules)" sh -c \
	"nt() { \"$TOOL\" -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' \"\$@\"; }; nt setup &&
	 test \$(nft list chain ip berth_$BR postrouting | grep -c masquerade) = 3"

# --- attach two containers -------------------------------------------------
P1=$(free_port); P2=$(free_port); P3=$(free_port)
check "attach c1 with ports" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' \
	attach c1 -p 127.0.0.1:$P1:80 -p $P2:80 -p $P3:7777/udp >'$T/c1'"
check "attach c2" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' attach c2 >'$T/c2'"
IP1=$(field "$T/c1" ip); IP2=$(field "$T/c2" ip)
NS1=$(field "$T/c1" netns); NS2=$(field "$T/c2" netns)
check "addresses are distinct and in the subnet" sh -c \
	"case '$IP1' in $NET.*) ;; *) exit 1;; esac; case '$IP2' in $NET.*) ;; *) exit 1;; esac;
	 test '$IP1' != '$IP2' && test '$IP1' != '$NET.1'"
check "MAC is 02:42 + address" sh -c "field() { awk -v k=\$2 '\$1==k{print \$2}' \$1; };
	test \"\$(field '$T/c1' mac)\" = \"\$(printf '02:42:%02x:%02x:%02x:%02x' \$(echo $IP1 | tr . ' '))\""
check "c1 eth0 has its address" sh -c "nsenter --net='$NS1' ip -4 -o addr show dev eth0 | grep -q ' $IP1/24 '"
check "c1 eth0 MTU matches bridge" test "$(in_ns "$NS1" cat /sys/class/net/eth0/mtu 2>/dev/null ||
	in_ns "$NS1" ip -o link show eth0 | sed 's/.* mtu \([0-9]*\).*/\1/')" = "$(cat /sys/class/net/$BR/mtu)"
check "c1 default route via gateway" sh -c "nsenter --net='$NS1' ip route | grep -q '^default via $NET.1 dev eth0'"
check "c2 pings c1" in_ns "$NS2" busybox ping -c1 -W2 "$IP1"
check "c1 pings the gateway" in_ns "$NS1" busybox ping -c1 -W2 "$NET.1"
check "inspect returns the effective ports" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' \
	-c '$NET.1/24' inspect c1 | grep -qx 'port tcp 80 127.0.0.1 $P1'"

# --- published ports -------------------------------------------------------
# Started directly (not through a shell function) so that $! is the server.
nsenter --net="$NS1" busybox httpd -f -p 80 -h "$T/www" >/dev/null 2>&1 &
PIDS+=($!)
# busybox nc lacks -u in Debian's build: use OpenBSD netcat when present.
UDPNC=$(command -v nc.openbsd || true)
if [ -n "$UDPNC" ]; then
	nsenter --net="$NS1" timeout 20 "$UDPNC" -u -l 7777 >"$T/udp.out" 2>&1 &
	PIDS+=($!)
fi
sleep 0.5
check "127.0.0.1:$P1 reaches c1 httpd from the host" \
	sh -c "curl -sS -m 5 http://127.0.0.1:$P1/ | grep -qx hello-c1"
HOST_IP=$(ip -4 -o addr show dev "${DEF_DEV:-$OUTNS}" | awk '{print $4}' | cut -d/ -f1 | head -1)
check "host address $HOST_IP:$P2 reaches c1" sh -c "curl -sS -m 5 http://$HOST_IP:$P2/ | grep -qx hello-c1"
check "127.0.0.1:$P2 (0.0.0.0 binding) reaches c1" sh -c "curl -sS -m 5 http://127.0.0.1:$P2/ | grep -qx hello-c1"
check "127.0.0.1-only binding is not on other addresses" \
	sh -c "! curl -sS -m 3 http://$HOST_IP:$P1/ >/dev/null 2>&1"
check "another host reaches $OUT_HOST:$P2" \
	sh -c "ip netns exec '$OUTNS' curl -sS -m 5 http://$OUT_HOST:$P2/ | grep -qx hello-c1"
if [ -n "$UDPNC" ]; then
	for i in 1 2 3; do echo udp-hello >"/dev/udp/127.0.0.1/$P3"; sleep 0.2; done
	check "udp publish delivers to c1" grep -q udp-hello "$T/udp.out"
else
	skip "udp publish: no nc.openbsd"
fi

# --- conflicts and -P ------------------------------------------------------
check "conflict with another container's port" sh -c "! '$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' \
	-c '$NET.1/24' attach c3 -p $P2:80 2>'$T/err' &&
	grep -q 'driver failed programming external connectivity on endpoint c3 (.*): Bind for 0.0.0.0:$P2 failed: port is already allocated' '$T/err'"
P4=$(free_port)
busybox nc -l -p "$P4" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
sleep 0.3
check "conflict with a listening host socket" sh -c "! '$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' \
	-c '$NET.1/24' attach c3 -p $P4:80 2>'$T/err' && grep -q 'Bind for 0.0.0.0:$P4 failed: port is already allocated' '$T/err'"
check "failed attach leaves nothing behind" sh -c "test ! -e '$T/exec/netns/c3' &&
	! ip -d link show master $BR | grep -q 'alias berth:c3'"
read -r EPH_LO EPH_HI </proc/sys/net/ipv4/ip_local_port_range
check "-P picks an ephemeral host port" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' \
	attach c3 -p 80 >'$T/c3' && p=\$(awk '\$1==\"port\"{print \$5}' '$T/c3') &&
	test \"\$p\" -ge $EPH_LO && test \"\$p\" -le $EPH_HI"
check "detach c3" nt detach c3

# --- outbound NAT ----------------------------------------------------------
check "c1 reaches the outside host, masqueraded as $OUT_HOST" \
	sh -c "nsenter --net='$NS1' curl -sS -m 5 http://$OUT_PEER/cgi-bin/ip | grep -qE '(^|:)$OUT_HOST]?\$'"

# --- other modes -----------------------------------------------------------
check "none mode: only lo" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' attach n1 -m none >'$T/n1' &&
	test \$(nsenter --net='$T/exec/netns/n1' ip -o link | wc -l) = 1"
check "host mode: no namespace" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' attach h1 -m host |
	grep -qx 'netns -'"
check "container mode joins c1's namespace" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' \
	attach j1 -m container:c1 | grep -qx 'netns $NS1'"
check "detach modes" sh -c "nt() { '$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' \"\$@\"; };
	nt detach j1 && nt detach h1 && nt detach n1 && test -e '$NS1' && test ! -e '$T/exec/netns/n1'"

# --- detach ----------------------------------------------------------------
VETH1=$(field "$T/c1" veth)
kill "${PIDS[1]}" "${PIDS[2]:-}" 2>/dev/null
check "detach c1" nt detach c1
check "c1 veth is gone" sh -c "! ip link show '$VETH1' >/dev/null 2>&1"
check "c1 port rules are gone" sh -c "! nft list chain ip berth_$BR ports | grep -q 'berth:c1\"'"
check "c1 namespace file is gone" test ! -e "$NS1"
check "c1 address released" sh -c "! grep -q '\"c1\"' '$T/data/network/networks/bridge/ipam.json'"
check "detach is idempotent" nt detach c1

# --- crash cleanup ---------------------------------------------------------
P5=$(free_port)
"$TOOL" -d "$T/data" -x "$T/exec" -b "$BR" -c "$NET.1/24" attach k1 -p "$P5:80" -s 60 >"$T/k1" 2>&1 &
K1=$!
PIDS+=($K1)
for i in $(seq 50); do grep -q '^port' "$T/k1" && break; sleep 0.1; done
kill -9 "$K1"
wait "$K1" 2>/dev/null
VETHK=$(field "$T/k1" veth)
# A crash between steps may leave no record at all: drop it to exercise the sweep.
rm -f "$T/data/network/endpoints/k1.json"
check "cleanup keeps live c2, removes k1" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' cleanup c2"
check "k1 veth removed" sh -c "! ip link show '$VETHK' >/dev/null 2>&1"
check "k1 namespace removed" test ! -e "$T/exec/netns/k1"
check "k1 port rules removed" sh -c "! nft list chain ip berth_$BR ports | grep -q 'berth:k1\"'"
check "k1 address released" sh -c "! grep -q '\"k1\"' '$T/data/network/networks/bridge/ipam.json'"
check "c2 untouched" sh -c "test -e '$NS2' && nsenter --net='$NS2' busybox ping -c1 -W2 $NET.1 >/dev/null"
check "cleanup with no live containers removes c2" nt cleanup
check "nothing left on the bridge" sh -c "test -z \"\$(ls '$T/exec/netns')\" &&
	! ip -d link show master $BR | grep -q 'alias berth:' &&
	! nft list chain ip berth_$BR ports | grep -q comment"
check "destroy removes bridge and table" sh -c "'$TOOL' -d '$T/data' -x '$T/exec' -b '$BR' -c '$NET.1/24' destroy &&
	! ip link show $BR >/dev/null 2>&1 && ! nft list table ip berth_$BR >/dev/null 2>&1"

finish
