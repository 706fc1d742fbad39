#!/usr/bin/env bats
# imagetool import / export: docker-archive and oci-archive files made by skopeo, read back by skopeo,
# round trips to equal trees, and bad archives (missing blob, wrong digest, path escape, truncated,
# lying diff_id) refused by name with the store left as it was.

load ../lib/common
load seed

LSTREE="$KEEL_SRCDIR/tests/imagetool/lstree.py"

setup_file() {
  export SEED_DIR
  SEED_DIR=$(mktemp -d "${TMPDIR:-/dev/shm}/keel-archive.XXXXXX")
  seed_layout "$SEED_DIR/l" >/dev/null
  skopeo copy -q oci:"$SEED_DIR/l":layers oci-archive:"$SEED_DIR/o.tar":example.com/x/layers:v1
  skopeo copy -q oci:"$SEED_DIR/l":layers docker-archive:"$SEED_DIR/d.tar":example.com/x/dlayers:v2
  skopeo copy -q oci:"$SEED_DIR/l":base oci-archive:"$SEED_DIR/noname.tar"
}

teardown_file() {
  rm -rf "$SEED_DIR"
}

setup() {
  T=$(keel_mktemp)
  STORE="$T/store"
}

teardown() {
  rm -rf "$T"
}

it() {
  "$IMAGETOOL" --store "$STORE" "$@"
}

# The tree unpack makes of REF (names, types, modes, owners, sizes, links, contents).
tree_of() {
  rm -rf "$T/b"
  "$IMAGETOOL" --store "${2:-$STORE}" unpack "$1" "$T/b" >/dev/null
  python3 "$LSTREE" "$T/b/rootfs"
}

# Everything in the store: names, sizes, and index.json's content.
store_state() {
  (cd "$STORE" && find . -print0 | sort -z | xargs -0 stat -c '%n %F %s' && sha256sum index.json)
}

# edit_archive IN OUT CMD: unpack IN into a dir, run CMD there, tar it up again as OUT.
edit_archive() {
  local d="$T/edit"
  rm -rf "$d" && mkdir -p "$d"
  tar -xf "$1" -C "$d"
  (cd "$d" && eval "$3")
  tar -cf "$2" -C "$d" .
}

# The first layer blob of the oci-archive's manifest.
first_layer() {
  local m
  m=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' index.json)
  jq -r '.layers[0].digest | sub("sha256:"; "")' "blobs/sha256/$m"
}

@test "import: skopeo's oci-archive and docker-archive under their own names; blobs verified; same tree" {
  run it import "$SEED_DIR/o.tar"
  [ "$status" -eq 0 ]
  [ "$output" = example.com/x/layers:v1 ]
  run it import "$SEED_DIR/d.tar"
  [ "$status" -eq 0 ]
  [ "$output" = example.com/x/dlayers:v2 ]
  run it fsck
  [ "$status" -eq 0 ]
  # the oci-archive's manifest is kept as is; the docker-archive gets a Docker schema2 manifest
  [ "$(it inspect --raw example.com/x/layers:v1 | sha256sum | cut -c1-64)" = \
    "$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "layers") | .digest | sub("sha256:"; "")' "$SEED_DIR/l/index.json")" ]
  [ "$(it inspect --raw example.com/x/dlayers:v2 | jq -r .mediaType)" = application/vnd.docker.distribution.manifest.v2+json ]
  [ "$(tree_of example.com/x/layers:v1)" = "$(tree_of example.com/x/dlayers:v2)" ]
  # nothing staged is left behind
  [ -z "$(find "$STORE/.keel" -name 'import-*')" ]
}

@test "import: REF names the image; an archive without names needs it; - reads standard input" {
  run it import "$SEED_DIR/noname.tar"
  [ "$status" -ne 0 ]
  [[ "$output" == *"noname.tar"*"has no org.opencontainers.image.ref.name annotation: name it on the command line"* ]]
  run it import "$SEED_DIR/noname.tar" my/base:1
  [ "$status" -eq 0 ]
  [ "$output" = docker.io/my/base:1 ]
  run it import "$SEED_DIR/d.tar" other
  [ "$output" = docker.io/library/other:latest ]
  # from standard input, compressed
  run bash -c 'gzip -c "$1" | "$2" --store "$3" import - from/stdin' _ "$SEED_DIR/d.tar" "$IMAGETOOL" "$STORE"
  [ "$status" -eq 0 ]
  [ "$output" = docker.io/from/stdin:latest ]
  run it images
  [[ "$output" == *docker.io/my/base:1* && "$output" == *docker.io/library/other:latest* ]]
  [[ "$output" != *dlayers* ]]
}

@test "export: oci-archive and docker-archive read back by skopeo; export -> import -> unpack gives the same tree" {
  local s2="$T/store2" digest
  it import "$SEED_DIR/o.tar"
  digest=$(it inspect --raw example.com/x/layers:v1 | sha256sum | sed 's/^/sha256:/; s/ .*//')
  run it export example.com/x/layers:v1 "$T/e.oci.tar"
  [ "$status" -eq 0 ]
  run it export --format docker-archive example.com/x/layers:v1 "$T/e.docker.tar"
  [ "$status" -eq 0 ]
  [ "$(skopeo inspect oci-archive:"$T/e.oci.tar":example.com/x/layers:v1 | jq -r .Digest)" = "$digest" ]
  [ "$(skopeo inspect --config docker-archive:"$T/e.docker.tar" | jq -c .rootfs.diff_ids)" = \
    "$(it inspect --config example.com/x/layers:v1 | jq -c .rootfs.diff_ids)" ]
  [ "$(tar -xOf "$T/e.docker.tar" manifest.json | jq -c '.[0].RepoTags')" = '["example.com/x/layers:v1"]' ]
  # skopeo can copy both back out into a layout
  skopeo copy -q docker-archive:"$T/e.docker.tar" oci:"$T/back":d
  skopeo copy -q oci-archive:"$T/e.oci.tar" oci:"$T/back":o
  # the same image bytes give the same archive bytes, also on standard output
  it export example.com/x/layers:v1 "$T/again.tar"
  cmp "$T/e.oci.tar" "$T/again.tar"
  it export --format docker-archive example.com/x/layers:v1 - | cmp - "$T/e.docker.tar"
  "$IMAGETOOL" --store "$s2" import "$T/e.oci.tar" r/oci
  "$IMAGETOOL" --store "$s2" import "$T/e.docker.tar" r/docker
  [ "$("$IMAGETOOL" --store "$s2" inspect --raw r/oci | sha256sum | sed 's/^/sha256:/; s/ .*//')" = "$digest" ]
  local want
  want=$(tree_of example.com/x/layers:v1)
  [ "$(tree_of r/oci "$s2")" = "$want" ]
  [ "$(tree_of r/docker "$s2")" = "$want" ]
}

@test "export: an index keeps the platforms in the store; docker-archive takes one (--platform)" {
  skopeo copy -q --all oci:"$SEED_DIR/l":multiarch oci-archive:"$T/multi.tar":m/multi:1
  it import "$T/multi.tar"
  run it export m/multi:1 "$T/m.oci.tar"
  [ "$status" -eq 0 ]
  [ "$(skopeo inspect --raw oci-archive:"$T/m.oci.tar" | jq -r .mediaType)" = application/vnd.oci.image.index.v1+json ]
  run it export --format docker-archive --platform linux/arm64 m/multi:1 "$T/m.docker.tar"
  [ "$status" -eq 0 ]
  [ "$(skopeo inspect --config docker-archive:"$T/m.docker.tar" | jq -r .architecture)" = arm64 ]
  # a platform whose manifest the store lacks (as after a single-platform pull) is left out, not an error
  local arm
  arm=$(it inspect --raw m/multi:1 | jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest')
  rm "$STORE/blobs/sha256/${arm#sha256:}"
  run it export m/multi:1 "$T/m2.oci.tar"
  [ "$status" -eq 0 ]
  ! tar -tf "$T/m2.oci.tar" | grep -q "${arm#sha256:}" || false
  [ "$(skopeo inspect oci-archive:"$T/m2.oci.tar" | jq -r .Architecture)" = amd64 ]
  run it import "$T/m2.oci.tar" m/again
  [ "$status" -eq 0 ]
}

@test "export: errors name the image, the format or the file, and leave no file behind" {
  it import "$SEED_DIR/o.tar"
  run it export nosuch "$T/x.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *'no image "docker.io/library/nosuch:latest" in the store'* ]]
  run it export --format zip example.com/x/layers:v1 "$T/x.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *'unknown archive format "zip"'* ]]
  run it export example.com/x/layers:v1 "$T/missing-dir/x.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing-dir/x.tar.tmp-"* ]]
  # a layer gone from the store: no archive, no temporary file
  rm "$STORE/blobs/sha256/$(it inspect --raw example.com/x/layers:v1 | jq -r '.layers[1].digest | sub("sha256:"; "")')"
  run it export --format docker-archive example.com/x/layers:v1 "$T/x.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *"layer 2 (sha256:"*") is not in the store"* ]]
  run it export example.com/x/layers:v1 "$T/x.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *"is not in the store"* ]]
  [ -z "$(ls "$T" | grep x.tar)" ]
}

# bad_import FILE PATTERN: import fails naming FILE and PATTERN; the store is as it was.
bad_import() {
  local before
  before=$(store_state)
  run it import "$1"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"\`$1\`"*"$2"* ]]
  [ "$(store_state)" = "$before" ]
}

@test "import: bad archives are refused by name and leave the store unchanged" {
  it import "$SEED_DIR/noname.tar" keep/me # the store holds something already
  edit_archive "$SEED_DIR/o.tar" "$T/missing.tar" 'rm "blobs/sha256/$(first_layer)"'
  bad_import "$T/missing.tar" "missing blob sha256:"
  edit_archive "$SEED_DIR/o.tar" "$T/corrupt.tar" 'l=blobs/sha256/$(first_layer); head -c 1000 /dev/urandom >"$l.x"; cat "$l" >>"$l.x"; mv "$l.x" "$l"'
  bad_import "$T/corrupt.tar" "more than the expected"
  edit_archive "$SEED_DIR/o.tar" "$T/flipped.tar" 'l=blobs/sha256/$(first_layer); printf "\\x00" | dd of="$l" bs=1 seek=100 conv=notrunc status=none'
  bad_import "$T/flipped.tar" "digest mismatch: expected sha256:"
  head -c 700000 "$SEED_DIR/o.tar" >"$T/truncated.tar"
  bad_import "$T/truncated.tar" "runcated"
  cp "$SEED_DIR/o.tar" "$T/escape.tar"
  python3 -c 'import io, sys, tarfile
t = tarfile.open(sys.argv[1], "a")
i = tarfile.TarInfo("../../escape"); i.size = 1
t.addfile(i, io.BytesIO(b"x")); t.close()' "$T/escape.tar"
  bad_import "$T/escape.tar" 'entry "../../escape": path leaves the archive'
  edit_archive "$SEED_DIR/d.tar" "$T/symlink-out.tar" 'f=$(jq -r ".[0].Layers[0]" manifest.json); rm "$f"; ln -s ../../../etc/passwd "$f"'
  bad_import "$T/symlink-out.tar" 'symlink to "../../../etc/passwd": path leaves the archive'
  edit_archive "$SEED_DIR/d.tar" "$T/layer-out.tar" 'jq -c ".[0].Layers[0] = \"../x/layer.tar\"" manifest.json >m.x; mv m.x manifest.json'
  bad_import "$T/layer-out.tar" 'manifest.json: [0]: .Layers[0]: "../x/layer.tar": path leaves the archive'
  [ ! -e "$T/../escape" ] && [ ! -e "$STORE/../escape" ]
  edit_archive "$SEED_DIR/d.tar" "$T/lying.tar" 'f=$(jq -r ".[0].Layers[1]" manifest.json); echo changed >"$f.x"; mv "$f.x" "$f"'
  bad_import "$T/lying.tar" "the config's rootfs.diff_ids[1] is sha256:"
  edit_archive "$SEED_DIR/d.tar" "$T/badcfg.tar" 'c=$(jq -r ".[0].Config" manifest.json); jq -c ".author = \"x\"" "$c" >"$c.x"; mv "$c.x" "$c"'
  bad_import "$T/badcfg.tar" "not what its name says"
  edit_archive "$SEED_DIR/d.tar" "$T/nolayer.tar" 'rm "$(jq -r ".[0].Layers[2]" manifest.json)"'
  bad_import "$T/nolayer.tar" "the archive has no"
  head -c 4096 /dev/urandom >"$T/random.bin"
  bad_import "$T/random.bin" "Unrecognized archive format"
  tar -cf "$T/empty.tar" -T /dev/null
  bad_import "$T/empty.tar" "neither an oci-archive (no index.json) nor a docker-archive (no manifest.json)"
  [ -z "$(find "$STORE/.keel" -name 'import-*')" ]
}

@test "import: Docker 25's docker save (an OCI layout plus manifest.json naming blobs/sha256/HEX), gzip'd" {
  edit_archive "$SEED_DIR/o.tar" "$T/docker25.tar" '
    m=$(jq -r ".manifests[0].digest | sub(\"sha256:\"; \"\")" index.json)
    jq -c "[{Config: (\"blobs/sha256/\" + (.config.digest | sub(\"sha256:\"; \"\"))), RepoTags: [\"d25/img:1\"],
      Layers: [.layers[].digest | \"blobs/sha256/\" + sub(\"sha256:\"; \"\")]}]" "blobs/sha256/$m" >manifest.json'
  gzip "$T/docker25.tar"
  run it import "$T/docker25.tar.gz"
  [ "$status" -eq 0 ]
  [ "$output" = docker.io/d25/img:1 ]
  # gzip'd layers keep their bytes and get the Docker gzip media type
  [ "$(it inspect --raw d25/img:1 | jq -r '.layers[0].mediaType')" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
  [ "$(it inspect --raw d25/img:1 | jq -c '[.layers[].digest]')" = \
    "$(tar -xOf "$SEED_DIR/o.tar" "blobs/sha256/$(tar -xOf "$SEED_DIR/o.tar" index.json | jq -r '.manifests[0].digest | sub("sha256:"; "")')" | jq -c '[.layers[].digest]')" ]
  it import "$SEED_DIR/o.tar"
  [ "$(tree_of d25/img:1)" = "$(tree_of example.com/x/layers:v1)" ]
}

@test "unpack: an oci-archive whose config lies about a diff_id imports, but unpack fails before the rename" {
  edit_archive "$SEED_DIR/o.tar" "$T/lying-oci.tar" '
    put() { printf "%s" "$1" >blob.tmp; h=$(sha256sum <blob.tmp | cut -c1-64); s=$(stat -c %s blob.tmp); mv blob.tmp "blobs/sha256/$h"; }
    m=$(jq -r ".manifests[0].digest | sub(\"sha256:\"; \"\")" index.json)
    c=$(jq -r ".config.digest | sub(\"sha256:\"; \"\")" "blobs/sha256/$m")
    put "$(jq -c ".rootfs.diff_ids[2] = .rootfs.diff_ids[1]" "blobs/sha256/$c")"
    put "$(jq -c --arg d "sha256:$h" --argjson s "$s" ".config.digest = \$d | .config.size = \$s" "blobs/sha256/$m")"
    jq -c --arg d "sha256:$h" --argjson s "$s" ".manifests[0].digest = \$d | .manifests[0].size = \$s" index.json >i.tmp
    mv i.tmp index.json'
  run it import "$T/lying-oci.tar" lying
  [ "$status" -eq 0 ]
  run it unpack lying "$T/b"
  [ "$status" -eq 1 ]
  [[ "$output" == *"layer 3"*"diff_id mismatch: expected sha256:"* ]]
  [ ! -e "$T/b" ]
  [ -z "$(ls -d "$T"/b.tmp-* 2>/dev/null)" ]
}

@test "gc removes the staging directory an interrupted import left" {
  it import "$SEED_DIR/o.tar"
  mkdir "$STORE/.keel/import-dead01"
  head -c 5000 /dev/urandom >"$STORE/.keel/import-dead01/e0"
  : >"$STORE/.keel/import-dead01/e1"
  run it gc
  [ "$status" -eq 0 ]
  [ ! -e "$STORE/.keel/import-dead01" ]
  [ "$output" = "removed 1 files (5000 bytes)" ]
  run it fsck
  [ "$status" -eq 0 ]
}
