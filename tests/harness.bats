#!/usr/bin/env bats
# The bats harness itself: the helpers load and the build tree is where make check says.

load lib/common

@test "harness: KEEL_BUILDDIR and KEEL_SRCDIR point at the trees" {
  [ -f "$KEEL_SRCDIR/configure.ac" ]
  [ -f "$KEEL_BUILDDIR/config.h" ]
}

@test "harness: common.bash points RUNTIME and IMAGETOOL into the build tree" {
  [[ "$RUNTIME" == "$KEEL_BUILDDIR/runtime/runtime" ]]
  [[ "$IMAGETOOL" == "$KEEL_BUILDDIR/imagetool/imagetool" ]]
}
