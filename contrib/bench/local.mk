# `make bench`: keel against crun/runc and skopeo/umoci side by side (contrib/bench/README.md); not part of make check.
EXTRA_DIST += contrib/bench/README.md contrib/bench/RESULTS.md contrib/bench/run-all.sh \
	contrib/bench/runtime.sh contrib/bench/imagetool.sh contrib/bench/vm.sh

# Needs the programs and the apply-layers driver (a check program) built first.
bench: all tests/imagetool/apply-layers
	$(SHELL) $(srcdir)/contrib/bench/run-all.sh '$(abs_top_builddir)'
.PHONY: bench

# runtime.sh in the cgroup v2 VM (tests/lib/vm): keel, crun and runc side by side on a pure v2 layout.
bench-vm: all
	$(SHELL) $(srcdir)/contrib/bench/vm.sh '$(abs_top_builddir)'
.PHONY: bench-vm
