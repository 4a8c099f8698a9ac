#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The registry client (engine/registry) against a real Debian docker-registry
# on 127.0.0.1: an image seeded by skopeo from a hand-made OCI layout of
# busybox-static, then manifests by tag/digest, blob downloads with digest
# checks, a corrupted blob, push (mount + upload) to a second repository,
# an index with platform selection, and a second registry with htpasswd
# Basic auth (login and pulls). Prints TAP. Stops exactly the registries it
# started, by PID, and removes its temp dir, also on failure.
. "$(dirname "$0")/../helpers/lib.sh"

TOOL=${REGTOOL:-$BUILD/tests/tools/berth-regtool}

for cmd in docker-registry skopeo busybox sha256sum gzip tar curl; do
	command -v "$cmd" >/dev/null 2>&1 || skip_all "$cmd not installed"
done
[ -x "$TOOL" ] || skip_all "$TOOL not built"
BUSYBOX=$(command -v busybox)

TMP=$(mktemp -d /tmp/berth-reg.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
on_exit cleanup

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_registry <name> [auth-yaml]: sets PORT_<name>, waits for /v2/ with a deadline
start_registry() {
	local name=$1 auth=${2:-} port dir
	port=$(free_port)
	dir=$TMP/$name
	mkdir -p "$dir/storage"
	cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
EOF
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
		if [ "$code" = 200 ] || [ "$code" = 401 ]; then
			eval "PORT_$name=$port"
			return 0
		fi
		sleep 0.1
	done
	echo "# registry $name did not come up:"; sed 's/^/# /' "$dir/log"
	return 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# ---- a small image as an OCI layout ----------------------------------------
mk_image() {
	local L=$TMP/layout root=$TMP/rootfs
	mkdir -p "$L/blobs/sha256" "$root/bin"
	cp "$BUSYBOX" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$TMP/layer.tar" bin
	gzip -n -c "$TMP/layer.tar" >"$TMP/layer.tgz"
	DIFF=$(sha "$TMP/layer.tar")
	LAYER=$(sha "$TMP/layer.tgz"); LAYER_SIZE=$(size "$TMP/layer.tgz")
	cp "$TMP/layer.tgz" "$L/blobs/sha256/$LAYER"
	printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$DIFF" >"$TMP/config.json"
	CONFIG=$(sha "$TMP/config.json"); CONFIG_SIZE=$(size "$TMP/config.json")
	cp "$TMP/config.json" "$L/blobs/sha256/$CONFIG"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
		"$CONFIG" "$CONFIG_SIZE" "$LAYER" "$LAYER_SIZE" >"$TMP/manifest.json"
	MANIFEST=$(sha "$TMP/manifest.json"); MANIFEST_SIZE=$(size "$TMP/manifest.json")
	cp "$TMP/manifest.json" "$L/blobs/sha256/$MANIFEST"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
		"$MANIFEST" "$MANIFEST_SIZE" >"$L/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
}

start_registry plain || { fail "registry starts"; finish; }
R=127.0.0.1:$PORT_plain
mk_image
if ! out=$(skopeo copy --quiet --dest-tls-verify=false --preserve-digests "oci:$TMP/layout:1" "docker://$R/busybox:1" 2>&1); then
	fail "seed image with skopeo"; diag "$out"; finish
fi

# 1-2: manifest by tag and by digest, verified against what we built
out=$("$TOOL" manifest "$R" busybox 1 2>&1)
if grep -qx "digest sha256:$MANIFEST" <<<"$out" && grep -qx "layer sha256:$LAYER $LAYER_SIZE" <<<"$out" &&
	grep -qx "config sha256:$CONFIG $CONFIG_SIZE" <<<"$out"; then ok "manifest by tag"; else fail "manifest by tag"; diag "$out"; fi
out=$("$TOOL" manifest "$R" busybox "sha256:$MANIFEST" 2>&1)
if grep -qx "digest sha256:$MANIFEST" <<<"$out"; then ok "manifest by digest"; else fail "manifest by digest"; diag "$out"; fi

# 3: resolve (HEAD) gives digest, media type and size
out=$("$TOOL" resolve "$R" busybox 1 2>&1)
if [ "$out" = "sha256:$MANIFEST application/vnd.oci.image.manifest.v1+json $MANIFEST_SIZE" ]; then ok "resolve by HEAD"; else fail "resolve by HEAD"; diag "$out"; fi

# 4-5: blobs download and verify
if "$TOOL" blob "$R" busybox "sha256:$LAYER" "$LAYER_SIZE" "$TMP/got.layer" 2>"$TMP/err" && cmp -s "$TMP/got.layer" "$TMP/layer.tgz"; then
	ok "layer blob download"; else fail "layer blob download"; diag "$(cat "$TMP/err")"; fi
if "$TOOL" blob "$R" busybox "sha256:$CONFIG" -1 "$TMP/got.config" 2>"$TMP/err" && cmp -s "$TMP/got.config" "$TMP/config.json"; then
	ok "config blob download, size unknown"; else fail "config blob download, size unknown"; diag "$(cat "$TMP/err")"; fi

# 6: a descriptor size smaller than the blob is a verification failure
if ! out=$("$TOOL" blob "$R" busybox "sha256:$LAYER" 100 "$TMP/x" 2>&1) && grep -q 'verification failed.*EBADMSG' <<<"$out"; then
	ok "server sending more than the descriptor size fails"; else fail "server sending more than the descriptor size fails"; diag "$out"; fi

# 7-8: dockerd's wording for unknown tags and repositories
out=$("$TOOL" manifest "$R" busybox nope 2>&1)
if grep -qF "error: manifest for $R/busybox:nope not found: manifest unknown: manifest unknown [ENOENT]" <<<"$out"; then
	ok "unknown tag message"; else fail "unknown tag message"; diag "$out"; fi
# (distribution answers MANIFEST_UNKNOWN for a repository it never saw, so
# dockerd says "not found" here too; "pull access denied" is test 21's)
out=$("$TOOL" manifest "$R" nosuch/repo latest 2>&1)
if grep -qF "error: manifest for $R/nosuch/repo:latest not found: manifest unknown" <<<"$out" && grep -q ENOENT <<<"$out"; then
	ok "unknown repository message"; else fail "unknown repository message"; diag "$out"; fi

# 9: unknown blob
out=$("$TOOL" blob "$R" busybox "sha256:$(printf x | sha256sum | cut -d' ' -f1)" 1 "$TMP/x" 2>&1)
if grep -q 'ENOENT' <<<"$out"; then ok "unknown blob is ENOENT"; else fail "unknown blob is ENOENT"; diag "$out"; fi

# 10-15: push to a second repository: exists, mount, upload, manifest
out=$("$TOOL" exists "$R" copy/app "sha256:$LAYER" 2>&1)
if [ "$out" = missing ]; then ok "blob missing in new repo"; else fail "blob missing in new repo"; diag "$out"; fi
out=$("$TOOL" mount "$R" copy/app "sha256:$LAYER" busybox 2>&1)
if [ "$out" = mounted ]; then ok "cross-repo mount (201)"; else fail "cross-repo mount (201)"; diag "$out"; fi
out=$("$TOOL" mount "$R" copy/app "sha256:$CONFIG" nosuch 2>&1)
if [ "$out" = not-mounted ]; then ok "refused mount (202)"; else fail "refused mount (202)"; diag "$out"; fi
if out=$("$TOOL" push-blob "$R" copy/app "sha256:$CONFIG" "$TMP/config.json" 2>&1) &&
	[ "$("$TOOL" exists "$R" copy/app "sha256:$CONFIG")" = exists ]; then ok "config blob upload (POST, PATCH, PUT)"; else fail "config blob upload"; diag "$out"; fi
head -c 300000 /dev/urandom >"$TMP/rand"
RAND=$(sha "$TMP/rand")
if out=$("$TOOL" push-blob-stream "$R" copy/app "sha256:$RAND" "$TMP/rand" 2>&1) &&
	"$TOOL" blob "$R" copy/app "sha256:$RAND" 300000 "$TMP/rand.back" 2>&1 && cmp -s "$TMP/rand" "$TMP/rand.back"; then
	ok "streamed upload of unknown size round-trips"; else fail "streamed upload round-trips"; diag "$out"; fi
out=$("$TOOL" push-blob "$R" copy/app "sha256:$CONFIG" "$TMP/rand" 2>&1)
if grep -q EBADMSG <<<"$out"; then ok "upload with wrong content refused before commit"; else fail "upload with wrong content refused"; diag "$out"; fi

# 16-17: manifest push and read-back
out=$("$TOOL" put-manifest "$R" copy/app v1 application/vnd.oci.image.manifest.v1+json "$TMP/manifest.json" 2>&1)
if [ "$out" = "sha256:$MANIFEST" ]; then ok "manifest push returns digest"; else fail "manifest push returns digest"; diag "$out"; fi
out=$("$TOOL" manifest "$R" copy/app v1 2>&1)
if grep -qx "digest sha256:$MANIFEST" <<<"$out"; then ok "pushed manifest reads back"; else fail "pushed manifest reads back"; diag "$out"; fi

# 18-19: an OCI index with platforms: selection and dockerd's no-match message
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"os":"linux","architecture":"arm","variant":"v6"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"os":"linux","architecture":"amd64"}}]}' \
	"$MANIFEST" "$MANIFEST_SIZE" "$MANIFEST" "$MANIFEST_SIZE" >"$TMP/index.json"
"$TOOL" put-manifest "$R" busybox multi application/vnd.oci.image.index.v1+json "$TMP/index.json" >/dev/null 2>&1
out=$("$TOOL" manifest "$R" busybox multi linux/arm/v7 2>&1)
if grep -qx "selected sha256:$MANIFEST" <<<"$out" && grep -qx "kind 4" <<<"$out"; then ok "index platform selection (arm/v7 takes v6)"; else fail "index platform selection"; diag "$out"; fi
out=$("$TOOL" manifest "$R" busybox multi linux/s390x 2>&1)
if grep -qF "no matching manifest for linux/s390x in the manifest list entries [ENOENT]" <<<"$out"; then ok "no matching platform message"; else fail "no matching platform message"; diag "$out"; fi

# 20: corrupt the layer inside the registry's storage: digest mismatch
data=$TMP/plain/storage/docker/registry/v2/blobs/sha256/${LAYER:0:2}/$LAYER/data
if [ -f "$data" ]; then
	printf 'XXXX' | dd of="$data" bs=1 seek=100 conv=notrunc 2>/dev/null
	out=$("$TOOL" blob "$R" busybox "sha256:$LAYER" "$LAYER_SIZE" "$TMP/bad" 2>&1)
	if grep -qF "filesystem layer verification failed for digest sha256:$LAYER [EBADMSG]" <<<"$out"; then
		ok "corrupted blob detected"; else fail "corrupted blob detected"; diag "$out"; fi
else
	fail "corrupted blob detected"; diag "no blob data at $data"
fi

# 21-22: htpasswd Basic auth (bcrypt via libxcrypt through python3's crypt)
HASH=$(/usr/bin/python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' 2>/dev/null)
if [ -n "$HASH" ] && mkdir -p "$TMP/auth" && echo "alice:$HASH" >"$TMP/htpasswd" &&
	start_registry auth "auth:
  htpasswd:
    realm: berth-test
    path: $TMP/htpasswd"; then
	A=127.0.0.1:$PORT_auth
	skopeo copy --quiet --dest-tls-verify=false --dest-creds alice:s3cret "oci:$TMP/layout:1" "docker://$A/private:1" >/dev/null 2>&1
	anon=$("$TOOL" manifest "$A" private 1 2>&1)
	good=$(REGTOOL_USER=alice REGTOOL_PASS=s3cret "$TOOL" manifest "$A" private 1 2>&1)
	if grep -q "pull access denied" <<<"$anon" && grep -qx "digest sha256:$MANIFEST" <<<"$good"; then
		ok "basic auth: anonymous denied, credentials accepted"; else fail "basic auth pulls"; diag "$anon
$good"; fi
	lgood=$(REGTOOL_USER=alice REGTOOL_PASS=s3cret "$TOOL" login "$A" 2>&1)
	lbad=$(REGTOOL_USER=alice REGTOOL_PASS=wrong "$TOOL" login "$A" 2>&1)
	if [ "$lgood" = "Login Succeeded" ] && grep -qF "login attempt to http://$A/v2/ failed with status: 401 Unauthorized" <<<"$lbad"; then
		ok "basic auth login"; else fail "basic auth login"; diag "$lgood
$lbad"; fi
else
	skip "no bcrypt hash (python3 crypt) or auth registry failed"
	skip "no bcrypt hash (python3 crypt) or auth registry failed"
fi

finish
