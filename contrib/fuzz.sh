#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan) in a copy of the tracked tree and run each for SECONDS
# on a copy of its seed corpus; fails when any target crashes, leaks, times out or cannot be built.
# Usage: contrib/fuzz.sh [SECONDS]   (default 30; the build tree is build-fuzz/, or $KEEL_FUZZ_BUILDDIR)
#   KEEL_FUZZ_PREBUILT=DIR  use the targets already built in DIR (`make fuzz` does), skip the build
#   KEEL_FUZZ_TARGETS="fuzz_x fuzz_y"  run only these; KEEL_FUZZ_JOBS=N  targets run side by side (default nproc)
set -uo pipefail
secs=${1:-30}
cd "$(dirname "$0")/.."
src=$PWD
targets=(${KEEL_FUZZ_TARGETS:-fuzz_manifest fuzz_digest fuzz_config fuzz_state fuzz_reference fuzz_auth
  fuzz_registries_conf fuzz_layer})
jobs=${KEEL_FUZZ_JOBS:-$(nproc)}

command -v clang >/dev/null || { echo "fuzz.sh: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

if [ -n "${KEEL_FUZZ_PREBUILT:-}" ]; then
  build=$KEEL_FUZZ_PREBUILT
else
  build=${KEEL_FUZZ_BUILDDIR:-$PWD/build-fuzz}
  # A copy of the tracked files: the source tree itself may be configured in place.
  rm -rf "$build" && mkdir -p "$build" || exit 1
  git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$build" || exit 1
  cd "$build" || exit 1
  ./autogen.sh >autogen.log 2>&1 || { tail -n 20 autogen.log; exit 1; }
  ./configure CC=clang --enable-fuzz >configure.log 2>&1 || { tail -n 20 configure.log; exit 1; }
  make -j"$(nproc)" fuzz-targets >make.log 2>&1 || { tail -n 40 make.log; exit 1; }
  src=$build
fi

# One target on a copy of its seed corpus; its log and crash reproducers stay under fuzz-run/TARGET/.
run_one() {
  local t=$1 work=$build/fuzz-run/$1 dict=()
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$src/tests/fuzz/corpus/$t/." "$work/corpus/"
  [ -f "$src/tests/fuzz/$t.dict" ] && dict=(-dict="$src/tests/fuzz/$t.dict")
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/tests/fuzz/$t" "${dict[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
  echo $? >"$work/rc"
}

# Targets run side by side (JOBS at a time) so that CI waits SECONDS per batch, not per target.
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

status=0
for t in "${targets[@]}"; do
  work=$build/fuzz-run/$t
  rc=$(cat "$work/rc")
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$work/log")
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1)
  crashes=$(find "$work/artifacts" -type f | wc -l)
  echo "$t: ${execs:-0} execs in ${secs}s ($(( ${execs:-0} / secs ))/s), ${cov:-cov: ?}, corpus $(find "$work/corpus" -type f | wc -l) inputs, exit $rc, $crashes crash artifacts"
  if [ "$rc" != 0 ] || [ "$crashes" != 0 ] || [ -z "$execs" ]; then
    status=1
    tail -n 40 "$work/log"
    find "$work/artifacts" -type f -exec echo "  reproducer: {}" \;
  fi
done
[ "$status" = 0 ] && echo "fuzz: all ${#targets[@]} targets ran ${secs}s without a crash" || echo "fuzz: FAILED"
exit "$status"
