#!/usr/bin/env bats
# create → created → start → running → stopped → delete, run, --pid-file, list, and wrong-state errors.

load helpers

setup() { runtime_setup; }
teardown() { runtime_teardown; }

state_of() { "$RUNTIME" state "$1" | jq -r .status; }

@test "lifecycle: runtime spec && runtime run in a busybox bundle" {
  rm "$B/config.json"
  (cd "$B" && "$RUNTIME" spec)
  bundle_set "$B" '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from $(hostname)"]'
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from keel" ]
  assert_no_leftovers "$ID" "$B"
}

@test "lifecycle: create, state, start, kill, delete walk the runtime.md states" {
  bundle_set "$B" '.process.args = ["payload", "wait-signal", "30"]'
  "$RUNTIME" create -b "$B" --pid-file "$TMP/pid" "$ID"
  run "$RUNTIME" state "$ID"
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg id "$ID" --arg b "$B" \
    '.ociVersion == "1.2.0" and .id == $id and .status == "created" and .bundle == $b and (.pid > 0)'
  [ "$(cat "$TMP/pid")" = "$(echo "$output" | jq .pid)" ]
  # the init is in the container's cgroup and waits on exec.fifo
  grep -q "/keel/$ID" "/proc/$(cat "$TMP/pid")/cgroup"
  "$RUNTIME" start "$ID"
  [ "$(state_of "$ID")" = running ]
  "$RUNTIME" kill "$ID" KILL
  for _ in $(seq 50); do [ "$(state_of "$ID")" = stopped ] && break; sleep 0.1; done
  [ "$(state_of "$ID")" = stopped ]
  run "$RUNTIME" state "$ID"
  echo "$output" | jq -e 'has("pid") | not'
  "$RUNTIME" delete "$ID"
  run "$RUNTIME" state "$ID"
  [ "$status" -eq 1 ]
  assert_no_leftovers "$ID" "$B"
}

@test "lifecycle: run exits with the container's status, 128+N when killed by signal N" {
  run_payload exit 7
  [ "$status" -eq 7 ]
  run_payload kill-self SEGV
  [ "$status" -eq 139 ]
  assert_no_leftovers "$ID" "$B"
  # Killed from outside by `runtime kill`: SIGKILL gives 137.
  bundle_set "$B" '.process.args = ["payload", "sleep", "inf"]'
  "$RUNTIME" run -b "$B" --pid-file "$TMP/pid" "$ID" &
  runpid=$!
  for _ in $(seq 100); do [ -s "$TMP/pid" ] && [ "$(state_of "$ID")" = running ] && break; sleep 0.05; done
  "$RUNTIME" kill "$ID" KILL
  wait "$runpid" || status=$?
  [ "$status" -eq 137 ]
  assert_no_leftovers "$ID" "$B"
}

@test "lifecycle: run -d detaches; kill with a SIG-less name; --keep keeps the stopped container" {
  bundle_set "$B" '.process.args = ["payload", "wait-signal", "30"]'
  # -d returns at once (well before the 30 s the process waits), the container running.
  SECONDS=0
  "$RUNTIME" run -d -b "$B" "$ID"
  [ "$SECONDS" -lt 10 ]
  [ "$(state_of "$ID")" = running ]
  "$RUNTIME" kill "$ID" usr1
  for _ in $(seq 50); do [ "$(state_of "$ID")" = stopped ] && break; sleep 0.1; done
  [ "$(state_of "$ID")" = stopped ]
  "$RUNTIME" delete "$ID"
  bundle_set "$B" '.process.args = ["payload", "exit", "0"]'
  "$RUNTIME" run --keep -b "$B" "$ID"
  [ "$(state_of "$ID")" = stopped ]
  "$RUNTIME" delete "$ID"
  assert_no_leftovers "$ID" "$B"
}

@test "lifecycle: wrong states fail with exit 1: start twice, delete running, kill stopped" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"]'
  "$RUNTIME" create -b "$B" "$ID"
  run "$RUNTIME" create -b "$B" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: create $ID: container \`$ID\` already exists" ]]
  "$RUNTIME" start "$ID"
  run "$RUNTIME" start "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: start $ID: container is running, not created" ]]
  run "$RUNTIME" delete "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"container is running: stop it first or use --force"* ]]
  "$RUNTIME" kill "$ID" 9
  for _ in $(seq 50); do [ "$(state_of "$ID")" = stopped ] && break; sleep 0.1; done
  run "$RUNTIME" kill "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: kill $ID: container not running (it is stopped)" ]]
  run "$RUNTIME" kill "$ID" NOTASIG
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown signal \`NOTASIG\`"* ]]
  "$RUNTIME" delete "$ID"
}

@test "lifecycle: unknown ids fail for start, state, kill, delete; delete -f of nothing succeeds" {
  for verb in start state kill delete; do
    run "$RUNTIME" "$verb" "nope-$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == "runtime: $verb nope-$ID: container \`nope-$ID\` does not exist" ]]
  done
  run "$RUNTIME" delete -f "nope-$ID"
  [ "$status" -eq 0 ]
  run "$RUNTIME" create -b "$B" "../evil"
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid container id"* ]]
}

@test "lifecycle: delete -f kills a running container and removes its cgroup" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "inf"]'
  "$RUNTIME" run -d -b "$B" --pid-file "$TMP/pid" "$ID"
  pid=$(cat "$TMP/pid")
  # v1/hybrid: the memory hierarchy; pure v2 (the VM): the single hierarchy.
  [ -d "/sys/fs/cgroup/memory/keel/$ID" ] || [ -d "/sys/fs/cgroup/keel/$ID" ]
  "$RUNTIME" delete -f "$ID"
  proc_dead "$pid"
  assert_no_leftovers "$ID" "$B"
}

@test "lifecycle: delete of a created container kills its waiting init" {
  "$RUNTIME" create -b "$B" --pid-file "$TMP/pid" "$ID"
  pid=$(cat "$TMP/pid")
  "$RUNTIME" delete "$ID"
  proc_dead "$pid"
  assert_no_leftovers "$ID" "$B"
}

@test "lifecycle: list shows containers as a table, ids and JSON" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"]'
  "$RUNTIME" create -b "$B" "$ID"
  run "$RUNTIME" list
  [[ "$output" == *"$ID"*created*"$B"* ]]
  run "$RUNTIME" list -q
  [[ "$output" == *"$ID"* ]]
  run "$RUNTIME" list --format json
  echo "$output" | jq -e --arg id "$ID" '.[] | select(.id == $id) | .status == "created" and .pid > 0'
}

@test "lifecycle: --root keeps state elsewhere" {
  "$RUNTIME" --root "$TMP/root" create -b "$B" "$ID"
  [ -f "$TMP/root/$ID/state.json" ]
  run "$RUNTIME" state "$ID"
  [ "$status" -eq 1 ]
  "$RUNTIME" --root "$TMP/root" delete "$ID"
  [ ! -e "$TMP/root/$ID" ]
}

@test "lifecycle: concurrent create and delete of many containers is safe" {
  for i in $(seq 20); do "$RUNTIME" create -b "$B" "$ID-$i" & done
  wait
  # A second create of each id, racing the others and state/list readers: all must fail cleanly.
  for i in $(seq 20); do ! "$RUNTIME" create -b "$B" "$ID-$i" 2>/dev/null & "$RUNTIME" list -q >/dev/null & done
  wait
  [ "$("$RUNTIME" list -q | grep -c "^$ID-")" -eq 20 ]
  [ "$("$RUNTIME" list --format json | jq --arg p "$ID-" '[.[] | select(.id | startswith($p)) | select(.status == "created")] | length')" -eq 20 ]
  for i in $(seq 20); do "$RUNTIME" delete "$ID-$i" & done
  wait
  [ "$("$RUNTIME" list -q | grep -c "^$ID-" || true)" -eq 0 ]
  for i in $(seq 20); do assert_no_leftovers "$ID-$i" "$B"; done
  # No temporary state dirs of the creates are left either.
  [ -z "$(find "$KEEL_STATE_ROOT" -maxdepth 1 -name ".$ID-*")" ]
}

@test "lifecycle: kill --all signals every process in the container's cgroup" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "60"]'
  "$RUNTIME" run -d -b "$B" --pid-file "$TMP/pid" "$ID"
  "$RUNTIME" exec -d --pid-file "$TMP/epid" "$ID" payload sleep 60
  epid=$(cat "$TMP/epid")
  "$RUNTIME" kill --all "$ID" KILL
  for _ in $(seq 50); do proc_dead "$epid" && break; sleep 0.1; done
  proc_dead "$epid"
  for _ in $(seq 50); do [ "$(state_of "$ID")" = stopped ] && break; sleep 0.1; done
  [ "$(state_of "$ID")" = stopped ]
}

@test "lifecycle: kill --all of a stopped container signals what outlived its init, as runc (containerd's shim relies on it)" {
  # without a pid namespace the init's child survives it in the container's cgroup
  bundle_set "$B" '.linux.namespaces |= map(select(.type != "pid")) | .process.args = ["sh", "-c", "payload sleep 4177 & exit 0"]'
  "$RUNTIME" run -d -b "$B" "$ID" </dev/null >/dev/null 2>&1
  for _ in $(seq 50); do [ "$(state_of "$ID")" = stopped ] && break; sleep 0.1; done
  [ "$(state_of "$ID")" = stopped ]
  child=$(pgrep -f 'payload sleep 4177')
  [ -n "$child" ]
  run "$RUNTIME" kill "$ID" KILL
  [ "$status" -eq 1 ]
  "$RUNTIME" kill --all "$ID" KILL
  for _ in $(seq 50); do proc_dead "$child" && break; sleep 0.1; done
  proc_dead "$child"
  # nothing left in the cgroup: still a success
  "$RUNTIME" kill --all "$ID" TERM
}

@test "lifecycle: on v1, kill --all and delete -f of a stopped container leave the freezer alone (its cgroup is empty)" {
  # Freezing a v1 cgroup flips a kernel static key (text patched on every CPU): a tenth of a `run` here.
  [ -d /sys/fs/cgroup/freezer ] || skip "no v1 freezer hierarchy (pure cgroup v2)"
  command -v strace >/dev/null || skip "strace missing"
  bundle_set "$B" '.process.args = ["true"]'
  # pure v1 as the runtime sees it: without the cgroup2 mount of a hybrid host there is no cgroup.kill
  run unshare -m --propagation private bash -c '
    ! mountpoint -q /sys/fs/cgroup/unified || umount /sys/fs/cgroup/unified
    "$1" run --keep -b "$2" "$3" || exit 1
    strace -f -o "$4/kill.trace" -e trace=openat,openat2 "$1" kill --all "$3" TERM || exit 2
    strace -f -o "$4/delete.trace" -e trace=openat,openat2 "$1" delete --force "$3" || exit 3
    grep -c "freezer\.state" "$4/kill.trace" "$4/delete.trace"
    grep -c "cgroup\.procs" "$4/kill.trace" "$4/delete.trace"' _ "$RUNTIME" "$B" "$ID" "$TMP"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$TMP/kill.trace:0" ]
  [ "${lines[1]}" = "$TMP/delete.trace:0" ]
  # ... because it looked and found nothing to signal
  [ "${lines[2]}" = "$TMP/kill.trace:1" ]
  [ "${lines[3]}" = "$TMP/delete.trace:1" ]
  [ ! -e "/sys/fs/cgroup/freezer/keel/$ID" ]
}

@test "lifecycle: --debug logs the init pid and cgroup; json lines with --log-format json" {
  "$RUNTIME" --debug --log "$TMP/log" --log-format json create -b "$B" --pid-file "$TMP/pid" "$ID"
  jq -e --arg id "$ID" --arg pid "$(cat "$TMP/pid")" \
    'select(.level == "debug") | .msg | test("create \($id): init pid \($pid), .*cgroup /keel/\($id)")' "$TMP/log"
}

@test "lifecycle: run forwards signals it receives to the container's process" {
  bundle_set "$B" '.process.args = ["payload", "wait-signal", "20"]'
  "$RUNTIME" run -b "$B" "$ID" >"$TMP/out" &
  runpid=$!
  for _ in $(seq 100); do grep -q '^ready=1' "$TMP/out" 2>/dev/null && break; sleep 0.05; done
  kill -USR1 "$runpid"
  wait "$runpid"
  grep -qx 'signal=SIGUSR1' "$TMP/out"
  assert_no_leftovers "$ID" "$B"
}

@test "lifecycle: state and list say creating while create is in progress (a createRuntime hook asks)" {
  # Without an unlocked state/list this hook would wait for create's lock until its timeout.
  bundle_set "$B" '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "\"$0\" state \"$1\" >\"$2/state\"; \"$0\" list --format json >\"$2/list\"", $r, $id, $t], timeout: 10}]' \
    --arg r "$RUNTIME" --arg id "$ID" --arg t "$TMP"
  "$RUNTIME" create -b "$B" --pid-file "$TMP/pid" "$ID"
  cat "$TMP/state"
  jq -e --arg id "$ID" --argjson pid "$(cat "$TMP/pid")" --arg b "$B" \
    '.status == "creating" and .id == $id and .pid == $pid and .bundle == $b' "$TMP/state"
  jq -e --arg id "$ID" '.[] | select(.id == $id) | .status == "creating"' "$TMP/list"
  [ "$(state_of "$ID")" = created ]
}

@test "lifecycle: a create killed midway leaves a stopped container that delete removes" {
  bundle_set "$B" '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "touch \"$0/in-hook\"; exec sleep 3", $t]}]' --arg t "$TMP"
  "$RUNTIME" create -b "$B" "$ID" >/dev/null 2>&1 &
  createpid=$!
  for _ in $(seq 100); do [ -e "$TMP/in-hook" ] && break; sleep 0.05; done
  [ "$(state_of "$ID")" = creating ]
  kill -KILL "$createpid"
  wait "$createpid" || true
  [ "$(state_of "$ID")" = stopped ]
  run "$RUNTIME" list
  [[ "$output" == *"$ID"*stopped* ]]
  # The init sees the sync socket close with its parent and exits: nothing is left running.
  for _ in $(seq 50); do [ -z "$(_bundle_leftover_processes "$B")" ] && break; sleep 0.1; done
  "$RUNTIME" delete "$ID"
  assert_no_leftovers "$ID" "$B"
}

@test "lifecycle: kill takes SIGNAME, NAME, numbers and RTMIN+N; a bad signal is an error; state carries annotations" {
  bundle_set "$B" '.process.args = ["payload", "wait-signal", "30"] | .annotations = {"org.keel.test": "yes"}'
  for spec in SIGUSR2:12 usr1:10 15:15 RTMIN+2:36; do
    "$RUNTIME" run -d -b "$B" "$ID" >"$TMP/out" 2>&1
    for _ in $(seq 100); do grep -q '^ready=1' "$TMP/out" && break; sleep 0.05; done
    [ "${spec%%:*}" != SIGUSR2 ] || "$RUNTIME" state "$ID" | jq -e '.annotations["org.keel.test"] == "yes"'
    "$RUNTIME" kill "$ID" "${spec%%:*}"
    for _ in $(seq 50); do [ "$(state_of "$ID")" = stopped ] && break; sleep 0.1; done
    cat "$TMP/out"
    grep -qx "signal.number=${spec#*:}" "$TMP/out"
    "$RUNTIME" delete "$ID"
  done
  "$RUNTIME" run -d -b "$B" "$ID" >/dev/null 2>&1
  for sig in NOPE 0 65 RTMIN+99; do
    run "$RUNTIME" kill "$ID" "$sig"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$sig"* ]]
  done
  [ "$(state_of "$ID")" = running ]
}

@test "lifecycle: a state temp dir left by a killed create is removed by delete -f and by the next create, unless its creator lives" {
  local R="$TMP/root" holder
  mkdir -p "$R/.$ID~AbC123" "$R/.$ID~live12" "$R/.other~zz9999"
  echo '{}' >"$R/.$ID~AbC123/state.json"
  echo '{}' >"$R/.$ID~AbC123/.state.json.tmp"
  # a creator still at work holds its temp dir's flock (-o: flock itself holds it, not its sleep)
  flock -o "$R/.$ID~live12" sleep 30 3>&- &
  holder=$!
  for _ in $(seq 50); do flock -n -o "$R/.$ID~live12" true || break; sleep 0.1; done
  "$RUNTIME" --root "$R" delete -f "$ID"
  [ ! -e "$R/.$ID~AbC123" ]
  [ -d "$R/.$ID~live12" ]
  [ -d "$R/.other~zz9999" ]
  kill "$holder"
  wait "$holder" || true
  mkdir "$R/.$ID~XyZ789"
  bundle_set "$B" '.process.args = ["true"]'
  "$RUNTIME" --root "$R" create -b "$B" "$ID" </dev/null >/dev/null 2>&1 3>&-
  "$RUNTIME" --root "$R" delete -f "$ID"
  [ ! -e "$R/.$ID~XyZ789" ]
  [ ! -e "$R/.$ID~live12" ]
  [ "$(ls -A "$R")" = ".other~zz9999" ]
}

@test "lifecycle: a created container's init holds none of the caller's fds but stdio and --preserve-fds, as runc's" {
  bundle_set "$B" '.process.args = ["true"]'
  # fd 3 is preserved, fd 7 (a pipe whose reader waits for EOF) is the caller's own
  echo preserved >"$TMP/preserved"
  mkfifo "$TMP/pipe"
  # the reader holds no fd of bats (or bats would wait for it) and gives up after a minute if create fails
  timeout 60 cat "$TMP/pipe" >/dev/null 3>&- &
  local reader=$!
  "$RUNTIME" create -b "$B" --preserve-fds 1 --pid-file "$TMP/pid" "$ID" </dev/null >/dev/null 2>&1 3<"$TMP/preserved" 7>"$TMP/pipe"
  pid=$(cat "$TMP/pid")
  ls -l "/proc/$pid/fd" | grep -q " -> $TMP/preserved\$"
  ! ls -l "/proc/$pid/fd" | grep -q "$TMP/pipe" || false
  # the reader saw EOF though the container is only created
  for _ in $(seq 50); do kill -0 "$reader" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$reader" 2>/dev/null || false
  [ "$("$RUNTIME" state "$ID" | jq -r .status)" = created ]
}
