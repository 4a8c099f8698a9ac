#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker search against a loopback v1 search server (columns, filters,
# --limit, the limit range), docker import from an http URL served by a
# loopback python3 http.server, docker pull -a (every tag of a repository)
# and dockerd's wording for unknown repositories and tags.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
R=$REGISTRY
berth_start || { fail "berthd starts"; finish; }

# ---- search -----------------------------------------------------------------
/usr/bin/python3 "$FIX/search/server.py" "$T_DIR/search.port" 300 2>"$T_DIR/search.log" &
SEARCH_PID=$!
T_PIDS+=("$SEARCH_PID")
wait_for 15 test -s "$T_DIR/search.port" || { fail "search server starts"; finish; }
S=127.0.0.1:$(cat "$T_DIR/search.port")

out=$("$DOCKER" search "$S/busybox" 2>&1)
expect_match "search: header has NAME DESCRIPTION STARS OFFICIAL" "$(head -1 <<<"$out")" "^NAME +DESCRIPTION +STARS +OFFICIAL"
expect_match "search: official busybox with its stars" "$out" "^busybox +Busybox base image\. +3200 +\[OK\]"
expect_match "search: a non-official hit" "$out" "^someone/busybox-tools +Extra tools on busybox +12 *$"
expect_eq "search: only names containing the term" "$(tail -n +2 <<<"$out" | wc -l)" 3
out=$("$DOCKER" search --filter is-official=true "$S/busybox" 2>&1)
expect_eq "search --filter is-official=true" "$(tail -n +2 <<<"$out" | awk '{print $1}')" "busybox"
out=$("$DOCKER" search --filter stars=10 "$S/busybox" 2>&1)
expect_eq "search --filter stars=10" "$(tail -n +2 <<<"$out" | awk '{print $1}' | sort | tr '\n' ' ')" "busybox someone/busybox-tools "
out=$("$DOCKER" search --limit 1 "$S/busybox" 2>&1)
expect_eq "search --limit 1" "$(tail -n +2 <<<"$out" | wc -l)" 1
for l in 0 101; do
	out=$(api GET "/images/search?term=$S/busybox&limit=$l")
	expect_eq "search limit=$l is a 400" "$(tail -1 <<<"$out")" 400
	expect_match "with dockerd's message" "$out" "limit"
done
out=$(api GET "/images/search?term=$S/busybox&limit=100")
expect_eq "search limit=100 is fine" "$(tail -1 <<<"$out")" 200

# ---- import from a URL --------------------------------------------------------
mkdir -p "$T_DIR/www/root/etc"
echo imported-from-url >"$T_DIR/www/root/etc/marker"
tar -C "$T_DIR/www/root" -cf "$T_DIR/www/rootfs.tar" .
/usr/bin/python3 -u -m http.server --bind 127.0.0.1 --directory "$T_DIR/www" 0 \
	>"$T_DIR/http.log" 2>&1 &
HTTP_PID=$!
T_PIDS+=("$HTTP_PID")
wait_for 15 grep -q "port [0-9]" "$T_DIR/http.log" || { fail "http server starts"; finish; }
H=127.0.0.1:$(grep -o "port [0-9]*" "$T_DIR/http.log" | head -1 | cut -d' ' -f2)

out=$("$DOCKER" import "http://$H/rootfs.tar" "urlimp:v1" 2>&1); rc=$?
expect_eq "import from a URL succeeds" "$rc" 0
expect_match "it prints the image ID" "$out" "^sha256:[0-9a-f]{64}$"
expect_eq "the image is tagged" "$("$DOCKER" image inspect -f '{{.Comment}}' urlimp:v1 2>&1)" "Imported from http://$H/rootfs.tar"
out=$(api POST "/images/create?fromSrc=http://$H/rootfs.tar&repo=urlimp&tag=v2")
expect_match "stream: Downloading from <url>" "$out" "\"status\":\"Downloading from http://$H/rootfs.tar\""
expect_match "stream: Importing progress" "$out" "\"status\":\"Importing\""
expect_match "stream: the image ID last" "$(sed '$d' <<<"$out" | grep -v "^$" | tail -1)" "\"status\":\"sha256:[0-9a-f]{64}\""
expect_eq "same bytes, same image" "$("$DOCKER" image inspect -f '{{.RootFS.Layers}}' urlimp:v2)" "$("$DOCKER" image inspect -f '{{.RootFS.Layers}}' urlimp:v1)"
out=$("$DOCKER" import "http://$H/missing.tar" 2>&1); rc=$?
expect_eq "a 404 URL fails" "$rc" 1
expect_match "with the status in the message" "$out" "failed to GET http://$H/missing.tar with status 404"
out=$(api POST "/images/create?fromSrc=file:///etc/passwd")
expect_eq "file:// is refused with 400" "$(tail -1 <<<"$out")" 400
out=$(api POST "/images/create?fromSrc=gopher://$H/x")
expect_eq "other schemes are refused with 400" "$(tail -1 <<<"$out")" 400
check "python http.server stops" stop_pid "$HTTP_PID"

# ---- pull -a ------------------------------------------------------------------
check "second tag of busybox" skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
	"docker://$R/busybox:latest" "docker://$R/busybox:v2"
out=$("$DOCKER" pull -a "$R/busybox" 2>&1); rc=$?
expect_eq "pull -a succeeds" "$rc" 0
expect_match "pull -a: latest is pulled" "$out" "^latest: Pulling from busybox"
expect_match "pull -a: v2 is pulled" "$out" "^v2: Pulling from busybox"
expect_eq "pull -a: one Status line for the repository" "$(grep '^Status:' <<<"$out")" "Status: Downloaded newer image for $R/busybox"
expect_eq "pull -a: both tags exist" "$("$DOCKER" images --format '{{.Tag}}' "$R/busybox" | sort | tr '\n' ' ')" "latest v2 "
out=$("$DOCKER" pull -a "$R/busybox" 2>&1)
expect_match "pull -a again: up to date" "$out" "Status: Image is up to date for $R/busybox$"
out=$("$DOCKER" pull -a "$R/nosuchrepo" 2>&1); rc=$?
expect_eq "pull -a of an unknown repository fails" "$rc" 1
expect_match "with moby's NAME_UNKNOWN wording" "$out" "repository $R/nosuchrepo not found: name unknown: repository name not known to registry"

# ---- import: plain and compressed, saved back; garbage refused -----------------
# The stored blob is decompressed in the extraction helper when saved.
mkdir -p "$T_DIR/imp/etc" && echo imported >"$T_DIR/imp/etc/marker"
tar -C "$T_DIR/imp" -cf "$T_DIR/imp.tar" .
gzip -c "$T_DIR/imp.tar" >"$T_DIR/imp.tar.gz"
zstd -q -c "$T_DIR/imp.tar" >"$T_DIR/imp.tar.zst"
xz -c "$T_DIR/imp.tar" >"$T_DIR/imp.tar.xz"
for f in tar tar.gz tar.zst tar.xz; do
	t=impc:${f//./-}
	id=$("$DOCKER" import - "$t" <"$T_DIR/imp.$f" 2>&1)
	expect_match "import of a .$f archive" "$id" '^sha256:[0-9a-f]{64}$'
	check "save of the .$f import (its blob decompressed and verified)" \
		sh -c "'$DOCKER' save '$t' | tar -t >/dev/null"
done
expect_eq "the four imports are one layer" \
	"$("$DOCKER" inspect -f '{{index .RootFS.Layers 0}}' impc:tar impc:tar-gz impc:tar-zst impc:tar-xz | sort -u | wc -l)" 1
out=$(printf 'this is not an archive' | "$DOCKER" import - impc:garbage 2>&1); rc=$?
expect_eq "import of garbage fails" "$rc" 1
expect_eq "with dockerd's message" "$out" "Error response from daemon: unexpected EOF"
out=$(yes garbage | head -c 2048 | "$DOCKER" import - impc:garbage 2>&1)
expect_eq "longer garbage: dockerd's invalid header" "$out" "Error response from daemon: archive/tar: invalid tar header"

# ---- unknown repository / tag ----------------------------------------------------
# distribution 2.8 answers MANIFEST_UNKNOWN for both, so dockerd (and berth)
# say "manifest for ... not found" for both.
out=$("$DOCKER" pull "$R/nosuchrepo" 2>&1); rc=$?
expect_eq "unknown repository fails" "$rc" 1
expect_eq "with dockerd's message for distribution 2.8" "$out" "Using default tag: latest
Error response from daemon: manifest for $R/nosuchrepo:latest not found: manifest unknown: manifest unknown"
out=$(api POST "/images/create?fromImage=$R/nosuchrepo&tag=latest")
expect_eq "unknown repository is a 404" "$(tail -1 <<<"$out")" 404
finish
