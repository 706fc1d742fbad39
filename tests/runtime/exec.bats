#!/usr/bin/env bats
# runtime exec: all of the container's namespaces and its cgroup, the process options, the exit status.

load helpers

setup() {
  runtime_setup
  bundle_set "$B" '.process.args = ["payload", "sleep", "60"] | .hostname = "inside"'
  "$RUNTIME" run -d -b "$B" --pid-file "$TMP/pid" "$ID"
  PID=$(cat "$TMP/pid")
}
teardown() { runtime_teardown; }

has() { grep -qxF -- "$1" <<<"$output" || { echo "missing line: $1" >&2; return 1; }; }

@test "exec: enters every namespace of the container and its cgroup" {
  run "$RUNTIME" exec "$ID" payload ns
  [ "$status" -eq 0 ]
  for ns in pid net ipc uts mnt; do
    has "ns.$ns=$(stat -L -c %i "/proc/$PID/ns/$ns")"
  done
  run "$RUNTIME" exec "$ID" payload cgroup
  has "cgroup.memory=/keel/$ID"
  run "$RUNTIME" exec "$ID" payload hostname
  has "hostname=inside"
}

@test "exec: the exit status is the process's, 128+N when killed" {
  run "$RUNTIME" exec "$ID" payload exit 42
  [ "$status" -eq 42 ]
  run "$RUNTIME" exec "$ID" payload kill-self SEGV
  [ "$status" -eq 139 ]
}

@test "exec: --env, --cwd, --user, --cap, --no-new-privs" {
  run "$RUNTIME" exec -e FOO=1 --env BAR=two --cwd /tmp "$ID" payload report
  has "env.FOO=1"; has "env.BAR=two"; has "cwd=/tmp"
  run "$RUNTIME" exec -u 1000:1000 "$ID" payload ids
  has "uid=1000"; has "gid=1000"
  run "$RUNTIME" exec --cap CAP_NET_RAW "$ID" payload caps
  grep -q '^CapBnd.names=.*CAP_NET_RAW' <<<"$output"
  run "$RUNTIME" exec --no-new-privs "$ID" payload nnp
  has "NoNewPrivs=1"
}

@test "exec: --process reads a process.json" {
  jq -n '{args: ["payload", "report"], cwd: "/home", env: ["X=y", "PATH=/bin"], user: {uid: 0, gid: 0}}' >"$TMP/process.json"
  run "$RUNTIME" exec -p "$TMP/process.json" "$ID"
  [ "$status" -eq 0 ]
  has "cwd=/home"; has "env.X=y"
}

@test "exec: -d with --pid-file leaves the process running in the container" {
  "$RUNTIME" exec -d --pid-file "$TMP/epid" "$ID" payload sleep 30
  epid=$(cat "$TMP/epid")
  kill -0 "$epid"
  [ "$(stat -L -c %i "/proc/$epid/ns/pid")" = "$(stat -L -c %i "/proc/$PID/ns/pid")" ]
  grep -q "/keel/$ID" "/proc/$epid/cgroup"
}

@test "exec: errors for a missing command, a stopped or unknown container" {
  run "$RUNTIME" exec "$ID" no-such-cmd
  [ "$status" -eq 1 ]
  [[ "$output" == *"exec $ID: exec \`no-such-cmd\`: executable file not found in \$PATH"* ]]
  run "$RUNTIME" exec "nope-$ID" payload ids
  [ "$status" -eq 1 ]
  [[ "$output" == *"container \`nope-$ID\` does not exist"* ]]
  "$RUNTIME" kill "$ID" KILL
  for _ in $(seq 50); do [ "$("$RUNTIME" state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  run "$RUNTIME" exec "$ID" payload ids
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: exec $ID: container is stopped" ]]
}

@test "exec: -t with --console-socket gives the process a pty; --preserve-fds passes fds" {
  python3 "$KEEL_SRCDIR/tests/runtime/console_recv.py" "$TMP/console.sock" >"$TMP/console.out" 2>/dev/null &
  recv=$!
  for _ in $(seq 100); do [ -e "$TMP/console.sock.ready" ] && break; sleep 0.05; done
  "$RUNTIME" exec -t --console-socket "$TMP/console.sock" "$ID" payload isatty
  wait "$recv"
  grep -q '^isatty.0=1' "$TMP/console.out"
  grep -q '^ctty=ok' "$TMP/console.out"
  run "$RUNTIME" exec --preserve-fds 1 "$ID" payload fds 3</dev/null
  has "fd.3=/dev/null"
  run "$RUNTIME" exec "$ID" payload fds 3</dev/null
  ! grep -q '^fd.3=' <<<"$output" || false
}

@test "exec: namespaces listed with mount before network are all joined (containerd's order)" {
  "$RUNTIME" delete -f "$ID"
  bundle_set "$B" '.linux.namespaces = [{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"network"}]'
  "$RUNTIME" run -d -b "$B" --pid-file "$TMP/pid" "$ID"
  PID=$(cat "$TMP/pid")
  run "$RUNTIME" exec "$ID" payload ns
  [ "$status" -eq 0 ]
  for ns in pid net ipc uts mnt; do
    has "ns.$ns=$(stat -L -c %i "/proc/$PID/ns/$ns")"
  done
}

# Restart the container with /proc/keys visible (the default spec masks it) and CREATE_FLAGS for create.
rerun_with_keys() {
  "$RUNTIME" delete -f "$ID"
  bundle_set "$B" '.linux.maskedPaths = []'
  "$RUNTIME" create -b "$B" "$@" "$ID"
  "$RUNTIME" start "$ID"
}

@test "exec: the process joins the container's session keyring _ses.ID as runc's exec does, never the caller's" {
  rerun_with_keys
  # As uid 1000 /proc/keys lists only what the process possesses: its session keyring and what hangs off it.
  run "$RUNTIME" exec -u 1000 "$ID" cat /proc/keys
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q " keyring *_ses\.$ID: " <<<"$output"
  [ "$(grep -c keyring <<<"$output")" -eq 1 ]
  # The same keyring as the container's init (one serial), not a new one per exec.
  init_key=$(awk -v n="_ses.$ID:" '$9 == n { print $1 }' /proc/keys)
  [ "$(awk '{ print $1 }' <<<"$output")" = "$init_key" ]
}

@test "exec: after create --no-new-keyring, exec keeps its caller's session keyring too (as runc)" {
  rerun_with_keys --no-new-keyring
  # Without the mark create leaves, exec would join (or make) _ses.ID. As root it would see every key: uid 1000.
  run "$RUNTIME" exec -u 1000 "$ID" cat /proc/keys
  echo "$output"
  [ "$status" -eq 0 ]
  ! grep -q "_ses\.$ID" <<<"$output" || false
}

@test "exec and run: HOME comes from the user's entry in the container's /etc/passwd when env has none (as runc)" {
  run "$RUNTIME" exec "$ID" payload report
  has "env.HOME=/root"
  run "$RUNTIME" exec -u 1000 "$ID" payload report
  has "env.HOME=/home/user"
  # No entry for the uid: /, as runc.
  run "$RUNTIME" exec -u 4242 "$ID" payload report
  has "env.HOME=/"
  # An explicit HOME wins; an empty one is replaced.
  run "$RUNTIME" exec -e HOME=/x "$ID" payload report
  has "env.HOME=/x"
  run "$RUNTIME" exec -e HOME= "$ID" payload report
  has "env.HOME=/root"
  "$RUNTIME" delete -f "$ID"
  bundle_set "$B" '.process.args = ["payload", "report"] | .process.user = {uid: 1000, gid: 1000}'
  run "$RUNTIME" run -b "$B" "$ID"
  has "env.HOME=/home/user"
  bundle_set "$B" '.process.env += ["HOME=/elsewhere"]'
  run "$RUNTIME" run -b "$B" "$ID"
  has "env.HOME=/elsewhere"
}

# pidfile_written_atomically TRACE PATH: strace shows PATH made by renaming a temporary file, never opened itself.
pidfile_written_atomically() {
  cat "$1"
  grep -Eq "^rename(at2?)?\(.*\"$2\.tmp-[A-Za-z0-9]{6}\", .*\"$2\"(, 0)?\) = 0" "$1"
  ! grep -q "open.*\"$2\"" "$1" || false
}

@test "--pid-file is written atomically (temp file + rename) by create and exec" {
  command -v strace >/dev/null || skip "strace not installed"
  run strace -qq -o "$TMP/exec.trace" -e trace=open,openat,rename,renameat,renameat2 \
    "$RUNTIME" exec -d --pid-file "$TMP/epid" "$ID" payload sleep 30
  [ "$status" -eq 0 ]
  pidfile_written_atomically "$TMP/exec.trace" "$TMP/epid"
  kill -0 "$(cat "$TMP/epid")"
  "$RUNTIME" delete -f "$ID"
  # Not under `run`: the init keeps create's stdout open until it exits.
  strace -qq -o "$TMP/create.trace" -e trace=open,openat,rename,renameat,renameat2 \
    "$RUNTIME" create -b "$B" --pid-file "$TMP/cpid" "$ID" >/dev/null 2>&1
  pidfile_written_atomically "$TMP/create.trace" "$TMP/cpid"
  [ "$(cat "$TMP/cpid")" = "$("$RUNTIME" state "$ID" | jq .pid)" ]
}

@test "exec: in a user namespace, the process joins the init's keyring too (set up by the init, whose key it is)" {
  "$RUNTIME" delete -f "$ID"
  chmod 0755 "$TMP"
  chown -R 210000:210000 "$B/rootfs"
  bundle_set "$B" '.linux.namespaces += [{type: "user"}] | .linux.maskedPaths = []
    | .linux.uidMappings = [{containerID: 0, hostID: 210000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 210000, size: 65536}]'
  "$RUNTIME" run -d -b "$B" "$ID" >/dev/null 2>&1
  run "$RUNTIME" exec "$ID" cat /proc/keys
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q " keyring *_ses\.$ID: " <<<"$output"
  run "$RUNTIME" exec -u 1000 "$ID" cat /proc/keys
  [ "$status" -eq 0 ]
  grep -q " keyring *_ses\.$ID: " <<<"$output"
}
