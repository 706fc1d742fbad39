#!/usr/bin/env bats
# Crash consistency of the runtime: `runtime create` killed with SIGKILL after 0, 0.25, 0.5, ... 15 ms
# (50 us steps to 60 ms with KEEL_LONG=1; a create takes 5-20 ms here, plus the fork of sleep) (so at every
# stage from config loading through cgroup creation, the init's setup and the state write; the runtime
# logs only one debug line, so stages cannot be targeted one by one) → `runtime delete -f` cleans up, a
# new create of the same id succeeds, and nothing of the container is left (state, cgroups, mounts, processes).

load ../runtime/helpers

setup() {
  runtime_setup
  STATE="$TMP/state"
  mkdir -p "$STATE"
  bundle_set "$B" '.process.args = ["sleep", "100"]'
}

teardown() {
  local id
  for id in $(ls "$STATE" 2>/dev/null); do "$RUNTIME" --root "$STATE" delete -f "$id" >/dev/null 2>&1; done
  runtime_teardown
}

leftovers() {
  ls -A "$STATE"
  find /sys/fs/cgroup/"$KEEL_CGROUP_PARENT" /sys/fs/cgroup/*/"$KEEL_CGROUP_PARENT" -name "$ID" 2>/dev/null
  grep -F "$TMP" /proc/self/mountinfo
  pgrep -af -- "$TMP"
  return 0
}

@test "crash: create killed at successive points; delete -f and a new create of the id succeed, nothing left" {
  local us ms pid step=250 last=15000 left points=0 hit=0
  [ -z "${KEEL_LONG:-}" ] || { step=50; last=60000; }
  for us in $(seq 0 "$step" "$last"); do
    ms="$((us / 1000)).$(printf %03d $((us % 1000)))"
    points=$((points + 1))
    "$RUNTIME" --root "$STATE" create -b "$B" "$ID" </dev/null >/dev/null 2>&1 &
    pid=$!
    sleep "0.$(printf %06d "$us")"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" || hit=$((hit + 1))
    "$RUNTIME" --root "$STATE" delete -f "$ID" >/dev/null 2>&1 || true
    left=$(leftovers)
    [ -z "$left" ] || { echo "killed after $ms ms, then delete -f: left $left"; false; }
    "$RUNTIME" --root "$STATE" create -b "$B" "$ID" </dev/null >/dev/null 2>"$TMP/err" || { echo "after $ms ms: $(cat "$TMP/err")"; false; }
    "$RUNTIME" --root "$STATE" delete -f "$ID"
    left=$(leftovers)
    [ -z "$left" ] || { echo "after $ms ms, create+delete: left $left"; false; }
  done
  echo "create killed at $points points ($hit before it exited): always recovered, nothing left" >&3
  [ "$hit" -gt 0 ]
}

# The calls of `runtime create` at which a kill is worth trying, as "SYSCALL N" lines (the Nth call of
# SYSCALL by the runtime itself, not its child): each sync-socket message (sendmsg/recvmsg: SYNC_GO,
# SYNC_HOOKS, SYNC_HOOKS_DONE, SYNC_READY in runtime/container.c drive_child), the clone3 of the init,
# every state write (rename: state.json "creating", the config copy, "created"; renameat2: the state dir
# published) and the fifo; with KEEL_LONG=1 every mkdir too (the state dir, each cgroup directory).
kill_points() {
  local calls="sendmsg,recvmsg,clone3,rename,renameat2,mknodat,mknod"
  [ -z "${KEEL_LONG:-}" ] || calls="$calls,mkdir,mkdirat"
  strace -qq -o "$TMP/trace" -e trace="$calls" "$RUNTIME" --root "$STATE" create -b "$B" "$ID" </dev/null >/dev/null 2>&1
  "$RUNTIME" --root "$STATE" delete -f "$ID" >/dev/null
  sed -n 's/^\([a-z0-9]*\)(.*/\1/p' "$TMP/trace" | awk '{ print $1, ++n[$1] }'
}

@test "crash: create killed at each sync point and state write (strace inject); delete -f cleans up, nothing left" {
  local call n points=0 left status
  command -v strace >/dev/null || skip "strace missing"
  kill_points >"$TMP/points"
  # the four messages of the protocol at least
  [ "$(grep -c '^sendmsg\|^recvmsg' "$TMP/points")" -ge 4 ]
  while read -r call n; do
    points=$((points + 1))
    # signal=KILL on entry: the call never happens, the runtime dies as under `kill -9` at that instant
    strace -qq -o /dev/null -e trace="$call" -e inject="$call":signal=KILL:when="$n" \
      "$RUNTIME" --root "$STATE" create -b "$B" "$ID" </dev/null >/dev/null 2>&1 && status=0 || status=$?
    # strace reports its tracee's death by signal as 128+9
    [ "$status" -eq 137 ] || { echo "$call #$n: create not killed (exit $status)"; false; }
    # the runtime's init may still be blocked on the sync socket or the fifo: delete -f must find it
    "$RUNTIME" --root "$STATE" delete -f "$ID" >"$TMP/err" 2>&1 ||
      grep -q "does not exist" "$TMP/err" || { echo "$call #$n: delete -f: $(cat "$TMP/err")"; false; }
    # killed between the mkdtemp of the state dir and its rename into place, create leaves <root>/.ID~XXXXXX;
    # delete -f of the (unpublished) id removes it (state_dir_sweep_stale)
    if compgen -G "$STATE/.$ID~*" >/dev/null; then
      echo "killed at $call #$n, then delete -f: a state temp dir stayed: $(ls -A "$STATE")"
      false
    fi
    # an init that lost its parent before SYNC_GO exits by itself: give it a moment
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(leftovers)" ] && break; sleep 0.2; done
    left=$(leftovers)
    [ -z "$left" ] || { echo "killed at $call #$n, then delete -f: left $left"; false; }
    "$RUNTIME" --root "$STATE" create -b "$B" "$ID" </dev/null >/dev/null 2>"$TMP/err" ||
      { echo "after $call #$n: create: $(cat "$TMP/err")"; false; }
    "$RUNTIME" --root "$STATE" delete -f "$ID"
    left=$(leftovers)
    [ -z "$left" ] || { echo "after $call #$n, create+delete: left $left"; false; }
  done <"$TMP/points"
  echo "create killed at $points points ($(tr '\n' ' ' <"$TMP/points")): recovered every time" >&3
}
