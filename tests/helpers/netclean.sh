#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Removes the host-side network state a test berthd left behind for bridge
# NAME: the bridge link, berth's nft table for it, and its tagged accept
# rules in iptables' FORWARD chain. berthd keeps these across its own
# restarts on purpose (running containers need them); tests must not.
#   netclean.sh NAME...        those bridges
#   netclean.sh --stale        every test bridge (bt + 4 hex) that no live berthd
#                              uses and no live test has claimed (lib.sh writes
#                              the test's pid to /run/berth-test-bridges/NAME),
#                              and every user-network bridge br-<12 hex> with
#                              berth's table berth_br_<12 hex> that no data
#                              root on this machine still knows (see below)
set -u
clean_one() {
	local br=$1 h
	ip link del "$br" 2>/dev/null
	nft delete table ip "berth_${br//-/_}" 2>/dev/null # nft names map - to _
	nft delete table ip6 "berth_${br//-/_}" 2>/dev/null # IPv6 networks have one too
	if nft list chain ip filter FORWARD >/dev/null 2>&1; then
		for h in $(nft -a list chain ip filter FORWARD 2>/dev/null |
			sed -n "s/.*comment \"berth-br:$br\" # handle \([0-9]*\)$/\1/p"); do
			nft delete rule ip filter FORWARD handle "$h" 2>/dev/null
		done
	fi
}
if [ "${1:-}" = "--stale" ]; then
	for br in $( (ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}'
		nft list tables 2>/dev/null | sed -n 's/^table ip berth_//p') | grep -E '^bt[0-9a-f]{4}$' | sort -u); do
		pgrep -f -- "--bridge $br( |$)" >/dev/null 2>&1 && continue
		owner=$(cat "/run/berth-test-bridges/$br" 2>/dev/null)
		[ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
		rm -f "/run/berth-test-bridges/$br"
		clean_one "$br"
	done
	# User networks: berth names the bridge br-<first 12 hex of the network
	# ID> and its nft table berth_br_<same>; dockerd names its bridges the
	# same way but has no such table, so only a table proves it is berth's.
	# It is left alone while any data root (a test's, a live berthd's, the
	# default one) still has the network's record or bridge marker: a test
	# daemon may be down between a kill -9 and its restart.
	roots=$(
		ls -d /tmp/berth-it.*/d*/data /var/lib/berth 2>/dev/null
		for p in $(pgrep -x berthd 2>/dev/null); do
			tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n '/^--data-root$/{n;p}'
		done
	)
	for hex in $(nft list tables 2>/dev/null | sed -n 's/^table ip berth_br_\([0-9a-f]\{12\}\)$/\1/p'); do
		known=
		for r in $roots; do
			if ls "$r/network/$hex"*.json >/dev/null 2>&1 ||
				[ -e "$r/network/bridges/br-$hex" ]; then
				known=1
				break
			fi
		done
		[ -n "$known" ] || clean_one "br-$hex"
	done
	exit 0
fi
for br in "$@"; do clean_one "$br"; done
