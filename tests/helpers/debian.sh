# SPDX-License-Identifier: Apache-2.0
# The Debian bookworm test base (source after lib.sh), shared by the tests
# that build on a real Debian (3003, 6005):
#   debian_mirror_up           true when the Debian mirror answers (apt-get in
#                              RUN steps needs it)
#   debian_base_tar            makes the base root file system once with
#                              `debootstrap --variant=minbase bookworm` and
#                              keeps it as a tar in the fixture cache; sets
#                              DEBIAN_BASE_TAR; returns 1 (reason in
#                              DEBIAN_BASE_WHY) when it cannot be made
# /dev stays empty in the tar, as in Docker Hub's debian images (import
# refuses device nodes). BERTH_DEBIAN_MIRROR overrides the mirror.
DEBIAN_MIRROR=${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_BASE_TAR=${BERTH_FIXTURE_CACHE:-/var/tmp/berth-fixtures}/debian-bookworm-minbase.tar
DEBIAN_BASE_WHY=""

debian_mirror_up() { curl -sI --max-time 5 -o /dev/null "$DEBIAN_MIRROR/dists/bookworm/Release"; }

debian_base_tar() {
	local rootfs=$T_DIR/rootfs
	[ -s "$DEBIAN_BASE_TAR" ] && return 0
	if ! command -v debootstrap >/dev/null 2>&1; then
		DEBIAN_BASE_WHY="debootstrap is not installed (scripts/setup.sh test installs it)"
		return 1
	fi
	if ! debian_mirror_up; then
		DEBIAN_BASE_WHY="the Debian mirror $DEBIAN_MIRROR is unreachable and no base is cached"
		return 1
	fi
	mkdir -p "$(dirname "$DEBIAN_BASE_TAR")"
	if debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$T_DIR/debootstrap.log" 2>&1 &&
		tar --numeric-owner --exclude='./dev/*' -C "$rootfs" -cf "$DEBIAN_BASE_TAR.tmp.$$" . &&
		mv "$DEBIAN_BASE_TAR.tmp.$$" "$DEBIAN_BASE_TAR"; then
		rm -rf "$rootfs"
		return 0
	fi
	rm -rf "$rootfs" "$DEBIAN_BASE_TAR.tmp.$$"
	DEBIAN_BASE_WHY="debootstrap --variant=minbase bookworm failed: $(tail -3 "$T_DIR/debootstrap.log" | tr '\n' ' ')"
	return 2
}
