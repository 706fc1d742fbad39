# runtime/libcgroupres.a: linux.resources written to cgroup v1/hybrid/v2 files, v2 device eBPF (linked into runtime).
# The runtime links it with: runtime/libcgroupres.a $(SPEC_LIBS) (include runtime/cgroup_resources.h).
noinst_LIBRARIES += runtime/libcgroupres.a
runtime_libcgroupres_a_SOURCES = runtime/cgroup_resources.c runtime/cgroup_resources.h \
	runtime/cgroup_devices_bpf.c runtime/cgroup_devices_bpf.h runtime/cgroup_stats.c runtime/cgroup_stats.h
runtime_libcgroupres_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
CGROUPRES_LIBS = runtime/libcgroupres.a $(SPEC_LIBS)

# Unit tests: every translation against a fake cgroup tree in a temp dir; the BPF program builder.
check_PROGRAMS += tests/unit/test_cgroup_resources
TESTS += tests/unit/test_cgroup_resources
tests_unit_test_cgroup_resources_SOURCES = tests/unit/test_cgroup_resources.c tests/unit/tap.h
tests_unit_test_cgroup_resources_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cgroup_resources_LDADD = $(CGROUPRES_LIBS)

# cgroup-apply: applies linux.resources of a config to given cgroup dirs, optionally runs a command inside.
check_PROGRAMS += tests/runtime/cgroup-apply
tests_runtime_cgroup_apply_SOURCES = tests/runtime/cgroup-apply.c
tests_runtime_cgroup_apply_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
tests_runtime_cgroup_apply_LDADD = $(CGROUPRES_LIBS)

TESTS += tests/runtime/cgroup_resources.bats
EXTRA_DIST += tests/runtime/cgroup_resources.bats

# The cgroup verbs (shared verb table: runtime/main.c, prototypes: runtime/runtime.h).
runtime_runtime_SOURCES += runtime/cmd_update.c runtime/cmd_pause.c runtime/cmd_ps.c runtime/cmd_events.c
TESTS += tests/runtime/update.bats tests/runtime/pause.bats tests/runtime/ps.bats tests/runtime/events.bats
EXTRA_DIST += tests/runtime/update.bats tests/runtime/pause.bats tests/runtime/ps.bats tests/runtime/events.bats
dist_man_MANS += runtime/man/runtime-update.8 runtime/man/runtime-pause.8 runtime/man/runtime-resume.8 runtime/man/runtime-ps.8 runtime/man/runtime-events.8
