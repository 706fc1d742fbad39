# Bats helpers for runtime tests: busybox bundles carrying the payload, config edits with jq, leftover checks.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

PAYLOAD="$KEEL_BUILDDIR/tests/payload/payload"
# Where the runtime keeps container state and which cgroup parent it uses; override for another runtime or --root.
: "${KEEL_STATE_ROOT:=/run/keel}"
: "${KEEL_CGROUP_PARENT:=keel}"

# Fails the test with a message on stderr (bats shows it with the failure).
_bundle_fail() {
  echo "bundle.bash: $*" >&2
  return 1
}

# The busybox tree shared by all bundles, built once per busybox binary under /dev/shm and then only copied.
# Built in a temp dir and renamed into place, so concurrent test jobs never see half a tree.
_bundle_base_rootfs() {
  local busybox=/bin/busybox key base tmp applet
  [ -x "$busybox" ] || _bundle_fail "$busybox missing: apt-get install busybox-static" || return
  key=$(stat -L -c '%s-%Y-%i' "$busybox") || return
  # Bump the version when the tree's content changes, so old caches are not reused.
  base="${KEEL_BUNDLE_CACHE:-/dev/shm}/keel-base-rootfs-v2-$key"
  if [ ! -d "$base" ]; then
    tmp=$(mktemp -d "$base.tmp.XXXXXX") || return
    mkdir -p "$tmp"/{bin,dev,etc,home/user,proc,root,run,sys,tmp,var/tmp,mnt} || return
    # mktemp made the root 0700: unprivileged container users must be able to traverse it.
    chmod 0755 "$tmp" || return
    chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
    chown 1000:1000 "$tmp/home/user" 2>/dev/null || true
    cp "$busybox" "$tmp/bin/busybox" || return
    # Relative links (busybox --install -s would point at the host's absolute path).
    for applet in $("$busybox" --list); do
      [ "$applet" = busybox ] || ln -s busybox "$tmp/bin/$applet" || return
    done
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'user:x:1000:1000:user:/home/user:/bin/sh' \
      'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$tmp/etc/passwd"
    printf '%s\n' 'root:x:0:' 'user:x:1000:' 'nogroup:x:65534:' >"$tmp/etc/group"
    : >"$tmp/etc/hosts"
    : >"$tmp/etc/resolv.conf"
    # Another job may have won the race; its tree is identical, so drop ours.
    mv -T "$tmp" "$base" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$base"
}

# Writes DIR/config.json from `$RUNTIME spec` when that works, else from `runc spec`.
_bundle_default_config() {
  local dir=$1
  rm -f "$dir/config.json"
  if [ -x "$RUNTIME" ] && (cd "$dir" && "$RUNTIME" spec) >/dev/null 2>&1 && jq -e . "$dir/config.json" >/dev/null 2>&1; then
    return 0
  fi
  rm -f "$dir/config.json"
  (cd "$dir" && runc spec) || _bundle_fail "neither $RUNTIME spec nor runc spec wrote $dir/config.json"
}

# make_bundle DIR [ARGS...]: DIR/rootfs (busybox + /bin/payload) and DIR/config.json running ARGS
# (default: payload report) without a terminal. Sets KEEL_BUNDLE to the absolute bundle path.
make_bundle() {
  local dir=$1 base
  shift
  [ -n "$dir" ] || _bundle_fail "make_bundle: no bundle directory given" || return
  [ -x "$PAYLOAD" ] || _bundle_fail "$PAYLOAD missing: run 'make check' (it builds the payload first)" || return
  base=$(_bundle_base_rootfs) || return
  mkdir -p "$dir" || return
  dir=$(cd "$dir" && pwd) || return
  # A real copy, not hard links: tests chown/chmod rootfs files and must not alter the shared tree.
  rm -rf "$dir/rootfs"
  cp -a "$base" "$dir/rootfs" || return
  cp "$PAYLOAD" "$dir/rootfs/bin/payload" || return
  _bundle_default_config "$dir" || return
  [ $# -gt 0 ] || set -- payload report
  bundle_set "$dir" '.process.args = $ARGS.positional | .process.terminal = false' --args "$@" || return
  KEEL_BUNDLE=$dir
}

# bundle_set DIR JQ_EXPR [JQ_OPTIONS...]: edit DIR/config.json in place, e.g.
#   bundle_set "$b" '.process.env += [$e]' --arg e FOO=bar
bundle_set() {
  local dir=$1 expr=$2 tmp
  shift 2
  tmp=$(mktemp "$dir/.config.json.XXXXXX") || return
  if ! jq "$expr" "$dir/config.json" "$@" >"$tmp"; then
    rm -f "$tmp"
    _bundle_fail "bundle_set: jq '$expr' failed on $dir/config.json"
    return
  fi
  mv "$tmp" "$dir/config.json"
}

# keel_cleanup_container ID [GLOBAL_OPTIONS...]: force-delete, ignoring every error (for teardown).
keel_cleanup_container() {
  local id=$1
  shift
  "$RUNTIME" "$@" delete -f "$id" >/dev/null 2>&1 || true
}

# Processes still holding the bundle: a runtime invocation naming it on its command line, or a container
# process whose root directory is the bundle's rootfs (bind mounts keep the inode, pivot_root or not).
_bundle_leftover_processes() {
  local bundle=$1 pid arg
  local -a args
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] || continue
    mapfile -d '' -t args <"/proc/$pid/cmdline" 2>/dev/null || continue
    for arg in "${args[@]}"; do
      if [[ "$arg" == *"$bundle"* ]]; then
        echo "process $pid: ${args[*]}"
        break
      fi
    done
  done
  if [ -d "$bundle/rootfs" ]; then
    find -L /proc/[0-9]*/root -maxdepth 0 -samefile "$bundle/rootfs" -printf 'process with root %p\n' 2>/dev/null
  fi
  return 0
}

# assert_no_leftovers ID [BUNDLE]: after a failed create or a delete, nothing of the container may remain:
# no state dir, no cgroup dir named ID under a keel parent, no mount or process involving the bundle
# (default bundle: the last one make_bundle made).
assert_no_leftovers() {
  local id=$1 bundle=${2:-${KEEL_BUNDLE:-}} left=()
  [ -n "$id" ] || _bundle_fail "assert_no_leftovers: no container id given" || return
  [ ! -e "$KEEL_STATE_ROOT/$id" ] || left+=("state dir $KEEL_STATE_ROOT/$id")
  local cg
  while IFS= read -r cg; do
    left+=("cgroup $cg")
  done < <(find /sys/fs/cgroup/"$KEEL_CGROUP_PARENT" /sys/fs/cgroup/*/"$KEEL_CGROUP_PARENT" \
    -type d -name "$id" 2>/dev/null)
  if [ -n "$bundle" ]; then
    local mp
    # Field 5 of mountinfo is the mount point (octal-escaped, as a bundle path with spaces would be too).
    while read -r _ _ _ _ mp _; do
      [[ "$mp" != *"$bundle"* ]] || left+=("mount $mp")
    done </proc/self/mountinfo
    local proc
    while IFS= read -r proc; do
      left+=("$proc")
    done < <(_bundle_leftover_processes "$bundle")
  fi
  if [ ${#left[@]} -gt 0 ]; then
    local item
    for item in "${left[@]}"; do
      echo "leftover of container $id: $item" >&2
    done
    return 1
  fi
}
