#!/usr/bin/env bats
# Attacks from known runtime escapes (CVE-2019-5736, CVE-2024-21626, CVE-2021-30465): each must fail, leaving the host unchanged.

load helpers

setup() {
  runtime_setup
  ATTACKER="$KEEL_BUILDDIR/tests/runtime/exe-attacker"
  cp "$ATTACKER" "$B/rootfs/bin/exe-attacker"
  # The attacker reports in /tmp/result.
  bundle_set "$B" ".root.readonly = false"
  # The attacks target the binary that ran: a copy of our own, so a success cannot break the build's.
  cp "$RUNTIME" "$TMP/runtime"
  RT="$TMP/runtime"
  SUM=$(sha256sum <"$RT")
}

teardown() {
  [ -z "${ID:-}" ] || "$RT" delete -f "$ID" >/dev/null 2>&1 || true
  [ -z "${CANARY:-}" ] || rm -rf "$CANARY"
  runtime_teardown
}

# wait_file PATH [SECONDS]
wait_file() {
  for _ in $(seq $((${2:-15} * 10))); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  echo "no $1" >&2
  return 1
}

binary_unchanged() {
  [ "$(sha256sum <"$RT")" = "$SUM" ]
}

@test "CVE-2019-5736: create, run and exec run from a sealed memfd copy of the runtime binary" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"]'
  "$RT" run -b "$B" "$ID" >/dev/null 2>&1 &
  for _ in $(seq 100); do
    pid=$(pgrep -f "^$RT run -b $B $ID\$" | head -1)
    [ -n "$pid" ] && [ "$("$RT" state "$ID" 2>/dev/null | jq -r .status)" = running ] && break
    sleep 0.1
  done
  [ "$(readlink "/proc/$pid/exe")" = "/memfd:runtime (deleted)" ]
  # ps and pgrep still see `runtime`, not the fd number fexecve named it after.
  [ "$(cat "/proc/$pid/comm")" = runtime ]
  # Sealed: not even the host's root can write to it (ETXTBSY or EPERM).
  run sh -c "printf PWNED >>/proc/$pid/exe"
  [ "$status" -ne 0 ]
  run sh -c "exec 7</proc/$pid/exe; printf PWNED | dd of=/proc/self/fd/7 conv=notrunc 2>&1"
  [ "$status" -ne 0 ]
  "$RT" delete -f "$ID"
  binary_unchanged
}

@test "CVE-2019-5736: during create, the container cannot open the waiting init's /proc/1/exe" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "10"]'
  "$RT" create -b "$B" "$ID" >/dev/null 2>&1
  # The init is a clone of the runtime, blocked on exec.fifo; the attacker joins the container with exec.
  "$RT" exec -d "$ID" exe-attacker 1 3 /tmp/result
  sleep 0.5
  "$RT" start "$ID"
  # The attacker keeps trying to write whatever it got until after every runtime process is gone.
  wait_file "$B/rootfs/tmp/result"
  cat "$B/rootfs/tmp/result"
  grep -qx "denied=1" "$B/rootfs/tmp/result"
  grep -qx "opened=0" "$B/rootfs/tmp/result"
  grep -qx "written=0" "$B/rootfs/tmp/result"
  binary_unchanged
}

@test "CVE-2019-5736: exec's process cannot be opened through /proc while it joins the container" {
  bundle_set "$B" '.process.args = ["exe-attacker", "scan", "60", "/tmp/result"]'
  "$RT" run -d -b "$B" "$ID" >/dev/null 2>&1
  # Each exec's child is in the container's pid namespace from clone to execve; the attacker scans /proc.
  for _ in $(seq 20); do
    "$RT" exec "$ID" payload exit 0
  done
  # Give it time to write to whatever it holds, now that no runtime runs.
  sleep 1
  touch "$B/rootfs/tmp/stop"
  wait_file "$B/rootfs/tmp/result" 20
  cat "$B/rootfs/tmp/result"
  # It did see the runtime's children (so the test means something) but could open none.
  ! grep -qx "denied=0" "$B/rootfs/tmp/result" || false
  grep -qx "opened=0" "$B/rootfs/tmp/result"
  grep -qx "written=0" "$B/rootfs/tmp/result"
  binary_unchanged
}

# ---- CVE-2024-21626 ----

@test "CVE-2024-21626: no fd of the runtime reaches run's or exec's process, whatever the caller had open" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"]'
  # fds the caller leaves open (a host directory, a file): create must not pass them on either.
  "$RT" run -d -b "$B" "$ID" 5</ 6<"$B/config.json" >/dev/null 2>&1
  run "$RT" exec "$ID" payload fds 5</ 6<"$B/config.json"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^fd\.' <<<"$output")" -eq 3 ]
  run "$RT" exec "$ID" payload ls /proc/1/fd
  [ "$output" = "$(printf '0\n1\n2')" ]
  run "$RT" exec --preserve-fds 1 "$ID" payload fds 3</dev/null 5</
  [ "$(grep -c '^fd\.' <<<"$output")" -eq 4 ]
  grep -qx "fd.3=/dev/null" <<<"$output"
}

@test "CVE-2024-21626: process.cwd through /proc/self/fd fails cleanly for run and exec; cwd stays inside the root" {
  bundle_set "$B" '.process.args = ["payload", "cwd"] | .process.cwd = "/proc/self/fd/3"'
  # fd 3 is a host directory handed over with --preserve-fds: chdir through it would leave the container.
  run "$RT" run --preserve-fds 1 -b "$B" "$ID" 3</
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"process.cwd: resolve \`/proc/self/fd/3\` in the rootfs"* ]]
  [[ "$output" != *"cwd=/"* ]]
  "$RT" delete -f "$ID" >/dev/null 2>&1 || true
  # .. cannot climb out either: it stops at the container's /.
  bundle_set "$B" '.process.cwd = "/tmp/../../../../etc"'
  run "$RT" run -b "$B" "$ID"
  echo "cwd through ..: $output"
  [ "$output" = "cwd=/etc" ]
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"] | .process.cwd = "/"'
  "$RT" run -d -b "$B" "$ID" >/dev/null 2>&1
  run "$RT" exec --preserve-fds 1 --cwd /proc/self/fd/3 "$ID" payload cwd 3</
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"process.cwd: resolve \`/proc/self/fd/3\` in the rootfs"* ]]
  run "$RT" exec --cwd /proc/1/cwd "$ID" payload cwd
  [ "$status" -ne 0 ]
}

# ---- CVE-2021-30465 class: symlinks in the rootfs pointing at host paths ----

# A host directory the container must never reach, with a file in it. Not under /dev (like $TMP):
# inside the container that path would be hidden by the container's own /dev.
make_canary() {
  CANARY=$(mktemp -d /var/tmp/keel-canary.XXXXXX)
  echo secret >"$CANARY/secret"
}

canary_untouched() {
  [ "$(ls -A "$CANARY")" = secret ]
  [ "$(cat "$CANARY/secret")" = secret ]
  ! grep -q " $CANARY[ /]" /proc/self/mountinfo || false
}

@test "CVE-2021-30465: mount destinations through symlinks to host paths land inside the rootfs" {
  make_canary
  ln -s "$CANARY" "$B/rootfs/x"
  ln -s ../../../../../../../.. "$B/rootfs/up"
  mkdir -p "$TMP/vol"
  bundle_set "$B" '.root.readonly = false | .process.args = ["payload", "mounts"]
    | .mounts += [{destination: "/x", type: "tmpfs", source: "tmpfs"},
                  {destination: "/x/sub", type: "bind", source: $v, options: ["bind"]},
                  {destination: "/up/\($c)/y", type: "tmpfs", source: "tmpfs"}]' --arg v "$TMP/vol" --arg c "${CANARY#/}"
  run "$RT" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  # The symlinks were followed inside the container's root: the mounts are at $CANARY seen from inside.
  grep -q "^mount=$CANARY root=/ fstype=tmpfs" <<<"$output"
  grep -q "^mount=$CANARY/sub " <<<"$output"
  grep -q "^mount=$CANARY/y " <<<"$output"
  canary_untouched
  [ -z "$(ls -A "$TMP/vol")" ]
}

@test "CVE-2021-30465: maskedPaths and readonlyPaths through symlinks to host paths stay inside the rootfs" {
  make_canary
  ln -s "$CANARY" "$B/rootfs/evil"
  mkdir -p "$B/rootfs$CANARY"
  echo inside >"$B/rootfs$CANARY/secret"
  bundle_set "$B" '.root.readonly = false | .process.args = ["sh", "-c", "cat /evil/secret; touch /evil/new; echo rc=$?"]
    | .linux.maskedPaths = ["/evil/secret"] | .linux.readonlyPaths = ["/evil"]'
  run "$RT" run -b "$B" "$ID"
  echo "$output"
  # Masked and read-only inside (the container's file is covered, its directory read-only) ...
  [[ "$output" != *inside* ]]
  [[ "$output" == *"rc=1"* ]]
  # ... and the host's directory is neither masked, remounted nor written.
  canary_untouched
  touch "$CANARY/writable" && rm "$CANARY/writable"
}

@test "CVE-2021-30465: a /proc that is a symlink to a host path cannot get procfs mounted on the host" {
  make_canary
  rmdir "$B/rootfs/proc"
  ln -s "$CANARY" "$B/rootfs/proc"
  bundle_set "$B" '.root.readonly = false | .process.args = ["payload", "mounts"]'
  run "$RT" run -b "$B" "$ID"
  echo "$output"
  # Refused as runc refuses it (never mounted on the host, nor at the symlink's target inside the rootfs).
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: run $ID: "*'"proc" must be mounted on ordinary directory'* ]]
  canary_untouched
}

@test "CVE-2021-30465: exec joins the container's namespaces before it resolves a path: --cwd through a symlink stays inside" {
  make_canary
  ln -s "$CANARY" "$B/rootfs/x"
  mkdir -p "$B/rootfs$CANARY"
  bundle_set "$B" '.root.readonly = false | .process.args = ["payload", "sleep", "30"]'
  "$RT" run -d -b "$B" "$ID" >/dev/null 2>&1
  run "$RT" exec --cwd /x "$ID" payload write planted yes
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$B/rootfs$CANARY/planted")" = yes ]
  canary_untouched
}
