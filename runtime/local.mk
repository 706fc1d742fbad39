# runtime/: the OCI runtime binary.
bin_PROGRAMS += runtime/runtime
runtime_runtime_SOURCES = \
	runtime/runtime.h runtime/main.c \
	runtime/cmd_create.c runtime/cmd_start.c runtime/cmd_run.c runtime/cmd_state.c runtime/cmd_kill.c \
	runtime/cmd_delete.c runtime/cmd_list.c runtime/cmd_spec.c runtime/cmd_features.c runtime/cmd_exec.c \
	runtime/container.c runtime/container.h runtime/state_dir.c runtime/state_dir.h \
	runtime/cgroup.c runtime/cgroup.h runtime/init.c runtime/init.h runtime/namespaces.c runtime/rootfs.c \
	runtime/userns.c runtime/userns.h runtime/idmap.c runtime/idmap.h \
	runtime/mounts.c runtime/devices.c runtime/process.c runtime/caps.c runtime/rlimits.c runtime/hooks.c \
	runtime/terminal.c runtime/selfexe.c runtime/selfexe.h runtime/lsm.c runtime/lsm.h
runtime_runtime_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(CAP_CFLAGS) $(SECCOMP_CFLAGS) $(SELINUX_CFLAGS)
# runtime/seccomp.mk builds runtime/libseccompfilter.a (linux.seccomp).
# Not $(SPEC_LIBS): the runtime needs none of libcrypto (issue 9: loading its 4.5 MB twice, before and after the
# CVE-2019-5736 re-exec, was the largest start-up cost). Should a libspec object using it get pulled in, this link
# fails instead of quietly adding the library back.
# Nor $(SELINUX_LIBS): runtime/lsm.c dlopen()s libselinux when a label asks for it (--with-selinux: headers only).
# $(RUNTIME_LIBS): libyajl, libcap and libseccomp, linked in where their archives are (configure.ac).
runtime_runtime_LDADD = runtime/libseccompfilter.a runtime/libcgroupres.a spec/libspec.a $(RUNTIME_LIBS)

# What the runtime loads at start-up (no libcrypto, libselinux only on demand).
TESTS += tests/runtime/linkage.bats
EXTRA_DIST += tests/runtime/linkage.bats
