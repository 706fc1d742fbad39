#!/usr/bin/env bats
# linux.resources enforced by `runtime create`: values read back from the container's cgroup files, effects seen inside.
# Runs on the host's layout (v1/hybrid here) and, through tests/vm/runtime.vmbats, on pure cgroup v2.
load helpers

setup() {
  runtime_setup
  CGP="/keel-res-$$/$BATS_TEST_NUMBER"
  bundle_set "$B" '.linux.cgroupsPath = $p' --arg p "$CGP"
}

teardown() {
  runtime_teardown
  rmdir /sys/fs/cgroup/keel-res-$$ /sys/fs/cgroup/*/keel-res-$$ 2>/dev/null || true
}

# True on a pure cgroup v2 host (the VM).
is_v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

# cgfile CONTROLLER FILE: the path of FILE in the container's cgroup for CONTROLLER's hierarchy.
cgfile() {
  if is_v2; then echo "/sys/fs/cgroup$CGP/$2"; else echo "/sys/fs/cgroup/$1$CGP/$2"; fi
}

@test "resources: memory limit is written to the container's cgroup" {
  bundle_set "$B" '.linux.resources.memory = {limit: 67108864} | .process.args = ["sleep", "inf"]'
  "$RUNTIME" create -b "$B" "$ID" </dev/null >/dev/null 2>&1
  if is_v2; then
    [ "$(cat "$(cgfile memory memory.max)")" = 67108864 ]
  else
    [ "$(cat "$(cgfile memory memory.limit_in_bytes)")" = 67108864 ]
  fi
}

@test "resources: a memory hog is OOM-killed at the limit" {
  # tail on /dev/zero buffers its endless single line; swap counted in the limit so it cannot swap out.
  bundle_set "$B" '.linux.resources.memory = {limit: 33554432, swap: 33554432} | .process.args = ["tail", "/dev/zero"]'
  run timeout 60 "$RUNTIME" run -b "$B" "$ID"
  echo "status $status: $output"
  [ "$status" -eq 137 ]
}

@test "resources: pids.max stops a fork bomb" {
  # busybox sh gives up at the first failed fork, so the bomb runs in a child shell; the outer one
  # then counts the processes with builtins only (no fork left) and kills the rest.
  bundle_set "$B" '.linux.resources.pids = {limit: 8} | .process.args = ["sh", "-c", $s]' \
    --arg s 'sh -c "for i in \$(seq 30); do sleep 10 & done" 2>/dev/null; set -- /proc/[0-9]*; echo $#; kill -9 -1; true'
  run timeout 60 "$RUNTIME" run -b "$B" "$ID"
  echo "status $status: $output"
  [ "$status" -eq 0 ]
  [ "$output" -le 8 ]
  [ "$output" -ge 3 ]
  bundle_set "$B" '.process.args = ["sleep", "inf"]'
  "$RUNTIME" create -b "$B" "$ID-2" </dev/null >/dev/null 2>&1
  [ "$(cat "$(cgfile pids pids.max)")" = 8 ]
  "$RUNTIME" delete -f "$ID-2"
}

@test "resources: cpu shares, quota and period are written (v2: weight and cpu.max)" {
  bundle_set "$B" '.linux.resources.cpu = {shares: 512, quota: 50000, period: 100000} | .process.args = ["sleep", "inf"]'
  "$RUNTIME" create -b "$B" "$ID" </dev/null >/dev/null 2>&1
  if is_v2; then
    [ "$(cat "$(cgfile cpu cpu.max)")" = "50000 100000" ]
    # runc's conversion: 1 + ((shares - 2) * 9999) / 262142
    [ "$(cat "$(cgfile cpu cpu.weight)")" = 20 ]
  else
    [ "$(cat "$(cgfile cpu cpu.shares)")" = 512 ]
    [ "$(cat "$(cgfile cpu cpu.cfs_quota_us)")" = 50000 ]
    [ "$(cat "$(cgfile cpu cpu.cfs_period_us)")" = 100000 ]
  fi
}

@test "resources: a value the kernel rejects fails create naming file and value, leaving nothing" {
  # cpu.cfs_period_us (v2: cpu.max) must be at least 1000us: the kernel refuses 10.
  bundle_set "$B" '.linux.resources.cpu = {quota: 5000, period: 10}'
  run "$RUNTIME" create -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  if is_v2; then
    [[ "$output" == *'"5000 10"'*"cpu.max"* ]]
  else
    [[ "$output" == *'write "10" to '*"cpu.cfs_period_us: Invalid argument"* ]]
  fi
  assert_no_leftovers "$ID" "$B"
  [ ! -e "$(cgfile cpu "")" ]
}

@test "resources: the default devices stay usable and a device not given cannot be opened" {
  bundle_set "$B" '.process.args = ["sh", "-c", "echo x >/dev/null && head -c 4 /dev/zero | wc -c; mknod /tmp/mem c 1 1 && echo mknod-ok; payload open /tmp/mem r && echo open-ok; true"]'
  run timeout 60 "$RUNTIME" run -b "$B" "$ID"
  echo "status $status: $output"
  [ "$status" -eq 0 ]
  grep -qx 4 <<<"$output"
  ! grep -q open-ok <<<"$output" || false
}

@test "resources: on pure cgroup v2 the init is cloned straight into its cgroup (CLONE_INTO_CGROUP)" {
  is_v2 || skip "host is not pure cgroup v2 (run through tests/vm/runtime.vmbats)"
  bundle_set "$B" '.process.args = ["payload", "cgroup"]'
  run "$RUNTIME" --debug --log "$TMP/log" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  grep -q "cloned into cgroup /sys/fs/cgroup$CGP (CLONE_INTO_CGROUP)" "$TMP/log"
  grep -q "$CGP" <<<"$output"
}

@test "resources: with a cgroup namespace the cgroup mount shows only the container's subtree, read-only unless configured" {
  local mem=/sys/fs/cgroup/memory/memory.limit_in_bytes sub=/sys/fs/cgroup/memory/sub
  is_v2 && mem=/sys/fs/cgroup/memory.max sub=/sys/fs/cgroup/sub
  bundle_set "$B" '.linux.namespaces += [{type: "cgroup"}] | .linux.resources.memory = {limit: 67108864}
    | .process.args = ["sh", "-c", "grep -vc \":/$\" /proc/self/cgroup; cat " + $mem + "; mkdir " + $sub + " && echo mkdir-ok; true"]' \
    --arg mem "$mem" --arg sub "$sub"
  run timeout 60 "$RUNTIME" run -b "$B" "$ID"
  echo "status $status: $output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ] # every /proc/self/cgroup line is the namespace root "/"
  [ "${lines[1]}" = 67108864 ] # the root of the mount is the container's cgroup
  [[ "$output" == *"Read-only file system"* ]]
  ! grep -q mkdir-ok <<<"$output" || false
  "$RUNTIME" delete -f "$ID"
  bundle_set "$B" '.mounts |= map(if .type == "cgroup" then .options -= ["ro"] else . end)
    | .process.args = ["sh", "-c", "mkdir " + $sub + " && echo mkdir-ok && rmdir " + $sub]' --arg sub "$sub"
  run timeout 60 "$RUNTIME" run -b "$B" "$ID"
  echo "status $status: $output"
  [ "$output" = mkdir-ok ]
}
