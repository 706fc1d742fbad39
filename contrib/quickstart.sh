#!/usr/bin/env bash
# The main job end to end: install dependencies, build keel, then `imagetool pull REF bundle && runtime run`.
# With no REF, a throwaway docker-registry on 127.0.0.1 serves a small image built here from busybox-static
# (this machine has no internet); REF=docker.io/library/alpine contrib/quickstart.sh pulls a real one.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "quickstart.sh: run as root (sudo contrib/quickstart.sh)" >&2; exit 1; }
top=$PWD

say() { printf '\n==> %s\n' "$*"; }

say "installing dependencies and building (contrib/setup.sh)"
contrib/setup.sh >/dev/null

work=$(mktemp -d /tmp/keel-quickstart.XXXXXX)
id="quickstart-$$"
# shellcheck source=../tests/lib/registry.bash
source tests/lib/registry.bash
cleanup() {
  "$top/runtime/runtime" delete -f "$id" >/dev/null 2>&1 || true
  registry_stop
  rm -rf "$work"
}
trap cleanup EXIT

pull_opts=()
if [ -z "${REF:-}" ]; then
  say "building a busybox image with umoci and serving it from docker-registry on 127.0.0.1"
  umoci init --layout "$work/layout"
  umoci new --image "$work/layout:latest"
  umoci unpack --rootless --image "$work/layout:latest" "$work/unpacked" >/dev/null
  mkdir -p "$work/unpacked/rootfs/bin" "$work/unpacked/rootfs/etc"
  cp /bin/busybox "$work/unpacked/rootfs/bin/busybox"
  for applet in sh echo id hostname uname; do ln -s busybox "$work/unpacked/rootfs/bin/$applet"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$work/unpacked/rootfs/etc/passwd"
  echo 'root:x:0:' >"$work/unpacked/rootfs/etc/group"
  umoci repack --image "$work/layout:latest" "$work/unpacked"
  umoci config --image "$work/layout:latest" --config.cmd /bin/sh --config.cmd -c \
    --config.cmd 'echo "hello from keel: uid $(id -u) on $(hostname), $(uname -s)"'
  TMPDIR=$work registry_start
  skopeo copy -q --dest-tls-verify=false "oci:$work/layout:latest" "docker://$REGISTRY/demo/busybox:latest"
  REF=$REGISTRY/demo/busybox:latest
  pull_opts=(--tls-verify=false)
fi

say "imagetool pull $REF $work/bundle"
imagetool/imagetool --store "$work/store" pull "${pull_opts[@]}" "$REF" "$work/bundle"

say "runtime run -b $work/bundle $id"
runtime/runtime run -b "$work/bundle" "$id"
