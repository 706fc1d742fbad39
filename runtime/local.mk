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
runtime_runtime_LDADD = runtime/libseccompfilter.a runtime/libcgroupres.a $(SPEC_LIBS) $(CAP_LIBS) $(SECCOMP_LIBS) $(SELINUX_LIBS)
