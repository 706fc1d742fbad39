#!/usr/bin/env bats
# The payload on the host (each command's keys, exits, usage errors) and bundle.bash checked against runc.

load lib/bundle

setup() {
  TMP=$(keel_mktemp)
  ID="keel-payload-$$-$BATS_TEST_NUMBER"
  CG_PARENT="keel-payload-test-$$"
}

teardown() {
  runc delete -f "$ID" >/dev/null 2>&1 || true
  local mp
  # Mounts a failed test left under TMP would make rm -rf descend into them; deepest first.
  for mp in $(awk -v t="$TMP" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount -l "$mp" 2>/dev/null || true
  done
  rm -rf "$TMP"
  rmdir /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT" 2>/dev/null || true
}

# The line with KEY=..., or fail listing the output.
key_line() {
  local key=$1 line
  for line in "${lines[@]}"; do
    if [[ "$line" == "$key="* ]]; then
      echo "$line"
      return 0
    fi
  done
  echo "no $key= line in: $output" >&2
  return 1
}

assert_line_present() {
  local want=$1 line
  for line in "${lines[@]}"; do
    [ "$line" != "$want" ] || return 0
  done
  echo "missing line '$want' in output:" >&2
  echo "$output" >&2
  return 1
}

# A bundle made from `runc spec`, whatever the keel runtime's spec says, so these tests check bundle.bash alone.
runc_bundle() {
  RUNTIME=/nonexistent make_bundle "$@"
}

# ---- usage ----

@test "payload: no arguments prints the usage on stderr and exits 2" {
  run "$PAYLOAD"
  [ "$status" -eq 2 ]
  [[ "$output" == *"usage: payload COMMAND"* ]]
}

@test "payload: unknown command, wrong argument counts and help" {
  run "$PAYLOAD" bogus
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown command 'bogus'"* ]]
  run "$PAYLOAD" ids extra
  [ "$status" -eq 2 ]
  [[ "$output" == *"ids: wrong number of arguments"* ]]
  run "$PAYLOAD" sysctl
  [ "$status" -eq 2 ]
  run "$PAYLOAD" write onlypath
  [ "$status" -eq 2 ]
  run "$PAYLOAD" help
  [ "$status" -eq 0 ]
  local cmd
  for cmd in ids caps rlimits mounts ns cwd env fds hostname sysctl devices nnp seccomp oom cgroup personality \
    sched isatty report exit sleep kill-self write open mknod wait-signal cat ls stdin; do
    [[ "$output" == *"payload $cmd"* ]]
  done
}

# ---- facts ----

@test "payload ids: uid, gid, groups and umask of the process" {
  run bash -c "umask 0027; exec \"$PAYLOAD\" ids"
  [ "$status" -eq 0 ]
  assert_line_present "uid=$(id -u)"
  assert_line_present "gid=$(id -g)"
  assert_line_present "euid=$(id -u)"
  assert_line_present "egid=$(id -g)"
  assert_line_present "umask=0027"
  key_line groups
}

@test "payload ids: supplementary groups as setpriv sets them" {
  skip_unless_root
  run setpriv --reuid 1000 --regid 1000 --groups 5,7 "$PAYLOAD" ids
  [ "$status" -eq 0 ]
  assert_line_present "uid=1000"
  assert_line_present "egid=1000"
  assert_line_present "groups=5,7"
}

@test "payload caps: every set in hex as in /proc/PID/status, with names" {
  run "$PAYLOAD" caps
  [ "$status" -eq 0 ]
  local set
  for set in CapInh CapPrm CapEff CapBnd CapAmb; do
    assert_line_present "$set=$(awk -v k="$set:" '$1 == k { print $2 }' /proc/self/status)"
    key_line "$set.names"
  done
}

@test "payload caps: names follow the bounding set" {
  skip_unless_root
  run setpriv --bounding-set -all,+chown,+kill "$PAYLOAD" caps
  [ "$status" -eq 0 ]
  assert_line_present "CapBnd=0000000000000021"
  assert_line_present "CapBnd.names=CAP_CHOWN,CAP_KILL"
  assert_line_present "CapInh.names="
}

@test "payload rlimits: every RLIMIT_* soft and hard, unlimited by name" {
  run bash -c "ulimit -n 512 && ulimit -c 0 && exec \"$PAYLOAD\" rlimits"
  [ "$status" -eq 0 ]
  assert_line_present "RLIMIT_NOFILE.soft=512"
  assert_line_present "RLIMIT_NOFILE.hard=512"
  assert_line_present "RLIMIT_CORE.soft=0"
  local name
  for name in AS CORE CPU DATA FSIZE LOCKS MEMLOCK MSGQUEUE NICE NOFILE NPROC RSS RTPRIO RTTIME SIGPENDING STACK; do
    key_line "RLIMIT_$name.soft"
    key_line "RLIMIT_$name.hard"
  done
  [ "$(ulimit -H -v)" != unlimited ] || assert_line_present "RLIMIT_AS.hard=unlimited"
  [ "${#lines[@]}" -eq 32 ]
}

@test "payload mounts: one line per mount; a mountpoint filter; nothing mounted fails" {
  run "$PAYLOAD" mounts
  [ "$status" -eq 0 ]
  [[ "$output" == *"mount=/proc root=/ fstype=proc source=proc options="* ]]
  run "$PAYLOAD" mounts /proc
  [ "$status" -eq 0 ]
  local line
  for line in "${lines[@]}"; do
    [[ "$line" == "mount=/proc "* ]]
  done
  run "$PAYLOAD" mounts /no/such/mountpoint
  [ "$status" -eq 1 ]
  [[ "$output" == *"nothing is mounted on /no/such/mountpoint"* ]]
}

@test "payload mounts: per-mount options, super options and propagation" {
  skip_unless_root
  mkdir -p "$TMP/a" "$TMP/b"
  run unshare -m --propagation private sh -c "
    mount -t tmpfs -o ro,nosuid,nodev,size=1m,mode=0711 keeltest '$TMP/a' &&
    mount --make-shared '$TMP/a' &&
    mount -t tmpfs -o noexec tmpfs '$TMP/b' && mount --make-unbindable '$TMP/b' &&
    mkdir -p '$TMP/c' && mount --bind '$TMP/a' '$TMP/c' && mount --make-slave '$TMP/c' &&
    mkdir -p '$TMP/d' && mount --bind '$TMP/a' '$TMP/d' && mount --make-slave '$TMP/d' && mount --make-shared '$TMP/d' &&
    '$PAYLOAD' mounts '$TMP/a' && '$PAYLOAD' mounts '$TMP/b' && '$PAYLOAD' mounts '$TMP/c' && '$PAYLOAD' mounts '$TMP/d'"
  [ "$status" -eq 0 ]
  [[ "${lines[2]}" == "mount=$TMP/c "*" propagation=slave" ]]
  [[ "${lines[3]}" == "mount=$TMP/d "*" propagation=shared,slave" ]]
  [[ "${lines[0]}" == "mount=$TMP/a root=/ fstype=tmpfs source=keeltest options=ro,nosuid,nodev,"*" super=ro,size=1024k,mode=711"*" propagation=shared" ]]
  [[ "${lines[1]}" == "mount=$TMP/b "*"options=rw,noexec,"*" propagation=unbindable" ]]
}

@test "payload ns: namespace inodes, pid and whether it is a pid namespace's init" {
  run "$PAYLOAD" ns
  [ "$status" -eq 0 ]
  local ns
  for ns in net mnt pid uts ipc; do
    assert_line_present "ns.$ns=$(stat -L -c %i /proc/self/ns/$ns)"
  done
  assert_line_present "pid_ns_init=0"
}

@test "payload ns: pid 1 of a new pid namespace" {
  skip_unless_root
  run unshare --pid --fork --mount-proc "$PAYLOAD" ns
  [ "$status" -eq 0 ]
  assert_line_present "pid=1"
  assert_line_present "pid_ns_init=1"
  [ "$(key_line ns.pid)" != "ns.pid=$(stat -L -c %i /proc/self/ns/pid)" ]
}

@test "payload cwd and env: the working directory and the environment in order, one line each" {
  cd "$TMP"
  run "$PAYLOAD" cwd
  [ "$output" = "cwd=$(pwd -P)" ]
  run env -i FOO=bar 'SPACED=a b=c' $'MULTI=x\ny' "$PAYLOAD" env
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
  [ "${lines[0]}" = "env.FOO=bar" ]
  [ "${lines[1]}" = "env.SPACED=a b=c" ]
  [ "${lines[2]}" = 'env.MULTI=x\ny' ]
}

@test "payload fds: open fds with targets, not the one used to list them" {
  echo x >"$TMP/file"
  run bash -c "exec 7<'$TMP/file'; exec \"$PAYLOAD\" fds"
  [ "$status" -eq 0 ]
  assert_line_present "fd.7=$TMP/file"
  key_line fd.0
  [[ "$output" != *"/proc/"*"/fd"* ]]
}

@test "payload hostname: hostname and domainname from a new uts namespace" {
  run "$PAYLOAD" hostname
  assert_line_present "hostname=$(uname -n)"
  skip_unless_root
  run unshare --uts sh -c "hostname keelbox && echo example.org >/proc/sys/kernel/domainname && '$PAYLOAD' hostname"
  [ "$status" -eq 0 ]
  [ "$output" = $'hostname=keelbox\ndomainname=example.org' ]
}

@test "payload sysctl: dotted and slashed keys, whitespace folded, unknown keys fail" {
  run "$PAYLOAD" sysctl kernel.ostype net/ipv4/ip_local_port_range
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "sysctl.kernel.ostype=Linux" ]
  [ "${lines[1]}" = "sysctl.net/ipv4/ip_local_port_range=$(tr -s '\t ' '  ' </proc/sys/net/ipv4/ip_local_port_range)" ]
  run "$PAYLOAD" sysctl kernel.no_such_key kernel.ostype
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "sysctl.kernel.no_such_key=error:ENOENT" ]
  [ "${lines[1]}" = "sysctl.kernel.ostype=Linux" ]
}

@test "payload devices: type, major:minor, mode and owner of each /dev entry" {
  run "$PAYLOAD" devices
  [ "$status" -eq 0 ]
  assert_line_present "dev=/dev/null type=c rdev=1:3 mode=0666 uid=0 gid=0"
  [[ "$output" == *"dev=/dev/fd type=l mode=0777 uid=0 gid=0 target=/proc/self/fd"* ]]
  [[ "$output" == *"dev=/dev/pts/ptmx type=c rdev=5:2 "* ]]
  # /dev/shm is listed but not walked: it holds files (here, the cached bundle rootfs), not devices.
  [[ "$output" == *"dev=/dev/shm type=d "* ]]
  [[ "$output" != *"dev=/dev/shm/"* ]]
}

@test "payload nnp, seccomp, oom: values from the process" {
  run "$PAYLOAD" nnp
  [ "$output" = "NoNewPrivs=0" ]
  run setpriv --no-new-privs "$PAYLOAD" nnp
  [ "$output" = "NoNewPrivs=1" ]
  run "$PAYLOAD" seccomp
  [ "$status" -eq 0 ]
  assert_line_present "Seccomp=$(awk '$1 == "Seccomp:" { print $2 }' /proc/self/status)"
  run bash -c "echo 321 >/proc/self/oom_score_adj && exec \"$PAYLOAD\" oom"
  [ "$output" = "oom_score_adj=321" ]
}

@test "payload cgroup: one line per hierarchy, name= spelled name:" {
  run "$PAYLOAD" cgroup
  [ "$status" -eq 0 ]
  local expected
  expected=$(awk -F: '{ c = $2; sub("=", ":", c); if (c == "") c = "unified"; print "cgroup." c "=" $3 }' /proc/self/cgroup)
  [ "$output" = "$expected" ]
}

@test "payload personality: domain and flags" {
  run "$PAYLOAD" personality
  [ "$output" = $'personality=0x0\npersonality.domain=LINUX' ]
  run setarch linux32 "$PAYLOAD" personality
  [ "$output" = $'personality=0x8\npersonality.domain=LINUX32' ]
  run setarch "$(uname -m)" -R "$PAYLOAD" personality
  [ "$output" = $'personality=0x40000\npersonality.domain=LINUX' ]
}

@test "payload sched: policy, nice and io priority" {
  run nice -n 7 "$PAYLOAD" sched
  [ "$status" -eq 0 ]
  assert_line_present "sched.policy=SCHED_OTHER"
  assert_line_present "sched.nice=7"
  assert_line_present "nice=7"
  run chrt -b 0 "$PAYLOAD" sched
  assert_line_present "sched.policy=SCHED_BATCH"
  run ionice -c 2 -n 5 "$PAYLOAD" sched
  assert_line_present "ioprio.class=IOPRIO_CLASS_BE"
  assert_line_present "ioprio.priority=5"
  run ionice -c 3 "$PAYLOAD" sched
  assert_line_present "ioprio.class=IOPRIO_CLASS_IDLE"
}

@test "payload isatty: no terminal, then a pty with a window size" {
  run "$PAYLOAD" isatty </dev/null
  [ "$status" -eq 0 ]
  assert_line_present "isatty.0=0"
  assert_line_present "winsize=none"
  run script -qec "stty rows 41 cols 101; '$PAYLOAD' isatty" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"isatty.0=1"* && "$output" == *"isatty.2=1"* ]]
  [[ "$output" == *"winsize.rows=41"* && "$output" == *"winsize.cols=101"* ]]
  [[ "$output" == *"foreground=1"* && "$output" == *"ctty=ok"* ]]
}

@test "payload report: every fact section, and only key=value lines" {
  run "$PAYLOAD" report
  [ "$status" -eq 0 ]
  local section line
  for section in ids caps rlimits mounts ns cwd env fds hostname devices nnp seccomp oom cgroup personality sched isatty; do
    assert_line_present "section=$section"
  done
  for line in "${lines[@]}"; do
    [[ "$line" =~ ^[A-Za-z_][^=]*= ]] || {
      echo "not key=value: $line" >&2
      return 1
    }
  done
}

# ---- actions ----

@test "payload exit N exits N; a bad N is a usage error" {
  local n
  for n in 0 3 255; do
    run "$PAYLOAD" exit "$n"
    [ "$status" -eq "$n" ]
  done
  for n in 256 -1 abc ""; do
    run "$PAYLOAD" exit "$n"
    [ "$status" -eq 2 ]
  done
}

@test "payload sleep: seconds, fractions and inf; bad values fail" {
  run "$PAYLOAD" sleep 0.1
  [ "$status" -eq 0 ]
  run timeout 0.5 "$PAYLOAD" sleep inf
  [ "$status" -eq 124 ]
  run "$PAYLOAD" sleep -1
  [ "$status" -eq 2 ]
  run "$PAYLOAD" sleep soon
  [ "$status" -eq 2 ]
}

@test "payload kill-self: dies by the signal, names and numbers; ignored signals fail" {
  run "$PAYLOAD" kill-self TERM
  [ "$status" -eq 143 ]
  run "$PAYLOAD" kill-self SIGKILL
  [ "$status" -eq 137 ]
  run "$PAYLOAD" kill-self 11
  [ "$status" -eq 139 ]
  run "$PAYLOAD" kill-self CHLD
  [ "$status" -eq 1 ]
  [[ "$output" == *"still alive after signal 17"* ]]
  run "$PAYLOAD" kill-self SIGNOPE
  [ "$status" -eq 2 ]
}

@test "payload write, cat, open and ls" {
  run "$PAYLOAD" write "$TMP/f" "hello world"
  [ "$status" -eq 0 ]
  [ "$output" = "write=ok" ]
  [ "$(cat "$TMP/f")" = "hello world" ]
  run "$PAYLOAD" cat "$TMP/f"
  [ "$output" = "hello world" ]
  run "$PAYLOAD" write "$TMP/missing/f" x
  [ "$status" -eq 1 ]
  [ "$output" = "write=ENOENT" ]
  run "$PAYLOAD" cat "$TMP/missing"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cat: $TMP/missing: ENOENT"* ]]
  run "$PAYLOAD" open "$TMP/f"
  [ "$output" = "open=ok" ]
  run "$PAYLOAD" open "$TMP" w
  [ "$status" -eq 1 ]
  [ "$output" = "open=EISDIR" ]
  run "$PAYLOAD" open "$TMP/missing" rw
  [ "$output" = "open=ENOENT" ]
  run "$PAYLOAD" open "$TMP/f" x
  [ "$status" -eq 2 ]
  mkdir "$TMP/d" && touch "$TMP/d/b" "$TMP/d/a" "$TMP/d/c"
  run "$PAYLOAD" ls "$TMP/d"
  [ "$output" = $'a\nb\nc' ]
  run "$PAYLOAD" ls "$TMP/missing"
  [ "$status" -eq 1 ]
}

@test "payload mknod: device nodes and fifos; EPERM without CAP_MKNOD; bad usage" {
  skip_unless_root
  run "$PAYLOAD" mknod "$TMP/null" c 1 3
  [ "$output" = "mknod=ok" ]
  [ "$(stat -c '%F %t:%T' "$TMP/null")" = "character special file 1:3" ]
  run "$PAYLOAD" mknod "$TMP/fifo" p
  [ "$output" = "mknod=ok" ]
  [ -p "$TMP/fifo" ]
  run setpriv --bounding-set -mknod "$PAYLOAD" mknod "$TMP/null2" c 1 3
  [ "$status" -eq 1 ]
  [ "$output" = "mknod=EPERM" ]
  run "$PAYLOAD" mknod "$TMP/x" q 1 3
  [ "$status" -eq 2 ]
  run "$PAYLOAD" mknod "$TMP/x" c 1
  [ "$status" -eq 2 ]
  run "$PAYLOAD" mknod "$TMP/x" p 1 3
  [ "$status" -eq 2 ]
}

# Waits (up to 5 s) for a line in a file.
wait_for_line() {
  local file=$1 want=$2 i
  for i in $(seq 50); do
    grep -qx "$want" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no '$want' in $file: $(cat "$file" 2>/dev/null)" >&2
  return 1
}

@test "payload wait-signal: reports the signal it receives; times out" {
  "$PAYLOAD" wait-signal >"$TMP/out" &
  local pid=$!
  wait_for_line "$TMP/out" ready=1
  kill -USR1 "$pid"
  wait "$pid"
  [ "$(sed -n 2,3p "$TMP/out")" = $'signal=SIGUSR1\nsignal.number=10' ]
  run "$PAYLOAD" wait-signal 0.1
  [ "$status" -eq 1 ]
  [ "$output" = $'ready=1\nsignal=timeout' ]
  run "$PAYLOAD" wait-signal soon
  [ "$status" -eq 2 ]
}

@test "payload stdin: copies stdin to stdout" {
  run bash -c "printf 'a\nb\n\nc' | \"$PAYLOAD\" stdin"
  [ "$status" -eq 0 ]
  [ "$output" = $'a\nb\n\nc' ]
}

# ---- bundle.bash ----

@test "make_bundle: busybox rootfs with payload and users; config runs the args without a terminal" {
  runc_bundle "$TMP/b" payload exit 4
  [ "$KEEL_BUNDLE" = "$TMP/b" ]
  [ -x "$TMP/b/rootfs/bin/busybox" ]
  [ "$(readlink "$TMP/b/rootfs/bin/sh")" = busybox ]
  cmp "$PAYLOAD" "$TMP/b/rootfs/bin/payload"
  grep -qx 'user:x:1000:1000:user:/home/user:/bin/sh' "$TMP/b/rootfs/etc/passwd"
  grep -q '^nobody:x:65534:' "$TMP/b/rootfs/etc/passwd"
  grep -q '^root:x:0:' "$TMP/b/rootfs/etc/group"
  [ "$(stat -c %a "$TMP/b/rootfs/tmp")" = 1777 ]
  [ "$(jq -c .process.args "$TMP/b/config.json")" = '["payload","exit","4"]' ]
  [ "$(jq .process.terminal "$TMP/b/config.json")" = false ]
  runc_bundle "$TMP/c"
  [ "$(jq -c .process.args "$TMP/c/config.json")" = '["payload","report"]' ]
}

@test "make_bundle: each bundle is a copy, not a link to the cached tree" {
  runc_bundle "$TMP/b"
  chmod 0700 "$TMP/b/rootfs/bin/busybox"
  echo changed >"$TMP/b/rootfs/etc/passwd"
  runc_bundle "$TMP/c"
  [ "$(stat -c %a "$TMP/c/rootfs/bin/busybox")" = 755 ]
  grep -q '^root:' "$TMP/c/rootfs/etc/passwd"
}

@test "make_bundle: config.json from \$RUNTIME spec when it works, else from runc spec" {
  mkdir -p "$TMP/bin"
  printf '#!/bin/sh\n[ "$1" = spec ] && echo %s >config.json\n' \
    "'{\"ociVersion\":\"1.0.2\",\"x-from\":\"fake\",\"process\":{\"terminal\":true,\"args\":[\"sh\"]}}'" >"$TMP/bin/good"
  printf '#!/bin/sh\necho "spec: not yet" >&2\nexit 1\n' >"$TMP/bin/bad"
  chmod +x "$TMP/bin/good" "$TMP/bin/bad"
  RUNTIME="$TMP/bin/good" make_bundle "$TMP/g" payload ids
  [ "$(jq -r '."x-from"' "$TMP/g/config.json")" = fake ]
  [ "$(jq -c .process.args "$TMP/g/config.json")" = '["payload","ids"]' ]
  RUNTIME="$TMP/bin/bad" make_bundle "$TMP/r"
  [ "$(jq -r .hostname "$TMP/r/config.json")" = runc ]
}

@test "bundle_set: edits config.json with jq options; a bad expression fails and changes nothing" {
  runc_bundle "$TMP/b"
  bundle_set "$TMP/b" '.process.env += [$e] | .hostname = $h' --arg e FOO=bar --arg h box
  [ "$(jq -r '.process.env[-1]' "$TMP/b/config.json")" = FOO=bar ]
  [ "$(jq -r .hostname "$TMP/b/config.json")" = box ]
  local before
  before=$(cat "$TMP/b/config.json")
  run bundle_set "$TMP/b" '.process.env +'
  [ "$status" -ne 0 ]
  [[ "$output" == *"bundle_set: jq"* ]]
  [ "$(cat "$TMP/b/config.json")" = "$before" ]
  [ -z "$(find "$TMP/b" -maxdepth 1 -name '.config.json.*')" ]
}

@test "runc runs a bundle: the payload reports from inside the container" {
  skip_unless_root
  runc_bundle "$TMP/b"
  run timeout 30 runc run -b "$TMP/b" "$ID"
  [ "$status" -eq 0 ]
  assert_line_present "pid=1"
  assert_line_present "pid_ns_init=1"
  assert_line_present "hostname=runc"
  assert_line_present "uid=0"
  assert_line_present "NoNewPrivs=1"
  assert_line_present "CapEff.names=CAP_KILL,CAP_NET_BIND_SERVICE,CAP_AUDIT_WRITE"
  assert_line_present "RLIMIT_NOFILE.soft=1024"
  assert_line_present "dev=/dev/null type=c rdev=1:3 mode=0666 uid=0 gid=0"
  [[ "$output" == *"mount=/ root="*"/b/rootfs "*"options=ro,"* ]]
  [ "$(key_line ns.net)" != "ns.net=$(stat -L -c %i /proc/self/ns/net)" ]
}

@test "runc: exit codes, kill-self as pid 1, user and env from bundle_set" {
  skip_unless_root
  runc_bundle "$TMP/b" payload exit 3
  run timeout 30 runc run -b "$TMP/b" "$ID"
  [ "$status" -eq 3 ]
  # A pid namespace's init ignores a raised SIGTERM; a real fault still kills it.
  bundle_set "$TMP/b" '.process.args = ["payload", "kill-self", "TERM"]'
  run timeout 30 runc run -b "$TMP/b" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"init of a pid namespace ignores"* ]]
  bundle_set "$TMP/b" '.process.args = ["payload", "kill-self", "SEGV"]'
  run timeout 30 runc run -b "$TMP/b" "$ID"
  [ "$status" -eq 139 ]
  bundle_set "$TMP/b" '.process.args = ["payload", "report"] | .process.user = {uid: 1000, gid: 1000, additionalGids: [5]}
    | .process.env += ["FOO=bar"] | .process.cwd = "/tmp"'
  run timeout 30 runc run -b "$TMP/b" "$ID"
  [ "$status" -eq 0 ]
  assert_line_present "uid=1000"
  assert_line_present "groups=5"
  assert_line_present "env.FOO=bar"
  assert_line_present "cwd=/tmp"
}

@test "runc: wait-signal as pid 1 receives runc kill; seccomp shows in the report" {
  skip_unless_root
  runc_bundle "$TMP/b" payload wait-signal 20
  timeout 30 runc run -b "$TMP/b" "$ID" >"$TMP/out" 2>&1 &
  local pid=$!
  wait_for_line "$TMP/out" ready=1
  runc kill "$ID" USR2
  wait "$pid"
  grep -qx 'signal=SIGUSR2' "$TMP/out"
  bundle_set "$TMP/b" '.process.args = ["payload", "seccomp"]
    | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mknodat"], action: "SCMP_ACT_ERRNO"}]}'
  run timeout 30 runc run -b "$TMP/b" "$ID"
  [ "$status" -eq 0 ]
  assert_line_present "Seccomp=2"
}

@test "keel_cleanup_container and assert_no_leftovers: a created container is found, then gone" {
  skip_unless_root
  runc_bundle "$TMP/b" payload sleep 60
  bundle_set "$TMP/b" '.linux.cgroupsPath = $p' --arg p "/$CG_PARENT/$ID"
  runc create -b "$TMP/b" "$ID" </dev/null >/dev/null 2>&1
  KEEL_STATE_ROOT=/run/runc KEEL_CGROUP_PARENT=$CG_PARENT run assert_no_leftovers "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"state dir /run/runc/$ID"* ]]
  [[ "$output" == *"cgroup /sys/fs/cgroup/"*"/$CG_PARENT/$ID"* ]]
  [[ "$output" == *"process with root /proc/"*"/root"* ]]
  RUNTIME=runc keel_cleanup_container "$ID"
  run runc state "$ID"
  [ "$status" -ne 0 ]
  KEEL_STATE_ROOT=/run/runc KEEL_CGROUP_PARENT=$CG_PARENT assert_no_leftovers "$ID"
  RUNTIME=runc keel_cleanup_container "$ID"
}

@test "assert_no_leftovers: finds a mount in the bundle and a process naming it" {
  skip_unless_root
  runc_bundle "$TMP/b"
  assert_no_leftovers "$ID"
  mount -t tmpfs tmpfs "$TMP/b/rootfs/mnt"
  run assert_no_leftovers "$ID"
  umount "$TMP/b/rootfs/mnt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"mount $TMP/b/rootfs/mnt"* ]]
  touch "$TMP/b/marker"
  tail -f "$TMP/b/marker" </dev/null >/dev/null 2>&1 &
  local pid=$!
  run assert_no_leftovers "$ID" "$TMP/b"
  kill "$pid"
  wait "$pid" || true
  [ "$status" -eq 1 ]
  [[ "$output" == *"process $pid: tail -f $TMP/b/marker"* ]]
  assert_no_leftovers "$ID" "$TMP/b"
}
