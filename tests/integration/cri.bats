#!/usr/bin/env bats
# containerd's CRI plugin (what the kubelet talks to) configured as README says: a runtime handler `keel` of type
# io.containerd.runc.v2 with options BinaryName=/abs/runtime. A pod sandbox and a container run through the CRI
# gRPC API (tests/integration/cri_client.py: crictl is not packaged in Debian 12) on that handler and on the
# default `runc` handler, and the results are compared. Pods use the host network (no CNI plugins here).

load helpers

setup_file() {
  skip_unless_root
  skip_unless_tools containerd ctr containerd-shim-runc-v2 umoci skopeo jq runc
  CRI_PY=$(cri_python) || skip "no python3 with the grpc module (apt-get install python3-grpcio)"
  CRI_DIR=$(mktemp -d /dev/shm/keel-cri.XXXXXX)
  INTEG_DIR=$CRI_DIR
  REF_RT=runc
  KEEL_RT=keel
  KEEL_BIN=$(realpath "$RUNTIME")
  CRI_IMAGE=docker.io/library/keel-busybox:cri
  # The pods' cgroup parent, unique, so teardown removes exactly what the pods made.
  CRI_CGROUP_PARENT="/keel-it-cri-$$"
  CRI_LOG_DIR=$CRI_DIR/logs
  CRI_POD_NS=keel-it
  CRI_MEMORY_LIMIT=$((64 * 1024 * 1024))
  CTRD_RUN_DIR_EXISTED=0
  [ ! -d /run/containerd ] || CTRD_RUN_DIR_EXISTED=1
  export CRI_PY CRI_DIR INTEG_DIR REF_RT KEEL_RT KEEL_BIN CRI_IMAGE CRI_CGROUP_PARENT CRI_LOG_DIR CRI_POD_NS \
    CRI_MEMORY_LIMIT CTRD_RUN_DIR_EXISTED
  mkdir -p "$CRI_LOG_DIR" "$CRI_DIR/cni-conf" "$CRI_DIR/cni-bin"
  write_config >"$CRI_DIR/config.toml"
  # fd 3 is bats' output: a daemon holding it would keep the suite from finishing.
  containerd --config "$CRI_DIR/config.toml" >"$CRI_DIR/containerd.log" 2>&1 3>&- &
  echo $! >"$CRI_DIR/containerd.pid"
  wait_until 30 cri version >/dev/null 2>&1 || {
    cat "$CRI_DIR/containerd.log" >&2
    return 1
  }
  # The image serves as the pod's sandbox (pause) image too: its Cmd sleeps.
  build_image_archive "$CRI_DIR/image" "$CRI_DIR/image.tar" "$CRI_IMAGE" /bin/sleep 1000000
  ctr --address "$CRI_DIR/containerd.sock" --namespace k8s.io images import "$CRI_DIR/image.tar" >/dev/null
}

# cri_python: a python3 that has the grpc module (Debian's python3-grpcio is for /usr/bin/python3).
cri_python() {
  local py
  for py in /usr/bin/python3 python3; do
    command -v "$py" >/dev/null 2>&1 && "$py" -c 'import grpc' 2>/dev/null && {
      command -v "$py"
      return 0
    }
  done
  return 1
}

# write_config: containerd's config, with the CRI plugin's runtime handlers as README documents them.
write_config() {
  cat <<EOF
version = 2
root = "$CRI_DIR/root"
state = "$CRI_DIR/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CRI_DIR/containerd.sock"
[ttrpc]
  address = "$CRI_DIR/containerd-ttrpc.sock"
[debug]
  level = "debug"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CRI_IMAGE"
  # The sandbox asks for oomScoreAdj -998, which needs CAP_SYS_RESOURCE (some CI sandboxes drop it): keep
  # scores at or above containerd's own, as for rootless containerd.
  restrict_oom_score_adj = true
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CRI_DIR/cni-bin"
    conf_dir = "$CRI_DIR/cni-conf"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$CRI_DIR/runc-root"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.keel]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.keel.options]
        BinaryName = "$KEEL_BIN"
        Root = "$CRI_DIR/keel-root"
EOF
}

teardown_file() {
  [ -n "${CRI_DIR:-}" ] || return 0
  local pod id
  for pod in $(cat "$CRI_DIR"/pods 2>/dev/null); do
    cri stopp "$pod" >/dev/null 2>&1 || true
    cri rmp "$pod" >/dev/null 2>&1 || true
  done
  [ -f "$CRI_DIR/containerd.pid" ] && kill "$(cat "$CRI_DIR/containerd.pid")" 2>/dev/null
  # Whatever the shims left: their containers (by runtime state), then the shims and containerd.
  for id in "$CRI_DIR"/keel-root/*/*/; do
    [ -d "$id" ] && "$KEEL_BIN" --root "$(dirname "$id")" delete --force "$(basename "$id")" >/dev/null 2>&1
  done
  for id in "$CRI_DIR"/runc-root/*/*/; do
    [ -d "$id" ] && runc --root "$(dirname "$id")" delete --force "$(basename "$id")" >/dev/null 2>&1
  done
  kill_processes_under "$CRI_DIR"
  umount_under "$CRI_DIR"
  rm -rf "$CRI_DIR"
  remove_cgroup_tree "${CRI_CGROUP_PARENT#/}"
  if [ "$CTRD_RUN_DIR_EXISTED" = 0 ]; then
    rmdir /run/containerd/s /run/containerd/fifo /run/containerd/runc /run/containerd 2>/dev/null || true
  fi
  return 0
}

# cri VERB ARGS...: the CRI client against the suite's containerd.
cri() {
  "$CRI_PY" "$BATS_TEST_DIRNAME/cri_client.py" "$CRI_DIR/containerd.sock" "$@"
}

# run_pod HANDLER LABEL: a pod sandbox named after LABEL on that runtime handler; prints its id.
run_pod() {
  local pod
  pod=$(CRI_POD_NAME="pod-$2" CRI_POD_UID="uid-$2-$$" cri runp "$1") || return
  echo "$pod" >>"$CRI_DIR/pods"
  echo "$pod"
}

# pod_lifecycle HANDLER LABEL: pod + container through the CRI, printing what a user would see.
pod_lifecycle() {
  local handler=$1 label=$2 pod cid rc=0
  export CRI_POD_NAME="pod-$label" CRI_POD_UID="uid-$label-$$"
  pod=$(run_pod "$handler" "$label") || return
  cid=$(cri create "$pod" "c-$label" "$CRI_IMAGE" /bin/sh -c 'echo started; exec sleep 1000') || return
  cri status "$cid"
  cri start "$cid" || return
  cri status "$cid"
  # pid 1 is the sandbox's sleep: the container joined the pod's pid namespace by path.
  cri exec "$cid" 30 /bin/sh -c 'echo hi from $(hostname -s 2>/dev/null || echo ?); id; tr "\0" " " </proc/1/cmdline; echo;
    cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; exit 3' || rc=$?
  echo "exec exit=$rc"
  cri info "$cid" | jq -r '"runtimeType=" + .runtimeType'
  cri stop "$cid" 10 || return
  cri status "$cid"
  cat "$CRI_LOG_DIR/c-$label.log" | awk '{print $2, $3, $4}'
  cri rm "$cid" || return
  cri stopp "$pod" || return
  cri rmp "$pod" || return
}

@test "cri: the CRI plugin loads README's handler config (runc.v2 shim, BinaryName = runtime)" {
  run cri config
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg bin "$KEEL_BIN" '.containerd.runtimes.keel.runtimeType == "io.containerd.runc.v2"
    and .containerd.runtimes.keel.options.BinaryName == $bin'
}

@test "cri: with --log, runtime's errors reach stderr too (the shim matches \"container not running\" there)" {
  run "$KEEL_BIN" --root "$CRI_DIR/no-root" --log "$CRI_DIR/kill.log" --log-format json kill no-such-ctr 9
  [ "$status" -eq 1 ]
  [[ "$output" == *"container \`no-such-ctr\` does not exist"* ]]
  jq -e '.level == "error"' "$CRI_DIR/kill.log"
}

@test "cri: pod sandbox + container (create, start, exec, stop, remove) on the keel handler, as on runc" {
  same_on_both pod_lifecycle
  echo "$output" | grep -qx 'state=CONTAINER_RUNNING exit=0 reason='
  echo "$output" | grep -qx '/bin/sleep 1000000 '
  echo "$output" | grep -qx "$CRI_MEMORY_LIMIT"
  echo "$output" | grep -qx 'exec exit=3'
  echo "$output" | grep -qx 'state=CONTAINER_EXITED exit=143 reason=Error'
  echo "$output" | grep -qx 'stdout F started'
}

@test "cri: the keel handler's containers are run by runtime (its state under the handler's Root, same pid)" {
  local pod cid pid
  export CRI_POD_NAME=pod-owner CRI_POD_UID="uid-owner-$$"
  pod=$(run_pod keel owner)
  cid=$(cri create "$pod" c-owner "$CRI_IMAGE" /bin/sleep 1000)
  cri start "$cid"
  cri info "$cid" | tee "$CRI_DIR/info.json"
  jq -e --arg bin "$KEEL_BIN" '.runtimeOptions.binary_name == $bin' "$CRI_DIR/info.json"
  pid=$(jq -r .pid "$CRI_DIR/info.json")
  # The shim keeps per-namespace state under Root: runtime's own state for both the sandbox and the container.
  run "$KEEL_BIN" --root "$CRI_DIR/keel-root/k8s.io" state "$cid"
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --argjson pid "$pid" '.status == "running" and .pid == $pid'
  run "$KEEL_BIN" --root "$CRI_DIR/keel-root/k8s.io" state "$pod"
  [ "$status" -eq 0 ]
  # runc cannot read runtime's state (and nothing is under runc's root)
  [ -z "$(ls -A "$CRI_DIR/runc-root/k8s.io" 2>/dev/null)" ]
  cri stop "$cid" 10
  cri rm "$cid"
  cri stopp "$pod"
  cri rmp "$pod"
  run "$KEEL_BIN" --root "$CRI_DIR/keel-root/k8s.io" list -q
  [ -z "$output" ]
}

@test "cri: nothing left behind: no pod cgroup, no runtime state" {
  [ -z "$(ls -A "$CRI_DIR/keel-root/k8s.io" 2>/dev/null)" ]
  [ -z "$(ls -A "$CRI_DIR/runc-root/k8s.io" 2>/dev/null)" ]
  run bash -c "find /sys/fs/cgroup/*${CRI_CGROUP_PARENT} -mindepth 1 -type d 2>/dev/null"
  [ -z "$output" ]
}
