#!/usr/bin/env bash
# Pull/unpack benchmark (issue 9): keel's imagetool against skopeo + umoci and a curl | tar floor, markdown on stdout.
# Usage: imagetool.sh [BUILDDIR]   env: BENCH_IMG_RUNS (3), BENCH_FS ("/dev/shm /var/tmp"), BENCH_CACHE
# The image is a 3-layer Debian bookworm minbase (debootstrap, cached in BENCH_CACHE) served by a docker-registry
# on 127.0.0.1 whose storage is on tmpfs, so only the client side changes between the filesystems measured.
set -euo pipefail

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=$(cd "${1:-${KEEL_BUILDDIR:-.}}" && pwd)
IMAGETOOL=${IMAGETOOL:-$BUILDDIR/imagetool/imagetool}
APPLY=${APPLY_LAYERS:-$BUILDDIR/tests/imagetool/apply-layers}
RUNS=${BENCH_IMG_RUNS:-3}
CACHE=${BENCH_CACHE:-/var/tmp/keel-bench-cache}
GZ=application/vnd.oci.image.layer.v1.tar+gzip

[ "$(id -u)" = 0 ] || { echo "imagetool.sh: needs root" >&2; exit 1; }
for tool in "$IMAGETOOL" skopeo umoci hyperfine jq curl docker-registry debootstrap; do
  command -v "$tool" >/dev/null || { echo "imagetool.sh: $tool missing" >&2; exit 1; }
done
# shellcheck source=../../tests/lib/registry.bash
source "$SRCDIR/tests/lib/registry.bash"

log() { echo "imagetool.sh: $*" >&2; }
WORKS=()
cleanup() {
  registry_stop
  local w
  for w in "${WORKS[@]}"; do rm -rf "$w"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The minbase tree, once (a few minutes from the Debian mirror).
make_rootfs() {
  [ -d "$CACHE/rootfs" ] && return
  mkdir -p "$CACHE"
  rm -rf "$CACHE/rootfs.tmp"
  log "debootstrap --variant=minbase bookworm (cached in $CACHE)"
  debootstrap --variant=minbase bookworm "$CACHE/rootfs.tmp" http://deb.debian.org/debian >&2
  mv "$CACHE/rootfs.tmp" "$CACHE/rootfs"
}

# blob FILE MEDIA_TYPE: move FILE into the layout's blobs, print its descriptor.
blob() {
  local f=$1 mt=$2 hex size
  hex=$(sha256sum "$f" | cut -d' ' -f1)
  size=$(stat -c %s "$f")
  mv "$f" "$LAYOUT/blobs/sha256/$hex"
  jq -cn --arg mt "$mt" --arg d "sha256:$hex" --argjson s "$size" '{mediaType: $mt, digest: $d, size: $s}'
}

# An OCI layout by hand: /usr, then /var + /etc, then the rest (device nodes left out: the runtime makes /dev).
make_layout() {
  LAYOUT=$CACHE/layout
  [ -f "$LAYOUT/index.json" ] && return
  local tmp=$CACHE/layers.tmp diffs=() descs=() i cfg man
  rm -rf "$LAYOUT" "$tmp"
  mkdir -p "$LAYOUT/blobs/sha256" "$tmp"
  local -a sets=("usr" "var etc" "")
  for i in 0 1 2; do
    if [ -n "${sets[$i]}" ]; then
      # shellcheck disable=SC2086
      tar -C "$CACHE/rootfs" --numeric-owner -cf "$tmp/l$i.tar" ${sets[$i]}
    else
      tar -C "$CACHE/rootfs" --numeric-owner --exclude=./usr --exclude=./var --exclude=./etc \
        --exclude='./dev/*' -cf "$tmp/l$i.tar" .
    fi
    diffs+=("sha256:$(sha256sum "$tmp/l$i.tar" | cut -d' ' -f1)")
    gzip -6 -n "$tmp/l$i.tar"
    descs+=("$(blob "$tmp/l$i.tar.gz" $GZ)")
  done
  jq -n --args '{architecture: "amd64", os: "linux", config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/bash"]},
    rootfs: {type: "layers", diff_ids: $ARGS.positional}}' "${diffs[@]}" >"$tmp/config"
  cfg=$(blob "$tmp/config" application/vnd.oci.image.config.v1+json)
  printf '%s\n' "${descs[@]}" | jq -s --argjson c "$cfg" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: .}' >"$tmp/manifest"
  man=$(blob "$tmp/manifest" application/vnd.oci.image.manifest.v1+json)
  echo '{"imageLayoutVersion":"1.0.0"}' >"$LAYOUT/oci-layout"
  jq -n --argjson m "$man" '{schemaVersion: 2, manifests: [$m + {annotations: {"org.opencontainers.image.ref.name": "bookworm"}}]}' \
    >"$LAYOUT/index.json"
  rm -rf "$tmp"
}

# hyperfine_rows JSON PEER: markdown rows with the median ratio against the command named PEER.
hyperfine_rows() {
  jq -r --arg peer "$2" '
    (.results | map(select(.command == $peer)) | first | .median) as $p
    | .results[] | "| \(.command) | \(.median | . * 1000 | round / 1000) | \(.mean | . * 1000 | round / 1000) ± \(.stddev // 0 | . * 1000 | round / 1000) | \(if $p then (.median / $p | . * 100 | round / 100 | tostring) else "-" end) |"' "$1"
}

table() {
  echo "| command | median s | mean ± sd s | median / $2 |"
  echo "|---|---|---|---|"
  hyperfine_rows "$1" "$2"
}

# cpu_ms PREPARE CMD: the median task-clock (ms) of 5 runs of CMD, each after PREPARE.
cpu_ms() {
  local i
  for i in 1 2 3 4 5; do
    sh -c "$1"
    perf stat -x, -e task-clock sh -c "exec $2" 2>&1 >/dev/null | awk -F, '/task-clock/ { printf "%.0f\n", $1 }'
  done | sort -n | sed -n 3p
}

# bench_fs DIR: every figure with the client's files under DIR.
bench_fs() {
  local base=$1 w img=$REGISTRY/bench/debian:bookworm floor keel_pull keel_unpack keel_apply apply_args=() i
  w=$(mktemp -d "$base/keel-bench-img.XXXXXX")
  WORKS+=("$w")
  local fs
  fs="$(df --output=fstype "$w" | tail -n 1) ($(df --output=source "$w" | tail -n 1) at $(df --output=target "$w" | tail -n 1))"
  floor="mkdir $w/floor"
  for i in "${LAYERS[@]}"; do
    floor+=" && curl -sf http://$REGISTRY/v2/bench/debian/blobs/$i | tar -xz -C $w/floor"
  done
  for i in "${!LAYERS[@]}"; do
    apply_args+=(--diff-id "${DIFFS[$i]}" --media-type $GZ "$w/store/blobs/sha256/${LAYERS[$i]#sha256:}")
  done
  keel_pull="$IMAGETOOL --store $w/store pull --quiet --tls-verify=false $img"
  keel_apply="$APPLY $w/keel-bundle/rootfs ${apply_args[*]}"
  keel_unpack="$IMAGETOOL --store $w/store unpack $img $w/keel-bundle"
  echo "#### client files on $fs"
  echo
  echo "Pull + unpack into a fresh bundle ($RUNS runs, caches dropped from the store between runs):"
  echo
  hyperfine --style none --runs "$RUNS" --export-json "$w/pull.json" \
    --prepare "rm -rf $w/oci $w/umoci-bundle $w/floor $w/store $w/keel-bundle; sync" \
    -n "skopeo+umoci" "skopeo copy --quiet --src-tls-verify=false docker://$img oci:$w/oci:t && umoci unpack --image $w/oci:t $w/umoci-bundle" \
    -n "skopeo copy" "skopeo copy --quiet --src-tls-verify=false docker://$img oci:$w/oci:t" \
    -n "floor (curl, tar xz per layer)" "$floor" \
    -n "keel pull REF BUNDLE" "$keel_pull $w/keel-bundle" \
    -n "keel pull" "$keel_pull" >/dev/null
  table "$w/pull.json" "skopeo+umoci"
  echo
  echo "Ratios against the floor: $(jq -r '(.results | map(select(.command | startswith("floor"))) | first | .median) as $f
    | [.results[] | "\(.command) \(.median / $f | . * 100 | round / 100)"] | join(", ")' "$w/pull.json")"
  echo
  # Already pulled: both stores filled once, then only the unpack is timed. The snapshot rows: "cold" makes
  # the snapshot (extract, digest, then compose), "warm" composes from the snapshot made by the row before.
  rm -rf "$w/oci" "$w/store"
  skopeo copy --quiet --src-tls-verify=false "docker://$img" "oci:$w/oci:t" >&2
  $keel_pull >/dev/null
  local clean="rm -rf $w/umoci-bundle $w/keel-bundle; sync" nosnap="rm -rf $w/store/.keel/snapshots"
  echo "Unpack of an already-pulled image into a new bundle ($RUNS runs; \`imagetool unpack REF BUNDLE\`):"
  echo
  hyperfine --style none --runs "$RUNS" --export-json "$w/unpack.json" \
    --prepare "$clean" -n "umoci unpack" "umoci unpack --image $w/oci:t $w/umoci-bundle" \
    --prepare "$clean" -n "keel unpack" "$keel_unpack" \
    --prepare "$clean; mkdir -p $w/keel-bundle/rootfs" -n "keel apply-layers" "$keel_apply" \
    --prepare "$clean; $nosnap" -n "keel unpack --snapshot, cold" "$keel_unpack --snapshot" \
    --prepare "$clean" -n "keel unpack --snapshot (auto), warm" "$keel_unpack --snapshot" \
    --prepare "$clean" -n "keel unpack --snapshot=copy, warm" "$keel_unpack --snapshot=copy" \
    --prepare "$clean" -n "keel unpack --snapshot=hardlink, warm" "$keel_unpack --snapshot=hardlink" >/dev/null
  table "$w/unpack.json" "umoci unpack"
  echo
  echo "Reflink (FICLONE) here: $(if $keel_unpack.reflink --snapshot=reflink >/dev/null 2>&1; then echo yes; else echo no; fi)."
  rm -rf "$w/keel-bundle.reflink"
  if command -v perf >/dev/null; then
    echo
    echo "CPU time of one unpack (\`perf stat -e task-clock\`, median of 5; wall time on a busy machine is mostly waiting for a CPU):"
    echo
    echo "| command | median CPU ms |"
    echo "|---|---|"
    echo "| umoci unpack | $(cpu_ms "$clean" "umoci unpack --image $w/oci:t $w/umoci-bundle") |"
    echo "| keel unpack | $(cpu_ms "$clean" "$keel_unpack") |"
    local m
    for m in auto copy hardlink; do
      echo "| keel unpack --snapshot=$m, warm | $(cpu_ms "$clean" "$keel_unpack --snapshot=$m") |"
    done
  fi
  echo "Entries in keel's rootfs: $(find "$w/keel-bundle/rootfs" -mindepth 1 | wc -l) (source tree: $NFILES)."
  echo
  rm -rf "$w"
}

make_rootfs
make_layout
registry_start
skopeo copy --quiet --dest-tls-verify=false "oci:$LAYOUT:bookworm" "docker://$REGISTRY/bench/debian:bookworm" >&2
MANIFEST=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$LAYOUT/index.json")
mapfile -t LAYERS < <(jq -r '.layers[].digest' "$LAYOUT/blobs/sha256/$MANIFEST")
CONFIG=$(jq -r '.config.digest | sub("sha256:"; "")' "$LAYOUT/blobs/sha256/$MANIFEST")
mapfile -t DIFFS < <(jq -r '.rootfs.diff_ids[]' "$LAYOUT/blobs/sha256/$CONFIG")
size=$(jq '[.layers[].size] | add' "$LAYOUT/blobs/sha256/$MANIFEST")
NFILES=$(find "$CACHE/rootfs" -mindepth 1 -not -path "$CACHE/rootfs/dev/*" | wc -l)

echo "### imagetool pull and unpack"
echo
echo "- image: Debian bookworm minbase (debootstrap), 3 gzip layers (/usr; /var + /etc; the rest), $((size / 1000000)) MB compressed, $NFILES entries; docker-registry $(dpkg-query -W -f '${Version}' docker-registry) on $REGISTRY, storage on tmpfs"
echo "- peers: skopeo $(skopeo --version | awk '{print $3}'), umoci $(umoci --version | awk '{print $3}'); floor: \`curl -sf BLOB_URL | tar -xz -C ROOTFS\` per layer, in order"
echo "- keel: \`imagetool pull REF BUNDLE\`, \`imagetool unpack [--snapshot[=MODE]] REF BUNDLE\` (bundle with config.json), and the libunpack test driver \`tests/imagetool/apply-layers ROOTFS --diff-id D --media-type T BLOB...\` (layers only, for comparison with earlier runs)"
echo
for fsdir in ${BENCH_FS:-/dev/shm /var/tmp}; do
  bench_fs "$fsdir"
done
