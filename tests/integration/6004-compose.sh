#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Debian's docker-compose (1.29) against berthd, on busybox images (the fast
# shape of issue 10's compose test; 6005 runs it on the Debian base). The
# project, written into $T_DIR/app by tests/helpers/compose.sh:
#   store  a key-value toy (busybox httpd + a CGI script) keeping its data in
#          the named volume "data", on network back, with a health check;
#   web    busybox httpd whose CGI fetches a value from "store" by service
#          name, on front (alias "frontend") and back, published on
#          127.0.0.1; depends_on store with condition service_healthy.
# Both are built by compose from Dockerfiles FROM the busybox fixture,
# which compose pulls first from a loopback registry.
# Steps: up -d --build, ps (healthy), the web answers with the store's value,
# logs, exec, restart, up --scale web=3 (the alias answers round-robin),
# down (the volume and its data survive up again), down -v (no network,
# bridge, nft table or volume is left).
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v docker-compose >/dev/null 2>&1 || skip_all "docker-compose is not installed (scripts/setup.sh test installs it)"
. "$TOP/tests/helpers/compose.sh"
. "$TOP/tests/helpers/images.sh"
fixtures_build || { fail "fixtures build"; finish; }
registry_up reg || { fail "registry starts"; finish; }
berth_start || { fail "berthd starts"; finish; }

# compose pull: the progress stream compose parses, from the loopback registry.
mkdir -p "$T_DIR/pull"
cat >"$T_DIR/pull/docker-compose.yml" <<EOF
version: "2.4"
services:
  tool:
    image: $REGISTRY/busybox:latest
    network_mode: none
    command: ["sleep", "3600"]
EOF
out=$(cd "$T_DIR/pull" && docker-compose -p pull$(rand_hex) pull 2>&1); rc=$?
expect_eq "docker-compose pull from the loopback registry" "$rc" 0
[ "$rc" -eq 0 ] || diag "$out"
check "the image is there" "$DOCKER" image inspect "$REGISTRY/busybox:latest"

# The project's Dockerfiles build FROM the pulled busybox.
compose_write_busybox "$T_DIR/app" "$REGISTRY/busybox:latest"
compose_steps "$T_DIR/app"
finish
