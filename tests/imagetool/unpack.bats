#!/usr/bin/env bats
# Image → bundle (libunpack through tests/imagetool/image-to-config): image-spec conversion.md rules,
# volumes, the atomic bundle, agreement with umoci's config, and a generated bundle run by runc.

load layer_helpers

TOCONFIG="${KEEL_IMAGE_TO_CONFIG:-$KEEL_BUILDDIR/tests/imagetool/image-to-config}"

setup() {
  layer_setup
  mkdir -p "$R/etc"
  printf 'root:x:0:0:root:/root:/bin/sh\n# comment\nbroken line\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n' >"$R/etc/passwd"
  printf 'root:x:0:\nalice:x:1000:\nwheel:x:10:alice,bob\naudio:x:29:bob,alice\nstaff:x:50:\n' >"$R/etc/group"
  image '{}'
}
teardown() { layer_teardown; }

# image CONFIG-OBJECT-JSON: $T/image.json with that "config" (plus os/arch)
image() {
  jq -n --argjson c "$1" '{architecture: "amd64", os: "linux", config: $c, rootfs: {type: "layers", diff_ids: []}}' \
    >"$T/image.json"
}

# conf [OPTIONS] [-- ARGS]: the generated config.json in $output (ROOTFS = $R)
conf() {
  local opts=() a
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  run "$TOCONFIG" "${opts[@]}" "$T/image.json" "$R" "$@"
}

q() { jq -c "$1" <<<"$output"; }

@test "args = Entrypoint + Cmd; --entrypoint drops Cmd; -- ARGS replace Cmd; no command is an error" {
  image '{"Entrypoint": ["/bin/ep", "-x"], "Cmd": ["a", "b"]}'
  conf
  [ "$status" -eq 0 ]
  [ "$(q .process.args)" = '["/bin/ep","-x","a","b"]' ]
  conf -- c
  [ "$(q .process.args)" = '["/bin/ep","-x","c"]' ]
  conf --entrypoint /other
  [ "$(q .process.args)" = '["/other"]' ]
  image '{"Cmd": ["/bin/sh"]}'
  conf
  [ "$(q .process.args)" = '["/bin/sh"]' ]
  image '{}'
  conf
  [ "$status" -ne 0 ]
  [[ "$output" == *"no command"* ]]
}

@test "env: Config.Env verbatim, default PATH only when the image has none, -e merges" {
  image '{"Cmd": ["x"], "Env": ["PATH=/custom", "FOO=bar", "HOME=/h"]}'
  conf
  [ "$(q .process.env)" = '["PATH=/custom","FOO=bar","HOME=/h"]' ]
  image '{"Cmd": ["x"], "Env": ["FOO=bar"]}'
  FROMCALLER=yes conf -e FOO=baz -e NEW=1 -e FROMCALLER -e UNSETVAR --user alice
  [ "$(q .process.env)" = '["FOO=baz","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","HOME=/home/alice","NEW=1","FROMCALLER=yes"]' ]
  conf --tty
  [ "$(q .process.terminal)" = true ]
  [[ "$(q .process.env)" == *'"TERM=xterm"'* ]]
  conf
  [ "$(q .process.terminal)" = false ]
}

@test "cwd = WorkingDir or /" {
  image '{"Cmd": ["x"], "WorkingDir": "/srv/app"}'
  conf
  [ "$(q .process.cwd)" = '"/srv/app"' ]
  image '{"Cmd": ["x"]}'
  conf
  [ "$(q .process.cwd)" = '"/"' ]
  image '{"Cmd": ["x"], "WorkingDir": "rel"}'
  conf
  [ "$(q .process.cwd)" = '"/rel"' ]
}

@test "Config.User: name, uid, name:group, uid:gid; additionalGids only for a name without group" {
  image '{"Cmd": ["x"], "User": "alice"}'
  conf
  [ "$(q .process.user)" = '{"uid":1000,"gid":1000,"additionalGids":[10,29]}' ]
  image '{"Cmd": ["x"], "User": "1001"}'
  conf
  [ "$(q .process.user)" = '{"uid":1001,"gid":1001}' ]
  image '{"Cmd": ["x"], "User": "4242"}'
  conf
  [ "$(q .process.user)" = '{"uid":4242,"gid":0}' ]
  image '{"Cmd": ["x"], "User": "bob:staff"}'
  conf
  [ "$(q .process.user)" = '{"uid":1001,"gid":50}' ]
  image '{"Cmd": ["x"], "User": "7:8"}'
  conf
  [ "$(q .process.user)" = '{"uid":7,"gid":8}' ]
  image '{"Cmd": ["x"], "User": "alice:9"}'
  conf
  [ "$(q .process.user)" = '{"uid":1000,"gid":9}' ]
  image '{"Cmd": ["x"]}'
  conf
  [ "$(q .process.user)" = '{"uid":0,"gid":0}' ]
}

@test "an unknown user or group is an error" {
  image '{"Cmd": ["x"], "User": "nobody"}'
  conf
  [ "$status" -ne 0 ]
  [[ "$output" == *'Config.User: user "nobody" not found in /etc/passwd'* ]]
  image '{"Cmd": ["x"], "User": "alice:nogroup"}'
  conf
  [ "$status" -ne 0 ]
  [[ "$output" == *'group "nogroup" not found in /etc/group'* ]]
  rm "$R/etc/passwd"
  image '{"Cmd": ["x"], "User": "alice"}'
  conf
  [ "$status" -ne 0 ]
  [[ "$output" == *"no /etc/passwd"* ]]
}

@test "/etc/passwd is read inside the rootfs even through an escaping symlink" {
  ln -sf /etc/passwd "$T/outside/passwd"
  rm "$R/etc/passwd"
  ln -s ../../../../../../../../"$T"/outside/passwd "$R/etc/passwd"
  image '{"Cmd": ["x"], "User": "root"}'
  conf
  [ "$status" -ne 0 ]
  [[ "$output" == *"etc/passwd"* ]]
}

@test "annotations from the image fields, Config.Labels taking precedence" {
  jq -n '{created: "2024-01-02T03:04:05Z", author: "me", architecture: "arm64", variant: "v8", os: "linux",
    "os.version": "6.1", "os.features": ["a", "b"],
    config: {Cmd: ["x"], StopSignal: "SIGQUIT", ExposedPorts: {"80/tcp": {}, "53/udp": {}},
             Labels: {"org.opencontainers.image.author": "label", "other": "v"}},
    rootfs: {type: "layers", diff_ids: []}}' >"$T/image.json"
  conf
  [ "$status" -eq 0 ]
  [ "$(q '.annotations["org.opencontainers.image.os"]')" = '"linux"' ]
  [ "$(q '.annotations["org.opencontainers.image.architecture"]')" = '"arm64"' ]
  [ "$(q '.annotations["org.opencontainers.image.variant"]')" = '"v8"' ]
  [ "$(q '.annotations["org.opencontainers.image.os.version"]')" = '"6.1"' ]
  [ "$(q '.annotations["org.opencontainers.image.os.features"]')" = '"a,b"' ]
  [ "$(q '.annotations["org.opencontainers.image.created"]')" = '"2024-01-02T03:04:05Z"' ]
  [ "$(q '.annotations["org.opencontainers.image.stopSignal"]')" = '"SIGQUIT"' ]
  [ "$(q '.annotations["org.opencontainers.image.exposedPorts"]')" = '"80/tcp,53/udp"' ]
  [ "$(q '.annotations["org.opencontainers.image.author"]')" = '"label"' ]
  [ "$(q '.annotations.other')" = '"v"' ]
}

@test "options: --hostname, --read-only, --rootless; defaults like runtime spec" {
  image '{"Cmd": ["x"]}'
  conf
  [ "$(q .root)" = '{"path":"rootfs","readonly":false}' ]
  [ "$(q '[.linux.namespaces[].type] | sort')" = '["ipc","mount","network","pid","uts"]' ]
  [ "$(q '.mounts[0].destination')" = '"/proc"' ]
  conf --hostname box --read-only --rootless
  [ "$(q .hostname)" = '"box"' ]
  [ "$(q .root.readonly)" = true ]
  [ "$(q '[.linux.namespaces[].type] | index("user") != null')" = true ]
  [ "$(q '.linux.uidMappings[0].hostID')" = "$(id -u)" ]
}

@test "Volumes: bind into the bundle by default, tmpfs, bind:DIR, none" {
  image '{"Cmd": ["x"], "Volumes": {"/data": {}, "/var/lib/db": {}}}'
  conf
  [ "$(q '[.mounts[] | select(.destination == "/data" or .destination == "/var/lib/db") | [.destination, .type, .source]]')" = \
    '[["/data","bind","volumes/0-_data"],["/var/lib/db","bind","volumes/1-_var_lib_db"]]' ]
  conf --volumes tmpfs
  [ "$(q '[.mounts[] | select(.destination == "/data") | .type]')" = '["tmpfs"]' ]
  conf --volumes "bind:$T/vols"
  [ "$(q '[.mounts[] | select(.destination == "/data") | .source]')" = "[\"$T/vols/0-_data\"]" ]
  conf --volumes none
  [ "$(q '[.mounts[] | select(.destination == "/data")] | length')" = 0 ]
  conf --volumes bogus
  [ "$status" -ne 0 ]
  [[ "$output" == *"invalid --volumes"* ]]
}

@test "bundle: rootfs + config.json, volume content moved out of the rootfs, empty mount points kept" {
  mklayer l1.tar <<'EOF2'
dir etc
file etc/passwd data=root:x:0:0::/root:/bin/sh
dir data mode=0750 uid=5 gid=6
file data/seed data=seed
dir data/sub
file data/sub/deep data=deep
EOF2
  jq -n --arg d "$(diff_id l1.tar)" '{architecture: "amd64", os: "linux",
    config: {Cmd: ["/bin/true"], Volumes: {"/data": {}, "/data/sub": {}, "/missing": {}}},
    rootfs: {type: "layers", diff_ids: [$d]}}' >"$T/image.json"
  run "$TOCONFIG" --bundle "$T/b" "$T/image.json" "$T/layers/l1.tar"
  [ "$status" -eq 0 ]
  [ -f "$T/b/config.json" ] && [ -f "$T/b/rootfs/etc/passwd" ]
  [ "$(jq -r .root.path "$T/b/config.json")" = rootfs ]
  [ "$(cat "$T/b/volumes/0-_data/seed")" = seed ]
  [ "$(cat "$T/b/volumes/1-_data_sub/deep")" = deep ]
  [ -d "$T/b/volumes/2-_missing" ]
  [ -z "$(ls -A "$T/b/volumes/0-_data/sub")" ]
  [ "$(stat -c '%a %u:%g' "$T/b/rootfs/data")" = "750 5:6" ]
  [ -z "$(ls -A "$T/b/rootfs/data")" ]
  [ -z "$(ls -d "$T"/b.tmp-* 2>/dev/null)" ]
}

@test "bundle: a failing layer leaves neither the bundle nor its temp dir; an existing bundle is refused" {
  mklayer l1.tar <<<'file a data=a'
  mklayer l2.tar <<<'file b data=b'
  jq -n --arg d "$(diff_id l1.tar)" '{architecture: "amd64", os: "linux", config: {Cmd: ["x"]},
    rootfs: {type: "layers", diff_ids: [$d, $d]}}' >"$T/image.json"
  run "$TOCONFIG" --bundle "$T/b" "$T/image.json" "$T/layers/l1.tar" "$T/layers/l2.tar"
  [ "$status" -ne 0 ]
  [[ "$output" == *"layer 2"*"diff_id mismatch"* ]]
  [ ! -e "$T/b" ]
  [ -z "$(ls -d "$T"/b.tmp-* 2>/dev/null)" ]
  run "$TOCONFIG" --bundle "$T/b" "$T/image.json" "$T/layers/l1.tar"
  [ "$status" -ne 0 ]
  [[ "$output" == *"lists 2 diff_ids for 1 layers"* ]]
  mkdir -p "$T/b2/x"
  jq '.rootfs.diff_ids |= .[:1]' "$T/image.json" >"$T/image1.json"
  run "$TOCONFIG" --bundle "$T/b2" "$T/image1.json" "$T/layers/l1.tar"
  [ "$status" -ne 0 ]
  [[ "$output" == *"already exists"* ]]
  [ -d "$T/b2/x" ]
  mkdir "$T/b3"
  run "$TOCONFIG" --bundle "$T/b3" "$T/image1.json" application/vnd.oci.image.layer.v1.tar="$T/layers/l1.tar"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/b3/rootfs/a")" = a ]
}

@test "config agrees with umoci's on args, cwd, user and env (umoci adds TERM and a terminal)" {
  skip_unless_root
  command -v umoci >/dev/null || skip "umoci not installed"
  tar -C "$R" -cf "$T/layers/etc.tar" etc
  oci_layout "$T/layout" etc.tar
  # replace the layout's config with one carrying the execution parameters
  local man cfg
  man=$(jq -r '.manifests[0].digest' "$T/layout/index.json" | cut -d: -f2)
  cfg=$(jq -c --slurpfile m <(cat "$T/layout/blobs/sha256/$man") -n '$m[0]' | jq -r .config.digest | cut -d: -f2)
  jq -c '.config = {User: "alice", Env: ["FOO=bar", "PATH=/p"], Entrypoint: ["/ep"], Cmd: ["-c", "x"], WorkingDir: "/srv"}' \
    "$T/layout/blobs/sha256/$cfg" >"$T/image.json"
  blob_put "$T/layout" "$(cat "$T/image.json")"
  jq -c --arg d "sha256:$blob_hex" --argjson s "$blob_size" '.config.digest = $d | .config.size = $s' \
    "$T/layout/blobs/sha256/$man" >"$T/man.json"
  blob_put "$T/layout" "$(cat "$T/man.json")"
  jq --arg d "sha256:$blob_hex" --argjson s "$blob_size" '.manifests[0].digest = $d | .manifests[0].size = $s' \
    "$T/layout/index.json" >"$T/index.json" && mv "$T/index.json" "$T/layout/index.json"
  run umoci unpack --image "$T/layout:t" "$T/golden"
  [ "$status" -eq 0 ]
  conf
  [ "$status" -eq 0 ]
  local ours theirs filter='.process | {args, cwd, user, env: (.env - ["TERM=xterm"] | sort)}'
  ours=$(jq -cS "$filter" <<<"$output")
  theirs=$(jq -cS "$filter" "$T/golden/config.json")
  [ "$ours" = "$theirs" ]
}

@test "end to end: a bundle built from busybox layers runs under runc and prints what Cmd prints" {
  skip_unless_root
  command -v runc >/dev/null || skip "runc not installed"
  [ -x /bin/busybox ] || skip "busybox-static not installed"
  mkdir -p "$T/src/bin"
  cp /bin/busybox "$T/src/bin/busybox"
  ln -s busybox "$T/src/bin/sh"
  ln -s busybox "$T/src/bin/echo"
  tar -C "$T/src" -czf "$T/layers/bb.tar.gz" bin
  mklayer l2.tar <<'EOF2'
dir etc
file etc/passwd data=root:x:0:0:root:/root:/bin/sh
file etc/group data=root:x:0:
dir greeting
file greeting/msg data=from-the-image
EOF2
  jq -n --arg a "$(diff_id bb.tar.gz)" --arg b "$(diff_id l2.tar)" '{architecture: "amd64", os: "linux",
    config: {Entrypoint: ["/bin/sh", "-c"], Cmd: ["echo hello $GREETING from $(pwd) as $(id -u 2>/dev/null || echo 0)"],
             Env: ["GREETING=world"], WorkingDir: "/greeting", User: "root"},
    rootfs: {type: "layers", diff_ids: [$a, $b]}}' >"$T/image.json"
  run "$TOCONFIG" --bundle "$T/b" "$T/image.json" "$T/layers/bb.tar.gz" "$T/layers/l2.tar"
  [ "$status" -eq 0 ]
  local id="keel-unpack-$$"
  run runc --root "$T/runc" run -b "$T/b" "$id"
  runc --root "$T/runc" delete -f "$id" 2>/dev/null || true
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "hello world from /greeting as 0"* ]]
}

UNPACK_IMAGE="${KEEL_UNPACK_IMAGE:-$KEEL_BUILDDIR/tests/imagetool/unpack-image}"

@test "store path: a stored image unpacks to the tree umoci unpacks and a config with its Cmd" {
  skip_unless_root
  mklayer l1.tar.gz <<'EOF2'
dir ./ mode=0755
dir etc
file etc/passwd data=root:x:0:0::/root:/bin/sh
file a data=a mode=4755
dir d
file d/x data=x
EOF2
  mklayer l2.tar <<'EOF2'
wh d
hardlink b target=a
EOF2
  oci_layout "$T/layout" l1.tar.gz l2.tar
  run "$UNPACK_IMAGE" "$T/layout" t "$T/b"
  [ "$status" -eq 0 ]
  run umoci unpack --image "$T/layout:t" "$T/golden"
  [ "$status" -eq 0 ]
  diff -u <(lstree "$T/golden/rootfs") <(lstree "$T/b/rootfs")
  [ "$(jq -c .process.args "$T/b/config.json")" = '["/bin/sh"]' ]
  run "$UNPACK_IMAGE" --hostname h -e X=1 "$T/layout" t --print-config -- /bin/true
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.hostname, .process.args, .process.env[-1]]' <<<"$output")" = '["h",["/bin/true"],"X=1"]' ]
}

@test "store path: an index is narrowed to the platform; a missing layer blob is named" {
  mklayer amd.tar <<<'file which data=amd64'
  mklayer arm.tar <<<'file which data=arm64'
  oci_layout "$T/layout" amd.tar
  local amd arm
  amd=$(jq -c '.manifests[0] | .platform = {os: "linux", architecture: "amd64"} | del(.annotations)' "$T/layout/index.json")
  mkdir "$T/l2" && oci_layout "$T/l2" arm.tar
  cp -n "$T"/l2/blobs/sha256/* "$T/layout/blobs/sha256/"
  arm=$(jq -c '.manifests[0] | .platform = {os: "linux", architecture: "arm64", variant: "v8"} | del(.annotations)' "$T/l2/index.json")
  blob_put "$T/layout" "$(jq -c -n --argjson a "$amd" --argjson b "$arm" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [$a, $b]}')"
  jq -n --arg d "sha256:$blob_hex" --argjson s "$blob_size" '{schemaVersion: 2, manifests: [{mediaType:
    "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
    annotations: {"org.opencontainers.image.ref.name": "multi"}}]}' >"$T/layout/index.json"
  run "$UNPACK_IMAGE" --platform linux/arm64 "$T/layout" multi "$T/b-arm"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/b-arm/rootfs/which")" = arm64 ]
  run "$UNPACK_IMAGE" --platform linux/amd64 "$T/layout" multi "$T/b-amd"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/b-amd/rootfs/which")" = amd64 ]
  run "$UNPACK_IMAGE" --platform linux/s390x "$T/layout" multi "$T/b-s390x"
  [ "$status" -ne 0 ]
  [[ "$output" == *"no manifest for linux/s390x"* ]]
  rm "$T/layout/blobs/sha256/$(sha256sum <"$T/layers/arm.tar" | cut -c1-64)"
  run "$UNPACK_IMAGE" --platform linux/arm64 "$T/layout" multi "$T/b-arm2"
  [ "$status" -ne 0 ]
  [[ "$output" == *"layer 1 (sha256:"*"is not in the store"* ]]
  [ ! -e "$T/b-arm2" ]
}
