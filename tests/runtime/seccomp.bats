#!/usr/bin/env bats
# linux.seccomp enforced for real: tests/runtime/seccomp-run loads a config's filter the way the runtime does, then execs a probe.
# The last tests go through the runtime itself: NOTIFY during create, load order, the compiled-filter cache.

load ../lib/common

setup() {
  skip_unless_root
  TMP=$(keel_mktemp)
  T="$KEEL_BUILDDIR/tests/runtime"
  RUN="$T/seccomp-run"
  PROBE="$T/seccomp-probe"
  AGENT="$T/seccomp-agent"
}

teardown() {
  if [ -n "${AGENT_PID:-}" ]; then
    kill "$AGENT_PID" 2>/dev/null || true
    wait "$AGENT_PID" 2>/dev/null || true
  fi
  [ -z "${ROOT:-}" ] || rt_cleanup
  [ -z "${TMP:-}" ] || rm -rf "$TMP"
}

# config.json with linux.seccomp = $1 and process.noNewPrivileges = ${2:-true}.
config() {
  jq -n --argjson s "$1" --argjson nnp "${2:-true}" \
    '{ociVersion: "1.2.0", root: {path: "rootfs"}, process: {args: ["sh"], cwd: "/", noNewPrivileges: $nnp},
      linux: {seccomp: $s}}' >"$TMP/config.json"
}

# A rule list entry: names (comma-separated), action, extra JSON fields.
rule() {
  jq -nc --arg n "$1" --arg a "$2" --argjson extra "${3:-{\}}" '{names: ($n | split(",")), action: $a} + $extra'
}

allow_with() {
  echo "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$1]}"
}

probe() {
  run "$RUN" "$TMP/config.json" -- "$PROBE" "$@"
}

@test "without a matching rule the probe runs unfiltered (baseline)" {
  config "$(allow_with "$(rule umask SCMP_ACT_ERRNO)")"
  probe mkdir "s:$TMP/d" 0755
  [ "$status" -eq 0 ]
  [ "$output" = "ret=0" ]
  [ -d "$TMP/d" ]
}

@test "SCMP_ACT_ERRNO without errnoRet returns EPERM" {
  config "$(allow_with "$(rule mkdir SCMP_ACT_ERRNO)")"
  probe mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=1" ]
  [ ! -e "$TMP/d" ]
}

@test "SCMP_ACT_ERRNO with errnoRet returns that errno (busybox sees it too)" {
  config "$(allow_with "$(rule mkdir,mkdirat SCMP_ACT_ERRNO '{"errnoRet": 42}')")"
  probe mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=42" ]
  run "$RUN" "$TMP/config.json" -- busybox mkdir "$TMP/d"
  [ "$status" -ne 0 ]
  [[ "$output" == *"No message of desired type"* ]]
  [ ! -e "$TMP/d" ]
}

@test "SCMP_ACT_KILL_PROCESS and SCMP_ACT_KILL kill the process with SIGSYS" {
  config "$(allow_with "$(rule mkdir SCMP_ACT_KILL_PROCESS)")"
  probe mkdir "s:$TMP/d" 0755
  [ "$status" -eq 159 ]
  [ "$output" = "" ]
  config "$(allow_with "$(rule mkdir SCMP_ACT_KILL)")"
  probe mkdir "s:$TMP/d" 0755
  [ "$status" -eq 159 ]
  [ ! -e "$TMP/d" ]
}

@test "SCMP_ACT_TRAP sends a catchable SIGSYS" {
  config "$(allow_with "$(rule mkdir SCMP_ACT_TRAP)")"
  run "$RUN" "$TMP/config.json" -- "$PROBE" --catch-sigsys mkdir "s:$TMP/d" 0755
  [ "$status" -eq 3 ]
  [ "$output" = "caught SIGSYS" ]
}

@test "SCMP_ACT_TRACE without a tracer fails the syscall with ENOSYS" {
  config "$(allow_with "$(rule mkdir SCMP_ACT_TRACE)")"
  probe mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=38" ]
}

@test "SCMP_ACT_LOG allows: a LOG default runs everything but the denied syscall" {
  config '{"defaultAction": "SCMP_ACT_LOG", "syscalls": ['"$(rule mkdir SCMP_ACT_ERRNO)"']}'
  probe getpid
  [[ "$output" == ret=* ]]
  probe mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=1" ]
}

@test "argument conditions: personality(0xffffffff) allowed, other values denied" {
  config "$(allow_with "$(rule personality SCMP_ACT_ERRNO '{"args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]}')")"
  probe personality 0xffffffff
  [[ "$output" == ret=* ]]
  probe personality 0
  [ "$output" = "errno=1" ]
  probe personality 8
  [ "$output" = "errno=1" ]
}

@test "SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the expected bits" {
  # umask(m) denied when (m & 07) == 02.
  config "$(allow_with "$(rule umask SCMP_ACT_ERRNO '{"args": [{"index": 0, "value": 7, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]}')")"
  probe umask 0022
  [ "$output" = "errno=1" ]
  probe umask 0772
  [ "$output" = "errno=1" ]
  probe umask 0027
  [[ "$output" == ret=* ]]
}

@test "comparison operators LT, LE, GE, GT, EQ" {
  local op v want
  for spec in "SCMP_CMP_LT 18 16:1 18:0" "SCMP_CMP_LE 18 18:1 19:0" "SCMP_CMP_GE 18 18:1 17:0" \
    "SCMP_CMP_GT 18 19:1 18:0" "SCMP_CMP_EQ 18 18:1 19:0"; do
    set -- $spec
    op=$1 v=$2
    config "$(allow_with "$(rule umask SCMP_ACT_ERRNO "{\"args\": [{\"index\": 0, \"value\": $v, \"op\": \"$op\"}]}")")"
    for c in "$3" "$4"; do
      probe umask "${c%%:*}"
      if [ "${c##*:}" = 1 ]; then want="errno=1"; else want="ret="; fi
      [[ "$output" == "$want"* ]] || { echo "$op $v umask(${c%%:*}): $output"; false; }
    done
  done
}

@test "two conditions on one argument match either (split into rules, as runc does)" {
  config "$(allow_with "$(rule umask SCMP_ACT_ERRNO '{"args": [{"index": 0, "value": 18, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 63, "op": "SCMP_CMP_EQ"}]}')")"
  probe umask 18
  [ "$output" = "errno=1" ]
  probe umask 63
  [ "$output" = "errno=1" ]
  probe umask 23
  [[ "$output" == ret=* ]]
}

@test "conditions on different arguments must all match" {
  # kill(0, 0) denied; kill(0, SIGCONT) and kill(pid, 0) pass the filter.
  config "$(allow_with "$(rule kill SCMP_ACT_ERRNO '{"errnoRet": 77, "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]}')")"
  probe kill 0 0
  [ "$output" = "errno=77" ]
  probe kill 0 18
  [ "$output" = "ret=0" ]
  probe kill 1 0
  [ "$output" = "ret=0" ]
}

@test "defaultErrnoRet: everything not allowed fails with it" {
  local allowed
  allowed=$(rule execve,brk,mmap,munmap,mprotect,arch_prctl,set_tid_address,set_robust_list,rseq,prlimit64,openat,open,read,pread64,close,fstat,newfstatat,access,getrandom,write,exit_group,exit,futex,getpid,uname,readlink,statfs,fcntl,lseek,ioctl SCMP_ACT_ALLOW)
  config '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 99, "syscalls": ['"$allowed"']}'
  probe mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=99" ]
  probe getpid
  [[ "$output" == ret=* ]]
}

@test "unknown syscall names are skipped; extra architectures are accepted" {
  config '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
           "syscalls": ['"$(rule no_such_syscall,mkdir SCMP_ACT_ERRNO '{"errnoRet": 5}')"']}'
  probe mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=5" ]
}

@test "SECCOMP_FILTER_FLAG_TSYNC puts threads started before the load under the filter" {
  config "$(allow_with "$(rule mkdir SCMP_ACT_ERRNO)")"
  run "$RUN" --thread-check "$TMP/t1" "$TMP/config.json" -- true
  [ "$output" = "thread mkdir: ok" ]
  config '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_TSYNC"], "syscalls": ['"$(rule mkdir SCMP_ACT_ERRNO)"']}'
  run "$RUN" --thread-check "$TMP/t2" "$TMP/config.json" -- true
  [ "$output" = "thread mkdir: errno=1" ]
  [ ! -e "$TMP/t2" ]
}

@test "flags LOG and SPEC_ALLOW load" {
  config '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], "syscalls": ['"$(rule mkdir SCMP_ACT_ERRNO)"']}'
  probe mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=1" ]
}

@test "noNewPrivileges is applied as configured; without it root loads the filter with CAP_SYS_ADMIN" {
  config "$(allow_with "$(rule mkdir SCMP_ACT_ERRNO)")" true
  probe prctl 39
  [ "$output" = "ret=1" ]
  config "$(allow_with "$(rule mkdir SCMP_ACT_ERRNO)")" false
  probe prctl 39
  [ "$output" = "ret=0" ]
  probe mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=1" ]
}

start_agent() {
  "$AGENT" "$TMP/agent.sock" "$TMP/state.json" "$TMP/agent.log" "$@" 3>&- &
  AGENT_PID=$!
  for _ in $(seq 50); do
    [ -S "$TMP/agent.sock" ] && return 0
    sleep 0.1
  done
  echo "agent did not start" >&2
  return 1
}

notify_config() {
  config '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "'"$TMP/agent.sock"'", "listenerMetadata": "MKNOD=/dev/null;x=1",
           "syscalls": ['"$(rule "$1" SCMP_ACT_NOTIFY)"']}'
}

@test "SCMP_ACT_NOTIFY: the agent gets the state, metadata and fd, and its answer is what the process sees" {
  start_agent mkdir 7
  notify_config mkdir
  run timeout 20 "$RUN" "$TMP/config.json" -- "$PROBE" mkdir "s:$TMP/d" 0755
  [ "$status" -eq 0 ]
  [ "$output" = "ret=7" ]
  [ ! -e "$TMP/d" ]
  wait "$AGENT_PID"
  AGENT_PID=
  grep -qx "fds=1" "$TMP/agent.log"
  grep -qx "notify mkdir" "$TMP/agent.log"
  run jq -r '[.ociVersion, (.fds | join(",")), .metadata, .state.status, .state.id, (.pid == .state.pid | tostring), (.pid > 0 | tostring)] | join(" ")' "$TMP/state.json"
  [ "$output" = "1.2.0 seccompFd MKNOD=/dev/null;x=1 creating seccomp-run true true" ]
}

@test "SCMP_ACT_NOTIFY: an errno answer fails the syscall; a CONTINUE answer lets it run" {
  start_agent mkdir errno:13
  notify_config mkdir,rmdir
  mkdir "$TMP/gone"
  run timeout 20 "$RUN" "$TMP/config.json" -- sh -c "'$PROBE' mkdir 's:$TMP/d' 0755; '$PROBE' rmdir 's:$TMP/gone'"
  [ "${lines[0]}" = "errno=13" ]
  [ "${lines[1]}" = "ret=0" ]
  [ ! -e "$TMP/gone" ]
  wait "$AGENT_PID"
  AGENT_PID=
  grep -qx "notify rmdir" "$TMP/agent.log"
}

@test "SCMP_ACT_NOTIFY: an unreachable listenerPath is an error and the process never runs" {
  notify_config mkdir
  run timeout 20 "$RUN" "$TMP/config.json" -- "$PROBE" mkdir "s:$TMP/d" 0755
  [ "$status" -eq 125 ]
  [[ "$output" == *"seccomp listener $TMP/agent.sock: connect $TMP/agent.sock: No such file or directory"* ]]
  [ ! -e "$TMP/d" ]
}

@test "compile errors are reported before anything runs" {
  config "$(allow_with "$(rule mkdir SCMP_ACT_NOTIFY)")"
  run "$RUN" "$TMP/config.json" -- "$PROBE" getpid
  [ "$status" -eq 125 ]
  [ "$output" = "seccomp-run: config.json: .linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set" ]
  config '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_LOONGARCH64"]}'
  run "$RUN" "$TMP/config.json" -- "$PROBE" getpid
  [ "$status" -eq 125 ]
  [[ "$output" == "seccomp-run: config.json: .linux.seccomp.architectures[0]: SCMP_ARCH_LOONGARCH64 is not supported by libseccomp"* ]]
}

@test "a program read back from the cache filters like a fresh one" {
  config "$(allow_with "$(rule mkdir SCMP_ACT_ERRNO '{"errnoRet": 42}')")"
  run "$RUN" --cache "$TMP/cache" "$TMP/config.json" -- "$PROBE" mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=42" ]
  [ "$(ls "$TMP/cache" | wc -l)" -eq 1 ]
  run "$RUN" --cache "$TMP/cache" "$TMP/config.json" -- "$PROBE" mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=42" ]
  [ ! -e "$TMP/d" ]
}

@test "without noNewPrivileges an unprivileged process cannot load the filter, and is told why" {
  command -v setpriv >/dev/null || skip "no setpriv"
  chmod 755 "$TMP"
  config "$(allow_with "$(rule mkdir SCMP_ACT_ERRNO)")" false
  chmod 644 "$TMP/config.json"
  run setpriv --reuid=65534 --regid=65534 --clear-groups "$RUN" "$TMP/config.json" -- "$PROBE" getpid
  [ "$status" -eq 125 ]
  [[ "$output" == *"loading the filter (needs no_new_privs or CAP_SYS_ADMIN): Permission denied"* ]]
  config "$(allow_with "$(rule mkdir SCMP_ACT_ERRNO)")" true
  chmod 644 "$TMP/config.json"
  run setpriv --reuid=65534 --regid=65534 --clear-groups "$RUN" "$TMP/config.json" -- "$PROBE" mkdir "s:$TMP/d" 0755
  [ "$output" = "errno=1" ]
}

# ---- through the runtime itself (create/start/exec), with a state root of the test's own ----

runtime_bundle() {
  source "$KEEL_SRCDIR/tests/lib/bundle.bash"
  ROOT="$TMP/root"
  ID="keel-seccomp-$BATS_TEST_NUMBER-$$"
  make_bundle "$TMP/bundle" "$@"
  B=$KEEL_BUNDLE
}

rt() {
  "$RUNTIME" --root "$ROOT" "$@"
}

rt_cleanup() {
  [ -z "${ID:-}" ] || keel_cleanup_container "$ID" --root "$ROOT"
}

@test "runtime create: the NOTIFY fd and state (with listenerMetadata) reach the agent during create, before start" {
  runtime_bundle payload mknod /tmp/p p
  start_agent mknodat errno:13
  bundle_set "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s, listenerMetadata: "meta=1",
                   syscalls: [{names: ["mknodat"], action: "SCMP_ACT_NOTIFY"}]}' --arg s "$TMP/agent.sock"
  # Not under `run`: the init keeps create's stdout open until it exits.
  rt create -b "$B" "$ID" >"$TMP/out" 2>&1
  # create has returned, start not yet run: the agent already holds the state.
  pid=$(rt state "$ID" | jq .pid)
  [ "$(rt state "$ID" | jq -r .status)" = created ]
  run jq -r '[(.fds | join(",")), .metadata, .state.status, .state.id, (.pid | tostring), (.state.pid | tostring)] | join(" ")' "$TMP/state.json"
  [ "$output" = "seccompFd meta=1 creating $ID $pid $pid" ]
  rt start "$ID"
  for _ in $(seq 50); do grep -q "notify mknodat" "$TMP/agent.log" && break; sleep 0.1; done
  grep -qx "notify mknodat" "$TMP/agent.log"
  [ ! -e "$B/rootfs/tmp/p" ]
  grep -qx "mknod=EACCES" "$TMP/out"
}

@test "runtime: the filter is loaded after the runtime's own setup; the process alone is filtered" {
  runtime_bundle
  bundle_set "$B" '.process.args = ["sh", "-c", "mkdir /tmp/d; hostname h2; payload seccomp"]'
  # mount, pivot_root, mkdir and sethostname are what create itself does (mounts, /dev, the new root, the hostname).
  for nnp in true false; do
    bundle_set "$B" '.process.noNewPrivileges = $nnp | .hostname = "h1" | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                     syscalls: [{names: ["mount", "umount2", "pivot_root", "mkdir", "mkdirat", "sethostname", "symlink",
                                         "symlinkat", "mknod", "mknodat", "unshare", "keyctl"],
                                 action: "SCMP_ACT_ERRNO", errnoRet: 95}]}' --argjson nnp "$nnp"
    run rt run -b "$B" "$ID"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"mkdir: can't create directory '/tmp/d': Operation not supported"* ]]
    [[ "$output" == *"hostname: sethostname: Operation not supported"* ]]
    [[ "$output" == *"Seccomp=2"* ]]
  done
}

# A profile heavy enough to be cached (names x arches >= SECCOMP_CACHE_MIN_RULES) that makes mkdir fail with errno $1.
big_profile() {
  jq -n --argjson e "$1" '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: $e},
               {names: [range(40) | "no_such_syscall_\(.)"], action: "SCMP_ACT_KILL"}]}'
}

@test "runtime: a heavy profile is compiled once and read back from the state root's cache by create and exec" {
  runtime_bundle payload sleep inf
  bundle_set "$B" '.linux.seccomp = $p' --argjson p "$(big_profile 42)"
  rt run -d -b "$B" "$ID" >/dev/null 2>&1
  rt delete -f "$ID"
  run ls "$ROOT/:seccomp-cache"
  [ "${#lines[@]}" -eq 1 ]
  first="$ROOT/:seccomp-cache/${lines[0]}"
  # Another profile, another entry. Its file copied under the first profile's name is not used: an entry
  # holds the profile it was compiled from and must match it byte for byte (the name is only a hash).
  bundle_set "$B" '.linux.seccomp = $p' --argjson p "$(big_profile 43)"
  rt run -d -b "$B" "$ID" >/dev/null 2>&1
  rt delete -f "$ID"
  second=$(ls -t "$ROOT/:seccomp-cache/"* | grep -vx "$first")
  cp "$second" "$first"
  bundle_set "$B" '.linux.seccomp = $p | .process.args = ["sh", "-c", "mkdir /tmp/x; sleep 100"]' --argjson p "$(big_profile 42)"
  rt run -d -b "$B" "$ID" >"$TMP/out" 2>&1
  run rt exec "$ID" mkdir /tmp/y
  rt delete -f "$ID"
  # 42 is ENOMSG.
  [[ "$output" == *"No message of desired type"* ]]
  grep -q "mkdir: can't create directory '/tmp/x': No message of desired type" "$TMP/out"
  # Now the first profile's own entry with its BPF patched (SECCOMP_RET_ERRNO|42 -> |43, little-endian k):
  # if create and exec use the cache, the first profile now behaves like the second.
  run cmp -s "$second" "$first"
  [ "$status" -ne 0 ] # rewritten by the recompile
  perl -0777 -pi -e 's/\x2a\x00\x05\x00/\x2b\x00\x05\x00/g' "$first"
  rt run -d -b "$B" "$ID" >"$TMP/out" 2>&1
  run rt exec "$ID" mkdir /tmp/y
  # 43 is EIDRM.
  [[ "$output" == *"Identifier removed"* ]]
  grep -q "mkdir: can't create directory '/tmp/x': Identifier removed" "$TMP/out"
}

@test "runtime: small profiles are compiled each time and leave no cache" {
  runtime_bundle payload seccomp
  bundle_set "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"}]}'
  run rt run -b "$B" "$ID"
  [[ "$output" == *"Seccomp=2"* ]]
  [ ! -e "$ROOT/:seccomp-cache" ] || [ -z "$(ls "$ROOT/:seccomp-cache")" ]
}

@test "runtime exec: the exec'd process's NOTIFY fd and state (its pid, the container's state, listenerMetadata) reach the agent" {
  runtime_bundle payload sleep 100
  # The container's init never calls mknodat: create's own agent only takes create's fd.
  bundle_set "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s, listenerMetadata: "meta=exec",
                   syscalls: [{names: ["mknodat"], action: "SCMP_ACT_NOTIFY"}]}' --arg s "$TMP/agent.sock"
  start_agent mknodat errno:13
  rt run -d -b "$B" "$ID" >/dev/null 2>&1
  grep -qx "fds=1" "$TMP/agent.log"
  kill "$AGENT_PID"; wait "$AGENT_PID" || true
  # A fresh agent for exec at the same path.
  rm -f "$TMP/agent.sock" "$TMP/state.json"
  start_agent mknodat errno:13
  run timeout 20 "$RUNTIME" --root "$ROOT" exec --pid-file "$TMP/epid" "$ID" payload mknod /tmp/p p
  echo "$output"
  [ "$output" = "mknod=EACCES" ]
  [ ! -e "$B/rootfs/tmp/p" ]
  grep -qx "notify mknodat" "$TMP/agent.log"
  init=$(rt state "$ID" | jq .pid)
  run jq -r '[(.fds | join(",")), .metadata, .state.status, .state.id, (.state.pid | tostring), (.pid | tostring)] | join(" ")' "$TMP/state.json"
  [ "$output" = "seccompFd meta=exec running $ID $init $(cat "$TMP/epid")" ]
}

@test "runtime exec: an unreachable listenerPath fails exec clearly and the process never runs" {
  runtime_bundle payload sleep 100
  bundle_set "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
                   syscalls: [{names: ["mknodat"], action: "SCMP_ACT_NOTIFY"}]}' --arg s "$TMP/agent.sock"
  start_agent mknodat errno:13
  rt run -d -b "$B" "$ID" >/dev/null 2>&1
  kill "$AGENT_PID"; wait "$AGENT_PID" || true
  AGENT_PID=
  rm -f "$TMP/agent.sock"
  run timeout 20 "$RUNTIME" --root "$ROOT" exec "$ID" sh -c "touch /tmp/ran"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == "runtime: exec $ID: seccomp listener $TMP/agent.sock: connect $TMP/agent.sock: No such file or directory" ]]
  [ ! -e "$B/rootfs/tmp/ran" ]
}
