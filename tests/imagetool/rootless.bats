#!/usr/bin/env bats
# Rootless unpack as a real unprivileged user (created here, removed after): no id maps, so every file is the
# user's; the image's owners are kept in the user.rootlesscontainers xattr exactly as `umoci unpack --rootless`
# writes it; modes kept; device nodes skipped; the bundle can be removed by the user.
#
# Differences from umoci, on purpose: read-only directories get u+rwx (umoci keeps 0555, and then the user
# cannot remove the tree: `rm -rf` fails), and the owner xattr is also recorded on read-only entries (umoci
# sets it after the mode and fails there with EACCES, leaving no record), and a device node is skipped with a
# warning (umoci leaves an empty regular file in its place). The golden part below has none of these; they
# are checked on their own.

load layer_helpers

RL_USER=keel-unpack-test

setup_file() {
  [ "$(id -u)" = 0 ] || return 0
  id "$RL_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RL_USER"
}

teardown_file() {
  [ "$(id -u)" = 0 ] || return 0
  ! id "$RL_USER" >/dev/null 2>&1 || userdel "$RL_USER"
}

setup() {
  skip_unless_root
  layer_setup
  chmod 0755 "$T"
  mkdir "$T/home"
  chown "$RL_USER:" "$T/home"
}
teardown() { layer_teardown; }

# as_user CMD...: run CMD as the test user, HOME in $T/home.
as_user() {
  setpriv --reuid="$RL_USER" --regid="$(id -g "$RL_USER")" --clear-groups env HOME="$T/home" "$@"
}

# image LAYER...: an oci-archive of the layers (under $T/layers), readable by the user, at $T/img.tar.
image() {
  oci_layout "$T/layout" "$@"
  tar -C "$T/layout" -cf "$T/img.tar" .
  chmod -R a+rX "$T/layout" "$T/img.tar"
}

# keel_unpack: import $T/img.tar and unpack it, as the user, into $T/home/k.
keel_unpack() {
  as_user "$IMAGETOOL" --store "$T/home/store" import "$T/img.tar" img >/dev/null
  run as_user "$IMAGETOOL" --store "$T/home/store" unpack img "$T/home/k"
  echo "$output"
  [ "$status" -eq 0 ]
}

# rootless_xattr PATH: the owner record (hex), "-" when absent.
rootless_xattr() {
  python3 -c 'import os, sys
try: print(os.getxattr(sys.argv[1], "user.rootlesscontainers", follow_symlinks=False).hex())
except OSError: print("-")' "$1"
}

@test "rootless: owners recorded in user.rootlesscontainers as umoci --rootless does; files are the user's" {
  command -v umoci >/dev/null || skip "umoci not installed"
  mklayer l1.tar <<'EOF2'
dir ./ mode=0755
dir etc mode=0755
file etc/passwd data=root:x:0:0::/root:/bin/sh mode=0644
file etc/shadow data=x mode=0640 uid=0 gid=42
dir home/u mode=0700 uid=1000 gid=1000
file home/u/.profile data=p uid=1000 gid=1000 mode=0600
file suid data=s mode=4755 uid=5 gid=0
file own2 data=x uid=0 gid=7
file big data=x uid=70000 gid=4294967294
symlink link target=own2 uid=3 gid=3
EOF2
  mklayer l2.tar <<'EOF2'
file home/u/.bashrc data=b uid=1000 gid=1000
file etc/shadow data=y mode=0640 uid=0 gid=43
EOF2
  image l1.tar l2.tar
  keel_unpack
  as_user umoci unpack --rootless --image "$T/layout:t" "$T/home/u" >/dev/null 2>&1
  diff -u <(lstree "$T/home/u/rootfs") <(lstree "$T/home/k/rootfs")
  local uid
  uid=$(id -u "$RL_USER")
  [ "$(stat -c %u "$T/home/k/rootfs/etc/shadow")" = "$uid" ]
  [ "$(stat -c %a "$T/home/k/rootfs/suid")" = 4755 ]
  # uid NoopID (0 = the caller), gid 43: the upper layer's owner replaced the lower one's
  [ "$(rootless_xattr "$T/home/k/rootfs/etc/shadow")" = 08ffffffff0f102b ]
  [ "$(rootless_xattr "$T/home/k/rootfs/home/u/.profile")" = 08e80710e807 ]
  [ "$(rootless_xattr "$T/home/k/rootfs/etc/passwd")" = - ]
  [ "$(stat -c %u "$T/home/k/config.json")" = "$uid" ]
  [ "$(jq -r '.linux.namespaces[] | select(.type == "user") | .type' "$T/home/k/config.json")" = user ]
  as_user rm -rf "$T/home/k"
  [ ! -e "$T/home/k" ]
}

@test "rootless: read-only entries are recorded, devices skipped, and the user can remove the bundle" {
  mklayer l1.tar <<'EOF2'
dir ./ mode=0755
dir ro mode=0555 uid=4 gid=4
dir ro/sub mode=0500
file ro/sub/f data=x mode=0400 uid=9 gid=9
file ro/f data=x mode=0444 uid=9 gid=9
file zero data=x mode=0000 uid=6 gid=6
char null major=1 minor=3 mode=0666
EOF2
  image l1.tar
  keel_unpack
  [[ "$output" == *"skipping device node \`null\` (1:3): not permitted"* ]]
  [ ! -e "$T/home/k/rootfs/null" ]
  [ "$(stat -c %a "$T/home/k/rootfs/ro")" = 755 ]
  [ "$(stat -c %a "$T/home/k/rootfs/ro/sub")" = 700 ]
  [ "$(stat -c %a "$T/home/k/rootfs/ro/f")" = 444 ]
  [ "$(stat -c %a "$T/home/k/rootfs/zero")" = 0 ]
  [ "$(rootless_xattr "$T/home/k/rootfs/ro")" = 08041004 ]
  [ "$(rootless_xattr "$T/home/k/rootfs/ro/sub/f")" = 08091009 ]
  [ "$(rootless_xattr "$T/home/k/rootfs/zero")" = 08061006 ]
  run as_user rm -rf "$T/home/k"
  [ "$status" -eq 0 ]
  [ ! -e "$T/home/k" ]
}
