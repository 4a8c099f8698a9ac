#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker push to a second loopback registry (Pushed, Layer already exists,
# Mounted from, digest line) and pull back by digest on a fresh daemon;
# docker save | docker load round trips preserving image IDs and bytes;
# loading a plain OCI layout (as skopeo writes it) and dockerd 20.10's
# <v1id>/layer.tar layout.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
fixtures_build || { fail "fixtures build"; finish; }
registry_up src || { fail "source registry starts"; finish; }
S=$REGISTRY
registry_empty dst || { fail "destination registry starts"; finish; }
D=$REGISTRY
berth_start || { fail "berthd starts"; finish; }
for i in busybox app1 app2; do "$DOCKER" pull -q "$S/$i" >/dev/null || fail "pull $i"; done

# ---- push ---------------------------------------------------------------
"$DOCKER" tag "$S/app1" "$D/team/app1:v1"
out=$("$DOCKER" push "$D/team/app1:v1" 2>&1); rc=$?
expect_eq "push succeeds" "$rc" 0
expect_match "push names the repository" "$out" "^The push refers to repository \[$D/team/app1\]"
set -- $APP1_DIFF_IDS
expect_match "each layer is prepared" "$out" "$(layer_short "$3"): Preparing"
expect_match "and pushed" "$out" "$(layer_short "$1"): Pushed"
digest=$(printf '%s\n' "$out" | sed -n 's/^v1: digest: \(sha256:[0-9a-f]*\) size: [0-9]*$/\1/p')
expect_match "digest line" "$digest" '^sha256:[0-9a-f]{64}$'
expect_eq "the kept compressed layer went up byte for byte (same blob digest)" \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://$D/v2/team/app1/blobs/$(echo $APP1_LAYERS | cut -d' ' -f1)")" 200
out=$("$DOCKER" push "$D/team/app1:v1" 2>&1)
expect_match "a second push: Layer already exists" "$out" "$(layer_short "$1"): Layer already exists"
"$DOCKER" tag "$S/busybox" "$D/other/bb:1"
out=$("$DOCKER" push "$D/other/bb:1" 2>&1)
expect_match "a layer in another repository is mounted" "$out" "Mounted from team/app1"
out=$("$DOCKER" image inspect -f '{{json .RepoDigests}}' "$D/team/app1:v1")
expect_match "the pushed digest is a repo digest" "$out" "$D/team/app1@$digest"
out=$(api POST "/images/$D/team/app1/push?tag=v1" -H "X-Registry-Auth: e30=")
expect_match "raw push stream has aux Tag/Digest/Size" "$out" "\"aux\":\{\"Tag\":\"v1\",\"Digest\":\"$digest\",\"Size\":[0-9]+\}"
out=$("$DOCKER" push "$D/nosuch:1" 2>&1); rc=$?
expect_eq "pushing a missing image fails" "$rc" 1
expect_match "with dockerd's message" "$out" "An image does not exist locally with the tag: $D/nosuch"

# ---- save / load ----------------------------------------------------------
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	check "[$v] docker save" "$cli" save -o "$T_DIR/s-$v.tar" "$S/app1" "$S/app2"
	check "[$v] the archive is an OCI layout with manifest.json" \
		sh -c "tar tf '$T_DIR/s-$v.tar' | grep -qx oci-layout && tar tf '$T_DIR/s-$v.tar' | grep -qx manifest.json && tar tf '$T_DIR/s-$v.tar' | grep -qx index.json"
done
expect_eq "save is reproducible" "$(sha256sum <"$T_DIR/s-$(basename "$(dirname "$DOCKER")").tar")" "$("$DOCKER" save "$S/app1" "$S/app2" | sha256sum)"
"$DOCKER" rmi -f "$S/app1" "$S/app2" "$D/team/app1:v1" "$D/team/app1@$digest" >/dev/null 2>&1
out=$("$DOCKER" load -i "$T_DIR/s-$(basename "$(dirname "$DOCKER")").tar" 2>&1)
expect_match "load prints Loaded image" "$out" "Loaded image: $S/app1:latest"
expect_eq "IDs survive save | load" "$("$DOCKER" image inspect -f '{{.Id}}' "$S/app1" "$S/app2" | tr '\n' ' ')" "$APP1_CONFIG_DIGEST $APP2_CONFIG_DIGEST "
out=$("$DOCKER" save "$S/busybox" | "$DOCKER" load 2>&1)
expect_eq "loading what is there already" "$out" "Loaded image: $S/busybox:latest"
id=$("$DOCKER" save "${APP2_CONFIG_DIGEST:7:12}" | "$DOCKER" load 2>&1)
expect_eq "an image saved by ID loads untagged" "$id" "Loaded image ID: $APP2_CONFIG_DIGEST"
"$DOCKER" tag "$S/busybox" "$S/app1:latest"
out=$("$DOCKER" load -i "$T_DIR/s-$(basename "$(dirname "$DOCKER")").tar" 2>&1)
expect_match "a moved tag is reported" "$out" "The image $S/app1:latest already exists, renaming the old one with ID $BUSYBOX_CONFIG_DIGEST to empty string"

# A plain OCI layout (skopeo/umoci): no manifest.json.
tar -C "$FIXTURE_CACHE/images/oci" -cf "$T_DIR/oci.tar" .
out=$("$DOCKER" load -i "$T_DIR/oci.tar" 2>&1)
expect_match "a plain OCI layout loads" "$out" "Loaded image: base:latest"
expect_eq "with the layout's image IDs" "$("$DOCKER" image inspect -f '{{.Id}}' base:latest)" "$BASE_CONFIG_DIGEST"

# dockerd 20.10's layout: <v1id>/layer.tar, <id>.json, manifest.json.
mkdir -p "$T_DIR/old" "$T_DIR/new" && tar -C "$T_DIR/new" -xf "$T_DIR/s-$(basename "$(dirname "$DOCKER")").tar"
cfg=${APP2_CONFIG_DIGEST#sha256:}
cp "$T_DIR/new/blobs/sha256/$cfg" "$T_DIR/old/$cfg.json"
layers=""
for d in $APP2_DIFF_IDS; do
	mkdir -p "$T_DIR/old/v1${d:7:20}"; echo 1.0 >"$T_DIR/old/v1${d:7:20}/VERSION"
	cp "$T_DIR/new/blobs/sha256/${d#sha256:}" "$T_DIR/old/v1${d:7:20}/layer.tar"
	layers="$layers\"v1${d:7:20}/layer.tar\","
done
printf '[{"Config":"%s.json","RepoTags":["old/app2:1"],"Layers":[%s]}]' "$cfg" "${layers%,}" >"$T_DIR/old/manifest.json"
"$DOCKER" rmi -f "${APP2_CONFIG_DIGEST:7:12}" >/dev/null 2>&1
out=$(tar -C "$T_DIR/old" -c . | "$DOCKER" load 2>&1)
expect_eq "the 20.10 layout loads" "$out" "Loaded image: old/app2:1"
expect_eq "with the same ID" "$("$DOCKER" image inspect -f '{{.Id}}' old/app2:1)" "$APP2_CONFIG_DIGEST"

# ---- pull back by digest on a fresh daemon -------------------------------
berth_start || fail "second berthd starts"
out=$("$DOCKER" pull "$D/team/app1@$digest" 2>&1)
expect_match "pull by digest from the pushed registry" "$out" "Status: Downloaded newer image for $D/team/app1@$digest"
expect_eq "it is the same image" "$("$DOCKER" image inspect -f '{{.Id}}' "$D/team/app1@$digest")" "$APP1_CONFIG_DIGEST"
events=$(timeout 10 "$DOCKER" events --since 0 --until "$(($(date +%s) + 1))" --filter type=image --format '{{.Action}}' | sort -u | tr '\n' ' ')
expect_match "pull event on the second daemon" "$events" "pull"
berth_stop
finish
