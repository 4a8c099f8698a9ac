#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The remaining volume pieces of issue 10, with both CLIs: --volumes-from
# (modes, shown back, binds overriding, unknown and self references),
# copy-up of the image's content into empty volumes (owners and modes kept,
# nocopy in both syntaxes, a non-empty volume left alone), docker cp
# through the volumes and binds of a stopped container (in, out, a tree
# across a mount point, a read-only volume, a bind holding a symlink that
# points out of it), and PUT /volumes/{name} answered as dockerd outside a
# swarm.
. "$(dirname "$0")/../helpers/lib.sh"
berth_start_seeded || { fail "berthd starts with busybox seeded"; finish; }
W=$(mktemp -d); on_exit rm -rf "$W"
sfx=$(rand_hex)

# An image with content at /data (owned 1000:1000, mode 0640) and VOLUME /seeded.
mkdir -p "$W/ctx"
cat > "$W/ctx/Dockerfile" <<'EOF'
FROM busybox
RUN mkdir -p /data/sub /seeded && echo seed > /data/f && echo deep > /data/sub/g && \
    ln -s f /data/link && chown -R 1000:1000 /data && chmod 640 /data/f && chmod 750 /data && \
    echo anon > /seeded/a
VOLUME /seeded
EOF
out=$(cd "$W/ctx" && "$DOCKER" build -q -t cu-$sfx . 2>&1); rc=$?
expect_eq "the copy-up image builds" "$rc" 0 || diag "$out"
IMG=cu-$sfx
VOLS=()
on_exit sh -c "'$DOCKER' rm -f \$('$DOCKER' ps -aq) >/dev/null 2>&1"

per_cli() { # CLI LABEL
	local D=$1 L=$2 s out v
	s=vf-src-$L-$sfx
	v=vfv-$L-$sfx
	mkdir -p "$W/bind-$L"; echo hostfile > "$W/bind-$L/h"
	"$D" create --name $s -v $v:/data -v "$W/bind-$L":/bind:ro -v /anon busybox true >/dev/null
	"$D" run --rm -v $v:/data busybox sh -c 'echo shared > /data/f' >/dev/null

	# --volumes-from
	out=$("$D" run --rm --volumes-from $s busybox sh -c 'cat /data/f /bind/h; test -d /anon && echo anon')
	expect_eq "[$L] --volumes-from sees the volume, the bind and the anonymous volume" "$out" "shared
hostfile
anon"
	out=$("$D" run --rm --volumes-from $s busybox sh -c 'touch /bind/x' 2>&1)
	expect_match "[$L] the source's read-only bind stays read-only" "$out" "Read-only file system"
	out=$("$D" run --rm --volumes-from $s:ro busybox sh -c 'touch /data/x' 2>&1)
	expect_match "[$L] --volumes-from c:ro makes the volume read-only" "$out" "Read-only file system"
	"$D" create --name vf-dst-$L-$sfx --volumes-from $s:ro busybox true >/dev/null
	out=$("$D" inspect -f '{{json .HostConfig.VolumesFrom}}' vf-dst-$L-$sfx)
	expect_eq "[$L] HostConfig.VolumesFrom shown back" "$out" "[\"$s:ro\"]"
	out=$("$D" inspect -f '{{range .Mounts}}{{.Destination}}={{.RW}} {{end}}' vf-dst-$L-$sfx | xargs -n1 | sort | tr '\n' ' ')
	expect_eq "[$L] Mounts lists the inherited mounts, read-only" "$out" "/anon=false /bind=false /data=false "
	anon_src=$("$D" inspect -f '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}' $s)
	anon_dst=$("$D" inspect -f '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}' vf-dst-$L-$sfx)
	expect_eq "[$L] the anonymous volume is the source's, not a new one" "$anon_dst" "$anon_src"
	out=$("$D" run --rm --volumes-from $s -v "$W/bind-$L":/data busybox cat /data/h)
	expect_eq "[$L] a -v on the same target overrides --volumes-from" "$out" "hostfile"
	"$D" rm -f vf-dst-$L-$sfx >/dev/null
	out=$("$D" create --volumes-from nosuch-$sfx busybox true 2>&1); rc=$?
	expect_eq "[$L] --volumes-from an unknown container fails" "$rc" 1
	expect_match "[$L] with dockerd's message" "$out" "No such container: nosuch-$sfx"
	out=$("$D" create --name self-$L-$sfx --volumes-from self-$L-$sfx busybox true 2>&1)
	expect_match "[$L] --volumes-from itself is an unknown container" "$out" "No such container: self-$L-$sfx"
	check_fails "[$L] and nothing was created" "$D" inspect self-$L-$sfx
	out=$("$D" create --volumes-from $s:shared busybox true 2>&1)
	expect_match "[$L] a propagation mode is refused" "$out" "invalid mode: shared"
	"$D" rm -f -v $s >/dev/null
	"$D" volume rm $v "$anon_src" >/dev/null 2>&1

	# copy-up
	v=cu-$L-$sfx
	out=$("$D" run --rm -v $v:/data $IMG sh -c 'cat /data/f /data/sub/g; stat -c "%u:%g %a" /data /data/f; readlink /data/link')
	expect_eq "[$L] an empty named volume is filled from the image" "$out" "seed
deep
1000:1000 750
1000:1000 640
f"
	mp=$("$D" volume inspect -f '{{.Mountpoint}}' $v)
	expect_eq "[$L] on the host too, owner and mode kept" "$(stat -c '%u:%g %a' "$mp/f")" "1000:1000 640"
	"$D" run --rm -v $v:/data busybox sh -c 'echo mine > /data/f; rm /data/sub/g' >/dev/null
	out=$("$D" run --rm -v $v:/data $IMG sh -c 'cat /data/f; ls /data/sub')
	expect_eq "[$L] a non-empty volume is not copied into again" "$out" "mine"
	out=$("$D" run --rm -v nc-$L-$sfx:/data:nocopy $IMG ls -A /data)
	expect_eq "[$L] -v name:/path:nocopy leaves the volume empty" "$out" ""
	out=$("$D" run --rm --mount type=volume,src=ncm-$L-$sfx,dst=/data,volume-nocopy=true $IMG ls -A /data)
	expect_eq "[$L] --mount volume-nocopy=true leaves the volume empty" "$out" ""
	out=$("$D" run --rm --mount type=volume,dst=/data $IMG cat /data/f)
	expect_eq "[$L] an anonymous --mount volume is filled" "$out" "seed"
	out=$("$D" run --rm $IMG cat /seeded/a)
	expect_eq "[$L] the image's VOLUME gets its content" "$out" "anon"
	out=$("$D" run --rm -v "$W/bind-$L":/data $IMG ls /data)
	expect_eq "[$L] a bind is never filled" "$out" "h"
	out=$("$D" run --rm -v e-$L-$sfx:/nothere $IMG ls -A /nothere)
	expect_eq "[$L] no content in the image: the volume stays empty" "$out" ""
	"$D" volume rm $v nc-$L-$sfx ncm-$L-$sfx e-$L-$sfx >/dev/null

	# docker cp through the mounts of a stopped container
	s=cp-vol-$L-$sfx; v=cpv-$L-$sfx
	mkdir -p "$W/cpb-$L" "$W/outside-$L"
	ln -s "$W/outside-$L" "$W/cpb-$L/esc"
	ln -s / "$W/cpb-$L/root"
	echo payload > "$W/p-$L"
	"$D" create --name $s -v $v:/data -v "$W/cpb-$L":/bind -v ro-$L-$sfx:/ro:ro busybox cat /data/p-$L /bind/p-$L >/dev/null
	check "[$L] cp into the volume of a created container" "$D" cp "$W/p-$L" $s:/data/
	mp=$("$D" volume inspect -f '{{.Mountpoint}}' $v)
	expect_eq "[$L] the file is in the volume" "$(cat "$mp/p-$L" 2>&1)" "payload"
	check "[$L] cp into a bind of a created container" "$D" cp "$W/p-$L" $s:/bind/
	expect_eq "[$L] the file is in the bind's source" "$(cat "$W/cpb-$L/p-$L" 2>&1)" "payload"
	out=$("$D" cp $s:/ - | tar -tf - | grep -E '^(\./)?(data|bind)/p-' | sed 's|^\./||' | sort | tr '\n' ' ')
	expect_eq "[$L] a never-started container's tree shows mounts the image has no directory for" "$out" "bind/p-$L data/p-$L "
	out=$("$D" start -a $s 2>&1)
	expect_eq "[$L] the container sees both once started" "$out" "payload
payload"
	check "[$L] cp out of the volume of the exited container" "$D" cp $s:/data/p-$L "$W/back-$L"
	expect_eq "[$L] content round-trips" "$(cat "$W/back-$L")" "payload"
	check "[$L] cp the volume directory itself out" "$D" cp $s:/data "$W/dataout-$L"
	expect_eq "[$L] it holds the volume's file" "$(cat "$W/dataout-$L/p-$L" 2>&1)" "payload"
	out=$("$D" cp $s:/ - | tar -tf - | grep -E '^(\./)?(data|bind)/p-' | sed 's|^\./||' | sort | tr '\n' ' ')
	expect_eq "[$L] a tree read from / crosses into the volume and the bind" "$out" "bind/p-$L data/p-$L "
	out=$("$D" cp "$W/p-$L" $s:/ro/ 2>&1)
	expect_match "[$L] a read-only volume is refused" "$out" "mounted volume is marked read-only"
	# hostile: links in the bind's source pointing out of it
	"$D" cp "$W/p-$L" $s:/bind/esc/ >/dev/null 2>&1
	"$D" cp "$W/p-$L" $s:/bind/root/tmp/ >/dev/null 2>&1
	expect_eq "[$L] a link to a host directory is not followed out of the bind" "$(ls -A "$W/outside-$L")" ""
	check_fails "[$L] nor a link to the host's /" test -e "/tmp/p-$L"
	out=$("$D" cp $s:/bind/root/etc/shadow - 2>&1)
	expect_match "[$L] reading through a link to / stays in the bind" "$out" "Could not find the file|No such container:path"
	"$D" rm -f $s >/dev/null
	"$D" volume rm $v ro-$L-$sfx >/dev/null
}
per_cli "$DOCKER" new
[ -n "$DOCKER_OLD" ] && per_cli "$DOCKER_OLD" old

# A running container's cp already sees its mounts: same answers.
c=cp-run-$sfx
"$DOCKER" run -d --name $c -v runv-$sfx:/data busybox sh -c 'echo live > /data/l; sleep 300' >/dev/null
check "running container up" wait_for 10 sh -c "'$DOCKER' exec $c test -e /data/l"
check "cp out of a running container's volume" "$DOCKER" cp $c:/data/l "$W/live"
expect_eq "content from the volume" "$(cat "$W/live")" "live"
"$DOCKER" rm -f $c >/dev/null
"$DOCKER" volume rm runv-$sfx >/dev/null

# PUT /volumes/{name}: a cluster-volume update, refused outside a swarm.
"$DOCKER" volume create upd-$sfx >/dev/null
out=$(api PUT "/volumes/upd-$sfx?version=1" -H 'Content-Type: application/json' -d '{"Spec":{}}')
expect_eq "PUT /volumes/{name} is a 503" "$(tail -1 <<<"$out")" "503"
expect_match "with dockerd's message" "$out" '"message":"volume update only valid for cluster volumes, but swarm is unavailable"'
out=$(api PUT "/v1.44/volumes/nosuch?version=x" -d 'garbage' | tail -1)
expect_eq "before looking at the version, body or volume" "$out" "503"
"$DOCKER" volume rm upd-$sfx >/dev/null
"$DOCKER" rmi $IMG >/dev/null 2>&1
finish
