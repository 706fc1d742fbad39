# Shared setup for the runtime suites: a fresh bundle and a unique container id per test, forced cleanup after.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bundle.bash"

runtime_setup() {
  skip_unless_root
  TMP=$(keel_mktemp)
  ID="keel-$(basename "$BATS_TEST_FILENAME" .bats)-$BATS_TEST_NUMBER-$$"
  make_bundle "$TMP/bundle"
  B=$KEEL_BUNDLE
}

runtime_teardown() {
  [ -n "${ID:-}" ] && keel_cleanup_container "$ID"
  [ -n "${TMP:-}" ] && rm -rf "$TMP"
  return 0
}

# run_payload ARGS...: set the bundle's args and `runtime run` it; output in $output, status in $status.
run_payload() {
  bundle_set "$B" '.process.args = ["payload"] + $ARGS.positional' --args "$@"
  run "$RUNTIME" run -b "$B" "$ID"
}

# expect_create_failure MESSAGE: create must fail with an error naming MESSAGE and leave nothing behind.
expect_create_failure() {
  run "$RUNTIME" create -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: create $ID: "*"$1"* ]]
  assert_no_leftovers "$ID" "$B"
}


# proc_dead PID: the process has exited (gone, or a zombie its new parent has not reaped yet: after `run -d`
# or `create` the init's parent is the machine's PID 1, which may reap late).
proc_dead() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
