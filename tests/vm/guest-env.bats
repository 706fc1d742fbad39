#!/usr/bin/env bats
# Runs inside the cgroup v2 test VM (via guest.vmbats): the guest offers what the runtime suites rely on.
load ../lib/common

@test "guest: /sys/fs/cgroup is a pure cgroup2 mount" {
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
  # No v1 hierarchy anywhere: a pure v2 system, unlike the hybrid host.
  run grep -c ' cgroup ' /proc/self/mounts
  [ "$output" = 0 ]
}

@test "guest: the root cgroup delegates cpu, cpuset, io, memory, pids and hugetlb" {
  local c
  for c in cpu cpuset io memory pids hugetlb; do
    grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || { echo "$c not available"; return 1; }
    grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control || { echo "$c not enabled"; return 1; }
  done
}

@test "guest: pids.max is enforced in a child cgroup" {
  local cg=/sys/fs/cgroup/guest-env-$$
  mkdir "$cg"
  echo 2 >"$cg/pids.max"
  # The shell and one sleep fit; the third process cannot be forked.
  run sh -c "echo \$\$ >$cg/cgroup.procs && sleep 5 & sleep 0.5; sh -c 'echo \$\$ >$cg/cgroup.procs; sleep 1 & sleep 1 & wait' 2>&1"
  echo "$output"
  [ "$(cat "$cg/pids.events" | awk '$1 == "max" {print $2}')" -gt 0 ]
  xargs -r kill <"$cg/cgroup.procs" 2>/dev/null || true
  sleep 0.2
  rmdir "$cg"
}

@test "guest: the root is not the initial rootfs, so pivot_root works" {
  run unshare --mount sh -c 'mount --make-rprivate / && mkdir -p /tmp/pr && mount --bind / /tmp/pr && cd /tmp/pr && pivot_root . mnt && echo pivoted'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = pivoted ]
}

@test "guest: the source tree, /dev/shm, /run and /tmp are there and writable" {
  [ -f "$KEEL_SRCDIR/tests/lib/common.bash" ]
  for d in /dev/shm /run /tmp; do
    [ "$(stat -f -c %T "$d")" = tmpfs ]
    touch "$d/probe.$$" && rm "$d/probe.$$"
  done
}

@test "guest: no network but loopback" {
  [ "$(ls /sys/class/net)" = lo ]
  grep -q UP <(ip link show lo)
}
