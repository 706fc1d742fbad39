#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan) in a copy of the tracked tree and run each for SECONDS
# on a copy of its seed corpus; fails when any target crashes, leaks, times out or cannot be built.
# Usage: contrib/fuzz.sh [SECONDS]   (default 30; the build tree is build-fuzz/, or $KEEL_FUZZ_BUILDDIR)
set -uo pipefail
secs=${1:-30}
cd "$(dirname "$0")/.."
build=${KEEL_FUZZ_BUILDDIR:-$PWD/build-fuzz}
targets=(fuzz_manifest fuzz_digest fuzz_config)

command -v clang >/dev/null || { echo "fuzz.sh: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

# A copy of the tracked files: the source tree itself may be configured in place.
rm -rf "$build" && mkdir -p "$build" || exit 1
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$build" || exit 1
cd "$build" || exit 1
./autogen.sh >autogen.log 2>&1 || { tail -n 20 autogen.log; exit 1; }
./configure CC=clang --enable-fuzz >configure.log 2>&1 || { tail -n 20 configure.log; exit 1; }
make -j"$(nproc)" fuzz-targets >make.log 2>&1 || { tail -n 40 make.log; exit 1; }

# One target on a copy of its seed corpus; its log and crash reproducers stay under fuzz-run/TARGET/.
run_one() {
  local t=$1 work=$build/fuzz-run/$1 dict=()
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "tests/fuzz/corpus/$t/." "$work/corpus/"
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "./tests/fuzz/$t" "${dict[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
  echo $? >"$work/rc"
}

# The targets run side by side so that CI waits SECONDS once, not once per target.
for t in "${targets[@]}"; do run_one "$t" & done
wait

status=0
for t in "${targets[@]}"; do
  work=$build/fuzz-run/$t
  rc=$(cat "$work/rc")
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$work/log")
  crashes=$(find "$work/artifacts" -type f | wc -l)
  echo "$t: ${execs:-0} execs in ${secs}s, corpus $(find "$work/corpus" -type f | wc -l) inputs, exit $rc, $crashes crash artifacts"
  if [ "$rc" != 0 ] || [ "$crashes" != 0 ] || [ -z "$execs" ]; then
    status=1
    tail -n 40 "$work/log"
    find "$work/artifacts" -type f -exec echo "  reproducer: {}" \;
  fi
done
[ "$status" = 0 ] && echo "fuzz: all ${#targets[@]} targets ran ${secs}s without a crash" || echo "fuzz: FAILED"
exit "$status"
