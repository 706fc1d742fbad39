#!/usr/bin/env bats
# The six hooks at their spec points, each with the state JSON on stdin, args, env and timeouts;
# a failing create-phase hook fails create and leaves nothing; poststart/poststop failures are only logged.

load helpers

setup() {
  runtime_setup
  mkdir -p "$TMP/log"
  bundle_set "$B" '.mounts += [{destination: "/hooklog", type: "bind", source: $l, options: ["bind"]}]' --arg l "$TMP/log"
}
teardown() { runtime_teardown; }

# hook NAME [PATH_OF_LOG]: a hook object that appends "NAME <state json>" to the log
hook() {
  jq -n --arg n "$1" --arg log "${2:-$TMP/log/hooks}" \
    '{path: "/bin/sh", args: ["sh", "-c", "echo \"$0 $(cat) env=$HOOKENV\" >> \"$1\"", $n, $log], env: ["HOOKENV=set"]}'
}

@test "hooks: all six run in order with args, env and the state on stdin" {
  bundle_set "$B" '.hooks = {prestart: [$p], createRuntime: [$cr], createContainer: [$cc], startContainer: [$sc], poststart: [$ps], poststop: [$pt]}' \
    --argjson p "$(hook prestart)" --argjson cr "$(hook createRuntime)" --argjson cc "$(hook createContainer)" \
    --argjson sc "$(hook startContainer /hooklog/hooks)" --argjson ps "$(hook poststart)" --argjson pt "$(hook poststop)"
  bundle_set "$B" '.process.args = ["payload", "exit", "0"]'
  "$RUNTIME" create -b "$B" --pid-file "$TMP/pid" "$ID"
  [ "$(cut -d' ' -f1 "$TMP/log/hooks" | tr '\n' ' ')" = "prestart createRuntime createContainer " ]
  "$RUNTIME" start "$ID"
  for _ in $(seq 50); do [ "$("$RUNTIME" state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  "$RUNTIME" delete "$ID"
  [ "$(cut -d' ' -f1 "$TMP/log/hooks" | tr '\n' ' ')" = "prestart createRuntime createContainer startContainer poststart poststop " ]
  grep -c 'env=set$' "$TMP/log/hooks" | grep -qx 6
  pid=$(cat "$TMP/pid")
  while read -r name json; do
    json=${json% env=set}
    echo "$json" | jq -e --arg id "$ID" --arg b "$B" --argjson pid "$pid" '.ociVersion and .id == $id and .bundle == $b' >/dev/null
    case $name in
      prestart|createRuntime|createContainer|startContainer) echo "$json" | jq -e --argjson pid "$pid" '.pid == $pid' >/dev/null ;;
    esac
    case $name in
      poststart) echo "$json" | jq -e '.status == "running"' >/dev/null ;;
      poststop) echo "$json" | jq -e '.status == "stopped"' >/dev/null ;;
      *) echo "$json" | jq -e '.status == "creating"' >/dev/null ;;
    esac
  done <"$TMP/log/hooks"
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing behind" {
  bundle_set "$B" '.hooks = {createRuntime: [{path: "/bin/false"}]}'
  expect_create_failure 'config.json: .hooks.createRuntime[0] (/bin/false): exited with status 1'
}

@test "hooks: a failing createContainer or prestart hook fails create too" {
  bundle_set "$B" '.hooks = {createContainer: [{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]}'
  expect_create_failure 'config.json: .hooks.createContainer[0] (/bin/sh): exited with status 3'
  bundle_set "$B" '.hooks = {prestart: [{path: "/no/such/hook"}]}'
  expect_create_failure 'config.json: .hooks.prestart[0] (/no/such/hook): cannot execute: No such file or directory'
}

@test "hooks: a hook past its timeout is killed and fails create" {
  bundle_set "$B" '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
  SECONDS=0
  expect_create_failure 'config.json: .hooks.createRuntime[0] (/bin/sleep): timed out after 1 s'
  [ "$SECONDS" -lt 10 ]
}

@test "hooks: failing poststart and poststop hooks are logged, the container lives on / is deleted" {
  bundle_set "$B" '.hooks = {poststart: [{path: "/bin/false"}], poststop: [{path: "/bin/false"}]} | .process.args = ["payload", "sleep", "30"]'
  "$RUNTIME" create -b "$B" "$ID"
  run "$RUNTIME" start "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning: start $ID: config.json: .hooks.poststart[0] (/bin/false): exited with status 1"* ]]
  [ "$("$RUNTIME" state "$ID" | jq -r .status)" = running ]
  run "$RUNTIME" delete -f "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"config.json: .hooks.poststop[0] (/bin/false): exited with status 1"* ]]
  assert_no_leftovers "$ID" "$B"
}
