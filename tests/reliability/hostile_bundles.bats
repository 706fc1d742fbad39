#!/usr/bin/env bats
# Hostile bundles: every bad config.json in hostile_bundles.cases (and the raw/rootfs cases below) makes
# `runtime create` exit 1 naming config.json and the JSON path (or the object at fault), and leaves
# nothing: the private state root, cgroups named after the ids, mounts and processes involving the bundle
# are listed before and after each case and must be identical.

load ../runtime/helpers

setup() {
  runtime_setup
  STATE="$TMP/state"
  mkdir -p "$STATE"
  bundle_set "$B" '.process.args = ["true"]'
  cp "$B/config.json" "$TMP/default.json"
  N=0
}

teardown() {
  local id
  for id in $(ls "$STATE" 2>/dev/null); do "$RUNTIME" --root "$STATE" delete -f "$id" >/dev/null 2>&1; done
  runtime_teardown
}

# What a failed create could leak, for the ids of this test and this bundle.
snapshot() {
  ls -A "$STATE"
  find /sys/fs/cgroup/"$KEEL_CGROUP_PARENT" /sys/fs/cgroup/*/"$KEEL_CGROUP_PARENT" -name "$ID-*" 2>/dev/null
  grep -F "$TMP" /proc/self/mountinfo
  # processes naming the bundle, or (unless rootfs is a symlink, maybe to /) rooted in it
  pgrep -af -- "$TMP"
  [ -L "$B/rootfs" ] || find -L /proc/[0-9]*/root -maxdepth 0 -samefile "$B/rootfs" 2>/dev/null
  return 0
}

# try_create WANT: create must exit 1 with `runtime: create ID: ` and WANT in its message, leaving nothing.
# stdio goes to files: a container that was wrongly created would hold a pipe open until it dies.
try_create() {
  local want=$1 id="$ID-$((++N))" before after out rc=0
  before=$(snapshot)
  timeout 60 "$RUNTIME" --root "$STATE" create -b "$B" "$id" </dev/null >"$TMP/out" 2>&1 || rc=$?
  out=$(cat "$TMP/out")
  after=$(snapshot)
  if [ "$rc" != 1 ] || [[ "$out" != "runtime: create $id: "*"$want"* ]] || [ "$before" != "$after" ]; then
    echo "case $N: exit $rc, wanted \`$want\` in: ${out:0:400}"
    diff <(echo "$before") <(echo "$after") || true
    "$RUNTIME" --root "$STATE" delete -f "$id" >/dev/null 2>&1
    return 1
  fi
}

# Every case of SECTION ("# SECTION" up to the next "# " line) of hostile_bundles.cases; counts them in $CASES.
run_section() {
  local section=$1 in=0 expr want failed=0
  CASES=0
  while IFS=$'\t' read -r expr want; do
    if [[ "$expr" == "# "* ]]; then
      [ "$expr" = "# $section" ] && in=1 || in=0
      continue
    fi
    [ "$in" = 1 ] && [ -n "$expr" ] || continue
    CASES=$((CASES + 1))
    jq "$expr" "$TMP/default.json" >"$B/config.json" || { echo "jq failed: $expr"; failed=1; continue; }
    [[ "$want" == .* ]] && want="config.json: $want"
    try_create "$want" || { echo "  jq: $expr"; failed=1; }
  done <"$BATS_TEST_DIRNAME/hostile_bundles.cases"
  echo "$section: $CASES cases"
  [ "$CASES" -gt 0 ] && [ "$failed" = 0 ]
}

@test "hostile bundles: wrong types" { run_section "wrong types"; }
@test "hostile bundles: huge arrays and strings" { run_section "huge arrays and strings"; }
@test "hostile bundles: invalid paths" { run_section "invalid paths"; }
@test "hostile bundles: impossible mounts" { run_section "impossible mounts"; }
@test "hostile bundles: bad seccomp rules" { run_section "bad seccomp rules"; }
@test "hostile bundles: rootfs" { run_section "rootfs"; }
@test "hostile bundles: strings with a NUL character" { run_section "strings with a NUL character"; }

@test "hostile bundles: not JSON, truncated, not an object, deeply nested, a directory, a symlink" {
  local full
  full=$(cat "$TMP/default.json")
  printf '' >"$B/config.json"
  try_create "config.json"
  printf '%s' "${full:0:200}" >"$B/config.json"
  try_create "config.json: "
  echo '[1, 2, 3]' >"$B/config.json"
  try_create "config.json"
  head -c 4096 /dev/urandom >"$B/config.json"
  try_create "config.json"
  # 100000 nested arrays: the parser must not recurse off the stack
  python3 -c 'print("{\"ociVersion\": \"1.2.0\", \"x\": " + "[" * 100000 + "]" * 100000 + "}")' >"$B/config.json"
  try_create "config.json"
  rm "$B/config.json" && mkdir "$B/config.json"
  try_create "config.json"
  rmdir "$B/config.json" && ln -s /etc/shadow "$B/config.json"
  try_create "config.json"
}

@test "hostile bundles: rootfs missing, a file, a symlink out of the bundle, a dangling symlink" {
  cp "$TMP/default.json" "$B/config.json"
  mv "$B/rootfs" "$TMP/real-rootfs"
  try_create ".root.path"
  touch "$B/rootfs"
  try_create ".root.path"
  rm "$B/rootfs" && ln -s /no/such/dir "$B/rootfs"
  try_create ".root.path"
  # A rootfs symlinked to the host's / or climbing out of the bundle is refused, not followed.
  rm "$B/rootfs" && ln -s / "$B/rootfs"
  try_create "config.json: .root.path: \`$B/rootfs\` is the host's root directory \`/\`: refused"
  rm "$B/rootfs" && ln -s ../../../../../../.. "$B/rootfs"
  try_create "config.json: .root.path: \`$B/rootfs\` is the host's root directory"
  # Like runc, any symlink on the way is refused, even to a real rootfs, even inside the bundle.
  rm "$B/rootfs" && ln -s "$TMP/real-rootfs" "$B/rootfs"
  try_create "config.json: .root.path: \`$B/rootfs\` goes through a symlink (it resolves to \`$TMP/real-rootfs\`)"
  mv "$TMP/real-rootfs" "$B/real" && ln -sfn real "$B/rootfs"
  try_create "goes through a symlink"
  ln -s "$B" "$TMP/bundle-link"
  jq --arg r "$TMP/bundle-link/real" '.root.path = $r' "$TMP/default.json" >"$B/config.json"
  try_create "config.json: .root.path: \`$TMP/bundle-link/real\` goes through a symlink"
}

@test "rootfs: a path with . and .. but no symlink is followed, as runc does" {
  mkdir "$B/sub"
  bundle_set "$B" '.root.path = "sub/./../rootfs/" | .process.args = ["true"]'
  "$RUNTIME" --root "$STATE" run -b "$B" "$ID-dots" </dev/null >"$TMP/out" 2>&1 || { cat "$TMP/out"; false; }
  jq --arg r "$B//sub/../rootfs" '.root.path = $r' "$B/config.json" >"$TMP/c" && mv "$TMP/c" "$B/config.json"
  "$RUNTIME" --root "$STATE" run -b "$B" "$ID-abs" </dev/null >"$TMP/out" 2>&1 || { cat "$TMP/out"; false; }
}
