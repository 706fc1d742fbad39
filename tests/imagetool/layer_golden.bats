#!/usr/bin/env bats
# Golden comparison: umoci unpack and libunpack build identical trees from the same layers
# (names, types, modes, owners, sizes, link targets, hard-link groups, xattrs, device numbers).

load layer_helpers

setup() {
  skip_unless_root
  command -v umoci >/dev/null || skip "umoci not installed"
  layer_setup
}
teardown() { layer_teardown; }

# compare LAYER...: unpack with umoci and with apply-layers, diff the listings.
compare() {
  oci_layout "$T/layout" "$@"
  run umoci unpack --image "$T/layout:t" "$T/golden"
  [ "$status" -eq 0 ] || { echo "umoci: $output"; return 1; }
  local args=() l
  for l in "$@"; do args+=(--diff-id "$(diff_id "$l")" "$l"); done
  apply "${args[@]}"
  [ "$status" -eq 0 ] || { echo "apply-layers: $output"; return 1; }
  diff -u <(lstree "$T/golden/rootfs") <(lstree "$R")
}

@test "golden: files, modes, owners, symlinks, hard links, xattrs, devices" {
  mklayer l1.tar <<'EOF2'
dir ./ mode=0755
dir bin mode=0755
file bin/busybox data=busybox mode=4755 uid=0 gid=0
hardlink bin/sh target=bin/busybox
symlink bin/ls target=busybox
symlink abs target=/bin/busybox
dir etc mode=0755
file etc/passwd data=root:x:0:0::/root:/bin/sh mode=0644
file etc/shadow data=x mode=0640 uid=0 gid=42
dir tmp mode=1777
dir home/user mode=0700 uid=1000 gid=1000
file home/user/.profile data=p uid=1000 gid=1000 mode=0600
file ping data=p mode=0755 xattrhex.security.capability=0100000200200000000000000000000000000000
file note data=n xattr.user.comment=hello
dir dev mode=0755
char dev/null major=1 minor=3 mode=0666
block dev/sda major=8 minor=0 mode=0660 gid=6
fifo run.fifo mode=0600
file sgid data=x mode=2755 gid=50
EOF2
  compare l1.tar
}

@test "golden: deletions, opaque directories and hard links across layers (gzip)" {
  mklayer l1.tar.gz <<'EOF2'
dir ./ mode=0755
dir a mode=0755
dir a/b mode=0755
dir a/b/c mode=0755
file a/b/c/bar data=bar
file a/keep data=keep
dir etc mode=0755
file etc/app.conf data=c
dir etc/app.d mode=0755
file etc/app.d/x data=x
file shared data=shared mode=0755
dir opq mode=0755
file opq/lower1 data=1
dir opq/lowerdir mode=0755
file opq/lowerdir/f data=f
EOF2
  mklayer l2.tar.gz <<'EOF2'
dir a mode=0755
opq a
dir a/b mode=0711
dir a/b/c mode=0755
file a/b/c/foo data=foo
wh etc/app.conf
wh etc/app.d
hardlink link-to-lower target=shared
dir opq mode=0755
file opq/upper data=u
opq opq
file replaced-later data=1
EOF2
  mklayer l3.tar.gz <<'EOF2'
file shared data=rewritten mode=0700
dir replaced-later mode=0750
file replaced-later/inside data=i
hardlink again target=link-to-lower
EOF2
  compare l1.tar.gz l2.tar.gz l3.tar.gz
}

@test "golden: a zstd layer builds the same tree umoci builds from its gzip twin (umoci 0.4 has no zstd)" {
  mklayer l1.tar <<'EOF2'
dir ./ mode=0755
dir usr/bin mode=0755
file usr/bin/tool data=tool mode=0755 uid=2 gid=3
symlink usr/bin/t target=tool
hardlink usr/bin/tool2 target=usr/bin/tool
EOF2
  zstd -q -c "$T/layers/l1.tar" >"$T/layers/l1.tar.zst"
  gzip -n -c "$T/layers/l1.tar" >"$T/layers/l1.tar.gz"
  oci_layout "$T/layout" l1.tar.gz
  run umoci unpack --image "$T/layout:t" "$T/golden"
  [ "$status" -eq 0 ]
  apply --diff-id "$(diff_id l1.tar.gz)" --media-type application/vnd.oci.image.layer.v1.tar+zstd l1.tar.zst
  [ "$status" -eq 0 ]
  diff -u <(lstree "$T/golden/rootfs") <(lstree "$R")
  [ "$(lstree "$R" | wc -l)" -eq 6 ]
}

@test "golden: a real tree (the host's /etc and /usr/sbin, GNU tar with xattrs) split in layers, with deletions" {
  tar --numeric-owner --xattrs --xattrs-include='*' -C / -czf "$T/layers/etc.tar.gz" etc 2>/dev/null || true
  tar --numeric-owner --xattrs --xattrs-include='*' -C / -cf "$T/layers/sbin.tar" usr/sbin 2>/dev/null || true
  mklayer del.tar <<'EOF2'
wh etc/passwd
opq etc/apt
wh usr/sbin/nologin
file etc/apt/new data=new
EOF2
  [ "$(tar -tzf "$T/layers/etc.tar.gz" | wc -l)" -gt 100 ]
  compare etc.tar.gz sbin.tar del.tar
  [ ! -e "$R/etc/passwd" ] && [ -e "$R/etc/group" ]
  [ "$(ls "$R/etc/apt")" = new ]
}

@test "golden: a directory entry over a lower directory replaces its attributes, xattrs included" {
  mklayer l1.tar <<'EOF2'
dir ./ mode=0755
dir d mode=0700 uid=1 gid=1 xattr.user.old=1 xattr.trusted.old=2
file d/keep data=k
EOF2
  mklayer l2.tar <<'EOF2'
dir d mode=0755 uid=2 gid=2 xattr.user.new=3
EOF2
  compare l1.tar l2.tar
  [ "$(lstree "$R" | grep '^/d ')" = "/d dir 0755 2:2 user.new=33" ]
  [ "$(cat "$R/d/keep")" = k ]
}
