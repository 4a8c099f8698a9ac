# SPDX-License-Identifier: Apache-2.0
# Helpers for the image integration tests (source after lib.sh):
#   fixtures_build           build the fixture images once into a shared cache
#                            and load images.env (BUSYBOX_DIGEST, APP1_LAYERS...)
#   registry_up NAME         start a loopback registry in $T_DIR/NAME filled with
#                            the fixtures; sets REGISTRY and REG_DIR_<NAME>;
#                            stopped by PID at exit
#   registry_empty NAME      the same without pushing anything
#   layer_short DIGEST       12-hex short id of "sha256:..."
FIX=$TOP/tests/fixtures
FIXTURE_CACHE=${BERTH_FIXTURE_CACHE:-/var/tmp/berth-fixtures}

fixtures_build() {
	"$FIX/build-images.sh" "$FIXTURE_CACHE/images" >"$T_DIR/fixtures.log" 2>&1 || {
		sed 's/^/# /' "$T_DIR/fixtures.log"; return 1; }
	# shellcheck disable=SC1091
	. "$FIXTURE_CACHE/images/images.env"
}

registry_empty() {
	local dir=$T_DIR/$1 out
	out=$("$FIX/registry.sh" start "$dir") || return 1
	eval "$out"
	on_exit "'$FIX/registry.sh' stop '$dir' >/dev/null 2>&1"
	eval "REG_DIR_$1=$dir"
}

registry_up() {
	registry_empty "$1" || return 1
	"$FIX/registry.sh" push "$T_DIR/$1" "$FIXTURE_CACHE/images" >"$T_DIR/$1.push.log" 2>&1 || {
		sed 's/^/# /' "$T_DIR/$1.push.log"; return 1; }
}

layer_short() { printf '%s' "${1#sha256:}" | cut -c1-12; }

# Prints the number of GETs of blob DIGEST in registry log FILE after byte OFFSET.
blob_gets() { tail -c +"$(($3 + 1))" "$1" | grep -c "\"GET /v2/[^ ]*/blobs/$2 HTTP"; }
