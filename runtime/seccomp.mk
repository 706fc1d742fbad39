# runtime/libseccompfilter.a: linux.seccomp compiled with libseccomp (linked into runtime).
# The runtime links it with: runtime/libseccompfilter.a $(SECCOMP_LIBS) (and $(SECCOMP_CFLAGS) to include runtime/seccomp.h).
noinst_LIBRARIES += runtime/libseccompfilter.a
runtime_libseccompfilter_a_SOURCES = runtime/seccomp.c runtime/seccomp.h
runtime_libseccompfilter_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(SECCOMP_CFLAGS)
SECCOMPFILTER_LIBS = runtime/libseccompfilter.a $(SPEC_LIBS) $(SECCOMP_LIBS)

# Unit tests: compile errors, skipped names, rule splitting (no filter is loaded).
check_PROGRAMS += tests/unit/test_seccomp
TESTS += tests/unit/test_seccomp
tests_unit_test_seccomp_SOURCES = tests/unit/test_seccomp.c tests/unit/tap.h
tests_unit_test_seccomp_CFLAGS = $(UNIT_CFLAGS) $(SECCOMP_CFLAGS)
tests_unit_test_seccomp_LDADD = $(SECCOMPFILTER_LIBS)

# Test tools for seccomp.bats: a driver that loads linux.seccomp from a config and
# execs, a probe that makes one syscall and prints the outcome, a NOTIFY agent.
check_PROGRAMS += tests/runtime/seccomp-run tests/runtime/seccomp-probe tests/runtime/seccomp-agent
SECCOMP_TEST_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(SECCOMP_CFLAGS)
tests_runtime_seccomp_run_SOURCES = tests/runtime/seccomp-run.c
tests_runtime_seccomp_run_CFLAGS = $(SECCOMP_TEST_CFLAGS)
tests_runtime_seccomp_run_LDADD = $(SECCOMPFILTER_LIBS) -lpthread
tests_runtime_seccomp_probe_SOURCES = tests/runtime/seccomp-probe.c
tests_runtime_seccomp_probe_CFLAGS = $(SECCOMP_TEST_CFLAGS)
tests_runtime_seccomp_probe_LDADD = $(SECCOMP_LIBS)
tests_runtime_seccomp_agent_SOURCES = tests/runtime/seccomp-agent.c
tests_runtime_seccomp_agent_CFLAGS = $(SECCOMP_TEST_CFLAGS)
tests_runtime_seccomp_agent_LDADD = $(SPEC_LIBS) $(SECCOMP_LIBS)

TESTS += tests/runtime/seccomp.bats
EXTRA_DIST += tests/runtime/seccomp.bats contrib/bench/seccomp-compile.sh
