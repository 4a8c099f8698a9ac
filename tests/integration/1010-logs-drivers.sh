#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Log drivers through the docker CLI (28 and Debian's 20.10): json-file's
# max-size/max-file rotation while a container writes (docker logs reads
# every kept line in order, and -f follows across rotations), compress
# gzips the rotated files, --log-driver none keeps no file and `docker
# logs` answers as dockerd (501), an unknown driver or option is refused
# at create with dockerd's error, inspect shows LogConfig as sent, and the
# daemon's log-driver/log-opts (daemon.json and flags) are the defaults
# and show in /info. /info and /system/df validate against moby's v1.44
# and v1.41 schemas (tests/helpers/apischema.py).
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; finish; }
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }

on_exit '"$DOCKER" rm -f $("$DOCKER" ps -aq 2>/dev/null) >/dev/null 2>&1'


# in_order TEXT PREFIX FIRST LAST: TEXT is exactly PREFIX-FIRST .. PREFIX-LAST, one a line.
in_order() {
	[ "$1" == "$(seq -f "$2-%g" "$3" "$4")" ]
}

cdir() { echo "$BERTH_ROOT/data/containers/$1"; }

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null)
	v=${v%%.*}

	# --- inspect shows LogConfig as sent
	id=$("$cli" create --log-opt max-size=10m --log-opt max-file=2 busybox true)
	out=$("$cli" inspect -f '{{json .HostConfig.LogConfig}}' "$id")
	expect_eq "[$v] inspect shows LogConfig as sent" "$out" '{"Type":"json-file","Config":{"max-file":"2","max-size":"10m"}}'
	out=$("$cli" inspect -f '{{.LogPath}}' "$id")
	expect_eq "[$v] LogPath is the json-file log" "$out" "$(cdir "$id")/$id-json.log"
	"$cli" rm "$id" >/dev/null

	# --- rotation while the container writes: the kept files, read in order
	id=$("$cli" run -d --log-opt max-size=1k --log-opt max-file=3 busybox \
		sh -c 'i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done; sleep 600')
	log=$(cdir "$id")/$id-json.log
	check "[$v] max-file=3 keeps <id>-json.log.1 and .2 while the container runs" \
		wait_for 20 sh -c "[ -f '$log.2' ] && \"$cli\" logs $id 2>&1 | grep -qx line-299"
	check_fails "[$v] and no third rotated file" test -e "$log.3"
	check "[$v] each file stays within max-size (1k = 1000 bytes)" \
		sh -c "[ \$(stat -c %s '$log.1') -le 1000 ] && [ \$(stat -c %s '$log.2') -le 1000 ]"
	out=$("$cli" logs "$id" 2>&1)
	first=$(printf '%s\n' "$out" | head -1); first=${first#line-}
	if in_order "$out" line "$first" 299 && [ "$first" -gt 0 ] && [ "$first" -lt 290 ]; then
		ok "[$v] docker logs reads the kept lines across files in order (line-$first .. line-299)"
	else
		fail "[$v] docker logs reads the kept lines across files in order"; diag "$out"
	fi
	out=$("$cli" logs --tail 25 "$id" 2>&1)
	if in_order "$out" line 275 299; then ok "[$v] --tail 25 reaches into the rotated files"; else
		fail "[$v] --tail 25 reaches into the rotated files"; diag "$out"; fi
	out=$("$cli" logs --until 2000-01-01T00:00:00Z "$id" 2>&1)
	expect_eq "[$v] --until before every entry gives nothing" "$out" ""
	out=$("$cli" logs --since 2000-01-01T00:00:00Z --tail 2 "$id" 2>&1)
	expect_eq "[$v] --since with --tail" "$out" "$(printf 'line-298\nline-299')"
	"$cli" rm -f "$id" >/dev/null

	# --- follow across rotations: every line, once, in order
	id=$("$cli" run -d --log-opt max-size=1k --log-opt max-file=20 busybox \
		sh -c 'i=0; while [ $i -lt 80 ]; do echo f-$i; i=$((i+1)); usleep 20000; done')
	out=$(timeout 60 "$cli" logs -f "$id" 2>&1)
	log=$(cdir "$id")/$id-json.log
	if in_order "$out" f 0 79; then ok "[$v] logs -f follows across rotations (80 lines in order)"; else
		fail "[$v] logs -f follows across rotations"; diag "$out"; fi
	check "[$v] the follow saw rotations happen" test -f "$log.3"
	"$cli" rm -f "$id" >/dev/null

	# --- compress: rotated files are gzip
	id=$("$cli" run -d --log-opt max-size=1k --log-opt max-file=3 --log-opt compress=true busybox \
		sh -c 'i=0; while [ $i -lt 100 ]; do echo z-$i; i=$((i+1)); done')
	log=$(cdir "$id")/$id-json.log
	check "[$v] compress=true makes <id>-json.log.1.gz and .2.gz" \
		wait_for 20 sh -c "[ -f '$log.1.gz' ] && [ -f '$log.2.gz' ] && [ ! -e '$log.1' ]"
	check "[$v] which are valid gzip with json-file entries" sh -c "gzip -dc '$log.2.gz' | grep -q '\"stream\":\"stdout\"'"
	out=$("$cli" logs "$id" 2>&1)
	first=$(printf '%s\n' "$out" | head -1); first=${first#z-}
	if in_order "$out" z "$first" 99 && [ "$first" -gt 0 ]; then
		ok "[$v] docker logs reads the compressed files in order (z-$first .. z-99)"
	else
		fail "[$v] docker logs reads the compressed files in order"; diag "$out"
	fi
	"$cli" rm -f "$id" >/dev/null

	# --- attrs from labels/env, shown by --details
	id=$("$cli" run -d -l team=a -l other=b -e APP='x y' -e SECRET=s --log-opt labels=team \
		--log-opt env=APP --log-opt tag=t busybox echo hi)
	wait_for 10 sh -c "[ \"\$(\"$cli\" inspect -f '{{.State.Status}}' $id)\" = exited ]"
	out=$(cat "$(cdir "$id")/$id-json.log")
	expect_match "[$v] labels/env options put attrs in each entry, as json-file" "$out" \
		'^\{"log":"hi\\n","stream":"stdout","attrs":\{"APP":"x y","team":"a"\},"time":"'
	expect_eq "[$v] docker logs shows only the text" "$("$cli" logs "$id" 2>&1)" "hi"
	expect_eq "[$v] docker logs --details shows the attrs first" "$("$cli" logs --details "$id" 2>&1)" "APP=x+y,team=a hi"
	"$cli" rm -f "$id" >/dev/null

	# --- none: no file, logs refused as dockerd refuses it
	id=$("$cli" run -d --log-driver none busybox sh -c 'echo hidden; sleep 600')
	check_fails "[$v] --log-driver none writes no log file" \
		sh -c "sleep 0.3; ls '$(cdir "$id")' | grep -q json.log"
	out=$("$cli" logs "$id" 2>&1)
	expect_match "[$v] docker logs says the driver cannot be read" "$out" 'configured logging driver does not support reading'
	out=$(api GET "/containers/$id/logs?stdout=1" | tail -1)
	expect_eq "[$v] with status 501" "$out" "501"
	out=$("$cli" inspect -f '{{json .HostConfig.LogConfig}} [{{.LogPath}}]' "$id")
	expect_eq "[$v] inspect shows none, no LogPath" "$out" '{"Type":"none","Config":{}} []'
	"$cli" rm -f "$id" >/dev/null

	# --- refused at create, nothing created
	n0=$("$cli" ps -aq | wc -l)
	out=$("$cli" run --log-driver bogus busybox true 2>&1)
	expect_match "[$v] an unknown driver is refused" "$out" "logger: no log driver named 'bogus' is registered"
	out=$("$cli" create --log-driver syslog busybox true 2>&1)
	expect_match "[$v] a driver berth does not have is refused the same way" "$out" "no log driver named 'syslog' is registered"
	out=$("$cli" create --log-opt max-sise=1k busybox true 2>&1)
	expect_match "[$v] an unknown option is refused" "$out" "unknown log opt 'max-sise' for json-file log driver"
	out=$("$cli" create --log-opt max-file=3 --log-opt compress=true busybox true 2>&1)
	expect_match "[$v] compress without max-size is refused" "$out" 'compress cannot be true when max-file is less than 2 or max-size is not set'
	out=$("$cli" create --log-opt max-size=ten busybox true 2>&1)
	expect_match "[$v] a bad size is refused" "$out" "invalid size: 'ten'"
	expect_eq "[$v] no container was created" "$("$cli" ps -aq | wc -l)" "$n0"
	out=$(api POST /containers/create -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"bogus"}}}' | tail -1)
	expect_eq "[$v] with status 400" "$out" "400"
	out=$(api POST /containers/create -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":1}}}}')
	expect_match "[$v] a non-string option is a 400 naming the field" "$out" 'HostConfig.LogConfig.Config'

	# --- local: local's defaults, readable
	id=$("$cli" run -d --log-driver local busybox sh -c 'echo from-local')
	wait_for 10 sh -c "[ \"\$(\"$cli\" inspect -f '{{.State.Status}}' $id)\" = exited ]"
	out=$("$cli" logs "$id" 2>&1)
	expect_eq "[$v] --log-driver local is readable" "$out" "from-local"
	out=$("$cli" inspect -f '{{json .HostConfig.LogConfig}} [{{.LogPath}}]' "$id")
	expect_eq "[$v] and shown as local" "$out" '{"Type":"local","Config":{}} []'
	"$cli" rm -f "$id" >/dev/null
done

# --- the raw API: LogConfig.Config comes back as dockerd marshals a Go map (keys sorted)
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"1m","max-file":"2"}}}}')
id=$(printf '%s' "$out" | head -1 | jq -r .Id)
out=$(api GET "/containers/$id/json" | sed '$d' | grep -o '"LogConfig":{[^}]*}}')
expect_eq "inspect's raw LogConfig, keys sorted as dockerd's" "$out" '"LogConfig":{"Type":"json-file","Config":{"max-file":"2","max-size":"1m"}}'
"$DOCKER" rm "$id" >/dev/null

# --- /info and /system/df against the API definitions
for ver in v1.44 v1.41; do
	body=$(api GET "/$ver/info" | sed '$d')
	[ -f "$REF/$ver.yaml" ] || { skip "no moby API reference"; continue; }
	out=$(printf '%s' "$body" | python3 "$SCHEMA" "$REF/$ver.yaml" GET /info 200 2>&1) &&
		ok "/$ver/info validates against $ver" || { fail "/$ver/info validates against $ver"; diag "$out"; }
	body=$(api GET "/$ver/system/df" | sed '$d')
	out=$(printf '%s' "$body" | python3 "$SCHEMA" "$REF/$ver.yaml" GET /system/df 200 2>&1) &&
		ok "/$ver/system/df validates against $ver" || { fail "/$ver/system/df validates against $ver"; diag "$out"; }
done
info=$(api GET /v1.41/info | sed '$d')
out=$(printf '%s' "$info" | jq -r '.LoggingDriver, (.Runtimes | keys | join(",")), .Runtimes.runc.path, .DefaultRuntime')
expect_eq "/info: LoggingDriver, runc listed next to berth" "$out" "$(printf 'json-file\nberth,runc\nberth-shim\nberth')"
keys=$(jq -r '.definitions.SystemInfo.properties | keys[]' "$REF/v1.41.yaml" 2>/dev/null ||
	python3 -c 'import yaml,sys; print("\n".join(sorted(yaml.safe_load(open(sys.argv[1]))["definitions"]["SystemInfo"]["properties"])))' "$REF/v1.41.yaml")
# dockerd 20.10 omits these when empty (json:",omitempty"), and berth has none of them.
missing=$(for k in $keys; do
	case $k in ClusterStore | ClusterAdvertise | ProductLicense | SystemStatus) continue ;; esac
	printf '%s' "$info" | jq -e --arg k "$k" 'has($k)' >/dev/null || echo "$k"
done)
expect_eq "/info has every key dockerd 20.10's has (v1.41 SystemInfo)" "$missing" ""
out=$(api GET /v1.41/system/df | sed '$d' | jq -r '(.BuilderSize | type), (.BuildCache | type)')
expect_eq "/v1.41/system/df has BuilderSize and BuildCache" "$out" "$(printf 'number\narray')"
out=$(api GET /v1.44/system/df | sed '$d' | jq -r '(has("BuilderSize")), (.BuildCache | type)')
expect_eq "/v1.44/system/df has BuildCache, no BuilderSize (omitted since 1.42)" "$out" "$(printf 'false\narray')"
out=$(api GET /v1.41/info | sed '$d' | jq -r '[has("KernelMemory"), has("CDISpecDirs")] | @tsv')
expect_eq "/v1.41/info has KernelMemory, no CDISpecDirs" "$out" "$(printf 'true\tfalse')"
out=$(api GET /v1.44/info | sed '$d' | jq -r '[has("KernelMemory"), has("CDISpecDirs")] | @tsv')
expect_eq "/v1.44/info has CDISpecDirs, no KernelMemory" "$out" "$(printf 'false\ttrue')"

# --- daemon.json defaults, then the flags
berth_stop
cat >"$T_DIR/daemon.json" <<'JSON'
{"log-driver": "json-file", "log-opts": {"max-size": "2k", "max-file": "4"},
 "registry-mirrors": ["https://mirror.invalid"], "insecure-registries": ["reg.invalid:5000", "10.251.0.0/16"]}
JSON
berth_restart --config-file "$T_DIR/daemon.json" || { fail "berthd restarts with daemon.json log-opts"; finish; }
out=$(api GET /info | sed '$d' | jq -c '.RegistryConfig | [.IndexConfigs, .InsecureRegistryCIDRs, .Mirrors]')
expect_eq "/info RegistryConfig: IndexConfigs for docker.io (mirrors) and the insecure registry, as dockerd" "$out" \
	'[{"docker.io":{"Name":"docker.io","Mirrors":["https://mirror.invalid/"],"Secure":true,"Official":true},"reg.invalid:5000":{"Name":"reg.invalid:5000","Mirrors":[],"Secure":false,"Official":false}},["10.251.0.0/16","127.0.0.0/8"],["https://mirror.invalid/"]]'
for ver in v1.44 v1.41; do
	[ -f "$REF/$ver.yaml" ] || { skip "no moby API reference"; continue; }
	out=$(api GET "/$ver/info" | sed '$d' | python3 "$SCHEMA" "$REF/$ver.yaml" GET /info 200 2>&1) &&
		ok "/$ver/info with registries validates against $ver" || { fail "/$ver/info with registries validates against $ver"; diag "$out"; }
done
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null); v=${v%%.*}
	expect_eq "[$v] docker info shows the logging driver" "$("$cli" info -f '{{.LoggingDriver}}')" "json-file"
	id=$("$cli" create busybox true)
	out=$("$cli" inspect -f '{{json .HostConfig.LogConfig}}' "$id")
	expect_eq "[$v] a new container gets daemon.json's log-opts" "$out" '{"Type":"json-file","Config":{"max-file":"4","max-size":"2k"}}'
	id2=$("$cli" create --log-opt max-size=5k busybox true)
	out=$("$cli" inspect -f '{{json .HostConfig.LogConfig}}' "$id2")
	expect_eq "[$v] its own options win, the others are merged in" "$out" '{"Type":"json-file","Config":{"max-file":"4","max-size":"5k"}}'
	id3=$("$cli" create --log-driver none busybox true)
	out=$("$cli" inspect -f '{{json .HostConfig.LogConfig}}' "$id3")
	expect_eq "[$v] another driver does not get them" "$out" '{"Type":"none","Config":{}}'
	"$cli" rm "$id" "$id2" "$id3" >/dev/null
done
berth_stop
berth_restart --log-driver none || { fail "berthd restarts with --log-driver none"; finish; }
expect_eq "--log-driver none shows in /info" "$("$DOCKER" info -f '{{.LoggingDriver}}')" "none"
id=$("$DOCKER" create busybox true)
expect_eq "and is the default of new containers" "$("$DOCKER" inspect -f '{{.HostConfig.LogConfig.Type}}' "$id")" "none"
"$DOCKER" rm "$id" >/dev/null
berth_stop
out=$(timeout 20 "$BERTHD" -H "unix://$T_DIR/bad.sock" --data-root "$BERTH_ROOT/data" \
	--exec-root "$BERTH_ROOT/exec" --pidfile "$T_DIR/bad.pid" --bridge "$BERTH_BRIDGE" \
	--bip "$BERTH_BIP" --log-driver bogus 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q "no log driver named 'bogus'"; then
	ok "berthd refuses to start with an unknown --log-driver"
else
	fail "berthd refuses to start with an unknown --log-driver"; diag "rc=$rc" "$out"
fi
finish
