#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# npm's dockerode flows as its users write them (issue 14), against berthd
# (tests/sdk/dockerode_flows.js): pull with modem.followProgress, run with
# streams, buildImage from a tar stream, getEvents live, container.attach
# and exec with hijack (stdin in, demuxed output, stdin end), stats stream.
# dockerode and tar-stream are installed from npm into a cache directory
# (BERTH_NPM_CACHE, default /var/tmp/berth-npm) the first time.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"

command -v node >/dev/null && command -v npm >/dev/null || skip_all "node and npm are not installed"
NPM=${BERTH_NPM_CACHE:-/var/tmp/berth-npm}
if [ ! -f "$NPM/node_modules/dockerode/package.json" ] || [ ! -f "$NPM/node_modules/tar-stream/package.json" ]; then
	mkdir -p "$NPM"
	(cd "$NPM" && timeout 300 npm install --no-audit --no-fund --ignore-scripts dockerode@4 tar-stream@3 >"$T_DIR/npm.log" 2>&1) ||
		{ diag "$(tail -5 "$T_DIR/npm.log")"; skip_all "cannot install dockerode from npm"; }
fi
ok "dockerode $(node -p "require('$NPM/node_modules/dockerode/package.json').version") is installed"
registry_up reg || { fail "the loopback registry starts"; finish; }
berth_start --insecure-registry "$REGISTRY" || { fail "berthd starts"; finish; }
tap_lines env NODE_PATH="$NPM/node_modules" timeout 300 node "$TOP/tests/sdk/dockerode_flows.js" "$BERTH_SOCK" "$REGISTRY"
[ "$TAP_LINES" -ge 17 ] && ok "every flow reported ($TAP_LINES checks)" || fail "every flow reported (only $TAP_LINES checks)"
finish
