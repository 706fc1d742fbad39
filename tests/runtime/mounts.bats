#!/usr/bin/env bats
# The rootfs: default mounts, bind mounts and options, destinations kept inside the rootfs, masked and
# read-only paths, /dev contents, root.readonly, --no-pivot.

load helpers

setup() { runtime_setup; }
teardown() { runtime_teardown; }

has() { grep -qxF -- "$1" <<<"$output" || { echo "missing line: $1" >&2; return 1; }; }
mount_line() { grep "^mount=$1 " <<<"$output" | tail -1; }

@test "mounts: the default spec gives proc, sysfs, devpts, shm, mqueue and cgroups with their flags" {
  run_payload mounts
  [ "$status" -eq 0 ]
  [[ "$(mount_line /proc)" == *"fstype=proc"* ]]
  [[ "$(mount_line /sys)" == *"fstype=sysfs"*"options=ro,nosuid,nodev,noexec"* ]]
  [[ "$(mount_line /dev/pts)" == *"fstype=devpts"*"options=rw,nosuid,noexec"* ]]
  [[ "$(mount_line /dev/shm)" == *"fstype=tmpfs"* ]]
  [[ "$(mount_line /dev/mqueue)" == *"fstype=mqueue"* ]]
  [[ "$(mount_line /sys/fs/cgroup/memory)" == *"fstype=cgroup"*"options=ro,"* ]]
  [[ "$(mount_line /)" == *"options=ro,"* ]]   # root.readonly in the default spec
}

@test "mounts: bind mounts with ro, nosuid, noexec and relative sources; rbind and propagation" {
  mkdir -p "$B/data" "$TMP/host"
  echo hi >"$TMP/host/file"
  bundle_set "$B" '.mounts += [{destination: "/data", type: "bind", source: "data", options: ["rbind", "ro", "nosuid", "noexec", "rprivate"]}, {destination: "/deep/a/b", type: "none", source: $h, options: ["bind"]}, {destination: "/one", type: "bind", source: ($h + "/file"), options: ["bind", "ro"]}]' --arg h "$TMP/host"
  run_payload mounts
  [[ "$(mount_line /data)" == *"options=ro,nosuid,nodev,noexec"* || "$(mount_line /data)" == *"options=ro,nosuid,noexec"* ]]
  [[ "$(mount_line /data)" == *"propagation=private"* ]]
  [[ "$(mount_line /deep/a/b)" == *"options=rw"* ]]
  [[ "$(mount_line /one)" == *"options=ro"* ]]
}

@test "mounts: tmpfs data options and recursive rro" {
  bundle_set "$B" '.mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m", "mode=700", "nodev"]}, {destination: "/rro", type: "bind", source: "/sys/fs/cgroup", options: ["rbind", "rro"]}]'
  run_payload mounts
  [[ "$(mount_line /scratch)" == *"fstype=tmpfs"*"nodev"* ]]
  [[ "$(mount_line /scratch)" == *"size=1024k"*"mode=700"* ]]
  [[ "$(mount_line /rro/memory)" == *"options=ro"* ]]
}

@test "mounts: a destination through a symlink stays inside the rootfs" {
  ln -s /../../../../../../tmp/escape "$B/rootfs/evil"
  mkdir -p "$TMP/host"
  bundle_set "$B" '.mounts += [{destination: "/evil/sub", type: "bind", source: $h, options: ["bind"]}]' --arg h "$TMP/host"
  run_payload mounts
  [ "$status" -eq 0 ]
  # resolved as /tmp/escape/sub inside the container, never on the host
  [ -d "$B/rootfs/tmp/escape/sub" ]
  [ ! -e /tmp/escape ]
  [[ "$(mount_line /tmp/escape/sub)" == *"mount=/tmp/escape/sub"* ]]
}

@test "mounts: maskedPaths and readonlyPaths" {
  bundle_set "$B" '.linux.maskedPaths = ["/proc/keys", "/sys/firmware", "/does/not/exist"] | .linux.readonlyPaths = ["/proc/sys", "/tmp"]'
  run_payload mounts
  # a file is covered by /dev/null (on the container's /dev tmpfs), a directory by an empty read-only tmpfs
  [[ "$(mount_line /proc/keys)" == *"fstype=tmpfs"* ]]
  [[ "$(mount_line /sys/firmware)" == *"options=ro"* ]]
  [[ "$(mount_line /proc/sys)" == *"options=ro"* ]]
  [[ "$(mount_line /tmp)" == *"options=ro"* ]]
  # the flags of the mount below are kept, none added (runc, crun): proc's nosuid,nodev,noexec on /proc/sys;
  # /tmp is as exec-able as the rootfs it sits on
  local f want got
  for f in nosuid nodev noexec; do
    [[ "$(mount_line /proc | sed 's/ super=.*//')" == *"$f"* ]] && want=1 || want=0
    [[ "$(mount_line /proc/sys | sed 's/ super=.*//')" == *"$f"* ]] && got=1 || got=0
    [ "$want" = "$got" ]
    [[ "$(mount_line / | sed 's/ super=.*//')" == *"$f"* ]] && want=1 || want=0
    [[ "$(mount_line /tmp | sed 's/ super=.*//')" == *"$f"* ]] && got=1 || got=0
    [ "$want" = "$got" ]
  done
  run_payload cat /proc/keys
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "mounts: /dev holds the default devices, links, pts and linux.devices" {
  bundle_set "$B" '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 432, uid: 1000, gid: 5}, {path: "/dev/sub/loopy", type: "b", major: 7, minor: 0}]'
  run_payload devices
  [ "$status" -eq 0 ]
  for d in "null type=c rdev=1:3 mode=0666" "zero type=c rdev=1:5 mode=0666" "full type=c rdev=1:7" \
    "random type=c rdev=1:8" "urandom type=c rdev=1:9" "tty type=c rdev=5:0 mode=0666"; do
    grep -q "^dev=/dev/$d" <<<"$output"
  done
  grep -q '^dev=/dev/fd type=l .*target=/proc/self/fd' <<<"$output"
  grep -q '^dev=/dev/stdin type=l .*target=/proc/self/fd/0' <<<"$output"
  grep -q '^dev=/dev/ptmx type=l .*target=pts/ptmx' <<<"$output"
  # as runc and crun, when the host kernel has /proc/kcore
  if [ -e /proc/kcore ]; then grep -q '^dev=/dev/core type=l .*target=/proc/kcore' <<<"$output"; fi
  grep -q '^dev=/dev/fuse type=c rdev=10:229 mode=0660 uid=1000 gid=5' <<<"$output"
  grep -q '^dev=/dev/sub/loopy type=b rdev=7:0 mode=0666' <<<"$output"
}

@test "mounts: the devices cgroup denies what is not allowed" {
  # the host's /dev/fuse (c 10:229) bound in is not among the allowed devices
  bundle_set "$B" '.mounts += [{destination: "/fusedev", type: "bind", source: "/dev/fuse", options: ["bind"]}] | .linux.resources.devices = [{allow: false, access: "rwm"}]'
  run_payload open /dev/null rw
  has "open=ok"
  run_payload open /fusedev r
  has "open=EPERM"
  bundle_set "$B" '.linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "r"}]'
  run_payload open /fusedev r
  has "open=ok"
}

@test "mounts: root.readonly false leaves / writable; --no-pivot works too" {
  bundle_set "$B" '.root.readonly = false'
  run_payload write /hello text
  has "write=ok"
  [ "$(cat "$B/rootfs/hello")" = text ]
  bundle_set "$B" '.process.args = ["payload", "mounts", "/"]'
  run "$RUNTIME" run --no-pivot -b "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"mount=/ "* ]]
}

@test "mounts: linux.rootfsPropagation applies to the container's /" {
  bundle_set "$B" '.process.args = ["payload", "mounts", "/"]'
  for p in rshared:shared runbindable:unbindable rprivate:private; do
    bundle_set "$B" '.linux.rootfsPropagation = $p' --arg p "${p%%:*}"
    run "$RUNTIME" run -b "$B" "$ID"
    [ "$status" -eq 0 ]
    [[ "$(tail -1 <<<"$output")" == *"propagation=${p#*:}" ]]
  done
  bundle_set "$B" '.linux.rootfsPropagation = "sideways"'
  run "$RUNTIME" create -b "$B" "$ID"
  [ "$status" -eq 1 ]
  assert_no_leftovers "$ID" "$B"
}

# Runs the runtime with ARGS in a new mount namespace whose mounts are all shared, as on a systemd host
# (this machine's / is private, where slave and private look the same).
in_shared_ns() { unshare -m --propagation shared "$RUNTIME" "$@"; }

@test "mounts: every rootfsPropagation value, seen from a host whose / is shared" {
  bundle_set "$B" '.process.args = ["payload", "mounts"]'
  # value : propagation of / : of /proc (only the r-variants reach the container's own mounts)
  for p in rslave:slave:private slave:slave:private rshared:shared,slave:shared shared:shared,slave:private \
    rprivate:private:private private:private:private runbindable:unbindable:unbindable unbindable:unbindable:private; do
    IFS=: read -r value root proc <<<"$p"
    bundle_set "$B" '.linux.rootfsPropagation = $p' --arg p "$value"
    run in_shared_ns run -b "$B" "$ID"
    echo "$value: $(grep -E 'mount=/ |mount=/proc ' <<<"$output")"
    [ "$status" -eq 0 ]
    [[ "$(mount_line /)" == *" propagation=$root" ]]
    [[ "$(mount_line /proc)" == *" propagation=$proc" ]]
  done
}

@test "mounts: with rslave a mount made on the host later shows up in the container, with rprivate it does not" {
  mkdir -p "$B/rootfs/mnt/late"
  bundle_set "$B" '.process.args = ["payload", "sleep", "inf"]'
  for p in rslave:0 rprivate:1; do
    bundle_set "$B" '.linux.rootfsPropagation = $p' --arg p "${p%:*}"
    # One shell holds the shared namespace: start the container, mount under its rootfs, look from inside.
    run unshare -m --propagation shared bash -c '
      "$1" run -d -b "$2" "$3" </dev/null >/dev/null 2>&1 || exit 9
      mount -t tmpfs -o size=1m late "$2/rootfs/mnt/late" || exit 8
      "$1" exec "$3" payload mounts /mnt/late; rc=$?
      "$1" delete -f "$3"
      exit $rc' _ "$RUNTIME" "$B" "$ID"
    echo "${p%:*}: $output"
    [ "$status" -eq "${p#*:}" ]
  done
  assert_no_leftovers "$ID" "$B"
}

@test "mounts: every per-mount flag option reaches the mount (atime family, suid/dev/exec, ro/rw, sync, dirsync)" {
  # option : what mountinfo's per-mount or superblock options must show
  local specs=(noatime:noatime strictatime:- nodiratime:nodiratime relatime:relatime nosuid:nosuid nodev:nodev
    noexec:noexec ro:ro rw:rw sync:sync dirsync:dirsync)
  local spec opt
  for spec in "${specs[@]}"; do
    opt=${spec%%:*}
    bundle_set "$B" '.mounts += [{destination: ("/opt/" + $o), type: "tmpfs", source: "tmpfs", options: [$o, "size=64k"]}]' --arg o "$opt"
  done
  run_payload mounts
  [ "$status" -eq 0 ]
  for spec in "${specs[@]}"; do
    opt=${spec%%:*}
    line=$(mount_line "/opt/$opt")
    echo "$opt: $line"
    case $opt in
      # strictatime: neither relatime nor noatime (the kernel's default would be relatime).
      strictatime) [[ "$line" != *relatime* && "$line" != *noatime* ]] ;;
      rw) [[ "$line" == *"options=rw"* ]] ;;
      *) [[ "$line" =~ (options|super)=([^ ]*,)?${spec#*:}(,| ) ]] ;;
    esac
  done
}

@test "mounts: --no-pivot runs a rootfs on ramfs (where pivot_root is refused)" {
  # In a private mount namespace of the test's own, so the ramfs never shows on the host.
  run unshare -m --propagation private bash -c '
    mkdir -p "$2/ram" && mount -t ramfs ramfs "$2/ram" && cp -a "$3/rootfs" "$2/ram/rootfs" || exit 9
    jq --arg r "$2/ram/rootfs" ".root.path = \$r | .process.args = [\"payload\", \"mounts\", \"/\"]" "$3/config.json" >"$2/ram/config.json"
    "$1" run --no-pivot -b "$2/ram" "$4"' _ "$RUNTIME" "$TMP" "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$(mount_line /)" == *"fstype=ramfs"* ]]
}

@test "mounts: per-mount propagation options rshared, rslave, rprivate, runbindable on binds from a shared host" {
  mkdir -p "$TMP/host"
  for p in rshared:shared rslave:slave rprivate:private runbindable:unbindable; do
    bundle_set "$B" '.mounts += [{destination: ("/p/" + $p), type: "bind", source: $h, options: ["rbind", $p]}]' \
      --arg p "${p%%:*}" --arg h "$TMP/host"
  done
  # Without rootfsPropagation, then under a recursive one applied to / last, which must not override them
  # (an rprivate root would: a slave made private has lost its master for good).
  for root in none rslave rshared; do
    bundle_set "$B" '.process.args = ["payload", "mounts"] | del(.linux.rootfsPropagation)'
    [ "$root" = none ] || bundle_set "$B" '.linux.rootfsPropagation = $r' --arg r "$root"
    run in_shared_ns run -b "$B" "$ID"
    [ "$status" -eq 0 ]
    for p in rshared:shared rslave:slave rprivate:private runbindable:unbindable; do
      echo "$root ${p%%:*}: $(mount_line "/p/${p%%:*}")"
      # rshared on a bind of a slave keeps the master: shared,slave
      [[ "$(mount_line "/p/${p%%:*}")" =~ " propagation=${p#*:}"(,slave)?$ ]]
    done
  done
}

@test "mounts: proc and sysfs go on an ordinary directory only: a symlink or file there is refused, as runc (CVE-2019-19921)" {
  bundle_set "$B" '.process.args = ["true"]'
  rmdir "$B/rootfs/proc"
  mkdir "$B/rootfs/real"
  # Absolute, escaping and in-rootfs targets alike: the symlink itself is refused, its target never mounted on.
  for target in /etc ../../ real; do
    ln -sfn "$target" "$B/rootfs/proc"
    expect_create_failure "config.json: .mounts[0] (/proc): filesystem \"proc\" must be mounted on ordinary directory (\`/proc\` is a symlink)"
    ! grep -q " $B/rootfs/etc proc " /proc/self/mountinfo || false
  done
  rm "$B/rootfs/proc"
  touch "$B/rootfs/proc"
  expect_create_failure "filesystem \"proc\" must be mounted on ordinary directory (\`/proc\` is not a directory)"
  rm "$B/rootfs/proc"
  mkdir "$B/rootfs/proc"
  rmdir "$B/rootfs/sys"
  ln -s /etc "$B/rootfs/sys"
  expect_create_failure "filesystem \"sysfs\" must be mounted on ordinary directory (\`/sys\` is a symlink)"
  # A missing destination is still created, as a directory.
  rm "$B/rootfs/sys"
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  [ -d "$B/rootfs/sys" ] && [ ! -L "$B/rootfs/sys" ]
}
