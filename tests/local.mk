# tests/: unit tests (TAP), bats suites and fuzz targets; each area has its fragment.
EXTRA_DIST += tests/lib tests/RELIABILITY.md
include $(srcdir)/tests/unit/local.mk
include $(srcdir)/tests/runtime/local.mk
include $(srcdir)/tests/imagetool/local.mk
include $(srcdir)/tests/fuzz/local.mk
include $(srcdir)/tests/payload/local.mk
include $(srcdir)/tests/vm/local.mk
include $(srcdir)/tests/reliability/local.mk
include $(srcdir)/tests/docs/local.mk
include $(srcdir)/tests/integration/local.mk

TESTS += tests/harness.bats
EXTRA_DIST += tests/harness.bats
