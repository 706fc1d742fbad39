# tests/vm: the cgroup v2 test VM (tests/lib/vm). vm.bats checks the VM from the host; each *.vmbats names bats
# suites that tests/lib/vm/bats-in-vm runs inside one VM boot, their TAP counted case by case in the summary.
TEST_EXTENSIONS += .vmbats
VMBATS_LOG_DRIVER = $(LOG_DRIVER)
VMBATS_LOG_COMPILER = $(top_srcdir)/tests/lib/vm/bats-in-vm
AM_VMBATS_LOG_FLAGS = --tap

VM_SUITES = \
	tests/vm/vm.bats \
	tests/vm/guest.vmbats \
	tests/vm/runtime.vmbats \
	tests/vm/cgroup.vmbats \
	tests/vm/cgroup-freeze.vmbats \
	tests/vm/cgroup-limits.vmbats \
	tests/vm/crun.vmbats
TESTS += $(VM_SUITES)
EXTRA_DIST += $(VM_SUITES) tests/vm/guest-env.bats tests/vm/v2-limits.bats
