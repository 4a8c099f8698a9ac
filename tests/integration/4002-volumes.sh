#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Named volumes through the docker CLI: create, ls (with filters), inspect,
# rm, prune, and bad input. (Mounting into containers is covered by the
# container tests.)
. "$(dirname "$0")/../helpers/lib.sh"
berth_start || { fail "berthd starts"; finish; }

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	out=$("$cli" volume create --label team=a vol1 2>&1)
	expect_eq "[$v] docker volume create prints the name" "$out" "vol1"
	out=$("$cli" volume create vol1 2>&1)
	expect_eq "[$v] creating an existing volume returns it" "$out" "vol1"
	"$cli" volume create vol2 >/dev/null
	out=$("$cli" volume ls -q | sort | tr '\n' ' ')
	expect_eq "[$v] docker volume ls lists both" "$out" "vol1 vol2 "
	out=$("$cli" volume ls -q --filter label=team=a)
	expect_eq "[$v] label filter" "$out" "vol1"
	out=$("$cli" volume ls -q --filter name=2)
	expect_eq "[$v] name filter" "$out" "vol2"
	out=$("$cli" volume ls -q --filter dangling=true | sort | tr '\n' ' ')
	expect_eq "[$v] dangling filter (nothing uses them)" "$out" "vol1 vol2 "
	mp=$("$cli" volume inspect --format '{{.Mountpoint}} {{.Driver}} {{.Scope}} {{.Labels.team}}' vol1)
	expect_eq "[$v] inspect shows mountpoint, driver, scope, labels" "$mp" "$BERTH_ROOT/data/volumes/vol1/_data local local a"
	check "[$v] the mountpoint exists" test -d "$BERTH_ROOT/data/volumes/vol1/_data"
	out=$("$cli" volume inspect nosuch 2>&1); rc=$?
	expect_eq "[$v] inspect of a missing volume fails" "$rc" 1
	expect_match "[$v] with dockerd's message" "$out" "[Nn]o such volume"
	out=$("$cli" volume create 'bad/name' 2>&1); rc=$?
	expect_eq "[$v] bad volume name fails" "$rc" 1
	expect_match "[$v] naming the allowed characters" "$out" 'includes invalid characters for a local volume name'
	out=$("$cli" volume create -d nosuchdriver x1 2>&1)
	expect_match "[$v] unknown driver is refused" "$out" 'plugin "nosuchdriver" not found'
	out=$("$cli" volume rm vol2 2>&1)
	expect_eq "[$v] docker volume rm" "$out" "vol2"
	out=$("$cli" volume rm vol2 2>&1); rc=$?
	expect_eq "[$v] removing it again fails" "$rc" 1
	check_fails "[$v] data dir is gone" test -e "$BERTH_ROOT/data/volumes/vol2"
	anon=$("$cli" volume create)
	expect_match "[$v] anonymous volume gets a 64-hex name" "$anon" '^[0-9a-f]{64}$'
	"$cli" volume rm -f vol1 "$anon" >/dev/null 2>&1
done

"$DOCKER" volume create keepme >/dev/null
anon=$("$DOCKER" volume create)
out=$("$DOCKER" volume prune -f 2>&1)
expect_match "volume prune removes anonymous volumes" "$out" "$anon"
expect_eq "and keeps named ones" "$("$DOCKER" volume ls -q)" "keepme"
out=$("$DOCKER" volume prune -a -f 2>&1)
expect_match "volume prune -a removes named ones too" "$out" "keepme"

out=$(api POST /volumes/create -H 'Content-Type: application/json' -d '{"Name": 7}' | tail -1)
expect_eq "wrong JSON type for Name is a 400" "$out" 400
out=$(api POST /volumes/create -H 'Content-Type: application/json' -d '{"Name": "x"' | tail -1)
expect_eq "truncated JSON is a 400" "$out" 400
out=$(api POST /volumes/create -H 'Content-Type: text/plain' -d '{"Name":"tt"}')
expect_match "non-JSON content type is refused" "$out" "unsupported Content-Type header"
big=$(head -c 5000000 /dev/zero | tr '\0' 'a')
out=$(printf '{"Name":"%s"}' "$big" | api POST /volumes/create -H 'Content-Type: application/json' --data-binary @- | tail -1)
expect_eq "a 5 MB body is a 413" "$out" 413
out=$(api POST /volumes/create -H 'Content-Type: application/json' -d '{"Name":"../../etc"}' | tail -1)
expect_eq "path traversal in a name is a 400" "$out" 400
check_fails "nothing was created outside the data root" test -e "$BERTH_ROOT/data/etc"
events=$(timeout 10 "$DOCKER" events --since 0 --until "$(date +%s)" --filter type=volume --format '{{.Action}} {{.Actor.ID}}' | head -3 | tr '\n' ' ')
expect_match "volume events are published" "$events" "create vol1"
berth_stop
finish
