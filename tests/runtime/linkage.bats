#!/usr/bin/env bats
# What the runtime binary loads at start-up (issue 9): create, run and exec load it twice (the CVE-2019-5736 re-exec).

load helpers

setup() {
  runtime_setup
}

teardown() {
  runtime_teardown
}

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

@test "linkage: the sealed copy create runs from holds the binary's loaded part, not its section headers and debug info" {
  bundle_set "$B" '.process.args = ["payload", "sleep", "30"]'
  "$RUNTIME" create -b "$B" "$ID"
  pid=$("$RUNTIME" state "$ID" | jq -r .pid)
  # The waiting init is a clone of the runtime: its exe is the memfd copy.
  [ "$(readlink "/proc/$pid/exe")" = "/memfd:runtime (deleted)" ]
  copy=$(stat -L -c %s "/proc/$pid/exe")
  file=$(stat -c %s "$RUNTIME")
  echo "copy $copy bytes of $file"
  # Section headers always come last in a linked binary: the copy is a strict prefix.
  [ "$copy" -lt "$file" ]
  cmp -n "$copy" "$RUNTIME" "/proc/$pid/exe"
  # ... reaching the end of the furthest segment (readelf -lW: Offset and FileSiz columns).
  end=0
  while read -r _ off _ _ filesz _; do
    [ $((off + filesz)) -le "$end" ] || end=$((off + filesz))
  done < <(readelf -lW "$RUNTIME" | awk '$2 ~ /^0x/')
  echo "segments end at $end"
  [ "$end" -gt 0 ]
  [ "$copy" -ge "$end" ]
}

@test "linkage: where configure links libyajl, libcap and libseccomp in, the runtime loads libc alone" {
  grep -q '^#define RUNTIME_STATIC_LIBS 1' "$KEEL_BUILDDIR/config.h" || skip "configured without the static archives"
  run needed
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = libc.so.6 ]
  # the libraries still work: JSON parsed, capabilities set, a seccomp filter compiled and loaded
  bundle_set "$B" '.process.args = ["sh", "-c", "grep -E \"^(CapBnd|Seccomp):\" /proc/self/status"]
    | .process.capabilities.bounding = ["CAP_KILL"]
    | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"}]}'
  run "$RUNTIME" run -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'CapBnd:\t0000000000000020\nSeccomp:\t2')" ]
}
