#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker commit (changes, author, message, history, parent, container
# config, files added and deleted, pause by default, repo:tag, events and
# dockerd's errors), the swarm routes as a dockerd outside any swarm, the
# plugin routes without plugins, GET /distribution/{name}/json against the
# loopback registry, and POST /build/prune; with both docker CLIs.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
R=$REGISTRY
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
CLIS=("$DOCKER")
[ -n "$DOCKER_OLD" ] && CLIS+=("$DOCKER_OLD")
BB=$("$DOCKER" inspect -f '{{.Id}}' busybox)
# api without the empty line after a body that ends in a newline
apiq() { api "$@" | sed '/^$/d'; }

# ---- commit -----------------------------------------------------------------
n=0
for D in "${CLIS[@]}"; do
	n=$((n + 1))
	c=cm$n
	"$D" run -d --name "$c" busybox sh -c 'echo hello > /srv-new; rm /etc/group; mkdir -p /data/x; sleep 300' >/dev/null
	wait_for 10 "$D" exec "$c" test -f /srv-new || fail "$D: the container wrote its file"
	since=$(date +%s)
	id=$("$D" commit -a 'Ann Author <ann@example.com>' -m 'first commit' \
		-c 'ENV x=1' -c 'CMD ["sh"]' -c 'LABEL stage=commit' "$c" "committed$n:v1" 2>&1)
	expect_match "$D: commit prints the new image ID" "$id" '^sha256:[0-9a-f]{64}$'
	expect_eq "$D: the container is running again after the pause" \
		"$("$D" inspect -f '{{.State.Status}}' "$c")" running
	out=$("$D" inspect -f '{{.Config.Env}}|{{json .Config.Cmd}}|{{.Config.Labels.stage}}|{{.Author}}|{{.Parent}}|{{.Container}}' "committed$n:v1")
	cid=$("$D" inspect -f '{{.Id}}' "$c")
	expect_eq "$D: config, author, parent, container" "$out" \
		"[PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin x=1]|[\"sh\"]|commit|Ann Author <ann@example.com>|$BB|$cid"
	out=$("$D" inspect -f '{{json .ContainerConfig.Cmd}}|{{.ContainerConfig.Hostname}}' "committed$n:v1")
	expect_match "$D: ContainerConfig is the container's config" "$out" \
		"^\\[\"sh\",\"-c\",\"echo hello (\\\\u003e|>) /srv-new; rm /etc/group; mkdir -p /data/x; sleep 300\"\\]\\|${cid:0:12}\$"
	out=$("$D" history --no-trunc --format '{{.CreatedBy}}|{{.Comment}}' "committed$n:v1" | head -1)
	expect_eq "$D: history: created_by is the container's command, with the comment" "$out" \
		"sh -c echo hello > /srv-new; rm /etc/group; mkdir -p /data/x; sleep 300|first commit"
	out=$("$D" run --rm "committed$n:v1" sh -c 'cat /srv-new; test -e /etc/group && echo group-present || echo group-gone; test -d /data/x && echo dir; echo $x')
	expect_eq "$D: the new file is in the image, the deleted one is gone (whiteout)" "$out" \
		"$(printf 'hello\ngroup-gone\ndir\n1')"
	out=$("$D" run --rm "committed$n:v1" sh -c 'ls /etc/hosts /proc/1 >/dev/null && cat /etc/hostname | wc -c')
	expect_match "$D: runtime mount points still work in the committed image" "$out" '^ *[0-9]+$'
	out=$("$D" events --since "$since" --until "$(($(date +%s) + 1))" --filter event=commit --filter container="$c" --format '{{.Type}} {{.Action}} {{.Actor.Attributes.comment}} {{.Actor.Attributes.imageRef}}')
	expect_eq "$D: container commit event" "$out" "container commit first commit committed$n:v1"
	# Nothing changed: an empty layer in history, same layers as the parent.
	"$D" run --name "${c}e" busybox true >/dev/null
	"$D" commit "${c}e" "empty$n" >/dev/null
	expect_eq "$D: a commit without changes adds no layer" \
		"$("$D" inspect -f '{{len .RootFS.Layers}}' "empty$n")" "$("$D" inspect -f '{{len .RootFS.Layers}}' busybox)"
	expect_eq "$D: and keeps the container's Cmd" "$("$D" inspect -f '{{json .Config.Cmd}}' "empty$n")" '["true"]'
	# Errors as dockerd.
	out=$("$D" commit -c 'RUN echo x' "$c" 2>&1)
	expect_match "$D: a RUN change is refused" "$out" 'RUN is not a valid change command'
	out=$("$D" commit nosuchcontainer$n 2>&1)
	expect_match "$D: unknown container" "$out" 'No such container: nosuchcontainer'
	"$D" rm -f "$c" "${c}e" >/dev/null
done

# pause=false leaves the container running throughout; the default pauses (pause/unpause events).
"$DOCKER" run -d --name cmp busybox sleep 300 >/dev/null
since=$(date +%s)
"$DOCKER" commit --pause=false cmp cmp-nopause >/dev/null
"$DOCKER" commit cmp cmp-pause >/dev/null
out=$("$DOCKER" events --since "$since" --until "$(($(date +%s) + 1))" --filter container=cmp --filter event=commit --filter event=pause --filter event=unpause --format '{{.Action}}' | tr '\n' ' ')
expect_eq "commit: --pause=false does not pause, the default does" "$out" "commit pause unpause commit "
out=$(api POST "/commit?container=cmp&changes=EXPOSE%208080&changes=ENTRYPOINT%20%5B%22%2Fbin%2Fsh%22%5D" \
	-H 'Content-Type: application/json' -d '{"Env":["A=b"],"Labels":{"from":"body"}}')
expect_eq "API commit: 201" "$(tail -1 <<<"$out")" 201
img=$(head -1 <<<"$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
out=$("$DOCKER" inspect -f '{{json .Config.Env}}|{{json .Config.ExposedPorts}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{.Config.Labels.from}}' "$img")
expect_eq "API commit: body config + changes, merged with the container's" "$out" \
	'["A=b","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]|{"8080/tcp":{}}|["/bin/sh"]|null|body'
out=$(api POST "/commit?container=cmp" -H 'Content-Type: application/json' -d '{"Env":"x"}')
expect_eq "API commit: a wrong body type is a 400" "$(tail -1 <<<"$out")" 400
out=$(api POST "/commit?container=cmp&repo=Bad%20Name")
expect_eq "API commit: an invalid repo is a 400" "$(tail -1 <<<"$out")" 400
"$DOCKER" rm -f cmp >/dev/null

# python3-docker: Container.commit with changes, and with a conf body.
if /usr/bin/python3 -c 'import docker' 2>/dev/null; then
	"$DOCKER" run --name pyc busybox sh -c 'echo hi > /x' >/dev/null
	out=$(/usr/bin/python3 - "$BERTH_SOCK" <<'PYEOF' 2>&1
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
ct = c.containers.get("pyc")
img = ct.commit(repository="pyimg", tag="t1", message="msg", author="me", changes=["ENV a=1", "LABEL x=y"])
print(img.tags, img.attrs["Author"], img.attrs["Config"]["Labels"], [h["Comment"] for h in img.history()][:1])
img2 = ct.commit(conf={"Cmd": ["cat", "/x"]})
print(c.containers.run(img2.id, remove=True))
PYEOF
)
	expect_eq "python3-docker Container.commit" "$out" "$(printf "%s\n%s" "['pyimg:t1'] me {'x': 'y'} ['msg']" "b'hi\\n'")"
	"$DOCKER" rm -f pyc >/dev/null
else
	skip "python3-docker not installed"
fi

# ---- swarm ------------------------------------------------------------------
NOMGR='This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.'
for D in "${CLIS[@]}"; do
	for cmd in "node ls" "service ls" "secret ls" "config ls" "swarm update --autolock" "swarm unlock-key" "swarm join-token worker"; do
		# shellcheck disable=SC2086
		out=$("$D" $cmd 2>&1 </dev/null)
		expect_match "$D $cmd: dockerd's error" "$out" "$(printf '%s' "$NOMGR" | sed 's/[].[*^$()+?{}|\\]/\\&/g')"
	done
	out=$("$D" swarm leave 2>&1)
	expect_match "$D swarm leave: not part of a swarm" "$out" 'This node is not part of a swarm'
done
for p in /swarm /nodes /nodes/x /services /services/x /services/x/logs /tasks /tasks/x /tasks/x/logs \
	/secrets /secrets/x /configs /configs/x /swarm/unlockkey /v1.41/nodes; do
	out=$(api GET "$p")
	expect_eq "GET $p: 503" "$(tail -1 <<<"$out")" 503
done
for p in /swarm/init /swarm/join /swarm/update /swarm/unlock /nodes/x/update /services/create \
	/services/x/update /secrets/create /secrets/x/update /configs/create /configs/x/update; do
	out=$(api POST "$p" -H 'Content-Type: application/json' -d '{}')
	expect_eq "POST $p: 503" "$(tail -1 <<<"$out")" 503
done
for p in /nodes/x /services/x /secrets/x /configs/x; do
	out=$(api DELETE "$p")
	expect_eq "DELETE $p: 503" "$(tail -1 <<<"$out")" 503
done
out=$(api GET /swarm)
expect_eq "GET /swarm: dockerd's message" "$(head -1 <<<"$out")" "$(python3 -c 'import json,sys; print(json.dumps({"message": sys.argv[1]}))' "$NOMGR" | sed 's/, /,/g; s/": "/":"/g')"
expect_eq "docker info: Swarm inactive" "$("$DOCKER" info -f '{{.Swarm.LocalNodeState}}')" inactive

# ---- plugins ----------------------------------------------------------------
for D in "${CLIS[@]}"; do
	out=$("$D" plugin ls --format '{{.Name}}' 2>&1)
	expect_eq "$D plugin ls: empty" "$out" ""
	out=$("$D" plugin inspect nosuch 2>&1)
	expect_match "$D plugin inspect: not found" "$out" 'plugin "nosuch" not found|No such plugin'
	out=$("$D" plugin rm nosuch 2>&1)
	expect_match "$D plugin rm: not found" "$out" 'plugin "nosuch" not found|No such plugin: nosuch'
done
out=$(apiq GET '/plugins?filters=%7B%22capability%22%3A%7B%22volumedriver%22%3Atrue%7D%7D')
expect_eq "GET /plugins with a filter: []" "$out" "$(printf '[]\n200')"
out=$(api GET '/plugins?filters=%7B%22bogus%22%3A%7B%22x%22%3Atrue%7D%7D')
expect_eq "GET /plugins with an unknown filter: 400" "$(tail -1 <<<"$out")" 400
out=$(apiq GET /plugins/vieux/sshfs:latest/json)
expect_eq "GET /plugins/{name}/json: 404 with dockerd's message" "$out" "$(printf '{"message":"plugin \\"vieux/sshfs:latest\\" not found"}\n404')"

# ---- distribution -----------------------------------------------------------
out=$(apiq GET "/distribution/$R/busybox/json")
expect_eq "distribution: an image manifest, the platform from its config" "$out" \
	"$(printf '{"Descriptor":{"mediaType":"%s","digest":"%s","size":%s},"Platforms":[{"architecture":"amd64","os":"linux"}]}\n200' \
		"$BUSYBOX_MANIFEST_MEDIA_TYPE" "$BUSYBOX_MANIFEST_DIGEST" \
		"$(curl -s "http://$R/v2/busybox/manifests/latest" -H "Accept: $BUSYBOX_MANIFEST_MEDIA_TYPE" | wc -c)")"
out=$(apiq GET "/v1.41/distribution/$R/multi:latest/json")
expect_eq "distribution: an index, its platforms" "$out" \
	"$(printf '{"Descriptor":{"mediaType":"%s","digest":"%s","size":%s},"Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"arm64","os":"linux","variant":"v8"}]}\n200' \
		"$MULTI_MEDIA_TYPE" "$MULTI_INDEX_DIGEST" \
		"$(curl -s "http://$R/v2/multi/manifests/latest" -H "Accept: $MULTI_MEDIA_TYPE" | wc -c)")"
out=$(apiq GET "/distribution/$R/busybox@$BUSYBOX_MANIFEST_DIGEST/json")
expect_match "distribution: by digest" "$out" "\"digest\":\"$BUSYBOX_MANIFEST_DIGEST\""
out=$(apiq GET "/distribution/$R/busybox:nosuchtag/json")
expect_match "distribution: an unknown tag is an error" "$(tail -1 <<<"$out")" '^(404|500)$'
out=$(apiq GET "/distribution/$R/Bad_Name/json")
expect_eq "distribution: an invalid reference is a 400" "$(tail -1 <<<"$out")" 400
out=$(apiq GET "/distribution/${BUSYBOX_IMAGE_ID#sha256:}/json")
expect_eq "distribution: an image ID" "$out" "$(printf '{"message":"no manifest found for full image ID"}\n500')"
if /usr/bin/python3 -c 'import docker' 2>/dev/null; then
	out=$(/usr/bin/python3 - "$BERTH_SOCK" "$R/busybox" <<'PYEOF' 2>&1
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
d = c.images.get_registry_data(sys.argv[2])
print(d.id, d.has_platform("linux/amd64"), d.has_platform("linux/arm64"))
PYEOF
)
	expect_eq "python3-docker get_registry_data" "$out" "$BUSYBOX_MANIFEST_DIGEST True False"
else
	skip "python3-docker not installed"
fi

# A committed image pushed to an htpasswd registry; X-Registry-Auth is used.
HASH=$(/usr/bin/python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
if [ -n "$HASH" ]; then
	mkdir -p "$T_DIR/auth/storage"
	echo "alice:$HASH" >"$T_DIR/auth/htpasswd"
	cat >"$T_DIR/auth/config.yml" <<EOC
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $T_DIR/auth/storage}}
http: {addr: 127.0.0.1:$port}
auth: {htpasswd: {realm: berth-test, path: $T_DIR/auth/htpasswd}}
EOC
	env -u REGISTRY_HTTP_ADDR docker-registry serve "$T_DIR/auth/config.yml" >"$T_DIR/auth/log" 2>&1 &
	T_PIDS+=($!)
	wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$port/v2/"
	echo s3cret | "$DOCKER" login -u alice --password-stdin "127.0.0.1:$port" >/dev/null 2>&1
	# Based on an imported image, whose layer keeps its exact tar for the
	# upload (the seeded busybox's layer cannot be reproduced for a push).
	mkdir -p "$T_DIR/rootfs/bin"
	cp /bin/busybox "$T_DIR/rootfs/bin/busybox"
	ln -s busybox "$T_DIR/rootfs/bin/sh"
	tar -C "$T_DIR/rootfs" -c . | "$DOCKER" import - cmbase >/dev/null
	"$DOCKER" run --name cmpush cmbase /bin/sh -c 'echo pushed > /p' >/dev/null
	"$DOCKER" commit cmpush "127.0.0.1:$port/committed:v1" >/dev/null
	check "a committed image pushes" "$DOCKER" push "127.0.0.1:$port/committed:v1"
	AUTH=$(printf '{"username":"alice","password":"s3cret","serveraddress":"127.0.0.1:%s"}' "$port" | base64 -w0)
	out=$(apiq GET "/distribution/127.0.0.1:$port/committed:v1/json" -H "X-Registry-Auth: $AUTH")
	expect_match "distribution with X-Registry-Auth" "$out" '"Platforms":\[\{"architecture":"amd64","os":"linux"\}\]'
	expect_eq "and a 200" "$(tail -1 <<<"$out")" 200
	out=$(apiq GET "/distribution/127.0.0.1:$port/committed:v1/json")
	expect_match "distribution without credentials is refused" "$(tail -1 <<<"$out")" '^(401|403|404|500)$'
else
	skip "no bcrypt (python3 crypt)"; skip "no bcrypt"; skip "no bcrypt"; skip "no bcrypt"
fi

# ---- build prune --------------------------------------------------------------
out=$(apiq POST '/build/prune?all=1')
expect_eq "POST /build/prune: nothing freed" "$out" "$(printf '{"CachesDeleted":null,"SpaceReclaimed":0}\n200')"
out=$(api POST '/build/prune?filters=%7B%22until%22%3A%7B%2224h%22%3Atrue%7D%7D&keep-storage=1000')
expect_eq "POST /build/prune with until and keep-storage" "$(tail -1 <<<"$out")" 200
out=$(apiq POST '/build/prune?keep-storage=lots')
expect_eq "POST /build/prune: keep-storage must be an integer" "$out" \
	"$(printf '{"message":"keep-storage is in bytes and expects an integer, got lots"}\n400')"
out=$(api POST '/build/prune?filters=%7B%22nope%22%3A%7B%22x%22%3Atrue%7D%7D')
expect_eq "POST /build/prune: unknown filter 400" "$(tail -1 <<<"$out")" 400
if [ -n "$DOCKER_OLD" ]; then
	out=$(DOCKER_BUILDKIT=0 "$DOCKER_OLD" builder prune -f 2>&1)
	expect_match "$DOCKER_OLD builder prune -f" "$out" 'Total reclaimed space: 0B'
fi

finish
