#!/usr/bin/env bats
# A light `make distcheck`: every file git tracks is in the tarball `make dist` would build (a test data
# file or script added without EXTRA_DIST fails here rather than in a release's `make check`).
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

@test "dist: make install DESTDIR= puts the programs, every man page and the completions in place; uninstall removes them" {
  [ -f "$KEEL_BUILDDIR/Makefile" ] || skip "no configured build directory"
  local d p prefix
  d=$(keel_mktemp)
  make -s -C "$KEEL_BUILDDIR" install DESTDIR="$d" >/dev/null
  prefix=$(sed -n 's/^prefix = //p' "$KEEL_BUILDDIR/Makefile")
  [ -x "$d$prefix/bin/runtime" ] && [ -x "$d$prefix/bin/imagetool" ]
  for p in "$KEEL_SRCDIR"/runtime/runtime.8 "$KEEL_SRCDIR"/runtime/man/*.8; do
    [ -f "$d$prefix/share/man/man8/$(basename "$p")" ] || { echo "not installed: $p (add it to dist_man_MANS)"; return 1; }
  done
  for p in "$KEEL_SRCDIR"/imagetool/imagetool.1 "$KEEL_SRCDIR"/imagetool/man/*.1; do
    [ -f "$d$prefix/share/man/man1/$(basename "$p")" ] || { echo "not installed: $p (add it to dist_man_MANS)"; return 1; }
  done
  for p in bash-completion/completions/runtime bash-completion/completions/imagetool zsh/vendor-completions/_runtime \
    zsh/vendor-completions/_imagetool; do
    [ -f "$d$prefix/share/$p" ] || { echo "not installed: $p"; return 1; }
  done
  make -s -C "$KEEL_BUILDDIR" uninstall DESTDIR="$d" >/dev/null
  run find "$d" -type f
  rm -rf "$d"
  [ -z "$output" ]
}
