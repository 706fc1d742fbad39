#!/bin/sh
# Measure seccomp_compile for a docker/podman-default-sized profile (the containers-common seccomp.json as runtime-spec).
# Usage: contrib/bench/seccomp-compile.sh [BUILDDIR] [PROFILE]   (BUILDDIR holds tests/runtime/seccomp-run, from `make check`)
set -eu
build=${1:-.}
profile=${2:-/usr/share/containers/seccomp.json}
run="$build/tests/runtime/seccomp-run"
[ -x "$run" ] || { echo "no $run: run 'make check' (or make tests/runtime/seccomp-run) first" >&2; exit 1; }
[ -r "$profile" ] || { echo "no $profile (containers-common): pass a profile" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What podman hands a runtime on x86_64 with the default capabilities: rules
# without conditions on capabilities or other arches; the native arch family.
jq '{ociVersion: "1.2.0", root: {path: "rootfs"}, process: {args: ["sh"], cwd: "/"},
     linux: {seccomp: {defaultAction, defaultErrnoRet,
       architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
       syscalls: [.syscalls[] | select((.includes.caps // []) == [] and ((.includes.arches // ["amd64"]) | index("amd64")))
                  | {names, action} + (if .errnoRet then {errnoRet} else {} end) + (if .args then {args} else {} end)]}}}' \
  "$profile" >"$tmp/big.json"
jq '.linux.seccomp.syscalls = []' "$tmp/big.json" >"$tmp/empty.json"
echo "profile: $(jq '[.linux.seccomp.syscalls[].names[]] | length' "$tmp/big.json") syscall names in $(jq '.linux.seccomp.syscalls | length' "$tmp/big.json") rules, 3 arches"

# In-process mean over many compiles (no exec, no config parse in the figure).
"$run" --compile-only 200 "$tmp/big.json"
"$run" --compile-only 200 "$tmp/empty.json"
echo "with seccomp_compile_cached (first call fills the cache):"
"$run" --cache "$tmp/cache" --compile-only 1 "$tmp/big.json" >/dev/null
"$run" --cache "$tmp/cache" --compile-only 200 "$tmp/big.json"

# Whole-process view: parse + compile once, against the same with no rules.
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 5 "$run --compile-only 1 $tmp/big.json" "$run --cache $tmp/cache --compile-only 1 $tmp/big.json" \
    "$run --compile-only 1 $tmp/empty.json"
fi
