#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Python SDK (Debian's python3-docker 5.0.3, which reads the API version
# from GET /version) against berthd: pull from the loopback registry, list,
# inspect, tag, run a container with output, remove.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"

PY=/usr/bin/python3
"$PY" -c 'import docker' 2>/dev/null || skip_all "python3-docker not installed"
berth_start || { fail "berthd starts"; finish; }
registry_up reg || { fail "registry starts"; finish; }

out=$("$PY" - "unix://$BERTH_SOCK" "$REGISTRY" <<'PY' 2>&1
import sys, docker
c = docker.DockerClient(base_url=sys.argv[1], version="auto")
reg = sys.argv[2]
print("version", c.version()["ApiVersion"])
img = c.images.pull(reg + "/busybox", tag="latest")
print("pulled", img.id.startswith("sha256:"), reg + "/busybox:latest" in img.tags)
print("listed", any(reg + "/busybox:latest" in i.tags for i in c.images.list()))
img.tag("pyimg", "v1")
print("tagged", "pyimg:v1" in c.images.get("pyimg:v1").tags)
print("run", c.containers.run(reg + "/busybox", ["echo", "hello from docker-py"], remove=True).decode().strip())
ct = c.containers.run(reg + "/busybox", ["sleep", "30"], detach=True, name="pyc")
ct.reload()
print("status", ct.status, ct.name)
print("exec", ct.exec_run(["sh", "-c", "echo $((6*7))"]).output.decode().strip())
ct.remove(force=True)
print("gone", not any(x.name == "pyc" for x in c.containers.list(all=True)))
try:
    c.images.get("nosuch:tag")
except docker.errors.ImageNotFound:
    print("notfound ok")
c.images.remove("pyimg:v1")
print("removed", not any("pyimg:v1" in i.tags for i in c.images.list()))
PY
)
diag "$out"
expect_match "docker-py negotiates 1.44 from /version" "$out" "version 1.44"
expect_match "docker-py pulls from the registry" "$out" "pulled True True"
expect_match "docker-py lists the image" "$out" "listed True"
expect_match "docker-py tags it" "$out" "tagged True"
expect_match "docker-py runs a container and reads its output" "$out" "run hello from docker-py"
expect_match "docker-py starts a detached container" "$out" "status running pyc"
expect_match "docker-py exec_run" "$out" "exec 42"
expect_match "docker-py removes it" "$out" "gone True"
expect_match "a missing image raises ImageNotFound (404)" "$out" "notfound ok"
expect_match "docker-py removes the tag" "$out" "removed True"
berth_stop
finish
