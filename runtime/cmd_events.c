/* runtime events: runc's JSON events for a container: resource stats (once with --stats, else every interval) and OOM
 * kills. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_resources.h"
#include "cgroup_stats.h"
#include "cleanup.h"
#include "container.h"
#include "fsutil.h"
#include "json.h"

static const char usage_synopsis[] = "[--stats] [--interval DURATION] ID";

/* A Go duration as runc takes it: "5s", "100ms", "1.5m", "2h"; a bare 0 is allowed. */
static int parse_duration_ms (const char *s, long *ms)
{
  static const struct
  {
    const char *unit;
    double ms;
  } units[]
      = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 }, { "s", 1e3 }, { "m", 6e4 }, { "h", 3.6e6 } };
  char *end;
  double v = strtod (s, &end);
  if (end == s || v < 0 || !isfinite (v))
    return -1;
  if (*end == '\0')
    return v == 0 ? (*ms = 0, 0) : -1;
  for (size_t i = 0; i < sizeof (units) / sizeof (units[0]); i++)
    if (strcmp (end, units[i].unit) == 0)
      {
        *ms = (long)(v * units[i].ms);
        return 0;
      }
  return -1;
}

/* runc's types.Stats field names; like Go's omitempty, throttling lists only non-zero counters. */
static void gen_cpu (yajl_gen g, const struct cgroup_stats *s)
{
  json_gen_key (g, "cpu");
  yajl_gen_map_open (g);
  json_gen_key (g, "usage");
  yajl_gen_map_open (g);
  json_gen_kv_uint (g, "total", s->cpu_total_ns);
  json_gen_kv_uint (g, "kernel", s->cpu_kernel_ns);
  json_gen_kv_uint (g, "user", s->cpu_user_ns);
  yajl_gen_map_close (g);
  json_gen_key (g, "throttling");
  yajl_gen_map_open (g);
  if (s->cpu_periods != 0)
    json_gen_kv_uint (g, "periods", s->cpu_periods);
  if (s->cpu_throttled_periods != 0)
    json_gen_kv_uint (g, "throttled_periods", s->cpu_throttled_periods);
  if (s->cpu_throttled_ns != 0)
    json_gen_kv_uint (g, "throttled_time", s->cpu_throttled_ns);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static void gen_memory_data (yajl_gen g, const char *key, uint64_t limit, uint64_t usage, uint64_t max,
                             uint64_t failcnt)
{
  json_gen_key (g, key);
  yajl_gen_map_open (g);
  json_gen_kv_uint (g, "limit", limit);
  json_gen_kv_uint (g, "usage", usage);
  json_gen_kv_uint (g, "max", max);
  json_gen_kv_uint (g, "failcnt", failcnt);
  yajl_gen_map_close (g);
}

static void gen_memory (yajl_gen g, const struct cgroup_stats *s)
{
  json_gen_key (g, "memory");
  yajl_gen_map_open (g);
  gen_memory_data (g, "usage", s->mem_limit, s->mem_usage, s->mem_max_usage, s->mem_failcnt);
  gen_memory_data (g, "swap", s->swap_limit, s->swap_usage, 0, 0);
  yajl_gen_map_close (g);
}

/* runc's blkio.io_service_bytes_recursive: a Read and a Write entry per device. */
static void gen_blkio (yajl_gen g, const struct cgroup_stats *s)
{
  json_gen_key (g, "blkio");
  yajl_gen_map_open (g);
  if (s->io_devices_len > 0)
    {
      json_gen_key (g, "io_service_bytes_recursive");
      yajl_gen_array_open (g);
      for (size_t i = 0; i < s->io_devices_len; i++)
        for (int w = 0; w < 2; w++)
          {
            yajl_gen_map_open (g);
            json_gen_kv_uint (g, "major", s->io_devices[i].major);
            json_gen_kv_uint (g, "minor", s->io_devices[i].minor);
            json_gen_kv_str (g, "op", w ? "Write" : "Read");
            json_gen_kv_uint (g, "value", w ? s->io_devices[i].write_bytes : s->io_devices[i].read_bytes);
            yajl_gen_map_close (g);
          }
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
}

static void gen_stats (yajl_gen g, const struct cgroup_stats *s)
{
  yajl_gen_map_open (g);
  gen_cpu (g, s);
  gen_memory (g, s);
  json_gen_key (g, "pids");
  yajl_gen_map_open (g);
  json_gen_kv_uint (g, "current", s->pids_current);
  json_gen_kv_uint (g, "limit", s->pids_limit);
  yajl_gen_map_close (g);
  gen_blkio (g, s);
  json_gen_key (g, "hugetlb");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < s->hugetlb_len; i++)
    {
      /* runc's types.Hugetlb: usage and max are omitempty, failcnt is not. */
      json_gen_key (g, s->hugetlb[i].size);
      yajl_gen_map_open (g);
      if (s->hugetlb[i].usage != 0)
        json_gen_kv_uint (g, "usage", s->hugetlb[i].usage);
      if (s->hugetlb[i].max_usage != 0)
        json_gen_kv_uint (g, "max", s->hugetlb[i].max_usage);
      json_gen_kv_uint (g, "failcnt", s->hugetlb[i].failcnt);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

/* One event line: {"type":TYPE,"id":ID[,"data":STATS]}. */
static int print_event (const char *type, const char *id, const struct cgroup_stats *s, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);
  _cleanup_free_ char *text = NULL;

  yajl_gen_map_open (g);
  json_gen_kv_str (g, "type", type);
  json_gen_kv_str (g, "id", id);
  if (s != NULL)
    {
      json_gen_key (g, "data");
      gen_stats (g, s);
    }
  yajl_gen_map_close (g);
  if (json_gen_take (g, &text, NULL, err) < 0)
    return -1;
  if (printf ("%s\n", text) < 0 || fflush (stdout) != 0)
    return keel_err_errno (err, "write event");
  return 0;
}

/* The kernel's OOM kill count for the cgroup: v1 memory.oom_control, v2 memory.events. */
static uint64_t oom_kills (const cgroup_set *cg)
{
  bool v2;
  const char *d = cgroup_controller_dir (cg, "memory", &v2);
  _cleanup_free_ char *p = NULL, *buf = NULL;
  if (d == NULL || asprintf (&p, "%s/%s", d, v2 ? "memory.events" : "memory.oom_control") < 0
      || read_file (p, &buf, NULL, NULL) < 0)
    return 0;
  const char *k = strstr (buf, "oom_kill ");
  return k != NULL ? strtoull (k + 9, NULL, 10) : 0;
}

static bool alive (const runtime_state *st)
{
  bool zombie;
  unsigned long long start = proc_starttime (st->pid, &zombie);
  return start != 0 && !zombie && (st->starttime == 0 || start == st->starttime);
}

/* Stats every INTERVAL ms, an "oom" event as soon as the kill count grows (checked every 100 ms); ends with the
 * container. */
static int stream (const runtime_state *st, const cgroup_set *cg, long interval, keel_error **err)
{
  uint64_t ooms = oom_kills (cg);
  struct cgroup_stats s;
  long since = interval;

  while (alive (st))
    {
      uint64_t now = oom_kills (cg);
      if (now > ooms && print_event ("oom", st->id, NULL, err) < 0)
        return -1;
      ooms = now;
      if (interval > 0 && since >= interval)
        {
          if (cgroup_stats_read (cg, &s, err) < 0 || print_event ("stats", st->id, &s, err) < 0)
            return -1;
          since = 0;
        }
      usleep (100000);
      since += 100;
    }
  /* An OOM kill of the init ends the container: report it before leaving. */
  if (oom_kills (cg) > ooms)
    return print_event ("oom", st->id, NULL, err);
  return 0;
}

static int events (runtime_globals *g, const char *id, bool once, long interval, keel_error **err)
{
  _cleanup_runtime_state_ runtime_state *st = NULL;
  cgroup_set cg = { 0 };
  struct cgroup_stats s;
  state_dir sd;
  int r = -1;

  /* Unlocked: events runs for the container's whole life and must not block other verbs. */
  if (container_peek (g, id, &sd, &st, err) < 0)
    return -1;
  state_dir_close (&sd);
  if (strcmp (st->status, "stopped") == 0)
    return keel_err (err, 0, "container is stopped");
  if (cgroup_from_paths (st->cgroup_paths, &cg, err) < 0)
    return -1;
  if (once)
    r = cgroup_stats_read (&cg, &s, err) < 0 ? -1 : print_event ("stats", id, &s, err);
  else
    r = stream (st, &cg, interval, err);
  cgroup_set_free (&cg);
  return r;
}

int cmd_events (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = {
    { "stats", no_argument, NULL, 's' },
    { "interval", required_argument, NULL, 'i' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool once = false;
  long interval = 5000;
  int c;

  while ((c = getopt_long (argc, argv, "+h", opts, NULL)) != -1)
    switch (c)
      {
      case 's':
        once = true;
        break;
      case 'i':
        if (parse_duration_ms (optarg, &interval) < 0)
          return keel_err (err, 0, "events: --interval: `%s` is not a duration (e.g. 5s, 500ms)", optarg);
        break;
      case 'h':
        runtime_verb_usage ("events", usage_synopsis,
                            "      --stats             print the container's resource usage once, then exit\n"
                            "      --interval DURATION  how often to print stats (default: 5s); OOM kills are\n"
                            "                          reported as they happen; exits when the container stops\n");
        return 0;
      default:
        return keel_err (err, 0, "events: unknown option `%s`", argv[optind - 1]);
      }
  if (runtime_want_args ("events", argc, optind, 1, 1, usage_synopsis, err) < 0)
    return -1;
  if (events (g, argv[optind], once, interval, err) < 0)
    return keel_err_prefix (err, "events %s", argv[optind]);
  return 0;
}
