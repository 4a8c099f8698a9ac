#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Health checks (issue 10) with both docker CLIs: a passing check becomes
# healthy, a failing one unhealthy after its retries, failures inside the
# start period do not count, a probe past its timeout is killed and counted
# (exit -1, dockerd's message), NONE / --no-healthcheck, an image's
# HEALTHCHECK from a build, State.Health validated against v1.44's schema,
# health_status and probe exec events, ps status and the health filter,
# probes continuing across a berthd restart, dockerd's create-time errors.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts"; finish; }
BR=$BERTH_BRIDGE
on_exit 'berth_stop; nft delete table ip "berth_$BR" 2>/dev/null; ip link del "$BR" 2>/dev/null'
on_exit 'ids=$("$DOCKER" ps -aq 2>/dev/null); [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1'

hstatus() { "$DOCKER" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null; }
is_status() { [ "$(hstatus "$1")" = "$2" ]; }
nlog() { "$DOCKER" inspect -f '{{if .State.Health}}{{len .State.Health.Log}}{{else}}0{{end}}' "$1"; }
has_log() { [ "$(nlog "$1")" -ge "$2" ]; }
streak_ge() { [ "$("$DOCKER" inspect -f '{{.State.Health.FailingStreak}}' "$1")" -ge "$2" ]; }
health_json() { "$DOCKER" inspect -f '{{json .State.Health}}' "$1"; }

# State.Health against v1.44's Health definition (types, enum, nested results).
validate_health() { # DESC JSON
	local out
	out=$(printf '%s' "$2" | python3 -c '
import json, sys, yaml, jsonschema
spec = yaml.safe_load(open(sys.argv[1]))
defs = spec["definitions"]
def fix(o):  # swagger 2 → JSON schema: x-nullable, refs to #/definitions
    if isinstance(o, dict):
        o = {k: fix(v) for k, v in o.items() if k != "example"}
        if o.pop("x-nullable", False) and "type" in o:
            o["type"] = [o["type"], "null"]
        return o
    if isinstance(o, list):
        return [fix(v) for v in o]
    return o
schema = fix(defs["Health"]); schema["definitions"] = {k: fix(v) for k, v in defs.items()}
doc = json.load(sys.stdin)
jsonschema.validate(doc, schema)
for k in ("Status", "FailingStreak", "Log"):
    assert k in doc, k
for r in doc["Log"]:
    assert set(r) == {"Start", "End", "ExitCode", "Output"}, r
    assert r["Start"].endswith("Z") and "T" in r["Start"], r
print("valid")' /work/shared/reference/moby-api/v1.44.yaml 2>&1)
	expect_eq "$1" "$out" valid
}

# Events are watched from the start: probes publish three exec events each,
# more than the bus's replay buffer keeps for a later --since query.
"$DOCKER" events --format '{{.Action}} {{.Actor.Attributes.name}}' >"$T_DIR/events" 2>&1 &
EV_PID=$!
T_PIDS+=("$EV_PID")

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	n=${v//./}
	# (2 s intervals here: a busy machine's CLI must see "starting" first)
	"$cli" run -d --name ok-$n --health-cmd 'echo fine' --health-interval 2s busybox sleep 600 >/dev/null
	expect_eq "[$v] a container with a check starts as starting" "$(hstatus ok-$n)" starting
	expect_match "[$v] ps shows (health: starting)" "$("$cli" ps --filter name=ok-$n --format '{{.Status}}')" '^Up .* \(health: starting\)$'
	wait_for 20 is_status ok-$n healthy; rc=$?
	expect_eq "[$v] a passing check becomes healthy" "$rc" 0
	expect_match "[$v] ps shows (healthy)" "$("$cli" ps --filter name=ok-$n --format '{{.Status}}')" '^Up .* \(healthy\)$'
	j=$(health_json ok-$n)
	expect_match "[$v] the log records the probe's output and exit code" "$j" '"ExitCode":0,"Output":"fine\\n"'
	validate_health "[$v] State.Health of a healthy container validates against v1.44" "$j"

	"$cli" run -d --name bad-$n --health-cmd 'echo broken >&2; exit 1' --health-interval 1s --health-retries 3 busybox sleep 600 >/dev/null
	wait_for 10 has_log bad-$n 1
	expect_eq "[$v] one failure of three retries: still starting" "$(hstatus bad-$n)" starting
	wait_for 20 is_status bad-$n unhealthy; rc=$?
	expect_eq "[$v] a failing check becomes unhealthy after its retries" "$rc" 0
	expect_eq "[$v] with a failing streak of at least the retries" "$("$cli" inspect -f '{{ge .State.Health.FailingStreak 3}}' bad-$n)" true
	expect_match "[$v] stderr is in the output" "$(health_json bad-$n)" '"ExitCode":1,"Output":"broken\\n"'
	expect_match "[$v] ps shows (unhealthy)" "$("$cli" ps --filter name=bad-$n --format '{{.Status}}')" '^Up .* \(unhealthy\)$'
	validate_health "[$v] State.Health of an unhealthy container validates" "$(health_json bad-$n)"
	# (six failures, seen in the streak: the log itself never holds six)
	wait_for 20 streak_ge bad-$n 6
	expect_eq "[$v] the log keeps the last five results" "$(nlog bad-$n)" 5

	# Inside the start period probes come every start interval (5 s by
	# default; CLI 20.10 has no flag for it), so the first one at 5 s fails
	# without counting and the one after the period's end counts.
	"$cli" run -d --name sp-$n --health-cmd false --health-interval 1s --health-retries 1 --health-start-period 8s busybox sleep 600 >/dev/null
	wait_for 15 has_log sp-$n 1
	expect_eq "[$v] failures inside the start period do not count: starting" "$(hstatus sp-$n)" starting
	expect_eq "[$v] ... with a zero failing streak" "$("$cli" inspect -f '{{.State.Health.FailingStreak}}' sp-$n)" 0
	wait_for 30 is_status sp-$n unhealthy; rc=$?
	expect_eq "[$v] after the start period the first failure counts" "$rc" 0

	"$cli" run -d --name to-$n --health-cmd 'echo slow; echo $$ >>/tmp/probes; sleep 30' --health-timeout 1s --health-interval 1s --health-retries 1 busybox sleep 600 >/dev/null
	wait_for 20 is_status to-$n unhealthy; rc=$?
	expect_eq "[$v] a probe past its timeout counts as a failure" "$rc" 0
	expect_match "[$v] ... with exit -1 and dockerd's message" "$(health_json to-$n)" '"ExitCode":-1,"Output":"Health check exceeded timeout \(1s\): slow\\n"'
	# (as with dockerd the kill reaches the probe's process, not its children)
	check "[$v] the timed-out probe's process was killed" \
		"$cli" exec to-$n sh -c '! kill -0 "$(head -n1 /tmp/probes)" 2>/dev/null'

	"$cli" run -d --name none-$n busybox sleep 600 >/dev/null
	expect_eq "[$v] no check: no State.Health" "$(hstatus none-$n)" none
	expect_match "[$v] ... and a plain Up in ps" "$("$cli" ps --filter name=none-$n --format '{{.Status}}')" '^Up [^()]*$'
	ids=$("$cli" ps -q --no-trunc --filter health=healthy)
	check "[$v] health=healthy lists the healthy container" grep -q "$("$cli" inspect -f '{{.Id}}' ok-$n)" <<<"$ids"
	check "[$v] ... and not the unhealthy one" bash -c "! grep -q $("$cli" inspect -f '{{.Id}}' bad-$n) <<<'$ids'"
	ids=$("$cli" ps -q --no-trunc --filter health=unhealthy)
	check "[$v] health=unhealthy lists the unhealthy container" grep -q "$("$cli" inspect -f '{{.Id}}' bad-$n)" <<<"$ids"
	ids=$("$cli" ps -q --no-trunc --filter health=none)
	check "[$v] health=none lists the container without a check" grep -q "$("$cli" inspect -f '{{.Id}}' none-$n)" <<<"$ids"
	check "[$v] ... and not one with a check" bash -c "! grep -q $("$cli" inspect -f '{{.Id}}' ok-$n) <<<'$ids'"
	out=$("$cli" ps --filter health=bogus 2>&1); rc=$?
	expect_match "[$v] health=bogus is refused with dockerd's message" "$out" 'Unrecognised filter value for health: bogus'
done

# Events: status changes and the probes' exec events, as dockerd publishes them.
ev=$(cat "$T_DIR/events")
expect_match "health_status: healthy is published" "$ev" '^health_status: healthy ok-cli-28$'
expect_match "health_status: unhealthy is published" "$ev" '^health_status: unhealthy bad-cli-28$'
expect_match "probes publish exec_create with the command" "$ev" '^exec_create: /bin/sh -c echo fine ok-cli-28$'
expect_match "... exec_start" "$ev" '^exec_start: /bin/sh -c echo fine ok-cli-28$'
expect_match "... and exec_die" "$ev" '^exec_die ok-cli-28$'
n=$(printf '%s\n' "$ev" | grep -c '^health_status: healthy ok-cli-28$')
expect_eq "a status is published once per change, not per probe" "$n" 1
expect_eq "finished probes are not left in ExecIDs (one may be in flight)" "$("$DOCKER" inspect -f '{{le (len .ExecIDs) 1}}' ok-cli-28)" true

# Stop: the monitor ends and the status is unhealthy (moby's compatibility rule).
"$DOCKER" stop -t 1 ok-cli-28 >/dev/null
expect_eq "a stopped container's health is unhealthy" "$(hstatus ok-cli-28)" unhealthy
n=$(nlog ok-cli-28)
"$DOCKER" start ok-cli-28 >/dev/null
expect_eq "a start resets it to starting" "$(hstatus ok-cli-28)" starting
wait_for 20 is_status ok-cli-28 healthy; rc=$?
expect_eq "... and probes run again" "$rc" 0

# The image's HEALTHCHECK, from a build; --no-healthcheck and NONE.
CTX=$T_DIR/ctx; mkdir -p "$CTX"
printf 'FROM busybox\nHEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["sh", "-c", "test -e /tmp/ready"]\n' >"$CTX/Dockerfile"
out=$("$DOCKER" build -q -t hc-img "$CTX" 2>&1); rc=$?
expect_eq "an image with HEALTHCHECK builds" "$rc" 0
expect_eq "the image config carries the check" "$("$DOCKER" image inspect -f '{{json .Config.Healthcheck}}' hc-img)" \
	'{"Test":["CMD","sh","-c","test -e /tmp/ready"],"Interval":1000000000,"Timeout":2000000000,"Retries":2}'
"$DOCKER" run -d --name img-hc hc-img sleep 600 >/dev/null
expect_eq "a container of it has the image's check" "$("$DOCKER" inspect -f '{{json .Config.Healthcheck.Test}}' img-hc)" '["CMD","sh","-c","test -e /tmp/ready"]'
wait_for 20 is_status img-hc unhealthy; rc=$?
expect_eq "the image's check runs (failing until ready)" "$rc" 0
"$DOCKER" exec img-hc touch /tmp/ready
wait_for 20 is_status img-hc healthy; rc=$?
expect_eq "... and turns healthy once it passes" "$rc" 0
"$DOCKER" run -d --name img-hc2 --health-interval 2s hc-img sleep 600 >/dev/null
expect_eq "a request's interval is kept, the image fills the rest" \
	"$("$DOCKER" inspect -f '{{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}} {{index .Config.Healthcheck.Test 0}}' img-hc2)" "2s 2 CMD"
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$([ "$cli" = /usr/bin/docker ] && echo cli-20.10 || echo cli-28)
	"$cli" run -d --name nohc-${v//./} --no-healthcheck hc-img sleep 600 >/dev/null
	expect_eq "[$v] --no-healthcheck: Test is NONE" "$("$cli" inspect -f '{{json .Config.Healthcheck.Test}}' nohc-${v//./})" '["NONE"]'
	expect_eq "[$v] ... and there is no State.Health" "$(hstatus nohc-${v//./})" none
done

# The API: dockerd's validation, StartInterval from API 1.44 on.
out=$(api POST /v1.44/containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"],"Healthcheck":{"Test":["CMD","true"],"Interval":5}}')
expect_eq "an interval under 1ms is a 400" "$(tail -n1 <<<"$out")" 400
expect_match "... with dockerd's message" "$out" '"message":"Interval in Healthcheck cannot be less than 1ms"'
out=$(api POST /v1.44/containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"],"Healthcheck":{"Test":["CMD","true"],"Retries":-1}}')
expect_match "negative retries are refused as dockerd does" "$out" '"message":"Retries in Healthcheck cannot be negative"'
out=$(api POST /v1.44/containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"],"Healthcheck":{"Test":"CMD true"}}')
expect_eq "a mistyped Test is a 400" "$(tail -n1 <<<"$out")" 400
out=$(api POST "/v1.44/containers/create?name=si44" -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"],"Healthcheck":{"Test":["CMD","true"],"StartInterval":2000000000}}')
expect_eq "StartInterval is kept with API 1.44" "$("$DOCKER" inspect -f '{{.Config.Healthcheck.StartInterval}}' si44)" 2s
out=$(api POST "/v1.43/containers/create?name=si43" -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"],"Healthcheck":{"Test":["CMD","true"],"StartInterval":2000000000}}')
expect_eq "... and dropped before 1.44, as dockerd does" "$("$DOCKER" inspect -f '{{.Config.Healthcheck.StartInterval}}' si43)" 0s
out=$("$DOCKER" run -d --name sint --health-cmd 'echo quick' --health-interval 30s --health-start-period 60s --health-start-interval 1s busybox sleep 600 2>&1)
wait_for 15 is_status sint healthy; rc=$?
expect_eq "the start interval paces probes inside the start period" "$rc" 0

# A berthd restart: running containers keep their health and probes go on.
n=$(nlog bad-cli-28)
last=$("$DOCKER" inspect -f '{{(index .State.Health.Log 4).End}}' bad-cli-28)
berth_stop
berth_restart || fail "berthd comes back"
expect_eq "health survives a berthd restart" "$(hstatus bad-cli-28)" unhealthy
ends_changed() { [ "$("$DOCKER" inspect -f '{{(index .State.Health.Log 4).End}}' bad-cli-28)" != "$last" ]; }
wait_for 20 ends_changed; rc=$?
expect_eq "probes are re-armed after the restart" "$rc" 0
check "berthd still answers" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping
finish
