# A real Debian image for tests: bookworm minbase (debootstrap) split into 3 layers with umoci, built once and cached.
#
# debian_minbase_image
#   Prints the path of an OCI image layout holding the tag "bookworm" (linux/amd64, Cmd ["/bin/bash"]):
#     layer 1  /usr
#     layer 2  /etc and /var
#     layer 3  everything else, and deletes /usr/share/doc/* and /usr/share/man (whiteouts from umoci)
#   The layout is cached in $KEEL_TEST_CACHE (default /var/tmp/keel-test-cache)/debian-layout and must be treated
#   as read-only (copy it before writing a store into it). The rootfs comes from, in order:
#   /var/tmp/keel-bench-cache/rootfs (contrib/bench/imagetool.sh), $KEEL_TEST_CACHE/rootfs, or a fresh
#   `debootstrap --variant=minbase bookworm` from $KEEL_DEBIAN_MIRROR (default http://deb.debian.org/debian),
#   about 1-2 minutes on a fresh machine. Concurrent callers wait on a lock; a failed build leaves no layout.
#   Needs root, debootstrap and umoci. Returns non-zero (with the reason on stderr) when it cannot build.

_debian_rootfs() {
  local cache=$1
  if [ -d /var/tmp/keel-bench-cache/rootfs/usr/bin ]; then
    echo /var/tmp/keel-bench-cache/rootfs
    return
  fi
  if [ ! -d "$cache/rootfs/usr/bin" ]; then
    rm -rf "$cache/rootfs.tmp"
    echo "debian.bash: debootstrap --variant=minbase bookworm into $cache/rootfs" >&2
    debootstrap --variant=minbase bookworm "$cache/rootfs.tmp" "${KEEL_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2 ||
      return 1
    mv "$cache/rootfs.tmp" "$cache/rootfs"
  fi
  echo "$cache/rootfs"
}

# _debian_layer LAYOUT BUNDLE: one more layer from what changed in BUNDLE/rootfs.
_debian_layer() {
  umoci repack --refresh-bundle --image "$1:bookworm" "$2" >&2
}

_debian_build() {
  local cache=$1 rootfs tmp=$1/debian-layout.tmp work=$1/debian-work
  rootfs=$(_debian_rootfs "$cache") || return 1
  rm -rf "$tmp" "$work"
  umoci init --layout "$tmp" &&
    umoci new --image "$tmp:bookworm" &&
    umoci unpack --image "$tmp:bookworm" "$work" >&2 || return 1
  cp -a "$rootfs/usr" "$work/rootfs/" && _debian_layer "$tmp" "$work" || return 1
  cp -a "$rootfs/etc" "$rootfs/var" "$work/rootfs/" && _debian_layer "$tmp" "$work" || return 1
  (cd "$rootfs" && find . -mindepth 1 -maxdepth 1 ! -name usr ! -name etc ! -name var -exec cp -a {} "$work/rootfs/" \;) &&
    rm -rf "$work/rootfs/usr/share/doc/"* "$work/rootfs/usr/share/man" && _debian_layer "$tmp" "$work" || return 1
  umoci config --image "$tmp:bookworm" --config.cmd /bin/bash \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin &&
    umoci gc --layout "$tmp" || return 1
  rm -rf "$work"
  mv "$tmp" "$cache/debian-layout"
}

debian_minbase_image() {
  local cache=${KEEL_TEST_CACHE:-/var/tmp/keel-test-cache}
  local t
  for t in debootstrap umoci flock; do
    command -v "$t" >/dev/null || { echo "debian_minbase_image: $t not installed" >&2; return 1; }
  done
  [ "$(id -u)" = 0 ] || { echo "debian_minbase_image: needs root" >&2; return 1; }
  mkdir -p "$cache" || return 1
  (
    flock 9
    [ -f "$cache/debian-layout/index.json" ] || _debian_build "$cache"
  ) 9>"$cache/debian.lock" || { echo "debian_minbase_image: build failed" >&2; return 1; }
  echo "$cache/debian-layout"
}
