# Helpers for the layer suites: tar layers crafted with python3 tarfile, a canary outside the rootfs, tree listings.
load ../lib/common.bash

APPLY="${KEEL_APPLY_LAYERS:-$KEEL_BUILDDIR/tests/imagetool/apply-layers}"
MKLAYER="$KEEL_SRCDIR/tests/imagetool/mklayer.py"
LSTREE="$KEEL_SRCDIR/tests/imagetool/lstree.py"

# T: scratch dir; R: the rootfs; $T/layers: the layers; $T/outside/canary must never change.
layer_setup() {
  T=$(keel_mktemp)
  R="$T/rootfs"
  mkdir -p "$T/layers" "$T/outside/dir"
  echo canary >"$T/outside/canary"
  chmod 0600 "$T/outside/canary"
  touch -d @1000000000 "$T/outside/canary" "$T/outside/dir"
  canary_before=$(canary_state)
}

layer_teardown() {
  [ -z "${T:-}" ] || rm -rf "$T"
}

# Everything in $T except the rootfs and the layers: names, types, modes, owners, sizes, mtimes, contents.
canary_state() {
  (cd "$T" && find . -mindepth 1 \( -path ./rootfs -o -path ./layers -o -path ./golden \) -prune -o -print0 | sort -z |
    xargs -0 stat -c '%n %F %a %u:%g %s %Y %h' && sha256sum outside/canary)
}

assert_canary() {
  local now
  now=$(canary_state)
  if [ "$now" != "$canary_before" ]; then
    echo "outside the rootfs changed:"
    diff <(echo "$canary_before") <(echo "$now") || true
    return 1
  fi
}

# mklayer NAME.tar[.gz|.zst] < description (see mklayer.py)
mklayer() {
  python3 "$MKLAYER" "$T/layers/$1"
}

# apply [OPTIONS] LAYER... onto $R; layers are names under $T/layers.
apply() {
  local args=() a
  for a in "$@"; do
    if [ -f "$T/layers/$a" ]; then args+=("$T/layers/$a"); else args+=("$a"); fi
  done
  run "$APPLY" "$R" "${args[@]}"
}

lstree() {
  python3 "$LSTREE" "$1"
}

diff_id() {
  case "$1" in
    *.gz) gzip -dc "$T/layers/$1" ;;
    *.zst) zstd -qdc "$T/layers/$1" ;;
    *) cat "$T/layers/$1" ;;
  esac | sha256sum | sed 's/^\([0-9a-f]*\).*/sha256:\1/'
}

# xattr PATH KEY: the value (hex with --hex), not following a final symlink.
xattr() {
  python3 -c 'import os,sys
v = os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False)
print(v.hex() if len(sys.argv) > 3 else v.decode())' "$@"
}

# oci_layout DIR LAYER...: an OCI image layout holding the layers under $T/layers, tagged "t".
oci_layout() {
  local dir=$1 l f hex mt layers="[]" diff_ids="[]" cfg man
  shift
  mkdir -p "$dir/blobs/sha256"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  for l in "$@"; do
    f="$T/layers/$l"
    hex=$(sha256sum <"$f" | cut -c1-64)
    cp "$f" "$dir/blobs/sha256/$hex"
    case "$l" in
      *.gz) mt=application/vnd.oci.image.layer.v1.tar+gzip ;;
      *.zst) mt=application/vnd.oci.image.layer.v1.tar+zstd ;;
      *) mt=application/vnd.oci.image.layer.v1.tar ;;
    esac
    layers=$(jq -c --arg mt "$mt" --arg d "sha256:$hex" --argjson s "$(stat -c %s "$f")" \
      '. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$layers")
    diff_ids=$(jq -c --arg d "$(diff_id "$l")" '. + [$d]' <<<"$diff_ids")
  done
  cfg=$(jq -c -n --argjson d "$diff_ids" \
    '{architecture: "amd64", os: "linux", config: {Cmd: ["/bin/sh"]}, rootfs: {type: "layers", diff_ids: $d}}')
  blob_put "$dir" "$cfg"
  man=$(jq -c -n --arg c "sha256:$blob_hex" --argjson s "$blob_size" --argjson l "$layers" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $s}, layers: $l}')
  blob_put "$dir" "$man"
  jq -n --arg m "sha256:$blob_hex" --argjson s "$blob_size" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $s,
      annotations: {"org.opencontainers.image.ref.name": "t"}}]}' >"$dir/index.json"
}

# blob_put DIR TEXT: store TEXT as a blob; sets blob_hex and blob_size.
blob_put() {
  printf '%s' "$2" >"$1/blob.tmp"
  blob_hex=$(sha256sum <"$1/blob.tmp" | cut -c1-64)
  blob_size=$(stat -c %s "$1/blob.tmp")
  mv "$1/blob.tmp" "$1/blobs/sha256/$blob_hex"
}
