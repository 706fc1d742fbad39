# Test images for the pull suites, built at test time from busybox-static with umoci, pushed with skopeo.

# seed_layout DIR: an OCI layout with tags
#   base      busybox, one layer (host architecture)
#   layers    base + two more layers (a multi-layer image sharing its first layer with base)
#   arm64     base + a layer, config saying linux/arm64/v8
#   multiarch a hand-made index of base (linux/amd64) and arm64 (linux/arm64/v8)
seed_layout() {
  local l=$1 work
  work=$(mktemp -d "${TMPDIR:-/dev/shm}/keel-seed.XXXXXX")
  umoci init --layout "$l"
  umoci new --image "$l:base"
  umoci unpack --rootless --image "$l:base" "$work/b" >/dev/null
  mkdir -p "$work/b/rootfs/bin"
  cp /bin/busybox "$work/b/rootfs/bin/busybox"
  ln -s busybox "$work/b/rootfs/bin/sh"
  umoci repack --image "$l:base" "$work/b"
  umoci config --image "$l:base" --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo hello from keel'
  seed_derive "$l" base layers "$work" "layer two" "layer three"
  seed_derive "$l" base arm64 "$work" "arm64"
  umoci config --image "$l:arm64" --architecture arm64
  seed_index "$l" multiarch "base:linux:amd64:" "arm64:linux:arm64:v8"
  rm -rf "$work"
}

# seed_derive LAYOUT FROM TO WORK TEXT...: TO = FROM plus one layer per TEXT (a file /layer-N holding it).
seed_derive() {
  local l=$1 from=$2 to=$3 work=$4 n=0
  shift 4
  umoci unpack --rootless --image "$l:$from" "$work/$to" >/dev/null
  umoci repack --image "$l:$to" "$work/$to" # same content: no new layer, just the tag
  for text in "$@"; do
    n=$((n + 1))
    printf '%s\n' "$text" >"$work/$to/rootfs/layer-$n"
    head -c $((100000 * n)) /dev/urandom >"$work/$to/rootfs/noise-$n"
    umoci repack --refresh-bundle --image "$l:$to" "$work/$to"
  done
}

# The descriptor of TAG in LAYOUT's index.json, without annotations.
seed_desc() {
  jq -c --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | del(.annotations)' "$1/index.json"
}

# seed_index LAYOUT TAG TAG:OS:ARCH:VARIANT...: an image index over existing tags, added as TAG.
seed_index() {
  local l=$1 tag=$2 entries="[]" spec t os arch variant desc idx hex
  shift 2
  for spec in "$@"; do
    IFS=: read -r t os arch variant <<<"$spec"
    desc=$(seed_desc "$l" "$t")
    entries=$(jq -c --argjson d "$desc" --arg os "$os" --arg arch "$arch" --arg v "$variant" \
      '. + [$d + {platform: ({os: $os, architecture: $arch} + (if $v == "" then {} else {variant: $v} end))}]' <<<"$entries")
  done
  idx=$(jq -c --argjson m "$entries" -n '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: $m}')
  printf '%s' "$idx" >"$l/idx.tmp"
  hex=$(sha256sum "$l/idx.tmp" | cut -d' ' -f1)
  mv "$l/idx.tmp" "$l/blobs/sha256/$hex"
  jq --arg hex "$hex" --arg t "$tag" --argjson size "$(stat -c %s "$l/blobs/sha256/$hex")" \
    '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: ("sha256:" + $hex), size: $size,
       annotations: {"org.opencontainers.image.ref.name": $t}}]' "$l/index.json" >"$l/index.json.new"
  mv "$l/index.json.new" "$l/index.json"
}

# seed_push LAYOUT TAG REPO:TAG [skopeo flags]: copy to the test registry.
seed_push() {
  local l=$1 tag=$2 dest=$3
  shift 3
  skopeo copy -q --dest-tls-verify=false "$@" "oci:$l:$tag" "docker://$REGISTRY/$dest" >/dev/null
}
