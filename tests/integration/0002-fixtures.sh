#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shared registry fixture (tests/fixtures): images build reproducibly,
# a real docker-registry serves them with the expected digests, and the
# hostile registry answers. Later tests rely on all of it.
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../fixtures/selftest.sh"
