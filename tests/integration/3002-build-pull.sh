#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker build pulling its base image (issue 6): FROM an image that is not
# local is pulled with the pull's progress inline in the build output,
# --pull re-checks an image that is local, COPY --from=<image> pulls too,
# X-Registry-Config is accepted (and ignored when undecodable), and a
# missing base image fails in-stream with dockerd's error (CLI exit 1).
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
R=$REGISTRY
berth_start || { fail "berthd starts"; finish; }
export DOCKER_BUILDKIT=0
BB=$(layer_short "$BUSYBOX_LAYERS")

CTX=$T_DIR/ctx
mkdir -p "$CTX"
printf 'FROM %s/busybox\nRUN echo built >/built.txt\n' "$R" >"$CTX/Dockerfile"
out=$("$DOCKER" build -t pulled:1 "$CTX" 2>&1); rc=$?
expect_eq "FROM a missing image: the build pulls it and succeeds" "$rc" 0
expect_match "the pull's lines are in the build output" "$out" "Pulling from busybox"
expect_match "with the layer's progress" "$out" "$BB: Pull complete"
expect_match "and the pull's status" "$out" "Status: Downloaded newer image for $R/busybox:latest"
expect_match "then the build goes on" "$out" "Successfully tagged pulled:1"
expect_eq "the base image is now local" "$("$DOCKER" image inspect -f '{{.Id}}' "$R/busybox")" "$BUSYBOX_CONFIG_DIGEST"
expect_eq "the result runs on it" "$("$DOCKER" run --rm pulled:1 cat /built.txt)" "built"

out=$("$DOCKER" build -t pulled:1 "$CTX" 2>&1)
expect_no_match "a local base is not pulled again" "$out" "Pulling from"
expect_match "and the cache is used" "$out" "Using cache"

out=$("$DOCKER" build --pull -t pulled:1 "$CTX" 2>&1); rc=$?
expect_eq "--pull builds" "$rc" 0
expect_match "--pull re-checks the registry" "$out" "Status: Image is up to date for $R/busybox:latest"
expect_match "--pull: an unchanged base keeps the cache" "$out" "Using cache"

# The raw stream: the pull objects sit between Step 1 and its " ---> id".
"$DOCKER" rmi -f "$R/busybox" pulled:1 >/dev/null 2>&1
tar -C "$CTX" -cf "$T_DIR/ctx.tar" Dockerfile
raw=$(curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Content-Type: application/x-tar' \
	-H "X-Registry-Config: $(printf '{"%s":{"username":"u","password":"p"}}' "$R" | base64 -w0 | tr '+/' '-_')" \
	--data-binary @"$T_DIR/ctx.tar" "http://x/build?t=pulled:2")
expect_match "raw: a status object with the layer id" "$raw" "\"status\": *\"Pull complete\".*\"id\": *\"$BB\""
first_status=$(printf '%s\n' "$raw" | grep -n '"status"' | head -1 | cut -d: -f1)
step1=$(printf '%s\n' "$raw" | grep -n 'Step 1/2' | cut -d: -f1)
step2=$(printf '%s\n' "$raw" | grep -n 'Step 2/2' | cut -d: -f1)
if [ -n "$first_status" ] && [ -n "$step1" ] && [ -n "$step2" ] &&
	[ "$step1" -lt "$first_status" ] && [ "$first_status" -lt "$step2" ]; then
	ok "raw: the pull objects come inline, inside step 1"
else
	fail "raw: the pull objects come inline, inside step 1"; diag "$raw"
fi
expect_match "raw: X-Registry-Config credentials do not hurt an open registry" "$raw" "Successfully tagged pulled:2"
"$DOCKER" rmi -f "$R/busybox" >/dev/null 2>&1
raw=$(curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'X-Registry-Config: !!not-base64!!' \
	--data-binary @"$T_DIR/ctx.tar" "http://x/build?t=pulled:3")
expect_match "raw: an undecodable X-Registry-Config is ignored" "$raw" "Successfully tagged pulled:3"

# COPY --from=<image> pulls the image as well.
"$DOCKER" rmi -f "$R/busybox" "$R/app1" >/dev/null 2>&1
printf 'FROM %s/busybox\nCOPY --from=%s/app1 /app/app1.txt /x.txt\n' "$R" "$R" >"$CTX/Dockerfile"
out=$("$DOCKER" build -t pulled:4 "$CTX" 2>&1); rc=$?
expect_eq "COPY --from=<remote image> builds" "$rc" 0
expect_match "COPY --from pulls app1" "$out" "Status: Downloaded newer image for $R/app1:latest"
expect_eq "the copied file" "$("$DOCKER" run --rm pulled:4 cat /x.txt)" "app1"

# A base image the registry does not have.
printf 'FROM %s/nope:1\nRUN true\n' "$R" >"$CTX/Dockerfile"
out=$("$DOCKER" build "$CTX" 2>&1); rc=$?
expect_eq "missing FROM image: the CLI exits 1" "$rc" 1
expect_match "with dockerd's pull error" "$out" "manifest for $R/nope:1 not found"
tar -C "$CTX" -cf "$T_DIR/ctx.tar" Dockerfile
raw=$(curl -s --unix-socket "$BERTH_SOCK" -X POST -w '\n%{http_code}' \
	--data-binary @"$T_DIR/ctx.tar" "http://x/build")
expect_match "the error is in the stream, after Step 1" "$raw" '"errorDetail"'
expect_eq "HTTP status is 200 (the stream had started)" "$(printf '%s\n' "$raw" | tail -1)" 200
printf 'FROM Not_A/Valid:Ref::\n' >"$CTX/Dockerfile"
out=$("$DOCKER" build "$CTX" 2>&1); rc=$?
expect_eq "invalid FROM reference: exit 1" "$rc" 1
expect_match "invalid reference format" "$out" "invalid reference format"
finish
