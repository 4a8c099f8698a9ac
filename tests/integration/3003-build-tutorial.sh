#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tutorial build of issue 6 on a real Debian base:
#   FROM <debian> / RUN apt-get update / RUN apt-get install --yes apache2 /
#   COPY index.html /var/www/html/index.html
# The base is made with `debootstrap --variant=minbase bookworm` (cached as
# a tar in the fixture cache between runs) and `docker import`ed; the second
# build must be all cache hits, and the image must serve index.html with
# `apachectl -D FOREGROUND` on a published port. It needs the Debian mirror
# (debootstrap and apt-get in RUN): when the mirror is unreachable (CI, an
# offline machine) the whole test is skipped with a message.
# BERTH_DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian).
. "$(dirname "$0")/../helpers/lib.sh"
. "$TOP/tests/helpers/debian.sh"
debian_mirror_up || skip_all "the Debian mirror $DEBIAN_MIRROR is unreachable: the Debian/apache2 tutorial build needs it"
made=0; [ -s "$DEBIAN_BASE_TAR" ] || made=1
debian_base_tar; rc=$?
if [ "$rc" -eq 1 ]; then skip_all "$DEBIAN_BASE_WHY"; fi
if [ "$rc" -ne 0 ]; then fail "$DEBIAN_BASE_WHY"; finish; fi
[ "$made" -eq 0 ] || ok "debootstrap --variant=minbase bookworm"
BASE_TAR=$DEBIAN_BASE_TAR

berth_start || { fail "berthd starts"; finish; }
export DOCKER_BUILDKIT=0
H=$(rand_hex)
BASE=tutorial-debian-$H:bookworm
IMG=tutorial-apache-$H:1
check "docker import of the Debian base" "$DOCKER" import "$BASE_TAR" "$BASE"

CTX=$T_DIR/ctx
mkdir -p "$CTX"
echo "<h1>berth tutorial $H</h1>" >"$CTX/index.html"
cat >"$CTX/Dockerfile" <<EOT
FROM $BASE
RUN apt-get update
RUN apt-get install --yes apache2
COPY index.html /var/www/html/index.html
EOT
out=$("$DOCKER" build -t "$IMG" "$CTX" 2>&1); rc=$?
expect_eq "the tutorial build succeeds" "$rc" 0
[ "$rc" -eq 0 ] || { diag "$(printf '%s\n' "$out" | tail -30)"; finish; }
expect_match "apt-get output is streamed" "$out" "Setting up apache2"
out=$("$DOCKER" build -t "$IMG" "$CTX" 2>&1); rc=$?
expect_eq "the second build succeeds" "$rc" 0
expect_eq "the second build is all cache hits" "$(printf '%s\n' "$out" | grep -c -- '---> Using cache')" 3
expect_no_match "the second build runs nothing" "$out" "Running in"

port=$((20000 + RANDOM % 20000))
cid=$("$DOCKER" run -d -p "127.0.0.1:$port:80" "$IMG" apachectl -D FOREGROUND)
on_exit "'$DOCKER' rm -f $cid >/dev/null 2>&1"
if wait_for 30 curl -sf "http://127.0.0.1:$port/"; then
	expect_eq "apache serves index.html" "$(curl -s "http://127.0.0.1:$port/")" "<h1>berth tutorial $H</h1>"
else
	fail "apache answers on 127.0.0.1:$port"; "$DOCKER" logs "$cid" 2>&1 | tail -20 | sed 's/^/# /'
fi
"$DOCKER" rm -f "$cid" >/dev/null 2>&1
"$DOCKER" rmi -f "$IMG" "$BASE" >/dev/null 2>&1
finish
