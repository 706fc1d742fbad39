#!/usr/bin/env bats
# Crash consistency of the runtime: `runtime create` killed with SIGKILL after 0, 2, 4, ... 60 ms (1 ms steps to 300 with KEEL_LONG=1; a create takes 50-200 ms here) (so at every
# stage from config loading through cgroup creation, the init's setup and the state write; the runtime
# logs only one debug line, so stages cannot be targeted one by one) → `runtime delete -f` cleans up, a
# new create of the same id succeeds, and nothing of the container is left (state, cgroups, mounts, processes).

load ../runtime/helpers

setup() {
  runtime_setup
  STATE="$TMP/state"
  mkdir -p "$STATE"
  bundle_set "$B" '.process.args = ["sleep", "100"]'
}

teardown() {
  local id
  for id in $(ls "$STATE" 2>/dev/null); do "$RUNTIME" --root "$STATE" delete -f "$id" >/dev/null 2>&1; done
  runtime_teardown
}

leftovers() {
  ls -A "$STATE"
  find /sys/fs/cgroup/"$KEEL_CGROUP_PARENT" /sys/fs/cgroup/*/"$KEEL_CGROUP_PARENT" -name "$ID" 2>/dev/null
  grep -F "$TMP" /proc/self/mountinfo
  pgrep -af -- "$TMP"
  return 0
}

@test "crash: create killed at successive points; delete -f and a new create of the id succeed, nothing left" {
  local ms pid step=2 last=60 left points=0 hit=0
  [ -z "${KEEL_LONG:-}" ] || { step=1; last=300; }
  for ms in $(seq 0 "$step" "$last"); do
    points=$((points + 1))
    "$RUNTIME" --root "$STATE" create -b "$B" "$ID" </dev/null >/dev/null 2>&1 &
    pid=$!
    sleep "0.$(printf %03d "$ms")"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" || hit=$((hit + 1))
    "$RUNTIME" --root "$STATE" delete -f "$ID" >/dev/null 2>&1 || true
    left=$(leftovers)
    [ -z "$left" ] || { echo "killed after $ms ms, then delete -f: left $left"; false; }
    "$RUNTIME" --root "$STATE" create -b "$B" "$ID" </dev/null >/dev/null 2>"$TMP/err" || { echo "after $ms ms: $(cat "$TMP/err")"; false; }
    "$RUNTIME" --root "$STATE" delete -f "$ID"
    left=$(leftovers)
    [ -z "$left" ] || { echo "after $ms ms, create+delete: left $left"; false; }
  done
  echo "create killed at $points points ($hit before it exited): always recovered, nothing left" >&3
  [ "$hit" -gt 0 ]
}
