#!/usr/bin/env bats
# The bash completions in contrib/completions/bash: verbs, per-verb flags, flag values, container ids and
# stored image names, by calling the completion functions as bash does (COMP_WORDS, COMP_CWORD).
load ../lib/common

setup() {
  TMP=$(keel_mktemp)
  export PATH="$KEEL_BUILDDIR/runtime:$KEEL_BUILDDIR/imagetool:$PATH"
  # shellcheck source=/dev/null
  . "$KEEL_SRCDIR/contrib/completions/bash/imagetool" # sources runtime's too
}

teardown() {
  rm -rf "$TMP"
}

# complete WORD... : COMPREPLY for the last word, one candidate a line in $output.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  case $1 in
  runtime) _keel_runtime ;;
  imagetool) _keel_imagetool ;;
  esac
  output=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
}

@test "completion: both files register their function" {
  run complete -p runtime imagetool
  [[ "$output" == *"-F _keel_runtime runtime"* ]]
  [[ "$output" == *"-F _keel_imagetool imagetool"* ]]
}

@test "completion: runtime verbs, global flags and their values" {
  complete_words runtime cr
  [ "$output" = create ]
  complete_words runtime ""
  for v in create start run state kill delete list exec spec features; do
    grep -qx "$v" <<<"$output"
  done
  complete_words runtime --ro
  [ "$output" = $'--root\n--rootless' ]
  complete_words runtime --rootless ""
  [ "$output" = $'auto\nfalse\ntrue' ]
  complete_words runtime --log-format j
  [ "$output" = json ]
  # a verb after global options with values
  complete_words runtime --root /tmp --log-format text de
  [ "$output" = delete ]
}

@test "completion: runtime per-verb flags and flag values" {
  complete_words runtime create --
  for f in --bundle --console-socket --pid-file --no-pivot --no-new-keyring --preserve-fds; do
    grep -qx -- "$f" <<<"$output"
  done
  ! grep -qx -- --detach <<<"$output" || false # run's, not create's
  complete_words runtime run --de
  [ "$output" = --detach ]
  complete_words runtime list --format ""
  [ "$output" = $'json\ntable' ]
  complete_words runtime list -f t
  [ "$output" = table ]
  # a DIR value: directories only
  mkdir "$TMP/bundle-a"
  touch "$TMP/bundle-file"
  cd "$TMP"
  complete_words runtime create --bundle bun
  [ "$output" = bundle-a ]
  complete_words runtime run -b bun
  [ "$output" = bundle-a ]
  # a PATH value: files too
  complete_words runtime create --pid-file bun
  [ "$output" = $'bundle-a\nbundle-file' ]
}

@test "completion: runtime container ids from list -q under --root, signals for kill" {
  local c
  for c in web1 web2 db1; do
    mkdir -p "$TMP/root/$c"
    printf '{"ociVersion":"1.2.0","id":"%s","status":"stopped","pid":0,"bundle":"/tmp","created":"2026-11-24T00:00:00Z","owner":""}' \
      "$c" >"$TMP/root/$c/state.json"
  done
  complete_words runtime --root "$TMP/root" delete we
  [ "$output" = $'web1\nweb2' ]
  complete_words runtime --root "$TMP/root" kill -a ""
  [ "$output" = $'db1\nweb1\nweb2' ]
  complete_words runtime --root "$TMP/root" kill db1 KI
  [ "$output" = KILL ]
  complete_words runtime --root "$TMP/root" kill db1 SIGTE
  [ "$output" = TERM ]
  # create takes a new id: nothing to offer
  complete_words runtime --root "$TMP/root" create ""
  [ -z "$output" ]
  # one id only
  complete_words runtime --root "$TMP/root" state db1 ""
  [ -z "$output" ]
}

@test "completion: imagetool verbs, flags, and stored image names" {
  complete_words imagetool ""
  for v in pull unpack config images inspect tag rm gc fsck login logout; do
    grep -qx "$v" <<<"$output"
  done
  complete_words imagetool --st
  [ "$output" = --store ]
  complete_words imagetool pull --ent
  [ "$output" = --entrypoint ]
  complete_words imagetool pull --all
  [ "$output" = --all-platforms ]
  complete_words imagetool images --format ""
  [ "$output" = $'json\ntable' ]
  complete_words imagetool login --pass
  [ "$output" = $'--password\n--password-stdin' ]
  # image names from the store given by --store
  cd "$TMP"
  umoci init --layout L >/dev/null
  umoci new --image L:v1 >/dev/null
  tar -C L -cf a.tar .
  "$IMAGETOOL" --store "$TMP/s" import a.tar localhost/demo:v1
  "$IMAGETOOL" --store "$TMP/s" tag localhost/demo:v1 localhost/other:v2
  complete_words imagetool --store "$TMP/s" inspect --raw localhost/d
  [ "$output" = localhost/demo:v1 ]
  complete_words imagetool --store "$TMP/s" rm localhost/demo:v1 ""
  [ "$output" = $'localhost/demo:v1\nlocalhost/other:v2' ]
  # unpack REF BUNDLE: the second operand is a directory; after "--" nothing
  mkdir "$TMP/bdir"
  complete_words imagetool --store "$TMP/s" unpack -e A=1 localhost/demo:v1 bd
  [ "$output" = bdir ]
  complete_words imagetool --store "$TMP/s" unpack localhost/demo:v1 bdir -- ""
  [ -z "$output" ]
  complete_words imagetool import a.t
  [ "$output" = a.tar ]
}

# zcomplete WORD...: run the zsh completion for WORDs (the last one being completed) with compadd, _describe,
# _files and _directories replaced by stubs that print what they would offer, one a line.
zcomplete() {
  output=$(zsh -f -c '
    compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@" }
    _describe() { local -a a; a=(${(P)${@[-1]}}); print -rl -- $a }
    _files() { print -r -- "<files>" }
    _directories() { print -r -- "<dirs>" }
    source "$1/_imagetool" >/dev/null # defines _imagetool and, from _runtime, the helpers and _runtime
    shift
    words=("$@")
    CURRENT=$#
    _${words[1]:t}' zcomplete "$KEEL_SRCDIR/contrib/completions/zsh" "$@" | sort)
}

@test "completion: zsh runtime verbs with descriptions, flags, values, ids and signals" {
  command -v zsh >/dev/null || skip "zsh is not installed (contrib/setup.sh installs it)"
  zcomplete runtime ""
  grep -qx 'create:create a container' <<<"$output"
  [ "$(grep -c . <<<"$output")" -eq "$("$RUNTIME" --help | sed -n '/^Commands:/,/^$/p' | grep -c '^  [a-z]')" ]
  zcomplete runtime --rootless ""
  [ "$output" = $'auto\nfalse\ntrue' ]
  zcomplete runtime run --
  grep -qx -- --detach <<<"$output"
  grep -qx -- --no-subreaper <<<"$output"
  zcomplete runtime create --bundle ""
  [ "$output" = '<dirs>' ]
  zcomplete runtime list --format ""
  [ "$output" = $'json\ntable' ]
  for c in web1 db1; do
    mkdir -p "$TMP/root/$c"
    printf '{"ociVersion":"1.2.0","id":"%s","status":"stopped","pid":0,"bundle":"/tmp","created":"2026-11-24T00:00:00Z","owner":""}' \
      "$c" >"$TMP/root/$c/state.json"
  done
  zcomplete runtime --root "$TMP/root" delete -f ""
  [ "$output" = $'db1\nweb1' ]
  zcomplete runtime --root "$TMP/root" kill web1 ""
  grep -qx KILL <<<"$output"
  grep -qx TERM <<<"$output"
  zcomplete runtime --root "$TMP/root" create ""
  [ -z "$output" ]
}

@test "completion: zsh imagetool verbs with descriptions, flags and stored image names" {
  command -v zsh >/dev/null || skip "zsh is not installed (contrib/setup.sh installs it)"
  zcomplete imagetool ""
  grep -qx 'pull:fetch an image into the store, then (with BUNDLE) unpack it into an OCI bundle' <<<"$output"
  grep -qx 'gc:remove unreferenced blobs and stale partial downloads' <<<"$output"
  zcomplete imagetool -
  [ "$output" = $'--debug\n--store\n--version\n-h' ]
  zcomplete imagetool unpack --vol
  grep -qx -- --volumes <<<"$output"
  zcomplete imagetool unpack --volumes ""
  grep -qx tmpfs <<<"$output"
  cd "$TMP"
  umoci init --layout L >/dev/null
  umoci new --image L:v1 >/dev/null
  tar -C L -cf a.tar .
  "$IMAGETOOL" --store "$TMP/s" import a.tar localhost/demo:v1
  zcomplete imagetool --store "$TMP/s" config -u 1 ""
  [ "$output" = localhost/demo:v1 ]
  zcomplete imagetool --store "$TMP/s" pull localhost/demo:v1 ""
  [ "$output" = '<dirs>' ]
  zcomplete imagetool import ""
  [ "$output" = '<files>' ]
}
