#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# POST /build?remote=<url> (issue 6): a context tarball (plain and gzip)
# and a plain Dockerfile served by a loopback python3 http.server, a git
# repository over dumb http (when git is installed), and the refusals: an
# unrecognised URL, file:// and other schemes, a 404.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded busybox:latest || { fail "berthd starts with busybox seeded"; finish; }
export DOCKER_BUILDKIT=0
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

WWW=$T_DIR/www
mkdir -p "$WWW/ctx"
printf 'FROM busybox\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n' >"$WWW/ctx/Dockerfile"
echo "hello from a remote context" >"$WWW/ctx/hello.txt"
printf 'FROM busybox\nCOPY hello.txt /h\n' >"$WWW/ctx/Other.dockerfile"
tar -C "$WWW/ctx" -cf "$WWW/ctx.tar" .
gzip -c "$WWW/ctx.tar" >"$WWW/ctx.tgz"
printf 'FROM busybox\nRUN echo plain >/plain.txt\n' >"$WWW/Dockerfile"
cp "$WWW/Dockerfile" "$WWW/Dockerfile.txt"

"$PY" -u -m http.server --bind 127.0.0.1 --directory "$WWW" 0 >"$T_DIR/http.log" 2>&1 &
HTTP_PID=$!
T_PIDS+=("$HTTP_PID")
wait_for 10 grep -q 'port [0-9]' "$T_DIR/http.log" || { fail "http.server starts"; finish; }
PORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$T_DIR/http.log" | head -1)
URL=http://127.0.0.1:$PORT

# build_remote URL QUERY: POST /build?remote=URL&QUERY with no body; body, then status.
build_remote() {
	curl -s --unix-socket "$BERTH_SOCK" -X POST -w '\n%{http_code}' \
		--data-urlencode "remote=$1" -G "http://x/build?${2:-}" -X POST
}

out=$(build_remote "$URL/ctx.tar" "t=remote:tar")
expect_match "tarball URL: built" "$out" "Successfully tagged remote:tar"
expect_match "tarball URL: the download is reported" "$out" "Downloading build context from remote url: $URL/ctx.tar"
expect_eq "tarball URL: the context was used" "$("$DOCKER" run --rm remote:tar)" "hello from a remote context"
out=$(build_remote "$URL/ctx.tgz" "t=remote:tgz&dockerfile=Other.dockerfile")
expect_match "gzip tarball with dockerfile=: built" "$out" "Successfully tagged remote:tgz"
expect_eq "dockerfile= picks the file inside the remote context" \
	"$("$DOCKER" run --rm remote:tgz cat /h)" "hello from a remote context"
out=$(build_remote "$URL/Dockerfile" "t=remote:df")
expect_match "plain Dockerfile (octet-stream, sniffed): built" "$out" "Successfully tagged remote:df"
expect_eq "plain Dockerfile: RUN ran" "$("$DOCKER" run --rm remote:df cat /plain.txt)" "plain"
out=$(build_remote "$URL/Dockerfile.txt" "t=remote:txt&dockerfile=ignored")
expect_match "text/plain Dockerfile (dockerfile= ignored, as moby): built" "$out" "Successfully tagged remote:txt"

# ADD <url> fetches through the same downloader: the file lands as it was served.
printf 'payload-for-add\n' >"$WWW/added.txt"
mkdir -p "$T_DIR/addctx"
printf 'FROM busybox\nADD %s/added.txt /srv/added.txt\nADD %s/missing.txt /srv/x\n' "$URL" "$URL" >"$T_DIR/addctx/Dockerfile.bad"
printf 'FROM busybox\nADD %s/added.txt /srv/added.txt\n' "$URL" >"$T_DIR/addctx/Dockerfile"
out=$(DOCKER_BUILDKIT=0 "$DOCKER" build -q -t remote:add "$T_DIR/addctx" 2>&1)
expect_eq "ADD <url>: the file is in the image" "$("$DOCKER" run --rm remote:add cat /srv/added.txt)" "payload-for-add"
out=$(DOCKER_BUILDKIT=0 "$DOCKER" build -f "$T_DIR/addctx/Dockerfile.bad" "$T_DIR/addctx" 2>&1); rc=$?
expect_eq "ADD <url> of a missing file fails the build" "$rc" 1
expect_match "with the HTTP status" "$out" "failed to GET $URL/missing.txt with status 404"

out=$(build_remote "$URL/missing.tar")
expect_match "404: dockerd-style error" "$out" "error downloading remote context $URL/missing.tar: failed to GET .* with status 404"
out=$(build_remote "file:///etc/passwd")
expect_match "file:// refused" "$out" "could not be recognized as URL"
expect_eq "file://: HTTP 400" "$(printf '%s\n' "$out" | tail -1)" 400
out=$(build_remote "ftp://127.0.0.1/x.tar")
expect_eq "ftp://: HTTP 400" "$(printf '%s\n' "$out" | tail -1)" 400
out=$(build_remote "/etc/passwd")
expect_eq "a path: HTTP 400" "$(printf '%s\n' "$out" | tail -1)" 400
out=$(build_remote "http://127.0.0.1:1/x.tar")
expect_match "connection refused: an error, no crash" "$out" "error downloading remote context"
check "berthd is still up" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping

if command -v git >/dev/null 2>&1; then
	SRC=$T_DIR/src
	mkdir -p "$SRC/app"
	printf 'FROM busybox\nCOPY msg /msg\n' >"$SRC/app/Dockerfile"
	echo "from git" >"$SRC/app/msg"
	ln -s /etc "$SRC/escape"
	git -C "$SRC" init -q -b main && git -C "$SRC" add -A &&
		git -C "$SRC" -c user.name=t -c user.email=t@t commit -qm one &&
		git clone -q --bare "$SRC" "$WWW/repo.git" && git -C "$WWW/repo.git" update-server-info
	out=$(build_remote "$URL/repo.git#main:app" "t=remote:git")
	expect_match "git over dumb http, #ref:subdir: built" "$out" "Successfully tagged remote:git"
	expect_eq "git: the subdirectory is the context" "$("$DOCKER" run --rm remote:git cat /msg)" "from git"
	out=$(build_remote "$URL/repo.git#main:escape")
	expect_match "git: a subdir symlink out of the checkout is refused" "$out" "subdirectory 'escape' not found"
	out=$(build_remote "$URL/repo.git#nosuchbranch")
	expect_match "git: an unknown ref fails cleanly" "$out" "error fetching git repository"
else
	skip "git is not installed: git remote contexts untested"
fi
stop_pid "$HTTP_PID"
finish
