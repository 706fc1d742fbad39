#!/usr/bin/env bash
# Set up and build (contrib/setup.sh), run `make check`, and end with one line: N passed, N failed[, N skipped].
# Arguments go to ./configure. TESTS="..." limits the run to some tests, as with make check.
set -uo pipefail
cd "$(dirname "$0")/.."

contrib/setup.sh "$@" || { echo "0 passed, 1 failed"; exit 1; }
make -j"$(nproc)" check ${TESTS:+TESTS="$TESTS"}
status=$?
contrib/test-summary.sh test-suite.log
exit $status
