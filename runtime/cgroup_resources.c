/* linux.resources → cgroup files: v1/hybrid controllers and v2 with runc's v1→v2 conversions. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_devices_bpf.h"
#include "cgroup_resources.h"
#include "cleanup.h"
#include "fsutil.h"

/* Where one controller's files live: the directory and whether it is a cgroup2 hierarchy. */
struct ctl
{
  const char *name;
  const char *dir;
  bool v2;
  struct cgroup_journal *journal; /* non-NULL during `update` */
};

/* ---- rollback journal for `update` ---- */

/* What a file held before `update` wrote it, in a form that can be written back. */
struct journal_entry
{
  char *path;
  char *old;
};

struct cgroup_journal
{
  struct journal_entry *v;
  size_t n;
};

/* The line of a keyed list file (blkio.throttle.*, io.max, net_prio.ifpriomap...)
 * for KEY, or the value that resets KEY when it has none. */
static char *keyed_old (const char *file, const char *content, const char *key, size_t klen)
{
  char *r = NULL;
  for (const char *l = content; l != NULL && *l != '\0'; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : NULL)
    if (strncmp (l, key, klen) == 0 && l[klen] == ' ')
      return strndup (l, strcspn (l, "\n"));
  if (strcmp (file, "io.max") == 0)
    return asprintf (&r, "%.*s rbps=max wbps=max riops=max wiops=max", (int)klen, key) < 0 ? NULL : r;
  if (strstr (file, "weight") != NULL && strncmp (file, "io.", 3) == 0)
    return asprintf (&r, "%.*s default", (int)klen, key) < 0 ? NULL : r;
  return asprintf (&r, "%.*s 0", (int)klen, key) < 0 ? NULL : r;
}

/* The value that restores FILE (whose content was CONTENT) after writing VALUE. */
static char *restore_value (const char *file, const char *content, const char *value)
{
  size_t klen = strcspn (value, " ");
  if (strcmp (file, "memory.oom_control") == 0)
    {
      const char *p = strstr (content, "oom_kill_disable ");
      return strndup (p != NULL ? p + 17 : "0", 1);
    }
  /* "MAJ:MIN ..." per-device lines and "IFACE PRIO" lines change one key only. */
  if (value[klen] == ' ' && (strchr (value, ':') != NULL && strchr (value, ':') < value + klen))
    return keyed_old (file, content, value, klen);
  if (strcmp (file, "net_prio.ifpriomap") == 0)
    return keyed_old (file, content, value, klen);
  return strndup (content, strcspn (content, "\n"));
}

/* Remember what PATH holds before it is written with VALUE. */
static int journal_record (struct cgroup_journal *j, const char *path, const char *value, keel_error **err)
{
  _cleanup_free_ char *content = NULL;
  size_t len;
  const char *file = strrchr (path, '/') != NULL ? strrchr (path, '/') + 1 : path;
  if (read_file (path, &content, &len, err) < 0)
    return keel_err_prefix (err, "read the value to restore on failure");
  struct journal_entry *nv = realloc (j->v, (j->n + 1) * sizeof (*nv));
  if (nv == NULL)
    return keel_err (err, ENOMEM, "journal");
  j->v = nv;
  j->v[j->n].path = strdup (path);
  j->v[j->n].old = restore_value (file, content, value);
  if (j->v[j->n].path == NULL || j->v[j->n].old == NULL)
    {
      free (j->v[j->n].path);
      free (j->v[j->n].old);
      return keel_err (err, ENOMEM, "journal");
    }
  j->n++;
  return 0;
}

/* Write the recorded values back, newest first, so each file ends as it was
 * before the update; failures are collected into one message for the caller. */
static void journal_rollback (struct cgroup_journal *j, keel_error **err)
{
  for (size_t i = j->n; i-- > 0;)
    {
      _cleanup_close_ int fd = open (j->v[i].path, O_WRONLY | O_TRUNC | O_CLOEXEC);
      if ((fd < 0 || write (fd, j->v[i].old, strlen (j->v[i].old)) < 0) && err != NULL && *err != NULL)
        keel_err_prefix (err, "(could not restore \"%s\" in %s: %s)", j->v[i].old, j->v[i].path, strerror (errno));
    }
}

static void journal_free (struct cgroup_journal *j)
{
  for (size_t i = 0; i < j->n; i++)
    {
      free (j->v[i].path);
      free (j->v[i].old);
    }
  free (j->v);
}

static bool is_v2_mount (const char *mnt)
{
  _cleanup_free_ char *p = NULL;
  if (asprintf (&p, "%s/cgroup.controllers", mnt) < 0)
    return false;
  return access (p, F_OK) == 0;
}

/* NAME appears as a whole word in LIST, separated by any of SEPS. */
static bool has_word (const char *list, const char *name, const char *seps)
{
  size_t l = strlen (name);
  for (const char *p = list; (p = strstr (p, name)) != NULL; p += l)
    if ((p == list || strchr (seps, p[-1]) != NULL) && (p[l] == '\0' || strchr (seps, p[l]) != NULL))
      return true;
  return false;
}

static bool v2_dir_has_controller (const char *dir, const char *name)
{
  _cleanup_free_ char *p = NULL, *buf = NULL;
  size_t len;
  keel_error *e = NULL;
  if (asprintf (&p, "%s/cgroup.controllers", dir) < 0)
    return false;
  if (read_file (p, &buf, &len, &e) < 0)
    {
      keel_error_free (e);
      return false;
    }
  return has_word (buf, name, " \n");
}

/* Find controller NAME: a v1 hierarchy named after it (co-mounts like
 * "cpu,cpuacct" included) first, then a cgroup2 hierarchy listing it in
 * cgroup.controllers (pure v2, or hybrid hosts that moved e.g. hugetlb there). */
static bool find_ctl (const cgroup_set *cg, const char *name, struct ctl *c)
{
  c->name = name;
  c->journal = cg->journal;
  for (size_t i = 0; cg->paths[i] != NULL; i++)
    {
      const char *mnt = cg->mountpoints[i], *b = strrchr (mnt, '/');
      if (!is_v2_mount (mnt) && has_word (b != NULL ? b + 1 : mnt, name, ","))
        {
          c->dir = cg->paths[i];
          c->v2 = false;
          return true;
        }
    }
  for (size_t i = 0; cg->paths[i] != NULL; i++)
    if (is_v2_mount (cg->mountpoints[i]) && v2_dir_has_controller (cg->paths[i], name))
      {
        c->dir = cg->paths[i];
        c->v2 = true;
        return true;
      }
  return false;
}

const char *cgroup_controller_dir (const cgroup_set *cg, const char *name, bool *v2)
{
  struct ctl c;
  if (!find_ctl (cg, name, &c))
    return NULL;
  *v2 = c.v2;
  return c.dir;
}

static int need_ctl (const cgroup_set *cg, const char *name, const char *what, struct ctl *c, keel_error **err)
{
  if (!find_ctl (cg, name, c))
    return keel_err (err, 0,
                     "%s is set but the %s cgroup controller is not available (not mounted or not enabled): remove "
                     "it from config.json, or make the controller available (cgroup v1: mount it under "
                     "/sys/fs/cgroup/%s; v2: enable +%s in the parent's cgroup.subtree_control)",
                     what, name, name, name);
  return 0;
}

static bool ctl_has (const struct ctl *c, const char *file)
{
  _cleanup_free_ char *p = NULL;
  if (asprintf (&p, "%s/%s", c->dir, file) < 0)
    return false;
  return access (p, F_OK) == 0;
}

static int ctl_write (const struct ctl *c, const char *file, const char *value, keel_error **err)
{
  _cleanup_free_ char *p = NULL;
  if (asprintf (&p, "%s/%s", c->dir, file) < 0)
    return keel_err_errno (err, "asprintf");
  if (c->journal != NULL && journal_record (c->journal, p, value, err) < 0)
    return keel_err_prefix (err, "%s controller: %s", c->name, p);
  /* O_TRUNC matters only for plain files (unit tests); cgroupfs ignores it. */
  _cleanup_close_ int fd = open (p, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "%s controller: open %s", c->name, p);
  if (write (fd, value, strlen (value)) < 0)
    return keel_err_errno (err, "%s controller: write \"%s\" to %s", c->name, value, p);
  return 0;
}

static int ctl_write_i64 (const struct ctl *c, const char *file, int64_t v, keel_error **err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%" PRId64, v);
  return ctl_write (c, file, buf, err);
}

static int ctl_write_u64 (const struct ctl *c, const char *file, uint64_t v, keel_error **err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%" PRIu64, v);
  return ctl_write (c, file, buf, err);
}

/* v2 spells "no limit" as "max" where v1 takes -1. */
static int ctl_write_max (const struct ctl *c, const char *file, int64_t v, keel_error **err)
{
  return v < 0 ? ctl_write (c, file, "max", err) : ctl_write_i64 (c, file, v, err);
}

static int ctl_read (const struct ctl *c, const char *file, char **out, keel_error **err)
{
  _cleanup_free_ char *p = NULL;
  size_t len;
  if (asprintf (&p, "%s/%s", c->dir, file) < 0)
    return keel_err_errno (err, "asprintf");
  if (read_file (p, out, &len, err) < 0)
    return keel_err_prefix (err, "%s controller", c->name);
  return 0;
}

/* First number in FILE; "max" reads as INT64_MAX. */
static int ctl_read_i64 (const struct ctl *c, const char *file, int64_t *out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  if (ctl_read (c, file, &buf, err) < 0)
    return -1;
  if (strncmp (buf, "max", 3) == 0)
    {
      *out = INT64_MAX;
      return 0;
    }
  char *end;
  errno = 0;
  long long v = strtoll (buf, &end, 10);
  if (errno != 0 || end == buf)
    return keel_err (err, 0, "%s controller: %s/%s does not hold a number", c->name, c->dir, file);
  *out = v;
  return 0;
}

/* ---- conversions (runc's libcontainer/cgroups/utils.go, so both runtimes agree on v2) ---- */

uint64_t cgroup_shares_to_weight (uint64_t shares)
{
  /* [2, 262144] → [1, 10000]; 0 means unset. */
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_weight_to_io_weight (uint64_t weight)
{
  /* [10, 1000] → [1, 10000]; 0 means unset. */
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  return 1 + (weight - 10) * 9999 / 990;
}

int cgroup_swap_to_v2 (int64_t swap, int64_t limit, int64_t *out, keel_error **err)
{
  /* runtime-spec config-linux.md "Memory": swap is memory+swap; v2's
   * memory.swap.max counts swap alone, so subtract the memory limit. */
  if (limit == -1 && swap == 0)
    {
      *out = -1; /* unlimited memory, swap not given: both unlimited, as on v1 */
      return 0;
    }
  if (swap == -1 || swap == 0)
    {
      *out = swap;
      return 0;
    }
  if (limit == 0 || limit == -1)
    return keel_err (err, 0, "memory.swap (%" PRId64 ") cannot be converted for cgroup v2 without a memory.limit",
                     swap);
  if (limit < 0 || swap < limit)
    return keel_err (err, 0,
                     "memory.swap (%" PRId64 ") must be >= memory.limit (%" PRId64 "): it counts memory plus swap",
                     swap, limit);
  *out = swap - limit;
  return 0;
}

/* ---- memory ---- */

/* memory.checkBeforeUpdate: refuse a limit below what the cgroup already uses. */
static int check_usage (const struct ctl *c, const char *usage_file, int64_t limit, keel_error **err)
{
  int64_t usage;
  if (limit <= 0 || ctl_read_i64 (c, usage_file, &usage, err) < 0)
    return limit <= 0 ? 0 : -1;
  if (usage > limit)
    return keel_err (err, 0,
                     "memory.checkBeforeUpdate: new limit %" PRId64 " is below current usage %" PRId64 " (%s/%s)",
                     limit, usage, c->dir, usage_file);
  return 0;
}

static int memory_v1_limits (const struct ctl *c, const struct rc_memory *m, keel_error **err)
{
  const char *memsw = "memory.memsw.limit_in_bytes";
  if (m->has_swap && m->swap != 0 && !ctl_has (c, memsw))
    return keel_err (err, 0, "memory.swap is set but %s/%s does not exist (swap accounting disabled?)", c->dir, memsw);
  if (m->has_limit && m->has_swap && m->swap != 0)
    {
      /* memsw must stay >= limit at every step: when the new memsw is above
       * the current limit (raising), write memsw first, else limit first. */
      int64_t cur;
      if (ctl_read_i64 (c, "memory.limit_in_bytes", &cur, err) < 0)
        return -1;
      if (m->swap == -1 || cur < m->swap)
        return (ctl_write_i64 (c, memsw, m->swap, err) < 0
                || ctl_write_i64 (c, "memory.limit_in_bytes", m->limit, err) < 0)
                   ? -1
                   : 0;
      return (ctl_write_i64 (c, "memory.limit_in_bytes", m->limit, err) < 0
              || ctl_write_i64 (c, memsw, m->swap, err) < 0)
                 ? -1
                 : 0;
    }
  if (m->has_limit && ctl_write_i64 (c, "memory.limit_in_bytes", m->limit, err) < 0)
    return -1;
  if (m->has_swap && m->swap != 0 && ctl_write_i64 (c, memsw, m->swap, err) < 0)
    return -1;
  return 0;
}

/* kernel and kernelTCP are NOT RECOMMENDED in runtime-spec config-linux.md
 * "Memory" and gone from recent kernels: written where the file exists and
 * accepts it; the kernel's EOPNOTSUPP for the deprecated kmem limit is not fatal. */
static int memory_v1_kernel (const struct ctl *c, const char *file, int64_t v, keel_error **err)
{
  if (!ctl_has (c, file))
    return 0;
  if (ctl_write_i64 (c, file, v, err) < 0)
    {
      if ((*err)->errnum != EOPNOTSUPP)
        return -1;
      keel_error_freep (err);
    }
  return 0;
}

static int memory_v1 (const struct ctl *c, const struct rc_memory *m, bool is_update, keel_error **err)
{
  if (is_update && m->has_check_before_update && m->check_before_update && m->has_limit
      && check_usage (c, "memory.usage_in_bytes", m->limit, err) < 0)
    return -1;
  if (memory_v1_limits (c, m, err) < 0)
    return -1;
  if (m->has_reservation && ctl_write_i64 (c, "memory.soft_limit_in_bytes", m->reservation, err) < 0)
    return -1;
  if (m->has_kernel && memory_v1_kernel (c, "memory.kmem.limit_in_bytes", m->kernel, err) < 0)
    return -1;
  if (m->has_kernel_tcp && memory_v1_kernel (c, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, err) < 0)
    return -1;
  if (m->has_swappiness)
    {
      /* runtime-spec: swappiness is 0..100 */
      if (m->swappiness > 100)
        return keel_err (err, 0, "memory.swappiness %" PRIu64 " is out of range 0..100", m->swappiness);
      if (ctl_write_u64 (c, "memory.swappiness", m->swappiness, err) < 0)
        return -1;
    }
  if (m->has_disable_oom_killer && ctl_write (c, "memory.oom_control", m->disable_oom_killer ? "1" : "0", err) < 0)
    return -1;
  if (m->has_use_hierarchy && ctl_write (c, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", err) < 0)
    return -1;
  return 0;
}

static int memory_v2 (const struct ctl *c, const struct rc_memory *m, bool is_update, keel_error **err)
{
  if (m->has_swappiness)
    return keel_err (err, 0, "memory.swappiness is not supported on cgroup v2");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    return keel_err (err, 0, "memory.disableOOMKiller is not supported on cgroup v2");
  if (m->has_use_hierarchy && !m->use_hierarchy)
    return keel_err (err, 0, "memory.useHierarchy false is not supported on cgroup v2 (always hierarchical)");
  if (is_update && m->has_check_before_update && m->check_before_update && m->has_limit
      && check_usage (c, "memory.current", m->limit, err) < 0)
    return -1;
  int64_t limit = m->has_limit ? m->limit : 0, swap = 0;
  if (cgroup_swap_to_v2 (m->has_swap ? m->swap : 0, limit, &swap, err) < 0)
    return -1;
  /* swap first, like runc: memory.max may be lowered only after swap fits. */
  /* swap == limit converts to 0: "no swap", which must be written, unlike an absent swap (runc does the same). */
  if (swap != 0 || (m->has_swap && m->swap > 0))
    {
      if (ctl_has (c, "memory.swap.max"))
        {
          if (ctl_write_max (c, "memory.swap.max", swap, err) < 0)
            return -1;
        }
      else if (swap > 0)
        return keel_err (err, 0, "memory.swap is set but %s/memory.swap.max does not exist (no swap accounting)",
                         c->dir);
    }
  if (m->has_limit && m->limit != 0 && ctl_write_max (c, "memory.max", m->limit, err) < 0)
    return -1;
  if (m->has_reservation && m->reservation != 0 && ctl_write_max (c, "memory.low", m->reservation, err) < 0)
    return -1;
  /* kernel/kernelTCP: no v2 files (runtime-spec marks them NOT RECOMMENDED); nothing to write. */
  return 0;
}

/* ---- cpu, cpuset ---- */

static int cpu_v1_quota (const struct ctl *c, const struct rc_cpu *p, keel_error **err)
{
  if (p->has_period && p->period != 0)
    {
      if (ctl_write_u64 (c, "cpu.cfs_period_us", p->period, err) < 0)
        {
          /* The kernel refuses a period that would make the current quota
           * exceed the parent's: write the new quota first, then retry. */
          if ((*err)->errnum != EINVAL || !p->has_quota)
            return -1;
          keel_error_freep (err);
          if (ctl_write_i64 (c, "cpu.cfs_quota_us", p->quota, err) < 0
              || ctl_write_u64 (c, "cpu.cfs_period_us", p->period, err) < 0)
            return -1;
        }
    }
  if (p->has_quota && p->quota != 0 && ctl_write_i64 (c, "cpu.cfs_quota_us", p->quota, err) < 0)
    return -1;
  if (p->has_burst && ctl_write_u64 (c, "cpu.cfs_burst_us", p->burst, err) < 0)
    return -1;
  return 0;
}

static int cpu_v1 (const struct ctl *c, const struct rc_cpu *p, keel_error **err)
{
  if (p->has_shares && p->shares != 0)
    {
      if (ctl_write_u64 (c, "cpu.shares", p->shares, err) < 0)
        return -1;
      /* The kernel clamps out-of-range shares silently: read back and say so. */
      int64_t got;
      if (ctl_read_i64 (c, "cpu.shares", &got, err) < 0)
        return -1;
      if ((uint64_t)got != p->shares)
        return keel_err (err, 0, "cpu.shares %" PRIu64 " was clamped by the kernel to %" PRId64 " (%s/cpu.shares)",
                         p->shares, got, c->dir);
    }
  if (cpu_v1_quota (c, p, err) < 0)
    return -1;
  /* rt period before runtime: the runtime is checked against the period. */
  if (p->has_realtime_period && p->realtime_period != 0
      && ctl_write_u64 (c, "cpu.rt_period_us", p->realtime_period, err) < 0)
    return -1;
  if (p->has_realtime_runtime && p->realtime_runtime != 0
      && ctl_write_i64 (c, "cpu.rt_runtime_us", p->realtime_runtime, err) < 0)
    return -1;
  if (p->has_idle && ctl_write_i64 (c, "cpu.idle", p->idle, err) < 0)
    return -1;
  return 0;
}

static int cpu_v2 (const struct ctl *c, const struct rc_cpu *p, keel_error **err)
{
  if ((p->has_realtime_period && p->realtime_period != 0) || (p->has_realtime_runtime && p->realtime_runtime != 0))
    return keel_err (err, 0, "cpu.realtimeRuntime/realtimePeriod are not supported on cgroup v2");
  if (p->has_shares && p->shares != 0 && ctl_write_u64 (c, "cpu.weight", cgroup_shares_to_weight (p->shares), err) < 0)
    return -1;
  if ((p->has_quota && p->quota != 0) || (p->has_period && p->period != 0))
    {
      /* cpu.max is "QUOTA PERIOD" with "max" for no quota; a missing period keeps the kernel's. */
      char buf[64] = "max";
      if (p->has_quota && p->quota > 0)
        snprintf (buf, sizeof (buf), "%" PRId64, p->quota);
      if (p->has_period && p->period != 0)
        snprintf (buf + strlen (buf), sizeof (buf) - strlen (buf), " %" PRIu64, p->period);
      if (ctl_write (c, "cpu.max", buf, err) < 0)
        return -1;
    }
  if (p->has_burst && ctl_write_u64 (c, "cpu.max.burst", p->burst, err) < 0)
    return -1;
  if (p->has_idle && ctl_write_i64 (c, "cpu.idle", p->idle, err) < 0)
    return -1;
  return 0;
}

static bool cpu_needs_cpu_controller (const struct rc_cpu *p)
{
  return p->has_shares || p->has_quota || p->has_period || p->has_burst || p->has_realtime_period
         || p->has_realtime_runtime || p->has_idle;
}

static int apply_cpu (const cgroup_set *cg, const struct rc_cpu *p, keel_error **err)
{
  struct ctl c;
  if (cpu_needs_cpu_controller (p))
    {
      if (need_ctl (cg, "cpu", "linux.resources.cpu", &c, err) < 0)
        return -1;
      if ((c.v2 ? cpu_v2 (&c, p, err) : cpu_v1 (&c, p, err)) < 0)
        return keel_err_prefix (err, "linux.resources.cpu");
    }
  if (p->cpus == NULL && p->mems == NULL)
    return 0;
  if (need_ctl (cg, "cpuset", "linux.resources.cpu.cpus/mems", &c, err) < 0)
    return -1;
  if (p->cpus != NULL && ctl_write (&c, "cpuset.cpus", p->cpus, err) < 0)
    return keel_err_prefix (err, "linux.resources.cpu.cpus");
  if (p->mems != NULL && ctl_write (&c, "cpuset.mems", p->mems, err) < 0)
    return keel_err_prefix (err, "linux.resources.cpu.mems");
  return 0;
}

static int apply_memory (const cgroup_set *cg, const struct rc_memory *m, bool is_update, keel_error **err)
{
  struct ctl c;
  if (need_ctl (cg, "memory", "linux.resources.memory", &c, err) < 0)
    return -1;
  if ((c.v2 ? memory_v2 (&c, m, is_update, err) : memory_v1 (&c, m, is_update, err)) < 0)
    return keel_err_prefix (err, "linux.resources.memory");
  return 0;
}

static int apply_pids (const cgroup_set *cg, const struct rc_pids *p, keel_error **err)
{
  struct ctl c;
  if (need_ctl (cg, "pids", "linux.resources.pids", &c, err) < 0)
    return -1;
  /* runtime-spec config-linux.md "PIDs": limit is "the maximum number of tasks in the cgroup";
   * like runc, 0 or negative means no limit ("max" on v1 and v2). */
  if (ctl_write_max (&c, "pids.max", p->limit > 0 ? p->limit : -1, err) < 0)
    return keel_err_prefix (err, "linux.resources.pids");
  return 0;
}

/* ---- block io ---- */

/* Modern kernels only have BFQ's weight files (blkio.bfq.weight): use them when the plain one is absent. */
static const char *pick (const struct ctl *c, const char *plain, const char *bfq)
{
  return ctl_has (c, plain) || !ctl_has (c, bfq) ? plain : bfq;
}

/* "MAJOR:MINOR VALUE", or "MAJOR:MINOR KEY=VALUE" for v2's io.max. */
static int write_dev (const struct ctl *c, const char *file, int64_t major, int64_t minor, const char *key, uint64_t v,
                      keel_error **err)
{
  char buf[96];
  snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %s%s%" PRIu64, major, minor, key ? key : "", key ? "=" : "", v);
  return ctl_write (c, file, buf, err);
}

struct throttle_list
{
  const struct rc_throttle_device *d;
  size_t n;
  const char *v1_file;
  const char *v2_key;
};

static void throttles (const struct rc_block_io *b, struct throttle_list t[4])
{
  t[0] = (struct throttle_list){ b->throttle_read_bps_device, b->throttle_read_bps_device_len,
                                 "blkio.throttle.read_bps_device", "rbps" };
  t[1] = (struct throttle_list){ b->throttle_write_bps_device, b->throttle_write_bps_device_len,
                                 "blkio.throttle.write_bps_device", "wbps" };
  t[2] = (struct throttle_list){ b->throttle_read_iops_device, b->throttle_read_iops_device_len,
                                 "blkio.throttle.read_iops_device", "riops" };
  t[3] = (struct throttle_list){ b->throttle_write_iops_device, b->throttle_write_iops_device_len,
                                 "blkio.throttle.write_iops_device", "wiops" };
}

static int blkio_v1 (const struct ctl *c, const struct rc_block_io *b, keel_error **err)
{
  const char *wfile = pick (c, "blkio.weight", "blkio.bfq.weight");
  const char *wdev = pick (c, "blkio.weight_device", "blkio.bfq.weight_device");
  if (b->has_weight && b->weight != 0 && ctl_write_u64 (c, wfile, b->weight, err) < 0)
    return -1;
  if (b->has_leaf_weight && b->leaf_weight != 0 && ctl_write_u64 (c, "blkio.leaf_weight", b->leaf_weight, err) < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const struct rc_weight_device *d = &b->weight_device[i];
      if (d->has_weight && write_dev (c, wdev, d->major, d->minor, NULL, d->weight, err) < 0)
        return -1;
      if (d->has_leaf_weight
          && write_dev (c, "blkio.leaf_weight_device", d->major, d->minor, NULL, d->leaf_weight, err) < 0)
        return -1;
    }
  struct throttle_list t[4];
  throttles (b, t);
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < t[k].n; i++)
      if (write_dev (c, t[k].v1_file, t[k].d[i].major, t[k].d[i].minor, NULL, t[k].d[i].rate, err) < 0)
        return -1;
  return 0;
}

static int blkio_v2 (const struct ctl *c, const struct rc_block_io *b, keel_error **err)
{
  if (b->has_leaf_weight && b->leaf_weight != 0)
    return keel_err (err, 0, "blockIO.leafWeight is not supported on cgroup v2");
  /* Like runc: BFQ's io.bfq.weight takes the blkio scale as is; io.weight needs the conversion. */
  bool bfq = ctl_has (c, "io.bfq.weight");
  const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
  if (b->has_weight && b->weight != 0
      && ctl_write_u64 (c, wfile, bfq ? b->weight : cgroup_blkio_weight_to_io_weight (b->weight), err) < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const struct rc_weight_device *d = &b->weight_device[i];
      if (d->has_leaf_weight)
        return keel_err (err, 0, "blockIO.weightDevice[%zu].leafWeight is not supported on cgroup v2", i);
      uint64_t w = bfq ? d->weight : cgroup_blkio_weight_to_io_weight (d->weight);
      if (d->has_weight && write_dev (c, wfile, d->major, d->minor, NULL, w, err) < 0)
        return -1;
    }
  struct throttle_list t[4];
  throttles (b, t);
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < t[k].n; i++)
      if (write_dev (c, "io.max", t[k].d[i].major, t[k].d[i].minor, t[k].v2_key, t[k].d[i].rate, err) < 0)
        return -1;
  return 0;
}

static int apply_blkio (const cgroup_set *cg, const struct rc_block_io *b, keel_error **err)
{
  struct ctl c;
  bool v1 = find_ctl (cg, "blkio", &c);
  if (!v1 && need_ctl (cg, "io", "linux.resources.blockIO", &c, err) < 0)
    return -1;
  if ((c.v2 ? blkio_v2 (&c, b, err) : blkio_v1 (&c, b, err)) < 0)
    return keel_err_prefix (err, "linux.resources.blockIO");
  return 0;
}

/* ---- hugetlb, network, rdma ---- */

static int apply_hugetlb (const cgroup_set *cg, const struct rc_resources *r, keel_error **err)
{
  struct ctl c;
  if (need_ctl (cg, "hugetlb", "linux.resources.hugepageLimits", &c, err) < 0)
    return -1;
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    {
      const struct rc_hugepage_limit *h = &r->hugepage_limits[i];
      _cleanup_free_ char *file = NULL, *rsvd = NULL;
      /* runtime-spec "Huge page limits": pageSize is the <hugepagesize> of hugetlb.<hugepagesize>.limit_in_bytes */
      if (h->page_size == NULL || strchr (h->page_size, '/') != NULL
          || asprintf (&file, c.v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes", h->page_size) < 0
          || asprintf (&rsvd, c.v2 ? "hugetlb.%s.rsvd.max" : "hugetlb.%s.rsvd.limit_in_bytes", h->page_size) < 0)
        return keel_err (err, EINVAL, "linux.resources.hugepageLimits[%zu].pageSize", i);
      if (!ctl_has (&c, file))
        return keel_err (err, 0, "linux.resources.hugepageLimits[%zu]: page size %s not supported (no %s/%s)", i,
                         h->page_size, c.dir, file);
      /* The reservation limit too where the kernel has it, so reserved-but-unfaulted pages count. */
      if (ctl_write_u64 (&c, file, h->limit, err) < 0
          || (ctl_has (&c, rsvd) && ctl_write_u64 (&c, rsvd, h->limit, err) < 0))
        return keel_err_prefix (err, "linux.resources.hugepageLimits[%zu]", i);
    }
  return 0;
}

static int apply_network (const cgroup_set *cg, const struct rc_network *n, keel_error **err)
{
  struct ctl c;
  if (n->has_class_id)
    {
      if (need_ctl (cg, "net_cls", "linux.resources.network.classID", &c, err) < 0)
        return -1;
      if (ctl_write_u64 (&c, "net_cls.classid", n->class_id, err) < 0)
        return keel_err_prefix (err, "linux.resources.network.classID");
    }
  if (n->priorities_len == 0)
    return 0;
  if (need_ctl (cg, "net_prio", "linux.resources.network.priorities", &c, err) < 0)
    return -1;
  for (size_t i = 0; i < n->priorities_len; i++)
    {
      _cleanup_free_ char *line = NULL;
      if (asprintf (&line, "%s %" PRIu32, n->priorities[i].name, n->priorities[i].priority) < 0)
        return keel_err_errno (err, "asprintf");
      if (ctl_write (&c, "net_prio.ifpriomap", line, err) < 0)
        return keel_err_prefix (err, "linux.resources.network.priorities[%zu]", i);
    }
  return 0;
}

static int apply_rdma (const cgroup_set *cg, const struct rc_resources *r, keel_error **err)
{
  struct ctl c;
  if (need_ctl (cg, "rdma", "linux.resources.rdma", &c, err) < 0)
    return -1;
  for (size_t i = 0; i < r->rdma_len; i++)
    {
      const struct rc_rdma *d = &r->rdma[i];
      char buf[128] = "";
      if (d->has_hca_handles)
        snprintf (buf, sizeof (buf), " hca_handle=%" PRIu32, d->hca_handles);
      if (d->has_hca_objects)
        snprintf (buf + strlen (buf), sizeof (buf) - strlen (buf), " hca_object=%" PRIu32, d->hca_objects);
      if (buf[0] == '\0')
        continue;
      _cleanup_free_ char *line = NULL;
      if (asprintf (&line, "%s%s", d->device, buf) < 0)
        return keel_err_errno (err, "asprintf");
      if (ctl_write (&c, "rdma.max", line, err) < 0)
        return keel_err_prefix (err, "linux.resources.rdma.%s", d->device);
    }
  return 0;
}

/* ---- unified ---- */

static const char *v2_path (const cgroup_set *cg)
{
  for (size_t i = 0; cg->paths[i] != NULL; i++)
    if (is_v2_mount (cg->mountpoints[i]))
      return cg->paths[i];
  return NULL;
}

/* runtime-spec config-linux.md "Unified": each key refers to a file in the
 * unified hierarchy, written verbatim ("configuration unknown to the runtime
 * MUST still be written"); the runtime MUST generate an error when it refers
 * to a controller that is not present or cannot be enabled (enabling in the
 * parent's subtree_control is cgroup_create's job). A key naming no file is
 * that error. On hybrid hosts the v2 mount's files (cgroup.*, controllers
 * moved there) are accepted; a v1-only host has nowhere to write them. */
static int apply_unified (const cgroup_set *cg, char **kv, keel_error **err)
{
  const char *dir = v2_path (cg);
  if (dir == NULL)
    return keel_err (err, 0, "linux.resources.unified is set but this host has no cgroup v2 hierarchy");
  struct ctl c = { "unified", dir, true, cg->journal };
  for (size_t i = 0; kv[i] != NULL && kv[i + 1] != NULL; i += 2)
    {
      const char *key = kv[i];
      if (key[0] == '\0' || key[0] == '.' || strchr (key, '/') != NULL)
        return keel_err (err, 0, "linux.resources.unified: \"%s\" is not a cgroup file name", key);
      if (!ctl_has (&c, key))
        return keel_err (err, 0, "linux.resources.unified.%s: no such file %s/%s (controller not enabled?)", key, dir,
                         key);
      if (ctl_write (&c, key, kv[i + 1], err) < 0)
        return keel_err_prefix (err, "linux.resources.unified.%s", key);
    }
  return 0;
}

static int apply_devices (const cgroup_set *cg, const struct rc_resources *r, keel_error **err)
{
  /* v1 device rules are written by cgroup_create; v2 has no devices files, only eBPF. */
  if (!cg->unified_only || r->devices_len == 0)
    return 0;
  _cleanup_close_ int fd = open (cg->paths[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "open %s", cg->paths[0]);
  if (cgroup_devices_bpf_attach (fd, r->devices, r->devices_len, err) < 0)
    return keel_err_prefix (err, "linux.resources.devices");
  return 0;
}

static int apply_all (const cgroup_set *cg, const struct rc_resources *r, bool is_update, keel_error **err);

int cgroup_apply_resources (const cgroup_set *cg, const struct rc_resources *r, bool is_update, keel_error **err)
{
  if (r == NULL)
    return 0;
  if (!is_update)
    return apply_all (cg, r, false, err);
  /* An update that fails midway must not leave half of it applied: every
   * file is read before it is written and restored on failure. */
  struct cgroup_journal j = { 0 };
  cgroup_set jcg = *cg;
  jcg.journal = &j;
  int rc = apply_all (&jcg, r, true, err);
  if (rc < 0)
    journal_rollback (&j, err);
  journal_free (&j);
  return rc;
}

static int apply_all (const cgroup_set *cg, const struct rc_resources *r, bool is_update, keel_error **err)
{
  if (r->memory != NULL && apply_memory (cg, r->memory, is_update, err) < 0)
    return -1;
  if (r->cpu != NULL && apply_cpu (cg, r->cpu, err) < 0)
    return -1;
  if (r->pids != NULL && apply_pids (cg, r->pids, err) < 0)
    return -1;
  if (r->block_io != NULL && apply_blkio (cg, r->block_io, err) < 0)
    return -1;
  if (r->hugepage_limits_len > 0 && apply_hugetlb (cg, r, err) < 0)
    return -1;
  if (r->network != NULL && apply_network (cg, r->network, err) < 0)
    return -1;
  if (r->rdma_len > 0 && apply_rdma (cg, r, err) < 0)
    return -1;
  if (r->unified != NULL && r->unified[0] != NULL && apply_unified (cg, r->unified, err) < 0)
    return -1;
  return apply_devices (cg, r, err);
}
