# bats suites for runtime (real containers, as root).
