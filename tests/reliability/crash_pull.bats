#!/usr/bin/env bats
# Crash consistency of the store: `imagetool pull` killed with SIGKILL at random points (5 trials; 50 with
# KEEL_LONG=1) → fsck reports a clean store right away, the next pull succeeds, fsck is clean again.

load ../lib/common
load ../lib/registry

setup_file() {
  registry_seeded_start pull_images
}

# busybox:fat: the base plus a 2 MB incompressible layer, so that a rate-limited pull lasts about two seconds.
pull_images() {
  local work
  work=$(keel_mktemp)
  cp -r "$1" "$work/l"
  umoci unpack --rootless --image "$work/l:base" "$work/b" >/dev/null
  head -c 2000000 /dev/urandom >"$work/b/rootfs/fat"
  umoci repack --image "$work/l:fat" "$work/b"
  seed_push "$work/l" fat busybox:fat
  rm -rf "$work"
}

teardown_file() {
  registry_seeded_stop
}

setup() {
  TMP=$(keel_mktemp)
}

teardown() {
  rm -rf "$TMP"
}

@test "crash: pull killed at random points leaves a clean store; the next pull succeeds" {
  local trials=5 i store pid delay killed=0
  [ -z "${KEEL_LONG:-}" ] || trials=50
  for i in $(seq "$trials"); do
    store="$TMP/store-$i"
    # a store may already hold some blobs (from a kill earlier in the same store) or none
    [ $((i % 2)) = 0 ] && [ -d "$TMP/store-$((i - 1))" ] && cp -a "$TMP/store-$((i - 1))" "$store"
    "$IMAGETOOL" --store "$store" pull -q --tls-verify=false --limit-rate 1000000 "$REGISTRY/busybox:fat" \
      >/dev/null 2>&1 &
    pid=$!
    delay=$((RANDOM % 1500))
    sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
    kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
    wait "$pid" || true
    if [ -d "$store" ]; then
      run "$IMAGETOOL" --store "$store" fsck
      echo "trial $i (kill after ${delay} ms): fsck $status: $output"
      [ "$status" -eq 0 ]
    fi
    run "$IMAGETOOL" --store "$store" pull -q --tls-verify=false "$REGISTRY/busybox:fat"
    echo "trial $i: pull again: $status $output"
    [ "$status" -eq 0 ]
    run "$IMAGETOOL" --store "$store" fsck
    [ "$status" -eq 0 ]
    "$IMAGETOOL" --store "$store" unpack "$REGISTRY/busybox:fat" "$TMP/bundle-$i" >/dev/null
    [ "$(stat -c %s "$TMP/bundle-$i/rootfs/fat")" = 2000000 ]
    rm -rf "$TMP/bundle-$i"
  done
  echo "$trials trials, $killed pulls killed before they finished: store clean every time" >&3
  [ "$killed" -gt 0 ]
}
