#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Local image operations with the docker CLIs (28 and 20.10) and curl:
# images / images -a / filters, inspect, history, tag, rmi (untag, delete,
# shared layers kept on disk until the last user goes), prune, import with
# changes, names with slashes, ports and digests in the URL, API-version
# quirks, /system/df, search against a registry without it, login to an
# htpasswd registry, image events; every kind of change in the very next
# list (the /images/json memo).
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
R=$REGISTRY
berth_start || { fail "berthd starts"; finish; }
L=$BERTH_ROOT/data/layers
for i in busybox app1 app2; do "$DOCKER" pull -q "$R/$i" >/dev/null || fail "pull $i"; done

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	out=$("$cli" images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}' | sort)
	expect_eq "[$v] docker images lists the three with IDs and sizes" "$out" "$(printf '%s\n' \
		"$R/app1:latest ${APP1_CONFIG_DIGEST:7:12} 1.98MB" "$R/app2:latest ${APP2_CONFIG_DIGEST:7:12} 1.98MB" \
		"$R/busybox:latest ${BUSYBOX_CONFIG_DIGEST:7:12} 1.98MB")"
	out=$("$cli" images "$R/busybox" --format '{{.Repository}} {{.Digest}}')
	expect_eq "[$v] reference filter and digest column" "$out" "$R/busybox $BUSYBOX_DIGEST"
	out=$("$cli" images --filter "label=org.example.app=app2" -q)
	expect_eq "[$v] label filter" "$out" "${APP2_CONFIG_DIGEST:7:12}"
	out=$("$cli" history --format '{{.ID}} {{.Size}}' "$R/app2" | head -1)
	expect_eq "[$v] history: the top entry is the image" "$out" "${APP2_CONFIG_DIGEST:7:12} 0B"
	out=$("$cli" history -q "$R/app2" | sed -n '2p')
	expect_eq "[$v] history: entries past the image are <missing>" "$out" "<missing>"
done
n=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/images/$R/app2/history" | jq length)
expect_eq "history has one entry per config history item" "$n" \
	"$(jq -r --arg r app2:latest '.[$r].config.history | length' "$FIXTURE_CACHE/images/images.json" 2>/dev/null || echo "$n")"

# Names with slashes, a port and a digest in the URL path.
out=$(api GET "/v1.41/images/$R/app1:latest/json" | tail -1)
expect_eq "inspect by name with port and slash" "$out" 200
out=$(api GET "/images/$R/app1@$APP1_DIGEST/json" | head -1 | jq -r .Id)
expect_eq "inspect by name@digest" "$out" "$APP1_CONFIG_DIGEST"
out=$(api GET "/images/${APP1_CONFIG_DIGEST:7:10}/json" | head -1 | jq -r .Id)
expect_eq "inspect by ID prefix" "$out" "$APP1_CONFIG_DIGEST"
out=$(api GET "/images/nosuch/json")
expect_match "missing image is a 404" "$out" '404$'
expect_match "with dockerd's message" "$out" 'No such image: nosuch:latest'
out=$(api GET "/v1.41/images/json" | head -1 | jq -c '.[0] | [has("VirtualSize"), .Containers, .SharedSize]')
expect_eq "API 1.41 list has VirtualSize, Containers -1, SharedSize -1" "$out" "[true,-1,-1]"
out=$(api GET "/v1.44/images/json" | head -1 | jq -c '.[0] | has("VirtualSize")')
expect_eq "API 1.44 list has no VirtualSize" "$out" "false"
out=$(api GET "/v1.41/images/$R/app1/json" | head -1 | jq -c '[.Config.WorkingDir, .Config.Entrypoint, (.ContainerConfig|has("Hostname")), .GraphDriver.Name, .Os]')
expect_eq "inspect: config, ContainerConfig, GraphDriver, Os" "$out" '["/app",["/bin/cat"],true,"overlay2","linux"]'

# Tag, then rmi: untag first, delete when the last reference goes.
check "docker tag" "$DOCKER" tag "$R/app1" myrepo/app:v1
check "docker tag to a host:port name" "$DOCKER" tag "$R/app1" "localhost:5999/x/y:z"
expect_eq "tagged name resolves to the same ID" "$("$DOCKER" image inspect -f '{{.Id}}' myrepo/app:v1)" "$APP1_CONFIG_DIGEST"
out=$(api POST "/images/$R/app1/tag?repo=sha256&tag=x" | tail -1)
expect_eq "tag as sha256 is refused (400)" "$out" 400
out=$(api POST "/images/nosuch/tag?repo=a&tag=b" | tail -1)
expect_eq "tag of a missing image is a 404" "$out" 404
out=$("$DOCKER" rmi myrepo/app:v1 2>&1)
expect_eq "rmi of one of several tags only untags" "$out" "Untagged: myrepo/app:v1"
"$DOCKER" rmi localhost:5999/x/y:z >/dev/null
out=$("$DOCKER" rmi "${APP1_CONFIG_DIGEST:7:12}" 2>&1)
expect_match "rmi by ID untags and deletes" "$out" "Deleted: $APP1_CONFIG_DIGEST"
set -- $APP1_CHAIN_IDS
check_fails "app1's own top layer is gone from disk" test -d "$L/${3#sha256:}"
check "the base layers app2 shares stay" test -d "$L/${2#sha256:}"
"$DOCKER" rmi "$R/app2" >/dev/null 2>&1
check_fails "the base layer goes with its last image" test -d "$L/${2#sha256:}"
check "the busybox layer stays for busybox" test -d "$L/${1#sha256:}"
out=$("$DOCKER" rmi nosuch:latest 2>&1)
expect_eq "rmi of a missing image" "$out" "Error response from daemon: No such image: nosuch:latest"

# Import a root file system with changes.
mkdir -p "$T_DIR/rootfs/bin" && cp "$(command -v busybox)" "$T_DIR/rootfs/bin/"
id=$(tar -C "$T_DIR/rootfs" -c . | "$DOCKER" import -c 'CMD ["/bin/busybox","true"]' -c 'ENV A=1 B=two' \
	-c 'EXPOSE 8080' -c 'WORKDIR /w' -c 'LABEL k=v' -m "my import" - imported:1 2>&1)
expect_match "docker import prints the ID" "$id" '^sha256:[0-9a-f]{64}$'
out=$("$DOCKER" inspect -f '{{json .Config.Cmd}} {{json .Config.Env}} {{json .Config.ExposedPorts}} {{.Config.WorkingDir}} {{.Config.Labels.k}} {{.Comment}}' imported:1)
expect_eq "import applied the changes" "$out" '["/bin/busybox","true"] ["A=1","B=two"] {"8080/tcp":{}} /w v my import'
out=$(tar -C "$T_DIR/rootfs" -c . | "$DOCKER" import -c 'FROBNICATE x' - bad:1 2>&1)
expect_match "an unknown change is refused" "$out" 'FROBNICATE is not a valid change command'

# Prune: dangling only, then everything unused.
"$DOCKER" tag imported:1 imported:2 && "$DOCKER" rmi imported:1 >/dev/null
tar -C "$T_DIR/rootfs" -c . | "$DOCKER" import -c 'CMD ["x"]' - imported:2 >/dev/null
out=$("$DOCKER" images --filter dangling=true -q)
expect_eq "retagging left one dangling image" "$out" "${id:7:12}"
out=$("$DOCKER" image prune -f 2>&1)
expect_match "image prune deletes the dangling image" "$out" "deleted: $id"
expect_eq "and keeps tagged ones" "$("$DOCKER" images -q | wc -l)" 2
out=$("$DOCKER" image prune -a -f 2>&1)
expect_match "image prune -a untags unused images" "$out" "untagged: $R/busybox:latest"
expect_eq "nothing is left" "$("$DOCKER" images -q | wc -l)" 0
out=$(api POST "/images/prune?filters=%7B%22bogus%22%3A%7B%22x%22%3Atrue%7D%7D")
expect_match "unknown prune filter is a 400" "$out" "invalid filter 'bogus'"

out=$(api GET /system/df | head -1 | jq -c '[.LayersSize, (.Images|length), (.BuildCache|length)]')
expect_eq "system df with no images" "$out" "[0,0,0]"
"$DOCKER" pull -q "$R/app1" >/dev/null; "$DOCKER" pull -q "$R/app2" >/dev/null
out=$(api GET /system/df | head -1 | jq -c '[.Images[] | .SharedSize > 0] | unique')
expect_eq "system df: shared layers counted" "$out" "[true]"
check "docker system df" "$DOCKER" system df

# The /images/json memo (store_memo.h): each kind of change shows in the
# very next list (the CLIs take turns: each one's list before the change
# was memoised), and the memoised bodies of API 1.44 and 1.41 equal ones
# nobody memoised (a filters text with whitespace never sent before is a
# key of its own).
memo_n=0
MEMO_CLIS=("$DOCKER" $DOCKER_OLD)
listed() { # DESC present|absent REGEX
	local cli=${MEMO_CLIS[$((memo_n / 2 % ${#MEMO_CLIS[@]}))]} out q a b v
	v=$cli
	out=$("$cli" images -a --digests --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}}')
	if [ "$2" = present ]; then expect_match "[$v] $1: in the next docker images" "$out" "$3"
	else expect_no_match "[$v] $1: gone from the next docker images" "$out" "$3"; fi
	for q in "v1.44/images/json?" "v1.41/images/json?all=1&"; do
		memo_n=$((memo_n + 1))
		a=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/${q%[?&]}")
		b=$(curl -s --unix-socket "$BERTH_SOCK" "http://x/${q}filters=%7B$(printf '%%20%.0s' $(seq $memo_n))%7D")
		[ "$a" = "$b" ] || { fail "$1: memoised /$q = a cold one"; diag "$a" "$b"; return; }
	done
	ok "$1: memoised lists = cold ones"
}
listed "start" present "^$R/app1:latest ${APP1_CONFIG_DIGEST:7:12} $APP1_DIGEST"
"$DOCKER" tag "$R/app1" memo/a:1
listed "tag" present "^memo/a:1 ${APP1_CONFIG_DIGEST:7:12}"
"$DOCKER" rmi memo/a:1 >/dev/null
listed "untag" absent "^memo/a:1 "
mkdir -p "$T_DIR/memoctx" && printf 'FROM %s\nLABEL memo=1\n' "$R/app1" >"$T_DIR/memoctx/Dockerfile"
DOCKER_BUILDKIT=0 "$DOCKER" build -q -t memo/built:1 "$T_DIR/memoctx" >/dev/null
listed "build" present "^memo/built:1 "
"$DOCKER" create --name memoc "$R/app2" >/dev/null
"$DOCKER" commit memoc memo/committed:1 >/dev/null
listed "commit" present "^memo/committed:1 "
"$DOCKER" rm memoc >/dev/null
"$DOCKER" save -o "$T_DIR/memo.tar" memo/committed:1
"$DOCKER" rmi memo/committed:1 >/dev/null
listed "rmi (delete)" absent "^memo/committed:1 "
"$DOCKER" load -q -i "$T_DIR/memo.tar" >/dev/null
listed "load" present "^memo/committed:1 "
"$DOCKER" rmi "$R/app2" >/dev/null
listed "rmi of a pulled image" absent "^$R/app2:"
"$DOCKER" pull -q "$R/app2" >/dev/null
listed "pull" present "^$R/app2:latest ${APP2_CONFIG_DIGEST:7:12} $APP2_DIGEST"
old=$(tar -C "$T_DIR/rootfs" -c . | "$DOCKER" import - memo/imp:1)
listed "import" present "^memo/imp:1 ${old:7:12}"
tar -C "$T_DIR/rootfs" -c . | "$DOCKER" import -c 'LABEL v=2' - memo/imp:1 >/dev/null
listed "import over a tag (a dangling image)" present "^<none>:<none> ${old:7:12}"
"$DOCKER" image prune -f >/dev/null
listed "prune" absent "${old:7:12}"

# Search: a registry without the v1 search API, and limits.
out=$("$DOCKER" search "$R/busybox" 2>&1); rc=$?
expect_eq "search against a registry without search fails" "$rc" 1
expect_match "with an error from the daemon" "$out" "Error response from daemon: "
out=$(api GET "/images/search?term=x&limit=500")
expect_match "search limit is checked" "$out" "limit 500 is outside the range of \[1, 100\]"

# Login to an htpasswd registry.
HASH=$(/usr/bin/python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$T_DIR/auth/storage"
echo "alice:$HASH" >"$T_DIR/auth/htpasswd"
cat >"$T_DIR/auth/config.yml" <<EOC
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $T_DIR/auth/storage}}
http: {addr: 127.0.0.1:$port}
auth: {htpasswd: {realm: berth-test, path: $T_DIR/auth/htpasswd}}
EOC
if [ -n "$HASH" ]; then
	env -u REGISTRY_HTTP_ADDR docker-registry serve "$T_DIR/auth/config.yml" >"$T_DIR/auth/log" 2>&1 &
	T_PIDS+=($!)
	wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$port/v2/"
	out=$(echo s3cret | "$DOCKER" login -u alice --password-stdin "127.0.0.1:$port" 2>&1)
	expect_match "docker login succeeds" "$out" "Login Succeeded"
	out=$(echo wrong | "$DOCKER" login -u alice --password-stdin "127.0.0.1:$port" 2>&1); rc=$?
	expect_eq "a wrong password fails" "$rc" 1
	expect_match "with dockerd's message" "$out" "login attempt to http://127.0.0.1:$port/v2/ failed with status: 401 Unauthorized"
	out=$(api POST /auth -H 'Content-Type: application/json' -d '{"username": 5}' | tail -1)
	expect_eq "/auth with a mistyped field is a 400" "$out" 400
else
	skip "no bcrypt (python3 crypt)"; skip "no bcrypt"; skip "no bcrypt"; skip "no bcrypt"
fi

events=$(timeout 10 "$DOCKER" events --since 0 --until "$(($(date +%s) + 1))" --filter type=image --format '{{.Action}}' | sort -u | tr '\n' ' ')
expect_match "tag, untag, delete, import, load, prune, save events" "$events" "delete import load prune pull save tag untag"
berth_stop
finish
