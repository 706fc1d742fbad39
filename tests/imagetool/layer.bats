#!/usr/bin/env bats
# Layer application (libunpack through tests/imagetool/apply-layers): image-spec layer.md semantics.

load layer_helpers

setup() { layer_setup; }
teardown() { layer_teardown; }

@test "whiteouts remove lower entries only, never what the same layer adds" {
  mklayer l1.tar <<'EOF2'
dir etc
file etc/app.conf data=old
file etc/keep data=keep
dir etc/app.d
file etc/app.d/a data=a
file gone data=g
EOF2
  mklayer l2.tar <<'EOF2'
wh etc/app.conf
wh etc/app.d
file added data=new
wh added
wh gone
wh never-existed
EOF2
  apply l1.tar l2.tar
  [ "$status" -eq 0 ]
  [ ! -e "$R/etc/app.conf" ] && [ ! -e "$R/etc/app.d" ] && [ ! -e "$R/gone" ]
  [ "$(cat "$R/etc/keep")" = keep ]
  [ "$(cat "$R/added")" = new ]
  # the whiteout entries themselves are hidden
  [ -z "$(find "$R" -name '.wh.*')" ]
}

@test "opaque directories hide lower children wherever the marker sits in the tar" {
  mklayer l1.tar <<'EOF2'
dir a
dir a/b
dir a/b/c
file a/b/c/bar data=bar
file a/top data=t
dir other
file other/x data=x
EOF2
  # image-spec layer.md: the marker after the new a/b must still be applied first
  mklayer l2.tar <<'EOF2'
dir a
dir a/b
dir a/b/c
file a/b/c/foo data=foo
opq a
EOF2
  apply l1.tar l2.tar
  [ "$status" -eq 0 ]
  [ "$(cat "$R/a/b/c/foo")" = foo ]
  [ ! -e "$R/a/b/c/bar" ] && [ ! -e "$R/a/top" ]
  [ "$(cat "$R/other/x")" = x ]
  [ ! -e "$R/a/.wh..wh..opq" ]
}

@test "an existing non-directory is replaced, never written through (hard links of a lower layer keep their content)" {
  mklayer l1.tar <<'EOF2'
file a data=shared
hardlink b target=a
file sym-target data=target
symlink s target=sym-target
EOF2
  mklayer l2.tar <<'EOF2'
file a data=new
file s data=not-through
EOF2
  apply l1.tar l2.tar
  [ "$status" -eq 0 ]
  [ "$(cat "$R/a")" = new ]
  [ "$(cat "$R/b")" = shared ]
  [ "$(stat -c %h "$R/b")" = 1 ]
  [ ! -L "$R/s" ] && [ "$(cat "$R/s")" = not-through ]
  [ "$(cat "$R/sym-target")" = target ]
}

@test "a directory replaces a file and a file replaces a directory tree" {
  mklayer l1.tar <<'EOF2'
file x data=file
dir y
file y/z data=z
EOF2
  mklayer l2.tar <<'EOF2'
dir x mode=0700
file x/in data=in
file y data=now-a-file
EOF2
  apply l1.tar l2.tar
  [ "$status" -eq 0 ]
  [ -d "$R/x" ] && [ "$(stat -c %a "$R/x")" = 700 ] && [ "$(cat "$R/x/in")" = in ]
  [ -f "$R/y" ] && [ "$(cat "$R/y")" = now-a-file ]
}

@test "hard links within a layer and to files of earlier layers" {
  mklayer l1.tar <<'EOF2'
dir bin
file bin/busybox data=bb mode=0755
EOF2
  mklayer l2.tar <<'EOF2'
hardlink bin/sh target=bin/busybox
hardlink ./bin/ls target=./bin/sh
file data data=d
hardlink data2 target=data
EOF2
  apply l1.tar l2.tar
  [ "$status" -eq 0 ]
  [ "$(stat -c %i "$R/bin/busybox")" = "$(stat -c %i "$R/bin/sh")" ]
  [ "$(stat -c %i "$R/bin/busybox")" = "$(stat -c %i "$R/bin/ls")" ]
  [ "$(stat -c %h "$R/bin/busybox")" = 3 ]
  [ "$(stat -c %i "$R/data")" = "$(stat -c %i "$R/data2")" ]
}

@test "modes (setuid, setgid, sticky), owners and mtimes are kept" {
  mklayer l1.tar <<'EOF2'
file suid data=x mode=4755 uid=0 gid=0
file sgid data=x mode=2711 uid=1000 gid=50
file owned data=x mode=4750 uid=1000 gid=1000
dir tmp mode=1777
file old data=x mtime=123456789
symlink link target=old uid=7 gid=8 mtime=222222222
EOF2
  apply l1.tar
  [ "$status" -eq 0 ]
  [ "$(stat -c '%a %u:%g' "$R/suid")" = "4755 0:0" ]
  [ "$(stat -c '%a %u:%g' "$R/sgid")" = "2711 1000:50" ]
  # chown clears setuid: it must be applied after the owner
  [ "$(stat -c '%a %u:%g' "$R/owned")" = "4750 1000:1000" ]
  [ "$(stat -c %a "$R/tmp")" = 1777 ]
  [ "$(stat -c %Y "$R/old")" = 123456789 ]
  [ "$(stat -c '%u:%g %Y' "$R/link")" = "7:8 222222222" ]
}

@test "a directory's metadata may arrive after its contents; directory mtimes are set last" {
  mklayer l1.tar <<'EOF2'
file d/sub/f data=f
dir d/sub mode=0500 uid=3 gid=4 mtime=1000
file d/g data=g
dir d mode=0750 mtime=2000
EOF2
  apply l1.tar
  [ "$status" -eq 0 ]
  [ "$(stat -c '%a %u:%g %Y' "$R/d/sub")" = "500 3:4 1000" ]
  [ "$(stat -c '%a %Y' "$R/d")" = "750 2000" ]
  [ "$(cat "$R/d/sub/f")" = f ]
}

@test "xattrs, including security.capability, survive the owner change" {
  mklayer l1.tar <<'EOF2'
file ping data=x mode=0755 uid=1 gid=1 xattrhex.security.capability=0100000200200000000000000000000000000000
file u data=x xattr.user.note=hello xattr.trusted.t=v
dir d xattr.user.dir=yes
EOF2
  apply l1.tar
  [ "$status" -eq 0 ]
  [ "$(xattr "$R/ping" security.capability --hex)" = 0100000200200000000000000000000000000000 ]
  [ "$(stat -c '%u:%g' "$R/ping")" = 1:1 ]
  [ "$(xattr "$R/u" user.note)" = hello ]
  [ "$(xattr "$R/u" trusted.t)" = v ]
  [ "$(xattr "$R/d" user.dir)" = yes ]
}

@test "device nodes and fifos (root); skipped with a warning when rootless" {
  skip_unless_root
  mklayer l1.tar <<'EOF2'
dir dev
char dev/null major=1 minor=3 mode=0666
block dev/loop9 major=7 minor=9 mode=0660 gid=6
fifo dev/fifo mode=0600
dir ro mode=0500
EOF2
  apply l1.tar
  [ "$status" -eq 0 ]
  [ "$(stat -c '%F %t:%T %a' "$R/dev/null")" = "character special file 1:3 666" ]
  [ "$(stat -c '%F %t:%T %a %g' "$R/dev/loop9")" = "block special file 7:9 660 6" ]
  [ -p "$R/dev/fifo" ]
  rm -rf "$R"
  apply --rootless l1.tar
  [ "$status" -eq 0 ]
  [[ "$output" == *"skipping device node"*"null"* ]]
  [ ! -e "$R/dev/null" ] && [ -p "$R/dev/fifo" ]
  # rootless keeps directories user-writable so the tree can be removed later
  [ "$(stat -c %a "$R/ro")" = 700 ]
}

@test "--uid-map/--gid-map shift owners; an unmapped id is an error" {
  mklayer l1.tar <<'EOF2'
file f data=x uid=0 gid=0
file g data=x uid=1000 gid=100 mode=4755
EOF2
  apply --uid-map 0:100000:65536 --gid-map 0:200000:65536 l1.tar
  [ "$status" -eq 0 ]
  [ "$(stat -c '%u:%g' "$R/f")" = "100000:200000" ]
  [ "$(stat -c '%u:%g %a' "$R/g")" = "101000:200100 4755" ]
  rm -rf "$R"
  apply --uid-map 0:100000:10 l1.tar
  [ "$status" -ne 0 ]
  [[ "$output" == *"entry \`g\`"*"outside the id mappings"* ]]
}

@test "gzip and zstd layers; the uncompressed digest is checked against the diff_id" {
  mklayer l1.tar.gz <<<'file gz data=gzip'
  mklayer l2.tar.zst <<<'file zst data=zstd'
  mklayer l3.tar <<<'file plain data=plain'
  apply --diff-id "$(diff_id l1.tar.gz)" --media-type application/vnd.oci.image.layer.v1.tar+gzip l1.tar.gz \
    --diff-id "$(diff_id l2.tar.zst)" --media-type application/vnd.oci.image.layer.v1.tar+zstd l2.tar.zst \
    --diff-id "$(diff_id l3.tar)" --media-type application/vnd.docker.image.rootfs.diff.tar l3.tar
  [ "$status" -eq 0 ]
  [ "$(cat "$R/gz" "$R/zst" "$R/plain")" = gzipzstdplain ]
  apply --diff-id "$(diff_id l1.tar.gz)" l2.tar.zst
  [ "$status" -ne 0 ]
  [[ "$output" == *"diff_id mismatch: expected $(diff_id l1.tar.gz), got $(diff_id l2.tar.zst)"* ]]
}

@test "unknown media types are refused by name; a non-tar is an error" {
  mklayer l1.tar <<<'file f data=x'
  apply --media-type application/x-rar l1.tar
  [ "$status" -ne 0 ]
  [[ "$output" == *"application/x-rar"* ]]
  echo "not a tar archive at all, just some text that is long enough" >"$T/layers/junk.tar"
  apply junk.tar
  [ "$status" -ne 0 ]
  [[ "$output" == *"junk.tar"* ]]
}

@test "unprivileged for real: devices skipped, owners kept the caller's, the tree removable by the caller" {
  skip_unless_root
  command -v setpriv >/dev/null || skip "setpriv not installed"
  mklayer l1.tar <<'EOF2'
dir ro mode=0555
file ro/f data=x mode=0400 uid=0 gid=0
char null major=1 minor=3
file suid data=x mode=4755 uid=1000
dir locked mode=0000
file locked/inner data=x
EOF2
  mklayer l2.tar <<'EOF2'
file ro/g data=y
wh locked
EOF2
  chmod 0755 "$T" "$T/layers"
  mkdir "$T/user"
  chown 65534:65534 "$T/user"
  R="$T/user/rootfs"
  run setpriv --reuid 65534 --regid 65534 --clear-groups "$APPLY" --rootless "$R" "$T/layers/l1.tar" "$T/layers/l2.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"skipping device node"* ]]
  [ ! -e "$R/null" ]
  [ "$(stat -c '%u %a' "$R/ro/f")" = "65534 400" ]
  [ "$(stat -c '%u %a' "$R/suid")" = "65534 4755" ]
  [ "$(stat -c %a "$R/ro")" = 755 ]
  [ "$(cat "$R/ro/g")" = y ] && [ ! -e "$R/locked" ]
  run setpriv --reuid 65534 --regid 65534 --clear-groups rm -rf "$R"
  [ "$status" -eq 0 ]
  [ ! -e "$R" ]
}
