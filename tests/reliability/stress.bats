#!/usr/bin/env bats
# Stress and leaks: containers created, started, killed and deleted by parallel workers, then sequential
# runs; afterwards no state dir, cgroup, mount or process of theirs may remain, and no runtime fd may
# reach the container. Short in `make check`; KEEL_LONG=1 (make check-long): 200 by 8 workers, 1000 runs.

load ../runtime/helpers

setup() {
  runtime_setup
  STATE="$TMP/state"
  mkdir -p "$STATE"
  if [ -n "${KEEL_LONG:-}" ]; then
    CONTAINERS=200 WORKERS=8 RUNS=1000
  else
    CONTAINERS=16 WORKERS=4 RUNS=20
  fi
}

teardown() {
  local id
  for id in $(ls "$STATE" 2>/dev/null); do "$RUNTIME" --root "$STATE" delete -f "$id" >/dev/null 2>&1; done
  runtime_teardown
}

# Everything a container of this test could leak.
leaks() {
  ls -A "$STATE"
  find /sys/fs/cgroup/"$KEEL_CGROUP_PARENT" /sys/fs/cgroup/*/"$KEEL_CGROUP_PARENT" -name "$ID-*" 2>/dev/null
  grep -F "$TMP" /proc/self/mountinfo
  pgrep -af -- "$TMP"
  return 0
}

# One container's life: create, start, kill, delete; prints a line on any failure.
life() {
  local id=$1
  "$RUNTIME" --root "$STATE" create -b "$B" "$id" </dev/null >/dev/null 2>"$TMP/err-$id" || { echo "create $id: $(cat "$TMP/err-$id")"; return; }
  "$RUNTIME" --root "$STATE" start "$id" 2>>"$TMP/err-$id" || echo "start $id"
  "$RUNTIME" --root "$STATE" kill "$id" KILL 2>>"$TMP/err-$id" || echo "kill $id"
  for _ in $(seq 50); do
    "$RUNTIME" --root "$STATE" state "$id" 2>/dev/null | grep -q '"stopped"' && break
    sleep 0.1
  done
  "$RUNTIME" --root "$STATE" delete "$id" 2>>"$TMP/err-$id" || echo "delete $id: $(cat "$TMP/err-$id")"
}

@test "stress: containers created, started, killed and deleted by parallel workers leave nothing" {
  local before after w
  bundle_set "$B" '.process.args = ["sleep", "100"]'
  before=$(leaks)
  for w in $(seq "$WORKERS"); do
    (for i in $(seq "$w" "$WORKERS" "$CONTAINERS"); do life "$ID-$i"; done) >"$TMP/worker-$w" &
  done
  wait
  cat "$TMP"/worker-*
  [ -z "$(cat "$TMP"/worker-*)" ]
  after=$(leaks)
  diff <(echo "$before") <(echo "$after")
  echo "$CONTAINERS containers by $WORKERS workers: no leak" >&3
}

@test "stress: sequential runs exit 0, leave nothing, and pass no runtime fd to the container" {
  local before after i fails=0 fds
  bundle_set "$B" '.process.args = ["ls", "/proc/self/fd"]'
  before=$(leaks)
  for i in $(seq "$RUNS"); do
    "$RUNTIME" --root "$STATE" run -b "$B" "$ID-r$i" </dev/null >"$TMP/out" 2>&1 || { fails=$((fails + 1)); cat "$TMP/out"; }
  done
  [ "$fails" = 0 ]
  # ls sees its stdio and the directory it reads: nothing else was inherited
  fds=$(tr '\n' ' ' <"$TMP/out")
  [ "$fds" = "0 1 2 3 " ]
  after=$(leaks)
  diff <(echo "$before") <(echo "$after")
  echo "$RUNS sequential runs: no failure, no leak" >&3
}

# create, run and exec re-execute a sealed memfd copy of the runtime (CVE-2019-5736), which valgrind
# cannot follow: they are left out; every other verb runs under memcheck.
@test "leaks: runtime state/list/kill/delete/spec/features and imagetool verbs under valgrind lose no memory" {
  command -v valgrind >/dev/null || skip "valgrind not installed"
  local vg=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 -q) cmd
  bundle_set "$B" '.process.args = ["sleep", "100"]'
  "$RUNTIME" --root "$STATE" create -b "$B" "$ID-vg" </dev/null >/dev/null 2>&1
  cd "$TMP"
  while IFS= read -r cmd; do
    eval "run ${vg[*]} $cmd"
    echo "$status: $cmd"
    [ "$status" != 99 ] || { echo "$output"; false; }
  done <<CMDS
"$RUNTIME" --root "$STATE" state "$ID-vg"
"$RUNTIME" --root "$STATE" list
"$RUNTIME" --root "$STATE" list --format json
"$RUNTIME" --root "$STATE" kill "$ID-vg" KILL
"$RUNTIME" --root "$STATE" delete -f "$ID-vg"
"$RUNTIME" --root "$STATE" state no-such-container
"$RUNTIME" spec --rootless
"$RUNTIME" features
"$IMAGETOOL" --store "$TMP/store" images
"$IMAGETOOL" --store "$TMP/store" fsck
"$IMAGETOOL" --store "$TMP/store" gc
"$IMAGETOOL" --store "$TMP/store" pull "bad reference!!"
"$IMAGETOOL" --store "$TMP/store" inspect docker.io/library/none:latest
"$IMAGETOOL" --store "$TMP/store" unpack docker.io/library/none:latest "$TMP/b2"
CMDS
  [ ! -e "$STATE/$ID-vg" ]
}
