#!/usr/bin/env bats
# process.terminal: the pty master over --console-socket (SCM_RIGHTS), /dev/console, consoleSize,
# and `run` proxying a terminal when it has one itself.

load helpers

setup() { runtime_setup; }
teardown() { runtime_teardown; }

has() { grep -qxF -- "$1" <<<"$output" || { echo "missing line: $1" >&2; return 1; }; }

start_receiver() {
  python3 "$KEEL_SRCDIR/tests/runtime/console_recv.py" "$TMP/console.sock" "${1:-}" >"$TMP/console.out" 2>"$TMP/console.err" &
  RECV=$!
  for _ in $(seq 100); do [ -e "$TMP/console.sock.ready" ] && return; sleep 0.05; done
  return 1
}

@test "terminal: --console-socket receives the pty master; the process has a controlling tty of that size" {
  bundle_set "$B" '.process.terminal = true | .process.consoleSize = {height: 33, width: 101} | .process.args = ["payload", "isatty"]'
  start_receiver
  "$RUNTIME" create -b "$B" --console-socket "$TMP/console.sock" "$ID"
  "$RUNTIME" start "$ID"
  wait "$RECV"
  output=$(cat "$TMP/console.out")
  echo "$output"
  has "isatty.0=1"; has "isatty.1=1"; has "isatty.2=1"
  has "tty.0=/dev/pts/0"; has "winsize.rows=33"; has "winsize.cols=101"; has "ctty=ok"; has "foreground=1"
}

@test "terminal: /dev/console is the pty and input typed on the master reaches the process" {
  bundle_set "$B" '.process.terminal = true | .process.args = ["sh", "-c", "payload devices | grep ^dev=/dev/console; read line; echo got:$line"]'
  start_receiver $'hello\n'
  "$RUNTIME" create -b "$B" --console-socket "$TMP/console.sock" "$ID"
  "$RUNTIME" start "$ID"
  wait "$RECV"
  output=$(cat "$TMP/console.out")
  echo "$output"
  grep -q '^dev=/dev/console type=c rdev=136:' <<<"$output"
  grep -q '^got:hello' <<<"$output"
}

@test "terminal: a bad --console-socket fails create and leaves nothing" {
  bundle_set "$B" '.process.terminal = true'
  run "$RUNTIME" create -b "$B" --console-socket "$TMP/nothing.sock" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--console-socket: connect \`$TMP/nothing.sock\`"* ]]
  assert_no_leftovers "$ID" "$B"
}

@test "terminal: run without a socket proxies its own terminal" {
  command -v script >/dev/null || skip "script(1) not installed"
  bundle_set "$B" '.process.terminal = true | .process.args = ["payload", "isatty"]'
  run script -qec "$RUNTIME run -b $B $ID" /dev/null
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q "isatty.0=1" <<<"$output"
  grep -q "tty.0=/dev/pts/0" <<<"$output"
}

@test "terminal: run proxies the window size, at start and on SIGWINCH" {
  command -v script >/dev/null || skip "script(1) not installed"
  bundle_set "$B" '.process.terminal = true | .process.args = ["sh", "-c", "payload isatty; sleep 1.5; payload isatty"]'
  # The resize happens while the container sleeps: the terminal sends SIGWINCH to run, its foreground job.
  run script -qec "stty rows 40 cols 123; (sleep 0.7; stty rows 50 cols 77 </dev/tty) & $RUNTIME run -b $B $ID" /dev/null
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -o 'winsize\.[a-z]*=[0-9]*' <<<"$output" | tr '\n' ' ')" = "winsize.rows=40 winsize.cols=123 winsize.rows=50 winsize.cols=77 " ]
}

@test "terminal: run whose stdout reader goes away (| head) hangs up the container's terminal, cleans up, does not die of SIGPIPE" {
  bundle_set "$B" '.process.terminal = true | .process.args = ["yes"]'
  # Debug lines go to the same pipe, so logging after head left must not kill the runtime either.
  run bash -c 'timeout 20 "$1" --debug run -b "$2" "$3" </dev/null 2>&1 | head -2 >/dev/null; echo "run=${PIPESTATUS[0]}"' _ "$RUNTIME" "$B" "$ID"
  echo "$output"
  # yes gets EIO on the hung-up terminal and exits 1: neither SIGPIPE's 141 nor timeout's 124.
  [ "$output" = "run=1" ]
  assert_no_leftovers "$ID" "$B"
}
