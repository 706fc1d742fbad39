#!/usr/bin/env bats
# Errors a user causes say what to do next (issue 8 "Messages"); the registry and cgroup cases are checked
# where their fixtures live (tests/imagetool/pull_auth.bats, pull_token.bats, tests/runtime/cgroup_resources.bats).
load ../lib/common

setup() {
  TMP=$(keel_mktemp)
}

teardown() {
  rm -rf "$TMP"
}

@test "messages: an image missing from the store: pull it, or list what is there" {
  run "$IMAGETOOL" --store "$TMP/s" inspect nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *'no image "docker.io/library/nosuch:latest" in the store: run `imagetool pull docker.io/library/nosuch:latest` first'* ]]
  run "$IMAGETOOL" --store "$TMP/s" unpack localhost:5000/x:1 "$TMP/b"
  [ "$status" -eq 1 ]
  [[ "$output" == *'run `imagetool pull localhost:5000/x:1` first'* ]]
  [ ! -e "$TMP/b" ]
  run "$IMAGETOOL" --store "$TMP/s" tag sha256:0000000000000000000000000000000000000000000000000000000000000000 other
  [ "$status" -eq 1 ]
  [[ "$output" == *'in the store (`imagetool images` lists them)'* ]]
}

@test "messages: unknown verbs and options point at --help" {
  run "$IMAGETOOL" frobnicate
  [ "$status" -eq 2 ]
  [[ "$output" == *"see imagetool --help"* ]]
  run "$RUNTIME" frobnicate
  [ "$status" -eq 1 ]
  [[ "$output" == *"see runtime --help"* ]]
  run "$RUNTIME" --frob list
  [ "$status" -eq 1 ]
  [[ "$output" == *"see runtime --help"* ]]
}
