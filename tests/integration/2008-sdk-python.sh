#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Python SDK's flows as its users write them (issue 14), with Debian's
# python3-docker against berthd (tests/sdk/docker_py_flows.py): pull with
# progress, containers.run(detach=True) + logs(stream, follow), images.build
# with the streamed log, exec_run(stream, demux), attach_socket, events(decode)
# past and live, networks.create + connect + a name lookup.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"

PY=/usr/bin/python3
"$PY" -c 'import docker' 2>/dev/null || skip_all "python3-docker not installed"
registry_up reg || { fail "the loopback registry starts"; finish; }
berth_start --insecure-registry "$REGISTRY" || { fail "berthd starts"; finish; }
mkdir -p "$T_DIR/ctx"
tap_lines timeout 300 "$PY" "$TOP/tests/sdk/docker_py_flows.py" "unix://$BERTH_SOCK" "$REGISTRY" "$T_DIR/ctx"
[ "$TAP_LINES" -ge 20 ] && ok "every flow reported ($TAP_LINES checks)" || fail "every flow reported (only $TAP_LINES checks)"
finish
