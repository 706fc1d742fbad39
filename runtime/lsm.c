/* Linux security modules: process.selinuxLabel, linux.mountLabel, process.apparmorProfile. */
#include "config.h"
#include "lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#ifdef HAVE_SELINUX
#include <dlfcn.h>
#include <selinux/selinux.h>
#endif

#include "cleanup.h"
#include "fsutil.h"

#define SELINUX_MAGIC 0xf97cff8cU

#ifdef HAVE_SELINUX
/* libselinux is dlopen()ed on the first SELinux label, not linked: linked,
 * it and libpcre2 were loaded by every start, twice (before and after the
 * CVE-2019-5736 re-exec), labels or not (issue 9). The one piece of
 * process-wide state here: filled by lsm_check in create/exec, on the host's
 * filesystem, before the container's init is cloned (which inherits it). */
static struct
{
  bool tried;
  void *handle;
  typeof (&is_selinux_enabled) is_enabled;
  typeof (&setexeccon) setexeccon;
} libselinux;

/* Only from lsm_check's side: after pivot_root, dlopen would search the
 * container's rootfs for the library, which must never be loaded. */
static bool libselinux_load (void)
{
  if (libselinux.tried)
    return libselinux.handle != NULL;
  libselinux.tried = true;
  void *h = dlopen ("libselinux.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return false; /* the /proc interface below still serves raw labels */
  libselinux.is_enabled = (typeof (libselinux.is_enabled))dlsym (h, "is_selinux_enabled");
  libselinux.setexeccon = (typeof (libselinux.setexeccon))dlsym (h, "setexeccon");
  if (libselinux.is_enabled == NULL || libselinux.setexeccon == NULL)
    {
      dlclose (h);
      return false;
    }
  libselinux.handle = h;
  return true;
}
#endif

/* What libselinux looks at first: selinuxfs mounted where it always is. */
static bool selinuxfs_mounted (void)
{
  struct statfs sf;
  return statfs ("/sys/fs/selinux", &sf) == 0 && (unsigned int)sf.f_type == SELINUX_MAGIC;
}

bool lsm_selinux_enabled (void)
{
#ifdef HAVE_SELINUX
  if (libselinux_load ())
    return libselinux.is_enabled () > 0;
#endif
  return selinuxfs_mounted ();
}

bool lsm_selinux_loaded (void)
{
#ifdef HAVE_SELINUX
  return libselinux.handle != NULL;
#else
  return false;
#endif
}

bool lsm_apparmor_enabled (void)
{
  _cleanup_free_ char *buf = NULL;
  /* Y only when AppArmor is built in and was enabled at boot (security=, lsm=). */
  return read_file ("/sys/module/apparmor/parameters/enabled", &buf, NULL, NULL) == 0 && buf[0] == 'Y';
}

int lsm_check (const struct rc_process *p, const char *mount_label, keel_error **err)
{
  bool selinux = (p != NULL && p->selinux_label != NULL && *p->selinux_label) || (mount_label != NULL && *mount_label);
  if (selinux && !lsm_selinux_enabled ())
    return keel_err (err, 0, "%s: SELinux is not enabled on this host",
                     p != NULL && p->selinux_label != NULL && *p->selinux_label ? "process.selinuxLabel"
                                                                                : "linux.mountLabel");
  if (p != NULL && p->apparmor_profile != NULL && *p->apparmor_profile && !lsm_apparmor_enabled ())
    return keel_err (err, 0, "process.apparmorProfile `%s`: AppArmor is not enabled on this host", p->apparmor_profile);
  return 0;
}

static int write_attr (const char *path, const char *value, keel_error **err)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "open %s", path);
  /* The LSM takes the whole value in one write, or refuses it. */
  if (write (fd, value, strlen (value)) < 0)
    return keel_err_errno (err, "write `%s` to %s", value, path);
  return 0;
}

static int set_selinux_exec (const char *label, keel_error **err)
{
#ifdef HAVE_SELINUX
  /* Loaded by lsm_check, or not at all (see libselinux_load). setexeccon
   * also takes labels in mcstrans' translated form. */
  if (lsm_selinux_loaded ())
    {
      if (libselinux.setexeccon (label) < 0)
        return keel_err_errno (err, "process.selinuxLabel: setexeccon `%s`", label);
      return 0;
    }
#endif
  if (write_attr ("/proc/thread-self/attr/exec", label, err) < 0)
    return keel_err_prefix (err, "process.selinuxLabel");
  return 0;
}

static int set_apparmor_exec (const char *profile, keel_error **err)
{
  _cleanup_free_ char *cmd = NULL;
  if (asprintf (&cmd, "exec %s", profile) < 0)
    return keel_err (err, ENOMEM, "process.apparmorProfile");
  /* Linux 5.8+ has a directory per LSM; attr/exec is AppArmor's when it is the major LSM. */
  if (access ("/proc/thread-self/attr/apparmor/exec", F_OK) == 0)
    {
      if (write_attr ("/proc/thread-self/attr/apparmor/exec", cmd, err) < 0)
        return keel_err_prefix (err, "process.apparmorProfile");
      return 0;
    }
  if (write_attr ("/proc/thread-self/attr/exec", cmd, err) < 0)
    return keel_err_prefix (err, "process.apparmorProfile");
  return 0;
}

int lsm_apply_exec (const struct rc_process *p, keel_error **err)
{
  /* lsm_check ran in create/exec: a label here means its LSM is enabled. */
  if (p->apparmor_profile != NULL && *p->apparmor_profile && set_apparmor_exec (p->apparmor_profile, err) < 0)
    return -1;
  if (p->selinux_label != NULL && *p->selinux_label && set_selinux_exec (p->selinux_label, err) < 0)
    return -1;
  return 0;
}

bool lsm_type_takes_context (const char *type)
{
  /* proc, sysfs and cgroupfs are labelled by policy (genfscon), mqueue and
   * binds take no context= (runc labels mqueue's root afterwards). */
  static const char *const no_context[] = { "bind", "proc", "sysfs", "cgroup", "cgroup2", "mqueue", NULL };
  if (type == NULL)
    return false;
  for (const char *const *t = no_context; *t != NULL; t++)
    if (strcmp (type, *t) == 0)
      return false;
  return true;
}

int lsm_format_mount_data (const char *data, const char *label, char **out, keel_error **err)
{
  if (asprintf (out, "%s%scontext=\"%s\"", data != NULL ? data : "", data != NULL && *data ? "," : "", label) < 0)
    return keel_err (err, ENOMEM, "linux.mountLabel");
  return 0;
}

int lsm_mount_data (const char *mount_label, const char *type, char **data, keel_error **err)
{
  char *n = NULL;
  if (mount_label == NULL || *mount_label == '\0' || !lsm_type_takes_context (type) || !lsm_selinux_enabled ())
    return 0;
  if (lsm_format_mount_data (*data, mount_label, &n, err) < 0)
    return -1;
  free (*data);
  *data = n;
  return 0;
}
