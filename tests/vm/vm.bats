#!/usr/bin/env bats
# The cgroup v2 test VM itself (tests/lib/vm): boots, runs commands as root, carries output and exit status back.
load ../lib/common

VM="$KEEL_SRCDIR/tests/lib/vm/run.sh"

# Checked once; each test skips with the reason (bats 1.8's skip inside setup_file reports a failure instead).
setup_file() {
  VM_UNAVAILABLE=
  if [ "${EUID:-$(id -u)}" != 0 ]; then
    VM_UNAVAILABLE="the test VM needs root"
  else
    VM_UNAVAILABLE=$("$KEEL_SRCDIR/tests/lib/vm/run.sh" --check) || true
  fi
  export VM_UNAVAILABLE
}

setup() {
  [ -z "$VM_UNAVAILABLE" ] || skip "$VM_UNAVAILABLE"
  TMP=$(keel_mktemp)
}

teardown() {
  [ -z "${TMP:-}" ] || rm -rf "$TMP"
}

@test "vm: boots a pure cgroup v2 system with its controllers enabled (boot time reported)" {
  local start end
  start=$EPOCHREALTIME
  run "$VM" -- bash -c 'stat -f -c %T /sys/fs/cgroup; cat /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/cgroup.subtree_control; id -u'
  end=$EPOCHREALTIME
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = cgroup2fs ]
  local c
  for c in cpu cpuset io memory pids hugetlb; do
    [[ " ${lines[1]} " == *" $c "* ]] || { echo "controller $c missing"; return 1; }
    [[ " ${lines[2]} " == *" $c "* ]] || { echo "controller $c not enabled"; return 1; }
  done
  [ "${lines[3]}" = 0 ]
  # A TAP comment in the log: boot, run and power-off as measured from the host. Host load shows here, and so
  # does building the base image when the cache is cold (first run, or after run.sh/init changed).
  printf '# vm boot+run+poweroff: %.1f s\n' "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" >&3
}

@test "vm: the command's exit status comes back" {
  run "$VM" -- sh -c 'exit 42'
  [ "$status" -eq 42 ]
}

@test "vm: arguments, environment and working directory arrive intact" {
  cd "$TMP"
  KEEL_VM_PROBE='x y' run "$VM" --env 'OTHER=a"b' --files "$TMP" -- \
    bash -c 'printf "<%s>" "$@"; echo; echo "$KEEL_VM_PROBE|$OTHER|$PWD"' arg0 'a b' "c'd" '$HOME' ''
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "<a b><c'd><\$HOME><>" ]
  [ "${lines[1]}" = "x y|a\"b|$TMP" ]
}

@test "vm: 1000 lines of stdout arrive intact, stderr separately" {
  "$VM" -- sh -c 'seq 1 1000; echo to-stderr >&2' >"$TMP/out" 2>"$TMP/err"
  seq 1 1000 | cmp - "$TMP/out"
  grep -qx to-stderr "$TMP/err"
}

@test "vm: --files packs host files at the same path, with the shared libraries of binaries" {
  mkdir -p "$TMP/tree/sub"
  echo hello >"$TMP/tree/sub/file"
  # dpkg-deb is not in the base image and needs libraries of its own.
  run "$VM" --files "$TMP/tree" /usr/bin/dpkg-deb -- sh -c "cat $TMP/tree/sub/file && /usr/bin/dpkg-deb --version | head -n 1"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hello ]
  [[ "${lines[1]}" == *"dpkg-deb"* ]]
}

@test "vm: --modules loads kernel modules with their dependencies (loop gives block devices for io tests)" {
  run "$VM" --modules loop -- bash -c 'test -d /sys/module/loop && /usr/bin/stat -c %t:%T /dev/loop0'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = 7:0 ]
}

@test "vm: a bats suite inside reports its TAP, failures included" {
  # printf, not a here-document: bats would preprocess @test lines of this file even inside one.
  printf '%s\n' '@test "inner passes" { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }' \
    '@test "inner fails" { false; }' >"$TMP/inner.bats"
  printf 'suite %s\n' "$TMP/inner.bats" >"$TMP/inner.vmbats"
  run "$KEEL_SRCDIR/tests/lib/vm/bats-in-vm" --tap "$TMP/inner.vmbats"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = 1..2 ]
  [ "${lines[1]}" = "ok 1 inner passes" ]
  [ "${lines[2]}" = "not ok 2 inner fails" ]
}

@test "vm: a hung command is killed at --timeout" {
  run "$VM" --timeout 20 -- sleep 1000
  echo "$output"
  [ "$status" -eq 124 ]
  [[ "$output" == *"timed out after 20s"* ]]
}

@test "vm: bad usage is refused before booting" {
  run "$VM" --mem lots -- true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--mem lots"* ]]
  run "$VM" --files /nonexistent/keel -- true
  [ "$status" -eq 125 ]
  [[ "$output" == *"/nonexistent/keel does not exist"* ]]
}

@test "vm: runtime --version works inside" {
  [ -x "$RUNTIME" ] || skip "$RUNTIME not built"
  run "$VM" --files "$RUNTIME" -- "$RUNTIME" --version
  echo "$output"
  [ "$status" -eq 0 ]
  [ -n "$output" ]
}

@test "vm: both manifest drivers (bats-in-vm, bats-in-pure-v1) bail out on a bad manifest, naming it" {
  printf 'suite %s\nmemory 512\n' "$TMP/none.bats" >"$TMP/bad.vmbats"
  run "$KEEL_SRCDIR/tests/lib/vm/bats-in-vm" "$TMP/bad.vmbats"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$output" = "Bail out! $TMP/bad.vmbats: unknown directive 'memory' (want suite, files, modules, mem, timeout)" ]
  printf 'suite %s\n' "$TMP/none.bats" >"$TMP/missing.vmbats"
  run "$KEEL_SRCDIR/tests/lib/vm/bats-in-vm" "$TMP/missing.vmbats"
  [ "$output" = "Bail out! $TMP/missing.vmbats: suite $TMP/none.bats does not exist" ]
  printf '# nothing\n' >"$TMP/empty.v1bats"
  run "$KEEL_SRCDIR/tests/lib/bats-in-pure-v1" "$TMP/empty.v1bats"
  [ "$status" -eq 1 ]
  [ "$output" = "Bail out! $TMP/empty.v1bats: no 'suite PATH' line" ]
  printf 'suite x\nmem 1\n' >"$TMP/bad.v1bats"
  run "$KEEL_SRCDIR/tests/lib/bats-in-pure-v1" "$TMP/bad.v1bats"
  [ "$output" = "Bail out! $TMP/bad.v1bats: unknown directive 'mem' (want suite)" ]
}
