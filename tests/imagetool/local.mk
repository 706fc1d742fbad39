# bats suites for imagetool (a docker-registry on 127.0.0.1).
PULL_SUITES = tests/imagetool/pull.bats tests/imagetool/pull_auth.bats tests/imagetool/pull_token.bats
TESTS += $(PULL_SUITES)
EXTRA_DIST += $(PULL_SUITES) tests/imagetool/seed.bash tests/imagetool/flaky_proxy.py tests/imagetool/token_server.py

# import / export of docker-archive and oci-archive files (skopeo makes and reads them).
TESTS += tests/imagetool/archive.bats
EXTRA_DIST += tests/imagetool/archive.bats

# a real Debian rootfs (tests/lib/debian.bash, cached in /var/tmp/keel-test-cache): umoci and imagetool unpack agree.
TESTS += tests/imagetool/debian_golden.bats
TESTS += tests/imagetool/debian_e2e.bats
EXTRA_DIST += tests/imagetool/debian_golden.bats tests/imagetool/debian_e2e.bats tests/lib/debian.bash

# rootless unpack as a real unprivileged user (useradd/userdel around the suite), against umoci --rootless.
TESTS += tests/imagetool/rootless.bats
EXTRA_DIST += tests/imagetool/rootless.bats

# hostile images served by a docker-registry (tests/imagetool/hostile_images.py writes the corpus), issue 10.
TESTS += tests/imagetool/hostile_images.bats
EXTRA_DIST += tests/imagetool/hostile_images.bats tests/imagetool/hostile_images.py
