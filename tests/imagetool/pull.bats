#!/usr/bin/env bats
# imagetool pull against a local docker-registry (plain HTTP): tags, digests, OCI and Docker media types,
# multi-arch selection, skipping, corruption, concurrency, interrupted pulls, the store verbs, bad references.

load ../lib/common
load ../lib/registry
load seed

setup_file() {
  registry_seeded_start pull_images
}

pull_images() {
  seed_push "$1" layers busybox:layers
}

teardown_file() {
  registry_seeded_stop
}

setup() {
  STORE=$(keel_mktemp)
}

teardown() {
  rm -rf "$STORE"
}

it() {
  "$IMAGETOOL" --store "$STORE" "$@"
}

# The digest the registry has for REPO:TAG.
remote_digest() {
  skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/$1" | sha256sum | sed 's/^/sha256:/; s/ .*//'
}

# busybox:big: base plus a 3 MB incompressible layer (pushed once per suite).
push_big() {
  local work
  [ -e "$SEED_DIR/big-pushed" ] && return
  work=$(keel_mktemp)
  cp -r "$SEED_DIR/l" "$work/l"
  umoci unpack --rootless --image "$work/l:base" "$work/b" >/dev/null
  head -c 3000000 /dev/urandom >"$work/b/rootfs/big"
  umoci repack --image "$work/l:big" "$work/b"
  seed_push "$work/l" big busybox:big
  rm -rf "$work"
  touch "$SEED_DIR/big-pushed"
}

# The index.json entry for NAME.
entry() {
  jq -c --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)' "$STORE/index.json"
}

@test "pull by tag: verified blobs, the full reference in index.json, readable by skopeo and umoci" {
  run it pull --tls-verify=false "$REGISTRY/busybox:t"
  [ "$status" -eq 0 ]
  digest=$(remote_digest busybox:t)
  [ "${lines[-1]}" = "$digest" ]
  [[ "$output" == *"Copying blob sha256:"*" done"* ]] # plain progress lines when stderr is not a TTY
  [ "$(entry "$REGISTRY/busybox:t" | jq -r .digest)" = "$digest" ]
  jq -e '.imageLayoutVersion == "1.0.0"' "$STORE/oci-layout"
  for b in "$STORE"/blobs/sha256/*; do
    [ "sha256:$(sha256sum "$b" | cut -d' ' -f1)" = "sha256:$(basename "$b")" ]
  done
  skopeo inspect "oci:$STORE:$REGISTRY/busybox:t" | jq -e --arg d "$digest" '.Digest == $d and .Architecture != null'
  umoci ls --layout "$STORE" | grep -qxF "$REGISTRY/busybox:t"
  run it images
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" == "$REGISTRY/busybox:t "* ]]
  it images --format json | jq -e --arg d "$digest" '.[0].digest == $d and .[0].platform == "linux/amd64" and .[0].size > 1000000'
  it inspect "$REGISTRY/busybox:t" | jq -e '.Config.config.Cmd[2] == "echo hello from keel"'
  [ "$(it inspect --raw "$REGISTRY/busybox:t" | sha256sum | cut -d' ' -f1)" = "${digest#sha256:}" ]
}

@test "pull a multi-layer image: every layer downloaded in parallel jobs and verified" {
  run it pull --jobs 3 --tls-verify=false "$REGISTRY/busybox:layers"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'Copying blob .* done' <<<"$output")" -eq 4 ] # config + 3 layers
  run it fsck
  [ "$status" -eq 0 ]
  [ "$(skopeo inspect "oci:$STORE:$REGISTRY/busybox:layers" | jq '.Layers | length')" -eq 3 ]
}

@test "pull by digest, and name:tag@digest where the digest wins" {
  digest=$(remote_digest busybox:layers)
  run it pull -q --tls-verify=false "$REGISTRY/busybox@$digest"
  [ "$status" -eq 0 ]
  [ "$output" = "$digest" ]
  [ -n "$(entry "$REGISTRY/busybox@$digest")" ]
  # the tag names another image: the digest decides
  run it pull -q --tls-verify=false "$REGISTRY/busybox:t@$digest"
  [ "$status" -eq 0 ]
  [ "$output" = "$digest" ]
  run it pull -q --tls-verify=false "$REGISTRY/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000"
  [ "$status" -eq 1 ]
  [[ "$output" == *"MANIFEST_UNKNOWN"* ]]
}

@test "Docker schema2 images are stored as OCI (same config and layers) so skopeo reads them" {
  run it pull -q --tls-verify=false "$REGISTRY/busybox:docker"
  [ "$status" -eq 0 ]
  skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/busybox:docker" |
    jq -e '.mediaType == "application/vnd.docker.distribution.manifest.v2+json"'
  [ "$(entry "$REGISTRY/busybox:docker" | jq -r .mediaType)" = "application/vnd.oci.image.manifest.v1+json" ]
  it inspect --raw "$REGISTRY/busybox:docker" |
    jq -e '.config.mediaType == "application/vnd.oci.image.config.v1+json" and .layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar+gzip"'
  oci_layers=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/busybox:t" | jq -c .Layers)
  [ "$(skopeo inspect "oci:$STORE:$REGISTRY/busybox:docker" | jq -c .Layers)" = "$oci_layers" ]
}

@test "multi-arch index: host platform by default, --platform, a missing platform, --all-platforms" {
  [ "$(uname -m)" = x86_64 ] || skip "the seeded index has linux/amd64 and linux/arm64 entries"
  run it pull -q --tls-verify=false "$REGISTRY/busybox:multi"
  [ "$status" -eq 0 ]
  it inspect --config "$REGISTRY/busybox:multi" | jq -e '.architecture == "amd64"'
  run it pull -q --platform linux/arm64 --tls-verify=false "$REGISTRY/busybox:multi"
  [ "$status" -eq 0 ]
  it inspect --config "$REGISTRY/busybox:multi" | jq -e '.architecture == "arm64"'
  [ "$(entry "$REGISTRY/busybox:multi" | jq -r .platform.variant)" = v8 ]
  run it pull -q --platform linux/s390x --tls-verify=false "$REGISTRY/busybox:multi"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no manifest for linux/s390x (available: linux/amd64, linux/arm64/v8)"* ]]
  run it pull -q --platform linux --tls-verify=false "$REGISTRY/busybox:multi"
  [ "$status" -eq 1 ]
  [[ "$output" == *'invalid platform "linux"'* ]]
  run it pull -q --all-platforms --tls-verify=false "$REGISTRY/busybox:multi"
  [ "$status" -eq 0 ]
  [ "$output" = "$(remote_digest busybox:multi)" ] # an OCI index is kept byte for byte
  [ "$(entry "$REGISTRY/busybox:multi" | jq -r .mediaType)" = "application/vnd.oci.image.index.v1+json" ]
  run it fsck
  [ "$status" -eq 0 ]
  [ "$(it images --format json | jq -r '.[0].platform')" = multi ]
}

@test "pulling an unchanged tag again only costs a HEAD request" {
  it pull -q --tls-verify=false "$REGISTRY/busybox:layers"
  sleep 0.5 # the registry writes its access log line after answering
  gets=$(grep -c '"GET /v2/busybox/manifests/layers ' "$REGISTRY_DIR/log")
  run it pull --tls-verify=false "$REGISTRY/busybox:layers"
  [ "$status" -eq 0 ]
  [[ "$output" == *"image is up to date"* ]]
  sleep 0.5
  [ "$(grep -c '"GET /v2/busybox/manifests/layers ' "$REGISTRY_DIR/log")" = "$gets" ]
  grep -q '"HEAD /v2/busybox/manifests/layers ' "$REGISTRY_DIR/log"
  [ "${lines[-1]}" = "$(remote_digest busybox:layers)" ] # (skopeo's own GET comes after the count)
  # another platform choice for the same tag is a real pull
  run it pull --all-platforms --tls-verify=false "$REGISTRY/busybox:layers"
  [ "$status" -eq 0 ]
  [[ "$output" != *"up to date"* ]]
}

@test "blobs already in the store are skipped (no second download)" {
  it pull -q --tls-verify=false "$REGISTRY/busybox:t"
  layer=$(it inspect --raw "$REGISTRY/busybox:t" | jq -r '.layers[0].digest')
  before=$(registry_blob_gets "$layer")
  run it pull --tls-verify=false "$REGISTRY/busybox:layers"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Copying blob ${layer:0:19} skipped: already exists"* ]]
  [ "$(registry_blob_gets "$layer")" = "$before" ]
}

@test "a corrupted blob is rejected, named, and leaves nothing in the store" {
  work=$(keel_mktemp)
  cp -r "$SEED_DIR/l" "$work/l"
  seed_derive "$work/l" base corrupt "$work" "to be corrupted"
  seed_push "$work/l" corrupt busybox:corrupt
  layer=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/busybox:corrupt" | jq -r '.Layers[-1]')
  f=$(registry_blob_file "$layer")
  # same size, different bytes
  printf 'XXXXXXXX' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
  run it pull --tls-verify=false "$REGISTRY/busybox:corrupt"
  rm -rf "$work"
  [ "$status" -eq 1 ]
  [[ "$output" == *"blob $layer: digest mismatch: expected $layer, got sha256:"* ]]
  [ ! -e "$STORE/blobs/sha256/${layer#sha256:}" ]
  [ ! -e "$STORE/.keel/tmp/sha256-${layer#sha256:}" ]
  [ -z "$(entry "$REGISTRY/busybox:corrupt")" ]
}

@test "concurrent pulls of images sharing a layer both succeed and download it once" {
  layer=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/busybox:t" | jq -r '.Layers[0]')
  before=$(registry_blob_gets "$layer")
  it pull -q --tls-verify=false --limit-rate 2000000 "$REGISTRY/busybox:t" >"$STORE.a" 2>&1 &
  a=$!
  it pull -q --tls-verify=false --limit-rate 2000000 "$REGISTRY/busybox:layers" >"$STORE.b" 2>&1 &
  b=$!
  wait $a
  wait $b
  rm -f "$STORE.a" "$STORE.b"
  [ "$(registry_blob_gets "$layer")" -eq $((before + 1)) ]
  [ "$(jq '.manifests | length' "$STORE/index.json")" -eq 2 ]
  run it fsck
  [ "$status" -eq 0 ]
}

@test "a killed pull leaves a partial file; the next pull resumes it with a Range request; gc cleans stale ones" {
  push_big
  layer=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/busybox:big" | jq -r '.Layers[-1]')
  # exec'd directly (not through the `it` function) so $! is imagetool itself
  "$IMAGETOOL" --store "$STORE" pull -q --tls-verify=false --limit-rate 500000 "$REGISTRY/busybox:big" &
  pid=$!
  partial="$STORE/.keel/tmp/sha256-${layer#sha256:}"
  for _ in $(seq 100); do
    [ "$(stat -c %s "$partial" 2>/dev/null || echo 0)" -gt 600000 ] && break
    sleep 0.05
  done
  kill -9 $pid
  wait $pid || true
  size=$(stat -c %s "$partial")
  [ "$size" -gt 0 ]
  [ ! -e "$STORE/blobs/sha256/${layer#sha256:}" ]
  run it pull -q --tls-verify=false "$REGISTRY/busybox:big"
  [ "$status" -eq 0 ]
  # the access log line may land a moment after the client is done
  for _ in $(seq 40); do
    grep -q "\"GET /v2/busybox/blobs/$layer HTTP/1.1\" 206" "$REGISTRY_DIR/log" && break
    sleep 0.05
  done
  grep -q "\"GET /v2/busybox/blobs/$layer HTTP/1.1\" 206" "$REGISTRY_DIR/log"
  [ ! -e "$partial" ]
  run it fsck
  [ "$status" -eq 0 ]
  # a stale partial (nobody holds its lock) goes with gc
  echo junk >"$STORE/.keel/tmp/sha256-0000"
  run it gc
  [ "$status" -eq 0 ]
  [ ! -e "$STORE/.keel/tmp/sha256-0000" ]
}

@test "tag, rm, gc and fsck" {
  it pull -q --tls-verify=false "$REGISTRY/busybox:layers"
  run it tag "$REGISTRY/busybox:layers" mine/copy:v1
  [ "$status" -eq 0 ]
  [ -n "$(entry docker.io/mine/copy:v1)" ]
  [ "$(entry docker.io/mine/copy:v1 | jq -r .digest)" = "$(entry "$REGISTRY/busybox:layers" | jq -r .digest)" ]
  it rm "$REGISTRY/busybox:layers"
  [ -z "$(entry "$REGISTRY/busybox:layers")" ]
  run it gc
  [ "$status" -eq 0 ]
  [ "$output" = "removed 0 files (0 bytes)" ] # still referenced by the tag
  run it rm "$REGISTRY/busybox:layers"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no image \"$REGISTRY/busybox:layers\" in the store"* ]]
  # fsck finds a damaged blob and names it
  layer=$(it inspect --raw mine/copy:v1 | jq -r '.layers[1].digest')
  printf 'X' | dd of="$STORE/blobs/sha256/${layer#sha256:}" bs=1 seek=10 conv=notrunc status=none
  run it fsck
  [ "$status" -eq 1 ]
  [[ "$output" == *"$layer"*"digest mismatch"* ]]
  it rm mine/copy:v1
  run it gc
  [ "$status" -eq 0 ]
  [[ "$output" == "removed 5 files"* ]] # manifest, config, 3 layers
  [ -z "$(ls "$STORE/blobs/sha256")" ]
}

@test "bad references are refused, naming the bad part" {
  while IFS='|' read -r ref want; do
    run it pull -- "$ref"
    echo "$ref -> $output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"invalid reference \"$ref\""*"$want"* ]]
  done <<'EOF_REFS'
Busybox|must be lowercase
busybox:|invalid tag ""
busybox:-bad|invalid tag "-bad"
busybox@sha256:1234|invalid digest
busybox@md5:d41d8cd98f00b204e9800998ecf8427e|md5
a//b|invalid repository path component ""
a/b_|invalid repository path component "b_"
-bad.host/x|invalid registry domain "-bad.host"
host.com:xx/x|invalid registry domain "host.com:xx"
:tag|empty repository name
EOF_REFS
  run it pull ""
  [ "$status" -eq 1 ]
  [[ "$output" == *"empty reference"* ]]
  run it pull
  [ "$status" -eq 2 ]
  run it pull --jobs 0 busybox
  [ "$status" -eq 1 ]
  [[ "$output" == *"--jobs: expected a number from 1 to 64"* ]]
}

@test "registries.conf: insecure, blocked, location rewrite, mirrors in order, unqualified search" {
  conf="$STORE.conf"
  run it pull -q --registries-conf /dev/null "$REGISTRY/busybox:t"
  [ "$status" -eq 1 ] # https to a plain-HTTP registry
  cat >"$conf" <<EOF_CONF
unqualified-search-registries = ["127.0.0.1:3", "$REGISTRY"]
[[registry]]
location = "$REGISTRY"
insecure = true
[[registry]]
prefix = "blocked.example"
blocked = true
[[registry]]
prefix = "alias.example/team"
location = "$REGISTRY"
insecure = true
[[registry]]
location = "127.0.0.1:1"
[[registry.mirror]]
location = "127.0.0.1:2"
[[registry.mirror]]
location = "$REGISTRY"
insecure = true
EOF_CONF
  run it pull -q --registries-conf "$conf" "$REGISTRY/busybox:t"
  [ "$status" -eq 0 ]
  run it pull -q --registries-conf "$conf" blocked.example/x:t
  [ "$status" -eq 1 ]
  [[ "$output" == *'registry "blocked.example" is blocked in registries.conf'* ]]
  run it pull -q --registries-conf "$conf" alias.example/team/busybox:layers
  [ "$status" -eq 0 ]
  [ -n "$(entry alias.example/team/busybox:layers)" ]
  # the origin 127.0.0.1:1 and the first mirror are down: the second mirror serves it
  run it pull --retries 1 --registries-conf "$conf" 127.0.0.1:1/busybox:docker
  [ "$status" -eq 0 ]
  [[ "$output" == *"from 127.0.0.1:2/busybox:docker"*"trying the next source"* ]]
  [ -n "$(entry 127.0.0.1:1/busybox:docker)" ]
  # unqualified: the search registries in order (the first is down)
  it rm "$REGISTRY/busybox:t"
  CONTAINERS_REGISTRIES_CONF="$conf" run it pull --retries 1 busybox:t
  rm -f "$conf"
  [ "$status" -eq 0 ]
  [ -n "$(entry "$REGISTRY/busybox:t")" ]
  [[ "$output" == *"trying the next search registry"* ]]
}

@test "Docker schema1 manifests are refused with a clear message" {
  "$KEEL_PYTHON" "$BATS_TEST_DIRNAME/flaky_proxy.py" "$REGISTRY" "$STORE.log" schema1 >"$STORE.port" &
  proxy=$!
  for _ in $(seq 50); do [ -s "$STORE.port" ] && break; sleep 0.05; done
  run it pull -q --tls-verify=false "127.0.0.1:$(cat "$STORE.port")/busybox:t"
  kill $proxy
  rm -f "$STORE.log" "$STORE.port"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Docker schema1 manifests are not supported"* ]]
}

@test "on a TTY the progress display is live: bars redrawn in place with bytes, rate and ETA" {
  command -v script >/dev/null || skip "script(1) not installed"
  push_big
  run script -qec "'$IMAGETOOL' --store '$STORE' pull --limit-rate 1000000 --tls-verify=false '$REGISTRY/busybox:big'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\033[2K'"sha256:"*"/s ETA "* ]]   # a running line: rate and ETA
  [[ "$output" == *$'\033['*A* ]]                      # cursor moved up to redraw
  [[ "$output" == *"done"* ]]
  [[ "$output" != *"Copying blob"* ]]
}
