#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build options that apply to RUN steps (issue 11), as the classic builder
# applies them: --add-host (extrahosts), --network (networkmode),
# --shm-size, --ulimit, --memory, --cpu-shares; from both CLIs and from
# Debian's python3-docker (images.build with extra_hosts, network_mode,
# shmsize and container_limits). Bad ulimits are a 400.
. "$(dirname "$0")/../helpers/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
export DOCKER_BUILDKIT=0
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
C=$T_DIR/ctx
mkdir -p "$C"
cat >"$C/Dockerfile" <<'EOF2'
FROM busybox
RUN grep example /etc/hosts >/hosts; ulimit -n >/ulimit; ulimit -Hn >>/ulimit; \
    df -k /dev/shm | tail -1 | awk '{print $2}' >/shm; ls /sys/class/net | tr '\n' ' ' >/nets; \
    cat /sys/fs/cgroup/memory/memory.limit_in_bytes >/mem 2>/dev/null; \
    cat /sys/fs/cgroup/cpu/cpu.shares >/shares 2>/dev/null; true
EOF2
for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	out=$("$cli" build --no-cache --add-host rt.example:10.1.2.3 --network none --shm-size 70m \
		--ulimit nofile=1024:2048 --memory 64m --cpu-shares 512 -t "bo:$v" "$C" 2>&1) ||
		{ fail "[$v] docker build with RUN options"; diag "$out"; continue; }
	ok "[$v] docker build with RUN options"
	r() { "$cli" run --rm "bo:$v" cat "$1" 2>&1 | tr '\n' ' ' | sed 's/ *$//'; }
	expect_match "[$v] --add-host reaches RUN's /etc/hosts" "$(r /hosts)" "^10\.1\.2\.3[[:space:]]+rt\.example"
	expect_eq "[$v] --network none: RUN has only lo" "$(r /nets)" "lo"
	expect_eq "[$v] --shm-size 70m: RUN's /dev/shm" "$(r /shm)" "71680"
	expect_eq "[$v] --ulimit nofile=1024:2048 in RUN" "$(r /ulimit)" "1024 2048"
	expect_eq "[$v] --memory 64m: RUN's memory limit" "$(r /mem)" "67108864"
	expect_eq "[$v] --cpu-shares 512 in RUN" "$(r /shares)" "512"
done

# python3-docker's images.build, as SDK users write it.
if python3 -c 'import docker' 2>/dev/null; then
	out=$(python3 - "$BERTH_SOCK" "$C" <<'PY' 2>&1
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
img, _ = c.images.build(path=sys.argv[2], tag="bo:py", nocache=True,
                        extra_hosts={"py.example": "10.9.8.7"}, network_mode="none",
                        shmsize=80 * 1024 * 1024,
                        container_limits={"memory": 96 * 1024 * 1024, "cpushares": 256})
for f in ("/hosts", "/nets", "/shm", "/mem", "/shares"):
    print(f, c.containers.run("bo:py", ["cat", f], remove=True).decode().strip().replace("\n", " "))
PY
)
	expect_match "python3-docker: extra_hosts" "$out" "/hosts 10\.9\.8\.7[[:space:]]+py\.example"
	expect_match "python3-docker: network_mode none" "$out" "^/nets lo$"
	expect_match "python3-docker: shmsize" "$out" "/shm 81920"
	expect_match "python3-docker: container_limits memory" "$out" "/mem 100663296"
	expect_match "python3-docker: container_limits cpushares" "$out" "/shares 256"
else
	skip "python3-docker is not installed"
fi

out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Content-Type: application/x-tar' \
	--data-binary @/dev/null "http://x/build?ulimits=%5B%7B%22Name%22%3A1%7D%5D" -w ' %{http_code}' | tr -d '\n')
expect_match "bad ulimits are a 400" "$out" 'invalid ulimits.* 400$'
out=$(curl -s --unix-socket "$BERTH_SOCK" -X POST -H 'Content-Type: application/x-tar' \
	--data-binary @/dev/null "http://x/build?ulimits=null" -w ' %{http_code}' | tr -d '\n')
expect_no_match "ulimits=null (what the 20.10 CLI sends without --ulimit) is no ulimits" "$out" "invalid ulimits"
finish
