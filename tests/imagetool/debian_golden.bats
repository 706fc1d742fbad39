#!/usr/bin/env bats
# Golden comparison on a real Debian bookworm minbase (tests/lib/debian.bash: 3 umoci layers, the last one
# deleting /usr/share/doc/* and /usr/share/man): `umoci unpack` and `imagetool unpack` must build identical
# trees (tests/imagetool/lstree.py: names, types, modes, owners, sizes, link targets, hard-link groups,
# xattrs, device numbers; times are not compared), and the parts of config.json both derive from the image
# (args, env, cwd, user) must agree. The trees show no difference.
#
# Known differences: umoci's config.json always has process.terminal true and so adds TERM=xterm; keel does
# both only with --tty (docker run's default is no terminal), so keel unpacks here with --tty. Not compared:
# the rest of umoci's config.json comes from its own defaults (no masked/readonly paths, other mounts and
# capabilities, annotations of its own), and umoci writes umoci.json and a sha256_*.mtree next to the rootfs;
# keel writes neither.

load ../lib/common
load ../lib/debian

LSTREE="$KEEL_SRCDIR/tests/imagetool/lstree.py"

setup_file() {
  [ "$(id -u)" = 0 ] && command -v umoci >/dev/null && command -v debootstrap >/dev/null || return 0
  export DEB_WORK DEB_LAYOUT
  DEB_LAYOUT=$(debian_minbase_image)
  DEB_WORK=$(mktemp -d /var/tmp/keel-debian-golden.XXXXXX)
  # a store sharing the cached blobs (hard links): unpack only reads them
  cp -al "$DEB_LAYOUT" "$DEB_WORK/store"
  umoci unpack --image "$DEB_LAYOUT:bookworm" "$DEB_WORK/umoci" >/dev/null
  "$IMAGETOOL" --store "$DEB_WORK/store" unpack --tty "$(jq -r '.manifests[0].digest' "$DEB_LAYOUT/index.json")" \
    "$DEB_WORK/keel"
}

teardown_file() {
  [ -z "${DEB_WORK:-}" ] || rm -rf "$DEB_WORK"
}

setup() {
  skip_unless_root
  command -v umoci >/dev/null || skip "umoci not installed"
  command -v debootstrap >/dev/null || skip "debootstrap not installed"
}

@test "debian: umoci unpack and imagetool unpack build identical trees" {
  python3 "$LSTREE" "$DEB_WORK/umoci/rootfs" >"$DEB_WORK/umoci.lst"
  python3 "$LSTREE" "$DEB_WORK/keel/rootfs" >"$DEB_WORK/keel.lst"
  diff -u "$DEB_WORK/umoci.lst" "$DEB_WORK/keel.lst"
  # a real tree: thousands of entries, setuid binaries, hard links
  [ "$(wc -l <"$DEB_WORK/keel.lst")" -gt 5000 ]
  grep -q '^/usr/bin/su file 4755 0:0' "$DEB_WORK/keel.lst"
  grep -q 'hardlinks=' "$DEB_WORK/keel.lst"
}

@test "debian: the last layer's whiteouts removed what the first layer put there" {
  [ -d "$DEB_WORK/keel/rootfs/usr/share/doc" ]
  [ -z "$(ls -A "$DEB_WORK/keel/rootfs/usr/share/doc")" ]
  [ ! -e "$DEB_WORK/keel/rootfs/usr/share/man" ]
  [ -x "$DEB_WORK/keel/rootfs/usr/bin/dpkg" ]
  [ -z "$(find "$DEB_WORK/keel/rootfs" -name '.wh.*' | head -1)" ]
}

@test "debian: config.json args, env, cwd and user agree with umoci's" {
  local q='.process | {args, env, cwd, user, terminal}'
  [ "$(jq -c "$q" "$DEB_WORK/keel/config.json")" = "$(jq -c "$q" "$DEB_WORK/umoci/config.json")" ]
  [ "$(jq -c .process.args "$DEB_WORK/keel/config.json")" = '["/bin/bash"]' ]
  # HOME comes from the rootfs's /etc/passwd (root's home), not a default
  [[ "$(jq -c .process.env "$DEB_WORK/keel/config.json")" == *'"HOME=/root"'* ]]
}
