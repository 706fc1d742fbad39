#!/usr/bin/env bats
# Hostile images end to end (issue 10): tests/imagetool/hostile_images.py writes 55 hostile images into a local
# docker-registry (path escapes, symlink/hardlink/whiteout tricks, lying sizes and digests, missing blobs,
# corrupt gzip/zstd, bombs beyond --max-size, nested and enormous indexes); each is pulled with
# `imagetool pull REF BUNDLE` and, when it reaches the store, unpacked again with `imagetool unpack`.
# Every case: exit 1 with a message naming what is wrong, or applied with every write inside the rootfs;
# the canary directory outside untouched; no BUNDLE.tmp-* left; a failed fetch leaves no ref and, after
# gc, the store byte-identical; a failed unpack leaves the store byte-identical; fsck clean throughout.
# Figures in tests/RELIABILITY.md section 2. KEEL_HOSTILE_LOG=DIR keeps the messages, outcomes and times.

load ../lib/common
load ../lib/registry

setup_file() {
  export CORPUS OUTSIDE
  CORPUS=$(keel_mktemp)
  OUTSIDE="$CORPUS/outside"
  mkdir -p "$OUTSIDE/cdir"
  echo canary >"$OUTSIDE/canary"
  echo inner >"$OUTSIDE/cdir/f"
  chmod 0700 "$OUTSIDE"
  registry_start
  export REGISTRY REGISTRY_DIR REGISTRY_PID STATIC STATIC_PID
  "$KEEL_PYTHON" "$KEEL_SRCDIR/tests/imagetool/hostile_images.py" "$REGISTRY_DIR/storage" "$OUTSIDE" \
    "$CORPUS/static" ${KEEL_LONG:+--long} >"$CORPUS/cases.tsv"
  STATIC="127.0.0.1:$(registry_free_port)"
  "$KEEL_PYTHON" -m http.server --bind 127.0.0.1 --directory "$CORPUS/static" "${STATIC#*:}" >/dev/null 2>&1 &
  STATIC_PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://$STATIC/v2/" && break; sleep 0.05; done
}

teardown_file() {
  [ -z "${STATIC_PID:-}" ] || kill "$STATIC_PID" 2>/dev/null || true
  registry_stop
  [ -z "${KEEL_HOSTILE_LOG:-}" ] || cp "$CORPUS"/{messages,outcomes,times,blobs-kept} "$KEEL_HOSTILE_LOG/" || true
  rm -rf "$CORPUS"
}

# A store already holding an image (the control), as a user's store would.
setup() {
  TMP=$(keel_mktemp)
  STORE="$TMP/store"
  mkdir -p "$TMP/bundles"
  "$IMAGETOOL" --store "$STORE" pull -q --tls-verify=false "$REGISTRY/hostile/control:t" >/dev/null
}

teardown() {
  rm -rf "$TMP"
}

# Every path under DIR with type, mode, size, link count, owner, target and content hash.
snapshot() {
  (cd "$1" && find . -printf '%p %y %m %s %n %U:%G %l\n' | sort && find . -type f -print0 | sort -z |
    xargs -0r sha256sum)
}

fail_case() {
  echo "case $1: $2" >&2
  echo "  output: $output" >&2
  return 1
}

# The containment checks after any command of a case: canary intact, nothing but NAME in the bundles dir,
# and a bundle holds only what unpack writes.
check_contained() {
  local name=$1 extra
  [ "$(snapshot "$OUTSIDE")" = "$OUTSIDE_BEFORE" ] || fail_case "$name" "the canary dir changed" || return 1
  extra=$(ls -A "$TMP/bundles" | grep -vx "$name" || true)
  [ -z "$extra" ] || fail_case "$name" "left next to the bundle: $extra" || return 1
  if [ -d "$TMP/bundles/$name" ]; then
    extra=$(ls -A "$TMP/bundles/$name" | grep -vx -e config.json -e rootfs || true)
    [ -z "$extra" ] || fail_case "$name" "unexpected in the bundle: $extra" || return 1
  fi
}

# run_case NAME STAGE EXPECT REFSUFFIX: pull, then (if stored) unpack from the store; see the header.
run_case() {
  local name=$1 stage=$2 expect=$3 ref="$REGISTRY/hostile/$1$4" b="$TMP/bundles/$1" before index_before stored=0
  [ "$4" != static ] || ref="$STATIC/hostile/$1:t"
  before=$(snapshot "$STORE")
  index_before=$(cat "$STORE/index.json" 2>/dev/null || true)
  SECONDS=0
  run timeout 120 "$IMAGETOOL" --store "$STORE" pull -q --tls-verify=false --max-size 16M "$ref" "$b"
  LAST_STATUS=$status
  echo "$name pull $SECONDS s" >>"$CORPUS/times"
  check_contained "$name" || return 1
  "$IMAGETOOL" --store "$STORE" inspect "$ref" >/dev/null 2>&1 && stored=1
  if [ "$LAST_STATUS" -ne 0 ]; then
    [ "$LAST_STATUS" -eq 1 ] || fail_case "$name" "pull exit $LAST_STATUS (a crash or a timeout)" || return 1
    [ "$expect" = - ] || grep -Eqi -- "$expect" <<<"$output" || fail_case "$name" "message lacks /$expect/" || return 1
    # a message quoting a whole hostile document would be unreadable (and unbounded)
    [ "${#output}" -lt 4096 ] || fail_case "$name" "a ${#output}-byte message" || return 1
    [ ! -e "$b" ] || fail_case "$name" "a failed pull left the bundle" || return 1
    echo "$name: pull: $output" >>"$CORPUS/messages"
  fi
  case $stage/$LAST_STATUS/$stored in
  pull/0/* | unpack/0/* | ok/[1-9]*) fail_case "$name" "expected a failure at $stage, pull exit $LAST_STATUS" ;;
  pull/*/1 | unpack/*/0) fail_case "$name" "expected a failure at $stage, ref stored: $stored" ;;
  esac || return 1
  if [ "$stored" = 0 ]; then
    # a failed fetch: no ref; verified blobs fetched before the failure may stay (a later pull resumes
    # from them) until gc, which must bring the store back to what it was
    [ "$(cat "$STORE/index.json" 2>/dev/null || true)" = "$index_before" ] ||
      fail_case "$name" "index.json changed" || return 1
    [ "$(snapshot "$STORE")" = "$before" ] || echo "$name" >>"$CORPUS/blobs-kept"
    "$IMAGETOOL" --store "$STORE" gc >/dev/null
    [ "$(snapshot "$STORE")" = "$before" ] || fail_case "$name" "store differs after gc" || return 1
    echo "$name rejected-at-fetch" >>"$CORPUS/outcomes"
    check_fsck "$name"
    return
  fi
  # stored: unpack it again from the store; the store must not change at all
  rm -rf "$b"
  before=$(snapshot "$STORE")
  run timeout 120 "$IMAGETOOL" --store "$STORE" unpack --max-size 16M "$ref" "$b"
  check_contained "$name" || return 1
  [ "$(snapshot "$STORE")" = "$before" ] || fail_case "$name" "unpack changed the store" || return 1
  [ "$status" -eq "$LAST_STATUS" ] || fail_case "$name" "pull exit $LAST_STATUS but unpack exit $status" || return 1
  if [ "$status" -ne 0 ]; then
    [ "$expect" = - ] || grep -Eqi -- "$expect" <<<"$output" || fail_case "$name" "unpack: message lacks /$expect/" || return 1
    [ ! -e "$b" ] || fail_case "$name" "a failed unpack left the bundle" || return 1
    echo "$name rejected-at-unpack" >>"$CORPUS/outcomes"
  else
    [ -f "$b/config.json" ] && [ -d "$b/rootfs" ] || fail_case "$name" "no bundle after exit 0" || return 1
    echo "$name contained" >>"$CORPUS/outcomes"
  fi
  rm -rf "$b"
  check_fsck "$name"
}

check_fsck() {
  "$IMAGETOOL" --store "$STORE" fsck >"$TMP/fsck" 2>&1 || fail_case "$1" "fsck: $(cat "$TMP/fsck")"
}

# run_stage STAGE...: every case of those stages, each in the same (growing) store.
run_stages() {
  local name stage expect ref n=0 failed=0
  OUTSIDE_BEFORE=$(snapshot "$OUTSIDE")
  while IFS=$'\t' read -r name stage expect ref; do
    [[ " $* " == *" $stage "* ]] || continue
    n=$((n + 1))
    run_case "$name" "$stage" "$expect" "$ref" </dev/null || failed=$((failed + 1))
  done <"$CORPUS/cases.tsv"
  echo "$n cases ($*): $failed failed; $(grep -c . "$CORPUS/outcomes" 2>/dev/null || echo 0) outcomes so far" >&3
  [ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
}

@test "hostile images: the corpus has at least 30 hostile images and the control pulls" {
  [ "$(grep -vc '^control' "$CORPUS/cases.tsv")" -ge 30 ]
  run_stages ok
  grep -qx 'control contained' "$CORPUS/outcomes"
}

@test "hostile images: lying descriptors, missing blobs, bad manifests and indexes fail the fetch; store unchanged" {
  run_stages pull
}

@test "hostile images: corrupt streams, bombs beyond --max-size, wrong diff_ids fail the unpack; store unchanged" {
  run_stages unpack
}

@test "hostile images: path-escape, link and whiteout layers are rejected or contained; the canary is intact" {
  run_stages any
  echo "outcomes: $(cut -d' ' -f2 "$CORPUS/outcomes" | sort | uniq -c | tr -s ' \n' ' ')" >&3
}
