#!/usr/bin/env bats
# User namespaces as root: created first (the other new namespaces are owned by it), maps written by the
# runtime, and what the container writes has the mapped owners on the host.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  runtime_setup
  chmod 0755 "$TMP"
  chown -R 200000:200000 "$B/rootfs"
  bundle_set "$B" '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
    | .root.readonly = false'
}
teardown() { runtime_teardown; }

# ns_owner PID NS: the inode of the user namespace owning /proc/PID/ns/NS (ioctl NS_GET_USERNS).
ns_owner() {
  python3 -c 'import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(os.fstat(fcntl.ioctl(fd, 0xb701)).st_ino)' "/proc/$1/ns/$2"
}

@test "userns: the other namespaces belong to the container's user namespace" {
  bundle_set "$B" '.process.args = ["sleep", "100"]'
  "$RUNTIME" run -d -b "$B" "$ID"
  local pid user
  pid=$("$RUNTIME" state "$ID" | jq -r .pid)
  user=$(stat -L -c %i "/proc/$pid/ns/user")
  [ "$user" != "$(stat -L -c %i /proc/self/ns/user)" ]
  for ns in mnt uts ipc pid net; do
    [ "$(ns_owner "$pid" "$ns")" = "$user" ] || { echo "$ns not owned by the container's user namespace" >&2; false; }
  done
}

@test "userns: files the container creates and its processes have the mapped owners on the host" {
  bundle_set "$B" '.process.user = {uid: 1000, gid: 1000}
    | .process.args = ["sh", "-c", "touch /tmp/by-1000; cat /proc/self/uid_map; stat -c %u:%g /bin/busybox; sleep 100"]'
  "$RUNTIME" run -d -b "$B" "$ID"
  local pid
  pid=$("$RUNTIME" state "$ID" | jq -r .pid)
  for _ in $(seq 50); do [ -e "$B/rootfs/tmp/by-1000" ] && break; sleep 0.1; done
  [ "$(stat -c %u:%g "$B/rootfs/tmp/by-1000")" = "201000:201000" ]
  [ "$(stat -c %u:%g "/proc/$pid")" = "201000:201000" ]
  "$RUNTIME" delete -f "$ID"
  # Files of host uid 200000 are root's inside.
  bundle_set "$B" '.process.user = {uid: 0, gid: 0} | .process.args = ["stat", "-c", "%u:%g", "/bin/busybox"]'
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "0:0" ]
}
