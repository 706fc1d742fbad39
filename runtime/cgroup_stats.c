/* `events --stats` numbers: cpu, memory, pids, io, hugetlb read from cgroup v1 or v2 files. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_resources.h"
#include "cgroup_stats.h"
#include "cleanup.h"
#include "fsutil.h"

/* The file's content, or NULL when it does not exist (kernels differ in which files they have). */
static char *slurp (const char *dir, const char *file, keel_error **err, int *rc)
{
  _cleanup_free_ char *p = NULL;
  char *buf = NULL;
  size_t len;
  *rc = 0;
  if (asprintf (&p, "%s/%s", dir, file) < 0)
    return (*rc = keel_err_errno (err, "asprintf")), NULL;
  if (read_file (p, &buf, &len, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        keel_error_freep (err);
      else
        *rc = -1;
      return NULL;
    }
  return buf;
}

/* A single number; "max" is 0 (no limit). Missing file: *out untouched. */
static int num (const char *dir, const char *file, uint64_t *out, keel_error **err)
{
  int rc;
  _cleanup_free_ char *buf = slurp (dir, file, err, &rc);
  if (buf != NULL)
    *out = strncmp (buf, "max", 3) == 0 ? 0 : strtoull (buf, NULL, 10);
  return rc;
}

/* The value of "KEY VALUE" in a flat-keyed file (cpu.stat, memory.events...), times MUL. */
static int keyed (const char *dir, const char *file, const char *key, uint64_t mul, uint64_t *out, keel_error **err)
{
  int rc;
  _cleanup_free_ char *buf = slurp (dir, file, err, &rc);
  size_t l = strlen (key);
  for (char *line = buf; line != NULL && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    if (strncmp (line, key, l) == 0 && line[l] == ' ')
      {
        *out = strtoull (line + l + 1, NULL, 10) * mul;
        break;
      }
  return rc;
}

/* Sum the per-device io counters: v2 io.stat "MAJ:MIN rbytes=N wbytes=N ...", v1 "MAJ:MIN Read N". */
static int io_bytes (const char *dir, bool v2, struct cgroup_stats *st, keel_error **err)
{
  int rc;
  _cleanup_free_ char *buf = slurp (dir, v2 ? "io.stat" : "blkio.throttle.io_service_bytes_recursive", err, &rc);
  char *save = NULL;
  __typeof__ (st->io_devices[0]) *dev = NULL;
  for (char *tok = buf != NULL ? strtok_r (buf, " \n", &save) : NULL; tok != NULL; tok = strtok_r (NULL, " \n", &save))
    {
      unsigned ma, mi;
      uint64_t v = 0, *sum = NULL, *per = NULL;
      if (sscanf (tok, "%u:%u", &ma, &mi) == 2)
        {
          /* v1 repeats the device on each line: one entry per device */
          if (dev == NULL || dev->major != ma || dev->minor != mi)
            dev = st->io_devices_len < CGROUP_STATS_MAX_IO_DEVICES ? &st->io_devices[st->io_devices_len++] : NULL;
          if (dev != NULL)
            dev->major = ma, dev->minor = mi;
          continue;
        }
      if (v2 && (strncmp (tok, "rbytes=", 7) == 0 || strncmp (tok, "wbytes=", 7) == 0))
        v = strtoull (tok + 7, NULL, 10), sum = tok[0] == 'r' ? &st->io_read_bytes : &st->io_write_bytes,
        per = dev == NULL     ? NULL
              : tok[0] == 'r' ? &dev->read_bytes
                              : &dev->write_bytes;
      else if (!v2 && (strcmp (tok, "Read") == 0 || strcmp (tok, "Write") == 0))
        {
          const char *n = strtok_r (NULL, " \n", &save);
          v = n != NULL ? strtoull (n, NULL, 10) : 0;
          sum = tok[0] == 'R' ? &st->io_read_bytes : &st->io_write_bytes;
          per = dev == NULL ? NULL : tok[0] == 'R' ? &dev->read_bytes : &dev->write_bytes;
        }
      if (sum != NULL)
        *sum += v;
      if (per != NULL)
        *per += v;
    }
  return rc;
}

static int cpu_stats (const cgroup_set *cg, struct cgroup_stats *st, keel_error **err)
{
  bool v2;
  const char *d = cgroup_controller_dir (cg, "cpu", &v2);
  if (d != NULL && v2)
    return (keyed (d, "cpu.stat", "usage_usec", 1000, &st->cpu_total_ns, err) < 0
            || keyed (d, "cpu.stat", "user_usec", 1000, &st->cpu_user_ns, err) < 0
            || keyed (d, "cpu.stat", "system_usec", 1000, &st->cpu_kernel_ns, err) < 0
            || keyed (d, "cpu.stat", "nr_periods", 1, &st->cpu_periods, err) < 0
            || keyed (d, "cpu.stat", "nr_throttled", 1, &st->cpu_throttled_periods, err) < 0
            || keyed (d, "cpu.stat", "throttled_usec", 1000, &st->cpu_throttled_ns, err) < 0)
               ? -1
               : 0;
  if (d != NULL
      && (keyed (d, "cpu.stat", "nr_periods", 1, &st->cpu_periods, err) < 0
          || keyed (d, "cpu.stat", "nr_throttled", 1, &st->cpu_throttled_periods, err) < 0
          || keyed (d, "cpu.stat", "throttled_time", 1, &st->cpu_throttled_ns, err) < 0))
    return -1;
  const char *a = cgroup_controller_dir (cg, "cpuacct", &v2);
  if (a == NULL)
    return 0;
  return (num (a, "cpuacct.usage", &st->cpu_total_ns, err) < 0
          || num (a, "cpuacct.usage_user", &st->cpu_user_ns, err) < 0
          || num (a, "cpuacct.usage_sys", &st->cpu_kernel_ns, err) < 0)
             ? -1
             : 0;
}

static int memory_stats (const cgroup_set *cg, struct cgroup_stats *st, keel_error **err)
{
  bool v2;
  const char *d = cgroup_controller_dir (cg, "memory", &v2);
  if (d == NULL)
    return 0;
  if (v2)
    return (num (d, "memory.current", &st->mem_usage, err) < 0 || num (d, "memory.peak", &st->mem_max_usage, err) < 0
            || num (d, "memory.max", &st->mem_limit, err) < 0
            || keyed (d, "memory.events", "max", 1, &st->mem_failcnt, err) < 0
            || num (d, "memory.swap.current", &st->swap_usage, err) < 0
            || num (d, "memory.swap.max", &st->swap_limit, err) < 0)
               ? -1
               : 0;
  return (num (d, "memory.usage_in_bytes", &st->mem_usage, err) < 0
          || num (d, "memory.max_usage_in_bytes", &st->mem_max_usage, err) < 0
          || num (d, "memory.limit_in_bytes", &st->mem_limit, err) < 0
          || num (d, "memory.failcnt", &st->mem_failcnt, err) < 0
          || num (d, "memory.memsw.usage_in_bytes", &st->swap_usage, err) < 0
          || num (d, "memory.memsw.limit_in_bytes", &st->swap_limit, err) < 0)
             ? -1
             : 0;
}

/* One entry per hugetlb.<size>.{limit_in_bytes,max} file (the rsvd ones skipped). */
static int hugetlb_stats (const cgroup_set *cg, struct cgroup_stats *st, keel_error **err)
{
  bool v2;
  const char *d = cgroup_controller_dir (cg, "hugetlb", &v2);
  if (d == NULL)
    return 0;
  _cleanup_closedir_ DIR *dir = opendir (d);
  if (dir == NULL)
    return keel_err_errno (err, "opendir %s", d);
  const char *suffix = v2 ? ".max" : ".limit_in_bytes";
  for (struct dirent *e; (e = readdir (dir)) != NULL && st->hugetlb_len < CGROUP_STATS_MAX_HUGEPAGE_SIZES;)
    {
      char size[16];
      size_t l = strlen (e->d_name), sl = strlen (suffix);
      if (strncmp (e->d_name, "hugetlb.", 8) != 0 || l <= 8 + sl || strcmp (e->d_name + l - sl, suffix) != 0
          || l - 8 - sl >= sizeof (size) || memchr (e->d_name + 8, '.', l - 8 - sl) != NULL)
        continue;
      memcpy (size, e->d_name + 8, l - 8 - sl);
      size[l - 8 - sl] = '\0';
      __typeof__ (st->hugetlb[0]) *h = &st->hugetlb[st->hugetlb_len++];
      snprintf (h->size, sizeof (h->size), "%s", size);
      _cleanup_free_ char *u = NULL, *m = NULL, *f = NULL;
      if (asprintf (&u, v2 ? "hugetlb.%s.current" : "hugetlb.%s.usage_in_bytes", size) < 0
          || asprintf (&m, "hugetlb.%s.max_usage_in_bytes", size) < 0
          || asprintf (&f, v2 ? "hugetlb.%s.events" : "hugetlb.%s.failcnt", size) < 0)
        return keel_err_errno (err, "asprintf");
      if (num (d, u, &h->usage, err) < 0 || (!v2 && num (d, m, &h->max_usage, err) < 0)
          || (v2 ? keyed (d, f, "max", 1, &h->failcnt, err) : num (d, f, &h->failcnt, err)) < 0)
        return -1;
    }
  return 0;
}

int cgroup_stats_read (const cgroup_set *cg, struct cgroup_stats *st, keel_error **err)
{
  bool v2;
  const char *d;
  memset (st, 0, sizeof (*st));
  if (cpu_stats (cg, st, err) < 0 || memory_stats (cg, st, err) < 0 || hugetlb_stats (cg, st, err) < 0)
    return keel_err_prefix (err, "cgroup stats");
  if ((d = cgroup_controller_dir (cg, "pids", &v2)) != NULL
      && (num (d, "pids.current", &st->pids_current, err) < 0 || num (d, "pids.max", &st->pids_limit, err) < 0))
    return keel_err_prefix (err, "cgroup stats");
  if ((d = cgroup_controller_dir (cg, "blkio", &v2)) != NULL || (d = cgroup_controller_dir (cg, "io", &v2)) != NULL)
    if (io_bytes (d, v2, st, err) < 0)
      return keel_err_prefix (err, "cgroup stats");
  return 0;
}
