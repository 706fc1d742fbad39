#!/usr/bin/env bats
# Differential check: the same bundle run by runtime and by the reference runtime must give the same
# `payload report`, minus what names the container (ids, pids, namespace inodes, fd pipe inodes, cgroup paths).
# The reference is KEEL_DIFF_REF (a runtime name or path) when set, else crun where it runs (cgroup v2, pure v1)
# and runc on a hybrid host whose cgroup2 holds controllers (crun 1.8 refuses those): tests/vm/crun.vmbats runs
# this file in the cgroup v2 VM against crun.

load helpers

setup() {
  skip_unless_root
  skip_unless_tools jq
  REF=${KEEL_DIFF_REF:-$(reference_runtime)}
  [ -n "$REF" ] && command -v "$REF" >/dev/null 2>&1 || skip "reference runtime ${KEEL_DIFF_REF:-runc} not installed"
  REF=$(command -v "$REF")
  REF_NAME=$(basename "$REF")
  TMP=$(keel_mktemp)
  ID_REF="keel-diff-ref-$BATS_TEST_NUMBER-$$"
  ID_KEEL="keel-diff-keel-$BATS_TEST_NUMBER-$$"
  make_bundle "$TMP/bundle"
  B=$KEEL_BUNDLE
}

teardown() {
  keel_cleanup_container "${ID_KEEL:-}"
  [ -z "${REF:-}" ] || "$REF" delete -f "${ID_REF:-}" >/dev/null 2>&1 || true
  [ -n "${TMP:-}" ] && rm -rf "$TMP"
  return 0
}

# Differences known and reported (not about the container's identity), left out until they are settled:
# - the cgroup mounts under /sys/fs/cgroup: runc keeps the tmpfs rw and mounts no cgroup2 at
#   /sys/fs/cgroup/unified on a hybrid host, runtime makes the tmpfs ro and mounts it;
normalise_report() {
  grep -v -E '^(ns\.|fd\.|pid=|ppid=|cgroup\.)' "$1" |
    grep -v -E '^mount=/sys/fs/cgroup[ /]'
}

# crun and runc differ on these; runtime does as runc (so the host's runc comparison checks them) and the lines
# are reduced to what crun and runc agree on:
# - the rootfs mount's propagation: crun makes / private, runc (and runtime) rslave when rootfsPropagation is unset;
# - sysfs and the tmpfs over masked directories: crun mounts them rw and then remounts the mount ro, runc passes
#   MS_RDONLY to mount(2), so the superblock is ro too (the mount's own options are ro with both);
# - masked files: crun binds the host's /dev/null read-only, runc the container's /dev/null as it is;
# - /dev/null's owner: crun gives the container's /dev/null to process.user when stdin is /dev/null;
# - the order of the mounts: crun applies maskedPaths before readonlyPaths, runc (and runtime) the reverse, so
#   the mount lines (one contiguous block in the report) are compared sorted;
# - readonlyPaths under /proc: with podman's config crun 1.8 remounts the binds ro without the nosuid, nodev and
#   noexec of the proc mount below, runc (and runtime) keep them; the three flags are left out of those lines.
normalise_crun_runc() {
  local report
  report=$(cat)
  {
    printf '%s\n' "$report" | sed -n '1,/^mount=/p' | grep -v '^mount='
    printf '%s\n' "$report" | grep '^mount=' | LC_ALL=C sort
    printf '%s\n' "$report" | sed -n '/^mount=/,$p' | grep -v '^mount='
  } | sed -E -e 's#^(mount=/ .*) propagation=[a-z]+$#\1#' \
    -e 's#^(mount=[^ ]+ root=/ fstype=(sysfs|tmpfs) source=[a-z]+ options=ro,[^ ]*) super=[^ ]*#\1#' \
    -e 's#^(mount=[^ ]+ root=/null) .*#\1 (masked)#' \
    -e 's#^(dev=/dev/null .*) uid=[0-9]+ gid=[0-9]+$#\1#' \
    -e '/^mount=\/proc\/[^ ]+ root=\/[^ ]+ fstype=proc /s#,(nosuid|nodev|noexec)##g'
}

# normalise FILE: the report without the known differences above (crun's only when the reference is crun).
normalise() {
  if [ "$REF_NAME" = crun ]; then
    normalise_report "$1" | normalise_crun_runc
  else
    normalise_report "$1"
  fi
}

# compare_reports: payload report run by both runtimes from the same bundle, stdin from /dev/null.
compare_reports() {
  bundle_set "$B" '.process.args = ["payload", "report"] | .process.terminal = false'
  "$REF" run -b "$B" "$ID_REF" </dev/null >"$TMP/report.ref" 2>"$TMP/stderr.ref" || {
    echo "$REF run failed: $(cat "$TMP/stderr.ref")"
    return 1
  }
  "$RUNTIME" run -b "$B" "$ID_KEEL" </dev/null >"$TMP/report.keel" 2>"$TMP/stderr.keel" || {
    echo "runtime run failed: $(cat "$TMP/stderr.keel")"
    return 1
  }
  normalise "$TMP/report.ref" >"$TMP/norm.ref"
  normalise "$TMP/report.keel" >"$TMP/norm.keel"
  # the report is not empty: every section made it
  [ "$(grep -c '^section=' "$TMP/norm.keel")" -ge 15 ]
  diff -u --label "$REF_NAME" --label runtime "$TMP/norm.ref" "$TMP/norm.keel"
}

@test "differential: the reference runtime's spec default config.json gives the same payload report with both" {
  rm "$B/config.json"
  (cd "$B" && "$REF" spec)
  compare_reports
}

@test "differential: runtime spec's default config.json gives the same payload report with both" {
  rm "$B/config.json"
  (cd "$B" && "$RUNTIME" spec)
  # crun 1.8 refuses any ociVersion but 1.0.x ("unknown version specified"); runtime writes 1.2.0.
  [ "$REF_NAME" != crun ] || bundle_set "$B" '.ociVersion = "1.0.2"'
  compare_reports
}

@test "differential: a non-root user with rlimits, capabilities and a cwd gives the same report" {
  rm "$B/config.json"
  (cd "$B" && "$REF" spec)
  bundle_set "$B" '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 7]} | .process.cwd = "/tmp"
    | .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 1024}, {type: "RLIMIT_NPROC", soft: 100, hard: 200}]
    | .process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}
    | .process.noNewPrivileges = true | .process.env += ["HOME=/home/user"] | .hostname = "diff"'
  compare_reports
}

# podman-config.json: the config.json podman 4.3 wrote into its bundle for `podman create --network none`
# (podman's default seccomp profile, capabilities, masked/readonly paths, rlimits from containers.conf), with
# the bind mounts of podman's own files (hosts, hostname, .containerenv, shm) and the cgroupsPath removed.
@test "differential: a config.json captured from podman's bundle gives the same report" {
  cp "$BATS_TEST_DIRNAME/podman-config.json" "$B/config.json"
  compare_reports
  grep -qx 'Seccomp=2' "$TMP/report.keel"
  grep -qx 'RLIMIT_NOFILE.soft=1024' "$TMP/report.keel"
}
