/* runtime update: change a live container's linux.resources (runc's flags, or the JSON object from -r FILE|-). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "fsutil.h"
#include "json.h"

/* The resources as last applied (create's linux.resources merged with every update since). */
#define STATE_RESOURCES "resources.json"

static const char usage_synopsis[] = "[options] ID";
static const char usage_options[]
    = "  -r, --resources FILE        read a linux.resources JSON object from FILE ('-': standard input);\n"
      "                              all other options are then ignored\n"
      "      --memory BYTES          memory limit (suffixes k, m, g, t)\n"
      "      --memory-reservation BYTES  memory soft limit\n"
      "      --memory-swap BYTES     memory plus swap limit; -1 for unlimited swap\n"
      "      --kernel-memory BYTES   kernel memory limit (deprecated; ignored where the kernel lacks it)\n"
      "      --kernel-memory-tcp BYTES  kernel TCP buffer limit (deprecated)\n"
      "      --cpu-share, --cpu-shares N  CPU shares (relative weight)\n"
      "      --cpu-quota N           CFS quota in microseconds per period (-1: none)\n"
      "      --cpu-period N          CFS period in microseconds\n"
      "      --cpu-rt-runtime N      realtime runtime in microseconds per period\n"
      "      --cpu-rt-period N       realtime period in microseconds\n"
      "      --cpuset-cpus LIST      CPUs to use (e.g. 0-2,4)\n"
      "      --cpuset-mems LIST      memory nodes to use\n"
      "      --pids-limit N          maximum number of processes (0 or -1: no limit)\n"
      "      --blkio-weight N        block IO weight, 10 to 1000\n"
      "      --l3-cache-schema S     refused: Intel RDT is not supported\n"
      "      --mem-bw-schema S       refused: Intel RDT is not supported\n"
      "  -h, --help                  show this help\n";

enum
{
  OPT_MEMORY = 256,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_CPU_SHARES,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPU_RT_PERIOD,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
  OPT_L3_CACHE,
  OPT_MEM_BW,
  OPT_COUNT
};

/* Where each flag lands in the linux.resources object, and how its value reads. */
static const struct flag
{
  int opt;
  const char *object, *key;
  enum
  {
    F_BYTES,
    F_INT,
    F_STRING
  } kind;
} flags[] = {
  { OPT_MEMORY, "memory", "limit", F_BYTES },
  { OPT_MEMORY_RESERVATION, "memory", "reservation", F_BYTES },
  { OPT_MEMORY_SWAP, "memory", "swap", F_BYTES },
  { OPT_KERNEL_MEMORY, "memory", "kernel", F_BYTES },
  { OPT_KERNEL_MEMORY_TCP, "memory", "kernelTCP", F_BYTES },
  { OPT_CPU_SHARES, "cpu", "shares", F_INT },
  { OPT_CPU_QUOTA, "cpu", "quota", F_INT },
  { OPT_CPU_PERIOD, "cpu", "period", F_INT },
  { OPT_CPU_RT_RUNTIME, "cpu", "realtimeRuntime", F_INT },
  { OPT_CPU_RT_PERIOD, "cpu", "realtimePeriod", F_INT },
  { OPT_CPUSET_CPUS, "cpu", "cpus", F_STRING },
  { OPT_CPUSET_MEMS, "cpu", "mems", F_STRING },
  { OPT_PIDS_LIMIT, "pids", "limit", F_INT },
  { OPT_BLKIO_WEIGHT, "blockIO", "weight", F_INT },
};

/* "512", "100m", "1G", "2gb", "-1" → bytes (binary multiples, as runc's units.RAMInBytes). */
static int parse_bytes (const char *s, long long *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  int shift = 0;
  if (errno != 0 || end == s)
    return -1;
  switch (tolower ((unsigned char)*end))
    {
    case 'k':
      shift = 10;
      break;
    case 'm':
      shift = 20;
      break;
    case 'g':
      shift = 30;
      break;
    case 't':
      shift = 40;
      break;
    case 'b':
    case '\0':
      break;
    default:
      return -1;
    }
  if (shift != 0)
    end++;
  if (strcasecmp (end, "") != 0 && strcasecmp (end, "b") != 0 && strcasecmp (end, "ib") != 0)
    return -1;
  if (v < 0 ? v != -1 || shift != 0 : v > (LLONG_MAX >> shift))
    return -1;
  *out = v * (1LL << shift);
  return 0;
}

/* The flags given, as the JSON text of a linux.resources object. */
static int flags_to_json (char *const values[OPT_COUNT], char **out, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);
  const char *objects[] = { "memory", "cpu", "pids", "blockIO" };

  yajl_gen_map_open (g);
  for (size_t o = 0; o < sizeof (objects) / sizeof (objects[0]); o++)
    {
      bool open = false;
      for (size_t i = 0; i < sizeof (flags) / sizeof (flags[0]); i++)
        {
          const struct flag *f = &flags[i];
          const char *v = values[f->opt - OPT_MEMORY];
          long long n;
          char *end;
          if (v == NULL || strcmp (f->object, objects[o]) != 0)
            continue;
          if (!open)
            json_gen_key (g, objects[o]), yajl_gen_map_open (g), open = true;
          if (f->kind == F_STRING)
            {
              json_gen_kv_str (g, f->key, v);
              continue;
            }
          errno = 0;
          if (f->kind == F_BYTES ? parse_bytes (v, &n) < 0 : ((n = strtoll (v, &end, 10)), errno != 0 || *end || !*v))
            return keel_err (err, 0, "update: invalid value `%s` for %s.%s", v, f->object, f->key);
          json_gen_kv_int (g, f->key, n);
        }
      if (open)
        yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  return json_gen_take (g, out, NULL, err);
}

static int read_resources_arg (const char *arg, char **out, keel_error **err)
{
  /* containerd and podman pipe the document to stdin. */
  return read_file (strcmp (arg, "-") == 0 ? "/dev/stdin" : arg, out, NULL, err);
}

/* ---- the persisted resources: base document deep-merged with the update ---- */

static bool is_obj (yajl_val v)
{
  return v != NULL && YAJL_IS_OBJECT (v);
}

/* Objects merge key by key; "devices" rules accumulate (the later win); anything else is replaced. */
static void gen_merged (yajl_gen g, yajl_val base, yajl_val upd)
{
  if (!is_obj (base) || !is_obj (upd))
    {
      json_gen_tree (g, upd != NULL ? upd : base);
      return;
    }
  yajl_gen_map_open (g);
  for (size_t i = 0; i < base->u.object.len; i++)
    {
      const char *k = base->u.object.keys[i];
      yajl_val b = base->u.object.values[i], u = json_member (upd, k);
      json_gen_key (g, k);
      if (u != NULL && strcmp (k, "devices") == 0 && YAJL_IS_ARRAY (b) && YAJL_IS_ARRAY (u))
        {
          yajl_gen_array_open (g);
          for (size_t j = 0; j < b->u.array.len; j++)
            json_gen_tree (g, b->u.array.values[j]);
          for (size_t j = 0; j < u->u.array.len; j++)
            json_gen_tree (g, u->u.array.values[j]);
          yajl_gen_array_close (g);
        }
      else
        gen_merged (g, b, u);
    }
  for (size_t i = 0; i < upd->u.object.len; i++)
    if (json_member (base, upd->u.object.keys[i]) == NULL)
      {
        json_gen_key (g, upd->u.object.keys[i]);
        json_gen_tree (g, upd->u.object.values[i]);
      }
  yajl_gen_map_close (g);
}

/* The resources in force before this update: the last update's, else config.json's. */
static int load_base (state_dir *sd, yajl_val *out, keel_error **err)
{
  _cleanup_free_ char *res = state_dir_file (sd, STATE_RESOURCES), *cfg = state_dir_file (sd, STATE_CONFIG_COPY);
  _cleanup_json_ yajl_val doc = NULL;

  if (res == NULL || cfg == NULL)
    return keel_err (err, ENOMEM, "state");
  if (access (res, F_OK) == 0)
    return json_parse_file (res, STATE_RESOURCES, out, err);
  if (json_parse_file (cfg, STATE_CONFIG_COPY, &doc, err) < 0)
    return -1;
  /* Detach .linux.resources from the tree so it outlives the document. */
  yajl_val l = json_member (doc, "linux"), r = json_member (l, "resources");
  for (size_t i = 0; r != NULL && i < l->u.object.len; i++)
    if (l->u.object.values[i] == r)
      l->u.object.values[i] = NULL;
  *out = r;
  return 0;
}

static int merge_and_save (state_dir *sd, const char *update, char **merged, keel_error **err)
{
  _cleanup_json_ yajl_val base = NULL, upd = NULL;
  _cleanup_json_gen_ yajl_gen g = json_gen_new (true);
  _cleanup_free_ char *path = state_dir_file (sd, STATE_RESOURCES);
  size_t len;

  if (path == NULL)
    return keel_err (err, ENOMEM, "state");
  if (load_base (sd, &base, err) < 0 || json_parse ("resources", update, strlen (update), &upd, err) < 0)
    return -1;
  gen_merged (g, base, upd);
  if (json_gen_take (g, merged, &len, err) < 0)
    return -1;
  return write_file_atomic (path, *merged, len, 0600, 0, err);
}

/* ---- the verb ---- */

static int apply (runtime_state *st, state_dir *sd, const char *json, keel_error **err)
{
  _cleanup_runtime_config_ struct runtime_config *cfg = NULL;
  _cleanup_free_ char *cfgpath = state_dir_file (sd, STATE_CONFIG_COPY), *merged = NULL;
  _cleanup_free_ char *resfile = state_dir_file (sd, STATE_RESOURCES), *saved = NULL;
  struct rc_resources *r = NULL, *all = NULL;
  cgroup_set cg = { 0 };
  bool had_saved;
  int rc = -1;

  if (cfgpath == NULL || resfile == NULL)
    return keel_err (err, ENOMEM, "state");
  if (rc_resources_parse ("resources", json, strlen (json), &r, err) < 0 || runtime_config_load (cfgpath, &cfg, err) < 0
      || cgroup_from_paths (st->cgroup_paths, &cg, err) < 0)
    goto out;
  /* Persisted first, applied second: a failed apply restores the files and the old document. */
  had_saved = read_file (resfile, &saved, NULL, NULL) == 0;
  if (merge_and_save (sd, json, &merged, err) < 0
      || rc_resources_parse (STATE_RESOURCES, merged, strlen (merged), &all, err) < 0)
    goto out;
  rc = cgroup_update (&cg, cfg, r, all, err);
  if (rc < 0)
    {
      if (had_saved)
        write_file_atomic (resfile, saved, strlen (saved), 0600, 0, NULL);
      else
        unlink (resfile);
    }
out:
  rc_resources_free (r);
  rc_resources_free (all);
  cgroup_set_free (&cg);
  return rc;
}

static int parse_options (int argc, char **argv, char *values[OPT_COUNT], const char **resources, keel_error **err)
{
  static const struct option opts[] = {
    { "resources", required_argument, NULL, 'r' },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
    { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
    { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
    { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE },
    { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  while ((c = getopt_long (argc, argv, "+r:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'r':
        *resources = optarg;
        break;
      case 'h':
        runtime_verb_usage ("update", usage_synopsis, usage_options);
        return 1;
      case OPT_L3_CACHE:
      case OPT_MEM_BW:
        return keel_err (err, 0, "update: --%s: Intel RDT (resctrl) is not supported by this runtime",
                         c == OPT_L3_CACHE ? "l3-cache-schema" : "mem-bw-schema");
      default:
        if (c < OPT_MEMORY || c >= OPT_COUNT)
          return keel_err (err, 0, "update: unknown option `%s`", argv[optind - 1]);
        values[c - OPT_MEMORY] = optarg;
      }
  return runtime_want_args ("update", argc, optind, 1, 1, usage_synopsis, err);
}

int cmd_update (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  _cleanup_runtime_state_ runtime_state *st = NULL;
  _cleanup_free_ char *json = NULL;
  char *values[OPT_COUNT] = { 0 };
  const char *resources = NULL, *id;
  state_dir sd;
  int r;

  if ((r = parse_options (argc, argv, values, &resources, err)) != 0)
    return r < 0 ? -1 : 0;
  id = argv[optind];
  /* runc: with -r, the document is the whole update and the flags are ignored. */
  if ((resources != NULL ? read_resources_arg (resources, &json, err) : flags_to_json (values, &json, err)) < 0)
    return keel_err_prefix (err, "update %s", id);
  if (container_load (g, id, &sd, &st, err) < 0)
    return keel_err_prefix (err, "update %s", id);
  if (strcmp (st->status, "stopped") == 0)
    r = keel_err (err, 0, "container is stopped: there is nothing to update");
  else
    r = apply (st, &sd, json, err);
  state_dir_close (&sd);
  return r < 0 ? keel_err_prefix (err, "update %s", id) : 0;
}
