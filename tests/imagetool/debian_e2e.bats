#!/usr/bin/env bats
# End to end on a real Debian bookworm minbase (tests/lib/debian.bash, 3 layers, ~6.8k files): pushed to a
# docker-registry on 127.0.0.1, `imagetool pull REF BUNDLE -- ARGS` then `runtime run` runs its own binaries
# (apt-get, dpkg, /etc/os-release) — the user's `imagetool pull && runtime run bundle` on a real distribution.

load ../lib/common
load ../lib/registry
load ../lib/debian

setup_file() {
  [ "$(id -u)" = 0 ] && command -v umoci >/dev/null && command -v debootstrap >/dev/null || return 0
  export DEB_LAYOUT REGISTRY REGISTRY_DIR REGISTRY_PID
  DEB_LAYOUT=$(debian_minbase_image)
  registry_start
  skopeo copy -q --dest-tls-verify=false "oci:$DEB_LAYOUT:bookworm" "docker://$REGISTRY/debian:bookworm" >/dev/null
}

teardown_file() {
  registry_stop
}

setup() {
  skip_unless_root
  command -v umoci >/dev/null || skip "umoci not installed"
  command -v debootstrap >/dev/null || skip "debootstrap not installed"
  TMP=$(keel_mktemp)
}

teardown() {
  "$RUNTIME" --root "$TMP/state" delete -f deb >/dev/null 2>&1 || true
  rm -rf "$TMP"
}

@test "debian e2e: pull, then runtime run prints /etc/os-release and apt-get --version" {
  "$IMAGETOOL" --store "$TMP/store" pull -q --tls-verify=false "$REGISTRY/debian:bookworm" "$TMP/b" -- \
    /bin/sh -c 'cat /etc/os-release; apt-get --version | head -1; id -un'
  run "$RUNTIME" --root "$TMP/state" run -b "$TMP/b" deb </dev/null
  [ "$status" -eq 0 ]
  grep -qx 'ID=debian' <<<"$output"
  grep -qx 'VERSION_CODENAME=bookworm' <<<"$output"
  grep -q '^apt [0-9.]* (amd64)$' <<<"$output"
  grep -qx 'root' <<<"$output"
  [ ! -e "$TMP/state/deb" ]
}

@test "debian e2e: the image's dpkg database is intact in the bundle (dpkg-query inside the container)" {
  "$IMAGETOOL" --store "$TMP/store" pull -q --tls-verify=false "$REGISTRY/debian:bookworm" "$TMP/b" -- \
    dpkg-query -W -f '${Package} ${Status}\n' apt base-files
  run "$RUNTIME" --root "$TMP/state" run -b "$TMP/b" deb </dev/null
  [ "$status" -eq 0 ]
  grep -qx 'apt install ok installed' <<<"$output"
  grep -qx 'base-files install ok installed' <<<"$output"
}
