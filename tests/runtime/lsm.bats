#!/usr/bin/env bats
# LSM labels: process.selinuxLabel, linux.mountLabel, process.apparmorProfile and exec's --process-label, --apparmor, --additional-gids.

load helpers

setup() {
  runtime_setup
}

teardown() {
  runtime_teardown
}

apparmor_enabled() {
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]
}

selinux_enabled() {
  [ "$(stat -f -c %t /sys/fs/selinux 2>/dev/null)" = f97cff8c ]
}

# lsm_off_reason NAME WHAT: why a test needing LSM NAME is skipped, with what the kernel reports.
lsm_off_reason() {
  local lsms
  lsms=$(cat /sys/kernel/security/lsm 2>/dev/null) || lsms="unknown: /sys/kernel/security/lsm unreadable (securityfs not mounted)"
  echo "$1 is not enabled on this host ($2; kernel LSMs: $lsms), so its label cannot be checked after exec"
}

@test "lsm: features says SELinux and AppArmor support are built in (features.md: not whether the host runs them)" {
  run "$RUNTIME" features
  echo "$output" | jq -e '.linux.apparmor.enabled == true and .linux.selinux.enabled == true'
}

@test "lsm: an AppArmor profile on a host without AppArmor fails create, naming the field" {
  apparmor_enabled && skip "AppArmor is enabled on this host: the refusal for a host without it cannot happen here"
  bundle_set "$B" '.process.apparmorProfile = "keel-test-profile"'
  expect_create_failure "process.apparmorProfile \`keel-test-profile\`: AppArmor is not enabled on this host"
}

@test "lsm: an SELinux label or mountLabel on a host without SELinux fails create (as runc 1.1 does)" {
  selinux_enabled && skip "SELinux is enabled on this host: the refusal for a host without it cannot happen here"
  bundle_set "$B" '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
  expect_create_failure "process.selinuxLabel: SELinux is not enabled on this host"
  bundle_set "$B" 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
  expect_create_failure "linux.mountLabel: SELinux is not enabled on this host"
  # An empty label asks for nothing.
  bundle_set "$B" '.linux.mountLabel = "" | .process.selinuxLabel = "" | .process.apparmorProfile = "" | .process.args = ["true"]'
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
}

@test "lsm: the AppArmor profile is the process's after exec (apparmor hosts only)" {
  apparmor_enabled || skip "$(lsm_off_reason AppArmor "/sys/module/apparmor/parameters/enabled is not Y")"
  bundle_set "$B" '.process.apparmorProfile = "unconfined" | .process.args = ["cat", "/proc/self/attr/current"]'
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$output" = "unconfined" ]
}

@test "lsm: the SELinux label is the process's after exec (SELinux hosts only)" {
  selinux_enabled || skip "$(lsm_off_reason SELinux "no selinuxfs at /sys/fs/selinux")"
  label=$(cat /proc/self/attr/current)
  bundle_set "$B" '.process.selinuxLabel = $l | .process.args = ["cat", "/proc/self/attr/current"]' --arg l "$label"
  run "$RUNTIME" run -b "$B" "$ID"
  [ "${output%$'\0'}" = "$label" ]
}

@test "exec: --additional-gids adds groups; --process-label and --apparmor are applied (refused where the LSM is off)" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"] | .process.user.additionalGids = [3]'
  "$RUNTIME" run -d -b "$B" "$ID" >/dev/null 2>&1
  run "$RUNTIME" exec --additional-gids 5,7 --additional-gids 9 "$ID" payload ids
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx "groups=3,5,7,9" <<<"$output"
  run "$RUNTIME" exec --additional-gids 5,x "$ID" payload ids
  [ "$status" -eq 1 ]
  [[ "$output" == *"--additional-gids: \`x\` is not a group id"* ]]
  if ! apparmor_enabled; then
    run "$RUNTIME" exec --apparmor keel-test "$ID" payload ids
    [ "$status" -eq 1 ]
    [[ "$output" == *"exec $ID: process.apparmorProfile \`keel-test\`: AppArmor is not enabled on this host"* ]]
  fi
  if ! selinux_enabled; then
    run "$RUNTIME" exec --process-label system_u:system_r:container_t:s0 "$ID" payload ids
    [ "$status" -eq 1 ]
    [[ "$output" == *"exec $ID: process.selinuxLabel: SELinux is not enabled on this host"* ]]
  fi
}

@test "exec -p: a process.json asking for a label the host's LSM cannot apply is refused before anything runs" {
  apparmor_enabled && selinux_enabled && skip "AppArmor and SELinux are both enabled on this host: no refusal to check"
  # A writable root, so the marker file could be made if the process ran.
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"] | .root.readonly = false'
  "$RUNTIME" run -d -b "$B" "$ID" >/dev/null 2>&1
  if ! apparmor_enabled; then
    jq -n '{args: ["sh", "-c", "touch /tmp/ran"], cwd: "/", apparmorProfile: "keel-test"}' >"$TMP/p.json"
    run "$RUNTIME" exec -p "$TMP/p.json" "$ID"
    [ "$status" -eq 1 ]
    [ "$output" = "runtime: exec $ID: process.apparmorProfile \`keel-test\`: AppArmor is not enabled on this host" ]
  fi
  if ! selinux_enabled; then
    jq -n '{args: ["sh", "-c", "touch /tmp/ran"], cwd: "/", selinuxLabel: "system_u:system_r:container_t:s0"}' >"$TMP/p.json"
    run "$RUNTIME" exec -p "$TMP/p.json" "$ID"
    [ "$status" -eq 1 ]
    [ "$output" = "runtime: exec $ID: process.selinuxLabel: SELinux is not enabled on this host" ]
  fi
  [ ! -e "$B/rootfs/tmp/ran" ]
  # The container is untouched and still takes an ordinary exec.
  run "$RUNTIME" exec "$ID" sh -c "touch /tmp/ran"
  [ "$status" -eq 0 ]
  [ -e "$B/rootfs/tmp/ran" ]
}
