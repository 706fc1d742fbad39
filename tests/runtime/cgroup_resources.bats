#!/usr/bin/env bats
# linux.resources enforced on this host's real cgroups (v1/hybrid) through tests/runtime/cgroup-apply, and on cgroup v2 in the test VM.

load ../lib/common

setup() {
  skip_unless_root
  TMP=$(keel_mktemp)
  APPLY="$KEEL_BUILDDIR/tests/runtime/cgroup-apply"
  NAME="keel-test-$$-$BATS_TEST_NUMBER"
  DIRS=()
}

teardown() {
  local d
  for d in "${DIRS[@]}"; do
    # only the cgroups this test made; processes in them have exited (cgroup-apply waits)
    [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
  done
  [ -z "${TMP:-}" ] || rm -rf "$TMP"
}

# config.json with linux.resources = $1.
config() {
  jq -n --argjson r "$1" '{ociVersion: "1.2.0", root: {path: "rootfs"}, process: {args: ["sh"], cwd: "/"},
    linux: {resources: $r}}' >"$TMP/config.json"
}

# Make our cgroup in each v1 hierarchy (or cgroup2 "unified") named in $@; skip when one is missing.
cgroups() {
  local c d
  for c in "$@"; do
    [ -d "/sys/fs/cgroup/$c" ] || skip "no /sys/fs/cgroup/$c hierarchy on this host"
    if [ "$c" != unified ] && [ -e "/sys/fs/cgroup/$c/cgroup.controllers" ]; then
      skip "/sys/fs/cgroup/$c is cgroup v2: these tests are for v1/hybrid"
    fi
    d="/sys/fs/cgroup/$c/$NAME"
    mkdir "$d"
    DIRS+=("$d")
  done
}

@test "memory: limit, swap, reservation, swappiness read back; a hog is OOM-killed at the limit" {
  cgroups memory
  [ -e "${DIRS[0]}/memory.memsw.limit_in_bytes" ] || skip "no swap accounting (memory.memsw.*)"
  config '{"memory": {"limit": 33554432, "swap": 33554432, "reservation": 16777216, "swappiness": 0}}'
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}" -- python3 -c 'b = bytearray(8 << 20); print("small ok")'
  [ "$status" -eq 0 ]
  [ "$output" = "small ok" ]
  [ "$(cat "${DIRS[0]}/memory.limit_in_bytes")" = 33554432 ]
  [ "$(cat "${DIRS[0]}/memory.memsw.limit_in_bytes")" = 33554432 ]
  [ "$(cat "${DIRS[0]}/memory.soft_limit_in_bytes")" = 16777216 ]
  [ "$(cat "${DIRS[0]}/memory.swappiness")" = 0 ]
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}" -- python3 -c 'b = bytearray(128 << 20); print("not killed")'
  [ "$status" -eq 137 ] # SIGKILL from the OOM killer
  [ "$(grep -E '^oom_kill ' "${DIRS[0]}/memory.oom_control" | cut -d' ' -f2)" -ge 1 ]
}

@test "memory: raising and lowering limit with swap in both orders (memsw stays >= limit)" {
  cgroups memory
  [ -e "${DIRS[0]}/memory.memsw.limit_in_bytes" ] || skip "no swap accounting"
  config '{"memory": {"limit": 33554432, "swap": 67108864}}'
  "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  # raising both above the current memsw needs memsw first
  config '{"memory": {"limit": 134217728, "swap": 268435456}}'
  "$APPLY" --update "$TMP/config.json" "${DIRS[@]}"
  [ "$(cat "${DIRS[0]}/memory.limit_in_bytes")" = 134217728 ]
  [ "$(cat "${DIRS[0]}/memory.memsw.limit_in_bytes")" = 268435456 ]
  # lowering both needs the limit first
  config '{"memory": {"limit": 16777216, "swap": 33554432}}'
  "$APPLY" --update "$TMP/config.json" "${DIRS[@]}"
  [ "$(cat "${DIRS[0]}/memory.limit_in_bytes")" = 16777216 ]
  [ "$(cat "${DIRS[0]}/memory.memsw.limit_in_bytes")" = 33554432 ]
}

@test "pids: pids.max stops a fork bomb" {
  cgroups pids
  config '{"pids": {"limit": 8}}'
  # python reports the failed fork instead of dying like sh; the children are reaped before it exits
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}" -- python3 -c '
import os, sys, time
kids = []
try:
    for i in range(30):
        p = os.fork()
        if p == 0:
            time.sleep(5)
            os._exit(0)
        kids.append(p)
except OSError as e:
    print("fork failed errno", e.errno)
print("current", open(sys.argv[1] + "/pids.current").read().strip(), "children", len(kids))
for p in kids:
    os.kill(p, 9)
    os.waitpid(p, 0)
' "${DIRS[0]}"
  [ "$status" -eq 0 ]
  [ "$(cat "${DIRS[0]}/pids.max")" = 8 ]
  [ "${lines[0]}" = "fork failed errno 11" ]
  [ "${lines[1]}" = "current 8 children 7" ]
  [ "$(grep '^max ' "${DIRS[0]}/pids.events" | cut -d' ' -f2)" -ge 1 ]
}

@test "cpu: shares, quota, period read back; cpuset.cpus honoured by the process" {
  cgroups cpu cpuset
  [ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
  cp /sys/fs/cgroup/cpuset/cpuset.mems "${DIRS[1]}/cpuset.mems"
  config '{"cpu": {"shares": 512, "quota": 50000, "period": 200000, "cpus": "1", "mems": "0"}}'
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}" -- grep Cpus_allowed_list /proc/self/status
  [ "$status" -eq 0 ]
  [[ "$output" == *"Cpus_allowed_list:"*1 ]]
  [ "$(cat "${DIRS[0]}/cpu.shares")" = 512 ]
  [ "$(cat "${DIRS[0]}/cpu.cfs_quota_us")" = 50000 ]
  [ "$(cat "${DIRS[0]}/cpu.cfs_period_us")" = 200000 ]
  [ "$(cat "${DIRS[1]}/cpuset.cpus")" = 1 ]
}

@test "cpu: values the kernel rejects or clamps are errors naming the file and value" {
  cgroups cpu
  config '{"cpu": {"quota": 500}}'
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  [ "$status" -eq 1 ]
  [[ "$output" == *'write "500" to '"${DIRS[0]}"'/cpu.cfs_quota_us: Invalid argument'* ]]
  config '{"cpu": {"shares": 1}}'
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cpu.shares 1 was clamped by the kernel to 2"* ]]
}

@test "blkio: throttle and weight files read back" {
  cgroups blkio
  config '{"blockIO": {"throttleReadBpsDevice": [{"major": 1, "minor": 3, "rate": 1048576}],
                       "throttleWriteIOPSDevice": [{"major": 1, "minor": 3, "rate": 100}]}}'
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  # a throttle on a char device: the kernel says ENODEV, and the error names the file
  if [ "$status" -ne 0 ]; then
    [[ "$output" == *"blkio.throttle.read_bps_device"* ]]
  fi
  dev=$(lsblk -dno MAJ:MIN 2>/dev/null | head -n1 | tr -d ' ')
  [ -n "$dev" ] || skip "no block device"
  config "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": ${dev%:*}, \"minor\": ${dev#*:}, \"rate\": 1048576}]}}"
  "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  grep -qx "$dev 1048576" "${DIRS[0]}/blkio.throttle.read_bps_device"
}

@test "hugetlb: limit on whichever hierarchy holds hugetlb (v1, or the v2 mount on hybrid)" {
  if [ -d /sys/fs/cgroup/hugetlb ]; then
    cgroups hugetlb
    f=hugetlb.2MB.limit_in_bytes
  elif grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.subtree_control 2>/dev/null; then
    cgroups unified
    f=hugetlb.2MB.max
  else
    skip "hugetlb controller neither on v1 nor enabled on /sys/fs/cgroup/unified"
  fi
  [ -e "${DIRS[0]}/$f" ] || skip "no 2MB huge pages"
  config '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'
  "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  [ "$(cat "${DIRS[0]}/$f")" = 4194304 ]
}

@test "missing controllers and v2-only keys are clear errors on v1" {
  cgroups memory
  config '{"network": {"classID": 1048577}}'
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"linux.resources.network.classID is set but the net_cls cgroup controller is not available"* ]]
  [[ "$output" == *"remove it from config.json, or make the controller available"*"/sys/fs/cgroup/net_cls"* ]]
  config '{"unified": {"memory.high": "1M"}}'
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no cgroup v2 hierarchy"* ]]
}

@test "unified keys go to the v2 mount on hybrid; a key naming no file is refused" {
  cgroups memory unified
  config '{"unified": {"cgroup.max.depth": "2"}}'
  "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  [ "$(cat "${DIRS[1]}/cgroup.max.depth")" = 2 ]
  config '{"unified": {"memory.nonexistent": "1"}}'
  run "$APPLY" "$TMP/config.json" "${DIRS[@]}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"linux.resources.unified.memory.nonexistent: no such file"* ]]
}

@test "eBPF device program on a cgroup2 dir: denied devices cannot be opened or created; update replaces it" {
  cgroups unified
  config '{"devices": [{"allow": false, "access": "rwm"},
                       {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}]}'
  run "$APPLY" --bpf-devices "$TMP/config.json" "${DIRS[@]}" -- sh -c '
    echo x >/dev/null && echo null-ok
    [ "$(head -c1 /dev/zero 2>/dev/null | wc -c)" = 1 ] && echo zero-ok || echo zero-denied
    mknod '"$TMP"'/n c 1 3 2>/dev/null && echo mknod-ok || echo mknod-denied'
  [ "$status" -eq 0 ]
  [ "$output" = "null-ok
zero-denied
mknod-denied" ]
  # an update allowing /dev/zero must replace the old program (with ALLOW_MULTI both would have to allow)
  config '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "access": "r"}]}'
  run "$APPLY" --update --bpf-devices "$TMP/config.json" "${DIRS[@]}" -- sh -c '
    [ "$(head -c1 /dev/zero | wc -c)" = 1 ] && echo zero-ok || echo zero-denied
    echo x >/dev/null && echo null-write-ok || echo null-write-denied'
  # (sh also prints why it could not open /dev/null for writing)
  [ "${lines[0]}" = zero-ok ]
  [[ "$output" == *"cannot create /dev/null: Operation not permitted"* ]]
  [ "${lines[-1]}" = null-write-denied ]
}

@test "stats (events --stats): cpu usage and throttling, memory peak and limit, pids from the v1 files" {
  cgroups memory cpu cpuacct pids
  config '{"memory": {"limit": 67108864}, "pids": {"limit": 50}, "cpu": {"quota": 10000, "period": 100000}}'
  run "$APPLY" --stats "$TMP/config.json" "${DIRS[@]}" -- python3 -c '
import time
b = bytearray(16 << 20)
t = time.time()
while time.time() - t < 0.3:
    pass'
  [ "$status" -eq 0 ]
  declare -A s
  for l in "${lines[@]}"; do s[${l%%=*}]=${l#*=}; done
  [ "${s[cpu_total_ns]}" -gt 100000000 ]
  [ "${s[cpu_user_ns]}" -gt 0 ]
  [ "${s[cpu_throttled_periods]}" -gt 0 ]
  [ "${s[mem_max_usage]}" -ge 16777216 ]
  [ "${s[mem_limit]}" = 67108864 ]
  [ "${s[pids_limit]}" = 50 ]
}

# ---- cgroup v2, inside the test VM (tests/lib/vm/run.sh) ----

vm_run() {
  VM="$KEEL_SRCDIR/tests/lib/vm/run.sh"
  [ -x "$VM" ] || skip "no tests/lib/vm/run.sh: cgroup v2 is not tested on this v1/hybrid host"
  run "$VM" --timeout 180 --files "$APPLY" "$TMP" -- bash "$TMP/v2.sh"
  if [ "$status" -eq 125 ]; then
    skip "the test VM cannot boot here: $output"
  fi
}

@test "v2 (VM): memory.max OOM-kills a hog, memory.swap.max from swap, pids.max refuses forks, cpu conversions" {
  jq -n '{ociVersion: "1.2.0", root: {path: "r"}, linux: {resources: {
    memory: {limit: 33554432, swap: 33554432}, pids: {limit: 5},
    cpu: {shares: 1024, quota: 50000, period: 100000}}}}' >"$TMP/res.json"
  jq -n '{ociVersion: "1.2.0", root: {path: "r"}, linux: {resources: {
    hugepageLimits: [{pageSize: "2MB", limit: 4194304}]}}}' >"$TMP/huge.json"
  cat >"$TMP/v2.sh" <<EOS
A=$APPLY; C=$TMP/res.json; cg=/sys/fs/cgroup/keel-test
mkdir \$cg
\$A \$C \$cg -- dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo "hog=\$?"
\$A \$C \$cg -- sh -c 'sleep 2 & sleep 2 & sleep 2 & sleep 2 & sleep 2 & sleep 2 & wait' 2>/dev/null; echo "bomb=\$?"
echo "oom_kill=\$(sed -n 's/^oom_kill //p' \$cg/memory.events)"
echo "pids_max_events=\$(sed -n 's/^max //p' \$cg/pids.events)"
for f in memory.max memory.swap.max pids.max cpu.weight cpu.max; do echo "\$f=\$(cat \$cg/\$f)"; done
\$A $TMP/huge.json \$cg && echo "hugetlb=\$(cat \$cg/hugetlb.2MB.max)"
\$A --stats \$C \$cg -- sh -c 'i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done' | sed 's/^/stats_/'
EOS
  vm_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"hog=137"* ]]
  [[ "$output" != *"bomb=0"* ]]
  [[ "$output" =~ oom_kill=[1-9] ]]
  [[ "$output" =~ pids_max_events=[1-9] ]]
  [[ "$output" == *"memory.max=33554432"* ]]
  [[ "$output" == *"memory.swap.max=0"* ]]
  [[ "$output" == *"pids.max=5"* ]]
  [[ "$output" == *"cpu.weight=39"* ]]
  [[ "$output" == *"cpu.max=50000 100000"* ]]
  [[ "$output" == *"hugetlb=4194304"* ]]
  # the v2 stats path: cpu.stat usage in ns, memory.max, memory.events max (the hog), pids.max
  [[ "$output" =~ stats_cpu_total_ns=[1-9] ]]
  [[ "$output" == *"stats_mem_limit=33554432"* ]]
  [[ "$output" =~ stats_mem_failcnt=[1-9] ]]
  [[ "$output" == *"stats_pids_limit=5"* ]]
}

@test "v2 (VM): the eBPF device filter denies open and mknod; an update replaces it" {
  jq -n '{ociVersion: "1.2.0", root: {path: "r"}, linux: {resources: {devices: [{allow: false, access: "rwm"},
    {allow: true, type: "c", major: 1, minor: 3, access: "rw"}]}}}' >"$TMP/dev1.json"
  jq -n '{ociVersion: "1.2.0", root: {path: "r"}, linux: {resources: {devices: [{allow: false, access: "rwm"},
    {allow: true, type: "c", major: 1, access: "r"}]}}}' >"$TMP/dev2.json"
  cat >"$TMP/v2.sh" <<EOS
A=$APPLY; cg=/sys/fs/cgroup/keel-test
mkdir \$cg
probe='echo x >/dev/null && echo null-ok; [ "\$(head -c1 /dev/zero | wc -c)" = 1 ] && echo zero-ok || echo zero-denied; mknod /tmp/n c 1 3 && echo mknod-ok || echo mknod-denied'
\$A $TMP/dev1.json \$cg -- sh -c "\$probe" 2>/dev/null
\$A --update $TMP/dev2.json \$cg -- sh -c "\$probe" 2>/dev/null
EOS
  vm_run
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = null-ok ]
  [ "${lines[1]}" = zero-denied ]
  [ "${lines[2]}" = mknod-denied ]
  [ "${lines[3]}" = zero-ok ]
  [ "${lines[4]}" = mknod-denied ]
}
