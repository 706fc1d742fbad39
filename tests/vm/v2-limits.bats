#!/usr/bin/env bats
# Pure cgroup v2 only (run by tests/vm/cgroup.vmbats inside the VM, with the loop module): blockIO and hugetlb
# limits through `runtime` create and update, read back from io.weight/io.max/hugetlb.*.max, and io.max's effect.
load ../runtime/helpers

setup() {
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || skip "needs pure cgroup v2 (the test VM)"
  runtime_setup
  CGP="/keel-v2lim-$$/$BATS_TEST_NUMBER"
  bundle_set "$B" '.linux.cgroupsPath = $p | .process.args = ["sleep", "inf"]' --arg p "$CGP"
}

teardown() {
  runtime_teardown
  rmdir /sys/fs/cgroup/keel-v2lim-$$ 2>/dev/null || true
}

# A 16 MiB loop device (7:0) backed by a file in /tmp.
loop_dev() {
  [ -b /dev/loop0 ] || skip "no /dev/loop0 (the loop module is not loaded)"
  losetup /dev/loop0 >/dev/null 2>&1 && return 0
  dd if=/dev/zero of=/tmp/keel-loop.img bs=1M count=16 status=none
  losetup /dev/loop0 /tmp/keel-loop.img
}

@test "v2: blockIO weight and throttles land in io.weight and io.max; update changes them" {
  loop_dev
  [ -e /sys/fs/cgroup/cgroup.subtree_control ] && grep -qw io /sys/fs/cgroup/cgroup.subtree_control || skip "no io controller"
  bundle_set "$B" '.linux.resources.blockIO = {weight: 500, throttleReadBpsDevice: [{major: 7, minor: 0, rate: 1048576}]}'
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  grep -q "^7:0 rbps=1048576 " "/sys/fs/cgroup$CGP/io.max"
  if [ -e "/sys/fs/cgroup$CGP/io.bfq.weight" ]; then
    grep -q "^default 500$" "/sys/fs/cgroup$CGP/io.bfq.weight"
  else
    # runc's conversion: 1 + (500 - 10) * 9999 / 990
    grep -q "^default 4950$" "/sys/fs/cgroup$CGP/io.weight"
  fi
  run "$RUNTIME" update -r - "$ID" <<<'{"blockIO": {"throttleWriteIOPSDevice": [{"major": 7, "minor": 0, "rate": 100}]}}'
  echo "$output"
  [ "$status" -eq 0 ]
  cat "/sys/fs/cgroup$CGP/io.max"
  grep -q "^7:0 rbps=1048576 .*wiops=100" "/sys/fs/cgroup$CGP/io.max"
}

@test "v2: io.max read throttle slows a direct read of the device inside the container" {
  loop_dev
  grep -qw io /sys/fs/cgroup/cgroup.subtree_control || skip "no io controller"
  bundle_set "$B" '.linux.devices = [{path: "/dev/loop0", type: "b", major: 7, minor: 0}]
    | .linux.resources.devices += [{allow: true, type: "b", major: 7, minor: 0, access: "rwm"}]
    | .linux.resources.blockIO = {throttleReadBpsDevice: [{major: 7, minor: 0, rate: 1048576}]}
    | .process.args = ["dd", "if=/dev/loop0", "of=/dev/null", "bs=1M", "count=3", "iflag=direct"]'
  local t0 t1
  t0=$(date +%s%N)
  run timeout 60 "$RUNTIME" run -b "$B" "$ID"
  t1=$(date +%s%N)
  echo "status $status: $output ($(((t1 - t0) / 1000000)) ms)"
  [ "$status" -eq 0 ]
  # 3 MiB at 1 MiB/s: at least 2 s even with the first second's allowance
  [ $(((t1 - t0) / 1000000)) -ge 1900 ]
}

@test "v2: hugepageLimits land in hugetlb.<size>.max; update changes them" {
  [ -e /sys/fs/cgroup/cgroup.subtree_control ] && grep -qw hugetlb /sys/fs/cgroup/cgroup.subtree_control || skip "no hugetlb controller"
  bundle_set "$B" '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  [ "$(cat "/sys/fs/cgroup$CGP/hugetlb.2MB.max")" = 4194304 ]
  run "$RUNTIME" update -r - "$ID" <<<'{"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}]}'
  [ "$status" -eq 0 ]
  [ "$(cat "/sys/fs/cgroup$CGP/hugetlb.2MB.max")" = 2097152 ]
  run "$RUNTIME" events --stats "$ID"
  [ "$(jq -c '.data.hugetlb["2MB"] | keys' <<<"$output")" = '["failcnt"]' ]
}

@test "v2: a devices update replaces the eBPF program with the container's rules plus the new ones" {
  loop_dev
  bundle_set "$B" '.linux.devices = [{path: "/dev/loop0", type: "b", major: 7, minor: 0}]'
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null
  # linux.devices are allowed by default: the device opens, /dev/null too
  "$RUNTIME" exec "$ID" sh -c 'head -c 1 /dev/loop0 >/dev/null && echo x >/dev/null'
  run "$RUNTIME" update -r - "$ID" <<<'{"devices": [{"allow": false, "type": "b", "major": 7, "minor": 0, "access": "rwm"}]}'
  [ "$status" -eq 0 ]
  run "$RUNTIME" exec "$ID" sh -c 'head -c 1 /dev/loop0 >/dev/null || echo denied; echo x >/dev/null && echo null-ok'
  echo "$output"
  [[ "$output" == *denied* ]]
  [[ "$output" == *null-ok* ]]
}
