#!/usr/bin/env bash
# Summarise automake test-suite.log files as "N passed, N failed[, N skipped]", listing failures and skip reasons.
set -uo pipefail
pass=0 fail=0 skip=0
for log in "$@"; do
  [ -f "$log" ] || { echo "test-summary: no $log" >&2; fail=$((fail + 1)); continue; }
  get() { sed -n "s/^# $1: *\([0-9]*\)\$/\1/p" "$log" | head -1; }
  pass=$((pass + $(get PASS) + 0))
  fail=$((fail + $(get FAIL) + $(get XPASS) + $(get ERROR)))
  skip=$((skip + $(get SKIP)))
  grep -E '^(FAIL|ERROR|XPASS):' "$log" | sed 's/^/  /' >&2 || true
  grep -E '^SKIP:' "$log" | sed 's/^/  /' || true
done
line="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && line="$line, $skip skipped"
echo "$line"
