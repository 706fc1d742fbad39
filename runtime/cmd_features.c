/* runtime features: what this build really supports, as runtime-spec features.md describes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "idmap.h"
#include "runtime.h"
#include "runtime_config.h"
#include "runtime_state.h"
#include "seccomp.h"

static const char *const hooks[]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL };
/* Exactly the options mounts.c understands (plus propagation). */
/* One option a line, as the list grows. */
/* clang-format off */
static const char *const mount_options[] = {
  "async",
  "atime",
  "bind",
  "defaults",
  "dev",
  "diratime",
  "dirsync",
  "exec",
  "idmap",
  "iversion",
  "lazytime",
  "loud",
  "mand",
  "noatime",
  "nodev",
  "nodiratime",
  "noexec",
  "noiversion",
  "nolazytime",
  "nomand",
  "norelatime",
  "nostrictatime",
  "nosuid",
  "nosymfollow",
  "private",
  "ratime",
  "rbind",
  "rdev",
  "rdiratime",
  "relatime",
  "remount",
  "rexec",
  "ridmap",
  "rnoatime",
  "rnodev",
  "rnodiratime",
  "rnoexec",
  "rnorelatime",
  "rnostrictatime",
  "rnosuid",
  "rnosymfollow",
  "ro",
  "rprivate",
  "rrelatime",
  "rro",
  "rrw",
  "rshared",
  "rslave",
  "rstrictatime",
  "rsuid",
  "rsymfollow",
  "runbindable",
  "rw",
  "shared",
  "silent",
  "slave",
  "strictatime",
  "suid",
  "symfollow",
  "sync",
  "unbindable",
  NULL,
};
/* clang-format on */
static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL };
static const char *const annotations[] = { "org.keel.version", PACKAGE_VERSION, NULL };

int cmd_features (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  _cleanup_strv_ char **caps = NULL;
  _cleanup_free_ char *out = NULL;
  _cleanup_free_ const char **actions = NULL, **operators = NULL, **archs = NULL;
  int last = rc_capability_last ();
  runtime_features f = { .oci_version_min = "1.0.0",
                         .oci_version_max = KEEL_OCI_VERSION,
                         .hooks = hooks,
                         .mount_options = mount_options,
                         .namespaces = namespaces,
                         /* placement only (issue 6): v1 hierarchies with the devices controller */
                         .cgroup_v1 = true,
                         .annotations = annotations };

  if (argc > 1 && strcmp (argv[1], "--help") == 0)
    {
      runtime_verb_usage ("features", "", "");
      return 0;
    }
  if (argc > 1)
    return keel_err (err, 0, "features: unexpected argument `%s`", argv[1]);
  caps = calloc ((size_t)last + 2, sizeof (char *));
  if (caps == NULL)
    return keel_err (err, 0, "features: out of memory");
  for (int i = 0, n = 0; i <= last; i++)
    if (rc_capability_name (i) != NULL)
      caps[n++] = strdup (rc_capability_name (i));
  f.capabilities = caps;
  f.seccomp_enabled = true;
  /* runtime/idmap.c: bind mounts idmapped with mount_setattr where the kernel has it. */
  f.mount_idmap = idmap_kernel_supported ();
  /* features.md: whether support is compiled in, not whether the host runs the LSM (lsm.c). */
  f.apparmor = true;
  f.selinux = true;
  f.seccomp_actions = actions = seccomp_supported_actions ();
  f.seccomp_operators = operators = seccomp_supported_operators ();
  f.seccomp_archs = archs = seccomp_supported_archs ();
  if (runtime_features_emit (&f, &out, NULL, err) < 0)
    return keel_err_prefix (err, "features");
  printf ("%s\n", out);
  (void)g;
  return 0;
}
