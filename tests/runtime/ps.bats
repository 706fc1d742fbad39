#!/usr/bin/env bats
# `runtime ps`: json = the host pids of the container's cgroup (containerd's shim parses it), table = ps(1) lines of them.
load helpers

setup() {
  runtime_setup
  bundle_set "$B" '.process.args = ["sh", "-c", "sleep 1000 & sleep 1001 & wait"]'
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  PID=$("$RUNTIME" state "$ID" | jq -r .pid)
  # the two sleeps are forked right away; wait until both exist
  for _ in $(seq 100); do [ "$(pgrep -c -P "$PID")" -ge 2 ] && break; sleep 0.05; done
}

teardown() {
  runtime_teardown
}

@test "ps --format json prints the container's host pids as one JSON array" {
  run "$RUNTIME" ps --format json "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -c 'sort' <<<"$output")" = "$(jq -c 'sort' <<<"[$PID,$(pgrep -d, -P "$PID")]")" ]
  run "$RUNTIME" ps -f json "$ID"
  [ "$(jq length <<<"$output")" -eq 3 ]
}

@test "ps (table) shows ps -ef's header and only the container's processes" {
  sleep 1002 & # a host process that must not be listed
  local host=$!
  run "$RUNTIME" ps "$ID"
  kill $host
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == UID*PID*PPID*CMD ]]
  [ "${#lines[@]}" -eq 4 ]
  [[ "$output" == *"sleep 1000"* && "$output" == *"sleep 1001"* ]]
  [[ "$output" != *"sleep 1002"* ]]
}

@test "ps passes PS_ARGS to ps(1)" {
  run "$RUNTIME" ps "$ID" -- -o pid,comm
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[0]}" | xargs)" = "PID COMMAND" ]
  [ "${#lines[@]}" -eq 4 ]
  grep -q "^ *$PID sh$" <<<"$output"
}

@test "ps: bad format, args without a PID column, a missing or stopped container fail clearly" {
  run "$RUNTIME" ps --format yaml "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--format: \`yaml\` is neither table nor json"* ]]
  run "$RUNTIME" ps "$ID" -- -o comm
  [ "$status" -eq 1 ]
  [[ "$output" == *"no PID column"* ]]
  run "$RUNTIME" ps "nonexistent-$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"does not exist"* ]]
  "$RUNTIME" kill "$ID" KILL
  for _ in $(seq 100); do [[ "$("$RUNTIME" state "$ID")" == *stopped* ]] && break; sleep 0.05; done
  run "$RUNTIME" ps "$ID"
  [ "$status" -eq 1 ]
  [ "$output" = "runtime: ps $ID: container is stopped" ]
}
