#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 10's compose test on the Debian bookworm base (the fast shape on
# busybox is 6004; the project and the steps are in tests/helpers/compose.sh):
# docker-compose builds a store running Debian's redis-server and a web
# service running python3's CGI server that asks the store by name with
# redis-cli, on two networks, a published port, a named volume and a health
# check, then runs up/ps/exec/logs/restart/scale/down/down -v. The base comes
# from the fixture cache (made by debootstrap, tests/helpers/debian.sh); the
# builds run apt-get, so the test is skipped when the Debian mirror is
# unreachable.
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v docker-compose >/dev/null 2>&1 || skip_all "docker-compose is not installed (scripts/setup.sh test installs it)"
. "$TOP/tests/helpers/debian.sh"
. "$TOP/tests/helpers/compose.sh"
debian_mirror_up || skip_all "the Debian mirror $DEBIAN_MIRROR is unreachable: the images install redis-server and python3 with apt-get"
debian_base_tar; rc=$?
[ "$rc" -ne 1 ] || skip_all "$DEBIAN_BASE_WHY"
[ "$rc" -eq 0 ] || { fail "$DEBIAN_BASE_WHY"; finish; }
berth_start || { fail "berthd starts"; finish; }

BASE=compose-debian-$(rand_hex):bookworm
check "docker import of the Debian base" "$DOCKER" import "$DEBIAN_BASE_TAR" "$BASE"
on_exit "'$DOCKER' rmi -f '$BASE' >/dev/null 2>&1"
compose_write_debian "$T_DIR/app" "$BASE"
compose_steps "$T_DIR/app"
finish
