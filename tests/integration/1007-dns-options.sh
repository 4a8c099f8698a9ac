#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DNS and host settings of a container on the default bridge, through both
# docker CLIs: --dns/--dns-search/--dns-option (replacing the daemon's
# --dns/--dns-opt defaults, which replace the host's), --add-host with
# host-gateway (the daemon's --host-gateway-ip), --hostname/--domainname in
# the UTS namespace and /etc/hosts, all shown back by inspect; ExtraHosts
# refused with dockerd's messages.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded -- --dns 192.0.2.53 --dns-opt ndots:3 --host-gateway-ip 192.0.2.254 ||
	{ fail "berthd starts with busybox seeded"; finish; }

for cli in "$DOCKER" $DOCKER_OLD; do
	if [ "$cli" = /usr/bin/docker ]; then v=20.10; else v=28; fi
	d() { "$cli" "$@"; }

	out=$(d run --rm --dns 192.0.2.1 --dns 2001:db8::1 --dns-search a.example --dns-search b.example \
		--dns-option ndots:2 --dns-option timeout:1 busybox cat /etc/resolv.conf 2>&1)
	expect_eq "[$v] --dns servers in order" "$(printf '%s\n' "$out" | grep '^nameserver' | tr '\n' ' ')" \
		"nameserver 192.0.2.1 nameserver 2001:db8::1 "
	expect_no_match "[$v] no other nameserver" "$out" 'nameserver 192.0.2.53'
	expect_match "[$v] --dns-search" "$out" $'^search a.example b.example$'
	expect_match "[$v] --dns-option" "$out" $'^options ndots:2 timeout:1$'

	out=$(d run --rm busybox cat /etc/resolv.conf 2>&1)
	expect_match "[$v] daemon --dns is the default" "$out" $'^nameserver 192.0.2.53$'
	expect_match "[$v] daemon --dns-opt is the default" "$out" $'^options ndots:3$'
	out=$(d run --rm --dns-search . busybox cat /etc/resolv.conf 2>&1)
	expect_no_match "[$v] --dns-search . removes the search line" "$out" '(^|\n)search'

	d create --name dnsopt-$v --dns 192.0.2.9 --dns-search c.example --dns-option attempts:2 \
		--add-host foo:10.1.2.3 --add-host gw:host-gateway --add-host six:::1 \
		--hostname h1 --domainname example.org busybox sleep 30 >/dev/null
	out=$(d inspect -f '{{json .HostConfig.Dns}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}} {{json .HostConfig.ExtraHosts}} {{.Config.Hostname}} {{.Config.Domainname}}' dnsopt-$v)
	expect_eq "[$v] inspect shows the DNS and host settings" "$out" \
		'["192.0.2.9"] ["c.example"] ["attempts:2"] ["foo:10.1.2.3","gw:host-gateway","six:::1"] h1 example.org'
	check "[$v] start" d start dnsopt-$v
	out=$(d exec dnsopt-$v cat /etc/hosts)
	expect_match "[$v] --add-host entry" "$out" $'^10.1.2.3\tfoo$'
	expect_match "[$v] host-gateway is --host-gateway-ip" "$out" $'^192.0.2.254\tgw$'
	expect_match "[$v] IPv6 --add-host" "$out" $'^::1\tsix$'
	expect_match "[$v] own address with FQDN then hostname" "$out" $'\th1.example.org h1$'
	expect_eq "[$v] hostname in the UTS namespace" "$(d exec dnsopt-$v hostname)" h1
	expect_eq "[$v] domainname in the UTS namespace" "$(d exec dnsopt-$v cat /proc/sys/kernel/domainname)" example.org
	d rm -f dnsopt-$v >/dev/null

	out=$(d run --rm --hostname a.b.c busybox sh -c 'hostname; tail -1 /etc/hosts')
	expect_eq "[$v] dotted --hostname kept whole" "$(printf '%s\n' "$out" | head -1)" a.b.c
	expect_match "[$v] dotted --hostname: FQDN then short name in hosts" "$out" $'^[0-9.]+\ta.b.c a$'

	# --network host: the host's files and hostname, as dockerd gives them.
	out=$(d run --rm --network host busybox cat /etc/resolv.conf)
	expect_eq "[$v] host network: the daemon's --dns/--dns-opt still apply" "$out" \
		"$(grep -v '^nameserver\|^options' /etc/resolv.conf; printf 'nameserver 192.0.2.53\noptions ndots:3')"
	out=$(d run --rm --network host busybox cat /etc/hosts)
	expect_eq "[$v] host network: the host's /etc/hosts as it is" "$out" "$(cat /etc/hosts)"
	out=$(d run --rm --network host busybox hostname)
	expect_eq "[$v] host network: the host's hostname" "$out" "$(hostname)"
	out=$(d run --rm --network host --add-host hx:10.7.7.7 --dns 192.0.2.77 busybox cat /etc/hosts /etc/resolv.conf)
	expect_match "[$v] host network with --add-host: the entry" "$out" $'^10.7.7.7\thx$'
	expect_match "[$v] host network with --dns: the server" "$out" '^nameserver 192.0.2.77$'
done

if [ -x /usr/local/bin/docker ]; then
	out=$(/usr/local/bin/docker run --rm --add-host 'eq=10.4.4.4' --add-host 'br=[::2]' busybox cat /etc/hosts 2>&1)
	expect_match "[28] --add-host name=addr" "$out" $'^10.4.4.4\teq$'
	expect_match "[28] --add-host with a bracketed IPv6 address" "$out" $'^::2\tbr$'
fi

post() { curl -s --unix-socket "$BERTH_SOCK" -H "Content-Type: application/json" "$@"; }
out=$(post -d '{"Image":"busybox","HostConfig":{"ExtraHosts":["bad:notanip"]}}' http://x/v1.44/containers/create)
expect_eq "ExtraHosts with a bad address: dockerd's 400" "$out" '{"message":"invalid IP address in add-host: \"notanip\""}'
out=$(post -d '{"Image":"busybox","HostConfig":{"ExtraHosts":["noaddress"]}}' http://x/v1.44/containers/create)
expect_eq "ExtraHosts without a name: dockerd's 400" "$out" '{"message":"bad format for add-host: \"noaddress\""}'

# Daemon flags are checked before anything starts, with dockerd's wording.
out=$("$BERTHD" --dns bogus -H "unix://$T_DIR/x.sock" --data-root "$T_DIR/x" 2>&1); rc=$?
expect_eq "berthd --dns bogus exits 1" "$rc" 1
expect_match "with dockerd's message" "$out" 'invalid argument "bogus" for "--dns" flag: bogus is not an ip address'
out=$("$BERTHD" --host-gateway-ip nope -H "unix://$T_DIR/x.sock" --data-root "$T_DIR/x" 2>&1); rc=$?
expect_match "berthd --host-gateway-ip nope is refused" "$rc $out" '^1 .*invalid argument "nope" for "--host-gateway-ip" flag'

# The default host-gateway is the default bridge's gateway.
berth_stop
berth_restart || fail "berthd restarts"
out=$("$DOCKER" run --rm --add-host gw:host-gateway busybox cat /etc/hosts 2>&1)
expect_match "host-gateway defaults to the bridge's gateway" "$out" $'^'"${BERTH_BIP%/*}"$'\tgw$'
out=$("$DOCKER" run --rm --network host busybox cat /etc/resolv.conf)
expect_eq "host network without DNS settings: the host's resolv.conf as it is" "$out" "$(cat /etc/resolv.conf)"

finish
