# bats suites for runtime (real containers, as root).
RUNTIME_SUITES = \
	tests/runtime/cli.bats \
	tests/runtime/lifecycle.bats \
	tests/runtime/process.bats \
	tests/runtime/mounts.bats \
	tests/runtime/errors.bats \
	tests/runtime/hooks.bats \
	tests/runtime/terminal.bats \
	tests/runtime/exec.bats \
	tests/runtime/resources.bats
TESTS += $(RUNTIME_SUITES)
EXTRA_DIST += $(RUNTIME_SUITES) tests/runtime/helpers.bash tests/runtime/console_recv.py

# User namespaces as an unprivileged user, idmapped mounts.
TESTS += tests/runtime/rootless.bats
EXTRA_DIST += tests/runtime/rootless.bats
