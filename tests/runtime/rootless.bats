#!/usr/bin/env bats
# Rootless: the runtime run by a real unprivileged user (created here with /etc/subuid and /etc/subgid ranges,
# removed after): `spec --rootless` runs, state under $XDG_RUNTIME_DIR/keel, newuidmap/newgidmap for maps
# beyond the user's own id, no cgroup without delegation, devices and sysfs bound from the host, exec, and a
# bundle from `imagetool unpack --rootless`.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" = 0 ] || return 0
  export RL_USER="keelrl$$"
  # useradd gives the user subordinate id ranges (login.defs SUB_UID_*); userdel takes them back.
  useradd --no-create-home --shell /bin/sh "$RL_USER"
  grep -q "^$RL_USER:" /etc/subuid || usermod --add-subuids 400000-465535 --add-subgids 400000-465535 "$RL_USER"
}

teardown_file() {
  [ "$(id -u)" = 0 ] || return 0
  [ -z "${RL_USER:-}" ] || userdel "$RL_USER" 2>/dev/null || true
}

setup() {
  runtime_setup
  command -v newuidmap >/dev/null || skip "uidmap package not installed"
  RL_UID=$(id -u "$RL_USER")
  RL_GID=$(id -g "$RL_USER")
  SUBUID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
  SUBGID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
  chmod 0755 "$TMP"
  XDG="$TMP/xdg"
  mkdir -m 0700 "$XDG"
  # The bundle as `runtime spec --rootless` wants it: owned by the user (root in the container).
  rm "$B/config.json"
  chown -R "$RL_USER:" "$TMP"
  as_user "$RUNTIME" spec --rootless -b "$B"
  rl_set '.process.terminal = false | .process.args = ["payload", "report"]'
}

teardown() {
  [ -z "${RL_USER:-}" ] || as_user "$RUNTIME" delete -f "$ID" >/dev/null 2>&1 || true
  runtime_teardown
}

# as_user CMD...: CMD as the test user, with a clean environment and XDG_RUNTIME_DIR=$XDG.
as_user() {
  setpriv --reuid="$RL_UID" --regid="$RL_GID" --clear-groups \
    env -i PATH="${AS_USER_PATH:-/usr/sbin:/usr/bin:/sbin:/bin}" HOME=/ ${XDG:+XDG_RUNTIME_DIR=$XDG} "$@"
}

# rl_set JQ_EXPR [JQ_OPTIONS...]: bundle_set on $B, the result still the user's.
rl_set() {
  bundle_set "$B" "$@" && chown "$RL_USER:" "$B/config.json"
}

has() { grep -qxF -- "$1" <<<"$output" || { echo "missing line: $1" >&2; return 1; }; }

# Map container 0 to the user and 1..65536 to its subordinate range (needs newuidmap/newgidmap).
map_subids() {
  rl_set '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $su, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $sg, size: 65536}]' \
    --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson su "$SUBUID" --argjson sg "$SUBGID"
}

@test "rootless: spec --rootless then run as the user prints the payload report" {
  run as_user "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  has "uid=0"
  has "gid=0"
  grep -q '^mount=/proc ' <<<"$output"
  # The user's uid is root inside; nothing else is mapped.
  rl_set '.process.args = ["cat", "/proc/self/uid_map"]'
  run as_user "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^\ *0\ +$RL_UID\ +1$ ]]
}

@test "rootless: state under \$XDG_RUNTIME_DIR/keel, else /run/user/UID/keel or /tmp/keel-UID; --root wins" {
  rl_set '.process.args = ["sleep", "100"]'
  as_user "$RUNTIME" run -d -b "$B" "$ID"
  [ -f "$XDG/keel/$ID/state.json" ]
  [ "$(stat -c %U "$XDG/keel/$ID")" = "$RL_USER" ]
  run as_user "$RUNTIME" list -q
  has "$ID"
  run as_user "$RUNTIME" state "$ID"
  [ "$(jq -r .status <<<"$output")" = running ]
  as_user "$RUNTIME" delete -f "$ID"
  [ ! -e "$XDG/keel/$ID" ]
  # Without XDG_RUNTIME_DIR: /run/user/UID when the login made it, else a directory of the user's own.
  local def="/tmp/keel-$RL_UID"
  [ ! -d "/run/user/$RL_UID" ] || def="/run/user/$RL_UID/keel"
  XDG='' as_user "$RUNTIME" run -d -b "$B" "$ID"
  [ -f "$def/$ID/state.json" ]
  XDG='' as_user "$RUNTIME" delete -f "$ID"
  [ ! -e "$def/$ID" ]
  as_user "$RUNTIME" --root "$TMP/r" run -d -b "$B" "$ID"
  [ -f "$TMP/r/$ID/state.json" ]
  [ ! -e "$XDG/keel/$ID" ]
  as_user "$RUNTIME" --root "$TMP/r" delete -f "$ID"
  [ "$def" = "/tmp/keel-$RL_UID" ] && rm -rf "$def"
  true
}

@test "rootless: multi-range maps through newuidmap/newgidmap; the process and its files are subordinate ids on the host" {
  map_subids
  rl_set '.root.readonly = false | .process.user = {uid: 1000, gid: 1000}
    | .process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/by-1000; payload ids; sleep 100"]'
  as_user "$RUNTIME" run -d -b "$B" "$ID"
  local pid
  pid=$(as_user "$RUNTIME" state "$ID" | jq -r .pid)
  for _ in $(seq 50); do [ -e "$B/rootfs/tmp/by-1000" ] && break; sleep 0.1; done
  # Container uid 1000 is subordinate id SUBUID+999 on the host.
  [ "$(stat -c %u:%g "/proc/$pid")" = "$((SUBUID + 999)):$((SUBGID + 999))" ]
  [ "$(stat -c %u:%g "$B/rootfs/tmp/by-1000")" = "$((SUBUID + 999)):$((SUBGID + 999))" ]
  as_user "$RUNTIME" exec "$ID" cat /proc/self/uid_map >"$TMP/map"
  grep -Eq "^ *1 +$SUBUID +65536$" "$TMP/map"
}

@test "rootless: a range /etc/subuid does not grant fails with newuidmap's reason; nothing is left" {
  rl_set '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: 1, size: 10}]' \
    --argjson u "$RL_UID"
  run as_user "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: run $ID: linux.uidMappings: newuidmap "*"failed: "*"not allowed"* ]]
  KEEL_STATE_ROOT="$XDG/keel" assert_no_leftovers "$ID" "$B"
}

@test "rootless: without newuidmap a multi-range map says to install the uidmap package" {
  map_subids
  mkdir "$TMP/emptybin"
  AS_USER_PATH="$TMP/emptybin" run as_user "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"newuidmap not found"*"install the uidmap package"* ]]
  KEEL_STATE_ROOT="$XDG/keel" assert_no_leftovers "$ID" "$B"
  # A single self-mapping needs no helper: written directly.
  rl_set '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}] | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}]' \
    --argjson u "$RL_UID" --argjson g "$RL_GID"
  AS_USER_PATH="$TMP/emptybin" run as_user "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
}

@test "rootless: no cgroup without delegation; resources then fail naming the cgroup; --rootless false insists" {
  run as_user "$RUNTIME" --debug run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"rootless: cgroup \`"*"\` is not writable and no resources are set: no cgroup"* ]]
  [ -z "$(find /sys/fs/cgroup/ -maxdepth 3 -type d -name "$ID" 2>/dev/null)" ]
  rl_set '.linux.resources = {pids: {limit: 50}}'
  run as_user "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: run $ID: config.json: .linux.resources: set, but cgroup \`/sys/fs/cgroup/"*"\` is not writable (rootless without a delegated cgroup)"* ]]
  rl_set 'del(.linux.resources)'
  run as_user "$RUNTIME" --rootless false run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cgroup"*"Permission denied"* ]]
  KEEL_STATE_ROOT="$XDG/keel" assert_no_leftovers "$ID" "$B"
}

@test "rootless: devices are bind mounts of the host's nodes; sysfs is bound from the host when it cannot be mounted" {
  # A sysfs mount (not runc's rootless bind) in a container without a network namespace of its own.
  rl_set '(.mounts[] | select(.destination == "/sys")) |= {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}
    | .process.args = ["sh", "-c", "payload devices; payload mounts; test -d /sys/kernel/mm && echo sysfs-populated"]'
  run as_user "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q '^dev=/dev/null type=c rdev=1:3 ' <<<"$output"
  grep -q '^mount=/dev/null root=/null ' <<<"$output"
  grep -q '^mount=/sys root=/ fstype=sysfs ' <<<"$output"
  has sysfs-populated
}

@test "rootless: imagetool unpack --rootless as the user, then runtime run as the user" {
  source "$KEEL_SRCDIR/tests/imagetool/layer_helpers.bash"
  T="$TMP/img"
  mkdir -p "$T/layers"
  tar -C "$B/rootfs" --owner=0 --group=0 -cf "$T/layers/l.tar" .
  oci_layout "$T/layout" l.tar
  tar -C "$T/layout" -cf "$T/img.tar" .
  chown -R "$RL_USER:" "$T"
  as_user "$IMAGETOOL" --store "$T/store" import "$T/img.tar" img >/dev/null
  as_user "$IMAGETOOL" --store "$T/store" unpack --rootless img "$T/bundle"
  # The image has no command: give it one.
  as_user sh -c "jq '.process.args = [\"payload\", \"ids\"] | .process.terminal = false' '$T/bundle/config.json' >'$T/c' && mv '$T/c' '$T/bundle/config.json'"
  run as_user "$RUNTIME" run -b "$T/bundle" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  has "uid=0"
}

@test "rootless: idmapped mounts are refused by name, as runc refuses them for an unprivileged runtime; nothing is left" {
  map_subids
  mkdir "$TMP/src"
  chown "$RL_USER:" "$TMP/src"
  rl_set '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["bind", "idmap"]}]' --arg s "$TMP/src"
  run as_user "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  # runc 1.2's words (libcontainer/configs/validate; the runc 1.1 installed here predates idmapped mounts).
  [[ "$output" == "runtime: run $ID: "*"(/mnt): idmapped mounts are not supported for rootless containers" ]]
  KEEL_STATE_ROOT="$XDG/keel" assert_no_leftovers "$ID" "$B"
}

@test "rootless: --rootless true as root changes only the cgroup handling, as runc: root's cgroup is made and limits apply" {
  [ -d /sys/fs/cgroup/pids ] || skip "no v1 pids hierarchy on this host"
  bundle_set "$B" 'del(.linux.uidMappings, .linux.gidMappings) | del(.linux.namespaces[] | select(.type == "user"))
    | .linux.resources = {pids: {limit: 42}} | .process.args = ["sleep", "100"]'
  # Not under `run`: the process keeps run's stdout open.
  "$RUNTIME" --rootless true run -d -b "$B" "$ID" >/dev/null
  # State in root's place (runc's /run/runc): --rootless does not move it.
  pid=$(jq .pid "$KEEL_STATE_ROOT/$ID/state.json")
  cg=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup")
  [ "$cg" != / ]
  [ "$(cat "/sys/fs/cgroup/pids$cg/pids.max")" = 42 ]
  "$RUNTIME" --rootless true delete -f "$ID"
  assert_no_leftovers "$ID" "$B"
}
