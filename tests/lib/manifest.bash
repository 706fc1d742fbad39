# shellcheck shell=bash
# What the test drivers tests/lib/vm/bats-in-vm (*.vmbats) and tests/lib/bats-in-pure-v1 (*.v1bats) share:
# TAP skip and bail-out lines, paths relative to KEEL_SRCDIR, and the manifest format (one directive per line,
# `#` starts a comment).

# A skipped TAP plan: automake counts the file as SKIP and shows the reason.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# A TAP bail-out: automake reports the file as an error with the reason.
bail_out() {
	echo "Bail out! $*"
	exit 1
}

abs() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$KEEL_SRCDIR/$1" ;;
	esac
}

# manifest_each FILE "DIRECTIVE..." HANDLER: HANDLER DIRECTIVE REST for each line of FILE, in the caller's scope
# (so it may fill the caller's locals); a directive not in the list bails out.
manifest_each() {
	local file=$1 allowed=" $2 " handler=$3 line word rest
	while IFS= read -r line; do
		line=${line%%#*}
		read -r word rest <<<"$line" || true
		[ -n "$word" ] || continue
		[[ "$allowed" == *" $word "* ]] ||
			bail_out "$file: unknown directive '$word' (want ${2// /, })"
		"$handler" "$word" "$rest"
	done <"$file"
}

# manifest_check_suites FILE SUITE...: at least one suite, each an existing file.
manifest_check_suites() {
	local file=$1 p
	shift
	[ $# -gt 0 ] || bail_out "$file: no 'suite PATH' line"
	for p in "$@"; do
		[ -f "$p" ] || bail_out "$file: suite $p does not exist"
	done
}
