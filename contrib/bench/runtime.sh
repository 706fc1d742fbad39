#!/usr/bin/env bash
# Start-up benchmark (issue 9): keel's runtime against crun and runc on a busybox /bin/true bundle, markdown on stdout.
# Usage: runtime.sh [BUILDDIR]   env: BENCH_RUNS (100), BENCH_CONCURRENT (20), BENCH_TMPDIR (/dev/shm), RUNTIME,
#   BENCH_PURE_V1 (0), BENCH_PEERS (all that accept the layout, e.g. "keel crun"), BENCH_ONLY_RUN (0: 1 = the run table only)
# Needs root. On the host's layout every runtime that accepts it is measured (crun 1.8 refuses the hybrid layout:
# there keel is compared with runc; in the v2 VM, see vm.sh, with crun and runc). BENCH_PURE_V1=1 adds a part where
# the script binds hugetlb to a v1 hierarchy (the host becomes pure v1) so crun runs, and undoes that on exit: it
# changes the host's cgroup layout under every other job (tests of others fail meanwhile), so it is off by default.
# The script only removes cgroups its own containers created.
set -euo pipefail

BUILDDIR=$(cd "${1:-${KEEL_BUILDDIR:-.}}" && pwd)
RUNTIME=${RUNTIME:-$BUILDDIR/runtime/runtime}
RUNS=${BENCH_RUNS:-100}
CONC=${BENCH_CONCURRENT:-20}
TMPBASE=${BENCH_TMPDIR:-/dev/shm}
HUGETLB=/sys/fs/cgroup/hugetlb
PFX=kbench-$$

[ "$(id -u)" = 0 ] || { echo "runtime.sh: needs root" >&2; exit 1; }
for tool in "$RUNTIME" crun runc hyperfine jq busybox strace /usr/bin/time readelf; do
  command -v "$tool" >/dev/null || { echo "runtime.sh: $tool missing" >&2; exit 1; }
done

WORK=$(mktemp -d "$TMPBASE/keel-bench-rt.XXXXXX")
BUNDLE=$WORK/bundle
declare -A RT=(
  [keel]="$RUNTIME --root $WORK/state-keel"
  [crun]="crun --root $WORK/state-crun"
  [runc]="runc --root $WORK/state-runc"
)
mounted_hugetlb=0
made_hugetlb_dir=0

log() { echo "runtime.sh: $*" >&2; }

# Force-delete every container this run may have left, in every runtime.
delete_ours() {
  local name id
  for name in "${!RT[@]}"; do
    for id in $(${RT[$name]} list -q 2>/dev/null | grep "^$PFX" || true); do
      ${RT[$name]} delete -f "$id" >/dev/null 2>&1 || true
    done
  done
}

# The cgroups our containers created (crun and runc use /<id>, keel /keel/<id>), deepest first.
remove_our_cgroups() {
  find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -name "$PFX*" 2>/dev/null | sort -r | while read -r d; do
    rmdir "$d" 2>/dev/null || true
  done
}

hugetlb_bound_to_v1() { awk '$1 == "hugetlb" && $2 != 0 { f = 1 } END { exit !f }' /proc/cgroups; }

# Pure v1 for crun: hugetlb is the only controller on the v2 mount here; binding it to v1 empties cgroup2.
v1_begin() {
  if [ -z "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    return 0
  fi
  hugetlb_bound_to_v1 && return 0
  # The kernel will not move a controller that a cgroup2 child still uses: keel's own (empty) parent there,
  # left with +hugetlb by the host-layout part, goes first (rmdir fails harmlessly if a container is in it),
  # and its css dies asynchronously: retry the mount for a while.
  rmdir /sys/fs/cgroup/unified/keel 2>/dev/null || true
  [ -d $HUGETLB ] || { mkdir $HUGETLB && made_hugetlb_dir=1; }
  local try
  for try in $(seq 40); do
    mount -t cgroup -o hugetlb none $HUGETLB 2>/dev/null && break
    sleep 0.25
  done
  mountpoint -q $HUGETLB || {
    log "cannot bind hugetlb to a v1 hierarchy (a cgroup2 child of another program still uses it?)"
    return 1
  }
  mounted_hugetlb=1
}

# Undo v1_begin. The hierarchy we mounted was empty, so keel's /keel parent in it is ours; it must go (and its
# css die, which is asynchronous) before the unmount really returns hugetlb to cgroup2: retry until it has.
v1_end() {
  local try
  if [ $mounted_hugetlb = 0 ]; then
    # the bind failed: only the directory made for it is to go (a plain directory left on the cgroup tmpfs
    # makes podman and conmon write fake cgroups of plain files into it)
    [ $made_hugetlb_dir = 1 ] && rmdir $HUGETLB 2>/dev/null || true
    made_hugetlb_dir=0
    return 0
  fi
  for try in $(seq 40); do
    if ! mountpoint -q $HUGETLB; then
      mount -t cgroup -o hugetlb none $HUGETLB || break
    fi
    rmdir $HUGETLB/keel 2>/dev/null || true
    if [ -n "$(find $HUGETLB -mindepth 1 -type d -print -quit)" ]; then
      sleep 0.25
      continue
    fi
    umount $HUGETLB || true
    sleep 0.25
    hugetlb_bound_to_v1 || break
  done
  mountpoint -q $HUGETLB && umount $HUGETLB 2>/dev/null || true
  [ $made_hugetlb_dir = 1 ] && rmdir $HUGETLB 2>/dev/null || true
  mounted_hugetlb=0
  if hugetlb_bound_to_v1; then
    log "WARNING: hugetlb is still bound to v1 (children left in it?); see $HUGETLB after mounting it"
  fi
}

cleanup() {
  delete_ours
  remove_our_cgroups
  v1_end
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# busybox-static rootfs + runc's default config (ociVersion 1.0.x, which crun 1.8 accepts) running /bin/true.
make_bundle() {
  local a
  mkdir -p "$BUNDLE"/rootfs/{bin,dev,etc,proc,sys,tmp}
  cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
  for a in true sh; do ln -s busybox "$BUNDLE/rootfs/bin/$a"; done
  (cd "$BUNDLE" && runc spec)
  jq '.process.args = ["/bin/true"] | .process.terminal = false' "$BUNDLE/config.json" >"$BUNDLE/c.json"
  mv "$BUNDLE/c.json" "$BUNDLE/config.json"
}

cgroup_layout() {
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    echo "v2 (unified)"
  elif [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    echo "hybrid (v1 controllers + cgroup2 at /sys/fs/cgroup/unified with: $(cat /sys/fs/cgroup/unified/cgroup.controllers))"
  else
    echo "v1 (no controller on cgroup2)"
  fi
}

# hyperfine_table JSON: one markdown row per command: name | median ms | mean ± sd | ratio vs crun (when measured).
hyperfine_rows() {
  jq -r --arg ref "$REF" '
    (.results | map(select(.command == $ref)) | first | .median) as $c
    | .results[] | "| \(.command) | \(.median * 1000 | . * 100 | round / 100) | \(.mean * 1000 | . * 100 | round / 100) ± \(.stddev * 1000 | . * 100 | round / 100) | \(.min * 1000 | . * 100 | round / 100) | \(if $c then (.median / $c | . * 100 | round / 100 | tostring) else "-" end) |"' "$1"
}

table_head() {
  echo "| command | median ms | mean ± sd ms | min ms | median / $REF |"
  echo "|---|---|---|---|---|"
}

# bench_run NAME... : RUNS sequential `run` of each runtime (+ the unshare/chroot floor) in one hyperfine.
bench_run() {
  local json=$WORK/run-$1.json name args=()
  shift
  for name in "$@"; do
    args+=(-n "$name" "${RT[$name]} run -b $BUNDLE $PFX-r-$name")
  done
  args+=(-n floor "unshare -m -u -i -n -p -f chroot $BUNDLE/rootfs /bin/true")
  hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$json" "${args[@]}" >/dev/null
  table_head
  hyperfine_rows "$json"
}

# bench_csd NAME... : RUNS sequential create + start + delete -f (through sh, whose start-up hyperfine subtracts).
bench_csd() {
  local json=$WORK/csd-$1.json name rt id args=()
  shift
  for name in "$@"; do
    rt=${RT[$name]}
    id=$PFX-c-$name
    args+=(-n "$name" "$rt create -b $BUNDLE $id && $rt start $id && $rt delete -f $id")
  done
  hyperfine --style none --warmup 3 --runs "$RUNS" --export-json "$json" "${args[@]}" >/dev/null
  table_head
  hyperfine_rows "$json"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# CONC containers created and started at once; wall time in ms of one burst.
burst_once() {
  local rt=$1 tag=$2 i t0 t1
  t0=$(date +%s%N)
  for i in $(seq "$CONC"); do
    ($rt create -b "$BUNDLE" "$PFX-b$tag-$i" && $rt start "$PFX-b$tag-$i") >/dev/null 2>&1 &
  done
  wait
  t1=$(date +%s%N)
  for i in $(seq "$CONC"); do $rt delete -f "$PFX-b$tag-$i" >/dev/null 2>&1 || true; done
  echo $(((t1 - t0) / 1000000))
}

# Median burst time over 7 bursts, and the median peak RSS (KiB) of the runtime process during `create` over 7.
bench_burst_rss() {
  local name rt i b r
  echo "| runtime | $CONC concurrent create+start, median ms (5 bursts) | ratio vs $REF | peak RSS of \`create\`, median KiB | ratio vs $REF |"
  echo "|---|---|---|---|---|"
  declare -A B R
  for name in "$@"; do
    rt=${RT[$name]}
    B[$name]=$(for i in $(seq 5); do burst_once "$rt" "$name$i"; done | median)
    R[$name]=$(for i in $(seq 7); do
      /usr/bin/time -f %M -o "$WORK/rss" $rt create -b "$BUNDLE" "$PFX-m-$name" >/dev/null 2>&1
      cat "$WORK/rss"
      $rt delete -f "$PFX-m-$name" >/dev/null 2>&1
    done | median)
  done
  for name in "$@"; do
    b=$(awk -v a="${B[$name]}" -v c="${B[$REF]:-0}" 'BEGIN { if (c > 0) printf "%.2f", a / c; else print "-" }')
    r=$(awk -v a="${R[$name]}" -v c="${R[$REF]:-0}" 'BEGIN { if (c > 0) printf "%.2f", a / c; else print "-" }')
    echo "| $name | ${B[$name]} | $b | ${R[$name]} | $r |"
  done
}

# Smallest v1/v2 memory limit with which `run /bin/true` succeeds, from a ladder of sizes; "refused" when the
# runtime rejects memory limits outright.
min_memory() {
  local name=$1 rt=${RT[$1]} kib b=$WORK/bundle-mem out
  rm -rf "$b"
  mkdir -p "$b"
  # The shared rootfs by absolute path: keel and runc refuse a root.path that goes through a symlink.
  for kib in 256 384 512 768 1024 1536 2048 4096 8192 16384 32768; do
    jq --argjson l $((kib * 1024)) --arg r "$BUNDLE/rootfs" '.linux.resources.memory = { limit: $l } | .root.path = $r' \
      "$BUNDLE/config.json" >"$b/config.json"
    if out=$(timeout 20 $rt run -b "$b" "$PFX-mem-$name" 2>&1 </dev/null); then
      echo "$kib KiB"
      return
    fi
    $rt delete -f "$PFX-mem-$name" >/dev/null 2>&1 || true
    if grep -q "not implemented" <<<"$out"; then
      echo "n/a, resources not enforced yet (\`${out##*: }\`)"
      return
    fi
  done
  echo "> 32 MiB"
}

# Phases of one keel `run` from an strace -f -ttt timeline: the first syscall marking each step, in ms from exec
# (strace slows every syscall, so read the shares, not the absolute figures).
timeline() {
  local id=$PFX-t
  strace -f -ttt -o "$WORK/timeline" ${RT[keel]} run -b "$BUNDLE" "$id" >/dev/null 2>&1 || true
  echo "Phases of one keel \`run\` (strace -f -ttt, ms since exec; each step runs until the next line):"
  echo
  echo '```'
  awk '
    NR == 1 { t0 = $2 }
    function mark(name) { if (!(name in seen)) { seen[name] = 1; printf "%8.1f  %s\n", ($2 - t0) * 1000, name } }
    /execve\(/ && NR == 1 { mark("exec runtime, dynamic loading, relocation") }
    /config.json", O_RDONLY/ { mark("read and validate config.json") }
    /mkdir\("\/run|mkdir\(".*\/state-keel/ { mark("state dir, lock, config copy, exec.fifo") }
    /mkdir\("\/sys\/fs\/cgroup/ { mark("create cgroups (one per v1 hierarchy)") }
    /clone3\(/ { mark("clone3 init; parent joins it to every hierarchy (cgroup.procs)") }
    /unshare\(/ { mark("child: unshare namespaces") }
    /mount\(/ && $1 != pid0 && seen["child: unshare namespaces"] { mark("child: mounts, /dev, cgroup tree in rootfs") }
    /pivot_root\(/ { mark("child: pivot_root, process attributes (caps, rlimits, ...)") }
    /exec.fifo", O_RDONLY\|O_NONBLOCK/ { mark("parent: state.json, start (open exec.fifo)") }
    /execve\(".*\/bin\/true/ { mark("container process exec /bin/true") }
    /exited with/ && $1 != pid0 { mark("container exited; wait, delete cgroups and state") }
    NR == 1 { pid0 = $1 }
    END { printf "%8.1f  end\n", ($2 - t0) * 1000 }
  ' "$WORK/timeline"
  echo '```'
}

# Where keel's time goes: syscall time (strace -f -c -w) and CPU vs wall (perf stat) for one `run`.
profile() {
  local rt=${RT[keel]} id=$PFX-p
  echo '```'
  echo "\$ strace -f -c -w -S time runtime run -b BUNDLE ID   (top 15 by wall time in syscalls)"
  strace -f -c -w -S time -o "$WORK/strace" $rt run -b "$BUNDLE" "$id" >/dev/null 2>&1 || true
  head -n 17 "$WORK/strace"
  grep -E '^-+ |total' "$WORK/strace" | tail -n 1
  echo
  echo "\$ strace -f -c -w $REF run ... (totals only, for comparison)"
  strace -f -c -w -o "$WORK/strace-ref" ${RT[$REF]} run -b "$BUNDLE" "$id-ref" >/dev/null 2>&1 || true
  tail -n 1 "$WORK/strace-ref"
  echo '```'
  echo
  timeline
  echo
  echo "Process start-up alone (\`--version\`, dynamic loading and relocation; keel needs $(readelf -d "$RUNTIME" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')):"
  echo
  hyperfine -N --style none --warmup 3 --runs 50 --export-json "$WORK/version.json" \
    -n keel "$RUNTIME --version" -n crun "crun --version" -n runc "runc --version" >/dev/null
  table_head
  hyperfine_rows "$WORK/version.json"
  echo
  echo "Cost of the CVE-2019-5736 re-exec from a sealed memfd copy: \`exec\` of a missing container seals and re-executes"
  echo "before it finds nothing, \`state\` of one does not (keel only; both fail the same way afterwards):"
  echo
  hyperfine -N -i --style none --warmup 3 --runs 50 --export-json "$WORK/seal.json" \
    -n "keel state (no re-exec)" "$RUNTIME --root $WORK/state-keel state $PFX-none" \
    -n "keel exec (re-exec)" "$RUNTIME --root $WORK/state-keel exec $PFX-none /bin/true" >/dev/null
  table_head
  hyperfine_rows "$WORK/seal.json"
  if perf stat -o "$WORK/perf" -r 20 -e task-clock,context-switches,cpu-migrations,page-faults \
    $rt run -b "$BUNDLE" "$id" >/dev/null 2>&1; then
    echo
    echo '```'
    echo "\$ perf stat -r 20 -e task-clock,context-switches,cpu-migrations,page-faults runtime run -b BUNDLE ID"
    grep -vE '^\s*$|^#' "$WORK/perf"
    echo '```'
  fi
}

make_bundle
fs="$(df --output=fstype "$WORK" | tail -n 1) ($(df --output=source "$WORK" | tail -n 1) at $(df --output=target "$WORK" | tail -n 1))"
echo "### runtime start-up"
echo
echo "- bundle: busybox-static rootfs, \`runc spec\` config (namespaces pid, net, ipc, uts, mnt; cgroups on; default devices; no seccomp profile), process \`/bin/true\`; bundle and state roots on $fs"
echo "- keel: \`$RUNTIME\` ($(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?')); $(crun --version | head -n 1); $(runc --version | head -n 1)"
echo "- floor: \`unshare -m -u -i -n -p -f chroot ROOTFS /bin/true\`"
echo "- $RUNS runs each after 3 warm-up runs (hyperfine 1.15, \`-N\` for run; create+start+delete go through sh, whose start-up hyperfine subtracts)"
echo
# The runtimes that accept this layout: crun 1.8 refuses the hybrid one. Ratios are taken against crun when it runs.
LAYOUT=$(cgroup_layout)
case $LAYOUT in
hybrid*) PEERS=(keel runc) REF=runc note="crun refuses it, so keel and runc only" ;;
*) PEERS=(keel crun runc) REF=crun note="all three side by side" ;;
esac
# BENCH_PEERS="keel crun" narrows the set (runc is 3-10x slower than both: it dominates a run's duration).
if [ -n "${BENCH_PEERS:-}" ]; then
  read -r -a PEERS <<<"$BENCH_PEERS"
  [[ " ${PEERS[*]} " == *" crun "* ]] && REF=crun || REF=runc
  note="$note; measured here: ${PEERS[*]}"
fi

# One full set of figures for PEERS on the current layout.
bench_all() {
  echo "\`run\` ×$RUNS:"
  echo
  bench_run "$1" "${PEERS[@]}"
  echo
  [ "${BENCH_ONLY_RUN:-0}" = 0 ] || return 0
  echo "\`create\` + \`start\` + \`delete -f\` ×$RUNS:"
  echo
  bench_csd "$1" "${PEERS[@]}"
  echo
  bench_burst_rss "${PEERS[@]}"
  echo
  echo "Smallest memory limit with which \`run /bin/true\` succeeds (ladder 256 KiB … 32 MiB):"
  echo
  for name in "${PEERS[@]}"; do echo "- $name: $(min_memory "$name")"; done
  echo
}

echo "#### layout: $LAYOUT ($note)"
echo
bench_all host
if [ "${BENCH_PURE_V1:-0}" = 1 ] && [ "$REF" = runc ]; then
  v1_begin
  PEERS=(keel crun runc) REF=crun
  echo "#### pure v1 (hugetlb bound to a v1 hierarchy for this part; layout: $(cgroup_layout)), all three side by side"
  echo
  bench_all v1
fi
if [ "${BENCH_ONLY_RUN:-0}" = 0 ]; then
  echo "#### where keel's time goes"
  echo
  profile
fi
delete_ours
remove_our_cgroups
v1_end
echo
echo "After the run the layout is: $(cgroup_layout)"
