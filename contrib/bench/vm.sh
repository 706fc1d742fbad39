#!/usr/bin/env bash
# runtime.sh inside the cgroup v2 test VM (tests/lib/vm): keel, crun and runc side by side on a pure v2 layout.
# Usage: vm.sh [BUILDDIR]   env: BENCH_VM_RUNS (30: TCG emulation makes every run ~10x slower), BENCH_VM_MEM (1024),
#   BENCH_VM_TIMEOUT (1500), and runtime.sh's knobs. Markdown on stdout. Needs root and what tests/lib/vm needs.
# The VM is software-emulated (TCG, 2 vCPUs): absolute figures are meaningless, only same-run ratios count, and
# TCG inflates CPU work more than waiting, so ratios there lean towards the runtime doing less CPU work.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$HERE/../.." && pwd)
BUILDDIR=$(cd "${1:-${KEEL_BUILDDIR:-.}}" && pwd)
VM=$SRCDIR/tests/lib/vm/run.sh

if ! why=$("$VM" --check); then
  echo "vm.sh: the test VM cannot run here: $why" >&2
  exit 1
fi
# The peers and tools runtime.sh uses; run.sh adds the shared libraries of every ELF among them.
files=("$BUILDDIR/runtime/runtime" "$HERE/runtime.sh")
for tool in crun runc hyperfine strace jq busybox readelf /usr/bin/time; do
  files+=("$(command -v "$tool")")
done
echo "#### v2 VM (tests/lib/vm: Debian cloud kernel under qemu TCG, 2 vCPUs, ${BENCH_VM_MEM:-1024} MiB; bundles on the guest's /dev/shm tmpfs)"
echo
"$VM" --mem "${BENCH_VM_MEM:-1024}" --timeout "${BENCH_VM_TIMEOUT:-1500}" \
  --env "BENCH_RUNS=${BENCH_VM_RUNS:-30}" --env "BENCH_CONCURRENT=${BENCH_CONCURRENT:-20}" \
  --env "RUNTIME=$BUILDDIR/runtime/runtime" ${BENCH_PEERS:+--env "BENCH_PEERS=$BENCH_PEERS"} \
  ${BENCH_ONLY_RUN:+--env "BENCH_ONLY_RUN=$BENCH_ONLY_RUN"} --files "${files[@]}" -- \
  bash "$HERE/runtime.sh" "$BUILDDIR"
