#!/usr/bin/env bats
# Man pages against the programs: one page per verb, every long flag of VERB --help in its page and back,
# every flag a verb's source accepts in its --help, and pages that render without groff warnings.
load ../lib/common

RT_MAN="$KEEL_SRCDIR/runtime/man"
IT_MAN="$KEEL_SRCDIR/imagetool/man"

# The verbs a program's --help lists: "  verb  help" under runtime's "Commands:", the first word of each
# "  verb ..." line under imagetool's "verbs:".
runtime_verbs() {
  "$RUNTIME" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'
}
imagetool_verbs() {
  "$IMAGETOOL" --help | sed -n '/^verbs:/,/^$/p' | awk 'NR > 1 && /^  [a-z]/ { sub(":", "", $1); print $1 }'
}

# Long flags in text on stdin, sorted, without --help (every verb has it; the pages say so once).
long_flags() {
  grep -oE -- '--[a-z][a-z0-9-]*' | grep -vx -- '--help' | sort -u
}

# Long flags a page documents: its SYNOPSIS and OPTIONS sections (roff "\-" is a dash).
page_flags() {
  sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p; /^\.SH OPTIONS/,/^\.SH [^O]/p' "$1" | sed 's/\\-/-/g' | long_flags
}

# Fails listing the differences when the two sorted lists differ.
same_flags() { # WHAT HELP_FLAGS PAGE_FLAGS
  local d
  d=$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3")) && return 0
  echo "$1: '<' only in --help, '>' only in the man page:"
  echo "$d"
  return 1
}

@test "man: every runtime verb has a page whose flags are those of its --help" {
  local verbs v
  verbs=$(runtime_verbs)
  [ "$(echo "$verbs" | wc -l)" -ge 10 ]
  for v in $verbs; do
    [ -f "$RT_MAN/runtime-$v.8" ] || { echo "no page runtime/man/runtime-$v.8"; return 1; }
    same_flags "runtime $v" "$("$RUNTIME" "$v" --help | long_flags)" "$(page_flags "$RT_MAN/runtime-$v.8")"
  done
}

@test "man: every imagetool verb has a page whose flags are those of its --help" {
  local verbs v
  verbs=$(imagetool_verbs)
  [ "$(echo "$verbs" | wc -l)" -ge 11 ]
  for v in $verbs; do
    [ -f "$IT_MAN/imagetool-$v.1" ] || { echo "no page imagetool/man/imagetool-$v.1"; return 1; }
    same_flags "imagetool $v" "$("$IMAGETOOL" "$v" --help | long_flags)" "$(page_flags "$IT_MAN/imagetool-$v.1")"
  done
}

@test "man: runtime(8) and imagetool(1) document the global options and list every verb" {
  # the first line (usage) and the global options section, not the verbs' usage lines
  same_flags runtime "$("$RUNTIME" --help | sed -n '1p; /^Global options:/,$p' | long_flags)" \
    "$(page_flags "$KEEL_SRCDIR/runtime/runtime.8")"
  same_flags imagetool "$("$IMAGETOOL" --help | sed -n '1p; /^global options:/,$p' | long_flags)" \
    "$(page_flags "$KEEL_SRCDIR/imagetool/imagetool.1")"
  for v in $(runtime_verbs); do
    grep -q "^\.BR runtime\\\\-$v (8)" "$KEEL_SRCDIR/runtime/runtime.8" || { echo "runtime.8: no SEE ALSO runtime-$v(8)"; return 1; }
    # COMMANDS: ".TP" then ".B verb"
    grep -A1 -x '\.TP' "$KEEL_SRCDIR/runtime/runtime.8" | grep -qx "\.B $v" || { echo "runtime.8: $v not under COMMANDS"; return 1; }
  done
  for v in $(imagetool_verbs); do
    grep -q "^\.BR imagetool\\\\-$v (1)" "$KEEL_SRCDIR/imagetool/imagetool.1" || { echo "imagetool.1: no SEE ALSO imagetool-$v(1)"; return 1; }
    grep -A1 -x '\.TP' "$KEEL_SRCDIR/imagetool/imagetool.1" | grep -qx "\.B $v" || { echo "imagetool.1: $v not under VERBS"; return 1; }
  done
}

# Long option names in a source file: getopt_long tables ({ "name", ..._argument) and the bundle flags'
# own table ({ "--name", ...).
source_flags() {
  { grep -oE '\{ *"[a-z][a-z0-9-]*", *(no|required|optional)_argument' "$1" | sed -E 's/\{ *"([^"]*)".*/--\1/'
    grep -oE '\{ *"--[a-z][a-z0-9-]*"' "$1" | sed -E 's/\{ *"//; s/"$//'; } | grep -vx -- '--help' | sort -u
}

# Every flag SOURCE accepts appears in the --help of one of the verbs built from it.
flags_in_help() { # PROGRAM SOURCE VERB...
  local prog=$1 src=$2 f help=""
  shift 2
  for v in "$@"; do
    help+=$("$prog" "$v" --help)$'\n' || { echo "'$(basename "$prog") $v --help' exits non-zero"; return 1; }
  done
  for f in $(source_flags "$src"); do
    grep -q -- "$f\\b" <<<"$help" || { echo "$src accepts $f but '$(basename "$prog") $* --help' does not list it"; return 1; }
  done
}

@test "man: every option a verb accepts is listed by its --help" {
  local f v verbs
  for f in "$KEEL_SRCDIR"/runtime/cmd_*.c; do
    v=$(basename "$f" .c)
    v=${v#cmd_}
    verbs=$v
    [ "$v" = create ] && verbs="create run"
    flags_in_help "$RUNTIME" "$f" $verbs
  done
  for f in "$KEEL_SRCDIR"/imagetool/cmd_*.c "$KEEL_SRCDIR/imagetool/unpack_flags.c"; do
    v=$(basename "$f" .c)
    v=${v#cmd_}
    case $v in
    login) verbs="login logout" ;;
    gc) verbs="gc fsck" ;;
    tag) verbs="tag rm" ;;
    archive) verbs="import export" ;;
    unpack_flags) verbs="pull unpack config" ;;
    *) verbs=$v ;;
    esac
    flags_in_help "$IMAGETOOL" "$f" $verbs
  done
  # the global options
  for f in $(source_flags "$KEEL_SRCDIR/runtime/main.c"); do
    "$RUNTIME" --help | grep -q -- "$f\\b" || { echo "runtime --help does not list $f"; return 1; }
  done
  for f in $(source_flags "$KEEL_SRCDIR/imagetool/main.c"); do
    "$IMAGETOOL" --help | grep -q -- "$f\\b" || { echo "imagetool --help does not list $f"; return 1; }
  done
}

@test "man: every page renders without warnings and has the standard sections" {
  local p s out n=0
  for p in "$KEEL_SRCDIR"/runtime/runtime.8 "$RT_MAN"/*.8 "$KEEL_SRCDIR"/imagetool/imagetool.1 "$IT_MAN"/*.1; do
    n=$((n + 1))
    out=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
    [ -z "$out" ] || { echo "$p: $out"; return 1; }
    out=$(groff -man -ww -z "$p" 2>&1)
    [ -z "$out" ] || { echo "$p: $out"; return 1; }
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES FILES "SEE ALSO"; do
      grep -q "^\.SH \"\\?$s\"\\?\$" "$p" || { echo "$p: no $s section"; return 1; }
    done
    # the NAME line is what apropos/whatis index: "name \- text"
    sed -n '/^\.SH NAME/{n;p}' "$p" | grep -qE '^[a-z\\-]+ \\- ' || { echo "$p: bad NAME line"; return 1; }
  done
  [ "$n" -ge 23 ]
}

@test "man: man ./runtime/runtime.8 works from the source tree" {
  cd "$KEEL_SRCDIR"
  run env MANWIDTH=80 man ./runtime/runtime.8
  [ "$status" -eq 0 ]
  output=$(tr -s ' ' <<<"$output") # justified text has runs of spaces
  [[ "$output" == *"runtime - run containers from OCI bundles"* ]]
  [[ "$output" == *"--log-format"* ]]
}
