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
TESTS += tests/runtime/rootless.bats tests/runtime/idmap.bats tests/runtime/userns.bats
EXTRA_DIST += tests/runtime/rootless.bats tests/runtime/idmap.bats tests/runtime/userns.bats

# cve.bats: a static attacker run inside containers (no libc there), built like tests/payload.
check_PROGRAMS += tests/runtime/exe-attacker
tests_runtime_exe_attacker_SOURCES = tests/runtime/exe-attacker.c
tests_runtime_exe_attacker_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
tests_runtime_exe_attacker_LDFLAGS = -static
TESTS += tests/runtime/cve.bats
EXTRA_DIST += tests/runtime/cve.bats
TESTS += tests/runtime/lsm.bats
EXTRA_DIST += tests/runtime/lsm.bats

# runtime/lsm.c's pure parts (mount data for linux.mountLabel).
check_PROGRAMS += tests/unit/test_lsm
TESTS += tests/unit/test_lsm
tests_unit_test_lsm_SOURCES = tests/unit/test_lsm.c tests/unit/tap.h runtime/lsm.c runtime/lsm.h
tests_unit_test_lsm_CFLAGS = $(UNIT_CFLAGS) $(SELINUX_CFLAGS)
# Not $(SELINUX_LIBS): lsm.c dlopen()s libselinux, and test_lsm checks when it does.
tests_unit_test_lsm_LDADD = $(SPEC_LIBS)
