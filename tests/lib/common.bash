# Shared bats helpers: where the built programs are, temp dirs, skip reasons.
: "${KEEL_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${KEEL_BUILDDIR:=$KEEL_SRCDIR}"
RUNTIME="$KEEL_BUILDDIR/runtime/runtime"
IMAGETOOL="$KEEL_BUILDDIR/imagetool/imagetool"

skip_unless_root() {
  if [ "${EUID:-$(id -u)}" != 0 ]; then
    skip "needs root"
  fi
}

# A fresh temp dir under /dev/shm (fast) removed by keel_teardown_tmp.
keel_mktemp() {
  mktemp -d "${TMPDIR:-/dev/shm}/keel-test.XXXXXX"
}
