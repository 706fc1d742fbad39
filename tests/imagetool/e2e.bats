#!/usr/bin/env bats
# imagetool end to end: pull REF BUNDLE / unpack REF BUNDLE / config REF against a local docker-registry,
# and the bundles run by runtime (root) print what the image's Cmd prints.

load ../lib/common
load ../lib/registry
load seed

# base's Cmd prints "hello from keel"; e2e shows Env and WorkingDir, named has a user name, vol a volume
e2e_images() {
  umoci config --image "$1:base" --tag e2e --config.env FOO=bar --config.workingdir /bin \
    --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo "$FOO in $(pwd)"'
  umoci config --image "$1:base" --tag named --config.user nobody
  umoci config --image "$1:base" --tag vol --config.volume /data
  seed_push "$1" e2e busybox:e2e
  seed_push "$1" named busybox:named
  seed_push "$1" vol busybox:vol
}

setup_file() {
  registry_seeded_start e2e_images
}

teardown_file() {
  registry_seeded_stop
}

setup() {
  TMP=$(keel_mktemp)
  STORE=$TMP/store
  STATE=$TMP/state
  B=$TMP/bundle
}

teardown() {
  "$RUNTIME" --root "$STATE" delete -f c1 >/dev/null 2>&1 || true
  rm -rf "$TMP"
}

it() {
  "$IMAGETOOL" --store "$STORE" "$@"
}

# runtime run -b BUNDLE c1 (foreground; its output is the container's)
run_bundle() {
  "$RUNTIME" --root "$STATE" run -b "$1" c1
}

# Nothing but what the test created: no BUNDLE and no BUNDLE.tmp-* next to it.
assert_no_bundle() {
  [ ! -e "$B" ]
  run ls -A "$TMP"
  [[ "$output" != *bundle* ]]
}

@test "e2e: pull REF BUNDLE, then runtime run prints what the image's Cmd prints" {
  skip_unless_root
  run it pull -q --tls-verify=false "$REGISTRY/busybox:t" "$B"
  [ "$status" -eq 0 ]
  [ -f "$B/config.json" ]
  [ -x "$B/rootfs/bin/busybox" ]
  run run_bundle "$B"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from keel" ]
}

@test "e2e: a Docker schema2 image pulls into a bundle that runs" {
  skip_unless_root
  it pull -q --tls-verify=false "$REGISTRY/busybox:docker" "$B"
  run run_bundle "$B"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from keel" ]
}

@test "e2e: the image's Env and WorkingDir reach the container" {
  skip_unless_root
  it pull -q --tls-verify=false "$REGISTRY/busybox:e2e" "$B"
  run run_bundle "$B"
  [ "$status" -eq 0 ]
  [ "$output" = "bar in /bin" ]
}

@test "e2e: unpack REF BUNDLE from the store (no registry needed once pulled)" {
  skip_unless_root
  it pull -q --tls-verify=false "$REGISTRY/busybox:t"
  # a name no registry serves: the image can only come from the store
  it tag "$REGISTRY/busybox:t" nowhere.invalid/bb:1
  run it unpack nowhere.invalid/bb:1 "$B"
  [ "$status" -eq 0 ]
  run run_bundle "$B"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from keel" ]
}

@test "e2e: -- ARGS replaces Cmd (unpack and pull), -e and --workdir apply" {
  skip_unless_root
  it pull -q --tls-verify=false "$REGISTRY/busybox:e2e"
  it unpack -e FOO=baz --workdir / "$REGISTRY/busybox:e2e" "$B" -- /bin/sh -c 'echo "$FOO at $(pwd)" overridden'
  run run_bundle "$B"
  [ "$status" -eq 0 ]
  [ "$output" = "baz at / overridden" ]
  "$RUNTIME" --root "$STATE" delete -f c1 >/dev/null 2>&1 || true
  it pull -q --tls-verify=false "$REGISTRY/busybox:t" "$TMP/b2" -- /bin/busybox echo from pull
  run run_bundle "$TMP/b2"
  [ "$status" -eq 0 ]
  [ "$output" = "from pull" ]
}

@test "e2e: a Config.Volumes directory is a bind mount from the bundle (default --volumes bundle)" {
  skip_unless_root
  it pull -q --tls-verify=false "$REGISTRY/busybox:vol" "$B" -- /bin/sh -c 'echo kept >/data/f && cat /data/f'
  run run_bundle "$B"
  [ "$status" -eq 0 ]
  [ "$output" = kept ]
  # the data lives in the bundle, outside the rootfs
  run cat "$B"/volumes/*/f
  [ "$output" = kept ]
  [ ! -e "$B/rootfs/data/f" ]
}

@test "e2e: config REF prints args, env and cwd of the image without unpacking" {
  it pull -q --tls-verify=false "$REGISTRY/busybox:e2e"
  run it config "$REGISTRY/busybox:e2e"
  [ "$status" -eq 0 ]
  [ "$(jq -c .process.args <<<"$output")" = '["/bin/sh","-c","echo \"$FOO in $(pwd)\""]' ]
  [ "$(jq -r '.process.env | index("FOO=bar") != null' <<<"$output")" = true ]
  # the image sets a PATH (umoci new does), so no default is added on top
  [ "$(jq -r '[.process.env[] | select(startswith("PATH="))] | length' <<<"$output")" = 1 ]
  [ "$(jq -r .process.cwd <<<"$output")" = /bin ]
  [ "$(jq -r .root.path <<<"$output")" = rootfs ]
  [ ! -e "$B" ]
  run it config --entrypoint /bin/echo "$REGISTRY/busybox:e2e" -- hi
  [ "$status" -eq 0 ]
  [ "$(jq -c .process.args <<<"$output")" = '["/bin/echo","hi"]' ]
}

@test "e2e: --platform picks the image of an index for config, unpack and pull REF BUNDLE" {
  it pull -q --tls-verify=false --all-platforms "$REGISTRY/busybox:multi"
  run it config "$REGISTRY/busybox:multi"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.annotations["org.opencontainers.image.architecture"]' <<<"$output")" = amd64 ]
  run it config --platform linux/arm64/v8 "$REGISTRY/busybox:multi"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.annotations["org.opencontainers.image.architecture"]' <<<"$output")" = arm64 ]
  it unpack --platform linux/arm64/v8 "$REGISTRY/busybox:multi" "$B"
  [ "$(cat "$B/rootfs/layer-1")" = arm64 ]
  run it config --platform linux/s390x "$REGISTRY/busybox:multi"
  [ "$status" -eq 1 ]
  [[ "$output" == *s390x* ]]
  it pull -q --tls-verify=false --platform linux/arm64/v8 "$REGISTRY/busybox:multi" "$TMP/b2"
  [ "$(cat "$TMP/b2/rootfs/layer-1")" = arm64 ]
  [ "$(jq -r '.annotations["org.opencontainers.image.architecture"]' "$TMP/b2/config.json")" = arm64 ]
}

@test "e2e: caller options reach config.json: --rootless, --tty, --hostname, --read-only" {
  it pull -q --tls-verify=false "$REGISTRY/busybox:t"
  run it config "$REGISTRY/busybox:t"
  [ "$status" -eq 0 ]
  [ "$(jq -r '[.linux.namespaces[].type] | index("user") == null' <<<"$output")" = true ]
  [ "$(jq -r .process.terminal <<<"$output")" = false ]
  run it config --rootless --tty --hostname box --read-only "$REGISTRY/busybox:t"
  [ "$status" -eq 0 ]
  [ "$(jq -r '[.linux.namespaces[].type] | index("user") != null' <<<"$output")" = true ]
  [ "$(jq -r '.linux.uidMappings | length > 0' <<<"$output")" = true ]
  [ "$(jq -r .process.terminal <<<"$output")" = true ]
  [ "$(jq -r .hostname <<<"$output")" = box ]
  [ "$(jq -r .root.readonly <<<"$output")" = true ]
}

@test "e2e: config REF with a user name needs the rootfs (clear error); numeric users work" {
  it pull -q --tls-verify=false "$REGISTRY/busybox:named"
  run it config "$REGISTRY/busybox:named"
  [ "$status" -eq 1 ]
  [[ "$output" == *"imagetool: config: "*"busybox:named"*"nobody"* ]]
  run it config --user 1000:100 "$REGISTRY/busybox:named"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.process.user.uid, .process.user.gid]' <<<"$output")" = '[1000,100]' ]
}

@test "e2e: bad reference, missing image, missing tag: clear error and no bundle left" {
  run it pull --tls-verify=false "$REGISTRY/Bad Ref" "$B"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Bad Ref"* ]]
  assert_no_bundle
  run it pull -q --tls-verify=false "$REGISTRY/busybox:nosuchtag" "$B"
  [ "$status" -eq 1 ]
  [[ "$output" == *"busybox:nosuchtag"* ]]
  assert_no_bundle
  run it unpack "$REGISTRY/busybox:nosuchtag" "$B"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no image \"$REGISTRY/busybox:nosuchtag\" in the store"* ]]
  assert_no_bundle
}

@test "e2e: a layer over --max-size fails and leaves no BUNDLE or BUNDLE.tmp-*" {
  it pull -q --tls-verify=false "$REGISTRY/busybox:t"
  run it unpack --max-size 1K "$REGISTRY/busybox:t" "$B"
  [ "$status" -eq 1 ]
  [[ "$output" == *"imagetool: unpack: "* ]]
  assert_no_bundle
}

@test "e2e: an existing non-empty BUNDLE is an error and is left as it was" {
  it pull -q --tls-verify=false "$REGISTRY/busybox:t"
  mkdir "$B"
  echo keep >"$B/file"
  run it unpack "$REGISTRY/busybox:t" "$B"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$B"* ]]
  [ "$(ls -A "$B")" = file ]
  [ "$(cat "$B/file")" = keep ]
  run it pull -q --tls-verify=false "$REGISTRY/busybox:t" "$B"
  [ "$status" -eq 1 ]
  [ "$(ls -A "$B")" = file ]
}

@test "e2e: usage errors: operands, bundle flags without BUNDLE, unknown options" {
  run it unpack "$REGISTRY/busybox:t"
  [ "$status" -eq 2 ]
  [[ "$output" == *"expected REF BUNDLE"* ]]
  run it config
  [ "$status" -eq 2 ]
  run it pull --tls-verify=false --tty "$REGISTRY/busybox:t"
  [ "$status" -eq 2 ]
  [[ "$output" == *"need a BUNDLE"* ]]
  run it pull --tls-verify=false "$REGISTRY/busybox:t" -- /bin/true
  [ "$status" -eq 2 ]
  run it unpack --bogus "$REGISTRY/busybox:t" "$B"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--bogus"* ]]
  run it pull --tls-verify=false --bogus "$REGISTRY/busybox:t" "$B"
  [ "$status" -ne 0 ]
  run it unpack --volumes sideways "$REGISTRY/busybox:t" "$B"
  [ "$status" -ne 0 ]
  [[ "$output" == *"sideways"* ]]
  assert_no_bundle
}

@test "e2e: VERB --help lists the bundle flags" {
  for verb in pull unpack config; do
    run "$IMAGETOOL" "$verb" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"usage: imagetool [--store DIR] $verb"* ]]
    for flag in --entrypoint --env --user --workdir --tty --hostname --read-only --rootless --volumes --max-size \
      --uid-map --platform "-- ARGS"; do
      [[ "$output" == *"$flag"* ]]
    done
  done
  run "$IMAGETOOL" images --help
  [ "$status" -eq 0 ]
  [[ "$output" != *"--entrypoint"* ]]
}
