#!/usr/bin/env bats
# Malicious layers: every escape must fail or stay inside the rootfs; $T/outside/canary never changes.

load layer_helpers

setup() { layer_setup; }
teardown() { layer_teardown; }

# contained: the layer applies, the write lands inside the rootfs
@test "'..' components are clamped at the rootfs" {
  mklayer l1.tar <<'EOF2'
file ../outside/canary data=pwned
file a/../../../outside/dir/new data=pwned
dir ../../.. mode=0777
EOF2
  apply l1.tar
  [ "$status" -eq 0 ]
  [ "$(cat "$R/outside/canary")" = pwned ]
  [ "$(cat "$R/outside/dir/new")" = pwned ]
  assert_canary
}

@test "absolute names are relative to the rootfs" {
  mklayer l1.tar <<EOF2
file $T/outside/canary data=pwned
hardlink /abs-link target=$T/outside/canary
EOF2
  apply l1.tar
  [ "$status" -eq 0 ]
  [ "$(cat "$R$T/outside/canary")" = pwned ]
  assert_canary
}

@test "a symlink from an earlier layer pointing outside is resolved inside the rootfs" {
  mklayer l1.tar <<EOF2
symlink abs target=$T/outside
symlink rel target=../../../../../../../..$T/outside
symlink up target=..
EOF2
  mklayer l2.tar <<'EOF2'
file abs/canary data=pwned
file rel/dir/new data=pwned
file up/outside/canary data=pwned
dir abs/dir mode=0777
wh abs/canary
EOF2
  apply l1.tar l2.tar
  assert_canary
}

@test "a symlink earlier in the same layer pointing outside is resolved inside the rootfs" {
  mklayer l1.tar <<EOF2
symlink esc target=$T/outside
file esc/canary data=pwned
symlink esc2 target=../../../../../../..
file esc2$T/outside/canary data=pwned
EOF2
  apply l1.tar
  assert_canary
}

@test "a symlink as the final component is replaced, never followed (write, chmod, chown, xattr)" {
  mklayer l1.tar <<EOF2
symlink f target=$T/outside/canary
symlink d target=$T/outside/dir
symlink x target=$T/outside/canary
EOF2
  mklayer l2.tar <<'EOF2'
file f data=pwned mode=0777 uid=1234
dir d mode=0777 mtime=5
file x data=pwned xattr.user.evil=1
EOF2
  apply l1.tar l2.tar
  [ "$status" -eq 0 ]
  [ ! -L "$R/f" ] && [ "$(cat "$R/f")" = pwned ]
  [ -d "$R/d" ] && [ ! -L "$R/d" ]
  assert_canary
}

@test "hard links to targets outside the rootfs fail" {
  for target in "../outside/canary" "$T/outside/canary" "../../../../../../..$T/outside/canary"; do
    rm -rf "$R"
    mklayer l1.tar <<<"hardlink h target=$target"
    apply l1.tar
    [ "$status" -ne 0 ]
    [[ "$output" == *"hard link target"* ]]
    assert_canary
  done
}

@test "hard links through a symlinked directory stay inside the rootfs" {
  mklayer l1.tar <<EOF2
symlink esc target=$T/outside
EOF2
  mklayer l2.tar <<'EOF2'
hardlink h target=esc/canary
EOF2
  apply l1.tar l2.tar
  [ "$status" -ne 0 ]
  [[ "$output" == *"hard link target"* ]]
  assert_canary
}

@test "a hard link to a symlink pointing outside links the symlink, then writing it replaces it" {
  mklayer l1.tar <<EOF2
symlink s target=$T/outside/canary
hardlink h target=s
EOF2
  mklayer l2.tar <<'EOF2'
file h data=pwned mode=0777
EOF2
  apply l1.tar l2.tar
  [ "$status" -eq 0 ]
  [ -L "$R/s" ] && [ "$(cat "$R/h")" = pwned ]
  assert_canary
}

@test "whiteouts of '..', '.' and through symlinks cannot delete outside" {
  mklayer l1.tar <<EOF2
symlink esc target=$T/outside
dir a
EOF2
  for name in "a/.wh..." "a/.wh.." ".wh..."; do
    python3 - "$T/layers/wh.tar" "$name" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as tf:
    tf.addfile(tarfile.TarInfo(sys.argv[2]))
PY
    rm -rf "$R"
    apply l1.tar wh.tar
    [ "$status" -ne 0 ]
    [[ "$output" == *"invalid whiteout"* ]]
    assert_canary
  done
  mklayer l2.tar <<'EOF2'
wh esc/canary
opq esc
wh ../outside/canary
opq ../outside
EOF2
  rm -rf "$R"
  apply l1.tar l2.tar
  [ "$status" -eq 0 ]
  assert_canary
}

@test "an entry larger than --max-size or --max-entry-size fails before it is written" {
  mklayer big.tar <<<'file big size=2000000'
  apply --max-size 1000000 big.tar
  [ "$status" -ne 0 ]
  [[ "$output" == *"exceeds the limit"* ]]
  apply --max-entry-size 1000000 big.tar
  [ "$status" -ne 0 ]
  [[ "$output" == *"entry \`big\`"*"exceeds the limit of 1000000 bytes"* ]]
  [ ! -e "$R/big" ]
  assert_canary
}

@test "a decompression bomb is cut off at --max-size, across layers" {
  python3 - "$T/layers/bomb.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tf:
    for i in range(64):
        ti = tarfile.TarInfo("f%d" % i); ti.size = 1 << 20
        tf.addfile(ti, io.BytesIO(b"\0" * ti.size))
PY
  gzip -9 "$T/layers/bomb.tar"
  [ "$(stat -c %s "$T/layers/bomb.tar.gz")" -lt 200000 ]
  apply --max-size 10000000 bomb.tar.gz
  [ "$status" -ne 0 ]
  [[ "$output" == *"decompressed size exceeds the limit of 10000000 bytes"* ]]
  [ "$(du -sm "$R" | cut -f1)" -le 11 ]
  # the bound is for all layers together
  mklayer small.tar <<<'file s size=400000'
  rm -rf "$R"
  apply --max-size 1000000 small.tar small.tar small.tar
  [ "$status" -ne 0 ]
  [[ "$output" == *"exceeds the limit"* ]]
}

@test "a file cannot be written through a parent that is a file" {
  mklayer l1.tar <<'EOF2'
file f data=x
file f/g data=y
EOF2
  apply l1.tar
  [ "$status" -ne 0 ]
  [[ "$output" == *"entry \`f/g\`"* ]]
  assert_canary
}
