#!/usr/bin/env bash
# `make bench`: run the runtime and imagetool benchmarks against a build tree and append a dated section to RESULTS.md.
# Usage: run-all.sh [BUILDDIR] [RESULTS.md]   (needs root; about 20-40 minutes with the VM part; env knobs in runtime.sh,
# vm.sh and imagetool.sh, BENCH_VM=0 to skip the VM)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=$(cd "${1:-${KEEL_BUILDDIR:-.}}" && pwd)
RESULTS=${2:-$HERE/RESULTS.md}
OUT=$(mktemp /tmp/keel-bench-results.XXXXXX)
trap 'rm -f "$OUT"' EXIT

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — keel $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$HERE" diff --quiet HEAD -- . ../../runtime ../../imagetool ../../spec 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo
  echo "- machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem/ {print $2}') GiB RAM, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs on the machine inflate and scatter every figure; ratios from the same run are what count)"
  echo "- command: \`make bench\` = \`contrib/bench/run-all.sh $BUILDDIR\`"
  echo
} >"$OUT"
bash "$HERE/runtime.sh" "$BUILDDIR" >>"$OUT"
echo >>"$OUT"
# crun side by side needs a layout it accepts: the v2 VM (BENCH_VM=0 skips it; it adds 15-30 minutes).
if [ "${BENCH_VM:-1}" = 1 ]; then
  bash "$HERE/vm.sh" "$BUILDDIR" >>"$OUT" || echo "(the v2 VM part failed: see vm.sh's stderr)" >>"$OUT"
  echo >>"$OUT"
fi
bash "$HERE/imagetool.sh" "$BUILDDIR" >>"$OUT"
[ -f "$RESULTS" ] || printf '# keel benchmark results\n\nAppended by `make bench` (contrib/bench/run-all.sh); newest last. Targets: issue 9.\n' >"$RESULTS"
cat "$OUT" >>"$RESULTS"
cat "$OUT"
echo "run-all.sh: appended to $RESULTS" >&2
