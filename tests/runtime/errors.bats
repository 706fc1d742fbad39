#!/usr/bin/env bats
# Failing creates: each names what is wrong, exits 1, and leaves no state dir, cgroup, mount or process.

load helpers

setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "errors: no config.json, invalid JSON, no process, no rootfs" {
  mv "$B/config.json" "$TMP/config.json"
  expect_create_failure "config.json"
  echo '{"ociVersion": "1.2.0",' >"$B/config.json"
  expect_create_failure "config.json: line"
  jq 'del(.process)' "$TMP/config.json" >"$B/config.json"
  expect_create_failure "config.json: .process: required"
  jq '.root.path = "nowhere"' "$TMP/config.json" >"$B/config.json"
  expect_create_failure "config.json: .root.path: \`$B/nowhere\`"
}

@test "errors: a linux.resources.unified key naming no cgroup file fails create and is unwound" {
  bundle_set "$B" '.linux.resources.unified = {"no.such.file": "1"}'
  expect_create_failure "linux.resources.unified.no.such.file: no such file"
}

@test "errors: sysctls that are not namespaced, or lack their namespace" {
  bundle_set "$B" '.linux.sysctl = {"kernel.panic": "1"}'
  expect_create_failure "\`kernel.panic\` is not a namespaced sysctl"
  bundle_set "$B" '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
  expect_create_failure "\`net.ipv4.ip_forward\` needs a network namespace"
}

@test "errors: a missing bind source fails inside the init and is unwound" {
  bundle_set "$B" '.mounts += [{destination: "/x", type: "bind", source: "/no/such/dir", options: ["bind"]}]'
  expect_create_failure "config.json: .mounts[7] (/x): bind source \`/no/such/dir\`: No such file or directory"
}

@test "errors: a bad mount type fails and is unwound" {
  bundle_set "$B" '.mounts += [{destination: "/x", type: "nosuchfs", source: "none"}]'
  expect_create_failure "config.json: .mounts[7] (/x): mount nosuchfs: No such device"
}

@test "errors: a namespace path that does not exist" {
  bundle_set "$B" '(.linux.namespaces[] | select(.type == "network")) += {path: "/no/such/ns"}'
  expect_create_failure "open network namespace \`/no/such/ns\`"
}

@test "errors: terminal without --console-socket; systemd cgroupsPath; seccomp not yet wired" {
  bundle_set "$B" '.process.terminal = true'
  expect_create_failure "--console-socket is required"
  bundle_set "$B" '.process.terminal = false | .linux.cgroupsPath = "system.slice:keel:x"'
  expect_create_failure "systemd cgroup driver is not implemented yet: give a cgroupfs path"
}

@test "errors: linux.cgroupsPath places the container and delete removes that cgroup" {
  bundle_set "$B" '.linux.cgroupsPath = "/keel-test/\($id)" | .process.args = ["payload", "cgroup"]' --arg id "$ID"
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  grep -qx "cgroup.memory=/keel-test/$ID" <<<"$output"
  grep -qx "cgroup.devices=/keel-test/$ID" <<<"$output"
  [ ! -e "/sys/fs/cgroup/memory/keel-test/$ID" ]
  rmdir /sys/fs/cgroup/*/keel-test 2>/dev/null || true
}

@test "errors: a state.json string holding a NUL (\\u0000) is refused by state and delete, naming its JSON path" {
  local root="$TMP/root" verb pid
  # a harmless pid of our own: without the check, delete would go on and signal it
  sleep 60 </dev/null >/dev/null 2>&1 &
  pid=$!
  mkdir -p "$root/$ID"
  printf '{"ociVersion": "1.2.0", "id": "%s", "status": "created", "pid": %d, "bundle": "/tmp\\u0000/x"}' "$ID" "$pid" \
    >"$root/$ID/state.json"
  for verb in state delete; do
    run "$RUNTIME" --root "$root" "$verb" "$ID"
    echo "$verb: $output"
    [ "$status" -eq 1 ]
    [[ "$output" == "runtime: $verb $ID: "*"state.json: .bundle: string contains a NUL character" ]]
  done
  kill "$pid"
  rm -rf "$root"
}
