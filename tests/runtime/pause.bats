#!/usr/bin/env bats
# pause/resume (v1 freezer or v2 cgroup.freeze), "paused" in state and list, kill --all and delete -f on live and
# paused containers. Runs on the host's layout (v1/hybrid here) and in the v2 VM (tests/vm/cgroup.vmbats).
load helpers

setup() {
  runtime_setup
  CGP="/keel-pause-$$/$BATS_TEST_NUMBER"
  # A counter the host can read: it stops moving while the container is frozen.
  bundle_set "$B" '.root.readonly = false | .linux.cgroupsPath = $p | .process.args = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i >/cnt; sleep 0.02; done"]' \
    --arg p "$CGP"
}

teardown() {
  runtime_teardown
  rmdir /sys/fs/cgroup/keel-pause-$$ /sys/fs/cgroup/*/keel-pause-$$ 2>/dev/null || true
}

status_of() { "$RUNTIME" state "$1" | jq -r .status; }

# The counter moves: a later read differs from the first, within 5 s (each step forks a `sleep`, which a loaded
# TCG VM can take longer than a fixed 0.3 s to do: cgroup-freeze.vmbats 1 failed so once in CI).
counter_moves() {
  local a
  a=$(cat "$B/rootfs/cnt")
  for _ in $(seq 50); do
    sleep 0.1
    [ "$(cat "$B/rootfs/cnt")" = "$a" ] || return 0
  done
  return 1
}

# The counter stays put between two reads 0.3 s apart (while the container is frozen).
counter_stays() {
  local a b
  a=$(cat "$B/rootfs/cnt")
  sleep 0.3
  b=$(cat "$B/rootfs/cnt")
  [ "$a" = "$b" ]
}

wait_counter() {
  for _ in $(seq 100); do [ -s "$B/rootfs/cnt" ] && return 0; sleep 0.05; done
  return 1
}

@test "pause freezes every process; state and list say paused; resume thaws" {
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  wait_counter
  counter_moves
  run "$RUNTIME" pause "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(status_of "$ID")" = paused ]
  run "$RUNTIME" list
  [[ "$output" == *"$ID"*paused* ]]
  counter_stays
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    grep -qx "frozen 1" "/sys/fs/cgroup$CGP/cgroup.events"
  else
    [ "$(cat "/sys/fs/cgroup/freezer$CGP/freezer.state")" = FROZEN ]
  fi
  run "$RUNTIME" resume "$ID"
  [ "$status" -eq 0 ]
  [ "$(status_of "$ID")" = running ]
  counter_moves
}

@test "pause and resume refuse the wrong states" {
  "$RUNTIME" create -b "$B" "$ID" </dev/null
  run "$RUNTIME" pause "$ID"
  [ "$status" -eq 1 ]
  [ "$output" = "runtime: pause $ID: container is created, not running" ]
  "$RUNTIME" start "$ID"
  run "$RUNTIME" resume "$ID"
  [ "$status" -eq 1 ]
  [ "$output" = "runtime: resume $ID: container is running, not paused" ]
  "$RUNTIME" pause "$ID"
  run "$RUNTIME" pause "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"container is paused, not running" ]]
  run "$RUNTIME" delete "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"container is paused: stop it first or use --force" ]]
  run "$RUNTIME" pause "nonexistent-$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"does not exist"* ]]
}

@test "kill KILL of a paused container stops it" {
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  "$RUNTIME" pause "$ID"
  run "$RUNTIME" kill "$ID" KILL
  [ "$status" -eq 0 ]
  for _ in $(seq 100); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.05; done
  [ "$(status_of "$ID")" = stopped ]
}

@test "delete -f of a paused container leaves nothing behind" {
  bundle_set "$B" '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & exec sleep 1000"]'
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  "$RUNTIME" pause "$ID"
  run timeout 20 "$RUNTIME" delete -f "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_no_leftovers "$ID"
  for d in /sys/fs/cgroup$CGP /sys/fs/cgroup/*$CGP; do [ ! -e "$d" ]; done
}

@test "kill --all signals every process in the cgroup, not only the init" {
  # PID 1 ignores SIGTERM (no handler); its children die of it, then it exits from wait.
  bundle_set "$B" '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & wait; echo done"]'
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  sleep 0.3
  "$RUNTIME" kill "$ID" TERM
  sleep 0.3
  [ "$(status_of "$ID")" = running ]
  run "$RUNTIME" kill --all "$ID" TERM
  [ "$status" -eq 0 ]
  for _ in $(seq 100); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.05; done
  [ "$(status_of "$ID")" = stopped ]
}

@test "kill --all KILL of a paused container kills everything (cgroup.kill or freeze+signal+thaw)" {
  bundle_set "$B" '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & wait"]'
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  sleep 0.3
  "$RUNTIME" pause "$ID"
  run "$RUNTIME" kill --all "$ID" KILL
  [ "$status" -eq 0 ]
  for _ in $(seq 100); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.05; done
  [ "$(status_of "$ID")" = stopped ]
  local procs
  procs=$(cat /sys/fs/cgroup/pids$CGP/cgroup.procs /sys/fs/cgroup$CGP/cgroup.procs 2>/dev/null | wc -l)
  [ "$procs" -eq 0 ]
}
