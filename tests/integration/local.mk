# tests/integration: real orchestrators (podman+conmon, containerd+shim) drive runtime, compared with runc/crun.
INTEGRATION_SUITES = \
	tests/integration/podman.bats \
	tests/integration/containerd.bats \
	tests/integration/cri.bats \
	tests/integration/differential.bats
TESTS += $(INTEGRATION_SUITES)
EXTRA_DIST += $(INTEGRATION_SUITES) tests/integration/helpers.bash tests/integration/podman-config.json \
	tests/integration/cri_client.py

# *.v1bats: suites run on a pure cgroup v1 layout by tests/lib/bats-in-pure-v1 (a private mount namespace without
# the hybrid host's cgroup2 mount), where crun runs and so can be the reference.
TEST_EXTENSIONS += .v1bats
V1BATS_LOG_DRIVER = $(LOG_DRIVER)
V1BATS_LOG_COMPILER = $(top_srcdir)/tests/lib/bats-in-pure-v1
AM_V1BATS_LOG_FLAGS = --tap
V1_SUITES = tests/integration/crun.v1bats
TESTS += $(V1_SUITES)
EXTRA_DIST += $(V1_SUITES) tests/lib/bats-in-pure-v1
