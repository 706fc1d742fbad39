#!/usr/bin/env bats
# Registry faults through tests/reliability/fault_proxy.py: a blob cut mid-body (reset or short close)
# and a delayed answer are retried/resumed and the pull succeeds; a corrupted body or a 500 on every try
# fails naming the blob; the store never holds a bad blob (fsck clean).

load ../lib/common
load ../lib/registry

setup_file() {
  registry_seeded_start
}

teardown_file() {
  registry_seeded_stop
}

setup() {
  TMP=$(keel_mktemp)
  STORE="$TMP/store"
}

teardown() {
  [ -z "${PROXY:-}" ] || kill "$PROXY" 2>/dev/null || true
  rm -rf "$TMP"
}

# start_proxy MODE: sets PROXIED to its host:port.
start_proxy() {
  python3 "$BATS_TEST_DIRNAME/fault_proxy.py" "$REGISTRY" "$TMP/proxy.log" "$1" >"$TMP/port" &
  PROXY=$!
  for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
  PROXIED="127.0.0.1:$(cat "$TMP/port")"
}

pull() {
  run timeout 120 "$IMAGETOOL" --store "$STORE" pull -q --tls-verify=false --retries 3 "$PROXIED/busybox:t"
  echo "pull: $status $output"
  cat "$TMP/proxy.log"
}

fsck_clean() {
  run "$IMAGETOOL" --store "$STORE" fsck
  echo "fsck: $status $output"
  [ "$status" -eq 0 ]
}

@test "faults: a blob connection reset mid-body is retried and the pull succeeds" {
  start_proxy drop
  pull
  [ "$status" -eq 0 ]
  grep -q '^200 drop GET .*/blobs/' "$TMP/proxy.log"
  # the cut blob was asked for again (resumed with a Range or fetched whole)
  path=$(awk '$2 == "drop" {print $4; exit}' "$TMP/proxy.log")
  [ "$(grep -c " GET $path " "$TMP/proxy.log")" -ge 2 ]
  fsck_clean
}

@test "faults: a blob body shorter than its Content-Length is retried and the pull succeeds" {
  start_proxy short
  pull
  [ "$status" -eq 0 ]
  grep -q '^200 short GET .*/blobs/' "$TMP/proxy.log"
  fsck_clean
}

@test "faults: a 2 s delay before each first blob answer is waited out" {
  start_proxy delay
  pull
  [ "$status" -eq 0 ]
  fsck_clean
}

@test "faults: a corrupted blob body fails naming the digest and stores nothing bad" {
  start_proxy corrupt
  pull
  [ "$status" -eq 1 ]
  [[ "$output" == *sha256:* ]]
  fsck_clean
  # only the manifest and config may be stored; fsck re-hashed every blob above
  [ "$(ls "$STORE/blobs/sha256" | wc -l)" -le 2 ]
}

@test "faults: HTTP 500 on every blob try fails clearly after the retries" {
  start_proxy 500
  pull
  [ "$status" -eq 1 ]
  [[ "$output" == *500* ]]
  fsck_clean
}
