#!/usr/bin/env bats
# A light `make distcheck`: every file git tracks is in the tarball `make dist` would build, so a test data
# file or script added without EXTRA_DIST fails here rather than in a release's `make check`.
load ../lib/common

@test "dist: every tracked file is distributed" {
  # the source tree must be the top of a git checkout (an unpacked tarball may sit inside another repository)
  [ "$(git -C "$KEEL_SRCDIR" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$KEEL_SRCDIR" && pwd -P)" ] ||
    skip "not a git checkout (an unpacked tarball)"
  [ -f "$KEEL_BUILDDIR/Makefile" ] || skip "no configured build directory"
  local dd
  dd=$(keel_mktemp)
  make -s -C "$KEEL_BUILDDIR" distdir distdir="$dd/keel" >/dev/null
  missing=$(comm -23 <(git -C "$KEEL_SRCDIR" ls-files | sort) <(cd "$dd/keel" && find . -type f | sed 's|^\./||' | sort) |
    grep -vxE '\.gitignore|m4/\.keep' || true)
  rm -rf "$dd"
  if [ -n "$missing" ]; then
    echo "tracked but not in the dist (add them to EXTRA_DIST in their local.mk):"
    echo "$missing"
    return 1
  fi
}
