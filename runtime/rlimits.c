/* process.rlimits: applied with prlimit while still privileged, so hard limits can be raised. */
#include "config.h"
#include "init.h"

#include <sys/resource.h>

int rlimits_apply (const struct rc_process *p, keel_error **err)
{
  for (size_t i = 0; i < p->rlimits_len; i++)
    {
      const struct rc_rlimit *r = &p->rlimits[i];
      struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
      if (setrlimit ((__rlimit_resource_t)r->resource, &rl) < 0)
        return keel_err_errno (err, "config.json: .process.rlimits[%zu]: set %s to %llu/%llu", i, r->type,
                               (unsigned long long)r->soft, (unsigned long long)r->hard);
    }
  return 0;
}
