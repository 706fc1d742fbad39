#!/usr/bin/env bats
# The snapshot cache (imagetool unpack --snapshot[=MODE]): a bundle composed from the store's snapshot is the
# tree a fresh unpack makes (modes, owners, xattrs, hard links, whiteouts applied) in every mode; the cache is
# used on the second unpack; half-made, corrupted or modified snapshots are never used; gc and fsck maintain it.

load layer_helpers
load ../lib/registry

RL_USER=keel-snap-test

setup_file() {
  [ "$(id -u)" = 0 ] || return 0
  id "$RL_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RL_USER"
}

teardown_file() {
  [ "$(id -u)" = 0 ] || return 0
  ! id "$RL_USER" >/dev/null 2>&1 || userdel "$RL_USER"
}

setup() {
  layer_setup
  S="$T/store"
  SNAPS="$S/.keel/snapshots"
}
teardown() {
  registry_stop
  layer_teardown
}

it() { "$IMAGETOOL" --store "$S" "$@"; }

# Three layers: owners, modes (setuid, read-only dir), xattrs (user.*, security.capability), hard links, a fifo,
# a 100 kB file, a device node (root only), then whiteouts, an opaque directory, a replaced file, a directory
# whose metadata a later layer changes.
make_layers() {
  mklayer l1.tar.gz <<'EOF'
dir ./ mode=0755
dir etc
file etc/passwd data=root:x:0:0::/root:/bin/sh
dir usr
dir usr/bin
file usr/bin/su data=su mode=4755
file usr/bin/ping data=ping mode=0755 uid=1 gid=1 xattrhex.security.capability=0100000200200000000000000000000000000000
hardlink usr/bin/ping2 target=usr/bin/ping
symlink bin target=usr/bin
dir data mode=0750 uid=1000 gid=1000 xattr.user.dir=yes
file data/owned data=o uid=1000 gid=1000 mode=0640 xattr.user.note=hello
dir ro mode=0555
file ro/file data=r mode=0444
dir run
fifo run/fifo mode=0600
file gone data=x
dir opq
file opq/old data=old
file zeros size=100000
EOF
  mklayer l2.tar <<'EOF'
wh gone
opq opq
file opq/new data=new
file etc/passwd data=root:x:0:0::/root:/bin/bash
EOF
  mklayer l3.tar.zst <<'EOF'
file etc/hostname data=h
dir data mode=0700 uid=1000 gid=1001
EOF
  if [ "$(id -u)" = 0 ]; then
    mklayer dev.tar <<'EOF'
dir dev
char dev/null major=1 minor=3 mode=0666
EOF
  fi
}

# store_image NAME LAYER...: import an image of the layers (under $T/layers) into the store as NAME.
store_image() {
  local name=$1
  shift
  rm -rf "$T/layout" "$T/img.tar"
  oci_layout "$T/layout" "$@"
  tar -C "$T/layout" -cf "$T/img.tar" .
  it import "$T/img.tar" "$name" >/dev/null
}

# unpack OPTS... REF BUNDLE: must succeed; the output (with --debug) in $output.
unpack() {
  run it --debug unpack "$@"
  echo "$output"
  [ "$status" -eq 0 ]
}

# tree BUNDLE: lstree of its rootfs, minus the hard-link field of a file that is alone in the tree
# (--snapshot=hardlink: its other link is in the snapshot).
tree() {
  lstree "$1/rootfs" | sed -E 's/ hardlinks=[^,]*$//'
}

all_layers() {
  local l=(l1.tar.gz l2.tar l3.tar.zst)
  [ "$(id -u)" != 0 ] || l+=(dev.tar)
  echo "${l[@]}"
}

@test "snapshot: every mode gives the tree a fresh unpack gives, and the second unpack uses the snapshot" {
  make_layers
  # shellcheck disable=SC2046
  store_image img $(all_layers)
  unpack img "$T/fresh"
  [ ! -e "$SNAPS" ] || [ -z "$(ls "$SNAPS")" ] # not the default
  tree "$T/fresh" >"$T/fresh.tree"
  grep -q '^/usr/bin/ping file 0755 1:1 size=4 security.capability=0100000200200000000000000000000000000000 hardlinks=/usr/bin/ping,/usr/bin/ping2$' "$T/fresh.tree"
  grep -q '^/opq/new' "$T/fresh.tree"
  ! grep -q '^/opq/old\|^/gone' "$T/fresh.tree" || false

  unpack --snapshot img "$T/b1"
  [[ "$output" == *"snapshot: making"* ]]
  [ "$(ls "$SNAPS" | wc -l)" = 1 ]
  local snap ino
  snap=$(ls -d "$SNAPS"/*)
  ino=$(stat -c %i "$snap")
  diff -u "$T/fresh.tree" <(tree "$T/b1")
  cmp "$T/fresh/config.json" "$T/b1/config.json"

  for mode in auto copy hardlink; do
    unpack --snapshot="$mode" img "$T/b-$mode"
    [[ "$output" == *"snapshot: rootfs composed from"*"($mode)"* ]]
    [[ "$output" != *"snapshot: making"* ]]
    diff -u "$T/fresh.tree" <(tree "$T/b-$mode")
    [ "$(cat "$T/b-$mode/rootfs/opq/new")" = new ]
  done
  # made once: the same directory all along
  [ "$(stat -c %i "$snap")" = "$ino" ]
  # hardlink: the bundle's files are the snapshot's; copy: they are not
  [ "$(stat -c %i "$T/b-hardlink/rootfs/etc/passwd")" = "$(stat -c %i "$snap/rootfs/etc/passwd")" ]
  [ "$(stat -c %i "$T/b-copy/rootfs/etc/passwd")" != "$(stat -c %i "$snap/rootfs/etc/passwd")" ]
  [ "$(stat -c %h "$T/b-copy/rootfs/etc/passwd")" = 1 ]
  run it fsck
  [ "$status" -eq 0 ]
}

@test "snapshot: a write into a --snapshot=copy bundle leaves the snapshot alone" {
  make_layers
  store_image img l1.tar.gz l2.tar
  unpack --snapshot img "$T/b1"
  echo changed >>"$T/b1/rootfs/etc/passwd"
  unpack --snapshot img "$T/b2"
  [[ "$output" != *"snapshot: making"* ]]
  [ "$(cat "$T/b2/rootfs/etc/passwd")" = "root:x:0:0::/root:/bin/bash" ]
  run it fsck
  [ "$status" -eq 0 ]
}

@test "snapshot: a file modified through a --snapshot=hardlink bundle is caught; the next bundle is fresh again" {
  make_layers
  store_image img l1.tar.gz l2.tar
  unpack img "$T/fresh"
  unpack --snapshot=hardlink img "$T/b1"
  echo changed >>"$T/b1/rootfs/etc/passwd" # shared with the snapshot: documented
  unpack --snapshot=hardlink img "$T/b2"
  [[ "$output" == *"changed since it was made"* ]]
  [[ "$output" == *"snapshot: making"* ]]
  [ "$(cat "$T/b2/rootfs/etc/passwd")" = "root:x:0:0::/root:/bin/bash" ]
  diff -u <(tree "$T/fresh") <(tree "$T/b2")
  [ "$(ls "$SNAPS" | wc -l)" = 1 ]
}

@test "snapshot: a change that keeps the metadata is found by fsck, which removes the snapshot" {
  make_layers
  store_image img l1.tar.gz l2.tar
  unpack --snapshot img "$T/b1"
  local snap
  snap=$(ls -d "$SNAPS"/*)
  # same size, same mtime: only the content digest sees it
  printf 'root:x:0:0::/root:/bin/dash' >"$T/new"
  touch -r "$snap/rootfs/etc/passwd" "$T/new"
  cp -p "$T/new" "$snap/rootfs/etc/passwd"
  run it fsck
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"snapshot ${snap##*/}: its files differ"* ]]
  [ -z "$(ls "$SNAPS")" ]
  run it fsck
  [ "$status" -eq 0 ]
  unpack --snapshot img "$T/b2"
  [[ "$output" == *"snapshot: making"* ]]
  [ "$(cat "$T/b2/rootfs/etc/passwd")" = "root:x:0:0::/root:/bin/bash" ]
}

@test "snapshot: a half-made snapshot is never used and gc removes it; a broken snapshot.json is made again" {
  make_layers
  store_image img l1.tar.gz l2.tar
  unpack img "$T/fresh"
  unpack --snapshot img "$T/b1"
  local snap
  snap=$(ls -d "$SNAPS"/*)
  # a crash in the middle of making one: tmp-* with part of a tree
  mkdir -p "$SNAPS/tmp-crash1/rootfs/etc"
  echo half >"$SNAPS/tmp-crash1/rootfs/etc/passwd"
  # and the real one's record truncated
  : >"$snap/snapshot.json"
  unpack --snapshot img "$T/b2"
  [[ "$output" == *"is unusable"* ]]
  [[ "$output" == *"snapshot: making"* ]]
  diff -u <(tree "$T/fresh") <(tree "$T/b2")
  [ -d "$snap/rootfs" ]
  [ -d "$SNAPS/tmp-crash1" ]
  run it gc
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"removed 1 snapshots"* ]]
  [ ! -e "$SNAPS/tmp-crash1" ]
  [ -d "$snap/rootfs" ] # still in use by img
  unpack --snapshot img "$T/b3"
  [[ "$output" != *"snapshot: making"* ]]
}

@test "snapshot: gc removes the snapshot once no stored image uses its chain" {
  make_layers
  store_image img l1.tar.gz l2.tar
  unpack --snapshot img "$T/b1"
  it tag img other
  it rm img
  run it gc
  [ "$output" = "removed 0 files (0 bytes)" ] # other still has it
  [ "$(ls "$SNAPS" | wc -l)" = 1 ]
  it rm other
  run it gc
  echo "$output"
  [[ "$output" == *"removed 1 snapshots"* ]]
  [ -z "$(ls "$SNAPS")" ]
  [ -d "$T/b1/rootfs/etc" ] # bundles are the user's
}

@test "snapshot: an image on top of a snapshotted one starts from its snapshot" {
  make_layers
  store_image base l1.tar.gz l2.tar
  unpack --snapshot base "$T/b1"
  store_image full l1.tar.gz l2.tar l3.tar.zst
  unpack full "$T/fresh"
  unpack --snapshot full "$T/b2"
  [[ "$output" == *"snapshot: layers 1-2 copied from"* ]]
  diff -u <(tree "$T/fresh") <(tree "$T/b2")
  [ "$(ls "$SNAPS" | wc -l)" = 2 ]
}

@test "snapshot: --max-size still bounds an unpack served from a snapshot" {
  make_layers
  store_image img l1.tar.gz l2.tar
  unpack --snapshot img "$T/b1"
  run it unpack --snapshot --max-size 1K img "$T/b2"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"exceeds the limit of 1024 bytes"* ]]
  [ ! -e "$T/b2" ]
  ! ls -d "$T"/b2.tmp-* 2>/dev/null || false
}

# A layer of many directories, with hard links between files of different directories, xattrs and modes that
# go on only at the end (read-only directories): the copy is walked by a worker per CPU, which meet each other's
# link groups and directories.
wide_layer() {
  local i
  for i in $(seq 1 60); do
    if [ $((i % 5)) = 0 ]; then
      echo "dir d$i mode=0555 xattr.user.d=$i"
    else
      echo "dir d$i mode=0750 uid=$i gid=$i"
    fi
    echo "dir d$i/sub"
    echo "file d$i/sub/f data=$i uid=$i mode=0640"
    echo "file d$i/g data=g$i"
  done
  for i in $(seq 1 60); do
    echo "hardlink d$i/link target=d$(((i * 7) % 60 + 1))/sub/f"
  done
}

@test "snapshot: a wide tree with hard links across directories is the same on one worker and on one per CPU" {
  wide_layer | mklayer wide.tar
  store_image img wide.tar
  unpack img "$T/fresh"
  tree "$T/fresh" >"$T/fresh.tree"
  grep -q '^/d8/sub/f file 0640 8:0 size=1 hardlinks=/d1/link,/d8/sub/f$' "$T/fresh.tree"
  unpack --snapshot=copy img "$T/b-all"
  diff -u "$T/fresh.tree" <(tree "$T/b-all")
  # the digest of the walk (summed over the workers) matches the one recorded, whatever the number of workers
  run taskset -c 0 "$IMAGETOOL" --store "$S" --debug unpack --snapshot=copy img "$T/b-one"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"rootfs composed from"* ]]
  [[ "$output" != *"changed since it was made"* ]]
  diff -u "$T/fresh.tree" <(tree "$T/b-one")
  unpack --snapshot=hardlink img "$T/b-link"
  [[ "$output" == *"rootfs composed from"* ]]
  [[ "$output" != *"changed since it was made"* ]]
  diff -u "$T/fresh.tree" <(tree "$T/b-link")
  [ "$(stat -c %i "$T/b-link/rootfs/d1/link")" = "$(stat -c %i "$T/b-link/rootfs/d8/sub/f")" ]
}

@test "snapshot: --snapshot=hardlink into another filesystem fails on every worker with one clear error, no bundle left" {
  local other
  other=$(mktemp -d /var/tmp/keel-snap.XXXXXX)
  [ "$(stat -c %d "$other")" != "$(stat -c %d "$T")" ] || skip "/var/tmp is on the store's filesystem"
  wide_layer | mklayer wide.tar
  store_image img wide.tar
  unpack --snapshot img "$T/b1"
  run it unpack --snapshot=hardlink img "$other/b2"
  echo "$output"
  local left
  left=$(ls -A "$other")
  rm -rf "$other"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--snapshot=hardlink: the bundle is not on the store's filesystem"* ]]
  [[ "$output" != *"another part of the walk"* ]]
  [ -z "$left" ]
}

@test "snapshot: bad mode, reflink where the filesystem cannot: clear errors, no bundle left" {
  make_layers
  store_image img l1.tar.gz
  run it unpack --snapshot=fast img "$T/b1"
  [ "$status" -ne 0 ]
  [[ "$output" == *'invalid --snapshot "fast": expected auto, reflink, copy, hardlink or off'* ]]
  if [ "$(stat -f -c %T "$T")" = tmpfs ] || [ "$(stat -f -c %T "$T")" = ext2/ext3 ]; then
    run it unpack --snapshot=reflink img "$T/b2"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"reflink (FICLONE, --snapshot=reflink)"* ]]
    [ ! -e "$T/b2" ]
  fi
  # auto falls back to copying there
  unpack --snapshot=auto img "$T/b3"
  [ -f "$T/b3/rootfs/etc/passwd" ]
}

@test "snapshot: pull REF BUNDLE --snapshot makes the snapshot, a second pull into another bundle copies it" {
  make_layers
  oci_layout "$T/layout" l1.tar.gz l2.tar
  registry_start
  skopeo copy --quiet --dest-tls-verify=false "oci:$T/layout:t" "docker://$REGISTRY/snap/img:1"
  run it --debug pull -q --tls-verify=false --snapshot "$REGISTRY/snap/img:1" "$T/b1"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"snapshot: making"* ]]
  run it --debug pull -q --tls-verify=false --snapshot=hardlink "$REGISTRY/snap/img:1" "$T/b2"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"snapshot: rootfs composed from"*"(hardlink)"* ]]
  diff -u <(tree "$T/b1") <(tree "$T/b2")
  [ "$(cat "$T/b2/rootfs/etc/passwd")" = "root:x:0:0::/root:/bin/bash" ]
}

# as_user CMD...: run CMD as the test user, HOME in $T/home.
as_user() {
  setpriv --reuid="$RL_USER" --regid="$(id -g "$RL_USER")" --clear-groups env HOME="$T/home" "$@"
}

@test "snapshot: rootless, as an unprivileged user: same tree as the user's fresh unpack, owners in the xattr" {
  skip_unless_root
  make_layers
  chmod 0755 "$T"
  mkdir "$T/home"
  chown "$RL_USER:" "$T/home"
  oci_layout "$T/layout" l1.tar.gz l2.tar l3.tar.zst
  tar -C "$T/layout" -cf "$T/img.tar" .
  chmod -R a+rX "$T/layout" "$T/img.tar"
  local st="$T/home/store"
  as_user "$IMAGETOOL" --store "$st" import "$T/img.tar" img >/dev/null
  as_user "$IMAGETOOL" --store "$st" unpack img "$T/home/fresh"
  run as_user "$IMAGETOOL" --store "$st" --debug unpack --snapshot img "$T/home/b1"
  echo "$output"
  [ "$status" -eq 0 ]
  run as_user "$IMAGETOOL" --store "$st" --debug unpack --snapshot img "$T/home/b2"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"snapshot: rootfs composed from"* ]]
  diff -u <(tree "$T/home/fresh") <(tree "$T/home/b2")
  # every file the user's; the image's owner kept where umoci --rootless keeps it
  [ -z "$(find "$T/home/b2/rootfs" ! -user "$RL_USER")" ]
  [ "$(xattr "$T/home/b2/rootfs/data/owned" user.rootlesscontainers --hex)" = "$(xattr "$T/home/fresh/rootfs/data/owned" user.rootlesscontainers --hex)" ]
  run as_user "$IMAGETOOL" --store "$st" gc
  [ "$status" -eq 0 ]
  run as_user rm -rf "$T/home/b1" "$T/home/b2" "$T/home/fresh" "$st"
  [ "$status" -eq 0 ]
}
