#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile input on the image side: every defect of the hostile registry
# (bad digest, non-JSON manifest, "..", absolute paths, symlink escapes,
# truncated gzip, unknown media type) fails the pull with a message and
# stores nothing; a layer's device node is extracted as dockerd does;
# hostile archives to /images/load and /images/create?fromSrc=- are
# refused; escape targets outside the data root are never created; garbage
# and oversized bodies are refused cleanly and the daemon keeps serving.
# Every archive is unpacked in the extraction helper (berth-untar): its
# --self-test proves what its confinement refuses, and a helper seen
# during a docker cp upload has exactly its five capabilities.
. "$(dirname "$0")/../helpers/lib.sh"
. "$(dirname "$0")/../helpers/images.sh"
HDIR=$T_DIR/hostile
out=$("$FIX/hostile/server.sh" start "$HDIR") || { fail "hostile registry starts"; finish; }
eval "$out"
on_exit "'$FIX/hostile/server.sh' stop '$HDIR' >/dev/null 2>&1"
H=$HOSTILE_REGISTRY
berth_start || { fail "berthd starts"; finish; }
D=$BERTH_ROOT/data
rm -f /tmp/berth-hostile-symlinkescape /etc/berth-evil

check "control: the good repository pulls" "$DOCKER" pull -q "$H/good"
"$DOCKER" rmi -f "$H/good" >/dev/null 2>&1
layers_before=$(ls "$D/layers" | wc -l)

declare -A want=(
	[baddigest]="verification failed|digest"
	[notjson]="JSON|json|invalid"
	[dotdot]="\.\.|refus|invalid"
	[abspath]="absolute|refus|invalid"
	[symlinkescape]="symlink|refus|invalid|evil"
	[truncated]="truncat|unexpected|gzip|invalid|EOF|Damaged"
	[unknownmedia]="unsupported layer media type|media"
)
for repo in baddigest notjson dotdot abspath symlinkescape truncated unknownmedia; do
	out=$("$DOCKER" pull "$H/$repo" 2>&1); rc=$?
	expect_eq "$repo: pull fails" "$rc" 1
	expect_match "$repo: with a message saying why" "$out" "${want[$repo]}"
done
expect_eq "no image was stored" "$("$DOCKER" images -aq | wc -l)" 0
expect_eq "no layer was left behind" "$(ls "$D/layers" | grep -v '^\.' | wc -l)" "$layers_before"
check_fails "the symlink escape target was not created" test -e /tmp/berth-hostile-symlinkescape
check_fails "the absolute-path target was not created" test -e /etc/berth-evil
check_fails "nothing escaped next to the data root" test -e "$BERTH_ROOT/escape"
check_fails "nothing escaped next to the layers" test -e "$D/escape"
check_fails "no device node anywhere in the layers" sh -c "find '$D/layers' -type c ! -rdev 0 2>/dev/null | grep -q ."
# dockerd extracts device nodes of layers (as root); the container's devices
# cgroup, not the layer, decides what can be opened
check "devnode: the pull of a layer with a device node succeeds" "$DOCKER" pull -q "$H/devnode"
out=$(find "$D/layers" -path '*/diff/dev/evil-mem' -type c -printf '%U:%G %m ' -exec stat -c '%t,%T' {} \; 2>/dev/null)
expect_eq "devnode: dev/evil-mem is the character device 1,1 owned by root" "$out" "0:0 600 1,1"
"$DOCKER" rmi -f "$H/devnode" >/dev/null 2>&1

# ---- hostile archives -------------------------------------------------------
mk() { python3 - "$@" <<'PY'
import io, sys, tarfile, json
out, kind = sys.argv[1], sys.argv[2]
t = tarfile.open(out, "w")
def add(name, data=b"", **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data)
    for k, v in kw.items(): setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data))
if kind == "dotdot":
    add("../escape-load", b"x")
elif kind == "abs":
    add("/tmp/berth-hostile-load-abs", b"x")
elif kind == "manifest-escape":
    add("manifest.json", json.dumps([{"Config": "../../../../etc/passwd", "RepoTags": ["x:1"], "Layers": []}]).encode())
elif kind == "symlink-config":
    ti = tarfile.TarInfo("cfg.json"); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc/passwd"; t.addfile(ti)
    add("manifest.json", json.dumps([{"Config": "cfg.json", "RepoTags": ["x:1"], "Layers": []}]).encode())
elif kind == "badjson":
    add("manifest.json", b"[{\"Config\": 5}]")
elif kind == "deep":
    add("manifest.json", b"[" * 100000)
elif kind == "empty":
    add("README", b"nothing here")
t.close()
PY
}
for kind in dotdot abs manifest-escape symlink-config badjson deep empty; do
	mk "$T_DIR/$kind.tar" "$kind"
	out=$("$DOCKER" load -i "$T_DIR/$kind.tar" 2>&1); rc=$?
	expect_eq "load $kind: fails" "$rc" 1
	expect_match "load $kind: says the archive is invalid" "$out" "invalid archive"
done
check_fails "load: nothing escaped the temp dir" test -e "$D/tmp/../escape-load"
check_fails "load: absolute entry not written" test -e /tmp/berth-hostile-load-abs
expect_eq "load: no image stored" "$("$DOCKER" images -aq | wc -l)" 0
expect_eq "load: temp dirs are cleaned up" "$(ls "$D/tmp" | grep -c '^load-')" 0
out=$(head -c 20000000 /dev/urandom | api POST /images/load -H 'Content-Type: application/x-tar' --data-binary @-)
expect_match "20 MB of garbage to /images/load is refused in-band" "$out" 'errorDetail'
expect_match "with 200 (load always answers 200)" "$out" '200$'
out=$(head -c 1000000 /dev/urandom | api POST '/images/create?fromSrc=-&repo=garbage' --data-binary @- | tail -1)
expect_eq "garbage import is a client error" "$out" 400
mk "$T_DIR/dotdot.tar" dotdot
out=$(api POST '/images/create?fromSrc=-&repo=evil' --data-binary @"$T_DIR/dotdot.tar" | tail -1)
expect_eq "import of a '..' archive is a 400" "$out" 400
out=$(api POST '/images/create?fromSrc=-&repo=UPPER' --data-binary @"$T_DIR/dotdot.tar")
expect_match "import with a bad repository name is refused first" "$out" "repository name must be lowercase"
out=$(api POST "/images/create?fromImage=$H/good&tag=$(printf 'a%.0s' $(seq 1 300))" | tail -1)
expect_eq "an overlong tag is a 400" "$out" 400
out=$(api POST "/images/create?fromImage=$H/good&tag=sha256:zz" | tail -1)
expect_eq "a malformed digest is a 400" "$out" 400
out=$(api GET "/images/get?names=../../etc/passwd" | tail -1)
expect_eq "save of a traversal name is refused" "$([ "$out" = 400 ] || [ "$out" = 404 ] && echo refused)" refused
check "the daemon still answers" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping

# ---- the extraction helper -----------------------------------------------
UNTAR=$BUILD/berth-untar
mkdir -p "$T_DIR/selftest"
out=$("$UNTAR" --self-test "$T_DIR/selftest" 2>&1); rc=$?
expect_eq "helper self-test: every forbidden operation refused" "$rc" 0
expect_match "helper self-test: capabilities are exactly its five" "$out" \
	'caps effective=000000008800000b permitted=000000008800000b bounding=000000008800000b'
expect_match "helper self-test: no_new_privs" "$out" '^no_new_privs=1$'
expect_match "helper self-test: creates, chowns and mknods in its target" \
	"$(grep -c '^allowed' <<<"$out")" '^3$'
for what in 'mount' 'a TCP socket' 'open /etc/passwd' 'open [.][.]/[.][.]/etc/passwd beneath the target' \
	'ptrace' 'setns' 'execve' 'write to the root' 'a unix socket' 'connect'; do
	expect_match "helper self-test: $what is refused" "$out" "^refused $what"
done
expect_no_match "helper self-test: nothing ALLOWED" "$out" '^ALLOWED'
check_fails "helper self-test: nothing written outside its target" test -e "$T_DIR/escape"
# A helper seen while a docker cp upload is still arriving (its second half
# is held back in a FIFO until the checks are done): berthd keeps a confined
# spare waiting for the next archive (this one), so it is there to be read.
"$DOCKER" pull -q "$H/good" >/dev/null 2>&1
cid=$("$DOCKER" create "$H/good" true 2>/dev/null)
python3 - "$T_DIR/many.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for d in range(4):
        ti = tarfile.TarInfo("many/d%d" % d); ti.type = tarfile.DIRTYPE; t.addfile(ti)
        for i in range(100):
            t.addfile(tarfile.TarInfo("many/d%d/f%d" % (d, i)), io.BytesIO(b""))
PY
mkfifo "$T_DIR/up.fifo"
"$DOCKER" cp - "$cid:/" <"$T_DIR/up.fifo" >"$T_DIR/cp.out" 2>&1 &
cp_pid=$!
T_PIDS+=("$cp_pid")
exec 7>"$T_DIR/up.fifo"
size=$(stat -c %s "$T_DIR/many.tar")
head -c $((size / 2)) "$T_DIR/many.tar" >&7
helper_pid() {
	local p
	for p in $(cat /proc/"$BERTH_PID"/task/*/children 2>/dev/null); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = berth-untar ] || continue
		# past its set-up: the filter is loaded last
		grep -q '^Seccomp:[[:space:]]*2' /proc/"$p"/status 2>/dev/null || continue
		echo "$p"; return 0
	done
	return 1
}
if wait_for 20 helper_pid; then
	hp=$(helper_pid)
	st=$(cat /proc/"$hp"/status 2>/dev/null)
	expect_match "live helper: CapEff is exactly chown, dac_override, fowner, mknod, setfcap" "$st" 'CapEff:[[:space:]]*000000008800000b'
	expect_match "live helper: CapBnd is the same five" "$st" 'CapBnd:[[:space:]]*000000008800000b'
	expect_match "live helper: CapInh is empty" "$st" 'CapInh:[[:space:]]*0000000000000000'
	expect_match "live helper: CapAmb is empty" "$st" 'CapAmb:[[:space:]]*0000000000000000'
	expect_match "live helper: no_new_privs" "$st" 'NoNewPrivs:[[:space:]]*1'
	expect_match "live helper: a seccomp filter" "$st" 'Seccomp:[[:space:]]*2'
	check_fails "live helper: its own network namespace" \
		test "$(readlink /proc/"$hp"/ns/net)" = "$(readlink /proc/"$BERTH_PID"/ns/net)"
	check_fails "live helper: its own mount namespace" \
		test "$(readlink /proc/"$hp"/ns/mnt)" = "$(readlink /proc/"$BERTH_PID"/ns/mnt)"
	expect_eq "live helper: its root is empty" "$(ls -A /proc/"$hp"/root 2>&1)" ""
	expect_eq "live helper: no fd but stdio and its channel (the job's come with the request)" \
		"$(ls /proc/"$hp"/fd | sort -n | tr '\n' ' ')" "0 1 2 3 "
	lim=$(cat /proc/"$hp"/limits 2>/dev/null)
	expect_match "live helper: no core dumps" "$lim" '^Max core file size +0 +0 '
	expect_match "live helper: bounded fds" "$lim" '^Max open files +320 +320 '
else
	fail "a helper is seen while a docker cp upload arrives"
fi
tail -c +$((size / 2 + 1)) "$T_DIR/many.tar" >&7
exec 7>&-
wait "$cp_pid"; rc=$?
expect_eq "the slow docker cp upload succeeds" "$rc" 0
expect_eq "all of it arrived" "$("$DOCKER" cp "$cid:/many/d3" - | tar -t | wc -l)" 101
"$DOCKER" rm -f "$cid" >/dev/null 2>&1
berth_stop
finish
