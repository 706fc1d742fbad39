/* Test driver: apply a config's linux.resources to existing cgroup dirs, optionally run a command inside them.
 * Usage: cgroup-apply [--update] [--bpf-devices] [--stats] CONFIG.json CGROUP_DIR... [-- CMD ARGS...]
 * --bpf-devices attaches linux.resources.devices as an eBPF program to every cgroup2 dir even on hybrid hosts;
 * --stats prints cgroup_stats_read's numbers as NAME=VALUE lines after CMD. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "runtime/cgroup_devices_bpf.h"
#include "runtime/cgroup_resources.h"
#include "runtime/cgroup_stats.h"

static int fail (keel_error *e)
{
  fprintf (stderr, "cgroup-apply: %s\n", e->msg);
  keel_error_free (e);
  return 1;
}

/* The hierarchy root of DIR: go up while the parent is on the same mount. */
static char *mountpoint_of (const char *dir)
{
  char *m = realpath (dir, NULL);
  struct stat st, pst;
  if (m == NULL || stat (m, &st) < 0)
    return m;
  for (char *slash; (slash = strrchr (m, '/')) != NULL && slash != m;)
    {
      *slash = '\0';
      if (stat (m, &pst) < 0 || pst.st_dev != st.st_dev)
        {
          *slash = '/';
          break;
        }
    }
  return m;
}

static bool is_cgroup2 (const char *dir)
{
  struct statfs s;
  return statfs (dir, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

static int run_inside (char **dirs, size_t n, char **cmd)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      for (size_t i = 0; i < n; i++)
        {
          _cleanup_free_ char *p = NULL;
          if (asprintf (&p, "%s/cgroup.procs", dirs[i]) < 0)
            _exit (127);
          FILE *f = fopen (p, "w");
          if (f == NULL || fprintf (f, "0\n") < 0 || fclose (f) != 0)
            {
              perror (p);
              _exit (127);
            }
        }
      execvp (cmd[0], cmd);
      perror (cmd[0]);
      _exit (127);
    }
  int st;
  if (pid < 0 || waitpid (pid, &st, 0) < 0)
    return 127;
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

static int print_stats (const cgroup_set *cg, int rc)
{
  struct cgroup_stats st;
  keel_error *err = NULL;
  if (cgroup_stats_read (cg, &st, &err) < 0)
    return fail (err);
  printf ("cpu_total_ns=%" PRIu64 "\ncpu_user_ns=%" PRIu64 "\ncpu_kernel_ns=%" PRIu64 "\n", st.cpu_total_ns,
          st.cpu_user_ns, st.cpu_kernel_ns);
  printf ("cpu_periods=%" PRIu64 "\ncpu_throttled_periods=%" PRIu64 "\n", st.cpu_periods, st.cpu_throttled_periods);
  printf ("mem_usage=%" PRIu64 "\nmem_max_usage=%" PRIu64 "\nmem_limit=%" PRIu64 "\nmem_failcnt=%" PRIu64 "\n",
          st.mem_usage, st.mem_max_usage, st.mem_limit, st.mem_failcnt);
  printf ("pids_current=%" PRIu64 "\npids_limit=%" PRIu64 "\n", st.pids_current, st.pids_limit);
  printf ("io_read_bytes=%" PRIu64 "\nio_write_bytes=%" PRIu64 "\n", st.io_read_bytes, st.io_write_bytes);
  for (size_t i = 0; i < st.hugetlb_len; i++)
    printf ("hugetlb_%s_usage=%" PRIu64 "\n", st.hugetlb[i].size, st.hugetlb[i].usage);
  return rc;
}

int main (int argc, char **argv)
{
  bool update = false, bpf = false, stats = false;
  int a = 1;
  for (; a < argc && strncmp (argv[a], "--", 2) == 0 && argv[a][2] != '\0'; a++)
    if (strcmp (argv[a], "--update") == 0)
      update = true;
    else if (strcmp (argv[a], "--bpf-devices") == 0)
      bpf = true;
    else if (strcmp (argv[a], "--stats") == 0)
      stats = true;
  if (argc - a < 2)
    {
      fprintf (stderr, "usage: cgroup-apply [--update] [--bpf-devices] CONFIG.json CGROUP_DIR... [-- CMD...]\n");
      return 2;
    }
  keel_error *err = NULL;
  _cleanup_runtime_config_ struct runtime_config *cfg = NULL;
  if (runtime_config_load (argv[a++], &cfg, &err) < 0)
    return fail (err);
  size_t n = 0;
  char *paths[64], *mnts[64];
  bool all_v2 = true;
  for (; a < argc && strcmp (argv[a], "--") != 0 && n < 63; a++, n++)
    {
      paths[n] = argv[a];
      mnts[n] = mountpoint_of (argv[a]);
      if (mnts[n] == NULL)
        {
          perror (argv[a]);
          return 1;
        }
      all_v2 = all_v2 && is_cgroup2 (argv[a]);
    }
  paths[n] = mnts[n] = NULL;
  cgroup_set cg = { .paths = paths, .mountpoints = mnts, .unified_only = all_v2 && n == 1, .relative = NULL };
  const struct rc_resources *r = cfg->linux_ != NULL ? cfg->linux_->resources : NULL;
  int rc = cgroup_apply_resources (&cg, r, update, &err);
  for (size_t i = 0; rc == 0 && bpf && r != NULL && i < n; i++)
    if (is_cgroup2 (paths[i]))
      {
        _cleanup_close_ int fd = open (paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc = cgroup_devices_bpf_attach (fd, r->devices, r->devices_len, &err);
      }
  if (rc < 0)
    rc = fail (err);
  else
    {
      rc = a < argc && a + 1 < argc ? run_inside (paths, n, argv + a + 1) : 0;
      rc = stats ? print_stats (&cg, rc) : rc;
    }
  for (size_t i = 0; i < n; i++)
    free (mnts[i]);
  return rc;
}
