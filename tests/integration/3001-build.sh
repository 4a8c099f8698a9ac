#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker build with the classic builder (issue 6), on busybox: every
# instruction, the streamed output, the image chain and #(nop) markers (read
# from the store, then through docker history and docker images -a), the cache (all hits
# when unchanged, a changed file re-runs only the steps after its COPY),
# multi-stage with COPY --from and --target, ARG/ENV substitution,
# .dockerignore, -q, a failing RUN, with both docker CLIs; hostile contexts.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded busybox:latest || { fail "berthd starts with busybox seeded"; finish; }
DATA=$BERTH_ROOT/data
export DOCKER_BUILDKIT=0

# img_doc NAME: the stored image document (config) of a tag or ID.
img_id() { jq -r --arg k "$1" '.refs[$k] // empty' "$DATA/refs.json"; }
img_doc() { local id=$1; case $id in sha256:*) ;; *) id=$(img_id "docker.io/library/$1");; esac; cat "$DATA/images/${id#sha256:}.json"; }
img_meta_parent() { jq -r .parent "$DATA/images/meta/${1#sha256:}.json"; }
# layer_has PATH: some layer of the store holds PATH.
layer_has() { ls "$DATA"/layers/*/diff/"$1" >/dev/null 2>&1; }

CTX=$T_DIR/ctx
mkdir -p "$CTX/sub/deeper"
echo '<h1>v1</h1>' >"$CTX/index.html"
echo a >"$CTX/sub/a.txt"; echo b >"$CTX/sub/b.txt"; echo c >"$CTX/sub/deeper/c.txt"
echo secret >"$CTX/ignored.secret"
printf '*.secret\n' >"$CTX/.dockerignore"
tar -C "$CTX/sub" -czf "$CTX/arch.tgz" a.txt deeper
cat >"$CTX/Dockerfile" <<'EOF'
ARG BASE=busybox
FROM ${BASE} AS base
LABEL org.example.stage=base "with space"="v 1"
MAINTAINER someone
ENV GREETING=hello TARGET="the world"
ARG VER=1.0
ENV FULL="${GREETING} ${TARGET} ${VER}" EMPTY=${NOPE:-dflt} ALT=${GREETING:+set}
RUN echo "run $GREETING $VER" && echo to-stderr >&2 && echo "$VER" >/ver.txt
WORKDIR /app
WORKDIR sub
COPY index.html /var/www/html/index.html
COPY sub/*.txt /app/txt/
COPY sub /app/subcopy
ADD arch.tgz /app/unpacked/
COPY --chown=1000:1000 --chmod=640 index.html owned.html
EXPOSE 80 53/udp 8000-8002
VOLUME ["/data"]
USER nobody
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=3 CMD true
SHELL ["/bin/sh", "-ec"]
ONBUILD RUN echo triggered
ENTRYPOINT ["/bin/echo"]
CMD ["default"]

FROM busybox AS final
COPY --from=base /ver.txt /copied-ver.txt
COPY --from=0 /app/txt/ /txt/
RUN test "$(cat /copied-ver.txt)" = 1.0 && ls /txt/a.txt /txt/b.txt
EOF

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	[ "$v" = bin ] && [ "$cli" = /usr/bin/docker ] && v=20.10 || true
	out=$(cd "$CTX" && "$cli" build --no-cache -t built:$v --build-arg VER=1.0 . 2>"$T_DIR/err"); rc=$?
	expect_eq "[$v] docker build exits 0" "$rc" 0
	[ "$rc" = 0 ] || diag "$out" "$(cat "$T_DIR/err")" "$(tail -20 "$BERTH_LOG")"
	expect_match "[$v] step headers with the total" "$out" "Step 1/28 : ARG BASE=busybox"
	expect_match "[$v] FROM prints the base id" "$out" "Step 2/28 : FROM \\$\\{BASE\\} AS base"$'\n'" ---> [0-9a-f]{12}"
	expect_match "[$v] RUN shows its container" "$out" " ---> Running in [0-9a-f]{12}"
	expect_match "[$v] RUN output is streamed verbatim" "$out" "run hello 1.0"
	expect_match "[$v] intermediate containers are removed" "$out" "Removing intermediate container [0-9a-f]{12}"
	expect_match "[$v] success line" "$out" "Successfully built [0-9a-f]{12}"
	expect_match "[$v] tag line" "$out" "Successfully tagged built:$v"
	expect_no_match "[$v] no cache with --no-cache" "$out" "Using cache"
	check "[$v] the tag exists in the store" test -n "$(img_id docker.io/library/built:$v)"
done
[ -n "$DOCKER_OLD" ] || skip "docker 20.10 CLI not installed"

out=$(cd "$CTX" && "$DOCKER" build -t built:cached --build-arg VER=1.0 . 2>&1)
n=$(printf '%s\n' "$out" | grep -c -- '---> Using cache')
expect_eq "an unchanged rebuild is all cache hits (every step but the meta ARG and the FROMs)" "$n" 25
expect_no_match "and runs no container" "$out" "Running in"
expect_eq "the unchanged rebuild gives the same image" "$(img_id docker.io/library/built:cached)" "$(img_id docker.io/library/built:20.10 || true)$( [ -n "$DOCKER_OLD" ] || img_id docker.io/library/built:local)"

touch "$CTX/index.html" "$CTX/sub/a.txt"
out=$(cd "$CTX" && "$DOCKER" build --build-arg VER=1.0 . 2>&1)
expect_no_match "touching files (mtime only) keeps the cache" "$out" "Running in"

echo '<h1>v2</h1>' >"$CTX/index.html"
out=$(cd "$CTX" && "$DOCKER" build --build-arg VER=1.0 -t built:v2 . 2>&1)
before=$(printf '%s\n' "$out" | sed -n '/Step 11\/28/q;p' | grep -c 'Using cache')
expect_eq "steps before the changed COPY come from the cache" "$before" 8
expect_match "the changed COPY runs again" "$(printf '%s\n' "$out" | sed -n '/Step 11\/28/,/Step 12/p')" " ---> [0-9a-f]{12}"
expect_no_match "the changed COPY is not a cache hit" "$(printf '%s\n' "$out" | sed -n '/Step 11\/28/,/Step 12/p')" "Using cache"
expect_match "steps after it re-run (the final RUN runs again)" "$out" "Step 29/28 : RUN test"$'\n'" ---> Running in"

# The image chain and dockerd's markers, read from the store.
doc=$(img_doc built:v2)
id=sha256:$(img_doc built:v2 | sha256sum | cut -c1-64)
expect_eq "the final image has a Parent" "$(img_meta_parent "$(img_id docker.io/library/built:v2)" | cut -c1-7)" "sha256:"
expect_eq "config.Image is the parent" "$(jq -r .config.Image <<<"$doc")" "$(img_meta_parent "$(img_id docker.io/library/built:v2)")"
expect_match "RUN history created_by" "$(jq -r '.history[-1].created_by' <<<"$doc")" '^/bin/sh -c test '
expect_eq "COPY --from marker" "$(jq -r '.history[-3].created_by' <<<"$doc" | sed 's/[0-9a-f]\{64\}/H/')" "/bin/sh -c #(nop) COPY file:H in /copied-ver.txt "
hist=$(for f in "$DATA"/images/*.json; do jq -r '.history[-1].created_by' "$f"; done)
expect_match "metadata steps have the #(nop) marker with two spaces (in the SHELL set)" "$hist" '^/bin/sh -ec #\(nop\)  CMD \["default"\]'
expect_match "ENV marker has expanded values" "$hist" '#\(nop\)  ENV FULL=hello the world 1.0 EMPTY=dflt ALT=set'
expect_match "RUN with build args has the |N prefix" "$hist" '^\|1 VER=1.0 /bin/sh -c echo'
expect_match "COPY of a directory uses a dir: hash" "$hist" '#\(nop\) COPY dir:[0-9a-f]{64} in /app/subcopy '
expect_match "WORKDIR relative to the previous one" "$hist" 'WORKDIR /app/sub'
expect_match "SHELL marker" "$hist" 'SHELL \[/bin/sh -ec\]'

sdoc=$(for f in "$DATA"/images/*.json; do jq -c 'select(.config.Cmd == ["default"] and .config.Healthcheck != null)' "$f"; done | head -1)
cfg=$(jq -c .config <<<"$sdoc")
expect_eq "ENV and ARG substitution" "$(jq -r '.Env | map(select(startswith("FULL=")))[0]' <<<"$cfg")" "FULL=hello the world 1.0"
expect_eq "labels" "$(jq -r '.Labels["with space"]' <<<"$cfg")" "v 1"
expect_eq "exposed ports with a range" "$(jq -r '.ExposedPorts | keys | join(",")' <<<"$cfg")" "53/udp,80/tcp,8000/tcp,8001/tcp,8002/tcp"
expect_eq "volumes, user, stop signal, workdir" "$(jq -r '[(.Volumes|keys[0]), .User, .StopSignal, .WorkingDir] | join(" ")' <<<"$cfg")" "/data nobody SIGINT /app/sub"
expect_eq "healthcheck" "$(jq -c '.Healthcheck' <<<"$cfg")" '{"Interval":5000000000,"Retries":3,"Test":["CMD-SHELL","true"]}'
expect_eq "entrypoint, cmd, shell, onbuild" "$(jq -c '[.Entrypoint,.Cmd,.Shell,.OnBuild]' <<<"$cfg")" '[["/bin/echo"],["default"],["/bin/sh","-ec"],["RUN echo triggered"]]'
expect_eq "maintainer is the author" "$(jq -r .author <<<"$sdoc")" "someone"
check "COPY wrote index.html" layer_has var/www/html/index.html
check "COPY with a wildcard into a directory" layer_has app/txt/b.txt
check "COPY of a directory copies its contents" layer_has app/subcopy/deeper/c.txt
check "ADD unpacked the local archive" layer_has app/unpacked/deeper/c.txt
own=$(stat -c '%u:%g %a' "$DATA"/layers/*/diff/app/sub/owned.html 2>/dev/null | head -1)
expect_eq "COPY --chown/--chmod relative to WORKDIR" "$own" "1000:1000 640"
check_fails ".dockerignore kept ignored.secret out (client side)" layer_has ignored.secret

# --target, -q, ONBUILD triggers, a failing RUN.
out=$(cd "$CTX" && "$DOCKER" build --target base -t onlybase . 2>&1)
expect_match "--target stops at the stage" "$out" "Step 24/24 : CMD"
expect_no_match "--target skips later stages" "$out" "copied-ver"
out=$(cd "$CTX" && "$DOCKER" build --target nosuch . 2>&1); rc=$?
expect_eq "unknown target fails" "$rc" 1
expect_match "naming the target" "$out" "nosuch"
out=$(cd "$CTX" && "$DOCKER" build -q --build-arg VER=1.0 . 2>/dev/null)
expect_match "docker build -q prints only the ID" "$out" '^sha256:[0-9a-f]{64}$'
mkdir -p "$T_DIR/ob"; printf 'FROM onlybase\nRUN true\n' >"$T_DIR/ob/Dockerfile"
out=$("$DOCKER" build "$T_DIR/ob" 2>&1)
expect_match "ONBUILD triggers run in the child build" "$out" "# Executing 1 build trigger"
expect_match "with their output" "$out" "^triggered"
mkdir -p "$T_DIR/fail"; printf 'FROM busybox\nRUN echo before; exit 3\n' >"$T_DIR/fail/Dockerfile"
out=$("$DOCKER" build "$T_DIR/fail" 2>&1); rc=$?
expect_eq "a failing RUN makes the CLI exit with its code" "$rc" 3
expect_match "with dockerd's message" "$out" "The command '/bin/sh -c echo before; exit 3' returned a non-zero code: 3"
if [ -n "$DOCKER_OLD" ]; then
	out=$("$DOCKER_OLD" build "$T_DIR/fail" 2>&1); rc=$?
	expect_eq "[20.10] a failing RUN exits with its code" "$rc" 3
fi
printf 'FROM busybox\nFOO bar\n' >"$T_DIR/fail/Dockerfile"
out=$("$DOCKER" build "$T_DIR/fail" 2>&1)
expect_match "syntax errors name the line" "$out" "Dockerfile parse error line 2: unknown instruction: FOO"
: >"$T_DIR/fail/Dockerfile"
out=$("$DOCKER" build "$T_DIR/fail" 2>&1)
expect_match "an empty Dockerfile is refused" "$out" "cannot be empty"
printf 'FROM busybox\nCOPY nothere /x\n' >"$T_DIR/fail/Dockerfile"
out=$("$DOCKER" build "$T_DIR/fail" 2>&1)
expect_match "a missing COPY source" "$out" "COPY failed: file not found in build context"

# --cache-from: an image that came from elsewhere (here: saved, removed with
# its intermediates, loaded back) serves as cache by its history, not by a
# local parent chain.
mkdir -p "$T_DIR/cf" && echo data >"$T_DIR/cf/x"
printf 'FROM busybox\nENV A=1\nRUN echo hi >/f\nCOPY x /x\nCMD ["cat", "/f"]\n' >"$T_DIR/cf/Dockerfile"
"$DOCKER" build -q -t cf:1 "$T_DIR/cf" >/dev/null 2>&1
cf1=$(img_id docker.io/library/cf:1)
"$DOCKER" save -o "$T_DIR/cf.tar" cf:1 && "$DOCKER" rmi cf:1 >/dev/null && "$DOCKER" load -i "$T_DIR/cf.tar" >/dev/null
expect_eq "the loaded image is the same image, without a build parent" "$("$DOCKER" image inspect -f '{{.Parent}}|{{.Id}}' cf:1)" "|$cf1"
out=$("$DOCKER" build "$T_DIR/cf" 2>&1)
expect_eq "without --cache-from a loaded image is no cache" "$(printf '%s\n' "$out" | grep -c -- '---> Using cache')" 0
"$DOCKER" rmi -f "$(printf '%s\n' "$out" | sed -n 's/^Successfully built //p')" >/dev/null 2>&1
out=$("$DOCKER" build --cache-from cf:1 -t cf:2 "$T_DIR/cf" 2>&1)
expect_eq "with --cache-from every step is a cache hit" "$(printf '%s\n' "$out" | grep -c -- '---> Using cache')" 4
expect_eq "and the result is the cache-from image itself" "$(img_id docker.io/library/cf:2)" "$cf1"
printf 'FROM busybox\nENV A=1\nRUN echo hi >/f\nCOPY x /x\nCMD ["cat", "/x"]\n' >"$T_DIR/cf/Dockerfile"
"$DOCKER" rmi cf:2 >/dev/null 2>&1
out=$("$DOCKER" build --cache-from cf:1 -t cf:3 "$T_DIR/cf" 2>&1)
expect_eq "a changed last step: the steps before it come from the cache-from image" "$(printf '%s\n' "$out" | grep -c -- '---> Using cache')" 3
expect_eq "and the result runs" "$("$DOCKER" run --rm cf:3)" "data"
out=$("$DOCKER" build --cache-from nosuch:image -q "$T_DIR/cf" 2>&1)
expect_match "an unknown --cache-from image is skipped, as dockerd" "$out" '^sha256:[0-9a-f]{64}$'
"$DOCKER" rmi -f cf:1 cf:3 >/dev/null 2>&1

# The raw stream: JSON lines, stderr in red, aux ID before "Successfully built".
tar -C "$CTX" -cf "$T_DIR/ctx.tar" .
raw=$(curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Content-Type: application/x-tar' \
	--data-binary @"$T_DIR/ctx.tar" "http://x/v1.44/build?nocache=1&t=raw&buildargs=%7B%22VER%22%3A%221.0%22%2C%22UNUSED%22%3A%22x%22%7D")
expect_match "stderr is wrapped in ANSI red" "$raw" '\{"stream":"\\u001[bB]\[91mto-stderr\\n\\u001[bB]\[0m"\}'
expect_match "the aux ID" "$raw" '\{"aux":\{"ID":"sha256:[0-9a-f]{64}"\}\}'
expect_match "unused build args are reported" "$raw" 'One or more build-args \[UNUSED\] were not consumed'
expect_eq "every line is JSON" "$(printf '%s\n' "$raw" | tr -d '\r' | jq -c . >/dev/null 2>&1 && echo ok)" ok

# Hostile contexts.
mkdir -p "$T_DIR/hostile"
python3 - "$T_DIR/hostile" <<'PY'
import io, sys, tarfile
d = sys.argv[1]
def tar(name, entries):
    with tarfile.open(f"{d}/{name}", "w") as t:
        for n, kind, data in entries:
            ti = tarfile.TarInfo(n)
            if kind == "file":
                ti.size = len(data); t.addfile(ti, io.BytesIO(data))
            elif kind == "sym":
                ti.type = tarfile.SYMTYPE; ti.linkname = data; t.addfile(ti)
df = b"FROM busybox\nCOPY . /x/\n"
tar("dotdot.tar", [("Dockerfile", "file", df), ("../escape-berth", "file", b"x")])
tar("abs.tar", [("Dockerfile", "file", df), ("/tmp/abs-berth", "file", b"x")])
tar("symlink.tar", [("Dockerfile", "file", b"FROM busybox\nCOPY link /x\n"), ("link", "sym", "/etc/shadow")])
tar("symdir.tar", [("Dockerfile", "file", b"FROM busybox\nCOPY d/passwd /x\n"), ("d", "sym", "../../../../etc")])
# A header announcing 20 GiB: refused by the context limit before any data.
with open(f"{d}/huge.tar", "wb") as f:
    ti = tarfile.TarInfo("big"); ti.size = 20 * 1024**3
    f.write(ti.tobuf(format=tarfile.GNU_FORMAT)); f.write(b"\0" * 4096)
PY
post() { curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Content-Type: application/x-tar' --data-binary @"$1" "http://x/build"; }
out=$(post "$T_DIR/hostile/dotdot.tar")
expect_match "a ../ entry in the context is refused" "$out" "invalid build context"
check_fails "and nothing escaped" test -e "$BERTH_ROOT/data/escape-berth"
check_fails "nor beside the data root" test -e "$BERTH_ROOT/escape-berth"
out=$(post "$T_DIR/hostile/abs.tar")
expect_match "an absolute entry is refused" "$out" "invalid build context"
check_fails "and /tmp was not touched" test -e /tmp/abs-berth
out=$(post "$T_DIR/hostile/symlink.tar")
expect_match "COPY of an absolute symlink stays in the context" "$out" "file not found in build context"
out=$(post "$T_DIR/hostile/symdir.tar")
expect_match "COPY through a ../ symlink stays in the context" "$out" "file not found in build context"
out=$(post "$T_DIR/hostile/huge.tar")
expect_match "a huge context fails with a clear error" "$out" "build context is too large"
out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST "http://x/build?version=2" --data-binary @"$T_DIR/ctx.tar")
expect_match "BuildKit requests are refused with a hint" "$out" "DOCKER_BUILDKIT=0"
out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST "http://x/build?squash=1" --data-binary @"$T_DIR/ctx.tar")
expect_match "squash is refused" "$out" "squash is only supported with experimental mode"
out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST "http://x/build?buildargs=%5B1%5D" --data-binary @"$T_DIR/ctx.tar")
expect_match "buildargs must be an object" "$out" "invalid buildargs"
check "no build directory is left behind" test -z "$(ls "$DATA/tmp" 2>/dev/null | grep build-)"

# The same chain through the API: docker history and docker images -a.
v2=$(img_id docker.io/library/built:v2)
parent=$(img_meta_parent "$v2")
out=$("$DOCKER" history --no-trunc --format '{{.ID}}|{{.CreatedBy}}' built:v2 2>&1); rc=$?
expect_eq "docker history exits 0" "$rc" 0
expect_eq "one history row per history entry" "$(printf '%s\n' "$out" | grep -c .)" "$(jq '.history | length' <<<"$doc")"
expect_eq "the newest row is the image, with its RUN" "$(printf '%s\n' "$out" | head -1 | cut -d'|' -f1)" "$v2"
expect_match "with its RUN command" "$(printf '%s\n' "$out" | head -1 | cut -d'|' -f2)" '^/bin/sh -c test '
expect_eq "the next row is the parent image" "$(printf '%s\n' "$out" | sed -n 2p | cut -d'|' -f1)" "$parent"
expect_match "metadata rows keep the #(nop) marker" "$out" '\|/bin/sh -c #\(nop\) COPY file:[0-9a-f]{64} in /copied-ver.txt '
out=$("$DOCKER" images -a --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' 2>&1)
expect_match "docker images -a lists the intermediate parent as <none>" "$out" "^<none>:<none> $parent\$"
expect_no_match "docker images (without -a) hides it" "$("$DOCKER" images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' 2>&1)" "^<none>:<none> $parent\$"
berth_stop
finish
