#!/usr/bin/env bats
# `runtime update`: runc's flags and the JSON form change a live container's cgroup files; a failed update changes nothing.
# Runs on the host's layout (v1/hybrid here) and, through tests/vm/*.vmbats, on pure cgroup v2.
load helpers

setup() {
  runtime_setup
  CGP="/keel-upd-$$/$BATS_TEST_NUMBER"
  bundle_set "$B" '.linux.cgroupsPath = $p | .process.args = ["sleep", "inf"]' --arg p "$CGP"
}

teardown() {
  runtime_teardown
  rmdir /sys/fs/cgroup/keel-upd-$$ /sys/fs/cgroup/*/keel-upd-$$ 2>/dev/null || true
}

is_v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

# cgfile CONTROLLER FILE: FILE in the container's cgroup for CONTROLLER's hierarchy.
cgfile() {
  if is_v2; then echo "/sys/fs/cgroup$CGP/$2"; else echo "/sys/fs/cgroup/$1$CGP/$2"; fi
}

memfile() { if is_v2; then cgfile memory memory.max; else cgfile memory memory.limit_in_bytes; fi; }

start_container() {
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null >/dev/null 2>&1
}

@test "update --help lists runc's flags" {
  run "$RUNTIME" update --help
  [ "$status" -eq 0 ]
  for f in --resources --memory --memory-reservation --memory-swap --kernel-memory --kernel-memory-tcp --cpu-share \
    --cpu-quota --cpu-period --cpu-rt-runtime --cpu-rt-period --cpuset-cpus --cpuset-mems --pids-limit \
    --blkio-weight --l3-cache-schema --mem-bw-schema; do
    [[ "$output" == *"$f"* ]] || { echo "missing $f"; false; }
  done
}

@test "update: --memory, --pids-limit and --cpu-quota rewrite the live cgroup" {
  bundle_set "$B" '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 20}}'
  start_container
  [ "$(cat "$(memfile)")" = 67108864 ]
  run "$RUNTIME" update --memory 100M --pids-limit 50 --cpu-quota 20000 --cpu-period 100000 "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$(memfile)")" = 104857600 ]
  [ "$(cat "$(cgfile pids pids.max)")" = 50 ]
  if is_v2; then
    [ "$(cat "$(cgfile cpu cpu.max)")" = "20000 100000" ]
  else
    [ "$(cat "$(cgfile cpu cpu.cfs_quota_us)")" = 20000 ]
  fi
}

@test "update -r - reads a linux.resources object from stdin (the containerd/podman form)" {
  start_container
  run "$RUNTIME" update -r - "$ID" <<<'{"memory": {"limit": 50331648}, "pids": {"limit": 7}, "cpu": {"shares": 512}}'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$(memfile)")" = 50331648 ]
  [ "$(cat "$(cgfile pids pids.max)")" = 7 ]
  if is_v2; then
    [ "$(cat "$(cgfile cpu cpu.weight)")" = 20 ]
  else
    [ "$(cat "$(cgfile cpu cpu.shares)")" = 512 ]
  fi
  # With -r, flags are ignored (runc).
  echo '{"pids": {"limit": 9}}' >"$TMP/r.json"
  run "$RUNTIME" update -r "$TMP/r.json" --pids-limit 3 "$ID"
  [ "$status" -eq 0 ]
  [ "$(cat "$(cgfile pids pids.max)")" = 9 ]
}

@test "update: the new pids limit is enforced inside the container" {
  start_container
  "$RUNTIME" update --pids-limit 4 "$ID"
  # exec's own process counts: at the limit, forks fail.
  run "$RUNTIME" exec "$ID" sh -c 'for i in 1 2 3 4 5 6; do sleep 5 & done 2>&1; echo done'
  echo "$output"
  [[ "$output" == *"fork"* || "$output" == *"Resource temporarily unavailable"* || "$output" == *"can't"* ]]
}

@test "update: updates are persisted and merged in the state dir" {
  bundle_set "$B" '.linux.resources = {memory: {limit: 67108864}}'
  start_container
  "$RUNTIME" update --pids-limit 11 "$ID"
  "$RUNTIME" update --memory 80m "$ID"
  run jq -c '{m: .memory.limit, p: .pids.limit}' "$KEEL_STATE_ROOT/$ID/resources.json"
  [ "$output" = '{"m":83886080,"p":11}' ]
}

@test "update: a write failing midway restores the files already written (rollback)" {
  is_v2 && skip "v1/hybrid rollback (v2 runs the same code)"
  bundle_set "$B" '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 20}}'
  start_container
  # memory and pids are written before cpuset; CPU 999 does not exist.
  run "$RUNTIME" update -r - "$ID" <<<'{"memory": {"limit": 104857600}, "pids": {"limit": 30}, "cpu": {"cpus": "999"}}'
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: update $ID: "*cpuset.cpus* ]]
  [ "$(cat "$(memfile)")" = 67108864 ]
  [ "$(cat "$(cgfile pids pids.max)")" = 20 ]
  # Nothing persisted either.
  [ ! -e "$KEEL_STATE_ROOT/$ID/resources.json" ]
}

@test "update: bad input fails clearly and changes nothing" {
  start_container
  run "$RUNTIME" update --memory lots "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid value \`lots\` for memory.limit"* ]]
  run "$RUNTIME" update -r - "$ID" <<<'{"pids": {"limit": "x"}}'
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"resources: .pids.limit"* ]]
  run "$RUNTIME" update --l3-cache-schema L3:0=f "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Intel RDT"* ]]
  run "$RUNTIME" update --pids-limit 3 "nonexistent-$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"does not exist"* ]]
}

@test "update: a stopped container is refused" {
  bundle_set "$B" '.process.args = ["true"]'
  start_container
  for _ in $(seq 50); do [[ "$("$RUNTIME" state "$ID")" == *stopped* ]] && break; sleep 0.1; done
  run "$RUNTIME" update --pids-limit 3 "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"stopped"* ]]
}

@test "update: a devices rule takes effect in the running container (v1 devices.deny, v2 eBPF program rebuilt)" {
  start_container
  "$RUNTIME" exec "$ID" sh -c 'head -c 1 /dev/urandom >/dev/null'
  run "$RUNTIME" update -r - "$ID" <<<'{"devices": [{"allow": false, "type": "c", "major": 1, "minor": 9, "access": "rwm"}]}'
  echo "$output"
  [ "$status" -eq 0 ]
  run "$RUNTIME" exec "$ID" sh -c 'head -c 1 /dev/urandom >/dev/null || echo denied; echo x >/dev/null && echo null-ok'
  echo "$output"
  [[ "$output" == *denied* ]]
  [[ "$output" == *null-ok* ]]
}
