/* runtime-spec config.json: parse with validation, free, emit, and the name lookups the runtime needs. */
#include "config.h"
#include "runtime_config.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ======================================================================
 * Name tables
 * ====================================================================== */

struct name_value
{
  const char *name;
  int value;
};

static int lookup (const struct name_value *t, const char *name)
{
  for (; t->name != NULL; t++)
    if (strcmp (t->name, name) == 0)
      return t->value;
  return -1;
}

static const char *reverse_lookup (const struct name_value *t, int value)
{
  for (; t->name != NULL; t++)
    if (t->value == value)
      return t->name;
  return NULL;
}

static const char *const hook_kind_names[RC_HOOK_KIND_COUNT] = {
  [RC_HOOK_PRESTART] = "prestart",
  [RC_HOOK_CREATE_RUNTIME] = "createRuntime",
  [RC_HOOK_CREATE_CONTAINER] = "createContainer",
  [RC_HOOK_START_CONTAINER] = "startContainer",
  [RC_HOOK_POSTSTART] = "poststart",
  [RC_HOOK_POSTSTOP] = "poststop",
};

const char *rc_hook_kind_name (enum rc_hook_kind k)
{
  return (unsigned)k < RC_HOOK_KIND_COUNT ? hook_kind_names[k] : NULL;
}

static const struct
{
  const char *name;
  int clone_flag;
} namespace_types[RC_NS_COUNT] = {
  [RC_NS_PID] = { "pid", CLONE_NEWPID },          [RC_NS_NETWORK] = { "network", CLONE_NEWNET },
  [RC_NS_MOUNT] = { "mount", CLONE_NEWNS },       [RC_NS_IPC] = { "ipc", CLONE_NEWIPC },
  [RC_NS_UTS] = { "uts", CLONE_NEWUTS },          [RC_NS_USER] = { "user", CLONE_NEWUSER },
  [RC_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP }, [RC_NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *rc_namespace_type_name (enum rc_namespace_type t)
{
  return (unsigned)t < RC_NS_COUNT ? namespace_types[t].name : NULL;
}

int rc_namespace_type_from_name (const char *name)
{
  for (int i = 0; i < RC_NS_COUNT; i++)
    if (strcmp (namespace_types[i].name, name) == 0)
      return i;
  return -1;
}

int rc_namespace_clone_flag (enum rc_namespace_type t)
{
  return (unsigned)t < RC_NS_COUNT ? namespace_types[t].clone_flag : 0;
}

const struct rc_namespace *rc_config_find_namespace (const struct runtime_config *c, enum rc_namespace_type t)
{
  if (c == NULL || c->linux_ == NULL)
    return NULL;
  for (size_t i = 0; i < c->linux_->namespaces_len; i++)
    if (c->linux_->namespaces[i].type == t)
      return &c->linux_->namespaces[i];
  return NULL;
}

static const struct name_value rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
  { NULL, 0 },
};

int rc_rlimit_from_name (const char *name)
{
  return lookup (rlimits, name);
}

const char *rc_rlimit_name (int resource)
{
  return reverse_lookup (rlimits, resource);
}

/* Indexed by capability number (linux/capability.h). */
static const char *const capability_names[] = {
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};
#define N_CAPS ((int)(sizeof (capability_names) / sizeof (capability_names[0])))

int rc_capability_from_name (const char *name)
{
  for (int i = 0; i < N_CAPS; i++)
    if (strcmp (capability_names[i], name) == 0)
      return i;
  return -1;
}

const char *rc_capability_name (int cap)
{
  return cap >= 0 && cap < N_CAPS ? capability_names[cap] : NULL;
}

int rc_capability_last (void)
{
  return N_CAPS - 1;
}

static const struct
{
  const char *name;
  unsigned long flags;
} propagations[] = {
  { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
  { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

int rc_propagation_from_name (const char *name, unsigned long *flags)
{
  for (size_t i = 0; i < sizeof (propagations) / sizeof (propagations[0]); i++)
    if (strcmp (propagations[i].name, name) == 0)
      {
        *flags = propagations[i].flags;
        return 0;
      }
  return -1;
}

static bool in_list (const char *const *list, const char *name)
{
  for (; *list != NULL; list++)
    if (strcmp (*list, name) == 0)
      return true;
  return false;
}

/* runtime-spec config-linux.md "Seccomp": the valid values of each enumeration. */
static const char *const seccomp_actions[]
    = { "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL };
static const char *const seccomp_ops[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
                                           "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL };
static const char *const seccomp_arches[]
    = { "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL };
static const char *const seccomp_flags[]
    = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };

bool rc_seccomp_action_valid (const char *name)
{
  return in_list (seccomp_actions, name);
}

bool rc_seccomp_op_valid (const char *name)
{
  return in_list (seccomp_ops, name);
}

bool rc_seccomp_arch_valid (const char *name)
{
  return in_list (seccomp_arches, name);
}

bool rc_seccomp_flag_valid (const char *name)
{
  return in_list (seccomp_flags, name);
}

/* linux/ioprio.h and sched(7) values. */
static const struct name_value io_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
  { NULL, 0 },
};

static const struct name_value sched_policies[] = {
  { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
  { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 }, { NULL, 0 },
};

static const struct name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 }, { NULL, 0 },
};

/* ======================================================================
 * Free
 * ====================================================================== */

static void strv_free (char **v)
{
  keel_strv_freep (&v);
}

static void mount_free (struct rc_mount *m)
{
  free (m->destination);
  free (m->type);
  free (m->source);
  strv_free (m->options);
  free (m->uid_mappings);
  free (m->gid_mappings);
}

static void cap_set_free (struct rc_cap_set *s)
{
  strv_free (s->names);
}

void rc_process_free (struct rc_process *p)
{
  if (p == NULL)
    return;
  free (p->user.additional_gids);
  strv_free (p->args);
  strv_free (p->env);
  free (p->cwd);
  if (p->capabilities != NULL)
    {
      cap_set_free (&p->capabilities->bounding);
      cap_set_free (&p->capabilities->effective);
      cap_set_free (&p->capabilities->inheritable);
      cap_set_free (&p->capabilities->permitted);
      cap_set_free (&p->capabilities->ambient);
      free (p->capabilities);
    }
  for (size_t i = 0; i < p->rlimits_len; i++)
    free (p->rlimits[i].type);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  if (p->io_priority != NULL)
    free (p->io_priority->class_name);
  free (p->io_priority);
  if (p->scheduler != NULL)
    {
      free (p->scheduler->policy);
      strv_free (p->scheduler->flags);
    }
  free (p->scheduler);
  if (p->exec_cpu_affinity != NULL)
    {
      free (p->exec_cpu_affinity->initial);
      free (p->exec_cpu_affinity->final);
    }
  free (p->exec_cpu_affinity);
  free (p);
}

static void hook_list_free (struct rc_hook_list *l)
{
  for (size_t i = 0; i < l->len; i++)
    {
      free (l->hooks[i].path);
      strv_free (l->hooks[i].args);
      strv_free (l->hooks[i].env);
    }
  free (l->hooks);
}

static void block_io_free (struct rc_block_io *b)
{
  if (b == NULL)
    return;
  free (b->weight_device);
  free (b->throttle_read_bps_device);
  free (b->throttle_write_bps_device);
  free (b->throttle_read_iops_device);
  free (b->throttle_write_iops_device);
  free (b);
}

static void resources_free (struct rc_resources *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->devices_len; i++)
    {
      free (r->devices[i].type);
      free (r->devices[i].access);
    }
  free (r->devices);
  free (r->memory);
  if (r->cpu != NULL)
    {
      free (r->cpu->cpus);
      free (r->cpu->mems);
    }
  free (r->cpu);
  block_io_free (r->block_io);
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  if (r->network != NULL)
    {
      for (size_t i = 0; i < r->network->priorities_len; i++)
        free (r->network->priorities[i].name);
      free (r->network->priorities);
    }
  free (r->network);
  free (r->pids);
  for (size_t i = 0; i < r->rdma_len; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  strv_free (r->unified);
  free (r);
}

static void seccomp_free (struct rc_seccomp *s)
{
  if (s == NULL)
    return;
  free (s->default_action);
  strv_free (s->architectures);
  strv_free (s->flags);
  free (s->listener_path);
  free (s->listener_metadata);
  for (size_t i = 0; i < s->syscalls_len; i++)
    {
      struct rc_seccomp_syscall *sc = &s->syscalls[i];
      strv_free (sc->names);
      free (sc->action);
      for (size_t j = 0; j < sc->args_len; j++)
        free (sc->args[j].op);
      free (sc->args);
    }
  free (s->syscalls);
  free (s);
}

static void linux_free (struct rc_linux *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->namespaces_len; i++)
    free (l->namespaces[i].path);
  free (l->namespaces);
  free (l->uid_mappings);
  free (l->gid_mappings);
  free (l->time_offsets);
  for (size_t i = 0; i < l->devices_len; i++)
    {
      free (l->devices[i].type);
      free (l->devices[i].path);
    }
  free (l->devices);
  free (l->cgroups_path);
  resources_free (l->resources);
  if (l->intel_rdt != NULL)
    {
      free (l->intel_rdt->clos_id);
      free (l->intel_rdt->l3_cache_schema);
      free (l->intel_rdt->mem_bw_schema);
      strv_free (l->intel_rdt->schemata);
    }
  free (l->intel_rdt);
  strv_free (l->sysctl);
  seccomp_free (l->seccomp);
  free (l->rootfs_propagation);
  strv_free (l->masked_paths);
  strv_free (l->readonly_paths);
  free (l->mount_label);
  if (l->personality != NULL)
    {
      free (l->personality->domain);
      strv_free (l->personality->flags);
    }
  free (l->personality);
  for (size_t i = 0; i < l->net_devices_len; i++)
    {
      free (l->net_devices[i].host_name);
      free (l->net_devices[i].name);
    }
  free (l->net_devices);
  free (l);
}

void runtime_config_free (struct runtime_config *c)
{
  if (c == NULL)
    return;
  free (c->oci_version);
  if (c->root != NULL)
    free (c->root->path);
  free (c->root);
  for (size_t i = 0; i < c->mounts_len; i++)
    mount_free (&c->mounts[i]);
  free (c->mounts);
  rc_process_free (c->process);
  free (c->hostname);
  free (c->domainname);
  for (int k = 0; k < RC_HOOK_KIND_COUNT; k++)
    hook_list_free (&c->hooks[k]);
  strv_free (c->annotations);
  linux_free (c->linux_);
  free (c);
}

void runtime_config_freep (struct runtime_config **c)
{
  runtime_config_free (*c);
  *c = NULL;
}

/* ======================================================================
 * Parse helpers
 *
 * Parsers write straight into the (zero-initialised) config being built, so
 * on any error runtime_config_free releases whatever was filled in so far.
 * config.md "Extensibility": unknown properties MUST be ignored, so only the
 * known keys are ever looked up; "Valid values": invalid or unsupported values
 * MUST be errors, which is what every check below reports.
 * ====================================================================== */

#define TRY(expr)                                                                                                      \
  do                                                                                                                   \
    {                                                                                                                  \
      if ((expr) < 0)                                                                                                  \
        return -1;                                                                                                     \
    }                                                                                                                  \
  while (0)

/* An optional member: HAS records whether it was present. */
#define OPTIONAL(has, expr)                                                                                            \
  do                                                                                                                   \
    {                                                                                                                  \
      int _r = (expr);                                                                                                 \
      if (_r < 0)                                                                                                      \
        return -1;                                                                                                     \
      (has) = _r > 0;                                                                                                  \
    }                                                                                                                  \
  while (0)

/* A member the spec marks REQUIRED. */
#define REQUIRED(c, path, key, expr) TRY (required (c, (expr), path, key))

static int required (const json_ctx *c, int r, const char *path, const char *key)
{
  if (r == 0)
    return json_error (c, path, "missing required property \"%s\"", key);
  return r;
}

static int oom (const json_ctx *c)
{
  return keel_err (c->err, ENOMEM, "%s", c->file);
}

typedef int (*elem_parser) (const json_ctx *c, yajl_val v, const char *path, void *elem);

/* OBJ[KEY] as an array of objects, each handed to FN with its path. */
static int parse_array (const json_ctx *c, yajl_val obj, const char *path, const char *key, size_t size, void **out,
                        size_t *len, elem_parser fn)
{
  _cleanup_free_ char *p = NULL;
  yajl_val a = json_member (obj, key);
  char *items;

  if (a == NULL || YAJL_IS_NULL (a))
    return 0;
  p = json_path_key (path, key);
  if (p == NULL)
    return oom (c);
  TRY (json_expect_array (c, a, p));
  items = calloc (a->u.array.len + 1, size);
  if (items == NULL)
    return oom (c);
  *out = items;
  *len = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      _cleanup_free_ char *ip = json_path_index (p, i);
      if (ip == NULL)
        return oom (c);
      TRY (json_expect_object (c, a->u.array.values[i], ip));
      TRY (fn (c, a->u.array.values[i], ip, items + i * size));
    }
  return 1;
}

/* OBJ[KEY] as an object, allocated into *OUT and filled by FN. */
static int parse_object (const json_ctx *c, yajl_val obj, const char *path, const char *key, size_t size, void **out,
                         elem_parser fn)
{
  _cleanup_free_ char *p = NULL;
  yajl_val o = json_member (obj, key);

  if (o == NULL || YAJL_IS_NULL (o))
    return 0;
  p = json_path_key (path, key);
  if (p == NULL)
    return oom (c);
  TRY (json_expect_object (c, o, p));
  *out = calloc (1, size);
  if (*out == NULL)
    return oom (c);
  TRY (fn (c, o, p, *out));
  return 1;
}

typedef int (*entry_parser) (const json_ctx *c, const char *name, yajl_val v, const char *path, void *elem);

/* OBJ[KEY] as an object whose values are objects, each handed to FN with its
 * name (the key) and path. */
static int parse_map (const json_ctx *c, yajl_val obj, const char *path, const char *key, size_t size, void **out,
                      size_t *len, entry_parser fn)
{
  _cleanup_free_ char *p = NULL;
  yajl_val m = json_member (obj, key);
  char *items;

  if (m == NULL || YAJL_IS_NULL (m))
    return 0;
  p = json_path_key (path, key);
  if (p == NULL)
    return oom (c);
  TRY (json_expect_object (c, m, p));
  items = calloc (m->u.object.len + 1, size);
  if (items == NULL)
    return oom (c);
  *out = items;
  *len = m->u.object.len;
  for (size_t i = 0; i < m->u.object.len; i++)
    {
      _cleanup_free_ char *ep = json_path_key (p, m->u.object.keys[i]);
      if (ep == NULL)
        return oom (c);
      TRY (json_expect_object (c, m->u.object.values[i], ep));
      TRY (fn (c, m->u.object.keys[i], m->u.object.values[i], ep, items + i * size));
    }
  return 1;
}

#define PARSE_MAP(c, obj, path, key, field, fn)                                                                        \
  parse_map (c, obj, path, key, sizeof (*(field)), (void **)&(field), &(field##_len), fn)
#define PARSE_ARRAY(c, obj, path, key, field, fn)                                                                      \
  parse_array (c, obj, path, key, sizeof (*(field)), (void **)&(field), &(field##_len), fn)
#define PARSE_OBJECT(c, obj, path, key, field, fn)                                                                     \
  parse_object (c, obj, path, key, sizeof (*(field)), (void **)&(field), fn)

static int json_get_int64_range (const json_ctx *c, yajl_val obj, const char *path, const char *key, int64_t *out,
                                 int64_t min, int64_t max)
{
  int64_t n = 0;
  int r = json_get_int64 (c, obj, path, key, &n);
  if (r <= 0)
    return r;
  if (n < min || n > max)
    return json_error_at (c, path, key, "%" PRId64 " is outside %" PRId64 "..%" PRId64, n, min, max);
  *out = n;
  return 1;
}

static int json_get_int32_range (const json_ctx *c, yajl_val obj, const char *path, const char *key, int32_t *out,
                                 int32_t min, int32_t max)
{
  int64_t n = 0;
  int r = json_get_int64_range (c, obj, path, key, &n, min, max);
  if (r > 0)
    *out = (int32_t)n;
  return r;
}

static int json_get_uint16 (const json_ctx *c, yajl_val obj, const char *path, const char *key, uint16_t *out)
{
  uint64_t n = 0;
  int r = json_get_uint64 (c, obj, path, key, &n);
  if (r <= 0)
    return r;
  if (n > UINT16_MAX)
    return json_error_at (c, path, key, "value %" PRIu64 " out of range", n);
  *out = (uint16_t)n;
  return 1;
}

static bool is_absolute_path (const char *s)
{
  return s[0] == '/';
}

/* A string member that must name an absolute path. */
static int get_abs_path (const json_ctx *c, yajl_val obj, const char *path, const char *key, char **out)
{
  int r = json_get_string (c, obj, path, key, out);
  if (r > 0 && !is_absolute_path (*out))
    return json_error_at (c, path, key, "not an absolute path: \"%s\"", *out);
  return r;
}

/* A string member whose value must be one of TABLE; *VALUE gets its number. */
static int get_enum (const json_ctx *c, yajl_val obj, const char *path, const char *key, const struct name_value *table,
                     const char *what, char **out, int *value)
{
  int r = json_get_string (c, obj, path, key, out);
  if (r <= 0)
    return r;
  *value = lookup (table, *out);
  if (*value < 0)
    return json_error_at (c, path, key, "unknown %s \"%s\"", what, *out);
  return 1;
}

/* An array of strings each checked by VALID; errors point at the element and
 * read "WHAT "value"". */
static int get_checked_strv (const json_ctx *c, yajl_val obj, const char *path, const char *key, char ***out,
                             bool (*valid) (const char *), const char *what)
{
  int r = json_get_strv (c, obj, path, key, out, NULL);
  if (r <= 0)
    return r;
  for (size_t i = 0; (*out)[i] != NULL; i++)
    if (!valid ((*out)[i]))
      {
        _cleanup_free_ char *p = json_path_key (path, key);
        _cleanup_free_ char *ip = p != NULL ? json_path_index (p, i) : NULL;
        if (ip == NULL)
          return oom (c);
        return json_error (c, ip, "%s \"%s\"", what, (*out)[i]);
      }
  return 1;
}

/* ======================================================================
 * Parse: root, mounts
 * ====================================================================== */

/* SemVer 2.0.0: MAJOR.MINOR.PATCH, optional -prerelease and +build. */
static bool is_semver (const char *s, unsigned long *major)
{
  char *end;

  for (int part = 0; part < 3; part++)
    {
      if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
        return false;
      unsigned long n = strtoul (s, &end, 10);
      if (part == 0)
        *major = n;
      if (part < 2 && *end != '.')
        return false;
      s = part < 2 ? end + 1 : end;
    }
  if (*s == '-' || *s == '+')
    {
      if (s[1] == '\0')
        return false;
      for (s++; *s != '\0'; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '-' || *s == '.'
              || *s == '+'))
          return false;
    }
  return *s == '\0';
}

static int parse_root (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_root *r = elem;
  REQUIRED (c, path, "path", json_get_string (c, v, path, "path", &r->path));
  if (r->path[0] == '\0')
    return json_error_at (c, path, "path", "must not be empty");
  TRY (json_get_bool (c, v, path, "readonly", &r->readonly));
  return 0;
}

static int parse_id_mapping (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_id_mapping *m = elem;
  REQUIRED (c, path, "containerID", json_get_uint32 (c, v, path, "containerID", &m->container_id));
  REQUIRED (c, path, "hostID", json_get_uint32 (c, v, path, "hostID", &m->host_id));
  REQUIRED (c, path, "size", json_get_uint32 (c, v, path, "size", &m->size));
  if (m->size == 0)
    return json_error_at (c, path, "size", "must be greater than zero");
  return 0;
}

static int parse_mount (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_mount *m = elem;
  /* config.md "Mounts" (v1.1+): on Linux destination SHOULD be absolute; a
   * relative one MAY be given, is deprecated and MUST be interpreted as relative
   * to "/". So only emptiness is an error. */
  REQUIRED (c, path, "destination", json_get_string (c, v, path, "destination", &m->destination));
  if (m->destination[0] == '\0')
    return json_error_at (c, path, "destination", "must not be empty");
  TRY (json_get_string (c, v, path, "type", &m->type));
  TRY (json_get_string (c, v, path, "source", &m->source));
  TRY (json_get_strv (c, v, path, "options", &m->options, NULL));
  TRY (PARSE_ARRAY (c, v, path, "uidMappings", m->uid_mappings, parse_id_mapping));
  TRY (PARSE_ARRAY (c, v, path, "gidMappings", m->gid_mappings, parse_id_mapping));
  return 0;
}

/* ======================================================================
 * Parse: process
 * ====================================================================== */

static int parse_console_size (const json_ctx *c, yajl_val v, const char *path, struct rc_console_size *s)
{
  REQUIRED (c, path, "height", json_get_uint32 (c, v, path, "height", &s->height));
  REQUIRED (c, path, "width", json_get_uint32 (c, v, path, "width", &s->width));
  return 0;
}

static int parse_additional_gids (const json_ctx *c, yajl_val user, const char *path, struct rc_user *u)
{
  _cleanup_free_ char *p = NULL;
  yajl_val a = json_member (user, "additionalGids");

  if (a == NULL || YAJL_IS_NULL (a))
    return 0;
  p = json_path_key (path, "additionalGids");
  if (p == NULL)
    return oom (c);
  TRY (json_expect_array (c, a, p));
  u->additional_gids = calloc (a->u.array.len + 1, sizeof (uint32_t));
  if (u->additional_gids == NULL)
    return oom (c);
  u->additional_gids_len = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      _cleanup_free_ char *ip = json_path_index (p, i);
      uint64_t n = 0;
      if (ip == NULL)
        return oom (c);
      TRY (json_to_uint64 (c, a->u.array.values[i], ip, &n));
      if (n > UINT32_MAX)
        return json_error (c, ip, "value %" PRIu64 " out of range", n);
      u->additional_gids[i] = (uint32_t)n;
    }
  return 0;
}

static int parse_user (const json_ctx *c, yajl_val v, const char *path, struct rc_user *u)
{
  REQUIRED (c, path, "uid", json_get_uint32 (c, v, path, "uid", &u->uid));
  REQUIRED (c, path, "gid", json_get_uint32 (c, v, path, "gid", &u->gid));
  OPTIONAL (u->has_umask, json_get_uint32 (c, v, path, "umask", &u->umask));
  if (u->has_umask && u->umask > 0777)
    return json_error_at (c, path, "umask", "%#o is not a file mode mask", u->umask);
  return parse_additional_gids (c, v, path, u);
}

static bool is_capability (const char *name)
{
  return rc_capability_from_name (name) >= 0;
}

static int parse_cap_set (const json_ctx *c, yajl_val v, const char *path, const char *key, struct rc_cap_set *s)
{
  /* config.md "Linux process": a capability that cannot be mapped to the
   * kernel MUST be an error. */
  int r = get_checked_strv (c, v, path, key, &s->names, is_capability, "unknown capability");
  if (r <= 0)
    return r;
  s->present = true;
  for (size_t i = 0; s->names[i] != NULL; i++)
    s->mask |= UINT64_C (1) << rc_capability_from_name (s->names[i]);
  return 0;
}

static int parse_capabilities (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_capabilities *caps = elem;
  struct
  {
    const char *key;
    struct rc_cap_set *set;
  } sets[] = {
    { "bounding", &caps->bounding },   { "effective", &caps->effective }, { "inheritable", &caps->inheritable },
    { "permitted", &caps->permitted }, { "ambient", &caps->ambient },
  };

  for (size_t i = 0; i < sizeof (sets) / sizeof (sets[0]); i++)
    TRY (parse_cap_set (c, v, path, sets[i].key, sets[i].set));
  return 0;
}

static int parse_rlimit (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_rlimit *r = elem;
  /* config.md "POSIX process": a type that cannot be mapped to a kernel
   * resource MUST be an error. */
  REQUIRED (c, path, "type", get_enum (c, v, path, "type", rlimits, "rlimit", &r->type, &r->resource));
  REQUIRED (c, path, "soft", json_get_uint64 (c, v, path, "soft", &r->soft));
  REQUIRED (c, path, "hard", json_get_uint64 (c, v, path, "hard", &r->hard));
  if (r->soft > r->hard)
    return json_error (c, path, "soft limit %" PRIu64 " exceeds hard limit %" PRIu64, r->soft, r->hard);
  return 0;
}

static int check_rlimit_duplicates (const json_ctx *c, const struct rc_process *p, const char *path)
{
  for (size_t i = 0; i < p->rlimits_len; i++)
    for (size_t j = 0; j < i; j++)
      if (p->rlimits[i].resource == p->rlimits[j].resource)
        {
          /* config.md "POSIX process": duplicated rlimit types MUST be an error. */
          _cleanup_free_ char *ip = NULL;
          if (asprintf (&ip, "%s.rlimits[%zu]", path, i) < 0)
            return oom (c);
          return json_error_at (c, ip, "type", "duplicate rlimit \"%s\"", p->rlimits[i].type);
        }
  return 0;
}

static int parse_io_priority (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_io_priority *io = elem;
  REQUIRED (c, path, "class",
            get_enum (c, v, path, "class", io_classes, "I/O priority class", &io->class_name, &io->class_value));
  REQUIRED (c, path, "priority", json_get_int32_range (c, v, path, "priority", &io->priority, 0, 7));
  return 0;
}

static int parse_scheduler (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_scheduler *s = elem;
  REQUIRED (c, path, "policy",
            get_enum (c, v, path, "policy", sched_policies, "scheduler policy", &s->policy, &s->policy_value));
  OPTIONAL (s->has_nice, json_get_int32_range (c, v, path, "nice", &s->nice, -20, 19));
  OPTIONAL (s->has_priority, json_get_int32 (c, v, path, "priority", &s->priority));
  TRY (json_get_strv (c, v, path, "flags", &s->flags, NULL));
  for (size_t i = 0; s->flags != NULL && s->flags[i] != NULL; i++)
    {
      int bit = lookup (sched_flags, s->flags[i]);
      if (bit < 0)
        {
          _cleanup_free_ char *ip = NULL;
          if (asprintf (&ip, "%s.flags[%zu]", path, i) < 0)
            return oom (c);
          return json_error (c, ip, "unknown scheduler flag \"%s\"", s->flags[i]);
        }
      s->flags_mask |= (uint64_t)bit;
    }
  OPTIONAL (s->has_runtime, json_get_uint64 (c, v, path, "runtime", &s->runtime));
  OPTIONAL (s->has_deadline, json_get_uint64 (c, v, path, "deadline", &s->deadline));
  OPTIONAL (s->has_period, json_get_uint64 (c, v, path, "period", &s->period));
  return 0;
}

/* A cpu list as in cpuset(7): "0-3,7". */
static bool is_cpu_list (const char *s)
{
  if (*s == '\0')
    return false;
  for (;;)
    {
      char *end;
      if (*s < '0' || *s > '9')
        return false;
      unsigned long lo = strtoul (s, &end, 10);
      s = end;
      if (*s == '-')
        {
          if (s[1] < '0' || s[1] > '9')
            return false;
          unsigned long hi = strtoul (s + 1, &end, 10);
          if (hi < lo)
            return false;
          s = end;
        }
      if (*s == '\0')
        return true;
      if (*s != ',')
        return false;
      s++;
    }
}

static int get_cpu_list (const json_ctx *c, yajl_val v, const char *path, const char *key, char **out)
{
  int r = json_get_string (c, v, path, key, out);
  /* config.md "Linux Process": omitted or empty means the default. */
  if (r > 0 && (*out)[0] != '\0' && !is_cpu_list (*out))
    return json_error_at (c, path, key, "\"%s\" is not a CPU list such as \"0-3,7\"", *out);
  return r;
}

static int parse_exec_cpu_affinity (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_exec_cpu_affinity *a = elem;
  TRY (get_cpu_list (c, v, path, "initial", &a->initial));
  TRY (get_cpu_list (c, v, path, "final", &a->final));
  return 0;
}

static int parse_process_ids (const json_ctx *c, yajl_val v, const char *path, struct rc_process *p)
{
  _cleanup_free_ char *up = json_path_key (path, "user");
  _cleanup_free_ char *cp = json_path_key (path, "consoleSize");
  yajl_val user = json_member (v, "user");
  yajl_val console = json_member (v, "consoleSize");

  if (up == NULL || cp == NULL)
    return oom (c);
  if (console != NULL && !YAJL_IS_NULL (console))
    {
      TRY (json_expect_object (c, console, cp));
      TRY (parse_console_size (c, console, cp, &p->console_size));
      p->has_console_size = true;
    }
  /* config.md "POSIX-platform User": uid and gid are REQUIRED in user, but the
   * schema does not require user itself; like runc, absent means 0:0. */
  if (user == NULL || YAJL_IS_NULL (user))
    return 0;
  TRY (json_expect_object (c, user, up));
  return parse_user (c, user, up, &p->user);
}

static bool is_env_entry (const char *s)
{
  const char *eq = strchr (s, '=');
  return eq != NULL && eq != s;
}

static int parse_process (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_process *p = elem;

  TRY (json_get_bool (c, v, path, "terminal", &p->terminal));
  TRY (parse_process_ids (c, v, path, p));
  /* config.md "Process": args is REQUIRED with at least one entry on non-Windows. */
  REQUIRED (c, path, "args", json_get_strv (c, v, path, "args", &p->args, &p->args_len));
  if (p->args_len == 0)
    return json_error_at (c, path, "args", "at least one argument is required");
  /* config.md "Process": env has environ(7) semantics, NAME=value (runc rejects the rest too). */
  TRY (get_checked_strv (c, v, path, "env", &p->env, is_env_entry, "not NAME=value:"));
  /* config.md "Process": cwd is REQUIRED and MUST be an absolute path. */
  REQUIRED (c, path, "cwd", get_abs_path (c, v, path, "cwd", &p->cwd));
  TRY (PARSE_OBJECT (c, v, path, "capabilities", p->capabilities, parse_capabilities));
  TRY (PARSE_ARRAY (c, v, path, "rlimits", p->rlimits, parse_rlimit));
  TRY (check_rlimit_duplicates (c, p, path));
  TRY (json_get_bool (c, v, path, "noNewPrivileges", &p->no_new_privileges));
  TRY (json_get_string (c, v, path, "apparmorProfile", &p->apparmor_profile));
  /* The kernel's range for /proc/PID/oom_score_adj. */
  OPTIONAL (p->has_oom_score_adj, json_get_int32_range (c, v, path, "oomScoreAdj", &p->oom_score_adj, -1000, 1000));
  TRY (json_get_string (c, v, path, "selinuxLabel", &p->selinux_label));
  TRY (PARSE_OBJECT (c, v, path, "ioPriority", p->io_priority, parse_io_priority));
  TRY (PARSE_OBJECT (c, v, path, "scheduler", p->scheduler, parse_scheduler));
  TRY (PARSE_OBJECT (c, v, path, "execCPUAffinity", p->exec_cpu_affinity, parse_exec_cpu_affinity));
  return 0;
}

/* ======================================================================
 * Parse: hooks
 * ====================================================================== */

static int parse_hook (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_hook *h = elem;
  /* config.md "POSIX-platform Hooks": path is REQUIRED and MUST be absolute;
   * timeout MUST be greater than zero. */
  REQUIRED (c, path, "path", get_abs_path (c, v, path, "path", &h->path));
  TRY (json_get_strv (c, v, path, "args", &h->args, NULL));
  TRY (json_get_strv (c, v, path, "env", &h->env, NULL));
  OPTIONAL (h->has_timeout, json_get_int32 (c, v, path, "timeout", &h->timeout));
  if (h->has_timeout && h->timeout <= 0)
    return json_error_at (c, path, "timeout", "must be greater than zero, got %" PRId32, h->timeout);
  return 0;
}

static int parse_hooks (const json_ctx *c, yajl_val doc, struct runtime_config *cfg)
{
  _cleanup_free_ char *p = NULL;
  yajl_val v = json_member (doc, "hooks");

  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  p = json_path_key ("", "hooks");
  if (p == NULL)
    return oom (c);
  TRY (json_expect_object (c, v, p));
  cfg->has_hooks = true;
  for (int k = 0; k < RC_HOOK_KIND_COUNT; k++)
    TRY (parse_array (c, v, p, hook_kind_names[k], sizeof (struct rc_hook), (void **)&cfg->hooks[k].hooks,
                      &cfg->hooks[k].len, parse_hook));
  return 0;
}

/* ======================================================================
 * Parse: linux
 * ====================================================================== */

static int parse_namespace (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_namespace *ns = elem;
  _cleanup_free_ char *type = NULL;
  int t;

  REQUIRED (c, path, "type", json_get_string (c, v, path, "type", &type));
  /* config-linux.md "Namespaces": an unsupported type MUST be an error. */
  t = rc_namespace_type_from_name (type);
  if (t < 0)
    return json_error_at (c, path, "type", "unknown namespace type \"%s\"", type);
  ns->type = (enum rc_namespace_type)t;
  /* config-linux.md "Namespaces": path MUST be absolute in the runtime mount namespace. */
  TRY (get_abs_path (c, v, path, "path", &ns->path));
  return 0;
}

static int check_namespace_duplicates (const json_ctx *c, const struct rc_linux *l)
{
  for (size_t i = 0; i < l->namespaces_len; i++)
    for (size_t j = 0; j < i; j++)
      if (l->namespaces[i].type == l->namespaces[j].type)
        {
          /* config-linux.md "Namespaces": a type given more than once MUST be an error. */
          _cleanup_free_ char *ip = NULL;
          if (asprintf (&ip, ".linux.namespaces[%zu]", i) < 0)
            return oom (c);
          return json_error_at (c, ip, "type", "duplicate namespace \"%s\"",
                                rc_namespace_type_name (l->namespaces[i].type));
        }
  return 0;
}

static int parse_time_offset (const json_ctx *c, yajl_val v, const char *path, struct rc_time_offset *o)
{
  TRY (json_expect_object (c, v, path));
  o->present = true;
  TRY (json_get_int64 (c, v, path, "secs", &o->secs));
  TRY (json_get_uint32 (c, v, path, "nanosecs", &o->nanosecs));
  if (o->nanosecs >= 1000000000)
    return json_error_at (c, path, "nanosecs", "%" PRIu32 " is not below 1000000000", o->nanosecs);
  return 0;
}

static int parse_time_offsets (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_time_offsets *t = elem;

  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *clock = v->u.object.keys[i];
      _cleanup_free_ char *p = json_path_key (path, clock);
      if (p == NULL)
        return oom (c);
      /* time_namespaces(7): only these two clocks can be offset. */
      if (strcmp (clock, "monotonic") == 0)
        TRY (parse_time_offset (c, v->u.object.values[i], p, &t->monotonic));
      else if (strcmp (clock, "boottime") == 0)
        TRY (parse_time_offset (c, v->u.object.values[i], p, &t->boottime));
      else
        return json_error (c, p, "unknown clock \"%s\" (expected \"monotonic\" or \"boottime\")", clock);
    }
  return 0;
}

static int parse_device (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_device *d = elem;
  static const char *const types[] = { "c", "b", "u", "p", NULL };

  /* config-linux.md "Devices": type is one of c, b, u, p; major and minor are
   * REQUIRED unless the type is p. */
  REQUIRED (c, path, "type", json_get_string (c, v, path, "type", &d->type));
  if (!in_list (types, d->type))
    return json_error_at (c, path, "type", "unknown device type \"%s\"", d->type);
  REQUIRED (c, path, "path", get_abs_path (c, v, path, "path", &d->path));
  OPTIONAL (d->has_major, json_get_int64 (c, v, path, "major", &d->major));
  OPTIONAL (d->has_minor, json_get_int64 (c, v, path, "minor", &d->minor));
  if (strcmp (d->type, "p") != 0 && !d->has_major)
    return json_error (c, path, "missing required property \"major\"");
  if (strcmp (d->type, "p") != 0 && !d->has_minor)
    return json_error (c, path, "missing required property \"minor\"");
  OPTIONAL (d->has_file_mode, json_get_uint32 (c, v, path, "fileMode", &d->file_mode));
  if (d->has_file_mode && d->file_mode > 07777)
    return json_error_at (c, path, "fileMode", "%#" PRIo32 " is not a file mode", d->file_mode);
  OPTIONAL (d->has_uid, json_get_uint32 (c, v, path, "uid", &d->uid));
  OPTIONAL (d->has_gid, json_get_uint32 (c, v, path, "gid", &d->gid));
  return 0;
}

static int parse_device_cgroup (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_device_cgroup *d = elem;
  static const char *const types[] = { "a", "c", "b", NULL };

  REQUIRED (c, path, "allow", json_get_bool (c, v, path, "allow", &d->allow));
  TRY (json_get_string (c, v, path, "type", &d->type));
  if (d->type != NULL && !in_list (types, d->type))
    return json_error_at (c, path, "type", "unknown device type \"%s\" (expected a, c or b)", d->type);
  OPTIONAL (d->has_major, json_get_int64 (c, v, path, "major", &d->major));
  OPTIONAL (d->has_minor, json_get_int64 (c, v, path, "minor", &d->minor));
  TRY (json_get_string (c, v, path, "access", &d->access));
  if (d->access != NULL && strspn (d->access, "rwm") != strlen (d->access))
    return json_error_at (c, path, "access", "\"%s\" is not a combination of r, w and m", d->access);
  return 0;
}

static int parse_memory (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_memory *m = elem;
  OPTIONAL (m->has_limit, json_get_int64 (c, v, path, "limit", &m->limit));
  OPTIONAL (m->has_reservation, json_get_int64 (c, v, path, "reservation", &m->reservation));
  OPTIONAL (m->has_swap, json_get_int64 (c, v, path, "swap", &m->swap));
  OPTIONAL (m->has_kernel, json_get_int64 (c, v, path, "kernel", &m->kernel));
  OPTIONAL (m->has_kernel_tcp, json_get_int64 (c, v, path, "kernelTCP", &m->kernel_tcp));
  OPTIONAL (m->has_swappiness, json_get_uint64 (c, v, path, "swappiness", &m->swappiness));
  /* config-linux.md "Memory": swappiness values are from 0 to 100. */
  if (m->has_swappiness && m->swappiness > 100)
    return json_error_at (c, path, "swappiness", "%" PRIu64 " is outside 0..100", m->swappiness);
  OPTIONAL (m->has_disable_oom_killer, json_get_bool (c, v, path, "disableOOMKiller", &m->disable_oom_killer));
  OPTIONAL (m->has_use_hierarchy, json_get_bool (c, v, path, "useHierarchy", &m->use_hierarchy));
  OPTIONAL (m->has_check_before_update, json_get_bool (c, v, path, "checkBeforeUpdate", &m->check_before_update));
  return 0;
}

static int parse_cpu (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_cpu *p = elem;
  OPTIONAL (p->has_shares, json_get_uint64 (c, v, path, "shares", &p->shares));
  OPTIONAL (p->has_quota, json_get_int64 (c, v, path, "quota", &p->quota));
  OPTIONAL (p->has_burst, json_get_uint64 (c, v, path, "burst", &p->burst));
  OPTIONAL (p->has_period, json_get_uint64 (c, v, path, "period", &p->period));
  OPTIONAL (p->has_realtime_runtime, json_get_int64 (c, v, path, "realtimeRuntime", &p->realtime_runtime));
  OPTIONAL (p->has_realtime_period, json_get_uint64 (c, v, path, "realtimePeriod", &p->realtime_period));
  TRY (json_get_string (c, v, path, "cpus", &p->cpus));
  TRY (json_get_string (c, v, path, "mems", &p->mems));
  OPTIONAL (p->has_idle, json_get_int64 (c, v, path, "idle", &p->idle));
  /* config-linux.md "CPU": a positive quota MUST be no smaller than burst. */
  if (p->has_quota && p->quota > 0 && p->has_burst && p->burst > (uint64_t)p->quota)
    return json_error_at (c, path, "burst", "%" PRIu64 " is larger than quota %" PRId64, p->burst, p->quota);
  return 0;
}

static int parse_major_minor (const json_ctx *c, yajl_val v, const char *path, int64_t *major, int64_t *minor)
{
  REQUIRED (c, path, "major", json_get_int64 (c, v, path, "major", major));
  REQUIRED (c, path, "minor", json_get_int64 (c, v, path, "minor", minor));
  return 0;
}

static int parse_weight_device (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_weight_device *d = elem;
  TRY (parse_major_minor (c, v, path, &d->major, &d->minor));
  OPTIONAL (d->has_weight, json_get_uint16 (c, v, path, "weight", &d->weight));
  OPTIONAL (d->has_leaf_weight, json_get_uint16 (c, v, path, "leafWeight", &d->leaf_weight));
  /* config-linux.md "Block IO": at least one of weight or leafWeight MUST be given. */
  if (!d->has_weight && !d->has_leaf_weight)
    return json_error (c, path, "one of \"weight\" or \"leafWeight\" is required");
  return 0;
}

static int parse_throttle_device (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_throttle_device *d = elem;
  TRY (parse_major_minor (c, v, path, &d->major, &d->minor));
  REQUIRED (c, path, "rate", json_get_uint64 (c, v, path, "rate", &d->rate));
  return 0;
}

static int parse_block_io (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_block_io *b = elem;
  OPTIONAL (b->has_weight, json_get_uint16 (c, v, path, "weight", &b->weight));
  OPTIONAL (b->has_leaf_weight, json_get_uint16 (c, v, path, "leafWeight", &b->leaf_weight));
  TRY (PARSE_ARRAY (c, v, path, "weightDevice", b->weight_device, parse_weight_device));
  TRY (PARSE_ARRAY (c, v, path, "throttleReadBpsDevice", b->throttle_read_bps_device, parse_throttle_device));
  TRY (PARSE_ARRAY (c, v, path, "throttleWriteBpsDevice", b->throttle_write_bps_device, parse_throttle_device));
  TRY (PARSE_ARRAY (c, v, path, "throttleReadIOPSDevice", b->throttle_read_iops_device, parse_throttle_device));
  TRY (PARSE_ARRAY (c, v, path, "throttleWriteIOPSDevice", b->throttle_write_iops_device, parse_throttle_device));
  return 0;
}

static int parse_hugepage_limit (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_hugepage_limit *h = elem;
  REQUIRED (c, path, "pageSize", json_get_string (c, v, path, "pageSize", &h->page_size));
  REQUIRED (c, path, "limit", json_get_uint64 (c, v, path, "limit", &h->limit));
  return 0;
}

static int parse_net_priority (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_net_priority *p = elem;
  REQUIRED (c, path, "name", json_get_string (c, v, path, "name", &p->name));
  REQUIRED (c, path, "priority", json_get_uint32 (c, v, path, "priority", &p->priority));
  return 0;
}

static int parse_network (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_network *n = elem;
  OPTIONAL (n->has_class_id, json_get_uint32 (c, v, path, "classID", &n->class_id));
  TRY (PARSE_ARRAY (c, v, path, "priorities", n->priorities, parse_net_priority));
  return 0;
}

static int parse_pids (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_pids *p = elem;
  REQUIRED (c, path, "limit", json_get_int64 (c, v, path, "limit", &p->limit));
  return 0;
}

static int parse_rdma_entry (const json_ctx *c, const char *device, yajl_val v, const char *path, void *elem)
{
  struct rc_rdma *e = elem;
  e->device = strdup (device);
  if (e->device == NULL)
    return oom (c);
  OPTIONAL (e->has_hca_handles, json_get_uint32 (c, v, path, "hcaHandles", &e->hca_handles));
  OPTIONAL (e->has_hca_objects, json_get_uint32 (c, v, path, "hcaObjects", &e->hca_objects));
  /* config-linux.md "RDMA": at least one of hcaHandles or hcaObjects MUST be given. */
  if (!e->has_hca_handles && !e->has_hca_objects)
    return json_error (c, path, "one of \"hcaHandles\" or \"hcaObjects\" is required");
  return 0;
}

static int parse_resources (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_resources *r = elem;
  TRY (PARSE_ARRAY (c, v, path, "devices", r->devices, parse_device_cgroup));
  TRY (PARSE_OBJECT (c, v, path, "memory", r->memory, parse_memory));
  TRY (PARSE_OBJECT (c, v, path, "cpu", r->cpu, parse_cpu));
  TRY (PARSE_OBJECT (c, v, path, "blockIO", r->block_io, parse_block_io));
  TRY (PARSE_ARRAY (c, v, path, "hugepageLimits", r->hugepage_limits, parse_hugepage_limit));
  TRY (PARSE_OBJECT (c, v, path, "network", r->network, parse_network));
  TRY (PARSE_OBJECT (c, v, path, "pids", r->pids, parse_pids));
  TRY (PARSE_MAP (c, v, path, "rdma", r->rdma, parse_rdma_entry));
  TRY (json_get_string_map (c, v, path, "unified", &r->unified));
  return 0;
}

/* The spec text shows schemata as one string, the Go bindings and schema as
 * an array of lines: accept both. */
static int parse_schemata (const json_ctx *c, yajl_val v, const char *path, struct rc_intel_rdt *i)
{
  yajl_val s = json_member (v, "schemata");

  if (s == NULL || !YAJL_IS_STRING (s))
    return json_get_strv (c, v, path, "schemata", &i->schemata, NULL);
  i->schemata = calloc (2, sizeof (char *));
  if (i->schemata == NULL || (i->schemata[0] = strdup (s->u.string)) == NULL)
    return oom (c);
  return 1;
}

static int parse_intel_rdt (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_intel_rdt *i = elem;
  TRY (json_get_string (c, v, path, "closID", &i->clos_id));
  TRY (json_get_string (c, v, path, "l3CacheSchema", &i->l3_cache_schema));
  TRY (json_get_string (c, v, path, "memBwSchema", &i->mem_bw_schema));
  /* config-linux.md "IntelRdt": memBwSchema MUST start with "MB:" and MUST NOT contain newlines. */
  if (i->mem_bw_schema != NULL && (strncmp (i->mem_bw_schema, "MB:", 3) != 0 || strchr (i->mem_bw_schema, '\n')))
    return json_error_at (c, path, "memBwSchema", "\"%s\" is not one \"MB:\" line", i->mem_bw_schema);
  TRY (parse_schemata (c, v, path, i));
  TRY (json_get_bool (c, v, path, "enableCMT", &i->enable_cmt));
  TRY (json_get_bool (c, v, path, "enableMBM", &i->enable_mbm));
  return 0;
}

static int get_seccomp_action (const json_ctx *c, yajl_val v, const char *path, const char *key, char **out)
{
  int r = json_get_string (c, v, path, key, out);
  if (r > 0 && !rc_seccomp_action_valid (*out))
    return json_error_at (c, path, key, "unknown seccomp action \"%s\"", *out);
  return r;
}

/* config-linux.md "Seccomp": errnoRet with an action that returns no errno
 * MUST be an error; only SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry one. */
static int check_errno_ret (const json_ctx *c, const char *path, const char *key, bool has, const char *action)
{
  if (has && strcmp (action, "SCMP_ACT_ERRNO") != 0 && strcmp (action, "SCMP_ACT_TRACE") != 0)
    return json_error_at (c, path, key, "not allowed with action \"%s\"", action);
  return 0;
}

static int parse_seccomp_arg (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_seccomp_arg *a = elem;
  REQUIRED (c, path, "index", json_get_uint32 (c, v, path, "index", &a->index));
  REQUIRED (c, path, "value", json_get_uint64 (c, v, path, "value", &a->value));
  OPTIONAL (a->has_value_two, json_get_uint64 (c, v, path, "valueTwo", &a->value_two));
  REQUIRED (c, path, "op", json_get_string (c, v, path, "op", &a->op));
  if (!rc_seccomp_op_valid (a->op))
    return json_error_at (c, path, "op", "unknown seccomp operator \"%s\"", a->op);
  return 0;
}

static int parse_seccomp_syscall (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_seccomp_syscall *s = elem;
  size_t n = 0;

  /* config-linux.md "Seccomp": names is REQUIRED with at least one entry. */
  REQUIRED (c, path, "names", json_get_strv (c, v, path, "names", &s->names, &n));
  if (n == 0)
    return json_error_at (c, path, "names", "at least one syscall name is required");
  REQUIRED (c, path, "action", get_seccomp_action (c, v, path, "action", &s->action));
  OPTIONAL (s->has_errno_ret, json_get_uint32 (c, v, path, "errnoRet", &s->errno_ret));
  TRY (check_errno_ret (c, path, "errnoRet", s->has_errno_ret, s->action));
  TRY (PARSE_ARRAY (c, v, path, "args", s->args, parse_seccomp_arg));
  return 0;
}

static int parse_seccomp (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_seccomp *s = elem;
  REQUIRED (c, path, "defaultAction", get_seccomp_action (c, v, path, "defaultAction", &s->default_action));
  OPTIONAL (s->has_default_errno_ret, json_get_uint32 (c, v, path, "defaultErrnoRet", &s->default_errno_ret));
  TRY (check_errno_ret (c, path, "defaultErrnoRet", s->has_default_errno_ret, s->default_action));
  TRY (get_checked_strv (c, v, path, "architectures", &s->architectures, rc_seccomp_arch_valid,
                         "unknown seccomp architecture"));
  TRY (get_checked_strv (c, v, path, "flags", &s->flags, rc_seccomp_flag_valid, "unknown seccomp flag"));
  TRY (json_get_string (c, v, path, "listenerPath", &s->listener_path));
  TRY (json_get_string (c, v, path, "listenerMetadata", &s->listener_metadata));
  /* config-linux.md "Seccomp": listenerMetadata MUST NOT be set without listenerPath. */
  if (s->listener_metadata != NULL && s->listener_path == NULL)
    return json_error_at (c, path, "listenerMetadata", "set without \"listenerPath\"");
  TRY (PARSE_ARRAY (c, v, path, "syscalls", s->syscalls, parse_seccomp_syscall));
  return 0;
}

static int parse_personality (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_personality *p = elem;
  static const char *const domains[] = { "LINUX", "LINUX32", NULL };

  REQUIRED (c, path, "domain", json_get_string (c, v, path, "domain", &p->domain));
  if (!in_list (domains, p->domain))
    return json_error_at (c, path, "domain", "unknown personality domain \"%s\"", p->domain);
  TRY (json_get_strv (c, v, path, "flags", &p->flags, NULL));
  return 0;
}

/* dev_valid_name() in the kernel: 1..15 bytes, not "." or "..", no '/', ':' or space. */
static bool is_interface_name (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n >= 16 || strcmp (s, ".") == 0 || strcmp (s, "..") == 0)
    return false;
  for (; *s != '\0'; s++)
    if (*s == '/' || *s == ':' || *s == ' ' || (*s >= '\t' && *s <= '\r'))
      return false;
  return true;
}

static int parse_net_device (const json_ctx *c, const char *host_name, yajl_val v, const char *path, void *elem)
{
  struct rc_net_device *d = elem;
  d->host_name = strdup (host_name);
  if (d->host_name == NULL)
    return oom (c);
  if (!is_interface_name (host_name))
    return json_error (c, path, "\"%s\" is not a network interface name", host_name);
  TRY (json_get_string (c, v, path, "name", &d->name));
  if (d->name != NULL && !is_interface_name (d->name))
    return json_error_at (c, path, "name", "\"%s\" is not a network interface name", d->name);
  return 0;
}

static int parse_linux (const json_ctx *c, yajl_val v, const char *path, void *elem)
{
  struct rc_linux *l = elem;
  unsigned long flags;

  TRY (PARSE_ARRAY (c, v, path, "namespaces", l->namespaces, parse_namespace));
  TRY (check_namespace_duplicates (c, l));
  TRY (PARSE_ARRAY (c, v, path, "uidMappings", l->uid_mappings, parse_id_mapping));
  TRY (PARSE_ARRAY (c, v, path, "gidMappings", l->gid_mappings, parse_id_mapping));
  TRY (PARSE_OBJECT (c, v, path, "timeOffsets", l->time_offsets, parse_time_offsets));
  TRY (PARSE_ARRAY (c, v, path, "devices", l->devices, parse_device));
  TRY (json_get_string (c, v, path, "cgroupsPath", &l->cgroups_path));
  TRY (PARSE_OBJECT (c, v, path, "resources", l->resources, parse_resources));
  TRY (PARSE_OBJECT (c, v, path, "intelRdt", l->intel_rdt, parse_intel_rdt));
  TRY (json_get_string_map (c, v, path, "sysctl", &l->sysctl));
  TRY (PARSE_OBJECT (c, v, path, "seccomp", l->seccomp, parse_seccomp));
  /* config-linux.md "Rootfs Mount Propagation": shared, slave, private or
   * unbindable; the recursive r-forms are accepted too, as runc and crun do. */
  TRY (json_get_string (c, v, path, "rootfsPropagation", &l->rootfs_propagation));
  if (l->rootfs_propagation != NULL && rc_propagation_from_name (l->rootfs_propagation, &flags) < 0)
    return json_error_at (c, path, "rootfsPropagation", "unknown propagation \"%s\"", l->rootfs_propagation);
  /* config-linux.md "Masked Paths" / "Readonly Paths": values MUST be absolute. */
  TRY (get_checked_strv (c, v, path, "maskedPaths", &l->masked_paths, is_absolute_path, "not an absolute path:"));
  TRY (get_checked_strv (c, v, path, "readonlyPaths", &l->readonly_paths, is_absolute_path, "not an absolute path:"));
  TRY (json_get_string (c, v, path, "mountLabel", &l->mount_label));
  TRY (PARSE_OBJECT (c, v, path, "personality", l->personality, parse_personality));
  TRY (PARSE_MAP (c, v, path, "netDevices", l->net_devices, parse_net_device));
  return 0;
}

/* ======================================================================
 * Parse: the document
 * ====================================================================== */

static int parse_annotations (const json_ctx *c, yajl_val doc, struct runtime_config *cfg)
{
  TRY (json_get_string_map (c, doc, "", "annotations", &cfg->annotations));
  /* config.md "Annotations": keys MUST NOT be empty. */
  for (size_t i = 0; cfg->annotations != NULL && cfg->annotations[i] != NULL; i += 2)
    if (cfg->annotations[i][0] == '\0')
      return json_error (c, ".annotations", "keys must not be empty");
  return 0;
}

static int parse_document (const json_ctx *c, yajl_val doc, struct runtime_config *cfg)
{
  unsigned long major = 0;

  TRY (json_expect_object (c, doc, ""));
  /* config.md "Specification version": REQUIRED, SemVer 2.0.0; another major
   * version is not compatible. */
  REQUIRED (c, "", "ociVersion", json_get_string (c, doc, "", "ociVersion", &cfg->oci_version));
  if (!is_semver (cfg->oci_version, &major))
    return json_error (c, ".ociVersion", "\"%s\" is not a SemVer 2.0.0 version", cfg->oci_version);
  if (major != 1)
    return json_error (c, ".ociVersion", "unsupported version \"%s\" (expected 1.x)", cfg->oci_version);
  /* config.md "Root": REQUIRED on every platform but Hyper-V containers. */
  REQUIRED (c, "", "root", PARSE_OBJECT (c, doc, "", "root", cfg->root, parse_root));
  TRY (PARSE_ARRAY (c, doc, "", "mounts", cfg->mounts, parse_mount));
  TRY (PARSE_OBJECT (c, doc, "", "process", cfg->process, parse_process));
  TRY (json_get_string (c, doc, "", "hostname", &cfg->hostname));
  TRY (json_get_string (c, doc, "", "domainname", &cfg->domainname));
  TRY (parse_hooks (c, doc, cfg));
  TRY (parse_annotations (c, doc, cfg));
  TRY (PARSE_OBJECT (c, doc, "", "linux", cfg->linux_, parse_linux));
  return 0;
}

int runtime_config_parse (const char *name, const char *buf, size_t len, struct runtime_config **out, keel_error **err)
{
  _cleanup_json_ yajl_val doc = NULL;
  _cleanup_runtime_config_ struct runtime_config *cfg = NULL;
  json_ctx c = { .file = name, .err = err };

  TRY (json_parse (name, buf, len, &doc, err));
  cfg = calloc (1, sizeof (*cfg));
  if (cfg == NULL)
    return oom (&c);
  TRY (parse_document (&c, doc, cfg));
  *out = keel_steal_ptr (cfg);
  return 0;
}

int runtime_config_parse_process (const char *name, const char *buf, size_t len, struct rc_process **out,
                                  keel_error **err)
{
  _cleanup_json_ yajl_val doc = NULL;
  struct rc_process *p;
  json_ctx c = { .file = name, .err = err };

  TRY (json_parse (name, buf, len, &doc, err));
  TRY (json_expect_object (&c, doc, ""));
  p = calloc (1, sizeof (*p));
  if (p == NULL)
    return oom (&c);
  if (parse_process (&c, doc, "", p) < 0)
    {
      rc_process_free (p);
      return -1;
    }
  *out = p;
  return 0;
}

int rc_resources_parse (const char *name, const char *buf, size_t len, struct rc_resources **out, keel_error **err)
{
  _cleanup_json_ yajl_val doc = NULL;
  struct rc_resources *r;
  json_ctx c = { .file = name, .err = err };

  TRY (json_parse (name, buf, len, &doc, err));
  TRY (json_expect_object (&c, doc, ""));
  r = calloc (1, sizeof (*r));
  if (r == NULL)
    return oom (&c);
  if (parse_resources (&c, doc, "", r) < 0)
    {
      resources_free (r);
      return -1;
    }
  *out = r;
  return 0;
}

void rc_resources_free (struct rc_resources *r)
{
  resources_free (r);
}

int runtime_config_load (const char *path, struct runtime_config **out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  const char *slash = strrchr (path, '/');
  const char *name = slash != NULL && slash[1] != '\0' ? slash + 1 : path;
  size_t len = 0;

  TRY (read_file (path, &buf, &len, err));
  return runtime_config_parse (name, buf, len, out, err);
}

/* ======================================================================
 * Emit
 * ====================================================================== */

typedef void (*elem_emitter) (yajl_gen g, const void *elem);

/* KEY: an array of N objects, each written by FN; nothing when ITEMS is NULL. */
static void gen_array (yajl_gen g, const char *key, const void *items, size_t n, size_t size, elem_emitter fn)
{
  if (items == NULL)
    return;
  json_gen_key (g, key);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      yajl_gen_map_open (g);
      fn (g, (const char *)items + i * size);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

#define GEN_ARRAY(g, key, field, fn) gen_array (g, key, field, field##_len, sizeof (*(field)), fn)

#define GEN_OPT_INT(g, s, has, key, field)                                                                             \
  do                                                                                                                   \
    if ((s)->has)                                                                                                      \
      json_gen_kv_int (g, key, (s)->field);                                                                            \
  while (0)
#define GEN_OPT_UINT(g, s, has, key, field)                                                                            \
  do                                                                                                                   \
    if ((s)->has)                                                                                                      \
      json_gen_kv_uint (g, key, (s)->field);                                                                           \
  while (0)
#define GEN_OPT_BOOL(g, s, has, key, field)                                                                            \
  do                                                                                                                   \
    if ((s)->has)                                                                                                      \
      json_gen_kv_bool (g, key, (s)->field);                                                                           \
  while (0)

static void gen_id_mapping (yajl_gen g, const void *elem)
{
  const struct rc_id_mapping *m = elem;
  json_gen_kv_uint (g, "containerID", m->container_id);
  json_gen_kv_uint (g, "hostID", m->host_id);
  json_gen_kv_uint (g, "size", m->size);
}

static void gen_mount (yajl_gen g, const void *elem)
{
  const struct rc_mount *m = elem;
  json_gen_kv_str (g, "destination", m->destination);
  json_gen_kv_str (g, "type", m->type);
  json_gen_kv_str (g, "source", m->source);
  json_gen_kv_strv (g, "options", m->options);
  GEN_ARRAY (g, "uidMappings", m->uid_mappings, gen_id_mapping);
  GEN_ARRAY (g, "gidMappings", m->gid_mappings, gen_id_mapping);
}

static void gen_user (yajl_gen g, const struct rc_user *u)
{
  json_gen_key (g, "user");
  yajl_gen_map_open (g);
  json_gen_kv_uint (g, "uid", u->uid);
  json_gen_kv_uint (g, "gid", u->gid);
  GEN_OPT_UINT (g, u, has_umask, "umask", umask);
  if (u->additional_gids != NULL)
    {
      json_gen_key (g, "additionalGids");
      yajl_gen_array_open (g);
      for (size_t i = 0; i < u->additional_gids_len; i++)
        yajl_gen_integer (g, u->additional_gids[i]);
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
}

static void gen_capabilities (yajl_gen g, const struct rc_capabilities *caps)
{
  if (caps == NULL)
    return;
  json_gen_key (g, "capabilities");
  yajl_gen_map_open (g);
  json_gen_kv_strv (g, "bounding", caps->bounding.names);
  json_gen_kv_strv (g, "effective", caps->effective.names);
  json_gen_kv_strv (g, "inheritable", caps->inheritable.names);
  json_gen_kv_strv (g, "permitted", caps->permitted.names);
  json_gen_kv_strv (g, "ambient", caps->ambient.names);
  yajl_gen_map_close (g);
}

static void gen_rlimit (yajl_gen g, const void *elem)
{
  const struct rc_rlimit *r = elem;
  json_gen_kv_str (g, "type", r->type);
  json_gen_kv_uint (g, "hard", r->hard);
  json_gen_kv_uint (g, "soft", r->soft);
}

static void gen_scheduler (yajl_gen g, const struct rc_scheduler *s)
{
  if (s == NULL)
    return;
  json_gen_key (g, "scheduler");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "policy", s->policy);
  GEN_OPT_INT (g, s, has_nice, "nice", nice);
  GEN_OPT_INT (g, s, has_priority, "priority", priority);
  json_gen_kv_strv (g, "flags", s->flags);
  GEN_OPT_UINT (g, s, has_runtime, "runtime", runtime);
  GEN_OPT_UINT (g, s, has_deadline, "deadline", deadline);
  GEN_OPT_UINT (g, s, has_period, "period", period);
  yajl_gen_map_close (g);
}

static void gen_process_extras (yajl_gen g, const struct rc_process *p)
{
  if (p->io_priority != NULL)
    {
      json_gen_key (g, "ioPriority");
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "class", p->io_priority->class_name);
      json_gen_kv_int (g, "priority", p->io_priority->priority);
      yajl_gen_map_close (g);
    }
  gen_scheduler (g, p->scheduler);
  if (p->exec_cpu_affinity != NULL)
    {
      json_gen_key (g, "execCPUAffinity");
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "initial", p->exec_cpu_affinity->initial);
      json_gen_kv_str (g, "final", p->exec_cpu_affinity->final);
      yajl_gen_map_close (g);
    }
}

static void gen_process (yajl_gen g, const struct rc_process *p)
{
  if (p == NULL)
    return;
  json_gen_key (g, "process");
  yajl_gen_map_open (g);
  json_gen_kv_bool (g, "terminal", p->terminal);
  if (p->has_console_size)
    {
      json_gen_key (g, "consoleSize");
      yajl_gen_map_open (g);
      json_gen_kv_uint (g, "height", p->console_size.height);
      json_gen_kv_uint (g, "width", p->console_size.width);
      yajl_gen_map_close (g);
    }
  gen_user (g, &p->user);
  json_gen_kv_strv (g, "args", p->args);
  json_gen_kv_strv (g, "env", p->env);
  json_gen_kv_str (g, "cwd", p->cwd);
  gen_capabilities (g, p->capabilities);
  GEN_ARRAY (g, "rlimits", p->rlimits, gen_rlimit);
  json_gen_kv_bool (g, "noNewPrivileges", p->no_new_privileges);
  json_gen_kv_str (g, "apparmorProfile", p->apparmor_profile);
  GEN_OPT_INT (g, p, has_oom_score_adj, "oomScoreAdj", oom_score_adj);
  json_gen_kv_str (g, "selinuxLabel", p->selinux_label);
  gen_process_extras (g, p);
  yajl_gen_map_close (g);
}

static void gen_hook (yajl_gen g, const void *elem)
{
  const struct rc_hook *h = elem;
  json_gen_kv_str (g, "path", h->path);
  json_gen_kv_strv (g, "args", h->args);
  json_gen_kv_strv (g, "env", h->env);
  GEN_OPT_INT (g, h, has_timeout, "timeout", timeout);
}

static void gen_hooks (yajl_gen g, const struct runtime_config *c)
{
  if (!c->has_hooks)
    return;
  json_gen_key (g, "hooks");
  yajl_gen_map_open (g);
  for (int k = 0; k < RC_HOOK_KIND_COUNT; k++)
    gen_array (g, hook_kind_names[k], c->hooks[k].hooks, c->hooks[k].len, sizeof (struct rc_hook), gen_hook);
  yajl_gen_map_close (g);
}

static void gen_namespace (yajl_gen g, const void *elem)
{
  const struct rc_namespace *ns = elem;
  json_gen_kv_str (g, "type", rc_namespace_type_name (ns->type));
  json_gen_kv_str (g, "path", ns->path);
}

static void gen_time_offset (yajl_gen g, const char *clock, const struct rc_time_offset *o)
{
  if (!o->present)
    return;
  json_gen_key (g, clock);
  yajl_gen_map_open (g);
  json_gen_kv_int (g, "secs", o->secs);
  json_gen_kv_uint (g, "nanosecs", o->nanosecs);
  yajl_gen_map_close (g);
}

static void gen_device (yajl_gen g, const void *elem)
{
  const struct rc_device *d = elem;
  json_gen_kv_str (g, "path", d->path);
  json_gen_kv_str (g, "type", d->type);
  GEN_OPT_INT (g, d, has_major, "major", major);
  GEN_OPT_INT (g, d, has_minor, "minor", minor);
  GEN_OPT_UINT (g, d, has_file_mode, "fileMode", file_mode);
  GEN_OPT_UINT (g, d, has_uid, "uid", uid);
  GEN_OPT_UINT (g, d, has_gid, "gid", gid);
}

static void gen_device_cgroup (yajl_gen g, const void *elem)
{
  const struct rc_device_cgroup *d = elem;
  json_gen_kv_bool (g, "allow", d->allow);
  json_gen_kv_str (g, "type", d->type);
  GEN_OPT_INT (g, d, has_major, "major", major);
  GEN_OPT_INT (g, d, has_minor, "minor", minor);
  json_gen_kv_str (g, "access", d->access);
}

static void gen_memory (yajl_gen g, const struct rc_memory *m)
{
  if (m == NULL)
    return;
  json_gen_key (g, "memory");
  yajl_gen_map_open (g);
  GEN_OPT_INT (g, m, has_limit, "limit", limit);
  GEN_OPT_INT (g, m, has_reservation, "reservation", reservation);
  GEN_OPT_INT (g, m, has_swap, "swap", swap);
  GEN_OPT_INT (g, m, has_kernel, "kernel", kernel);
  GEN_OPT_INT (g, m, has_kernel_tcp, "kernelTCP", kernel_tcp);
  GEN_OPT_UINT (g, m, has_swappiness, "swappiness", swappiness);
  GEN_OPT_BOOL (g, m, has_disable_oom_killer, "disableOOMKiller", disable_oom_killer);
  GEN_OPT_BOOL (g, m, has_use_hierarchy, "useHierarchy", use_hierarchy);
  GEN_OPT_BOOL (g, m, has_check_before_update, "checkBeforeUpdate", check_before_update);
  yajl_gen_map_close (g);
}

static void gen_cpu (yajl_gen g, const struct rc_cpu *p)
{
  if (p == NULL)
    return;
  json_gen_key (g, "cpu");
  yajl_gen_map_open (g);
  GEN_OPT_UINT (g, p, has_shares, "shares", shares);
  GEN_OPT_INT (g, p, has_quota, "quota", quota);
  GEN_OPT_UINT (g, p, has_burst, "burst", burst);
  GEN_OPT_UINT (g, p, has_period, "period", period);
  GEN_OPT_INT (g, p, has_realtime_runtime, "realtimeRuntime", realtime_runtime);
  GEN_OPT_UINT (g, p, has_realtime_period, "realtimePeriod", realtime_period);
  json_gen_kv_str (g, "cpus", p->cpus);
  json_gen_kv_str (g, "mems", p->mems);
  GEN_OPT_INT (g, p, has_idle, "idle", idle);
  yajl_gen_map_close (g);
}

static void gen_weight_device (yajl_gen g, const void *elem)
{
  const struct rc_weight_device *d = elem;
  json_gen_kv_int (g, "major", d->major);
  json_gen_kv_int (g, "minor", d->minor);
  GEN_OPT_UINT (g, d, has_weight, "weight", weight);
  GEN_OPT_UINT (g, d, has_leaf_weight, "leafWeight", leaf_weight);
}

static void gen_throttle_device (yajl_gen g, const void *elem)
{
  const struct rc_throttle_device *d = elem;
  json_gen_kv_int (g, "major", d->major);
  json_gen_kv_int (g, "minor", d->minor);
  json_gen_kv_uint (g, "rate", d->rate);
}

static void gen_block_io (yajl_gen g, const struct rc_block_io *b)
{
  if (b == NULL)
    return;
  json_gen_key (g, "blockIO");
  yajl_gen_map_open (g);
  GEN_OPT_UINT (g, b, has_weight, "weight", weight);
  GEN_OPT_UINT (g, b, has_leaf_weight, "leafWeight", leaf_weight);
  GEN_ARRAY (g, "weightDevice", b->weight_device, gen_weight_device);
  GEN_ARRAY (g, "throttleReadBpsDevice", b->throttle_read_bps_device, gen_throttle_device);
  GEN_ARRAY (g, "throttleWriteBpsDevice", b->throttle_write_bps_device, gen_throttle_device);
  GEN_ARRAY (g, "throttleReadIOPSDevice", b->throttle_read_iops_device, gen_throttle_device);
  GEN_ARRAY (g, "throttleWriteIOPSDevice", b->throttle_write_iops_device, gen_throttle_device);
  yajl_gen_map_close (g);
}

static void gen_net_priority (yajl_gen g, const void *elem)
{
  const struct rc_net_priority *p = elem;
  json_gen_kv_str (g, "name", p->name);
  json_gen_kv_uint (g, "priority", p->priority);
}

static void gen_network (yajl_gen g, const struct rc_network *n)
{
  if (n == NULL)
    return;
  json_gen_key (g, "network");
  yajl_gen_map_open (g);
  GEN_OPT_UINT (g, n, has_class_id, "classID", class_id);
  GEN_ARRAY (g, "priorities", n->priorities, gen_net_priority);
  yajl_gen_map_close (g);
}

static void gen_hugepage_limit (yajl_gen g, const void *elem)
{
  const struct rc_hugepage_limit *h = elem;
  json_gen_kv_str (g, "pageSize", h->page_size);
  json_gen_kv_uint (g, "limit", h->limit);
}

static void gen_rdma (yajl_gen g, const struct rc_resources *r)
{
  if (r->rdma == NULL)
    return;
  json_gen_key (g, "rdma");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < r->rdma_len; i++)
    {
      json_gen_key (g, r->rdma[i].device);
      yajl_gen_map_open (g);
      GEN_OPT_UINT (g, &r->rdma[i], has_hca_handles, "hcaHandles", hca_handles);
      GEN_OPT_UINT (g, &r->rdma[i], has_hca_objects, "hcaObjects", hca_objects);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

static void gen_resources (yajl_gen g, const struct rc_resources *r)
{
  if (r == NULL)
    return;
  json_gen_key (g, "resources");
  yajl_gen_map_open (g);
  GEN_ARRAY (g, "devices", r->devices, gen_device_cgroup);
  gen_memory (g, r->memory);
  gen_cpu (g, r->cpu);
  gen_block_io (g, r->block_io);
  GEN_ARRAY (g, "hugepageLimits", r->hugepage_limits, gen_hugepage_limit);
  gen_network (g, r->network);
  if (r->pids != NULL)
    {
      json_gen_key (g, "pids");
      yajl_gen_map_open (g);
      json_gen_kv_int (g, "limit", r->pids->limit);
      yajl_gen_map_close (g);
    }
  gen_rdma (g, r);
  json_gen_kv_map (g, "unified", r->unified);
  yajl_gen_map_close (g);
}

static void gen_intel_rdt (yajl_gen g, const struct rc_intel_rdt *i)
{
  if (i == NULL)
    return;
  json_gen_key (g, "intelRdt");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "closID", i->clos_id);
  json_gen_kv_str (g, "l3CacheSchema", i->l3_cache_schema);
  json_gen_kv_str (g, "memBwSchema", i->mem_bw_schema);
  json_gen_kv_strv (g, "schemata", i->schemata);
  if (i->enable_cmt)
    json_gen_kv_bool (g, "enableCMT", true);
  if (i->enable_mbm)
    json_gen_kv_bool (g, "enableMBM", true);
  yajl_gen_map_close (g);
}

static void gen_seccomp_arg (yajl_gen g, const void *elem)
{
  const struct rc_seccomp_arg *a = elem;
  json_gen_kv_uint (g, "index", a->index);
  json_gen_kv_uint (g, "value", a->value);
  GEN_OPT_UINT (g, a, has_value_two, "valueTwo", value_two);
  json_gen_kv_str (g, "op", a->op);
}

static void gen_seccomp_syscall (yajl_gen g, const void *elem)
{
  const struct rc_seccomp_syscall *s = elem;
  json_gen_kv_strv (g, "names", s->names);
  json_gen_kv_str (g, "action", s->action);
  GEN_OPT_UINT (g, s, has_errno_ret, "errnoRet", errno_ret);
  GEN_ARRAY (g, "args", s->args, gen_seccomp_arg);
}

static void gen_seccomp (yajl_gen g, const struct rc_seccomp *s)
{
  if (s == NULL)
    return;
  json_gen_key (g, "seccomp");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "defaultAction", s->default_action);
  GEN_OPT_UINT (g, s, has_default_errno_ret, "defaultErrnoRet", default_errno_ret);
  json_gen_kv_strv (g, "architectures", s->architectures);
  json_gen_kv_strv (g, "flags", s->flags);
  json_gen_kv_str (g, "listenerPath", s->listener_path);
  json_gen_kv_str (g, "listenerMetadata", s->listener_metadata);
  GEN_ARRAY (g, "syscalls", s->syscalls, gen_seccomp_syscall);
  yajl_gen_map_close (g);
}

static void gen_net_devices (yajl_gen g, const struct rc_linux *l)
{
  if (l->net_devices == NULL)
    return;
  json_gen_key (g, "netDevices");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < l->net_devices_len; i++)
    {
      json_gen_key (g, l->net_devices[i].host_name);
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "name", l->net_devices[i].name);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

static void gen_linux_tail (yajl_gen g, const struct rc_linux *l)
{
  json_gen_kv_str (g, "rootfsPropagation", l->rootfs_propagation);
  json_gen_kv_strv (g, "maskedPaths", l->masked_paths);
  json_gen_kv_strv (g, "readonlyPaths", l->readonly_paths);
  json_gen_kv_str (g, "mountLabel", l->mount_label);
  if (l->personality != NULL)
    {
      json_gen_key (g, "personality");
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "domain", l->personality->domain);
      json_gen_kv_strv (g, "flags", l->personality->flags);
      yajl_gen_map_close (g);
    }
  gen_net_devices (g, l);
}

static void gen_linux (yajl_gen g, const struct rc_linux *l)
{
  if (l == NULL)
    return;
  json_gen_key (g, "linux");
  yajl_gen_map_open (g);
  GEN_ARRAY (g, "namespaces", l->namespaces, gen_namespace);
  GEN_ARRAY (g, "uidMappings", l->uid_mappings, gen_id_mapping);
  GEN_ARRAY (g, "gidMappings", l->gid_mappings, gen_id_mapping);
  if (l->time_offsets != NULL)
    {
      json_gen_key (g, "timeOffsets");
      yajl_gen_map_open (g);
      gen_time_offset (g, "monotonic", &l->time_offsets->monotonic);
      gen_time_offset (g, "boottime", &l->time_offsets->boottime);
      yajl_gen_map_close (g);
    }
  GEN_ARRAY (g, "devices", l->devices, gen_device);
  json_gen_kv_str (g, "cgroupsPath", l->cgroups_path);
  gen_resources (g, l->resources);
  gen_intel_rdt (g, l->intel_rdt);
  json_gen_kv_map (g, "sysctl", l->sysctl);
  gen_seccomp (g, l->seccomp);
  gen_linux_tail (g, l);
  yajl_gen_map_close (g);
}

/* yajl_gen's UTF-8 check drops a bad string silently (the json_gen_* helpers
 * ignore its status), which can shift keys into values; so runtime_config_emit
 * turns the check off and reads the text back, where yajl's parser rejects
 * non-UTF-8 strings (say, an --env value from a command line). */
static int take_checked (yajl_gen g, char **out, size_t *len, keel_error **err)
{
  _cleanup_free_ char *text = NULL;
  _cleanup_json_ yajl_val v = NULL;
  size_t n = 0;

  TRY (json_gen_take (g, &text, &n, err));
  if (json_parse ("generated config.json", text, n, &v, err) < 0)
    return keel_err_prefix (err, "a string is not valid UTF-8");
  *out = keel_steal_ptr (text);
  if (len != NULL)
    *len = n;
  return 0;
}

int runtime_config_emit (const struct runtime_config *c, bool pretty, char **out, size_t *len, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (pretty);

  if (g == NULL)
    return keel_err (err, ENOMEM, "config.json");
  yajl_gen_config (g, yajl_gen_validate_utf8, 0);
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "ociVersion", c->oci_version);
  gen_process (g, c->process);
  if (c->root != NULL)
    {
      json_gen_key (g, "root");
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "path", c->root->path);
      json_gen_kv_bool (g, "readonly", c->root->readonly);
      yajl_gen_map_close (g);
    }
  json_gen_kv_str (g, "hostname", c->hostname);
  json_gen_kv_str (g, "domainname", c->domainname);
  GEN_ARRAY (g, "mounts", c->mounts, gen_mount);
  gen_hooks (g, c);
  json_gen_kv_map (g, "annotations", c->annotations);
  gen_linux (g, c->linux_);
  yajl_gen_map_close (g);
  return take_checked (g, out, len, err);
}
