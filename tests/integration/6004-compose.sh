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
# Both are built by compose from Dockerfiles FROM the busybox fixture.
# Steps: up -d --build, ps (healthy), the web answers with the store's value,
# logs, exec, restart, up --scale web=3 (the alias answers round-robin),
# down (the volume and its data survive up again), down -v (no network,
# bridge, nft table or volume is left).
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v docker-compose >/dev/null 2>&1 || skip_all "docker-compose is not installed (scripts/setup.sh test installs it)"
. "$TOP/tests/helpers/compose.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }

compose_write_busybox "$T_DIR/app" busybox:latest
compose_steps "$T_DIR/app"
finish
