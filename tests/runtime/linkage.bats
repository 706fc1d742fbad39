#!/usr/bin/env bats
# What the runtime binary loads at start-up (issue 9): create, run and exec load it twice (the CVE-2019-5736 re-exec).

load helpers

needed() {
  readelf -d "$RUNTIME" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

@test "linkage: the runtime does not link libcrypto (the seccomp cache is keyed without sha256)" {
  run needed
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *libc.so* ]]
  [[ "$output" != *libcrypto* ]]
  [[ "$output" != *libssl* ]]
  [[ "$output" != *libcurl* ]]
  [[ "$output" != *libarchive* ]]
}

@test "linkage: the runtime does not link libselinux (dlopen()ed when a label asks for it, see test_lsm)" {
  run needed
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *libc.so* ]]
  [[ "$output" != *libselinux* ]]
  [[ "$output" != *libpcre* ]]
}
