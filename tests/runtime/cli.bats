#!/usr/bin/env bats
# The command line: --help, --version, spec, features, global options, unknown verbs and flags.

load helpers

setup() { TMP=$(keel_mktemp); }
teardown() { rm -rf "$TMP"; }

@test "cli: --version prints the runtime and spec versions" {
  run "$RUNTIME" --version
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "runtime version "* ]]
  [[ "${lines[1]}" == "spec: 1.2.0" ]]
  [[ "$output" == *"features:"* ]]
}

@test "cli: --help lists every verb and the global options" {
  run "$RUNTIME" --help
  [ "$status" -eq 0 ]
  for v in create start run state kill delete list exec spec features; do
    [[ "$output" == *"  $v "* ]]
  done
  for o in --root --log --log-format --debug --systemd-cgroup --rootless; do
    [[ "$output" == *"$o"* ]]
  done
}

@test "cli: unknown verb, unknown flag and a bad --log-format fail with exit 1" {
  run "$RUNTIME" frobnicate
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: unknown command \`frobnicate\`"* ]]
  run "$RUNTIME" create --bogus x
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown option \`--bogus\`"* ]]
  run "$RUNTIME" --log-format xml list
  [ "$status" -eq 1 ]
  [[ "$output" == *"--log-format: expected text or json"* ]]
}

@test "cli: spec writes a valid default config.json like runc's and never overwrites one" {
  run "$RUNTIME" spec -b "$TMP"
  [ "$status" -eq 0 ]
  jq -e '.ociVersion == "1.2.0" and .process.args == ["sh"] and .root.path == "rootfs"' "$TMP/config.json"
  jq -e '[.linux.namespaces[].type] | contains(["pid","network","ipc","uts","mount"])' "$TMP/config.json"
  run "$RUNTIME" spec -b "$TMP"
  [ "$status" -eq 1 ]
  [[ "$output" == *"already exists"* ]]
}

@test "cli: spec --rootless maps the user namespace" {
  run "$RUNTIME" spec --rootless -b "$TMP"
  [ "$status" -eq 0 ]
  jq -e '[.linux.namespaces[].type] | index("user") != null' "$TMP/config.json"
  jq -e '.linux.uidMappings | length > 0' "$TMP/config.json"
}

@test "cli: features is truthful JSON per features.md" {
  run "$RUNTIME" features
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.ociVersionMin == "1.0.0" and .ociVersionMax == "1.2.0"'
  echo "$output" | jq -e '.hooks == ["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]'
  echo "$output" | jq -e '.linux.namespaces | index("time") != null and index("cgroup") != null'
  echo "$output" | jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null'
  echo "$output" | jq -e '.mountOptions | index("rbind") != null and index("rro") != null'
  # placement only: no cgroup v2 device support; seccomp through libseccomp; LSM support is built in (features.md)
  echo "$output" | jq -e '.linux.cgroup.v1 == true and .linux.cgroup.v2 == false'
  echo "$output" | jq -e '.linux.seccomp.enabled == true and (.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null)'
  echo "$output" | jq -e '.linux.apparmor.enabled == true and .linux.selinux.enabled == true'
}

@test "cli: --systemd-cgroup is accepted but refused until the driver exists" {
  run "$RUNTIME" --systemd-cgroup create x
  [ "$status" -eq 1 ]
  [[ "$output" == *"systemd cgroup driver is not implemented yet"* ]]
}

@test "cli: --log-format json writes JSON lines with level, msg and time to --log" {
  run "$RUNTIME" --log "$TMP/log" --log-format json state no-such-container
  [ "$status" -eq 1 ]
  jq -e '.level == "error" and (.msg | test("state no-such-container: container `no-such-container` does not exist")) and (.time | test("Z$"))' "$TMP/log"
}

@test "cli: list with an empty root prints a header, -q nothing and json []" {
  run "$RUNTIME" --root "$TMP/root" list
  [ "$status" -eq 0 ]
  [[ "$output" == "ID "* ]]
  run "$RUNTIME" --root "$TMP/root" list -q
  [ -z "$output" ]
  run "$RUNTIME" --root "$TMP/root" list --format json
  [ "$output" = "[]" ]
}
