#!/usr/bin/env bats
# Idmapped mounts (config.md "Mounts": uidMappings/gidMappings, idmap/ridmap) through open_tree + mount_setattr.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  runtime_setup
  chmod 0755 "$TMP"
  # The source on tmpfs (/dev/shm), which supports idmapped mounts on this kernel.
  mkdir -m 0777 "$TMP/src"
  echo data >"$TMP/src/f"
  chown 1000:1000 "$TMP/src/f"
}
teardown() { runtime_teardown; }

@test "idmap: without a user namespace, a file of host uid 1000 appears as the mount's mapped id" {
  bundle_set "$B" '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["bind", "idmap"],
      uidMappings: [{containerID: 1000, hostID: 3000, size: 1}], gidMappings: [{containerID: 1000, hostID: 3001, size: 1}]}]
    | .process.args = ["stat", "-c", "%u:%g", "/mnt/f"]' --arg s "$TMP/src"
  run "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "3000:3001" ]
  # Without the idmapping the host's owner shows through.
  bundle_set "$B" '.mounts[-1] |= (del(.uidMappings, .gidMappings) | .options = ["bind"])'
  run "$RUNTIME" run -b "$B" "$ID"
  [ "$output" = "1000:1000" ]
}

@test "idmap: in a user namespace, idmap without mappings uses the container's; files keep their host owners" {
  bundle_set "$B" '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", "idmap"]}]
    | .process.args = ["sh", "-c", "stat -c %u:%g /mnt/f; touch /mnt/new"]' --arg s "$TMP/src"
  run "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  # Host 1000 is container 1000 through the idmapping (it would be 65534, unmapped, without it).
  [ "$output" = "1000:1000" ]
  # Container root writes through the idmapping: host root owns the new file.
  [ "$(stat -c %u:%g "$TMP/src/new")" = "0:0" ]
}

@test "idmap: refused clearly on a non-bind mount and without any mappings; nothing is left" {
  bundle_set "$B" '.mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["idmap"]}]'
  expect_create_failure "config.json: .mounts[7] (/mnt): idmap: only bind mounts can be idmapped"
  bundle_set "$B" '.mounts[-1] = {destination: "/mnt", type: "bind", source: $s, options: ["bind", "ridmap"]}' --arg s "$TMP/src"
  expect_create_failure "config.json: .mounts[7] (/mnt): idmap: no uidMappings, neither on the mount nor in .linux"
}

@test "idmap: features reports idmap mounts and the idmap/ridmap options" {
  run "$RUNTIME" features
  [ "$status" -eq 0 ]
  jq -e '.linux.mountExtensions.idmap.enabled == true' <<<"$output"
  jq -e '.mountOptions | index("idmap") != null and index("ridmap") != null' <<<"$output"
  jq -e '.linux.namespaces | index("user") != null' <<<"$output"
}
