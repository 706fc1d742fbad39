/* Linux security modules: process.selinuxLabel, linux.mountLabel, process.apparmorProfile. */
#ifndef KEEL_LSM_H
#define KEEL_LSM_H

#include <stdbool.h>

#include "error.h"
#include "runtime_config.h"

/* Whether the LSM is active on this host (not merely built into the kernel).
 * Built --with-selinux, the first call loads libselinux.so.1 (dlopen; the
 * runtime does not link it, so containers without labels never load it) and
 * asks is_selinux_enabled(); without it, or when the library cannot be
 * loaded, selinuxfs being mounted is the answer. Call it only before the
 * container's rootfs is entered (lsm_check does). */
bool lsm_selinux_enabled (void);
/* Whether libselinux has been loaded (labels then go through setexeccon). */
bool lsm_selinux_loaded (void);
bool lsm_apparmor_enabled (void);

/* Before anything is touched (create, exec): a label for an LSM the host
 * does not run is an error, as runc does (runc 1.1: "selinux label is
 * specified in config, but selinux is disabled or not supported"; an
 * AppArmor profile fails when it is applied). MOUNT_LABEL may be NULL. */
int lsm_check (const struct rc_process *p, const char *mount_label, keel_error **err);

/* Right before execve, after everything else the runtime runs (hooks
 * included, or they would get the label too): the labels the next execve
 * takes on, through libselinux when lsm_check loaded it, else
 * /proc/thread-self/attr/exec; for AppArmor attr/apparmor/exec, falling back
 * to attr/exec on kernels without per-LSM directories. */
int lsm_apply_exec (const struct rc_process *p, keel_error **err);

/* linux.mountLabel for a filesystem mount of TYPE: with SELinux enabled,
 * `context="LABEL"` is added to *DATA for the types that take it (tmpfs,
 * devpts, ...; not proc, sysfs, cgroup, mqueue or binds). */
int lsm_mount_data (const char *mount_label, const char *type, char **data, keel_error **err);

/* The pure part of lsm_mount_data, whatever the host: *DATA with
 * context="LABEL" appended (quoted: MCS labels hold commas). */
bool lsm_type_takes_context (const char *type);
int lsm_format_mount_data (const char *data, const char *label, char **out, keel_error **err);

#endif
