/* Capabilities (libcap): the bounding set is cut while still root, the other four sets after the uid switch. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "cleanup.h"
#include "fsutil.h"

static int kernel_last_cap (void)
{
  _cleanup_free_ char *buf = NULL;
  if (read_file ("/proc/sys/kernel/cap_last_cap", &buf, NULL, NULL) < 0)
    return CAP_LAST_CAP;
  return atoi (buf);
}

static uint64_t mask_of (const struct rc_process *p, size_t which)
{
  const struct rc_cap_set *sets;
  if (p->capabilities == NULL)
    return 0;
  sets = &p->capabilities->bounding;
  return sets[which].mask;
}

int caps_drop_bounding (const struct rc_process *p, keel_error **err)
{
  uint64_t keep = mask_of (p, 0);
  int last = kernel_last_cap ();

  for (int c = 0; c <= last; c++)
    if (!(keep & (1ULL << c)) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return keel_err_errno (err, "capabilities: drop %s from the bounding set", rc_capability_name (c));
  return 0;
}

int caps_apply (const struct rc_process *p, keel_error **err)
{
  const struct rc_capabilities *c = p->capabilities;
  cap_t caps = cap_init ();
  int last = kernel_last_cap ();

  if (caps == NULL)
    return keel_err_errno (err, "cap_init");
  for (int n = 0; n <= last && n < 64; n++)
    {
      cap_value_t v = n;
      if (c != NULL && (c->effective.mask & (1ULL << n)))
        cap_set_flag (caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
      if (c != NULL && (c->permitted.mask & (1ULL << n)))
        cap_set_flag (caps, CAP_PERMITTED, 1, &v, CAP_SET);
      if (c != NULL && (c->inheritable.mask & (1ULL << n)))
        cap_set_flag (caps, CAP_INHERITABLE, 1, &v, CAP_SET);
    }
  if (cap_set_proc (caps) < 0)
    {
      cap_free (caps);
      return keel_err_errno (err, "capabilities: set effective/permitted/inheritable");
    }
  cap_free (caps);
  /* capabilities(7): an ambient capability must also be permitted and
   * inheritable. Configs (runc's own default among them) list ambient caps
   * without inheritable ones; like runc, those are skipped, not fatal. */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return keel_err_errno (err, "capabilities: clear ambient");
  for (int n = 0; c != NULL && n <= last && n < 64; n++)
    if ((c->ambient.mask & c->permitted.mask & c->inheritable.mask & (1ULL << n))
        && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, n, 0, 0) < 0)
      return keel_err_errno (err, "capabilities: raise ambient %s", rc_capability_name (n));
  return 0;
}
