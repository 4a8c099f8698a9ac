#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker cp (HEAD/GET/PUT /containers/{id}/archive) with both CLIs: files
# and directories in and out of running and stopped containers, cp to
# stdout, -L, the 404 and not-a-directory messages, and hostile tars sent
# with curl (.., absolute names, a symlink escape written through) that
# must be refused with nothing touched outside the container.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
W=$(mktemp -d); on_exit rm -rf "$W"
sfx=$(rand_hex)

run_cli() { # CLI LABEL
	local D=$1 L=$2 c s out
	c=cp-run-$L-$sfx; s=cp-stop-$L-$sfx
	"$D" run -d --name $c busybox sh -c 'mkdir -p /data/sub; echo inside > /data/sub/f; ln -s /data/sub/f /data/link; sleep 300' >/dev/null
	check "$L: container runs" wait_for 10 sh -c "'$D' exec $c test -e /data/link"
	echo hello > "$W/in-$L.txt"; mkdir -p "$W/dir-$L/a"; echo deep > "$W/dir-$L/a/b"
	check "$L: cp file into running container" "$D" cp "$W/in-$L.txt" $c:/tmp/
	expect_eq "$L: file arrived" "$("$D" exec $c cat /tmp/in-$L.txt)" "hello"
	check "$L: cp dir into running container" "$D" cp "$W/dir-$L" $c:/tmp/d
	expect_eq "$L: dir arrived" "$("$D" exec $c cat /tmp/d/a/b)" "deep"
	check "$L: cp dir out of running container" "$D" cp $c:/data "$W/out-$L"
	expect_eq "$L: dir came out" "$(cat "$W/out-$L/sub/f")" "inside"
	expect_eq "$L: symlink kept as a symlink" "$(readlink "$W/out-$L/link")" "/data/sub/f"
	check "$L: cp -L follows the link" "$D" cp -L $c:/data/link "$W/followed-$L"
	expect_eq "$L: -L copied the target's content" "$(cat "$W/followed-$L")" "inside"
	out=$("$D" cp $c:/etc/hostname - | tar -xOf - hostname)
	expect_match "$L: cp to stdout is a tar of the file" "$out" '^[0-9a-f]{12}$'
	out=$("$D" cp $c:/nope "$W/x" 2>&1)
	expect_match "$L: missing path message" "$out" "Could not find the file /nope in container $c|No such container:path: $c:/nope"
	out=$("$D" cp "$W/in-$L.txt" $c:/etc/hostname/ 2>&1)
	expect_match "$L: copy into a non-directory fails" "$out" "not a directory|no such directory"
	"$D" rm -f $c >/dev/null

	# Stopped container: created, never started, then an exited one.
	"$D" create --name $s busybox cat /tmp/in-$L.txt /etc/passwd >/dev/null
	check "$L: cp file into created container" "$D" cp "$W/in-$L.txt" $s:/tmp/
	check "$L: cp dir into created container" "$D" cp "$W/dir-$L" $s:/opt
	check "$L: cp file out of created container" "$D" cp $s:/tmp/in-$L.txt "$W/back-$L"
	expect_eq "$L: content round-trips" "$(cat "$W/back-$L")" "hello"
	check "$L: cp image file out of stopped container" "$D" cp $s:/etc/passwd "$W/passwd-$L"
	expect_match "$L: image content visible" "$(cat "$W/passwd-$L")" "^root:"
	"$D" start -a $s > "$W/log-$L" 2>&1
	expect_match "$L: the started container sees the copied file" "$(head -1 "$W/log-$L")" "^hello$"
	check "$L: cp out of the exited container" "$D" cp $s:/opt/a/b "$W/b-$L"
	expect_eq "$L: dir content in exited container" "$(cat "$W/b-$L")" "deep"
	"$D" rm -f $s >/dev/null
}
run_cli "$DOCKER" new
[ -n "$DOCKER_OLD" ] && run_cli "$DOCKER_OLD" old

# HEAD stat header: Go FileMode bits.
c=cp-api-$sfx
"$DOCKER" run -d --name $c busybox sh -c 'mkdir -m 755 /d; ln -s /d /l; sleep 300' >/dev/null
wait_for 10 sh -c "'$DOCKER' exec $c test -L /l"
hdr=$(curl -sI --unix-socket "$BERTH_SOCK" "http://x/containers/$c/archive?path=/d" | tr -d '\r' |
	sed -n 's/^X-Docker-Container-Path-Stat: //Ip' | base64 -d)
expect_match "stat of a 0755 dir" "$hdr" '"name":"d".*"mode":2147484141'
hdr=$(curl -sI --unix-socket "$BERTH_SOCK" "http://x/containers/$c/archive?path=/l" | tr -d '\r' |
	sed -n 's/^X-Docker-Container-Path-Stat: //Ip' | base64 -d)
expect_match "stat of a symlink has linkTarget" "$hdr" '"linkTarget":"/d"'
out=$(api HEAD "/containers/$c/archive?path=/missing" -I | tail -1)
expect_eq "HEAD on a missing path is 404" "$out" "404"

# Hostile tars: nothing may land outside the container.
H=$(mktemp -d); on_exit rm -rf "$H"
python3 - "$W" "$H" <<'PY'
import io, sys, tarfile
w, host = sys.argv[1], sys.argv[2]
def mk(name, entries):
    with tarfile.open(f"{w}/{name}.tar", "w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            ti = tarfile.TarInfo(e[0])
            if e[1] == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, e[2]; t.addfile(ti)
            elif e[1] == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, e[2]; t.addfile(ti)
            elif e[1] == "dev":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3; t.addfile(ti)
            else:
                b = e[2].encode(); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
mk("dotdot", [("../../../../../../" + host.lstrip("/") + "/pwned", "file", "x")])
mk("abs", [(host + "/pwned", "file", "x")])
mk("symesc", [("esc", "sym", host), ("esc/pwned", "file", "x")])
mk("hardesc", [("hl", "hard", host + "/victim")])
mk("dev", [("null2", "dev")])
PY
echo keep > "$H/victim"
for t in dotdot abs symesc hardesc dev; do
	out=$(api PUT "/containers/$c/archive?path=/tmp" --data-binary @"$W/$t.tar" -H 'Content-Type: application/x-tar' | tail -1)
	expect_match "hostile tar '$t' refused" "$out" '^(400|403)$'
done
expect_eq "nothing written on the host" "$(ls "$H")" "victim"
expect_eq "host file untouched" "$(cat "$H/victim")" "keep"
# An in-container symlink pointing at a host path must resolve inside.
"$DOCKER" exec $c ln -s "$H" /tmp/hostlink
api PUT "/containers/$c/archive?path=/tmp/hostlink" --data-binary @"$W/dotdot.tar" >/dev/null
printf 'x' > "$W/one"; tar -C "$W" -cf "$W/one.tar" one
out=$(api PUT "/containers/$c/archive?path=/tmp/hostlink" --data-binary @"$W/one.tar" | tail -1)
expect_match "PUT through an in-container link to a host path" "$out" '^(200|404)$'
expect_eq "still nothing written on the host" "$(ls "$H")" "victim"
out=$(api PUT "/containers/$c/archive?path=/etc/hostname" --data-binary @"$W/one.tar")
expect_match "PUT into a file: 400 message" "$out" "extraction point is not a directory"
out=$(api PUT "/containers/$c/archive?path=/nope" --data-binary @"$W/one.tar")
expect_match "PUT into a missing dir: 404 message" "$out" "Could not find the file /nope in container $c"
out=$(api GET "/containers/$c/archive?path=/proc/1/root/../../../$H/victim" | tail -1)
expect_eq "GET through /proc/1/root stays inside" "$out" "404"
"$DOCKER" rm -f $c >/dev/null

# ---- export and cp out run in the read helper (berth-untar read) -------------
# A container with 4 MiB to export, and a link to a path that exists only on
# the host: resolved inside the container's root, it leads nowhere.
echo host-only-secret >"$W/host-secret"
c=cp-rh-$sfx
"$DOCKER" run --name $c busybox sh -c "dd if=/dev/zero of=/big bs=1M count=4 2>/dev/null; ln -s $W/host-secret /hostlink" >/dev/null
out=$(api GET "/containers/$c/archive?path=/hostlink/." | tail -1)
expect_eq "GET through a link to a host path: 404 (resolved inside the root)" "$out" 404
out=$("$DOCKER" cp -L $c:/hostlink "$W/got" 2>&1)
expect_match "cp -L of a link to a host path: not found in the container" "$out" "Could not find the file"
check_fails "cp -L did not copy the host file" test -e "$W/got"
out=$("$DOCKER" cp $c:/hostlink - | tar -tv 2>&1)
expect_match "cp of the link itself: the link, not its target" "$out" "hostlink -> $W/host-secret"
"$DOCKER" export -o "$W/exp.tar" $c
expect_match "export holds the 4 MiB file" "$(tar -tvf "$W/exp.tar" 2>/dev/null)" ' 4194304 .* big$'
expect_no_match "export never holds the host file" "$(tar -xOf "$W/exp.tar" 2>/dev/null)" host-only-secret
# A client that stops reading holds the export: its helper is there to be seen.
cid=$("$DOCKER" inspect -f '{{.Id}}' $c)
python3 - "$BERTH_SOCK" "$cid" "$W/go" >"$W/export.bytes" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /containers/%s/export HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % sys.argv[2].encode())
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
first = s.recv(1024)
deadline = time.time() + 30
while not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.05)
total = len(first)
while True:
    b = s.recv(65536)
    if not b:
        break
    total += len(b)
print(total)
PY
slow_pid=$!
T_PIDS+=("$slow_pid")
read_helper_pid() {
	local p
	for p in $(cat /proc/"$BERTH_PID"/task/*/children 2>/dev/null); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = berth-untar ] || continue
		grep -q '^CapEff:[[:space:]]*0000000000000004' /proc/"$p"/status 2>/dev/null || continue
		grep -q '^Seccomp:[[:space:]]*2' /proc/"$p"/status 2>/dev/null || continue
		echo "$p"; return 0
	done
	return 1
}
if wait_for 20 read_helper_pid; then
	hp=$(read_helper_pid)
	st=$(cat /proc/"$hp"/status 2>/dev/null)
	expect_match "export helper: CapEff is dac_read_search alone" "$st" 'CapEff:[[:space:]]*0000000000000004'
	expect_match "export helper: CapPrm and CapBnd the same" "$(grep -E '^Cap(Prm|Bnd)' <<<"$st" | awk '{print $2}' | sort -u)" '^0000000000000004$'
	expect_match "export helper: no_new_privs and a seccomp filter" "$(grep -E '^(NoNewPrivs|Seccomp):' <<<"$st" | awk '{print $2}' | tr '\n' ' ')" '^1 2 $'
	expect_match "export helper: file-system ids 65534 (owns nothing)" "$st" 'Uid:[[:space:]]+0[[:space:]]+0[[:space:]]+0[[:space:]]+65534'
	check_fails "export helper: its own mount namespace" \
		test "$(readlink /proc/"$hp"/ns/mnt)" = "$(readlink /proc/"$BERTH_PID"/ns/mnt)"
	expect_eq "export helper: its root is empty" "$(ls -A /proc/"$hp"/root 2>&1)" ""
else
	fail "a read helper is seen while an export is held"
fi
touch "$W/go"
wait "$slow_pid"
expect_match "the held export completes" "$(cat "$W/export.bytes")" '^[0-9]{7,}$'
"$DOCKER" rm -f $c >/dev/null

# Read-only root file system.
c=cp-ro-$sfx
"$DOCKER" run -d --read-only --name $c busybox sleep 300 >/dev/null
out=$("$DOCKER" cp "$W/one" $c:/ 2>&1)
expect_match "read-only rootfs refused" "$out" "container rootfs is marked read-only"
"$DOCKER" rm -f $c >/dev/null
finish
