# tests/reliability/: hostile inputs, stress, leaks and crash consistency (issue 10); numbers in tests/RELIABILITY.md.
RELIABILITY_SUITES = tests/reliability/hostile_bundles.bats
TESTS += $(RELIABILITY_SUITES)
EXTRA_DIST += $(RELIABILITY_SUITES) tests/reliability/hostile_bundles.cases
