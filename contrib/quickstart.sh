#!/usr/bin/env bash
# The main job end to end: install dependencies, build keel, make an OCI bundle and run it with `runtime`.
# Today the bundle's rootfs is busybox-static from Debian; once `imagetool pull REF BUNDLE` unpacks images
# (issue 5) this script pulls REF instead.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "quickstart.sh: run as root (sudo contrib/quickstart.sh)" >&2; exit 1; }

say() { printf '\n==> %s\n' "$*"; }

say "installing dependencies and building (contrib/setup.sh)"
contrib/setup.sh >/dev/null

work=$(mktemp -d /tmp/keel-quickstart.XXXXXX)
id="quickstart-$$"
cleanup() {
  runtime/runtime delete -f "$id" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

say "making a bundle in $work/bundle from busybox-static"
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/etc" "$work/bundle/rootfs/tmp"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
for applet in sh echo cat ls uname hostname id; do ln -s busybox "$work/bundle/rootfs/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/bundle/rootfs/etc/passwd"
echo 'root:x:0:' >"$work/bundle/rootfs/etc/group"

say "runtime spec (a default config.json), then set the command"
top=$PWD
(cd "$work/bundle" && "$top/runtime/runtime" spec)
jq '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from keel: uid $(id -u) on $(hostname)"]' \
  "$work/bundle/config.json" >"$work/config.json" && mv "$work/config.json" "$work/bundle/config.json"

say "runtime run -b $work/bundle $id"
runtime/runtime run -b "$work/bundle" "$id"
