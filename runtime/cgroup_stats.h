/* Resource usage of a container's cgroups for `events --stats`, read from v1 or v2 files into one shape. */
#ifndef KEEL_CGROUP_STATS_H
#define KEEL_CGROUP_STATS_H

#include <stdint.h>

#include "cgroup.h"
#include "error.h"

#define CGROUP_STATS_MAX_HUGEPAGE_SIZES 8
#define CGROUP_STATS_MAX_IO_DEVICES 32

/* Units as in runc's events JSON: nanoseconds and bytes. A limit of 0 means none. */
struct cgroup_stats
{
  uint64_t cpu_total_ns, cpu_user_ns, cpu_kernel_ns;
  uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_ns;
  uint64_t mem_usage, mem_max_usage, mem_limit, mem_failcnt;
  uint64_t swap_usage, swap_limit; /* v1: memory+swap (memsw), v2: swap alone */
  uint64_t pids_current, pids_limit;
  uint64_t io_read_bytes, io_write_bytes; /* over all devices */
  struct
  {
    unsigned major, minor;
    uint64_t read_bytes, write_bytes;
  } io_devices[CGROUP_STATS_MAX_IO_DEVICES]; /* the same per device (the first ones) */
  size_t io_devices_len;
  struct
  {
    char size[16];
    uint64_t usage, max_usage, failcnt;
  } hugetlb[CGROUP_STATS_MAX_HUGEPAGE_SIZES];
  size_t hugetlb_len;
};

/* Fill *ST from every controller CG has; absent controllers leave zeros. */
int cgroup_stats_read (const cgroup_set *cg, struct cgroup_stats *st, keel_error **err);

#endif
