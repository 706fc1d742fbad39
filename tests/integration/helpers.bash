# Shared helpers for the orchestrator suites (podman, containerd, differential): reference runtime choice,
# argv-logging wrappers, and teardown of everything an orchestrator leaves (processes, mounts, cgroups).
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bundle.bash"

# skip_unless_tools TOOL...: skip the test (or the whole file from setup_file) when a tool is missing.
skip_unless_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
  done
}

# True on a hybrid host whose cgroup2 mount holds controllers (this machine's holds hugetlb), where crun 1.8
# refuses to run ("cgroups in hybrid mode not supported"). A pure v1 layout (also a hybrid one whose cgroup2
# holds none, or the private namespace of tests/lib/bats-in-pure-v1) and cgroup v2 suit it.
host_is_hybrid_with_v2_controllers() {
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] &&
    [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
    [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]
}

# Prints the absolute path of the reference runtime: crun where it can run here, else runc.
reference_runtime() {
  if ! host_is_hybrid_with_v2_controllers && command -v crun >/dev/null 2>&1; then
    command -v crun
  else
    command -v runc
  fi
}

# make_argv_logger SCRIPT LOG TARGET: SCRIPT appends its argv (one line per call) to LOG and execs TARGET,
# so a failing orchestrator call can be found in LOG.
make_argv_logger() {
  local script=$1 log=$2 target=$3
  printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%q\nexec %q "$@"\n' "$log" "$target" >"$script"
  chmod 0755 "$script"
}

# kill_processes_under DIR: SIGKILL every process whose command line names DIR (daemons, shims, conmons
# started by a suite with DIR in their arguments), then wait briefly for them to go.
kill_processes_under() {
  local dir=$1 pid arg
  local -a args pids=()
  [ -n "$dir" ] || return 0
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] || continue
    mapfile -d '' -t args <"/proc/$pid/cmdline" 2>/dev/null || continue
    for arg in "${args[@]}"; do
      if [[ "$arg" == *"$dir"* ]]; then
        pids+=("$pid")
        break
      fi
    done
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -9 "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 20); do
    kill -0 "${pids[@]}" 2>/dev/null || return 0
    sleep 0.1
  done
  return 0
}

# umount_under DIR: lazily unmount every mount point below DIR, deepest first.
umount_under() {
  local dir=$1 mp
  [ -n "$dir" ] || return 0
  awk '{print $5}' /proc/self/mountinfo | grep -F -- "$dir" | sort -r | while read -r mp; do
    umount -l "$(printf '%b' "$mp")" 2>/dev/null || true
  done
}

# remove_cgroup_tree NAME: remove /sys/fs/cgroup/*/NAME (and the v2 one) with everything below, deepest first.
# Only for cgroup parents a suite created itself under a unique name.
remove_cgroup_tree() {
  local name=$1 top
  [ -n "$name" ] || return 0
  for top in /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/"$name"; do
    [ -d "$top" ] || continue
    find "$top" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# cgroup_dirs_named NAME: the cgroup directories left with that name (for leftover assertions).
cgroup_dirs_named() {
  find /sys/fs/cgroup /sys/fs/cgroup/*/ -maxdepth 1 -type d -name "$1" 2>/dev/null
}

# wait_until SECONDS CMD...: retry CMD every 0.1 s until it succeeds or SECONDS pass.
# COMMAND is run afresh each time: a condition on a value must read it inside it (a predicate function such as
# at_least, not `test "$(cat FILE)"`, whose $(...) is expanded once, before the first try).
wait_until() {
  local tries=$(($1 * 10))
  shift
  while ! "$@"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

# at_least N COMMAND...: COMMAND prints a number that is N or more (a predicate for wait_until).
at_least() {
  local n=$1 v
  shift
  v=$("$@" 2>/dev/null) || return 1
  [ -n "$v" ] && [ "$v" -ge "$n" ]
}

# same_on_both FUNC: runs FUNC RUNTIME LABEL for the reference runtime ($REF_RT, label ref) and for ours
# ($KEEL_RT, label keel) side by side (FUNC must name its containers after LABEL), stdout+stderr to
# $INTEG_DIR/out.LABEL; both must succeed and print the same lines once "-LABEL" (names made from the label)
# reads "-LABEL". $output is ours. A test may set KNOWN_BUG_PATTERN and KNOWN_BUG_REASON: when our output
# matches the pattern, the test is skipped with the reason (and runs for real once the bug is fixed).
same_on_both() {
  local fn=$1 rc_ref=0 rc_keel=0
  "$fn" "$REF_RT" ref >"$INTEG_DIR/out.ref" 2>&1 &
  local ref_pid=$!
  "$fn" "$KEEL_RT" keel >"$INTEG_DIR/out.keel" 2>&1 || rc_keel=$?
  wait "$ref_pid" || rc_ref=$?
  sed -i 's/-ref\b/-LABEL/g' "$INTEG_DIR/out.ref"
  sed -i 's/-keel\b/-LABEL/g' "$INTEG_DIR/out.keel"
  output=$(cat "$INTEG_DIR/out.keel")
  echo "$output"
  if [ -n "${KNOWN_BUG_PATTERN:-}" ] && grep -q -- "$KNOWN_BUG_PATTERN" "$INTEG_DIR/out.keel"; then
    skip "known runtime bug, reported: $KNOWN_BUG_REASON"
  fi
  if [ "$rc_ref" -ne 0 ] || [ "$rc_keel" -ne 0 ]; then
    echo "$fn failed: $rc_ref with $REF_RT, $rc_keel with $KEEL_RT; reference output:"
    cat "$INTEG_DIR/out.ref"
    return 1
  fi
  if ! diff -u --label "$REF_RT" --label "$KEEL_RT" "$INTEG_DIR/out.ref" "$INTEG_DIR/out.keel"; then
    echo "results differ between the reference runtime and ours"
    return 1
  fi
}

# skip_unless_verb VERB: skip when runtime does not have VERB yet (it lands in another helper's work).
skip_unless_verb() {
  "$KEEL_RT" "$1" --help >/dev/null 2>&1 || skip "runtime has no \`$1\` verb yet"
}

# build_image_archive WORKDIR FILE REF CMD...: the busybox test rootfs as an image (config Cmd = CMD) in the
# oci-archive FILE named REF, for `ctr images import` (umoci builds the layout in WORKDIR, removed after).
build_image_archive() {
  local work=$1 file=$2 ref=$3 base arg
  local -a cmd_opts=()
  shift 3
  for arg in "$@"; do
    cmd_opts+=(--config.cmd "$arg")
  done
  base=$(_bundle_base_rootfs)
  mkdir -p "$work"
  umoci init --layout "$work/oci"
  umoci new --image "$work/oci:bb"
  umoci unpack --image "$work/oci:bb" "$work/bundle" >/dev/null
  cp -a "$base/." "$work/bundle/rootfs/"
  umoci repack --image "$work/oci:bb" "$work/bundle"
  umoci config --image "$work/oci:bb" "${cmd_opts[@]}"
  skopeo copy -q "oci:$work/oci:bb" "oci-archive:$file:$ref"
  rm -rf "$work"
}
