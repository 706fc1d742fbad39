#!/usr/bin/env bats
# What the container process gets: user, env, cwd, PATH lookup, caps, rlimits, nnp, names, sysctl, namespaces, fds.

load helpers
bats_require_minimum_version 1.5.0

setup() { runtime_setup; }
teardown() { runtime_teardown; }

has() { grep -qxF -- "$1" <<<"$output" || { echo "missing line: $1" >&2; return 1; }; }

@test "process: user uid, gid, additionalGids and umask" {
  bundle_set "$B" '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 7], umask: 63}'
  run_payload ids
  [ "$status" -eq 0 ]
  has "uid=1000"; has "euid=1000"; has "gid=1000"; has "groups=5,7"; has "umask=0077"
}

@test "process: env, cwd and args[0] looked up in the container's PATH" {
  mkdir -p "$B/rootfs/opt/tools"
  cp "$B/rootfs/bin/payload" "$B/rootfs/opt/tools/probe"
  bundle_set "$B" '.process.env = ["PATH=/opt/tools", "FOO=bar baz"] | .process.cwd = "/tmp"'
  bundle_set "$B" '.process.args = ["probe", "report"]'
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  has "env.FOO=bar baz"; has "env.PATH=/opt/tools"; has "cwd=/tmp"
}

@test "process: a missing or non-executable command fails create (as runc), worded as podman maps it" {
  bundle_set "$B" '.process.args = ["no-such-command"]'
  expect_create_failure 'exec `no-such-command`: executable file not found in $PATH'
  bundle_set "$B" '.process.args = ["/etc/passwd"]'
  expect_create_failure 'exec `/etc/passwd`: permission denied'
  bundle_set "$B" '.process.args = ["/no/such/file"]'
  expect_create_failure 'exec `/no/such/file`: No such file or directory'
  bundle_set "$B" '.process.args = ["no-such-command"]'
  run -1 "$RUNTIME" run -b "$B" "$ID"
}

@test "process: capabilities sets, including ambient" {
  bundle_set "$B" '.process.capabilities = {bounding: ["CAP_KILL","CAP_CHOWN","CAP_NET_RAW"], effective: ["CAP_KILL","CAP_CHOWN"], permitted: ["CAP_KILL","CAP_CHOWN"], inheritable: ["CAP_CHOWN"], ambient: ["CAP_CHOWN"]}'
  bundle_set "$B" '.process.user = {uid: 1000, gid: 1000}'
  run_payload caps
  [ "$status" -eq 0 ]
  has "CapBnd.names=CAP_CHOWN,CAP_KILL,CAP_NET_RAW"
  # after exec as uid 1000 only the ambient set survives into effective/permitted
  has "CapAmb.names=CAP_CHOWN"; has "CapEff.names=CAP_CHOWN"; has "CapInh.names=CAP_CHOWN"
}

@test "process: root is limited by the bounding set" {
  # execve as uid 0 grants root every capability in the bounding set (capabilities(7)), as with runc
  bundle_set "$B" '.process.capabilities = {bounding: ["CAP_KILL","CAP_SYS_ADMIN"], effective: ["CAP_KILL"], permitted: ["CAP_KILL","CAP_SYS_ADMIN"]}'
  run_payload caps
  has "CapBnd.names=CAP_KILL,CAP_SYS_ADMIN"; has "CapPrm.names=CAP_KILL,CAP_SYS_ADMIN"
  bundle_set "$B" 'del(.process.capabilities)'
  run_payload caps
  has "CapBnd.names="; has "CapEff.names="
}

@test "process: rlimits, noNewPrivileges, oomScoreAdj" {
  bundle_set "$B" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200}, {type: "RLIMIT_CORE", soft: 0, hard: 0}] | .process.noNewPrivileges = true | .process.oomScoreAdj = 345'
  run_payload report
  has "RLIMIT_NOFILE.soft=100"; has "RLIMIT_NOFILE.hard=200"; has "RLIMIT_CORE.hard=0"
  has "NoNewPrivs=1"; has "oom_score_adj=345"
  bundle_set "$B" '.process.noNewPrivileges = false'
  run_payload nnp
  has "NoNewPrivs=0"
}

@test "process: hostname, domainname and namespaced sysctls" {
  bundle_set "$B" '.hostname = "box" | .domainname = "example.org" | .linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}'
  run_payload hostname
  has "hostname=box"; has "domainname=example.org"
  run_payload sysctl net.ipv4.ip_forward kernel.shmmni
  has "sysctl.net.ipv4.ip_forward=1"; has "sysctl.kernel.shmmni=1234"
  # the host is untouched
  [ "$(cat /proc/sys/kernel/shmmni)" != 1234 ]
}

@test "process: personality, ioPriority and scheduler" {
  bundle_set "$B" '.linux.personality = {domain: "LINUX32"} | .process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0} | .process.scheduler = {policy: "SCHED_BATCH", nice: 5}'
  run_payload report
  [ "$status" -eq 0 ]
  has "personality.domain=LINUX32"; has "ioprio.class=IOPRIO_CLASS_IDLE"; has "sched.policy=SCHED_BATCH"; has "nice=5"
}

@test "process: new pid, net, ipc, uts, mount and cgroup namespaces" {
  bundle_set "$B" '.linux.namespaces += [{type: "cgroup"}]'
  run_payload report
  has "pid_ns_init=1"
  for ns in pid net ipc uts mnt cgroup; do
    has "ns.$ns=$(stat -L -c %i /proc/self/ns/$ns)" && return 1
  done
  has "cgroup.memory=/"
}

@test "process: time namespace with timeOffsets" {
  bundle_set "$B" '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {boottime: {secs: 86400, nanosecs: 0}}'
  bundle_set "$B" '.process.args = ["cat", "/proc/uptime"]'
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  host=$(cut -d. -f1 /proc/uptime)
  [ "${output%%.*}" -ge $((host + 86000)) ]
}

@test "process: joining a namespace by path, with its type checked" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"]'
  "$RUNTIME" run -d -b "$B" --pid-file "$TMP/pid" "$ID"
  pid=$(cat "$TMP/pid")
  make_bundle "$TMP/b2" payload ns
  bundle_set "$TMP/b2" '.linux.namespaces = [.linux.namespaces[] | if .type == "network" or .type == "uts" then .path = "/proc/\($p)/ns/\(if .type == "network" then "net" else .type end)" else . end] | del(.hostname)' --arg p "$pid"
  run "$RUNTIME" run -b "$TMP/b2" "$ID-2"
  [ "$status" -eq 0 ]
  has "ns.net=$(stat -L -c %i /proc/$pid/ns/net)"
  has "ns.uts=$(stat -L -c %i /proc/$pid/ns/uts)"
  bundle_set "$TMP/b2" '(.linux.namespaces[] | select(.type == "network") | .path) = "/proc/\($p)/ns/ipc"' --arg p "$pid"
  run "$RUNTIME" create -b "$TMP/b2" "$ID-2"
  [ "$status" -eq 1 ]
  [[ "$output" == *"\`/proc/$pid/ns/ipc\` is not a network namespace"* ]]
  assert_no_leftovers "$ID-2" "$TMP/b2"
}

@test "process: no runtime fd leaks; --preserve-fds and LISTEN_FDS pass fds on" {
  run_payload fds
  [ "$status" -eq 0 ]
  [ "$(grep -c '^fd\.' <<<"$output")" -eq 3 ]
  bundle_set "$B" '.process.args = ["payload", "fds"]'
  run "$RUNTIME" run --preserve-fds 2 -b "$B" "$ID" 3</dev/null 4<"$B/config.json"
  has "fd.3=/dev/null"
  has "fd.4=$B/config.json" || grep -q '^fd.4=' <<<"$output"
  bundle_set "$B" '.process.args = ["payload", "report"]'
  run env LISTEN_FDS=1 "$RUNTIME" run -b "$B" "$ID" 3</dev/null
  has "fd.3=/dev/null"; has "env.LISTEN_FDS=1"; has "env.LISTEN_PID=1"
  ! grep -q '^fd.4=' <<<"$output" || false
}

@test "process: linux.seccomp is loaded, with and without noNewPrivileges, and applies to exec too" {
  bundle_set "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["getcwd"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
  run_payload cwd
  has "cwd=error:EPERM"
  bundle_set "$B" '.process.noNewPrivileges = false'
  run_payload seccomp
  has "Seccomp=2"
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"]'
  "$RUNTIME" run -d -b "$B" "$ID"
  run "$RUNTIME" exec "$ID" payload cwd
  has "cwd=error:EPERM"
  "$RUNTIME" delete -f "$ID"
  bundle_set "$B" '.linux.seccomp.defaultAction = "SCMP_ACT_BOGUS"'
  expect_create_failure "linux.seccomp.defaultAction"
}

@test "process: a user namespace with uid/gid mappings written by the runtime" {
  chmod 755 "$TMP"   # the mapped root (host uid 100000) must reach the rootfs
  bundle_set "$B" '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  bundle_set "$B" '.process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; payload ids; payload devices"]'
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^ *0 *100000 *65536$' <<<"$output")" -eq 2 ]
  has "uid=0"
  # mknod is denied in a user namespace: the default devices are bind mounts of the host's
  grep -q '^dev=/dev/null type=c rdev=1:3' <<<"$output"
}

@test "process: a new session keyring _ses.ID by default; --no-new-keyring keeps the runtime's" {
  run "$PAYLOAD" keyring
  [ "$status" -eq 0 ]
  local host
  host=$(grep '^keyring.session=' <<<"$output")
  run_payload keyring
  echo "$output"
  [ "$status" -eq 0 ]
  has "keyring.session.name=_ses.$ID"
  [ "$(grep '^keyring.session=' <<<"$output")" != "$host" ]
  # Searchable by its possessor's uid (KEY_USR_SEARCH), as runc sets it.
  (( $(grep -o '0x[0-9a-f]*' <<<"$(grep '^keyring.session.perm=' <<<"$output")") & 0x00080000 ))
  run "$RUNTIME" run --no-new-keyring -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  has "$host"
}

@test "process: in a user namespace the session keyring is searchable by others (its owner is the host's root)" {
  chmod 755 "$TMP"
  bundle_set "$B" '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  run_payload keyring
  echo "$output"
  [ "$status" -eq 0 ]
  has "keyring.session.name=_ses.$ID"
  # KEY_OTH_SEARCH, as runc sets it when there is a user namespace.
  (( $(sed -n 's/^keyring.session.perm=//p' <<<"$output") & 0x8 ))
}
