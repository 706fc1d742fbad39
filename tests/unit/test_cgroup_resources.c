/* Unit tests for runtime/cgroup_resources and cgroup_devices_bpf: translations into a fake cgroup tree in a temp dir.
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime/cgroup_devices_bpf.h"
#include "runtime/cgroup_resources.h"
#include "runtime/cgroup_stats.h"
#include "tap.h"

static char root[] = "/tmp/keel-cgres-XXXXXX";

/* A hierarchy MNT (relative to root) with cgroup dir "c" holding FILES (name=value pairs). */
static void mk (const char *mnt, const char *controllers, const char *const *files)
{
  _cleanup_free_ char *dir = NULL;
  keel_error *e = NULL;
  if (asprintf (&dir, "%s/%s/c", root, mnt) < 0 || mkdir_p (dir, 0755, &e) < 0)
    abort ();
  if (controllers != NULL)
    {
      /* cgroup2: the mount root and the cgroup both have cgroup.controllers */
      _cleanup_free_ char *a = NULL, *b = NULL;
      if (asprintf (&a, "%s/%s/cgroup.controllers", root, mnt) < 0
          || asprintf (&b, "%s/%s/c/cgroup.controllers", root, mnt) < 0
          || write_file_atomic (a, controllers, strlen (controllers), 0644, 0, &e) < 0
          || write_file_atomic (b, controllers, strlen (controllers), 0644, 0, &e) < 0)
        abort ();
    }
  for (size_t i = 0; files != NULL && files[i] != NULL; i += 2)
    {
      _cleanup_free_ char *p = NULL;
      if (asprintf (&p, "%s/%s", dir, files[i]) < 0
          || write_file_atomic (p, files[i + 1], strlen (files[i + 1]), 0644, 0, &e) < 0)
        abort ();
    }
}

static char *rd (const char *mnt, const char *file)
{
  static char buf[256];
  _cleanup_free_ char *p = NULL, *data = NULL;
  size_t len;
  keel_error *e = NULL;
  if (asprintf (&p, "%s/%s/c/%s", root, mnt, file) < 0 || read_file (p, &data, &len, &e) < 0)
    {
      keel_error_free (e);
      return NULL;
    }
  snprintf (buf, sizeof (buf), "%s", data);
  return buf;
}

/* Apply RES (the linux.resources JSON) to the hierarchies MNTS; NULL on success, else the error message. */
static char *apply (const char *const *mnts, bool unified_only, const char *res, bool is_update)
{
  static char msg[1024];
  char *paths[16], *mp[16];
  size_t n = 0;
  _cleanup_free_ char *json = NULL;
  keel_error *e = NULL;
  struct runtime_config *cfg = NULL;
  if (asprintf (&json, "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":%s}}", res) < 0)
    abort ();
  if (runtime_config_parse ("config.json", json, strlen (json), &cfg, &e) < 0)
    {
      snprintf (msg, sizeof (msg), "parse: %s", e->msg);
      keel_error_free (e);
      return msg;
    }
  for (; mnts[n] != NULL; n++)
    if (asprintf (&mp[n], "%s/%s", root, mnts[n]) < 0 || asprintf (&paths[n], "%s/c", mp[n]) < 0)
      abort ();
  paths[n] = mp[n] = NULL;
  cgroup_set cg = { .paths = paths, .mountpoints = mp, .unified_only = unified_only };
  int rc = cgroup_apply_resources (&cg, cfg->linux_->resources, is_update, &e);
  for (size_t i = 0; i < n; i++)
    free (paths[i]), free (mp[i]);
  runtime_config_free (cfg);
  if (rc == 0)
    return NULL;
  snprintf (msg, sizeof (msg), "%s", e->msg);
  keel_error_free (e);
  return msg;
}

static const char *const V1[] = { "memory", "cpu,cpuacct", "cpuset", "pids", "blkio", "hugetlb", NULL };
static const char *const HYBRID[] = { "memory", "cpu,cpuacct", "pids", "blkio", "unified", NULL };
static const char *const V2[] = { "v2", NULL };

static void setup (void)
{
  const char *const mem[] = { "memory.limit_in_bytes",
                              "9223372036854771712",
                              "memory.memsw.limit_in_bytes",
                              "",
                              "memory.soft_limit_in_bytes",
                              "",
                              "memory.swappiness",
                              "60",
                              "memory.oom_control",
                              "0",
                              "memory.kmem.tcp.limit_in_bytes",
                              "",
                              "memory.usage_in_bytes",
                              "100000",
                              NULL };
  const char *const cpu[] = { "cpu.shares",
                              "",
                              "cpu.cfs_quota_us",
                              "",
                              "cpu.cfs_period_us",
                              "",
                              "cpu.cfs_burst_us",
                              "",
                              "cpu.rt_runtime_us",
                              "",
                              "cpu.rt_period_us",
                              "",
                              "cpu.idle",
                              "",
                              NULL };
  const char *const cpuset[] = { "cpuset.cpus", "", "cpuset.mems", "", NULL };
  const char *const pids[] = { "pids.max", "", NULL };
  const char *const blkio[] = { "blkio.bfq.weight",
                                "",
                                "blkio.bfq.weight_device",
                                "",
                                "blkio.throttle.read_bps_device",
                                "",
                                "blkio.throttle.write_iops_device",
                                "",
                                NULL };
  const char *const huge[] = { "hugetlb.2MB.limit_in_bytes", "", "hugetlb.2MB.rsvd.limit_in_bytes", "", NULL };
  const char *const uni[] = { "hugetlb.2MB.max", "", "cgroup.max.depth", "max", NULL };
  const char *const v2[] = { "memory.max",  "", "memory.swap.max", "", "memory.low",    "", "memory.current", "100000",
                             "cpu.weight",  "", "cpu.max",         "", "cpu.max.burst", "", "cpu.idle",       "",
                             "cpuset.cpus", "", "cpuset.mems",     "", "io.weight",     "", "io.max",         "",
                             "pids.max",    "", "hugetlb.2MB.max", "", "rdma.max",      "", "memory.high",    "max",
                             NULL };
  mk ("memory", NULL, mem);
  mk ("cpu,cpuacct", NULL, cpu);
  mk ("cpuset", NULL, cpuset);
  mk ("pids", NULL, pids);
  mk ("blkio", NULL, blkio);
  mk ("hugetlb", NULL, huge);
  mk ("unified", "hugetlb", uni);
  mk ("v2", "cpuset cpu io memory hugetlb pids rdma", v2);
}

static void test_conversions (void)
{
  keel_error *e = NULL;
  int64_t v;
  tap_ok (cgroup_shares_to_weight (2) == 1 && cgroup_shares_to_weight (262144) == 10000
              && cgroup_shares_to_weight (1024) == 39 && cgroup_shares_to_weight (0) == 0,
          "cpu shares -> cpu.weight (2->1, 1024->39, 262144->10000, 0 unset)");
  tap_ok (cgroup_blkio_weight_to_io_weight (10) == 1 && cgroup_blkio_weight_to_io_weight (1000) == 10000
              && cgroup_blkio_weight_to_io_weight (500) == 4950,
          "blkio weight -> io.weight (10->1, 500->4950, 1000->10000)");
  tap_ok (cgroup_swap_to_v2 (64 << 20, 32 << 20, &v, &e) == 0 && v == 32 << 20, "v2 swap = swap - limit");
  tap_ok (cgroup_swap_to_v2 (0, -1, &v, &e) == 0 && v == -1, "unlimited memory, swap unset -> swap max");
  tap_ok (cgroup_swap_to_v2 (-1, 32 << 20, &v, &e) == 0 && v == -1, "swap -1 stays max");
  tap_ok (cgroup_swap_to_v2 (16 << 20, 32 << 20, &v, &e) < 0 && strstr (e->msg, ">= memory.limit") != NULL,
          "swap below limit refused");
  keel_error_freep (&e);
  tap_ok (cgroup_swap_to_v2 (16 << 20, 0, &v, &e) < 0 && strstr (e->msg, "without a memory.limit") != NULL,
          "swap without limit refused");
  keel_error_freep (&e);
}

static void test_v1 (void)
{
  tap_is (apply (V1, false,
                 "{\"memory\":{\"limit\":33554432,\"swap\":67108864,\"reservation\":16777216,\"swappiness\":10,"
                 "\"disableOOMKiller\":true,\"kernelTCP\":1048576}}",
                 false),
          NULL, "v1 memory applied");
  tap_is (rd ("memory", "memory.limit_in_bytes"), "33554432", "memory.limit_in_bytes");
  tap_is (rd ("memory", "memory.memsw.limit_in_bytes"), "67108864", "memory.memsw.limit_in_bytes = swap (memory+swap)");
  tap_is (rd ("memory", "memory.soft_limit_in_bytes"), "16777216", "reservation -> soft_limit_in_bytes");
  tap_is (rd ("memory", "memory.swappiness"), "10", "memory.swappiness");
  tap_is (rd ("memory", "memory.oom_control"), "1", "disableOOMKiller -> oom_control 1");
  tap_is (rd ("memory", "memory.kmem.tcp.limit_in_bytes"), "1048576", "kernelTCP where the file exists");
  tap_is (apply (V1, false, "{\"memory\":{\"kernel\":1048576}}", false), NULL, "kernel skipped without kmem file");
  tap_like (apply (V1, false, "{\"memory\":{\"limit\":50000,\"checkBeforeUpdate\":true}}", true),
            "below current usage 100000", "checkBeforeUpdate refuses a limit under memory.usage_in_bytes");
  tap_is (apply (V1, false, "{\"memory\":{\"limit\":50000,\"checkBeforeUpdate\":true}}", false), NULL,
          "checkBeforeUpdate only on update");

  tap_is (apply (V1, false,
                 "{\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"burst\":1000,\"realtimeRuntime\":950,"
                 "\"realtimePeriod\":1000,\"idle\":1,\"cpus\":\"0-1\",\"mems\":\"0\"}}",
                 false),
          NULL, "v1 cpu applied");
  tap_is (rd ("cpu,cpuacct", "cpu.shares"), "512", "cpu.shares on the cpu,cpuacct co-mount");
  tap_is (rd ("cpu,cpuacct", "cpu.cfs_quota_us"), "50000", "cpu.cfs_quota_us");
  tap_is (rd ("cpu,cpuacct", "cpu.cfs_period_us"), "100000", "cpu.cfs_period_us");
  tap_is (rd ("cpu,cpuacct", "cpu.cfs_burst_us"), "1000", "cpu.cfs_burst_us");
  tap_is (rd ("cpu,cpuacct", "cpu.rt_runtime_us"), "950", "cpu.rt_runtime_us");
  tap_is (rd ("cpu,cpuacct", "cpu.rt_period_us"), "1000", "cpu.rt_period_us");
  tap_is (rd ("cpu,cpuacct", "cpu.idle"), "1", "cpu.idle");
  tap_is (rd ("cpuset", "cpuset.cpus"), "0-1", "cpuset.cpus");
  tap_is (rd ("cpuset", "cpuset.mems"), "0", "cpuset.mems");

  tap_is (apply (V1, false, "{\"pids\":{\"limit\":20}}", false), NULL, "pids applied");
  tap_is (rd ("pids", "pids.max"), "20", "pids.max");
  apply (V1, false, "{\"pids\":{\"limit\":-1}}", false);
  tap_is (rd ("pids", "pids.max"), "max", "pids limit -1 -> max");

  tap_is (apply (V1, false,
                 "{\"blockIO\":{\"weight\":300,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":200}],"
                 "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
                 "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":100}]}}",
                 false),
          NULL, "v1 blkio applied");
  tap_is (rd ("blkio", "blkio.bfq.weight"), "300", "weight -> blkio.bfq.weight when blkio.weight is absent");
  tap_is (rd ("blkio", "blkio.bfq.weight_device"), "8:0 200", "weightDevice");
  tap_is (rd ("blkio", "blkio.throttle.read_bps_device"), "8:0 1048576", "throttleReadBpsDevice");
  tap_is (rd ("blkio", "blkio.throttle.write_iops_device"), "8:16 100", "throttleWriteIOPSDevice");
  tap_like (apply (V1, false, "{\"blockIO\":{\"leafWeight\":300}}", false), "blkio.leaf_weight",
            "leafWeight without the file: error names it");

  tap_is (apply (V1, false, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}", false), NULL,
          "v1 hugetlb applied");
  tap_is (rd ("hugetlb", "hugetlb.2MB.limit_in_bytes"), "4194304", "hugetlb.2MB.limit_in_bytes");
  tap_is (rd ("hugetlb", "hugetlb.2MB.rsvd.limit_in_bytes"), "4194304", "hugetlb.2MB.rsvd.limit_in_bytes");
  tap_like (apply (V1, false, "{\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":1}]}", false),
            "page size 1GB not supported", "unknown page size");

  tap_like (apply (V1, false, "{\"network\":{\"classID\":1048577}}", false), "net_cls cgroup controller",
            "network classID without net_cls: error names the controller");
  tap_like (apply (V1, false, "{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}}}", false), "rdma cgroup controller",
            "rdma without the controller");
  tap_like (apply (V1, false, "{\"unified\":{\"memory.high\":\"1M\"}}", false), "no cgroup v2 hierarchy",
            "unified on v1 only: error");
}

static void test_hybrid (void)
{
  tap_is (apply (HYBRID, false, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2097152}]}", false), NULL,
          "hybrid: hugetlb on the v2 mount");
  tap_is (rd ("unified", "hugetlb.2MB.max"), "2097152", "hybrid hugetlb.2MB.max");
  tap_is (apply (HYBRID, false, "{\"unified\":{\"cgroup.max.depth\":\"3\"}}", false), NULL, "hybrid: unified key");
  tap_is (rd ("unified", "cgroup.max.depth"), "3", "unified written verbatim");
  tap_like (apply (HYBRID, false, "{\"unified\":{\"memory.high\":\"1M\"}}", false), "no such file",
            "hybrid: unified key naming a missing file");
  tap_like (apply (HYBRID, false, "{\"cpu\":{\"cpus\":\"0\"}}", false), "cpuset cgroup controller",
            "cpus without a cpuset hierarchy: error names cpuset");
}

static void test_v2 (void)
{
  tap_is (apply (V2, true, "{\"memory\":{\"limit\":33554432,\"swap\":67108864,\"reservation\":1048576}}", false), NULL,
          "v2 memory applied");
  tap_is (rd ("v2", "memory.max"), "33554432", "memory.max");
  tap_is (rd ("v2", "memory.swap.max"), "33554432", "memory.swap.max = swap - limit");
  tap_is (rd ("v2", "memory.low"), "1048576", "reservation -> memory.low");
  apply (V2, true, "{\"memory\":{\"limit\":33554432,\"swap\":33554432}}", false);
  tap_is (rd ("v2", "memory.swap.max"), "0", "swap == limit -> memory.swap.max 0 (no swap)");
  apply (V2, true, "{\"memory\":{\"limit\":-1}}", false);
  tap_is (rd ("v2", "memory.max"), "max", "limit -1 -> max");
  tap_is (rd ("v2", "memory.swap.max"), "max", "limit -1 without swap -> swap max");
  tap_like (apply (V2, true, "{\"memory\":{\"swappiness\":10}}", false), "swappiness is not supported",
            "swappiness on v2 refused");
  tap_like (apply (V2, true, "{\"memory\":{\"limit\":50000,\"checkBeforeUpdate\":true}}", true), "memory.current",
            "checkBeforeUpdate reads memory.current on v2");

  tap_is (apply (V2, true, "{\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"burst\":500,\"cpus\":\"1\"}}",
                 false),
          NULL, "v2 cpu applied");
  tap_is (rd ("v2", "cpu.weight"), "39", "cpu.weight from shares 1024");
  tap_is (rd ("v2", "cpu.max"), "50000 100000", "cpu.max quota period");
  tap_is (rd ("v2", "cpu.max.burst"), "500", "cpu.max.burst");
  tap_is (rd ("v2", "cpuset.cpus"), "1", "cpuset.cpus on v2");
  apply (V2, true, "{\"cpu\":{\"quota\":-1,\"period\":200000}}", false);
  tap_is (rd ("v2", "cpu.max"), "max 200000", "quota -1 -> max");
  tap_like (apply (V2, true, "{\"cpu\":{\"realtimeRuntime\":100}}", false), "not supported on cgroup v2",
            "realtime on v2 refused");

  tap_is (
      apply (V2, true,
             "{\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}]}}",
             false),
      NULL, "v2 io applied");
  tap_is (rd ("v2", "io.weight"), "4950", "io.weight from blkio weight 500");
  tap_is (rd ("v2", "io.max"), "8:0 rbps=1048576", "throttle -> io.max rbps");

  tap_is (
      apply (V2, true, "{\"pids\":{\"limit\":0},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2097152}]}", false),
      NULL, "v2 pids/hugetlb applied");
  tap_is (rd ("v2", "pids.max"), "max", "pids 0 -> max");
  tap_is (rd ("v2", "hugetlb.2MB.max"), "2097152", "hugetlb.2MB.max");
  tap_is (apply (V2, true, "{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000}}}", false), NULL,
          "v2 rdma applied");
  tap_is (rd ("v2", "rdma.max"), "mlx5_1 hca_handle=3 hca_object=10000", "rdma.max");
  tap_is (apply (V2, true, "{\"unified\":{\"memory.high\":\"1048576\"}}", false), NULL, "v2 unified");
  tap_is (rd ("v2", "memory.high"), "1048576", "unified written verbatim");
  tap_like (apply (V2, true, "{\"unified\":{\"../escape\":\"1\"}}", false), "not a cgroup file name",
            "unified key with a slash refused");
  tap_like (apply (V2, true, "{\"network\":{\"classID\":1}}", false), "net_cls", "network on v2: names net_cls");
}

static void test_bpf_build (void)
{
  struct rc_device_cgroup rules[] = {
    { .allow = false, .access = (char *)"rwm" },
    { .allow = true,
      .type = (char *)"c",
      .has_major = true,
      .major = 1,
      .has_minor = true,
      .minor = 3,
      .access = (char *)"rw" },
  };
  _cleanup_free_ struct bpf_insn *p = NULL;
  size_t n = 0;
  keel_error *e = NULL;
  tap_ok (cgroup_devices_bpf_build (rules, 2, &p, &n, &e) == 0, "device program built");
  /* prologue 6 + rule 2 (type, access x3, major, minor, verdict 2 = 8) + the unconditional deny (2), no default */
  tap_ok (n == 16, "last rule tested first, unconditional deny ends the program (%zu insns)", n);
  tap_ok (p != NULL && p[n - 1].code == (BPF_JMP | BPF_EXIT) && p[n - 2].imm == 0, "ends with deny");
  free (keel_steal_ptr (p));
  tap_ok (cgroup_devices_bpf_build (rules + 1, 1, &p, &n, &e) == 0 && p[n - 2].imm == 0 && n == 16,
          "default deny appended after conditional rules");
  struct rc_device_cgroup bad = { .allow = true, .type = (char *)"x" };
  tap_ok (cgroup_devices_bpf_build (&bad, 1, &p, &n, &e) < 0 && strstr (e->msg, "devices[0].type") != NULL,
          "bad type named");
  keel_error_freep (&e);
  struct rc_device_cgroup bad2 = { .allow = true, .access = (char *)"rwx" };
  tap_ok (cgroup_devices_bpf_build (&bad2, 1, &p, &n, &e) < 0 && strstr (e->msg, "devices[0].access") != NULL,
          "bad access named");
  keel_error_freep (&e);
}

static struct cgroup_stats stats_of (const char *const *mnts, bool unified_only)
{
  struct cgroup_stats st;
  char *paths[16], *mp[16];
  size_t n = 0;
  keel_error *e = NULL;
  for (; mnts[n] != NULL; n++)
    if (asprintf (&mp[n], "%s/%s", root, mnts[n]) < 0 || asprintf (&paths[n], "%s/c", mp[n]) < 0)
      abort ();
  paths[n] = mp[n] = NULL;
  cgroup_set cg = { .paths = paths, .mountpoints = mp, .unified_only = unified_only };
  if (cgroup_stats_read (&cg, &st, &e) < 0)
    {
      tap_ok (0, "cgroup_stats_read: %s", e->msg);
      keel_error_free (e);
    }
  for (size_t i = 0; i < n; i++)
    free (paths[i]), free (mp[i]);
  return st;
}

static void test_stats (void)
{
  const char *const cpu[] = { "cpu.stat",
                              "nr_periods 5\nnr_throttled 2\nthrottled_time 777\n",
                              "cpuacct.usage",
                              "123\n",
                              "cpuacct.usage_user",
                              "100\n",
                              "cpuacct.usage_sys",
                              "23\n",
                              NULL };
  const char *const mem[] = { "memory.usage_in_bytes",
                              "4096\n",
                              "memory.max_usage_in_bytes",
                              "8192\n",
                              "memory.limit_in_bytes",
                              "33554432\n",
                              "memory.failcnt",
                              "3\n",
                              NULL };
  const char *const pids[] = { "pids.current", "4\n", "pids.max", "max\n", NULL };
  const char *const blkio[] = { "blkio.throttle.io_service_bytes_recursive",
                                "8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\n8:16 Read 1\nTotal 31\n", NULL };
  const char *const huge[] = { "hugetlb.2MB.usage_in_bytes",
                               "2097152\n",
                               "hugetlb.2MB.max_usage_in_bytes",
                               "4194304\n",
                               "hugetlb.2MB.failcnt",
                               "1\n",
                               NULL };
  mk ("cpu,cpuacct", NULL, cpu);
  mk ("memory", NULL, mem);
  mk ("pids", NULL, pids);
  mk ("blkio", NULL, blkio);
  mk ("hugetlb", NULL, huge);
  struct cgroup_stats st = stats_of (V1, false);
  tap_ok (st.cpu_total_ns == 123 && st.cpu_user_ns == 100 && st.cpu_kernel_ns == 23, "v1 cpuacct usage");
  tap_ok (st.cpu_periods == 5 && st.cpu_throttled_periods == 2 && st.cpu_throttled_ns == 777, "v1 cpu.stat throttling");
  tap_ok (st.mem_usage == 4096 && st.mem_max_usage == 8192 && st.mem_limit == 33554432 && st.mem_failcnt == 3,
          "v1 memory usage/max/limit/failcnt");
  tap_ok (st.pids_current == 4 && st.pids_limit == 0, "v1 pids (max -> 0)");
  tap_ok (st.io_read_bytes == 11 && st.io_write_bytes == 20, "v1 blkio bytes summed over devices");
  tap_ok (st.io_devices_len == 2 && st.io_devices[0].major == 8 && st.io_devices[0].minor == 0
              && st.io_devices[0].read_bytes == 10 && st.io_devices[0].write_bytes == 20 && st.io_devices[1].minor == 16
              && st.io_devices[1].read_bytes == 1,
          "v1 blkio bytes per device");
  tap_ok (st.hugetlb_len == 1 && strcmp (st.hugetlb[0].size, "2MB") == 0 && st.hugetlb[0].usage == 2097152
              && st.hugetlb[0].max_usage == 4194304 && st.hugetlb[0].failcnt == 1,
          "v1 hugetlb 2MB (rsvd files not listed as a size)");

  const char *const v2[]
      = { "cpu.stat",
          "usage_usec 10\nuser_usec 7\nsystem_usec 3\nnr_periods 4\nnr_throttled 1\nthrottled_usec 2\n",
          "memory.current",
          "500\n",
          "memory.peak",
          "900\n",
          "memory.max",
          "max\n",
          "memory.events",
          "low 0\nhigh 0\nmax 6\noom 1\n",
          "memory.swap.current",
          "7\n",
          "memory.swap.max",
          "0\n",
          "pids.current",
          "2\n",
          "pids.max",
          "5\n",
          "io.stat",
          "8:0 rbytes=100 wbytes=200 rios=1\n8:16 rbytes=1 wbytes=2 rios=3\n",
          "hugetlb.2MB.current",
          "2097152\n",
          "hugetlb.2MB.events",
          "max 2\n",
          NULL };
  mk ("v2", "cpuset cpu io memory hugetlb pids rdma", v2);
  st = stats_of (V2, true);
  tap_ok (st.cpu_total_ns == 10000 && st.cpu_user_ns == 7000 && st.cpu_kernel_ns == 3000, "v2 cpu usage in ns");
  tap_ok (st.cpu_periods == 4 && st.cpu_throttled_periods == 1 && st.cpu_throttled_ns == 2000, "v2 cpu throttling");
  tap_ok (st.mem_usage == 500 && st.mem_max_usage == 900 && st.mem_limit == 0 && st.mem_failcnt == 6,
          "v2 memory current/peak/max/events max");
  tap_ok (st.swap_usage == 7 && st.pids_current == 2 && st.pids_limit == 5, "v2 swap and pids");
  tap_ok (st.io_read_bytes == 101 && st.io_write_bytes == 202, "v2 io.stat summed");
  tap_ok (st.io_devices_len == 2 && st.io_devices[0].read_bytes == 100 && st.io_devices[0].write_bytes == 200
              && st.io_devices[1].major == 8 && st.io_devices[1].minor == 16 && st.io_devices[1].write_bytes == 2,
          "v2 io.stat per device");
  tap_ok (st.hugetlb_len == 1 && st.hugetlb[0].usage == 2097152 && st.hugetlb[0].failcnt == 2, "v2 hugetlb");
}

/* `update` is all or nothing: a failure after some writes puts every written file back. */
static void test_rollback (void)
{
  const char *const mem[]
      = { "memory.limit_in_bytes", "1000\n", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n", NULL };
  const char *const blkio[] = { "blkio.throttle.read_bps_device", "8:0 500\n", NULL };
  mk ("rb/memory", NULL, mem);
  mk ("rb/blkio", NULL, blkio);
  const char *const mnts[] = { "rb/memory", "rb/blkio", NULL };
  /* rdma comes after memory and blkio and has no hierarchy here: the update fails there. */
  char *msg = apply (mnts, false,
                     "{\"memory\":{\"limit\":2000,\"disableOOMKiller\":true},\"blockIO\":{\"throttleReadBpsDevice\":"
                     "[{\"major\":8,\"minor\":0,\"rate\":7},{\"major\":8,\"minor\":16,\"rate\":9}]},"
                     "\"rdma\":{\"mlx5_0\":{\"hcaHandles\":1}}}",
                     true);
  tap_like (msg != NULL ? msg : "", "rdma", "update fails at the missing rdma controller");
  tap_is (rd ("rb/memory", "memory.limit_in_bytes"), "1000", "memory.limit_in_bytes restored");
  tap_is (rd ("rb/memory", "memory.oom_control"), "0", "oom_kill_disable restored from memory.oom_control's key");
  /* a plain file keeps the last write: rollback runs newest first, so 8:16's reset, then 8:0's old line */
  tap_is (rd ("rb/blkio", "blkio.throttle.read_bps_device"), "8:0 500", "per-device line restored");
  msg = apply (mnts, false, "{\"memory\":{\"limit\":3000}}", true);
  tap_ok (msg == NULL, "a successful update keeps its values");
  tap_is (rd ("rb/memory", "memory.limit_in_bytes"), "3000", "memory.limit_in_bytes updated");
}

int main (void)
{
  if (mkdtemp (root) == NULL)
    return tap_ok (0, "mkdtemp"), tap_done ();
  setup ();
  test_conversions ();
  test_v1 ();
  test_hybrid ();
  test_v2 ();
  test_bpf_build ();
  test_stats ();
  test_rollback ();
  _cleanup_free_ char *cmd = NULL;
  if (asprintf (&cmd, "rm -rf '%s'", root) > 0 && system (cmd) != 0)
    tap_ok (0, "cleanup");
  return tap_done ();
}
