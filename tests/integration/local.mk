# tests/integration: real orchestrators (podman+conmon, containerd+shim) drive runtime, compared with runc/crun.
INTEGRATION_SUITES = \
	tests/integration/podman.bats \
	tests/integration/containerd.bats \
	tests/integration/cri.bats \
	tests/integration/differential.bats
TESTS += $(INTEGRATION_SUITES)
EXTRA_DIST += $(INTEGRATION_SUITES) tests/integration/helpers.bash tests/integration/podman-config.json \
	tests/integration/cri_client.py
