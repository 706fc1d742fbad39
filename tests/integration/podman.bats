#!/usr/bin/env bats
# podman + conmon drive `runtime` (podman --runtime /abs/runtime); every result is compared with the same podman
# command on the reference runtime (crun, or runc on a hybrid host where crun 1.8 refuses to run; there
# crun.v1bats runs this file again on a pure v1 layout, against crun).
# Private podman: storage, runroot and tmpdir under a temp dir, cgroupfs manager, file events, no network.

load helpers

setup_file() {
  skip_unless_root
  skip_unless_tools podman conmon jq
  REF_RT=$(reference_runtime)
  [ -n "$REF_RT" ] || skip "no reference runtime (crun on cgroup v2, runc elsewhere) installed"
  POD_DIR=$(mktemp -d /dev/shm/keel-podman.XXXXXX)
  INTEG_DIR=$POD_DIR
  KEEL_RT=$(realpath "$RUNTIME")
  # One cgroup parent for every container (and conmon, which podman puts in PARENT/conmon): removed at the end.
  POD_CGROUP_PARENT="keel-it-podman-$$"
  POD_IMAGE=localhost/keel-busybox:podman
  export POD_DIR INTEG_DIR REF_RT KEEL_RT POD_CGROUP_PARENT POD_IMAGE
  # Only settings that podman also hands to conmon's exit command (--root, --tmpdir... are passed as flags; a
  # static_dir here would not be, and `podman container cleanup` would miss the database).
  cat >"$POD_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$POD_DIR/tmp"
volume_path = "$POD_DIR/volumes"
[network]
network_config_dir = "$POD_DIR/net"
EOF
  cat >"$POD_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$POD_DIR/root"
runroot = "$POD_DIR/runroot"
EOF
  export CONTAINERS_CONF="$POD_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$POD_DIR/storage.conf"
  local base
  base=$(_bundle_base_rootfs)
  tar -C "$base" -cf "$POD_DIR/rootfs.tar" .
  podman import --quiet --change 'CMD ["/bin/sh"]' "$POD_DIR/rootfs.tar" "$POD_IMAGE" >/dev/null
}

teardown_file() {
  [ -n "${POD_DIR:-}" ] || return 0
  local rt
  for rt in "$KEEL_RT" "$REF_RT"; do
    timeout 60 podman --runtime "$rt" rm --all --force --time 0 >/dev/null 2>&1 || true
  done
  kill_processes_under "$POD_DIR"
  umount_under "$POD_DIR"
  rm -rf "$POD_DIR"
  remove_cgroup_tree "$POD_CGROUP_PARENT"
}

# pod RUNTIME ARGS...: podman with that OCI runtime.
# From the suite's temp dir: conmon inherits podman's cwd and writes an `oom` file there when a container is
# OOM-killed ("for backwards compatibility"), which would land in the build tree (and fail distcheck).
pod() {
  local rt=$1
  shift
  (cd "$POD_DIR" && exec podman --runtime "$rt" "$@")
}

# pod_run RUNTIME ARGS...: `podman run` in the suite's cgroup parent.
pod_run() {
  local rt=$1
  shift
  pod "$rt" run --cgroup-parent "/$POD_CGROUP_PARENT" "$@"
}

# cgroup_file CONTROLLER FILE CTR_ID: a container's cgroup v1 file as seen from the host.
cgroup_file() {
  cat "/sys/fs/cgroup/$1/$POD_CGROUP_PARENT/libpod-$3/$2"
}

# logs_have RUNTIME NAME PATTERN: the container's logs hold PATTERN now (a predicate for wait_until: the logs are
# read again on each try).
logs_have() {
  pod "$1" logs "$2" 2>&1 | grep -q -- "$3"
}

state_of() {
  pod "$1" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$2"
}

check_run_rm() {
  local rc=0
  # stdout first, then stderr: conmon forwards the two streams separately, in no fixed order between them
  pod_run "$1" --rm "$POD_IMAGE" sh -c 'echo hello; echo to-stderr >&2; echo "pid=$$ $(id -u):$(id -g)"' \
    2>"$POD_DIR/run-rm-stderr.$2" || rc=$?
  cat "$POD_DIR/run-rm-stderr.$2"
  echo "rc=$rc"
  pod "$1" ps -a --format '{{.Image}}' | grep -c "$POD_IMAGE" || true
}

@test "podman run --rm: output, pid 1 and ids as with the reference runtime, container gone after" {
  same_on_both check_run_rm
  [ "$output" = "$(printf '%s\n' hello 'pid=1 0:0' to-stderr rc=0 0)" ]
}

check_exit_codes() {
  local rc=0
  pod_run "$1" --rm "$POD_IMAGE" sh -c 'exit 42' || rc=$?
  echo "exit=$rc"
  rc=0
  pod_run "$1" --rm "$POD_IMAGE" /nonexistent 2>/dev/null || rc=$?
  echo "missing-binary=$rc"
  rc=0
  pod_run "$1" --rm "$POD_IMAGE" /etc/passwd 2>/dev/null || rc=$?
  echo "not-executable=$rc"
}

@test "podman run: non-zero exit, a missing and a non-executable binary give the reference exit codes" {
  same_on_both check_exit_codes
  [ "$output" = "$(printf '%s\n' exit=42 missing-binary=127 not-executable=126)" ]
}

check_detached() {
  local name="pd-detached-$2"
  pod_run "$1" -d --name "$name" "$POD_IMAGE" \
    sh -c 'echo started; trap "echo got TERM; exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
  wait_until 10 logs_have "$1" "$name" started
  state_of "$1" "$name"
  pod "$1" stop --time 10 "$name" >/dev/null
  state_of "$1" "$name"
  pod "$1" logs "$name"
  pod "$1" rm "$name" >/dev/null
  pod "$1" ps -a --filter "name=$name" --format '{{.Names}}'
  echo end
}

@test "podman run -d, logs, stop (SIGTERM handled: exit 7), rm, as with the reference runtime" {
  same_on_both check_detached
  [ "$output" = "$(printf '%s\n' 'running 0' 'exited 7' started 'got TERM' end)" ]
}

check_exec() {
  local name="pd-exec-$2" rc=0
  pod_run "$1" -d --name "$name" "$POD_IMAGE" sleep 60 >/dev/null
  pod "$1" exec "$name" sh -c 'echo out; echo err >&2; exit 5' 2>"$INTEG_DIR/stderr.$2" || rc=$?
  cat "$INTEG_DIR/stderr.$2"
  echo "exec-rc=$rc"
  pod "$1" exec "$name" sh -c 'test -t 0 && echo tty || echo no-tty'
  pod "$1" exec -t "$name" sh -c 'test -t 0 && test -t 1 && echo tty || echo no-tty; tty' | tr -d '\r' | sed 's|^/dev/pts/[0-9]*$|/dev/pts/N|'
  echo piped | pod "$1" exec -i "$name" cat
  pod "$1" exec --user 1000:1000 --workdir /tmp --env FOO=bar "$name" sh -c 'echo "$(id -u):$(id -g) $PWD $FOO"'
  pod "$1" rm -f -t 0 "$name" >/dev/null
}

@test "podman exec with and without -t, -i, --user/--workdir/--env, exit code, as with the reference runtime" {
  same_on_both check_exec
  [[ "$output" == *"exec-rc=5"* ]]
  [[ "$output" == *$'no-tty\ntty\n/dev/pts/N\npiped'* ]]
  [[ "$output" == *"1000:1000 /tmp bar"* ]]
}

check_resources() {
  local name="pd-res-$2" id
  id=$(pod_run "$1" -d --name "$name" --memory 64m --pids-limit 33 --cpus 1.5 "$POD_IMAGE" sleep 60)
  echo "memory.limit_in_bytes=$(cgroup_file memory memory.limit_in_bytes "$id")"
  echo "pids.max=$(cgroup_file pids pids.max "$id")"
  echo "cfs=$(cgroup_file cpu cpu.cfs_quota_us "$id")/$(cgroup_file cpu cpu.cfs_period_us "$id")"
  # containers.conf default_ulimits reach the process
  pod "$1" exec "$name" sh -c 'echo "nofile=$(ulimit -n) nproc=$(ulimit -u)"'
  # the container sees its own cgroup
  pod "$1" exec "$name" cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
  pod "$1" rm -f -t 0 "$name" >/dev/null
}

@test "podman --memory/--pids-limit/--cpus land in the container's cgroup, ulimits from containers.conf" {
  same_on_both check_resources
  [ "$output" = "$(printf '%s\n' memory.limit_in_bytes=67108864 pids.max=33 cfs=150000/100000 \
    'nofile=1024 nproc=1024' 67108864 33)" ]
}

check_enforced() {
  local rc=0 name="pd-cpu-$2" id throttled
  pod_run "$1" --rm --pids-limit 5 "$POD_IMAGE" \
    sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>/dev/null; echo forked; wait' || rc=$?
  echo "pids-rc=$rc"
  rc=0
  pod_run "$1" --rm --memory 16m --memory-swap 16m "$POD_IMAGE" \
    sh -c 'x=$(head -c 40000000 /dev/zero | tr "\0" a); echo ${#x}' 2>/dev/null || rc=$?
  echo "oom-rc=$rc"
  id=$(pod_run "$1" -d --name "$name" --cpus 0.1 "$POD_IMAGE" sh -c 'while :; do :; done')
  sleep 0.6
  throttled=$(cgroup_file cpu cpu.stat "$id" | awk '$1 == "nr_throttled" {print $2}')
  [ "$throttled" -gt 0 ] && echo throttled
  pod "$1" rm -f -t 0 "$name" >/dev/null
}

@test "podman limits are enforced: fork fails past --pids-limit, OOM kill at --memory, --cpus throttles" {
  same_on_both check_enforced
  [[ "$output" == *"pids-rc=2"* ]]
  [[ "$output" == *$'oom-rc=137\nthrottled'* ]]
  [[ "$output" != *forked* ]]
}

check_pause() {
  local name="pd-pause-$2" id pid before
  id=$(pod_run "$1" -d --name "$name" "$POD_IMAGE" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.05; done')
  pid=$(pod "$1" inspect --format '{{.State.Pid}}' "$name")
  wait_until 10 test -s "/proc/$pid/root/tmp/n"
  pod "$1" pause "$name" >/dev/null
  state_of "$1" "$name"
  cgroup_file freezer freezer.state "$id"
  before=$(cat "/proc/$pid/root/tmp/n")
  sleep 0.3
  [ "$(cat "/proc/$pid/root/tmp/n")" = "$before" ] && echo "counter frozen"
  pod "$1" unpause "$name" >/dev/null
  state_of "$1" "$name"
  cgroup_file freezer freezer.state "$id"
  sleep 0.3
  [ "$(cat "/proc/$pid/root/tmp/n")" -gt "$before" ] && echo "counter advanced after unpause"
  pod "$1" rm -f -t 0 "$name" >/dev/null
}

@test "podman pause/unpause freeze and thaw the container's cgroup, as with the reference runtime" {
  skip_unless_verb pause
  same_on_both check_pause
  [ "$output" = "$(printf '%s\n' 'paused 0' FROZEN 'counter frozen' 'running 0' THAWED 'counter advanced after unpause')" ]
}

check_top_stats_inspect() {
  local name="pd-info-$2" id pid
  id=$(pod_run "$1" -d --name "$name" --memory 32m "$POD_IMAGE" sh -c 'sleep 60 & wait')
  wait_until 10 at_least 2 cgroup_file pids pids.current "$id"
  # pids other than 1 depend on how many helper processes the runtime forked in the pid namespace
  pod "$1" top "$name" pid args | awk 'NR > 1 && $1 != 1 {$1 = "N"} {print}'
  pod "$1" stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' "$name" | sed 's/^\([0-9]*\) .* \/ /\1 _ \/ /'
  pod "$1" inspect --format '{{.State.Status}} {{.State.Running}} {{.HostConfig.Memory}} {{.Config.Cmd}}' "$name"
  pid=$(pod "$1" inspect --format '{{.State.Pid}}' "$name")
  # the pid podman reports is the container's init, in the container's cgroup
  grep -q ":memory:/$POD_CGROUP_PARENT/libpod-$id\$" "/proc/$pid/cgroup" && echo "pid in cgroup"
  [ "$(pod "$1" inspect --format '{{.OCIRuntime}}' "$name")" = "$1" ] && echo "runtime recorded"
  pod "$1" rm -f -t 0 "$name" >/dev/null
}

@test "podman top, stats --no-stream and inspect report the same as with the reference runtime" {
  same_on_both check_top_stats_inspect
  [ "$output" = "$(printf '%s\n' 'PID         COMMAND' '1           sh -c sleep 60 & wait ' \
    'N sleep 60' '2 _ / 33.55MB' 'running true 33554432 [sh -c sleep 60 & wait]' \
    'pid in cgroup' 'runtime recorded')" ]
}

check_kill() {
  local name="pd-kill-$2"
  pod_run "$1" -d --name "$name" "$POD_IMAGE" \
    sh -c 'trap "echo got USR1" USR1; trap "echo got HUP; exit 9" HUP; echo ready; while :; do sleep 0.1; done' >/dev/null
  wait_until 10 logs_have "$1" "$name" ready
  pod "$1" kill --signal USR1 "$name" >/dev/null
  wait_until 10 logs_have "$1" "$name" 'got USR1'
  state_of "$1" "$name"
  pod "$1" kill --signal SIGHUP "$name" >/dev/null
  pod "$1" wait "$name"
  pod "$1" logs "$name"
  pod "$1" rm "$name" >/dev/null
  pod_run "$1" -d --name "$name" "$POD_IMAGE" sleep 60 >/dev/null
  pod "$1" kill "$name" >/dev/null
  pod "$1" wait "$name"
  pod "$1" rm "$name" >/dev/null
}

@test "podman kill delivers USR1 (handled), HUP (exit 9) and the default KILL (137) like the reference runtime" {
  same_on_both check_kill
  [ "$output" = "$(printf '%s\n' 'running 0' 9 ready 'got USR1' 'got HUP' 137)" ]
}

check_restart_no() {
  local name="pd-restart-$2"
  pod_run "$1" -d --restart no --name "$name" "$POD_IMAGE" sh -c 'exit 3' >/dev/null
  pod "$1" wait "$name"
  sleep 1
  pod "$1" inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}' "$name"
  # podman start runs a stopped container again through a new create
  pod "$1" start --attach "$name" || echo "start-rc=$?"
  pod "$1" rm "$name" >/dev/null
}

@test "podman --restart no: an exited container stays exited; podman start re-creates it" {
  same_on_both check_restart_no
  [ "$output" = "$(printf '%s\n' 3 'exited 3 0 no' start-rc=3)" ]
}

@test "podman leaves no runtime state, cgroup or conmon behind after rm" {
  local rt
  for rt in "$REF_RT" "$KEEL_RT"; do
    run pod "$rt" ps -a --format '{{.Names}}'
    [ "$status" -eq 0 ]
    [ -z "$output" ]
  done
  run "$KEEL_RT" list --format json
  [ "$status" -eq 0 ]
  # podman calls runtime without --root: its containers live in the default root, none may be left
  ! echo "$output" | jq -e --arg b "$POD_DIR" '.[]? | select(.bundle | startswith($b))' || false
  run find /sys/fs/cgroup/memory/"$POD_CGROUP_PARENT" -mindepth 1 -maxdepth 1 -name 'libpod-*'
  [ -z "$output" ]
  ! pgrep -f "conmon.*$POD_DIR" || false
}
