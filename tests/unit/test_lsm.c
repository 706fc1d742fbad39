/* Unit tests for runtime/lsm.c: linux.mountLabel's mount data, and which filesystems take a context= option. */
#include "config.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/lsm.h"
#include "tap.h"

static void check_format (const char *data, const char *label, const char *want)
{
  char *out = NULL;
  keel_error *err = NULL;
  tap_ok (lsm_format_mount_data (data, label, &out, &err) == 0, "format `%s` + `%s`", data ? data : "(null)", label);
  tap_is (out, want, "mount data for `%s`", data ? data : "(null)");
  free (out);
  keel_error_free (err);
}

static bool libselinux_mapped (void)
{
  void *h = dlopen ("libselinux.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (h != NULL)
    dlclose (h);
  return h != NULL;
}

/* Issue 9: libselinux is loaded when a label asks for SELinux, never before. */
static void test_lazy_libselinux (void)
{
  struct rc_process none = { 0 }, empty = { .selinux_label = (char *)"" };
  struct rc_process label = { .selinux_label = (char *)"system_u:system_r:container_t:s0" };
  keel_error *err = NULL;

  tap_ok (!libselinux_mapped (), "libselinux is not loaded at start");
  tap_ok (lsm_check (&none, NULL, &err) == 0 && lsm_check (&empty, "", &err) == 0, "no labels: lsm_check passes");
  tap_ok (!libselinux_mapped () && !lsm_selinux_loaded (), "no labels: libselinux still not loaded");
  bool enabled = lsm_check (&label, NULL, &err) == 0;
  keel_error_free (err);
  err = NULL;
  tap_ok (enabled == lsm_selinux_enabled (), "a label passes lsm_check exactly when SELinux is enabled");
#ifdef HAVE_SELINUX
  tap_ok (libselinux_mapped () && lsm_selinux_loaded (), "built --with-selinux: a label loads libselinux");
#else
  tap_ok (!libselinux_mapped () && !lsm_selinux_loaded (), "built without libselinux: a label never loads it");
#endif
}

int main (void)
{
  /* MCS categories hold a comma: the label must be quoted or mount(2) splits it. */
  check_format (NULL, "system_u:object_r:container_file_t:s0:c1,c2",
                "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
  check_format ("", "l", "context=\"l\"");
  check_format ("mode=755,size=65536k", "system_u:object_r:container_file_t:s0",
                "mode=755,size=65536k,context=\"system_u:object_r:container_file_t:s0\"");

  tap_ok (lsm_type_takes_context ("tmpfs"), "tmpfs takes context=");
  tap_ok (lsm_type_takes_context ("devpts"), "devpts takes context=");
  tap_ok (!lsm_type_takes_context ("proc"), "proc is labelled by policy");
  tap_ok (!lsm_type_takes_context ("sysfs"), "sysfs is labelled by policy");
  tap_ok (!lsm_type_takes_context ("mqueue"), "mqueue takes no context=");
  tap_ok (!lsm_type_takes_context ("bind"), "a bind mount takes no context=");
  tap_ok (!lsm_type_takes_context (NULL), "no type, no context=");

  /* Without a label (or an empty one) the data is left as it is. */
  char *data = strdup ("mode=755");
  keel_error *err = NULL;
  tap_ok (lsm_mount_data (NULL, "tmpfs", &data, &err) == 0 && strcmp (data, "mode=755") == 0, "no mountLabel");
  tap_ok (lsm_mount_data ("", "tmpfs", &data, &err) == 0 && strcmp (data, "mode=755") == 0, "empty mountLabel");
  tap_ok (lsm_mount_data ("l", "proc", &data, &err) == 0 && strcmp (data, "mode=755") == 0, "proc keeps its data");
  free (data);
  test_lazy_libselinux ();
  return tap_done ();
}
