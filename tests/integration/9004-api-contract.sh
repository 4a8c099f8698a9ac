#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The contract test of issue 11: every JSON response of a realistic sequence
# of calls (tests/helpers/contract.py) validates against the response schema
# of its route in moby's official API definitions, under /v1.41 and /v1.44,
# with fields added after 1.41 absent under /v1.41; and every operation of
# the 1.44 definition is served (openapi/swagger.yaml is held to the router by
# tests/unit/openapi-check.sh) except a short allow-list.
. "$(dirname "$0")/../helpers/lib.sh"
[ -f "$REF/v1.44.yaml" ] && [ -f "$REF/v1.41.yaml" ] || skip_all "no moby API definitions in $REF"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml is not installed"
[ "$(id -u)" = 0 ] || skip_all "needs root"

# Operations of the 1.44 definition that berth does not serve, and why.
ALLOW=(
	"post /session" # BuildKit's session endpoint: berth has the classic builder only
)
out=$(python3 - "$REF/v1.44.yaml" "$TOP/openapi/swagger.yaml" "${ALLOW[@]}" <<'PY'
import sys, yaml
ref = yaml.safe_load(open(sys.argv[1]))["paths"]
ours = yaml.safe_load(open(sys.argv[2]))["paths"]
allow = set(sys.argv[3:])
methods = ("get", "post", "put", "delete", "head")
for p, ops in sorted(ref.items()):
    for m in ops:
        if m in methods and m not in ours.get(p, {}) and "%s %s" % (m, p) not in allow:
            print("%s %s" % (m.upper(), p))
PY
)
expect_eq "every operation of the 1.44 definition is served (or allow-listed)" "$out" ""

berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
on_exit '"$DOCKER" rm -f $("$DOCKER" ps -aq) >/dev/null 2>&1'
tap_lines python3 "$TOP/tests/helpers/contract.py" "$BERTH_SOCK" "$REF" busybox:latest
n=$TAP_LINES
[ "$n" -ge 100 ] && ok "the sequence ran ($n checks)" || fail "the sequence ran ($n checks, expected >= 100)"

# The create round trip: every Config and HostConfig field of 1.44, shown
# back as sent, and seen from inside where it has an effect.
tap_lines python3 "$TOP/tests/helpers/roundtrip.py" "$BERTH_SOCK" "$REF" busybox:latest
n=$TAP_LINES
[ "$n" -ge 150 ] && ok "the round trip ran ($n checks)" || fail "the round trip ran ($n checks, expected >= 150)"
finish
