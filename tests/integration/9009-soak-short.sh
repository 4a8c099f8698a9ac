#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The soak test (tests/soak/soak.sh, `make soak` runs it for minutes) for
# 15 s: parallel run --rm, ps, logs -f, exec, events, pulls, builds and
# clients cut off in the middle of streams; then berthd's fds, threads and
# RSS are back at the baseline and no shim, mount or veth is left.
export SOAK_SECONDS=${SOAK_SECONDS:-15}
exec bash "$(dirname "$0")/../soak/soak.sh"
