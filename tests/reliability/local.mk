# tests/reliability/: hostile inputs, stress, leaks and crash consistency (issue 10); numbers in tests/RELIABILITY.md.
# `make check` runs the short versions; `make check-long` the long ones (KEEL_LONG=1: 200 containers by
# 8 workers, 1000 sequential runs, 50 killed pulls, create killed at every mkdir too, a 10 000-deep index chain).
RELIABILITY_SUITES = tests/reliability/hostile_bundles.bats tests/reliability/stress.bats \
	tests/reliability/crash_pull.bats tests/reliability/crash_create.bats tests/reliability/registry_faults.bats
TESTS += $(RELIABILITY_SUITES)
EXTRA_DIST += $(RELIABILITY_SUITES) tests/reliability/hostile_bundles.cases tests/reliability/fault_proxy.py

check-long: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(RELIABILITY_SUITES) tests/imagetool/hostile_images.bats' AM_TESTS_ENVIRONMENT="$(AM_TESTS_ENVIRONMENT) KEEL_LONG=1; export KEEL_LONG;"
.PHONY: check-long
