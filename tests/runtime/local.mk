# bats suites for runtime (real containers, as root).
RUNTIME_SUITES = \
	tests/runtime/cli.bats \
	tests/runtime/lifecycle.bats \
	tests/runtime/process.bats \
	tests/runtime/mounts.bats
TESTS += $(RUNTIME_SUITES)
EXTRA_DIST += $(RUNTIME_SUITES) tests/runtime/helpers.bash
